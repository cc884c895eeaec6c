//! `repoconn remove`: delete a saved connection and its secret.

use clap::Args;
use repoconn_core::store::registry::Registry;

use crate::error::CliResult;

#[derive(Args)]
pub struct RemoveArgs {
    pub name: String,
    // Accepted as it always was, although there is nothing to print as JSON: scripts passing it
    // keep working.
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RemoveArgs) -> CliResult {
    // The core refuses (exit 4, nothing changed) when the keychain cannot delete the secret.
    let (removed, had_secret) = Registry::open_default()?.remove(&args.name)?;
    if had_secret {
        println!("Removed \"{}\" and its secret.", removed.name);
    } else {
        println!(
            "Removed \"{}\" (the keychain held no secret for it).",
            removed.name
        );
    }
    Ok(0)
}
