//! Graceful crashes, in the spirit of CPython's `faulthandler`: a fatal signal (SIGSEGV,
//! SIGBUS, SIGILL, SIGFPE, SIGABRT) prints which extension and C function was running and
//! the last C-API call made, then the process dies of the same signal, so its exit status
//! still says how it died (a shell sees 128+N).
//!
//! The handler runs in a process that is already broken: it may have interrupted `malloc`
//! or a lock holder. So it allocates nothing, takes no Rust locks and formats into a fixed
//! buffer written with `write(2)`. Two calls are not async-signal-safe by POSIX and are a
//! deliberate trade-off: `dladdr` and glibc's `backtrace` take the loader's recursive lock
//! (a deadlock needs the crash to happen inside another thread's `dlopen`) and read its
//! tables; without them the report could not name the extension. The report is written
//! in steps, the safest first, so a second fault while walking the stack still leaves
//! the signal, the program counter and the last C-API call on stderr.
//!
//! No Python traceback: walking the interpreter's frames means taking its locks and
//! touching reference-counted objects, which is not safe from a signal handler.

use core::ffi::{c_char, c_int, c_void};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::registry;

/// The signals reported; all of them mean the process cannot continue.
const SIGNALS: [c_int; 5] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE, libc::SIGABRT];

/// Size of the alternate signal stack of the thread that calls `install`. Big enough for
/// `dladdr` plus the unwinder behind `backtrace`, which need more than the 8 KiB std gives.
const ALT_STACK_SIZE: usize = 64 * 1024;

/// Frames looked at to find the extension that called into a crashing library function.
const MAX_FRAMES: usize = 64;

/// Shared objects that are never "the extension": the C runtime, the loader, the unwinder
/// and the libraries ctypes and C++ extensions run through.
const SYSTEM_OBJECTS: [&[u8]; 10] = [
    b"libc.so",
    b"ld-linux",
    b"libpthread.so",
    b"libdl.so",
    b"libm.so",
    b"libgcc_s.so",
    b"libstdc++.so",
    b"libffi.so",
    b"linux-vdso.so",
    b"libunwind.so",
];

static INSTALLED: AtomicBool = AtomicBool::new(false);

/// Load address of DX-Py's own binary (0: unknown), to tell its frames from extensions'.
static OWN_BASE: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" {
    /// glibc's `backtrace(3)`: return addresses of the current call stack.
    fn backtrace(buffer: *mut *mut c_void, size: c_int) -> c_int;
}

/// Installs the crash report for the fatal signals (replacing std's stack-overflow
/// handler; overflows are reported too).
///
/// Safe to call again, and it must be: RustPython's `_signal` module, while the interpreter
/// initialises, probes every signal with `signal(2)` and puts our handler back without
/// its flags (no SA_ONSTACK: a stack overflow would then die silently). Calling `install`
/// after the interpreter is built restores them.
pub fn install() {
    if !INSTALLED.swap(true, Ordering::AcqRel) {
        if let Some(loc) = lookup(install as *const () as usize) {
            OWN_BASE.store(loc.base, Ordering::Relaxed);
        }
        // glibc's `backtrace` loads libgcc_s (allocating) on first use; doing that now
        // keeps the handler's call free of it.
        let mut warm = [core::ptr::null_mut::<c_void>(); 2];
        // SAFETY: `warm` has room for the 2 entries `backtrace` may write.
        unsafe { backtrace(warm.as_mut_ptr(), warm.len() as c_int) };
        install_alt_stack();
    }
    // SAFETY: `sigaction` is plain data, fully initialised here; the handler has the
    // SA_SIGINFO signature. Blocking all five signals while it runs makes a second fatal
    // fault during the report kill the process at once instead of re-entering it.
    unsafe {
        let mut action: libc::sigaction = core::mem::zeroed();
        action.sa_sigaction = handler as *const () as libc::sighandler_t;
        // SA_RESETHAND: once the report starts, the signal's default action is back, so
        // re-raising it (or re-executing the faulting instruction) ends the process.
        action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_RESETHAND;
        libc::sigemptyset(&mut action.sa_mask);
        for sig in SIGNALS {
            libc::sigaddset(&mut action.sa_mask, sig);
        }
        for sig in SIGNALS {
            libc::sigaction(sig, &action, core::ptr::null_mut());
        }
    }
}

