//! `repoconn add`: check a credential and, only when it is usable, save it (the secret in the
//! keychain, the rest in the connections file).

use clap::Args;
use repoconn_core::flows;
use repoconn_core::store::registry::Registry;

use crate::args::{self, CheckOptions, Target};
use crate::context;
use crate::error::CliResult;
use crate::output;

#[derive(Args)]
pub struct AddArgs {
    /// A name for the connection (letters, digits, spaces, . _ -).
    pub name: String,
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub options: CheckOptions,
    /// When the token expires (YYYY-MM-DD). Default for Cloud API tokens: a year from today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
}

pub fn run(args: AddArgs) -> CliResult {
    let expires_on = args::expires(args.expires.as_deref())?;
    let json = args.options.json;
    let (request, env) = args::prepare(args.target, &args.options)?;
    let registry = Registry::open_default()?;
    let runtime = context::runtime()?;
    let saved = runtime.block_on(flows::add(&registry, &args.name, request, expires_on, &env))?;
    output::print_saved(&saved, json, "Saved")
}
