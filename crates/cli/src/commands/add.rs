//! `repoconn add`: check a credential and, only when it is usable, save it (the secret in the
//! keychain, the rest in the connections file).

use clap::Args;
use repoconn_core::flows;
use repoconn_core::store::registry::Registry;

use crate::args::{self, CheckOptions, Target};
use crate::commands::sign_in::{self, SignIn};
use crate::context;
use crate::error::{CliError, CliResult};
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
    /// The OAuth consumer's key (--method oauth); its secret is read from standard input.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Sign in without opening a browser (--method oauth): print the address, then read the
    /// address the browser ended on, or the code, from standard input.
    #[arg(long)]
    pub no_browser: bool,
    /// The redirect URL the Data Center application link is registered with (--server --method
    /// oauth), when not the policy's or http://127.0.0.1:47613/repoconn/callback.
    #[arg(long, value_name = "URL")]
    pub redirect_uri: Option<String>,
}

pub fn run(args: AddArgs) -> CliResult {
    if args.target.method().is_oauth() {
        return sign_in::run(SignIn {
            name: args.name,
            target: args.target,
            options: args.options,
            client_id: args.client_id,
            no_browser: args.no_browser,
            redirect_uri: args.redirect_uri,
        });
    }
    if args.client_id.is_some() || args.no_browser || args.redirect_uri.is_some() {
        return Err(CliError::usage(
            "--client-id, --no-browser and --redirect-uri are for --method oauth",
        ));
    }
    let expires_on = args::expires(args.expires.as_deref())?;
    let json = args.options.json;
    let (request, env) = args::prepare(args.target, &args.options)?;
    let registry = Registry::open_default()?;
    let runtime = context::runtime()?;
    let saved = runtime.block_on(flows::add(&registry, &args.name, request, expires_on, &env))?;
    output::print_saved(&saved, json, "Saved")
}
