//! `repoconn check`: the same check the dialog runs, for scripts and terminals.

use clap::Args;
use repoconn_core::check::check;

use crate::args::{self, CheckOptions, Target};
use crate::context;
use crate::error::CliResult;
use crate::output;

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub options: CheckOptions,
}

pub fn run(args: CheckArgs) -> CliResult {
    let (request, env) = args::prepare(args.target, &args.options)?;
    let report = context::runtime()?.block_on(check(request, &env));
    output::print_report(&report, args.options.json)?;
    Ok(report.exit_code())
}
