//! `repoconn link`: where a credential is created, and what to choose there.

use std::process::ExitCode;

use clap::Args;
use repoconn_core::links::{self, LinkTarget};
use repoconn_core::sniff;

use crate::check::{self, Target};

#[derive(Args)]
pub struct LinkArgs {
    #[command(flatten)]
    pub target: Target,
    /// The Data Center version, if known (8.0 and later have per-user token pages).
    #[arg(long, value_name = "VERSION")]
    pub server_version: Option<String>,
    /// Open the page in the browser.
    #[arg(long)]
    pub open: bool,
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: LinkArgs) -> ExitCode {
    let t = &args.target;
    let address = match t.server.as_deref().map(sniff::server_address).transpose() {
        Ok(address) => address,
        Err(reason) => return check::usage(&reason),
    };
    let provider_ok = t.method.provider()
        == if t.cloud {
            repoconn_core::ProviderKind::Cloud
        } else {
            repoconn_core::ProviderKind::DataCenter
        };
    if !provider_ok {
        return check::usage(&format!(
            "--method {} is not for {}",
            t.method,
            if t.cloud { "--cloud" } else { "--server" }
        ));
    }
    let base = address.as_ref().map(|a| a.base.clone());
    let project = t
        .project
        .clone()
        .or(address.as_ref().and_then(|a| a.project.clone()));
    let repository = t
        .repository
        .clone()
        .or(address.as_ref().and_then(|a| a.repository.clone()));
    let target = LinkTarget {
        server: base.as_ref(),
        server_version: args.server_version.as_deref(),
        username: t.username.as_deref(),
        workspace: t.workspace.as_deref(),
        project: project.as_deref(),
        repository: repository.as_deref(),
    };
    let link = links::link(t.method, t.profile, &target);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&link).unwrap_or_default());
    } else {
        match &link.url {
            Some(url) => println!("{url}"),
            None => println!("(no page creates this kind of credential)"),
        }
        println!("\n{}\n", link.steps);
        for item in &link.checklist {
            println!("  [ ] {:<30} {}", item.name, item.why);
        }
    }
    if args.open
        && let Some(url) = &link.url
        && let Err(message) = links::open(url, base.as_ref())
    {
        eprintln!("repoconn: {message}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
