//! `repoconn`: the Repository Connections engine from the command line. It shares `repoconn-core`
//! with the desktop app, so a check run here gives the same answer as the dialog.
//!
//! This file is the command line's grammar and the dispatch to one file per command
//! ([`commands`]); what several commands share is in [`args`], [`input`], [`output`], [`context`]
//! and [`error`].

mod args;
mod commands;
mod context;
mod error;
mod input;
mod output;
mod signed_in;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use commands::{
    add, change, check, doctor, git, git_credential, info, link, list, remove, repos, rotate, test,
};

#[derive(Parser)]
#[command(
    name = "repoconn",
    version,
    about = "Connect to Bitbucket Cloud and Data Center with the right credentials"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a credential against Bitbucket's API: who it is, what it may do, what is wrong.
    ///
    /// The secret is read from standard input (hidden when typed), never from arguments.
    /// Exit status: 0 usable, 1 not usable (problems listed), 2 usage error, 3 could not verify.
    Check(check::CheckArgs),
    /// Check a credential and, when it is usable, save it: the secret in the OS keychain, the
    /// rest in the connections file. Same flags as `check`; the secret from standard input.
    Add(add::AddArgs),
    /// List saved connections with their status and days to expiry.
    List(list::ListArgs),
    /// Check a saved connection again (a network failure never marks it invalid).
    Test(test::TestArgs),
    /// Replace a saved connection's secret with a new one from standard input, after checking it.
    Rotate(rotate::RotateArgs),
    /// Change a saved connection and keep its secret: --name to rename it, --expires, the
    /// workspace, project or repository, and how its server is reached.
    ///
    /// The saved secret is checked again with the new values, and the change saved only when that
    /// check passes (nothing is read from standard input). Exit status as for `add`.
    Change(change::ChangeArgs),
    /// Delete a saved connection and its secret.
    Remove(remove::RemoveArgs),
    /// Every repository a credential can reach, with your own permission on each.
    ///
    /// The credential is a saved connection (NAME, its secret from the keychain) or given as for
    /// `check` (the secret on standard input). Exit status: 0 listed (also when empty), 1 the
    /// credential does not work (problems listed), 2 usage error, 3 could not verify.
    Repos(repos::ReposArgs),
    /// Show the page where a credential is created and the scopes or permissions to choose.
    ///
    /// For a Data Center token the server is asked its version first (without credentials)
    /// unless --server-version gives it. Exit status: 0 shown, 1 the server did not answer or
    /// cannot issue this kind, 2 usage error (such as a value the page's address needs).
    Link(link::LinkArgs),
    /// Compare the connections file with the keychain and report anything out of step.
    Doctor(doctor::DoctorArgs),
    /// Git's credential helper. Set it up so that it is the only one git asks for the host:
    /// `git config --global --add credential.https://bitbucket.org.helper ""` then
    /// `git config --global --add credential.https://bitbucket.org.helper "repoconn git-credential"`
    /// (the empty entry keeps other helpers from answering with old secrets or copying ours).
    #[command(name = "git-credential")]
    GitCredential(git_credential::GitCredentialArgs),
    /// Show this build's version and where it keeps secrets.
    Info(info::InfoArgs),
    /// Git and Bitbucket: `scan` what git would use, `setup NAME` to make git use only a saved
    /// connection. Exit status: 0 done, 1 nothing to do, refused or (scan) something to fix,
    /// 2 usage error.
    Git(git::GitArgs),
}

/// The whole command line; both binaries (`repoconn`, `git-credential-repoconn`) run this.
pub fn main() -> ExitCode {
    repoconn_core::about::install_panic_hook("repoconn");
    init_logging();
    // Git runs `git-credential-repoconn git-credential get`: that is not our grammar, and a helper
    // must never answer git with a usage error.
    let result = match git_credential::invoked_by_git() {
        Some(operation) => git_credential::run(&operation),
        None => dispatch(Cli::parse().command),
    };
    match result {
        Ok(status) => ExitCode::from(status),
        Err(err) => {
            err.print();
            ExitCode::from(err.exit_code())
        }
    }
}

/// `REPOCONN_LOG=debug` (or any filter) prints what the core does to standard error, as in the app.
/// Secrets are never passed to a log macro anywhere in the code base.
fn init_logging() {
    let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("REPOCONN_LOG") else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
}

fn dispatch(command: Command) -> error::CliResult {
    match command {
        Command::Check(args) => check::run(args),
        Command::Add(args) => add::run(args),
        Command::List(args) => list::run(args),
        Command::Test(args) => test::run(args),
        Command::Rotate(args) => rotate::run(args),
        Command::Change(args) => change::run(args),
        Command::Remove(args) => remove::run(args),
        Command::Repos(args) => repos::run(args),
        Command::Link(args) => link::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::GitCredential(args) => git_credential::run(&args.operation),
        Command::Info(args) => info::run(args),
        Command::Git(args) => git::run(args),
    }
}
