use dxpy_macros::capi;

pub struct PyObject;

#[capi]
pub unsafe fn PyObject_Repr(o: *mut PyObject) -> *mut PyObject {
    o
}

fn main() {}
