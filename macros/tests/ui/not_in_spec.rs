use dxpy_macros::capi;

pub struct PyObject;

#[capi]
pub unsafe fn PyFrobnicate(o: *mut PyObject) -> *mut PyObject {
    o
}

fn main() {}