/// Gives the calling thread (the main thread, where extensions run) an alternate signal
/// stack, so a stack overflow is reported too: the handler cannot run on the overflowed
/// stack. Threads started by std have std's own (smaller) alternate stack.
fn install_alt_stack() {
    // SAFETY: `sigaltstack` reads and writes plain `stack_t` values. The mapping is never
    // unmapped: the kernel may switch to it at any time until the process ends.
    unsafe {
        let mut current: libc::stack_t = core::mem::zeroed();
        if libc::sigaltstack(core::ptr::null(), &mut current) == 0
            && current.ss_flags & libc::SS_DISABLE == 0
            && current.ss_size >= ALT_STACK_SIZE
        {
            return;
        }
        let page = usize::try_from(libc::sysconf(libc::_SC_PAGESIZE)).unwrap_or(4096);
        let len = ALT_STACK_SIZE + page;
        let mem = libc::mmap(
            core::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if mem == libc::MAP_FAILED {
            return;
        }
        // A guard page below the stack: overflowing the handler's stack faults instead
        // of overwriting whatever was mapped there.
        libc::mprotect(mem, page, libc::PROT_NONE);
        let stack = libc::stack_t { ss_sp: mem.cast::<u8>().add(page).cast(), ss_flags: 0, ss_size: ALT_STACK_SIZE };
        libc::sigaltstack(&stack, core::ptr::null_mut());
    }
}

extern "C" fn handler(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut c_void) {
    let mut out = Buf::new();
    out.str("Fatal Python error: ").str(signal_name(sig));
    let fault = fault_address(sig, info);
    if let Some(addr) = fault {
        out.str(" (fault address ").hex(addr).str(")");
    }
    out.str("\n\n");
    out.flush();

    let pc = program_counter(ctx);
    let here = pc.and_then(lookup);
    match (pc, here) {
        (None, _) => {
            out.str("  program counter not available on this architecture\n");
        }
        (Some(pc), loc) => {
            describe(&mut out, "in", pc, loc);
        }
    }
    if let (Some(addr), Some(sp)) = (fault, stack_pointer(ctx))
        && addr.abs_diff(sp) < 1 << 20
    {
        out.str("  the fault address is next to the stack pointer: most likely a stack overflow\n");
    }
    out.str("  last C-API call: ").str(registry::last_call().unwrap_or("none")).str("\n");
    out.flush();

    // The crash happened in DX-Py or a system library (abort() is always in libc): name
    // the extension that called it, if any, from the stack.
    if !matches!(here, Some(Location { kind: Kind::Extension, .. })) {
        let mut frames = [core::ptr::null_mut::<c_void>(); MAX_FRAMES];
        // SAFETY: `frames` has room for the MAX_FRAMES entries we allow. See the module
        // comment for why calling the unwinder here is an accepted risk.
        let n = unsafe { backtrace(frames.as_mut_ptr(), MAX_FRAMES as c_int) };
        let n = usize::try_from(n).unwrap_or(0).min(MAX_FRAMES);
        for &ra in &frames[..n] {
            // A return address may point just past a call to a noreturn function
            // (`abort`), i.e. past the caller's end: look up the call instruction instead.
            let ra = ra as usize;
            if let Some(loc @ Location { kind: Kind::Extension, .. }) = lookup(ra.wrapping_sub(1)) {
                describe(&mut out, "called from", ra, Some(loc));
                break;
            }
        }
    }
    out.str("  (DX-Py: native code crashed the process; the Python traceback is not available here.\n")
        .str("   Check the extension under CPython 3.11, or report this block with the extension's name.)\n");
    out.flush();

    // SAFETY: restoring the default action and raising are async-signal-safe. The signal
    // is blocked while this handler runs, so it is delivered, with its default action
    // (terminate, core dump), as soon as the handler returns.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Writes one line about `pc`: which object and function it is in.
fn describe(out: &mut Buf, prefix: &str, pc: usize, loc: Option<Location>) {
    out.str("  ").str(prefix).str(" ");
    let Some(loc) = loc else {
        out.str("unknown code (pc ").hex(pc).str(", not in any loaded object)\n");
        return;
    };
    match loc.kind {
        Kind::Extension => out.str("extension ").cstr(loc.file),
        Kind::Own => out.str("DX-Py itself (").cstr(loc.file).str(")"),
        Kind::System => out.cstr(loc.file),
    };
    out.str(", function ");
    if loc.symbol.is_null() {
        out.str("unknown (not an exported symbol)");
    } else {
        out.cstr(loc.symbol);
    }
    // The address relative to the object's load base is what `addr2line -e FILE` takes.
    out.str(" (pc ").hex(pc).str(", address ").hex(pc.wrapping_sub(loc.base)).str(" in the object)\n");
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// DX-Py's own binary.
    Own,
    /// The C library, the loader and the like.
    System,
    /// Anything else: an extension module or a library it brought.
    Extension,
}

#[derive(Clone, Copy)]
struct Location {
    kind: Kind,
    /// NUL-terminated path of the shared object, owned by the loader.
    file: *const c_char,
    /// NUL-terminated name of the enclosing exported symbol, or null.
    symbol: *const c_char,
    base: usize,
}

fn lookup(addr: usize) -> Option<Location> {
    // SAFETY: `dladdr` only reads the loader's tables; `info` is plain data it fills. The
    // strings it points to live as long as the object stays loaded (here: until exit).
    let info = unsafe {
        let mut info: libc::Dl_info = core::mem::zeroed();
        if libc::dladdr(addr as *const c_void, &mut info) == 0 || info.dli_fname.is_null() {
            return None;
        }
        info
    };
    let base = info.dli_fbase as usize;
    let own = OWN_BASE.load(Ordering::Relaxed);
    let kind = if own != 0 && base == own {
        Kind::Own
    } else if is_system(info.dli_fname) {
        Kind::System
    } else {
        Kind::Extension
    };
    Some(Location { kind, file: info.dli_fname, symbol: info.dli_sname, base })
}

/// Whether the file name (after the last '/') starts with one of `SYSTEM_OBJECTS`.
fn is_system(path: *const c_char) -> bool {
    // SAFETY: `path` is a NUL-terminated string from `dladdr`; `cstr_bytes` stops at the
    // NUL or its length cap.
    let path = unsafe { cstr_bytes(path) };
    let name = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => &path[i + 1..],
        None => path,
    };
    SYSTEM_OBJECTS.iter().any(|s| name.starts_with(s))
}

/// The bytes of a C string, at most 4096 of them.
///
/// # Safety
/// `p` is null or points to a NUL-terminated string (or at least 4096 readable bytes).
unsafe fn cstr_bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    let mut n = 0;
    // SAFETY: the caller guarantees the bytes up to the NUL (or the cap) are readable.
    while n < 4096 && unsafe { *p.add(n) } != 0 {
        n += 1;
    }
    // SAFETY: the `n` bytes just read are readable and stay alive (see the caller).
    unsafe { core::slice::from_raw_parts(p.cast::<u8>(), n) }
}

