//! The flags several commands share (which server and credential, how to reach it) and how they
//! become the core's `CheckRequest`. Everything wrong with them is a usage error, found before the
//! secret is read and before any request is sent.

use std::path::PathBuf;

use clap::{ArgGroup, Args};
use repoconn_core::check::{CheckEnv, CheckRequest};
use repoconn_core::domain::method::{Field, Need};
use repoconn_core::domain::scopes::{Profile, normalise_requirements};
use repoconn_core::domain::sniff;
use repoconn_core::flows;
use repoconn_core::store::registry::FAILPOINT_ENV;
use repoconn_core::{Method, ProviderKind, Secret};
use time::Date;

use crate::context;
use crate::error::CliError;
use crate::input;

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
    /// workspace-access-token, app-password (Cloud); personal-token, project-token,
    /// repository-token, basic (Data Center); oauth (both: signs in with Bitbucket).
    #[arg(long, value_name = "KIND")]
    pub method: Method,
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
    /// Trust the certificate authority in this PEM file for this server (or the server's own
    /// certificate, when the file holds it).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint (AB:CD:... or plain
    /// hex), and no other. Compare it with the one your administrators publish first.
    #[arg(long, value_name = "SHA256")]
    pub trust_fingerprint: Option<String>,
    /// Allow plain http:// for this server.
    #[arg(long)]
    pub allow_http: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The credential flags of `check`, none of them required by clap: for a command that takes a
/// saved connection's name or a credential (`repos`). Once the command knows a credential was
/// given, [`Credential::into_target`] makes them the [`Target`] and [`CheckOptions`] of `check`,
/// with the same validation.
#[derive(Args)]
pub struct Credential {
    /// Bitbucket Cloud (bitbucket.org).
    #[arg(long)]
    pub cloud: bool,
    /// A Bitbucket Data Center server: its base URL, or any page or clone URL of it.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// How to connect (as for `check`); needed with --cloud or --server.
    #[arg(long, value_name = "KIND")]
    pub method: Option<Method>,
    /// Your Atlassian account email (API tokens).
    #[arg(long, value_name = "E")]
    pub email: Option<String>,
    /// Your username (Data Center).
    #[arg(long, value_name = "U")]
    pub username: Option<String>,
    /// The repository a repository access token (Cloud) or repository token (Data Center) is for.
    #[arg(long = "repo", value_name = "SLUG")]
    pub repository: Option<String>,
    /// Trust the certificate authority in this PEM file for this server.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint, and no other.
    #[arg(long, value_name = "SHA256")]
    pub trust_fingerprint: Option<String>,
    /// Allow plain http:// for this server.
    #[arg(long)]
    pub allow_http: bool,
}

/// The ids of [`Credential`]'s flags that only make sense with --cloud or --server.
pub const CREDENTIAL_ONLY: [&str; 7] = [
    "method",
    "email",
    "username",
    "repository",
    "ca_file",
    "trust_fingerprint",
    "allow_http",
];

impl Credential {
    /// `check`'s flags, with the workspace and project given beside these: a usage error when
    /// --cloud or --server or --method is missing, or anything `check` would refuse.
    pub fn into_target(
        self,
        workspace: Option<String>,
        project: Option<String>,
        json: bool,
    ) -> Result<(Target, CheckOptions), CliError> {
        if !self.cloud && self.server.is_none() {
            return Err(CliError::usage(
                "give --cloud or --server URL with the credential flags",
            ));
        }
        let Some(method) = self.method else {
            return Err(CliError::usage(
                "--method KIND is needed with --cloud or --server (e.g. --method api-token)",
            ));
        };
        let target = Target {
            cloud: self.cloud,
            server: self.server,
            method,
            email: self.email,
            username: self.username,
            workspace,
            project,
            repository: self.repository,
            profile: Profile::ReadOnly,
        };
        let options = CheckOptions {
            require: Vec::new(),
            ca_file: self.ca_file,
            trust_fingerprint: self.trust_fingerprint,
            allow_http: self.allow_http,
            json,
        };
        Ok((target, options))
    }
}

impl Target {
    pub fn provider(&self) -> ProviderKind {
        if self.cloud {
            ProviderKind::Cloud
        } else {
            ProviderKind::DataCenter
        }
    }

    /// The way to connect on the chosen provider: `--method oauth` with `--server` is the Data
    /// Center sign-in.
    pub fn method(&self) -> Method {
        self.method.on(self.provider())
    }

