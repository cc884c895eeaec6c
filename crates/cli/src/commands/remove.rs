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
    let (removed, secret_deleted) = Registry::open_default()?.remove(&args.name)?;
    if secret_deleted {
        println!("Removed \"{}\" and its secret.", removed.name);
    } else {
        // The connection is gone either way; the leftover secret is what doctor looks for.
        println!(
            "Removed \"{}\"; its secret could not be deleted from the keychain: run `repoconn doctor`.",
            removed.name
        );
    }
    Ok(0)
}