fn signal_name(sig: c_int) -> &'static str {
    // The wording of CPython's faulthandler.
    match sig {
        libc::SIGSEGV => "Segmentation fault",
        libc::SIGBUS => "Bus error",
        libc::SIGILL => "Illegal instruction",
        libc::SIGFPE => "Floating point exception",
        libc::SIGABRT => "Aborted",
        _ => "Fatal signal",
    }
}

/// The faulting data address, for the signals that have one.
fn fault_address(sig: c_int, info: *mut libc::siginfo_t) -> Option<usize> {
    if info.is_null() || !matches!(sig, libc::SIGSEGV | libc::SIGBUS) {
        return None;
    }
    // SAFETY: the kernel passes a valid siginfo with SA_SIGINFO; for SIGSEGV and SIGBUS
    // `si_addr` is the field it filled.
    Some(unsafe { (*info).si_addr() } as usize)
}

#[cfg(target_arch = "x86_64")]
fn register(ctx: *mut c_void, reg: c_int) -> Option<usize> {
    if ctx.is_null() {
        return None;
    }
    // SAFETY: with SA_SIGINFO the third handler argument is the interrupted thread's
    // `ucontext_t`, valid for the duration of the handler.
    let gregs = unsafe { &(*ctx.cast::<libc::ucontext_t>()).uc_mcontext.gregs };
    Some(gregs[usize::try_from(reg).ok()?] as usize)
}