    /// `--method` must be one of the chosen provider's ways to connect.
    pub fn check_provider(&self) -> Result<(), CliError> {
        let provider = self.provider();
        let side = if self.cloud { "--cloud" } else { "--server" };
        if self.method().provider() == provider {
            Ok(())
        } else {
            Err(CliError::usage(format!(
                "--method {} is not for {side}",
                self.method
            )))
        }
    }

    /// The method fits the provider, the server address makes sense, required fields are there.
    pub fn validate(&self) -> Result<(), CliError> {
        self.check_provider()?;
        if let Some(server) = &self.server {
            let address = sniff::server_address(server)?;
            // Cloud has its own API and ways to connect: a Data Center check of it cannot work.
            // Exact names only: `git.mybitbucket.org` is somebody's own server.
            if address
                .base
                .host_str()
                .is_some_and(|h| h == "bitbucket.org" || h.ends_with(".bitbucket.org"))
            {
                return Err(CliError::usage("bitbucket.org is Bitbucket Cloud: use --cloud"));
            }
        }
        for (flag, value) in [
            ("--workspace", &self.workspace),
            ("--project", &self.project),
            ("--repo", &self.repository),
        ] {
            if let Some(Err(reason)) = value.as_deref().map(sniff::check_name) {
                return Err(CliError::usage(format!("{flag}: {reason}")));
            }
        }
        for (flag, value) in [("--email", &self.email), ("--username", &self.username)] {
            if value.as_deref().is_some_and(|v| v.chars().any(char::is_control)) {
                return Err(CliError::usage(format!(
                    "{flag}: {}",
                    sniff::NameError::ControlCharacter
                )));
            }
        }
        match self.missing_field() {
            Some(message) => Err(CliError::usage(message)),
            None => Ok(()),
        }
    }

    /// A required field left out; API tokens accept the email as --username too, and a pasted
    /// Data Center URL may already name the project and repository.
    fn missing_field(&self) -> Option<String> {
        let given = [
            (Field::Email, self.email.is_some() || self.username.is_some()),
            (Field::Username, self.username.is_some()),
            (Field::Workspace, self.workspace.is_some()),
            (Field::Project, self.project.is_some()),
            (Field::Repository, self.repository.is_some()),
        ];
        let from_url = self.server.as_deref().and_then(|s| sniff::server_address(s).ok());
        given.into_iter().find_map(|(field, filled)| {
            let implied = match field {
                Field::Project => from_url.as_ref().is_some_and(|a| a.project.is_some()),
                Field::Repository => from_url.as_ref().is_some_and(|a| a.repository.is_some()),
                _ => false,
            };
            (self.method().needs(field) == Some(Need::Required) && !filled && !implied)
                .then(|| format!("--method {} needs {}", self.method, flag(field)))
        })
    }

    pub fn into_request(self, options: &CheckOptions, secret: Secret) -> CheckRequest {
        CheckRequest {
            method: self.method(),
            server: self.server,
            email: self.email,
            username: self.username,
            workspace: self.workspace,
            project: self.project,
            repository: self.repository,
            profile: self.profile,
            require: options.require.clone(),
            ca_file: options.ca_file.clone(),
            trust_fingerprint: options.trust_fingerprint.clone(),
            allow_http: options.allow_http,
            secret,
        }
    }
}

/// Everything a check needs from the command line, in the order that reports mistakes before
/// asking for the secret: the flags, the environment, then standard input.
pub fn prepare(target: Target, options: &CheckOptions) -> Result<(CheckRequest, CheckEnv), CliError> {
    target.validate()?;
    normalise_requirements(target.method(), &options.require)?;
    if let Some(typed) = &options.trust_fingerprint {
        sniff::fingerprint(typed).map_err(|err| CliError::usage(format!("--trust-fingerprint: {err}")))?;
    }
    let env = context::environment()?;
    let secret = input::read_secret(target.method())?;
    if std::env::var(FAILPOINT_ENV).as_deref() == Ok("check:panic-with-secret") {
        // Lets the test suite prove that a panic never prints what it was looking at.
        panic!("failpoint holding {}", secret.expose());
    }
    Ok((target.into_request(options, secret), env))
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

/// `--expires YYYY-MM-DD`. A date that is not one is a mistake on the command line, so a usage
/// error, although the core reports it as a storage problem (the dialog shows it with the form).
pub fn expires(text: Option<&str>) -> Result<Option<Date>, CliError> {
    text.map(flows::parse_expiry)
        .transpose()
        .map_err(|err| CliError::usage(format!("--expires: {}", err.message)))
}
