//! `repoconn doctor`: compare the connections file with the keychain and report anything out of
//! step (what an interrupted add, rotate or remove leaves behind), and repair it on request.

use clap::Args;
use repoconn_core::store::registry::Registry;

use crate::error::{CliResult, NOT_USABLE};
use crate::output::{self, quote};

#[derive(Args)]
pub struct DoctorArgs {
    /// Delete keychain items that belong to no connection (left by an interrupted change).
    #[arg(long)]
    pub repair: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: DoctorArgs) -> CliResult {
    let registry = Registry::open_default()?;
    let health = if args.repair {
        registry.repair()?
    } else {
        registry.doctor()?
    };
    if args.json {
        output::print_json(serde_json::to_string_pretty(&health))?;
    } else {
        println!(
            "{} connection(s) in {}",
            health.connections,
            registry.file_path().display()
        );
        for name in &health.missing_secrets {
            println!(
                "problem: \"{name}\" has no secret in the keychain: `repoconn rotate {}` stores a new one.",
                quote(name)
            );
        }
        for account in &health.orphan_secrets {
            println!(
                "problem: keychain item {account} belongs to no connection: `repoconn doctor --repair` deletes it."
            );
        }
        if !health.keychain_listable {
            println!("note: this keychain cannot list its items, so stray secrets cannot be found.");
        }
        if health.is_consistent() {
            println!("Everything is consistent.");
        }
    }
    // Scripts (and monitoring) learn from the status alone whether anything needs attention.
    Ok(if health.is_consistent() { 0 } else { NOT_USABLE })
}