#[cfg(target_arch = "x86_64")]
fn program_counter(ctx: *mut c_void) -> Option<usize> {
    register(ctx, libc::REG_RIP)
}

#[cfg(target_arch = "x86_64")]
fn stack_pointer(ctx: *mut c_void) -> Option<usize> {
    register(ctx, libc::REG_RSP)
}

// Other architectures: no register access yet; the report says the PC is unknown and
// still names the extension from the stack.
#[cfg(not(target_arch = "x86_64"))]
fn program_counter(_ctx: *mut c_void) -> Option<usize> {
    None
}

#[cfg(not(target_arch = "x86_64"))]
fn stack_pointer(_ctx: *mut c_void) -> Option<usize> {
    None
}

/// A fixed-size output buffer for the handler: no allocation, flushed with `write(2)`.
/// Text past the capacity is dropped, never an error.
struct Buf {
    bytes: [u8; 1024],
    len: usize,
}

impl Buf {
    fn new() -> Self {
        Buf { bytes: [0; 1024], len: 0 }
    }

    fn raw(&mut self, s: &[u8]) -> &mut Self {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
        self
    }

    fn str(&mut self, s: &str) -> &mut Self {
        self.raw(s.as_bytes())
    }

    fn cstr(&mut self, p: *const c_char) -> &mut Self {
        // SAFETY: every C string printed comes from `dladdr` (NUL-terminated, loader-owned).
        let s = unsafe { cstr_bytes(p) };
        self.raw(s)
    }

    fn hex(&mut self, v: usize) -> &mut Self {
        let mut digits = [0u8; 2 + 2 * size_of::<usize>()];
        let mut i = digits.len();
        let mut v = v;
        loop {
            i -= 1;
            digits[i] = b"0123456789abcdef"[v & 0xf];
            v >>= 4;
            if v == 0 {
                break;
            }
        }
        i -= 2;
        digits[i..i + 2].copy_from_slice(b"0x");
        self.raw(&digits[i..])
    }

    /// Writes the buffer to stderr and empties it.
    fn flush(&mut self) {
        let mut done = 0;
        while done < self.len {
            // SAFETY: the range is inside `bytes`; `write` is async-signal-safe.
            let n = unsafe { libc::write(2, self.bytes[done..].as_ptr().cast(), self.len - done) };
            if n > 0 {
                done += n as usize;
            // SAFETY: reading this thread's errno right after the failed call.
            } else if n < 0 && unsafe { *libc::__errno_location() } == libc::EINTR {
                continue;
            } else {
                break;
            }
        }
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_formats_like_printf() {
        let mut b = Buf::new();
        b.hex(0).str(" ").hex(0x1139).str(" ").hex(usize::MAX);
        assert_eq!(&b.bytes[..b.len], b"0x0 0x1139 0xffffffffffffffff");
    }

    #[test]
    fn buffer_truncates_instead_of_failing() {
        let mut b = Buf::new();
        for _ in 0..300 {
            b.str("abcd");
        }
        assert_eq!(b.len, b.bytes.len());
    }

    #[test]
    fn system_objects_are_told_from_extensions() {
        assert!(is_system(c"/lib/x86_64-linux-gnu/libc.so.6".as_ptr()));
        assert!(is_system(c"/lib64/ld-linux-x86-64.so.2".as_ptr()));
        assert!(!is_system(c"/tmp/x/crash.so".as_ptr()));
        assert!(!is_system(c"/venv/numpy/core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so".as_ptr()));
    }

    #[test]
    fn own_code_is_located() {
        let loc = lookup(own_code_is_located as *const () as usize).expect("dladdr knows the test binary");
        assert!(!loc.file.is_null());
    }
}
