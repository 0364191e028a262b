use dxpy_macros::capi;

#[capi]
pub unsafe fn PyLong_AsLong(o: *mut u8) -> core::ffi::c_long {
    0
}

fn main() {}
