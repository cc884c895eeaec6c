//! `repoconn` under the name git runs for a helper configured as "repoconn git-credential".

fn main() -> std::process::ExitCode {
    repoconn_cli::main()
}
