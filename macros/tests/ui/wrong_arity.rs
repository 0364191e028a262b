use dxpy_macros::capi;

pub struct PyObject;

#[capi]
pub unsafe fn PyLong_AsLong(o: *mut PyObject, extra: i32) -> core::ffi::c_long {
    0
}

fn main() {}
