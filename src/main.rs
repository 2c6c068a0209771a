//! The `ussbot` binary: everything lives in the library.

fn main() -> std::process::ExitCode {
    ussbot::cli::main()
}
