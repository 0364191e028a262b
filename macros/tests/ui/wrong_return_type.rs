use dxpy_macros::capi;

pub struct PyObject;

#[capi]
pub unsafe fn PyLong_AsLong(o: *mut PyObject) -> i32 {
    0
}

fn main() {}
