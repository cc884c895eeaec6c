//! `repoconn`: the Repository Connections engine from the command line. It shares `repoconn-core`
//! with the desktop app, so a check run here gives the same answer as the dialog.

mod check;
mod connections;
mod git_helper;
mod link;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use repoconn_core::AppInfo;

/// Exit code for a command line that cannot be carried out as written.
pub const USAGE_ERROR: u8 = 2;

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
    Add(connections::AddArgs),
    /// List saved connections with their status and days to expiry.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Check a saved connection again (a network failure never marks it invalid).
    Test(connections::NameArgs),
    /// Replace a saved connection's secret with a new one from standard input, after checking it.
    Rotate(connections::RotateArgs),
    /// Delete a saved connection and its secret.
    Remove(connections::NameArgs),
    /// Show the page where a credential is created and the scopes or permission to choose.
    Link(link::LinkArgs),
    /// Compare the connections file with the keychain and report anything out of step.
    Doctor(connections::DoctorArgs),
    /// Git's credential helper: `git config credential.https://bitbucket.org.helper "repoconn git-credential"`.
    #[command(name = "git-credential")]
    GitCredential {
        /// get, store or erase (others are ignored, as git expects of helpers).
        operation: String,
    },
    /// Show this build's version and where it keeps secrets.
    Info {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// The whole command line; both binaries (`repoconn`, `git-credential-repoconn`) run this.
pub fn main() -> ExitCode {
    if let Some(operation) = git_helper::invoked_by_git() {
        return git_helper::run(&operation);
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
        Command::Add(args) => connections::add(args),
        Command::List { json } => connections::list(json),
        Command::Test(args) => connections::test(args),
        Command::Rotate(args) => connections::rotate(args),
        Command::Remove(args) => connections::remove(args),
        Command::Link(args) => link::run(args),
        Command::Doctor(args) => connections::doctor(args),
        Command::GitCredential { operation } => git_helper::run(&operation),
        Command::Info { json } => print_info(&AppInfo::current(), json),
    }
}

fn print_info(info: &AppInfo, json: bool) -> ExitCode {
    if json {
        match serde_json::to_string_pretty(info) {
            Ok(text) => println!("{text}"),
            Err(err) => {
                eprintln!("repoconn: cannot encode the answer as JSON: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        println!("{} {}", info.name, info.version);
        println!("platform: {}-{}", info.os, info.arch);
        println!("keychain: {}", info.keychain_name);
        match &info.data_dir {
            Some(dir) => println!("data folder: {dir}"),
            None => println!("data folder: none (set REPOCONN_DATA_DIR: this system reports no home folder)"),
        }
    }
    ExitCode::SUCCESS
}
