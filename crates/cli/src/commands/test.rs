//! `repoconn test`: check a saved connection again with its stored secret. Only a definite answer
//! changes its status: a network failure never marks it invalid (the core decides).

use clap::Args;
use repoconn_core::flows;
use repoconn_core::store::registry::Registry;

use crate::context;
use crate::error::CliResult;
use crate::output;
use crate::signed_in;

#[derive(Args)]
pub struct TestArgs {
    pub name: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: TestArgs) -> CliResult {
    let registry = Registry::open_default()?;
    let env = context::environment()?;
    signed_in::refresh(&registry, &args.name, &env)?;
    let runtime = context::runtime()?;
    let saved = runtime.block_on(flows::test(&registry, &args.name, &env))?;
    output::print_saved(&saved, args.json, "Updated")
}
