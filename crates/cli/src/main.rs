//! `repoconn`: the Repository Connections engine from the command line. It shares `repoconn-core`
//! with the desktop app, so a check run here gives the same answer as the dialog.

mod check;

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
    /// Show this build's version and where it keeps secrets.
    Info {
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(args),
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
