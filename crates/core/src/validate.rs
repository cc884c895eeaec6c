//! A check from start to end: tidy what was pasted, refuse what cannot work before any request,
//! run the provider's probes concurrently within a deadline, and produce the report.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use crate::http::{Http, NetFailure, NetPolicy, SetupError};
use crate::model::{CredentialKind, Field, Need, ProviderKind};
use crate::policy::PolicyState;
use crate::problems::{ProblemCode, WarningCode};
use crate::report::{Findings, ValidationReport};
use crate::scopes::{self, Profile};
use crate::secret::Secret;
use crate::sniff::{self, SecretShape};
use crate::{cloud, datacenter};

/// Environment variable that points Cloud checks at another API root (tests, mirrors).
pub const CLOUD_API_ENV: &str = "REPOCONN_CLOUD_API_URL";
/// Bitbucket Cloud's REST API root.
pub const CLOUD_API_DEFAULT: &str = "https://api.bitbucket.org";

/// Everything a check needs. `server` is the Data Center address as typed (any Bitbucket URL).
#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub kind: CredentialKind,
    pub server: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub profile: Profile,
    /// Extra scopes (Cloud, either vocabulary) or permission levels (Data Center).
    pub require: Vec<String>,
    pub ca_file: Option<PathBuf>,
    pub allow_http: bool,
    pub secret: Secret,
}

/// Where and how checks reach the network.
#[derive(Debug, Clone)]
pub struct CheckEnv {
    pub cloud_api: Url,
    pub policy: NetPolicy,
    /// The administrator's policy: allowed ways to connect, CA file, proxy, token lifetime.
    pub managed: PolicyState,
}

impl CheckEnv {
    /// The real API, or `REPOCONN_CLOUD_API_URL` when set.
    pub fn from_env() -> Result<Self, String> {
        let api = std::env::var(CLOUD_API_ENV).ok().filter(|v| !v.trim().is_empty());
        let text = api.as_deref().unwrap_or(CLOUD_API_DEFAULT);
        let cloud_api =
            Url::parse(text).map_err(|err| format!("{CLOUD_API_ENV}={text} is not a URL: {err}"))?;
        let managed = PolicyState::load();
        let policy = NetPolicy {
            proxy: managed.policy.proxy.clone(),
            ..NetPolicy::default()
        };
        Ok(Self {
            cloud_api,
            policy,
            managed,
        })
    }
}

/// A request after tidying: what the probes work with.
pub(crate) struct Prepared {
    pub kind: CredentialKind,
    pub secret: Secret,
    pub shape: SecretShape,
    pub email: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub profile: Profile,
    /// Extra needs, already in the kind's vocabulary.
    pub require: Vec<String>,
    pub base: Url,
    pub ca_file: Option<PathBuf>,
    pub allow_http: bool,
}

/// Turns a `--require` list into the kind's vocabulary; `Err` is a usage error.
pub fn normalise_requirements(kind: CredentialKind, items: &[String]) -> Result<Vec<String>, String> {
    items
        .iter()
        .map(|item| scopes::normalise_requirement(kind, item))
        .collect()
}

/// Runs a complete check. Never fails: every outcome, network trouble included, is in the report.
pub async fn check(request: CheckRequest, env: &CheckEnv) -> ValidationReport {
    let mut findings = Findings::new(request.kind);
    let base = match request.kind.provider() {
        ProviderKind::Cloud => Some(env.cloud_api.clone()),
        ProviderKind::DataCenter => None,
    };
    if let Some(reason) = env.managed.forbidden_reason(request.kind) {
        findings.problem(
            ProblemCode::ForbiddenByPolicy,
            &[("chosen", request.kind.label()), ("reason", &reason)],
        );
        return findings.into_report(String::new());
    }
    let mut request = request;
    if request.ca_file.is_none() {
        request.ca_file = env.managed.policy.ca_file.as_ref().map(PathBuf::from);
    }
    let Some(prepared) = prepare(request, base, &mut findings) else {
        return findings.into_report(String::new());
    };
    let base_url = prepared.base.to_string();
    if !findings.problems.is_empty() {
        return findings.into_report(base_url);
    }

    let ca_file = prepared.ca_file.as_deref();
    let http = match Http::new(&prepared.base, ca_file, prepared.allow_http, env.policy.clone()) {
        Ok(http) if prepared.kind.provider() == ProviderKind::DataCenter => http.without_basic_retries(),
        Ok(http) => http,
        Err(err) => {
            match err {
                SetupError::InsecureHttp => {
                    findings.problem(ProblemCode::InsecureHttp, &[("url", &base_url)])
                }
                SetupError::CaFile { reason } => {
                    let path = ca_file.map(|p| p.display().to_string()).unwrap_or_default();
                    findings.problem(
                        ProblemCode::CaFileInvalid,
                        &[("path", &path), ("reason", &reason)],
                    )
                }
                SetupError::Client(reason) => findings.problem(
                    ProblemCode::Unreachable,
                    &[("host", host_of(&prepared.base)), ("reason", &reason)],
                ),
            }
            return findings.into_report(base_url);
        }
    };

    let deadline = env.policy.deadline;
    let probes = async {
        match prepared.kind.provider() {
            ProviderKind::Cloud => cloud::check(&http, &prepared, &mut findings).await,
            ProviderKind::DataCenter => datacenter::check(&http, &prepared, &mut findings).await,
        }
    };
    if tokio::time::timeout(deadline, probes).await.is_err() {
        let seconds = deadline.as_secs().to_string();
        findings.problem(
            ProblemCode::Timeout,
            &[("host", host_of(&prepared.base)), ("seconds", &seconds)],
        );
    }
    findings.into_report(base_url)
}

