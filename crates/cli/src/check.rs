//! `repoconn check`: the same check the dialog runs, for scripts and terminals.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgGroup, Args};
use repoconn_core::model::{Field, Need};
use repoconn_core::report::{Outcome, ValidationReport};
use repoconn_core::scopes::Profile;
use repoconn_core::validate::{CheckEnv, CheckRequest, check, normalise_requirements};
use repoconn_core::{CredentialKind, ProviderKind, Secret, sniff};

use crate::USAGE_ERROR;

/// Which server and which credential: shared by `check`, `add` and `link`.
#[derive(Args)]
#[command(group(ArgGroup::new("provider").required(true).args(["cloud", "server"])))]
pub struct Target {
    /// Bitbucket Cloud (bitbucket.org).
    #[arg(long)]
    pub cloud: bool,
    /// A Bitbucket Data Center server: its base URL, or any page or clone URL of it.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// How to connect: api-token, repository-access-token, project-access-token,
    /// workspace-access-token, app-password, oauth (Cloud); personal-token, project-token,
    /// repository-token, basic (Data Center).
    #[arg(long, value_name = "KIND")]
    pub method: CredentialKind,
    /// Your Atlassian account email (API tokens).
    #[arg(long, value_name = "E")]
    pub email: Option<String>,
    /// Your username (Data Center; app passwords).
    #[arg(long, value_name = "U")]
    pub username: Option<String>,
    #[arg(long, value_name = "W")]
    pub workspace: Option<String>,
    #[arg(long, value_name = "KEY")]
    pub project: Option<String>,
    #[arg(long = "repo", value_name = "SLUG")]
    pub repository: Option<String>,
    /// What the credential must allow.
    #[arg(long, value_name = "PROFILE", default_value = "pull-requests")]
    pub profile: Profile,
}

/// How to reach the server and what else is needed: shared by `check` and `add`.
#[derive(Args)]
pub struct CheckOptions {
    /// A further scope (Cloud, e.g. read:pipeline:bitbucket) or permission level (Data Center,
    /// e.g. REPO_ADMIN) that is needed. Repeatable.
    #[arg(long, value_name = "SCOPE_OR_LEVEL")]
    pub require: Vec<String>,
    /// Trust the certificate authority in this PEM file for this server.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Allow plain http:// for this server.
    #[arg(long)]
    pub allow_http: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub options: CheckOptions,
}

pub fn usage(message: &str) -> ExitCode {
    eprintln!("repoconn: {message}");
    ExitCode::from(USAGE_ERROR)
}

pub fn run(args: CheckArgs) -> ExitCode {
    let (request, env) = match prepare(args.target, &args.options) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let report = match runtime() {
        Ok(runtime) => runtime.block_on(check(request, &env)),
        Err(code) => return code,
    };
    print_report(&report, args.options.json);
    ExitCode::from(report.exit_code())
}

/// Validates the command line and reads the secret: a usage error comes back as its exit code.
pub fn prepare(target: Target, options: &CheckOptions) -> Result<(CheckRequest, CheckEnv), ExitCode> {
    validate_target(&target)?;
    if let Err(message) = normalise_requirements(target.method, &options.require) {
        return Err(usage(&message));
    }
    let env = environment()?;
    let secret = read_secret(target.method).map_err(|message| usage(&message))?;
    Ok((request_from(target, options, secret), env))
}

/// The check environment; a broken policy file is reported (the built-in defaults apply).
pub fn environment() -> Result<CheckEnv, ExitCode> {
    let env = CheckEnv::from_env().map_err(|message| usage(&message))?;
    if let Some(error) = &env.managed.error {
        eprintln!(
            "repoconn: warning: the policy file {} cannot be used ({}); the built-in defaults apply",
            error.path, error.message
        );
    }
    Ok(env)
}

pub fn request_from(target: Target, options: &CheckOptions, secret: Secret) -> CheckRequest {
    CheckRequest {
        kind: target.method,
        server: target.server,
        email: target.email,
        username: target.username,
        workspace: target.workspace,
        project: target.project,
        repository: target.repository,
        profile: target.profile,
        require: options.require.clone(),
        ca_file: options.ca_file.clone(),
        allow_http: options.allow_http,
        secret,
    }
}

