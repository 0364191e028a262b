fn main() -> std::process::ExitCode {
    dxpy::host::main()
}
