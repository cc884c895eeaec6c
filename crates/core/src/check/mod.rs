//! One check from start to end: tidy what was pasted and refuse what cannot work before any
//! request ([`prepare`]), open a client that obeys every network rule ([`http`]), run the
//! provider's probes ([`cloud`] or [`datacenter`], which share the [`probe`] kit and never use each
//! other) within a deadline, and produce the [`report`].

pub mod cloud;
pub mod datacenter;
pub mod http;
pub mod prepare;
pub mod probe;
pub mod report;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use specta::Type;
use url::Url;

use crate::domain::catalogue::{Fault, Notice, Problem};
use crate::domain::method::{Method, ProviderKind};
use crate::domain::scopes::Profile;
use crate::domain::secret::Secret;
use crate::domain::sniff;
use crate::policy::PolicyState;
use http::{Http, NetLimits, SetupError, Trust};
use prepare::{Prepared, prepare};
use probe::host_of;
use report::{Findings, ServerInfo, ValidationReport};

/// Environment variable that points Cloud checks at another API root (tests, mirrors).
pub const CLOUD_API_ENV: &str = "REPOCONN_CLOUD_API_URL";
/// Bitbucket Cloud's REST API root.
pub const CLOUD_API_DEFAULT: &str = "https://api.bitbucket.org";

/// Everything a check needs. `server` is the Data Center address as typed (any Bitbucket URL).
/// The dialog sends exactly this; the secret is read from the page once and never sent back.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct CheckRequest {
    pub method: Method,
    pub server: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub profile: Profile,
    /// Extra scopes (Cloud, either vocabulary) or permission levels (Data Center).
    #[serde(default)]
    pub require: Vec<String>,
    /// A PEM file of the certificate authority that signed the server's certificate.
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the server certificate with this SHA-256 fingerprint, and no other.
    #[serde(default)]
    pub trust_fingerprint: Option<String>,
    pub allow_http: bool,
    pub secret: Secret,
}

/// A report with the request as it was checked: the secret tidied, each value in its field, the
/// Data Center base URL normalised. Saving takes this, so nothing is tidied twice.
#[derive(Debug, Clone)]
pub struct Checked {
    pub request: CheckRequest,
    pub report: ValidationReport,
}

/// The `REPOCONN_CLOUD_API_URL` setting is not a URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{CLOUD_API_ENV}={value} is not a URL: {reason}")]
pub struct EnvError {
    pub value: String,
    pub reason: String,
}

/// Where and how checks reach the network.
#[derive(Debug, Clone)]
pub struct CheckEnv {
    pub cloud_api: Url,
    pub limits: NetLimits,
    /// The administrator's policy: allowed ways to connect, CA file, proxy, token lifetime.
    pub policy: PolicyState,
}

impl CheckEnv {
    /// The real API, or `REPOCONN_CLOUD_API_URL` when set; the administrator's policy file.
    pub fn from_env() -> Result<Self, EnvError> {
        let api = std::env::var(CLOUD_API_ENV).ok().filter(|v| !v.trim().is_empty());
        let text = api.as_deref().unwrap_or(CLOUD_API_DEFAULT);
        let refuse = |reason: String| EnvError {
            value: sniff::without_credentials(text),
            reason,
        };
        let cloud_api = Url::parse(text).map_err(|err| refuse(err.to_string()))?;
        if !matches!(cloud_api.scheme(), "https" | "http") || cloud_api.host_str().is_none() {
            return Err(refuse(
                "only an http(s) address with a host name can be an API root".to_owned(),
            ));
        }
        if !cloud_api.username().is_empty() || cloud_api.password().is_some() {
            return Err(refuse(
                "it carries a user name or password, which would be sent with every request".to_owned(),
            ));
        }
        let policy = PolicyState::load();
        let limits = NetLimits {
            proxy: policy.policy.proxy.clone(),
            ..NetLimits::default()
        };
        Ok(Self {
            cloud_api,
            limits,
            policy,
        })
    }

    /// Environment for tests and benchmarks: `cloud_api`, the given limits, no policy.
    pub fn with_cloud_api(cloud_api: Url, limits: NetLimits) -> Self {
        Self {
            cloud_api,
            limits,
            policy: PolicyState::default(),
        }
    }
}

/// Runs a complete check. Never fails: every outcome, network trouble included, is in the report.
pub async fn check(request: CheckRequest, env: &CheckEnv) -> ValidationReport {
    check_and_keep(request, env).await.report
}

/// Runs a complete check and keeps the request as it was checked, for saving.
pub async fn check_and_keep(request: CheckRequest, env: &CheckEnv) -> Checked {
    let mut findings = Findings::new(request.method);
    let Some(prepared) = begin(&request, env, &mut findings) else {
        return Checked {
            report: findings.into_report(String::new()),
            request,
        };
    };
    let base_url = prepared.base.to_string();
    if findings.problems.is_empty() {
        run_probes(&prepared, env, &mut findings).await;
    }
    Checked {
        report: findings.into_report(base_url),
        request: prepared.into_request(),
    }
}