pub(crate) fn host_of(url: &Url) -> &str {
    url.host_str().unwrap_or("the server")
}

/// A Data Center address as the dialog shows it while the user types: the normalised base URL,
/// what the URL named, and the server's version (or why there is none).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, specta::Type)]
pub struct ServerCheck {
    pub base_url: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub server: Option<crate::report::ServerInfo>,
    pub problems: Vec<crate::problems::Problem>,
}

/// Normalises a typed Data Center address and asks the server (without credentials) what it is.
pub async fn check_server(
    typed: &str,
    ca_file: Option<&std::path::Path>,
    allow_http: bool,
    env: &CheckEnv,
) -> ServerCheck {
    let mut findings = Findings::new(CredentialKind::PersonalToken);
    let address = match sniff::server_address(typed) {
        Ok(address) => address,
        Err(reason) => {
            findings.problem(
                ProblemCode::NotBitbucket,
                &[("url", &format!("\"{typed}\" ({reason})"))],
            );
            return ServerCheck {
                base_url: None,
                project: None,
                repository: None,
                server: None,
                problems: findings.problems,
            };
        }
    };
    let server = match Http::new(&address.base, ca_file, allow_http, env.policy.clone()) {
        Ok(http) => {
            let probe = datacenter::server_properties(&http, &address.base, &mut findings);
            tokio::time::timeout(env.policy.deadline, probe)
                .await
                .ok()
                .flatten()
        }
        Err(SetupError::InsecureHttp) => {
            findings.problem(ProblemCode::InsecureHttp, &[("url", address.base.as_str())]);
            None
        }
        Err(SetupError::CaFile { reason }) => {
            let path = ca_file.map(|p| p.display().to_string()).unwrap_or_default();
            findings.problem(
                ProblemCode::CaFileInvalid,
                &[("path", &path), ("reason", &reason)],
            );
            None
        }
        Err(SetupError::Client(reason)) => {
            findings.problem(
                ProblemCode::Unreachable,
                &[("host", host_of(&address.base)), ("reason", &reason)],
            );
            None
        }
    };
    ServerCheck {
        base_url: Some(address.base.to_string()),
        project: address.project,
        repository: address.repository,
        server,
        problems: findings.problems,
    }
}

