//! `repoconn doctor`: compare the connections file with the keychain and report anything out of
//! step (what an interrupted add, rotate or remove leaves behind), and repair it on request.
//! With `--bundle FILE` it also writes the support bundle: one JSON file, without any secret,
//! to attach to a request for help.

use std::path::{Path, PathBuf};

use clap::Args;
use repoconn_core::about::bundle::{Sources, SupportBundle};
use repoconn_core::domain::catalogue::StorageError;
use repoconn_core::policy::PolicyState;
use repoconn_core::store::registry::{Health, Registry};

use crate::error::{CliError, CliResult, NOT_USABLE};
use crate::output::{self, quote};

#[derive(Args)]
pub struct DoctorArgs {
    /// Delete keychain items that belong to no connection (left by an interrupted change).
    #[arg(long)]
    pub repair: bool,
    #[arg(long)]
    pub json: bool,
    /// Also write the support bundle to FILE (JSON, readable by you only): versions, system,
    /// keychain health, policy, proxy, connections and git's helpers; never a secret.
    #[arg(long, value_name = "FILE")]
    pub bundle: Option<PathBuf>,
}

pub fn run(args: DoctorArgs) -> CliResult {
    let registry = Registry::open_default();
    let health = match &registry {
        Ok(registry) if args.repair => registry.repair(),
        Ok(registry) => registry.doctor(),
        Err(err) => Err(err.clone()),
    };
    // Written whatever the health: a keychain that cannot be reached is when help is needed most.
    if let Some(path) = &args.bundle {
        let said = write_bundle(path, health.clone())?;
        if args.json {
            eprintln!("{said}");
        } else {
            println!("{said}");
        }
    }
    let (health, registry) = (health?, registry?);
    if args.json {
        output::print_json(serde_json::to_string_pretty(&health))?;
    } else {
        print_health(&health, &registry);
    }
    // Scripts (and monitoring) learn from the status alone whether anything needs attention.
    Ok(if health.is_consistent() { 0 } else { NOT_USABLE })
}

fn print_health(health: &Health, registry: &Registry) {
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

/// Writes the support bundle to `path`; what to print about it.
fn write_bundle(path: &Path, health: Result<Health, StorageError>) -> Result<String, CliError> {
    let policy = PolicyState::load();
    let bundle = SupportBundle::collect(Sources::current(health, &policy));
    bundle.write_to(path).map_err(|err| {
        CliError::failed(format!(
            "The support bundle could not be written to {}: {err}.",
            path.display()
        ))
        .with_fix("Give --bundle a file in a folder you can write to, such as ~/repoconn-support.json.")
    })?;
    let private = if cfg!(unix) { " (readable by you only)" } else { "" };
    Ok(format!(
        "Support bundle written to {}{private}: {}.",
        path.display(),
        bundle.summary()
    ))
}
