//! `Include/complexobject.h`: complex numbers. A complex crosses in CPython's layout
//! (`PyComplexObject`: the header, then `Py_complex cval`), materialised in
//! `bridge::object`; `_Py_c_*` are CPython's arithmetic helpers, which report domain and
//! range errors through `errno` as CPython's do.

use dxpy_macros::capi;
use num_complex::Complex64;
use rustpython_vm::builtins::PyComplex;
use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

use crate::bridge::errors::with_vm;
use crate::bridge::layout::*;
use crate::bridge::object::to_c;
use crate::capi::abstract_::live;

fn set_errno(e: i32) {
    // SAFETY: `__errno_location` returns this thread's errno, always writable.
    unsafe { *libc::__errno_location() = e };
}

fn new(vm: &VirtualMachine, c: Py_complex) -> *mut PyObject {
    to_c(vm, &vm.ctx.new_complex(Complex64::new(c.real, c.imag)).into())
}

#[capi]
pub unsafe fn PyComplex_FromDoubles(real: f64, imag: f64) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(new(vm, Py_complex { real, imag })))
}

#[capi]
pub unsafe fn PyComplex_FromCComplex(arg0: Py_complex) -> *mut PyObject {
    with_vm(core::ptr::null_mut(), |vm| Ok(new(vm, arg0)))
}

/// `PyFloat_AsDouble(o)`: `__float__`, then `__index__`, with CPython's message.
fn as_double(vm: &VirtualMachine, o: &PyObjectRef) -> PyResult<f64> {
    if let Some(f) = o.downcast_ref::<rustpython_vm::builtins::PyFloat>() {
        return Ok(f.to_f64());
    }
    if let Some(method) = o.class().get_attr(vm.ctx.intern_str("__float__")) {
        let r = method.call((o.clone(),), vm)?;
        return match r.downcast_ref::<rustpython_vm::builtins::PyFloat>() {
            Some(f) => Ok(f.to_f64()),
            None => Err(vm.new_type_error(format!(
                "{}.__float__ returned non-float (type {})",
                o.class().name(),
                r.class().name()
            ))),
        };
    }
    if let Some(i) = o.try_index_opt(vm) {
        return rustpython_vm::builtins::try_bigint_to_f64(i?.as_bigint(), vm);
    }
    Err(vm.new_type_error(format!("must be real number, not {}", o.class().name())))
}

/// The real part; anything else is converted as `PyFloat_AsDouble` converts it.
#[capi]
pub unsafe fn PyComplex_RealAsDouble(op: *mut PyObject) -> f64 {
    with_vm(-1.0, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, op) }?;
        match o.downcast_ref::<PyComplex>() {
            Some(c) => Ok(c.to_complex().re),
            None => as_double(vm, &o),
        }
    })
}

/// The imaginary part; 0.0 for anything that is not a complex, as in CPython.
#[capi]
pub unsafe fn PyComplex_ImagAsDouble(op: *mut PyObject) -> f64 {
    with_vm(-1.0, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, op) }?;
        Ok(o.downcast_ref::<PyComplex>().map_or(0.0, |c| c.to_complex().im))
    })
}

/// The value: a complex's own, `__complex__`'s result, or `float(op)` with 0 imaginary
/// part; `{-1.0, 0.0}` with the error set on failure.
#[capi]
pub unsafe fn PyComplex_AsCComplex(op: *mut PyObject) -> Py_complex {
    let error = Py_complex { real: -1.0, imag: 0.0 };
    with_vm(error, |vm| {
        // SAFETY: the caller passes a live object (C-API contract).
        let o = unsafe { live(vm, op) }?;
        if let Some(c) = o.downcast_ref::<PyComplex>() {
            let c = c.to_complex();
            return Ok(Py_complex { real: c.re, imag: c.im });
        }
        // The special method is looked up on the type, as CPython's `_PyObject_LookupSpecial`.
        if let Some(method) = o.class().get_attr(vm.ctx.intern_str("__complex__")) {
            let r = method.call((o.clone(),), vm)?;
            let Some(c) = r.downcast_ref::<PyComplex>() else {
                return Err(vm.new_type_error(format!("__complex__ returned non-complex (type {})", r.class().name())));
            };
            let c = c.to_complex();
            return Ok(Py_complex { real: c.re, imag: c.im });
        }
        Ok(Py_complex { real: as_double(vm, &o)?, imag: 0.0 })
    })
}

