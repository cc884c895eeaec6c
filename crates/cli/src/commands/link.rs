//! `repoconn link`: the page where a credential is created, and what to choose there.

use clap::Args;
use repoconn_core::domain::sniff;
use repoconn_core::guide::links::{self, LinkTarget};

use crate::args::Target;
use crate::error::{CliError, CliResult};
use crate::output;

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

pub fn run(args: LinkArgs) -> CliResult {
    let t = &args.target;
    // Only the address and the provider matter here: a link needs no email, token or fields.
    let address = t.server.as_deref().map(sniff::server_address).transpose()?;
    t.check_provider()?;
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
        output::print_json(serde_json::to_string_pretty(&link))?;
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
    {
        links::open(url, base.as_ref()).map_err(|err| CliError::failed(err.to_string()))?;
    }
    Ok(0)
}