/// The method fits the provider, the server address makes sense, required fields are there.
pub fn validate_target(target: &Target) -> Result<(), ExitCode> {
    let provider = if target.cloud {
        ProviderKind::Cloud
    } else {
        ProviderKind::DataCenter
    };
    if target.method.provider() != provider {
        let side = if target.cloud { "--cloud" } else { "--server" };
        return Err(usage(&format!("--method {} is not for {side}", target.method)));
    }
    if let Some(server) = &target.server {
        match sniff::server_address(server) {
            Err(reason) => return Err(usage(&reason)),
            Ok(address)
                if address
                    .base
                    .host_str()
                    .is_some_and(|h| h.ends_with("bitbucket.org")) =>
            {
                return Err(usage("bitbucket.org is Bitbucket Cloud: use --cloud"));
            }
            Ok(_) => {}
        }
    }
    match missing_field(target) {
        Some(message) => Err(usage(&message)),
        None => Ok(()),
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| {
            eprintln!("repoconn: cannot start: {err}");
            ExitCode::from(3)
        })
}

pub fn print_report(report: &ValidationReport, json: bool) {
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(text) => println!("{text}"),
            Err(err) => eprintln!("repoconn: cannot encode the report: {err}"),
        }
    } else {
        print!("{}", render(report));
    }
}

/// A required field left out is a usage error; API tokens accept the email as --username too.
fn missing_field(args: &Target) -> Option<String> {
    let given = [
        (Field::Email, args.email.is_some() || args.username.is_some()),
        (Field::Username, args.username.is_some()),
        (Field::Workspace, args.workspace.is_some()),
        (Field::Project, args.project.is_some()),
        (Field::Repository, args.repository.is_some()),
    ];
    let from_url = args.server.as_deref().and_then(|s| sniff::server_address(s).ok());
    given.into_iter().find_map(|(field, filled)| {
        let implied = match field {
            Field::Project => from_url.as_ref().is_some_and(|a| a.project.is_some()),
            Field::Repository => from_url.as_ref().is_some_and(|a| a.repository.is_some()),
            _ => false,
        };
        (args.method.needs(field) == Some(Need::Required) && !filled && !implied)
            .then(|| format!("--method {} needs {}", args.method, flag(field)))
    })
}

fn flag(field: Field) -> &'static str {
    match field {
        Field::Email => "--email",
        Field::Username => "--username",
        Field::Workspace => "--workspace",
        Field::Project => "--project",
        Field::Repository => "--repo",
    }
}

/// The secret comes from standard input only: hidden when typed, whole when piped.
pub fn read_secret(kind: CredentialKind) -> Result<Secret, String> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        let prompt = format!("{} (input hidden): ", kind.label());
        rpassword::prompt_password(prompt).map_err(|err| format!("cannot read the secret: {err}"))?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|err| format!("cannot read the secret from standard input: {err}"))?;
        text
    };
    if text.trim().is_empty() {
        return Err("no secret on standard input: pipe the token or password in, e.g. `repoconn check ... < token.txt`".into());
    }
    Ok(Secret::new(text))
}

/// The report for a person reading a terminal.
fn render(report: &ValidationReport) -> String {
    let mut out = String::new();
    let verdict = match report.outcome {
        Outcome::Usable => "Usable",
        Outcome::NotUsable => "Not usable",
        Outcome::Unverified => "Could not verify",
    };
    out.push_str(&format!(
        "{verdict}: {} ({})\n",
        report.method.label(),
        report.base_url
    ));
    if let Some(identity) = &report.identity {
        let name = identity.display_name.clone().or(identity.username.clone());
        if let Some(name) = name {
            out.push_str(&format!("  acts as:      {name}\n"));
        }
    }
    if let Some(user) = &report.git_username {
        out.push_str(&format!("  git username: {user}\n"));
    }
    if let Some(server) = &report.server {
        out.push_str(&format!("  server:       Bitbucket {}\n", server.version));
    }
    if let Some(permission) = &report.permission {
        out.push_str(&format!("  permission:   {permission}\n"));
    }
    let scopes = &report.scopes;
    for (mark, list) in [
        ("ok", &scopes.verified),
        ("missing", &scopes.missing),
        ("unverified", &scopes.unverified),
    ] {
        for item in list {
            out.push_str(&format!("  {mark:<10}    {item}\n"));
        }
    }
    for problem in &report.problems {
        let code = serde_json::to_value(problem.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        out.push_str(&format!(
            "problem [{code}]: {}\n  fix: {}\n",
            problem.message, problem.fix
        ));
    }
    for warning in &report.warnings {
        let code = serde_json::to_value(warning.code)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        out.push_str(&format!("warning [{code}]: {}\n", warning.message));
    }
    out
}
