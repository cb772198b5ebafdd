fn main() -> std::process::ExitCode {
    let code = vnetform::run(std::env::args_os().collect());
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}
