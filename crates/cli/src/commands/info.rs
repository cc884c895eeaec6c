//! `repoconn info`: this build's version and where it keeps secrets (for bug reports).

use clap::Args;
use repoconn_core::AppInfo;

use crate::error::CliResult;
use crate::output;

#[derive(Args)]
pub struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: InfoArgs) -> CliResult {
    let info = AppInfo::current();
    if args.json {
        output::print_json(serde_json::to_string_pretty(&info))?;
    } else {
        println!("{} {}", info.name, info.version);
        println!("platform: {}-{}", info.os, info.arch);
        println!("keychain: {}", info.keychain_name);
        match &info.data_dir {
            Some(dir) => println!("data folder: {dir}"),
            None => println!("data folder: none (set REPOCONN_DATA_DIR: this system reports no home folder)"),
        }
    }
    Ok(0)
}
