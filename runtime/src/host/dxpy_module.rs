//! `_dxpy`: DX-Py's built-in module. It loads extension modules for the import hook in
//! `extension_import.py`, and lets Python code (and DX-Py's tests) see the C-API layer:
//! the pending C-level error and the coverage registry's call counts.

pub(crate) use _dxpy::module_def;

#[rustpython_vm::pymodule]
mod _dxpy {
    use rustpython_vm::builtins::{PyBaseExceptionRef, PyStrRef};
    use rustpython_vm::{AsObject, PyObjectRef, PyResult, VirtualMachine};

    use crate::bridge::errors;
    use crate::ext::abi;
    use crate::ext::loader::{self, LoadError};
    use crate::registry;
    use dxpy_codegen::spec::Status;

    /// `importlib.machinery.EXTENSION_SUFFIXES` for this platform, in CPython's order.
    #[pyfunction]
    fn extension_suffixes(vm: &VirtualMachine) -> PyObjectRef {
        let suffixes = abi::extension_suffixes(abi::Platform::LinuxX86_64, (3, 11));
        vm.ctx.new_list(suffixes.into_iter().map(|s| vm.ctx.new_str(s).into()).collect()).into()
    }

    /// Loads extension module `name` from `path` (the loader's `create_module`); `spec` is
    /// the module spec multi-phase modules are created from.
    #[pyfunction]
    fn load_extension(
        name: PyStrRef,
        path: PyStrRef,
        spec: rustpython_vm::function::OptionalArg<PyObjectRef>,
        vm: &VirtualMachine,
    ) -> PyResult<PyObjectRef> {
        let path_str = path.to_string_lossy().into_owned();
        let spec = spec.into_option();
        match loader::load(vm, &name.to_string_lossy(), std::path::Path::new(&path_str), spec.as_ref()) {
            // SAFETY: `load` returns the new reference the init function gave.
            Ok(module) => unsafe { crate::bridge::call::result_of(vm, module) },
            Err(e) => Err(to_exception(e, name, path, vm)),
        }
    }

    /// Runs a multi-phase module's exec slots (the loader's `exec_module`); nothing for
    /// other modules or a module already executed.
    #[pyfunction]
    fn exec_extension(module: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        let Some(p) = crate::bridge::object::proxy_of(&module) else {
            return Ok(());
        };
        let Some(def) = crate::capi::moduleobject::needs_exec(p) else {
            return Ok(());
        };
        // SAFETY: `p` is the module's live proxy (the module registry holds a reference)
        // and `def` the definition it was made from.
        unsafe { crate::capi::moduleobject::exec_def(vm, p, def) }
    }

    fn to_exception(e: LoadError, name: PyStrRef, path: PyStrRef, vm: &VirtualMachine) -> PyBaseExceptionRef {
        match e {
            // The exception the init function set, with its class and value as C gave them.
            LoadError::InitRaised(p) => crate::bridge::call::exception(vm, &p),
            LoadError::Raised(exc) => exc,
            LoadError::InitFailedSilently { .. } | LoadError::InitUnreported { .. } | LoadError::System(_) => {
                vm.new_system_error(e.to_string())
            }
            _ => {
                let exc = vm.new_import_error(e.to_string(), name);
                let _ = exc.as_object().set_attr("path", path, vm);
                exc
            }
        }
    }

    /// Number of live C proxies of interpreter objects (for leak checks).
    #[pyfunction]
    fn live_proxies() -> usize {
        crate::bridge::object::live_proxies()
    }

    /// How many times C-API functions DX-Py lacks have been called (see `missing::calls`).
    #[pyfunction]
    fn missing_calls() -> usize {
        crate::missing::calls()
    }

    /// What importing the extension at `path` (as module `name`, when given) would run
    /// into, without loading it: `(problem or None, [C-API entries it uses that are not
    /// implemented], [symbols CPython 3.11 does not export])`.
    #[pyfunction]
    fn check_extension(
        path: PyStrRef,
        name: rustpython_vm::function::OptionalArg<PyStrRef>,
        vm: &VirtualMachine,
    ) -> PyObjectRef {
        let path = std::path::PathBuf::from(path.to_string_lossy().into_owned());
        let init =
            name.into_option().map(|n| loader::init_symbol(n.to_string_lossy().rsplit('.').next().unwrap_or_default()));
        let strs = |v: Vec<String>| -> PyObjectRef {
            vm.ctx.new_list(v.into_iter().map(|s| vm.ctx.new_str(s).into()).collect()).into()
        };
        let (problem, stubbed, missing) = match loader::check(&path) {
            Ok(info) if init.as_ref().is_some_and(|i| !info.init_functions.contains(i)) => {
                let problem = format!(
                    "{}: dynamic module does not define module export function ({})",
                    path.display(),
                    init.unwrap_or_default()
                );
                (vm.ctx.new_str(problem).into(), Vec::new(), Vec::new())
            }
            Ok(info) => {
                let stubbed = info
                    .imports
                    .iter()
                    .filter(|s| {
                        registry::index_of(s).is_some_and(|i| registry::rows()[i].status != Status::Implemented)
                    })
                    .cloned()
                    .collect();
                (vm.ctx.none(), stubbed, Vec::new())
            }
            Err(LoadError::UnknownSymbols { names, .. }) => (vm.ctx.none(), Vec::new(), names),
            Err(e) => (vm.ctx.new_str(e.to_string()).into(), Vec::new(), Vec::new()),
        };
        vm.new_tuple((problem, strs(stubbed), strs(missing))).into()
    }

    /// `sys.getdlopenflags()`.
    #[pyfunction]
    fn getdlopenflags() -> i32 {
        loader::dlopen_flags()
    }

    /// `sys.setdlopenflags(flags)`.
    #[pyfunction]
    fn setdlopenflags(flags: i32) {
        loader::set_dlopen_flags(flags)
    }

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
