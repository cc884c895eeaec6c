//! `repoconn link`: the page where a credential is created, and what to choose there.
//!
//! It never prints an address that may not exist: one that lacks a value (`--workspace`...) is a
//! usage error, and for a Data Center kind whose page depends on the server's version, the
//! version is asked from the server (without credentials) unless `--server-version` gives it.

use std::path::PathBuf;

use clap::Args;
use repoconn_core::check;
use repoconn_core::domain::method::{Method, ProviderKind};
use repoconn_core::domain::sniff;
use repoconn_core::domain::version;
use repoconn_core::guide::form;
use repoconn_core::guide::links::{self, ChecklistKind, CredentialLink, LinkTarget, LinkValue};

use crate::args::Target;
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output;

#[derive(Args)]
pub struct LinkArgs {
    #[command(flatten)]
    pub target: Target,
    /// The Data Center version (8.0 and later have per-user token pages). Without it, the
    /// server is asked, without credentials.
    #[arg(long, value_name = "VERSION")]
    pub server_version: Option<String>,
    /// Trust the certificate authority in this PEM file when asking the server its version.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Allow plain http:// when asking the server its version.
    #[arg(long)]
    pub allow_http: bool,
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
    let mut target = LinkTarget {
        server: base.as_ref(),
        server_version: args.server_version.as_deref(),
        username: t.username.as_deref(),
        workspace: t.workspace.as_deref(),
        project: project.as_deref(),
        repository: repository.as_deref(),
    };

    // What the command line lacks is said before anything goes over the network.
    let first = links::link(t.method(), t.profile, &target);
    if !first.missing.is_empty() {
        return Err(missing_values(t.method(), &first.missing));
    }
    let asked;
    if target.server_version.is_none()
        && version::first_release(t.method()).is_some()
        && let Some(typed) = t.server.as_deref()
    {
        asked = ask_version(typed, &args)?;
        target.server_version = Some(&asked);
    }
    let link = links::link(t.method(), t.profile, &target);
    if let Some(reason) = &link.blocked {
        return Err(too_old(reason, target.server_version.unwrap_or_default()));
    }

    if args.json {
        output::print_json(serde_json::to_string_pretty(&link))?;
    } else {
        print!("{}", render(&link));
    }
    if args.open
        && let Some(url) = &link.url
    {
        links::open(url, base.as_ref()).map_err(|err| CliError::failed(err.to_string()))?;
    }
    Ok(0)
}

/// Exit 2, naming the flags that give the missing values.
fn missing_values(method: Method, missing: &[LinkValue]) -> CliError {
    let flags: Vec<&str> = missing.iter().map(|v| flag(*v)).collect();
    CliError::usage(format!(
        "the address of the page that creates a {} needs {}",
        method.label().to_lowercase(),
        flags.join(" and ")
    ))
    .with_fix(format!("add {} and run it again", flags.join(" and ")))
}

fn flag(value: LinkValue) -> &'static str {
    match value {
        LinkValue::Server => "--server",
        LinkValue::Workspace => "--workspace",
        LinkValue::Project => "--project",
        LinkValue::Repository => "--repo",
    }
}

/// Asks the server its version (anonymously, under the same network rules as a check) and says
/// so on standard error; exit 1 when it does not answer.
fn ask_version(typed: &str, args: &LinkArgs) -> Result<String, CliError> {
    let env = context::environment()?;
    let answer = context::runtime()?.block_on(check::check_server(
        typed,
        args.ca_file.as_deref(),
        None,
        args.allow_http,
        &env,
    ));
    let place = answer.base_url.as_deref().unwrap_or(typed);
    match answer.server {
        Some(server) => {
            eprintln!(
                "repoconn: asked {place} for its version, which decides the page: Bitbucket {}",
                server.version
            );
            Ok(server.version)
        }
        None => {
            let why = answer
                .problems
                .first()
                .map(|p| p.message.as_str())
                .unwrap_or("it did not say");
            Err(CliError::failed(format!(
                "could not ask {place} for its version, which decides the page: {why}"
            ))
            .with_fix(
                "pass the version with --server-version (the server's footer shows it, e.g. --server-version 8.9.0)",
            ))
        }
    }
}

/// Exit 1: this server cannot issue the chosen kind; name what it can.
fn too_old(reason: &str, server_version: &str) -> CliError {
    let policy = context::environment().map(|env| env.policy).unwrap_or_default();
    let options = form::options_for_server(&policy, Some(server_version));
    let preferred = options
        .providers
        .iter()
        .find(|p| p.provider == ProviderKind::DataCenter)
        .and_then(|p| p.preferred);
    let error = CliError::failed(reason.to_owned());
    match preferred {
        Some(method) => error.with_fix(format!("use --method {method} ({})", method.label())),
        None => error,
    }
}

/// The link for a person at a terminal: the address, the steps, then what to choose, each by the
/// words of the page with the API's name beside it when they differ.
fn render(link: &CredentialLink) -> String {
    let mut out = match &link.url {
        Some(url) => format!("{url}\n"),
        None => "(no page creates this kind of credential)\n".to_owned(),
    };
    out.push_str(&format!("\n{}\n", link.steps));
    if let Some(first) = link.checklist.first() {
        let heading = match first.kind {
            ChecklistKind::SearchableCheckbox => "Tick (type each name in the page's search field):",
            ChecklistKind::Checkbox => "Tick:",
            ChecklistKind::DropDown => "Choose:",
        };
        out.push_str(&format!("\n{heading}\n"));
    }
    for item in &link.checklist {
        let code = if item.label == item.name {
            String::new()
        } else {
            format!(" ({})", item.name)
        };
        out.push_str(&format!("  [ ] {}{code}\n        {}\n", item.label, item.why));
    }
    out
}
