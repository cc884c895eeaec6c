//! `repoconn`: the whole program is the library, which the `git-credential-repoconn` binary runs too.

fn main() -> std::process::ExitCode {
    repoconn_cli::main()
}
