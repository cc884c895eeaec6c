//! `repoconn change`: change a saved connection while it keeps its secret: its name, its expiry
//! date, the workspace, project or repository, and how its server is reached. The saved secret is
//! checked again with the new values first (nothing is read from standard input), and the change
//! saved only when that check passes; the keychain item stays as it is. The dialog's Edit without
//! a new token follows the same rules (`flows::update_checked`).

use std::path::PathBuf;

use clap::Args;
use repoconn_core::domain::scopes::Profile;
use repoconn_core::domain::sniff;
use repoconn_core::flows::{self, SavedEdits};
use repoconn_core::store::registry::Registry;

use crate::args;
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output;

#[derive(Args)]
pub struct ChangeArgs {
    /// The saved connection to change.
    pub name: String,
    /// Rename it (letters, digits, spaces, . _ -); refused when another connection has that name.
    #[arg(long = "name", value_name = "NEW")]
    pub new_name: Option<String>,
    /// When the token expires (YYYY-MM-DD); the saved date is kept otherwise.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
    /// Your Atlassian account email (API tokens).
    #[arg(long, value_name = "E")]
    pub email: Option<String>,
    /// Your username (Data Center).
    #[arg(long, value_name = "U")]
    pub username: Option<String>,
    #[arg(long, value_name = "W")]
    pub workspace: Option<String>,
    #[arg(long, value_name = "KEY")]
    pub project: Option<String>,
    #[arg(long = "repo", value_name = "SLUG")]
    pub repository: Option<String>,
    /// What the credential must allow.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<Profile>,
    /// Trust the certificate authority in this PEM file for this server.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint, and no other.
    #[arg(long, value_name = "SHA256")]
    pub trust_fingerprint: Option<String>,
    /// Allow plain http:// for this server.
    #[arg(long)]
    pub allow_http: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ChangeArgs) -> CliResult {
    let expires_on = args::expires(args.expires.as_deref())?;
    validate(&args)?;
    let registry = Registry::open_default()?;
    let env = context::environment()?;
    let runtime = context::runtime()?;
    let saved = registry.get(&args.name)?;
    let new_name = args.new_name.clone().unwrap_or_else(|| args.name.clone());
    let json = args.json;
    let name = args.name.clone();
    let edits = edits(SavedEdits::of(&saved), args);
    let changed = runtime.block_on(flows::change(
        &registry, &name, &new_name, edits, expires_on, &env,
    ))?;
    output::print_saved(&changed, json, "Changed")
}

/// The saved values with the flags given instead.
fn edits(saved: SavedEdits, args: ChangeArgs) -> SavedEdits {
    SavedEdits {
        email: args.email.or(saved.email),
        username: args.username.or(saved.username),
        workspace: args.workspace.or(saved.workspace),
        project: args.project.or(saved.project),
        repository: args.repository.or(saved.repository),
        profile: args.profile.unwrap_or(saved.profile),
        ca_file: args.ca_file.or(saved.ca_file),
        trust_fingerprint: args.trust_fingerprint.or(saved.trust_fingerprint),
        allow_http: args.allow_http || saved.allow_http,
    }
}

/// The values `check` would refuse as usage errors, refused here too before anything is sent.
fn validate(args: &ChangeArgs) -> Result<(), CliError> {
    for (flag, value) in [
        ("--workspace", &args.workspace),
        ("--project", &args.project),
        ("--repo", &args.repository),
    ] {
        if let Some(Err(reason)) = value.as_deref().map(sniff::check_name) {
            return Err(CliError::usage(format!("{flag}: {reason}")));
        }
    }
    for (flag, value) in [("--email", &args.email), ("--username", &args.username)] {
        if value.as_deref().is_some_and(|v| v.chars().any(char::is_control)) {
            return Err(CliError::usage(format!(
                "{flag}: {}",
                sniff::NameError::ControlCharacter
            )));
        }
    }
    if let Some(typed) = &args.trust_fingerprint {
        sniff::fingerprint(typed).map_err(|err| CliError::usage(format!("--trust-fingerprint: {err}")))?;
    }
    Ok(())
}