/// Everything that can be decided before any request: tidy the secret, sort out which field
/// holds what, refuse what cannot work. `None` when there is not even an address to check.
fn prepare(request: CheckRequest, cloud_base: Option<Url>, findings: &mut Findings) -> Option<Prepared> {
    let kind = request.kind;
    let pasted = sniff::paste_secret(request.secret.expose(), kind);
    if !pasted.removed.is_empty() {
        findings.warning(
            WarningCode::SecretCleaned,
            &[("what", &pasted.removed.join(" and "))],
        );
    }
    let mut email = request
        .email
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_owned());
    let mut username = request
        .username
        .filter(|v| !v.trim().is_empty())
        .map(|v| v.trim().to_owned());
    if let Some(user) = pasted.pair_user {
        if kind == CredentialKind::ApiToken && email.is_none() && sniff::looks_like_email(&user) {
            email = Some(user);
        } else if username.is_none() {
            username = Some(user);
        }
    }
    if kind == CredentialKind::ApiToken
        && email.is_none()
        && username.as_deref().is_some_and(sniff::looks_like_email)
    {
        email = username.take();
        findings.warning(
            WarningCode::EmailInUsernameField,
            &[("value", email.as_deref().unwrap_or_default())],
        );
    }

    let (base, mut project, mut repository) = match cloud_base {
        Some(api) => (api, request.project, request.repository),
        None => {
            let typed = request.server.unwrap_or_default();
            match sniff::server_address(&typed) {
                Ok(address) => {
                    if address.changed {
                        findings.warning(
                            WarningCode::BaseUrlNormalised,
                            &[("base_url", address.base.as_str())],
                        );
                    }
                    (
                        address.base,
                        request.project.or(address.project),
                        request.repository.or(address.repository),
                    )
                }
                Err(reason) => {
                    findings.problem(
                        ProblemCode::NotBitbucket,
                        &[("url", &format!("\"{typed}\" ({reason})"))],
                    );
                    return None;
                }
            }
        }
    };
    project = project.filter(|v| !v.trim().is_empty());
    repository = repository.filter(|v| !v.trim().is_empty());
    let workspace = request.workspace.filter(|v| !v.trim().is_empty());

    if kind == CredentialKind::AppPassword {
        // Retired: sending it would only earn a 401 and teach nothing.
        findings.problem(ProblemCode::AppPasswordDisabled, &[]);
    }
    if kind == CredentialKind::ApiToken
        && let Some(value) = email.as_deref().or(username.as_deref())
        && !sniff::looks_like_email(value)
    {
        findings.problem(ProblemCode::EmailExpected, &[("value", value)]);
    }
    if kind == CredentialKind::AppPassword
        && let Some(value) = username.as_deref().filter(|u| sniff::looks_like_email(u))
    {
        findings.problem(ProblemCode::UsernameExpected, &[("value", value)]);
    }
    let values = [
        (Field::Email, email.is_some()),
        (Field::Username, username.is_some()),
        (Field::Workspace, workspace.is_some()),
        (Field::Project, project.is_some()),
        (Field::Repository, repository.is_some()),
    ];
    for (field, filled) in values {
        if kind.needs(field) == Some(Need::Required) && !filled && !findings.has(ProblemCode::EmailExpected) {
            findings.problem(
                ProblemCode::MissingField,
                &[("field", field_label(field)), ("chosen", kind.label())],
            );
        }
    }
    if pasted.secret.is_empty() {
        findings.problem(
            ProblemCode::MissingField,
            &[("field", "The token or password"), ("chosen", kind.label())],
        );
    }
    let require = normalise_requirements(kind, &request.require).unwrap_or_default();
    Some(Prepared {
        kind,
        secret: pasted.secret,
        shape: pasted.shape,
        email,
        username,
        workspace,
        project,
        repository,
        profile: request.profile,
        require,
        base,
        ca_file: request.ca_file,
        allow_http: request.allow_http,
    })
}

fn field_label(field: Field) -> &'static str {
    match field {
        Field::Email => "Your Atlassian account email",
        Field::Username => "Your username",
        Field::Workspace => "The workspace",
        Field::Project => "The project key",
        Field::Repository => "The repository",
    }
}

/// Records a network failure as the matching problem.
pub(crate) fn net_problem(findings: &mut Findings, failure: &NetFailure, base: &Url) {
    let host = host_of(base);
    match failure {
        NetFailure::Timeout { seconds } => findings.problem(
            ProblemCode::Timeout,
            &[("host", host), ("seconds", &seconds.to_string())],
        ),
        NetFailure::Unreachable { reason } => {
            findings.problem(ProblemCode::Unreachable, &[("host", host), ("reason", reason)])
        }
        NetFailure::TlsUntrusted { fingerprint } => findings.problem(
            ProblemCode::TlsUntrusted,
            &[
                ("host", host),
                ("fingerprint", fingerprint.as_deref().unwrap_or("unknown")),
            ],
        ),
        NetFailure::RateLimited { retry_after } => {
            let when = retry_after
                .map(human_duration)
                .unwrap_or_else(|| "a while".to_owned());
            findings.problem(ProblemCode::RateLimited, &[("retry_after", &when)])
        }
        NetFailure::ServerError { status } => {
            findings.problem(ProblemCode::ServerError, &[("status", &status.to_string())])
        }
        NetFailure::Redirected { location } => {
            findings.problem(ProblemCode::UnexpectedRedirect, &[("location", location)])
        }
        NetFailure::TooLarge => findings.problem(
            ProblemCode::UnexpectedAnswer,
            &[("detail", "the answer was larger than 1 MiB")],
        ),
    }
}

fn human_duration(d: Duration) -> String {
    match d.as_secs() {
        0..=1 => "a second".to_owned(),
        s @ 2..=119 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}
