fn main() -> std::process::ExitCode {
    repoconn_cli::main()
}
