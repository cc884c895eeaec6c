//! `repoconn rotate`: replace a saved connection's secret with a new one from standard input (or,
//! for a signed-in OAuth connection, sign in again). The new secret is checked first; the old one
//! stays until the new one is saved.

use clap::Args;
use repoconn_core::flows;
use repoconn_core::store::registry::Registry;

use crate::args;
use crate::context;
use crate::error::CliResult;
use crate::input;
use crate::output;

#[derive(Args)]
pub struct RotateArgs {
    pub name: String,
    /// When the new token expires (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
    /// A signed-in (OAuth) connection: sign in again without opening a browser, pasting back
    /// the address the browser ended on.
    #[arg(long)]
    pub no_browser: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RotateArgs) -> CliResult {
    let expires_on = args::expires(args.expires.as_deref())?;
    let registry = Registry::open_default()?;
    let env = context::environment()?;
    let runtime = context::runtime()?;
    // The saved method names the secret in the prompt, and an unknown name fails before it.
    let method = registry.get(&args.name)?.method;
    if method.is_oauth() {
        // Nothing to paste: a signed-in connection is renewed by signing in again.
        return crate::commands::sign_in::again(&registry, &args.name, args.no_browser, args.json);
    }
    let secret = input::read_secret(method)?;
    let saved = runtime.block_on(flows::rotate(&registry, &args.name, secret, expires_on, &env))?;
    output::print_saved(&saved, args.json, "Rotated")
}