fn c(v: Py_complex) -> Complex64 {
    Complex64::new(v.real, v.imag)
}

fn py(v: Complex64) -> Py_complex {
    Py_complex { real: v.re, imag: v.im }
}

#[capi]
pub unsafe fn _Py_c_sum(left: Py_complex, right: Py_complex) -> Py_complex {
    py(c(left) + c(right))
}

#[capi]
pub unsafe fn _Py_c_diff(left: Py_complex, right: Py_complex) -> Py_complex {
    py(c(left) - c(right))
}

#[capi]
pub unsafe fn _Py_c_neg(arg0: Py_complex) -> Py_complex {
    py(-c(arg0))
}

#[capi]
pub unsafe fn _Py_c_prod(left: Py_complex, right: Py_complex) -> Py_complex {
    // CPython's schoolbook product (no special handling of infinities).
    Py_complex {
        real: left.real * right.real - left.imag * right.imag,
        imag: left.real * right.imag + left.imag * right.real,
    }
}

/// CPython's quotient (Smith's method); a zero divisor sets `errno` to EDOM.
#[capi]
pub unsafe fn _Py_c_quot(dividend: Py_complex, divisor: Py_complex) -> Py_complex {
    let (a, b) = (dividend, divisor);
    let (abs_breal, abs_bimag) = (b.real.abs(), b.imag.abs());
    if abs_breal >= abs_bimag {
        if abs_breal == 0.0 {
            set_errno(libc::EDOM);
            return Py_complex { real: 0.0, imag: 0.0 };
        }
        let ratio = b.imag / b.real;
        let denom = b.real + b.imag * ratio;
        Py_complex { real: (a.real + a.imag * ratio) / denom, imag: (a.imag - a.real * ratio) / denom }
    } else if abs_bimag >= abs_breal {
        let ratio = b.real / b.imag;
        let denom = b.real * ratio + b.imag;
        Py_complex { real: (a.real * ratio + a.imag) / denom, imag: (a.imag * ratio - a.real) / denom }
    } else {
        // At least one of the divisor's parts is a NaN.
        Py_complex { real: f64::NAN, imag: f64::NAN }
    }
}

/// `a ** b`; 0 to a negative or complex power sets `errno` to EDOM, as CPython does.
#[capi]
pub unsafe fn _Py_c_pow(num: Py_complex, exp: Py_complex) -> Py_complex {
    if exp.real == 0.0 && exp.imag == 0.0 {
        return Py_complex { real: 1.0, imag: 0.0 };
    }
    if num.real == 0.0 && num.imag == 0.0 {
        if exp.imag != 0.0 || exp.real < 0.0 {
            set_errno(libc::EDOM);
        }
        return Py_complex { real: 0.0, imag: 0.0 };
    }
    let vabs = num.real.hypot(num.imag);
    let mut len = vabs.powf(exp.real);
    let at = num.imag.atan2(num.real);
    let mut phase = at * exp.real;
    if exp.imag != 0.0 {
        len /= (at * exp.imag).exp();
        phase += exp.imag * vabs.ln();
    }
    Py_complex { real: len * phase.cos(), imag: len * phase.sin() }
}

/// `abs(z)`: infinite when either part is infinite (even with a NaN), NaN for NaN parts;
/// `errno` ERANGE when a finite value overflows.
#[capi]
pub unsafe fn _Py_c_abs(arg0: Py_complex) -> f64 {
    let z = arg0;
    if !z.real.is_finite() || !z.imag.is_finite() {
        if z.real.is_infinite() || z.imag.is_infinite() {
            return f64::INFINITY;
        }
        return f64::NAN;
    }
    let r = z.real.hypot(z.imag);
    if !r.is_finite() {
        set_errno(libc::ERANGE);
    }
    r
}
