//! `_dxpy`: a built-in module that lets Python code (and DX-Py's own tests) see the
//! C-API layer: the pending C-level error and the coverage registry's call counts.

pub(crate) use _dxpy::module_def;

#[rustpython_vm::pymodule]
mod _dxpy {
    use rustpython_vm::builtins::PyStrRef;
    use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};

    use crate::bridge::errors;
    use crate::registry;

    /// Removes the error indicator a C function left set; returns
    /// `(exception type name, message)` or None.
    #[pyfunction]
    fn take_capi_error(vm: &VirtualMachine) -> PyObjectRef {
        match errors::take() {
            Some(p) => vm.new_tuple((p.type_name(), p.message)).into(),
            None => vm.ctx.none(),
        }
    }

    fn row(name: &PyStrRef, vm: &VirtualMachine) -> PyResult<usize> {
        registry::index_of(&name.to_string_lossy()).ok_or_else(|| {
            vm.new_key_error(vm.ctx.new_str(format!("{} is not in the C-API spec", name.to_string_lossy())).into())
        })
    }

    /// How often the C-API function `name` was called in this process.
    #[pyfunction]
    fn capi_calls(name: PyStrRef, vm: &VirtualMachine) -> PyResult<u64> {
        Ok(registry::calls(row(&name, vm)?))
    }

    /// The spec status of `name`: "implemented", "stub" or "unsupported".
    #[pyfunction]
    fn capi_status(name: PyStrRef, vm: &VirtualMachine) -> PyResult<&'static str> {
        Ok(registry::rows()[row(&name, vm)?].status.as_str())
    }
}