/// What every use of a credential does first, before any request: the administrator's policy,
/// then [`prepare`]. `None` when there is nothing to go on (a forbidden way to connect, or no
/// address); otherwise the prepared request, with any problem found recorded in `findings`.
pub(crate) fn begin(request: &CheckRequest, env: &CheckEnv, findings: &mut Findings) -> Option<Prepared> {
    if let Some(error) = &env.policy.error {
        findings.warning(Notice::PolicyUnusable {
            path: error.path.clone(),
            detail: error.message.clone(),
        });
    }
    if let Some(refusal) = env.policy.refusal(request.method) {
        findings.problem(refusal);
        return None;
    }
    let cloud_base = match request.method.provider() {
        ProviderKind::Cloud => Some(env.cloud_api.clone()),
        ProviderKind::DataCenter => None,
    };
    let prepared = prepare(request, cloud_base, findings)?;
    // A template for this server fixes the way to connect and the profile.
    if let Some(refusal) = env
        .policy
        .template_refusal(prepared.method, prepared.profile, &prepared.base)
    {
        findings.problem(refusal);
    }
    Some(prepared)
}

/// Opens the client (the connection's CA file, else the policy's; its pinned certificate if any)
/// and runs the provider's probes within the check's deadline.
async fn run_probes(p: &Prepared, env: &CheckEnv, findings: &mut Findings) {
    let Some(http) = connect(p, env, findings) else {
        return;
    };
    let deadline = env.limits.deadline;
    let probes = async {
        match p.method.provider() {
            ProviderKind::Cloud => cloud::check(&http, p, findings).await,
            ProviderKind::DataCenter => datacenter::check(&http, p, findings).await,
        }
    };
    if tokio::time::timeout(deadline, probes).await.is_err() {
        findings.problem(Fault::Timeout {
            host: host_of(&p.base).to_owned(),
            seconds: deadline.as_secs(),
        });
    }
}

/// The client every request for a prepared credential goes through: its CA file (else the
/// policy's), its pinned certificate if any, the network rules; on Data Center a Basic login is
/// never repeated (failed ones count toward the server's CAPTCHA lockout). `None` when there is
/// none, with the problem recorded.
pub(crate) fn connect(p: &Prepared, env: &CheckEnv, findings: &mut Findings) -> Option<Http> {
    let ca_file = p
        .ca_file
        .clone()
        .or_else(|| env.policy.policy.ca_file.as_ref().map(PathBuf::from));
    let trust = Trust {
        ca_file: ca_file.as_deref(),
        fingerprint: p.trust_fingerprint.as_deref(),
    };
    let http = open_client(&p.base, trust, p.allow_http, env, findings)?;
    Some(match p.method.provider() {
        ProviderKind::Cloud => http,
        ProviderKind::DataCenter => http.without_basic_retries(),
    })
}

/// A client for `base`, or the problem that prevents one.
fn open_client(
    base: &Url,
    trust: Trust<'_>,
    allow_http: bool,
    env: &CheckEnv,
    findings: &mut Findings,
) -> Option<Http> {
    match Http::with_trust(base, trust, allow_http, env.limits.clone()) {
        Ok(http) => Some(http),
        Err(SetupError::InsecureHttp) => {
            findings.problem(Fault::InsecureHttp {
                url: base.to_string(),
            });
            None
        }
        Err(SetupError::CaFile { reason }) => {
            let path = trust.ca_file.map(|p| p.display().to_string()).unwrap_or_default();
            findings.problem(Fault::CaFileInvalid { path, reason });
            None
        }
        Err(SetupError::Fingerprint { value }) => {
            findings.problem(Fault::FingerprintInvalid { value });
            None
        }
        Err(SetupError::Client(reason)) => {
            findings.problem(Fault::Unreachable {
                host: host_of(base).to_owned(),
                reason,
            });
            None
        }
    }
}

/// A Data Center address as the dialog shows it while the user types: the normalised base URL,
/// what the URL named, and the server's version (or why there is none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ServerCheck {
    pub base_url: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub server: Option<ServerInfo>,
    pub problems: Vec<Problem>,
}

/// Normalises a typed Data Center address and asks the server (without credentials) what it is,
/// trusting what the check will trust: `ca_file` (else the policy's) and the pinned certificate.
pub async fn check_server(
    typed: &str,
    ca_file: Option<&Path>,
    trust_fingerprint: Option<&str>,
    allow_http: bool,
    env: &CheckEnv,
) -> ServerCheck {
    let mut findings = Findings::new(Method::PersonalToken);
    let address = match sniff::server_address(typed) {
        Ok(address) => address,
        Err(reason) => {
            findings.problem(Fault::NotBitbucket {
                url: format!("\"{typed}\" ({reason})"),
            });
            return ServerCheck {
                base_url: None,
                project: None,
                repository: None,
                server: None,
                problems: findings.problems,
            };
        }
    };
    // The same trust as the check that follows: the connection's CA file, else the policy's.
    let policy_ca = env.policy.policy.ca_file.as_ref().map(PathBuf::from);
    let trust = Trust {
        ca_file: ca_file.or(policy_ca.as_deref()),
        fingerprint: trust_fingerprint,
    };
    // Nothing goes around a proxy the policy sets but that cannot be read.
    let client = match env.policy.proxy_refusal() {
        Some(fault) => {
            findings.problem(fault);
            None
        }
        None => open_client(&address.base, trust, allow_http, env, &mut findings),
    };
    let server = match client {
        Some(http) => {
            let probe = datacenter::server_properties(&http, &address.base, &mut findings);
            tokio::time::timeout(env.limits.deadline, probe)
                .await
                .ok()
                .flatten()
        }
        None => None,
    };
    // What the server said is shown as the user types: printable, as in a report.
    findings.server = server;
    findings.make_printable();
    let server = findings.server.take();
    ServerCheck {
        base_url: Some(address.base.to_string()),
        project: address.project,
        repository: address.repository,
        server,
        problems: findings.problems,
    }
}
