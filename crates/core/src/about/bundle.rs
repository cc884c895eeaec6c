//! The support bundle: one JSON file with what a support person needs to understand a problem
//! (versions, system, the keychain's health, the policy, the proxy, every saved connection with
//! its last check, git's helper settings), written by `repoconn doctor --bundle FILE` and by the
//! window's Save diagnostics button. It never holds a secret: what it reads holds none, except
//! the policy (consumer secrets), proxy addresses (a password) and shell helpers, which
//! [`scrub`](super::scrub) cleans before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::AppInfo;
use super::scrub::{self, Withheld};
use super::system::SystemInfo;
use crate::domain::catalogue::StorageError;
use crate::domain::dates::{now, today};
use crate::domain::secret::KeychainBackend;
use crate::git::program::Git;
use crate::git::setup::{HELPER, url_of};
use crate::guide::listing::ConnectionView;
use crate::policy::{self, PolicyState};
use crate::store::connection::Connection;
use crate::store::file::{FILE_NAME, MetadataFile, SCHEMA_VERSION};
use crate::store::keychain::{SERVICE, SERVICE_ENV};
use crate::store::registry::Health;

/// What the document says it is, so that it is recognised when attached to a request.
pub const KIND: &str = "repoconn-support-bundle";
/// The bundle's format; raised when a field changes meaning or goes away.
pub const FORMAT: u32 = 1;

/// The whole bundle. Build it with [`SupportBundle::collect`], write it with
/// [`SupportBundle::write_to`] (which also removes the secrets found while collecting).
#[derive(Debug, Serialize)]
pub struct SupportBundle {
    pub kind: String,
    pub format: u32,
    pub created_at: String,
    pub app: AppInfo,
    pub system: SystemInfo,
    pub keychain: KeychainReport,
    pub connections_file: ConnectionsFileReport,
    pub connections: Vec<ConnectionReport>,
    pub policy: PolicyReport,
    pub proxy: ProxyReport,
    pub git: GitReport,
    /// Secrets met while collecting, searched for once more in the finished document.
    #[serde(skip)]
    withheld: Withheld,
}

/// The keychain and what `repoconn doctor` found in it.
#[derive(Debug, Serialize)]
pub struct KeychainReport {
    pub backend: KeychainBackend,
    pub name: String,
    /// The service our items are filed under (`REPOCONN_KEYCHAIN_SERVICE`, else "repoconn").
    pub service: String,
    /// Connections without a secret (their names) and items of no connection (their account
    /// names): never a secret's value.
    pub health: Option<Health>,
    /// Why the health could not be found: the keychain missing or locked, the file unreadable.
    pub problem: Option<StorageError>,
}

/// The connections file (metadata only; secrets are in the keychain).
#[derive(Debug, Serialize)]
pub struct ConnectionsFileReport {
    pub path: Option<String>,
    pub exists: bool,
    /// The format this build reads and writes.
    pub format_written: u64,
    /// The `schema_version` the file holds.
    pub format_found: Option<u64>,
    /// Why its connections could not be read.
    pub problem: Option<StorageError>,
}

/// One saved connection: its metadata as saved (with its last check), and how it reads today.
#[derive(Debug, Serialize)]
pub struct ConnectionReport {
    #[serde(flatten)]
    pub metadata: Connection,
    /// Fields a newer version saved, by name only: this version cannot tell what they hold.
    pub other_fields: Vec<String>,
    /// "Valid, expires in 5 days", "Rejected by git"...
    pub status_text: String,
    pub expiry_text: String,
    /// The address git asks the helper about for this connection.
    pub git_url: String,
}

/// The administrator's policy.
#[derive(Debug, Serialize)]
pub struct PolicyReport {
    /// The file looked for (`REPOCONN_POLICY_FILE`, else the system's place).
    pub path: String,
    pub exists: bool,
    /// The settings in force as this build read them, with what could not be read.
    pub in_force: Value,
    /// The file as written, its secrets replaced by "(removed)"; none when there is no file or
    /// it is not JSON.
    pub file: Option<Value>,
    /// Why the file is not JSON.
    pub file_problem: Option<String>,
}

/// Which proxy requests to Bitbucket go through. Addresses are shown without user or password.
#[derive(Debug, Serialize)]
pub struct ProxyReport {
    /// In words: the proxy in effect for requests to Bitbucket, and where it comes from.
    pub in_effect: String,
    /// The policy's `proxy`.
    pub policy: Option<String>,
    /// The proxy variables set in this process's environment.
    pub environment: Vec<ProxyVariable>,
}

#[derive(Debug, Serialize)]
pub struct ProxyVariable {
    pub name: String,
    pub value: String,
    /// The value held a user name or password, which were left out.
    pub credentials_removed: bool,
}

/// Git, and what it is configured to ask for credentials.
#[derive(Debug, Serialize)]
pub struct GitReport {
    /// What `git --version` prints.
    pub version: Option<String>,
    /// Why git could not be asked (not installed, not on the PATH...).
    pub problem: Option<String>,
    /// bitbucket.org and each saved connection's server.
    pub hosts: Vec<GitHostReport>,
}

#[derive(Debug, Serialize)]
pub struct GitHostReport {
    pub url: String,
    /// The saved connections for this address.
    pub connections: Vec<String>,
    /// Every credential helper git asks for this address, in git's order (an empty entry
    /// resets the list, as git does).
    pub helpers: Vec<String>,
    /// `git config --get-all credential.URL.helper`: the entries written for exactly this address.
    pub url_helpers: Vec<String>,
    /// `credential.useHttpPath` as it applies to this address.
    pub use_http_path: Option<String>,
    /// Whether git asks Repository Connections first.
    pub asks_repoconn_first: bool,
}

/// What the bundle is made from. [`Sources::current`] gives this process's own.
pub struct Sources<'a> {
    /// The data folder holding the connections file.
    pub data_dir: Option<PathBuf>,
    /// What `Registry::doctor` answered (or why the registry could not be opened).
    pub health: Result<Health, StorageError>,
    pub policy: &'a PolicyState,
    pub policy_path: PathBuf,
    pub git: Git,
    /// Reads an environment variable (the proxy's); a test passes its own.
    pub env: &'a dyn Fn(&str) -> Option<String>,
}

impl<'a> Sources<'a> {
    /// This process's data folder, environment and git, with `health` and `policy` as the
    /// caller found them.
    pub fn current(health: Result<Health, StorageError>, policy: &'a PolicyState) -> Self {
        Self {
            data_dir: crate::store::paths::data_dir(),
            health,
            policy,
            policy_path: policy::file_path(),
            git: Git::default(),
            env: &process_env,
        }
    }
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl SupportBundle {
    /// Gathers everything. Never fails: what cannot be read is reported inside.
    pub fn collect(sources: Sources<'_>) -> Self {
        let mut withheld = Withheld::default();
        let (connections_file, connections) = connections(sources.data_dir.as_deref());
        let info = AppInfo::current();
        let (health, problem) = match sources.health {
            Ok(health) => (Some(health), None),
            Err(err) => (None, Some(err)),
        };
        Self {
            kind: KIND.to_owned(),
            format: FORMAT,
            created_at: now(),
            keychain: KeychainReport {
                backend: info.keychain,
                name: info.keychain_name.clone(),
                service: (sources.env)(SERVICE_ENV)
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| SERVICE.to_owned()),
                health,
                problem,
            },
            app: info,
            system: SystemInfo::current(),
            git: git_report(&sources.git, &connections),
            connections_file,
            connections,
            policy: policy_report(sources.policy, &sources.policy_path, &mut withheld),
            proxy: proxy_report(sources.policy, sources.env, &mut withheld),
            withheld,
        }
    }

    /// The document as written: every string searched once more for the secrets met.
    pub fn to_json(&self) -> Value {
        let mut value = serde_json::to_value(self).expect("the bundle serialises");
        self.withheld.search_and_remove(&mut value);
        value
    }

    /// Writes the bundle to `path`: in full or not at all (a temporary file renamed over it),
    /// readable by this user only.
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(&self.to_json()).map_err(std::io::Error::other)?;
        bytes.push(b'\n');
        write_private(path, &bytes)
    }

    /// What the bundle holds, in one line.
    pub fn summary(&self) -> String {
        let count = |n: usize, one: &str, many: &str| match n {
            1 => format!("1 {one}"),
            n => format!("{n} {many}"),
        };
        format!(
            "versions, system, the keychain's health, {}, the policy, the proxy and git's helpers for {}; no token, password or consumer secret",
            count(self.connections.len(), "connection", "connections"),
            count(self.git.hosts.len(), "server", "servers"),
        )
    }
}

/// The connections file and what it holds, read without the keychain (so that they are
/// reported even when the keychain is the trouble).
fn connections(data_dir: Option<&Path>) -> (ConnectionsFileReport, Vec<ConnectionReport>) {
    let Some(dir) = data_dir else {
        let report = ConnectionsFileReport {
            path: None,
            exists: false,
            format_written: SCHEMA_VERSION,
            format_found: None,
            problem: None,
        };
        return (report, Vec::new());
    };
    let path = dir.join(FILE_NAME);
    let raw = std::fs::read(&path).ok();
    let format_found = raw
        .as_deref()
        .and_then(|bytes| serde_json::from_slice::<Value>(bytes).ok())
        .and_then(|value| value.get("schema_version").and_then(Value::as_u64));
    let (list, problem) = match MetadataFile::new(dir.to_owned()).read() {
        Ok(contents) => (contents.connections, None),
        Err(err) => (Vec::new(), Some(err)),
    };
    let report = ConnectionsFileReport {
        path: Some(path.display().to_string()),
        exists: raw.is_some(),
        format_written: SCHEMA_VERSION,
        format_found,
        problem,
    };
    (report, list.into_iter().map(connection_report).collect())
}

fn connection_report(mut connection: Connection) -> ConnectionReport {
    // What a newer version added is named, not copied: this version cannot tell what it holds.
    let other_fields = std::mem::take(&mut connection.extra)
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    connection.base_url = crate::domain::sniff::without_credentials(&connection.base_url);
    let view = ConnectionView::new(connection.clone(), today());
    ConnectionReport {
        git_url: url_of(&connection),
        metadata: connection,
        other_fields,
        status_text: view.status_text,
        expiry_text: view.expiry_text,
    }
}

fn policy_report(state: &PolicyState, path: &Path, withheld: &mut Withheld) -> PolicyReport {
    let (mut file, file_problem) = match policy::read_document(path) {
        Ok(file) => (file, None),
        Err(problem) => (None, Some(problem)),
    };
    if let Some(file) = &mut file {
        withheld.document(file);
    }
    // The settings in force never carry the consumer secrets (not serialised), but may carry a
    // proxy address with a password.
    let mut in_force = serde_json::to_value(state).unwrap_or(Value::Null);
    withheld.document(&mut in_force);
    PolicyReport {
        path: path.display().to_string(),
        exists: path.exists(),
        in_force,
        file,
        file_problem,
    }
}

/// The variables reqwest reads, in the order it reads them (the first set wins).
const HTTPS_PROXY_VARIABLES: [&str; 2] = ["HTTPS_PROXY", "https_proxy"];
const ALL_PROXY_VARIABLES: [&str; 2] = ["ALL_PROXY", "all_proxy"];
const OTHER_PROXY_VARIABLES: [&str; 4] = ["HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

fn proxy_report(
    state: &PolicyState,
    env: &dyn Fn(&str) -> Option<String>,
    withheld: &mut Withheld,
) -> ProxyReport {
    let mut environment = Vec::new();
    for name in HTTPS_PROXY_VARIABLES
        .iter()
        .chain(&ALL_PROXY_VARIABLES)
        .chain(&OTHER_PROXY_VARIABLES)
    {
        if let Some(raw) = env(name) {
            let value = withheld.address(&raw);
            environment.push(ProxyVariable {
                name: (*name).to_owned(),
                credentials_removed: value != raw,
                value,
            });
        }
    }
    let policy = state.policy.proxy.as_deref().map(|p| withheld.address(p));
    // Requests to Bitbucket are https: HTTPS_PROXY (either spelling, the first set), else
    // ALL_PROXY; a policy's proxy replaces the environment's.
    let first_set = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| environment.iter().find(|v| v.name == *name))
            .filter(|v| !v.value.trim().is_empty())
    };
    let in_effect = if state.proxy_refusal().is_some() {
        "none: the policy's proxy setting cannot be read, so no request is sent to any server".to_owned()
    } else if let Some(proxy) = &policy {
        format!("{proxy} (the policy's), for every request")
    } else if let Some(var) = first_set(&HTTPS_PROXY_VARIABLES).or_else(|| first_set(&ALL_PROXY_VARIABLES)) {
        let except = match first_set(&["NO_PROXY", "no_proxy"]) {
            Some(no) => format!(", except for {}", no.value),
            None => String::new(),
        };
        format!("{} (from {}){except}", var.value, var.name)
    } else if cfg!(any(target_os = "macos", target_os = "windows")) {
        "none in the environment: the system's proxy settings apply, if any".to_owned()
    } else {
        "none: requests go straight to the server".to_owned()
    };
    ProxyReport {
        in_effect,
        policy,
        environment,
    }
}

fn git_report(git: &Git, connections: &[ConnectionReport]) -> GitReport {
    let version = match git.run(&["--version"], "") {
        Ok(ran) if ran.ok => ran.stdout.trim().to_owned(),
        Ok(ran) => {
            return git_unavailable(format!("git --version failed: {}", ran.stderr.trim()));
        }
        Err(err) => return git_unavailable(err.to_string()),
    };
    let mut urls = vec!["https://bitbucket.org".to_owned()];
    for c in connections {
        if !urls.contains(&c.git_url) {
            urls.push(c.git_url.clone());
        }
    }
    let mut problem = None;
    let hosts = urls
        .into_iter()
        .map(|url| {
            let names = connections
                .iter()
                .filter(|c| c.git_url == url)
                .map(|c| c.metadata.name.clone())
                .collect();
            let (host, trouble) = git_host(git, url, names);
            if let Some(trouble) = trouble {
                problem.get_or_insert(trouble);
            }
            host
        })
        .collect();
    GitReport {
        version: Some(version),
        problem,
        hosts,
    }
}

fn git_unavailable(problem: String) -> GitReport {
    GitReport {
        version: None,
        problem: Some(problem),
        hosts: Vec::new(),
    }
}

/// What git's configuration says about credentials for `url`, and why git could not say all of
/// it, if it could not.
fn git_host(git: &Git, url: String, connections: Vec<String>) -> (GitHostReport, Option<String>) {
    let mut host = GitHostReport {
        url: url.clone(),
        connections,
        helpers: Vec::new(),
        url_helpers: Vec::new(),
        use_http_path: None,
        asks_repoconn_first: false,
    };
    let helpers = match url::Url::parse(&url) {
        Ok(parsed) => git.helpers_for(&parsed).map_err(|err| err.to_string()),
        Err(err) => Err(err.to_string()),
    };
    let helpers = match helpers {
        Ok(helpers) => helpers,
        Err(problem) => return (host, Some(problem)),
    };
    host.asks_repoconn_first = helpers.first().is_some_and(|h| h == HELPER);
    host.helpers = helpers.iter().map(|h| scrub::helper(h)).collect();
    let key = format!("credential.{url}.helper");
    if let Ok(ran) = git.run(&["config", "--get-all", &key], "") {
        host.url_helpers = ran.stdout.lines().map(scrub::helper).collect();
    }
    if let Ok(ran) = git.run(&["config", "--get-urlmatch", "credential.useHttpPath", &url], "")
        && ran.ok
    {
        host.use_http_path = Some(ran.stdout.trim().to_owned());
    }
    (host, None)
}

/// Writes `bytes` to `path` through a temporary file beside it (mode 0600 on Unix), renamed over
/// it once complete: a reader never sees half a bundle.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let temp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::method::ProviderKind;
    use crate::store::connection::LastCheck;
    use crate::store::file::Contents;

    const POLICY: &str = r#"{
        "proxy": "http://corp:policy-proxy-pass@proxy.example.com:3128",
        "oauth_clients": [{"provider": "cloud", "client_id": "corp-key", "client_secret": "policy-consumer-secret"}],
        "max_token_lifetime_days": 90
    }"#;

    fn env(name: &str) -> Option<String> {
        match name {
            "HTTPS_PROXY" => Some("http://user:env-proxy-pass@127.0.0.1:9/".to_owned()),
            "NO_PROXY" => Some("localhost".to_owned()),
            _ => None,
        }
    }

    /// A data folder with two connections (one with a field a newer version wrote, one checked),
    /// and a policy file with a consumer secret and a proxy password.
    fn world() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let mut checked = Connection::sample("work");
        checked.last_check = Some(LastCheck {
            at: "2026-11-26T10:00:00Z".into(),
            outcome: "not_usable".into(),
            problems: vec!["missing_scopes".into()],
            warnings: vec![],
        });
        checked
            .extra
            .insert("future_field".into(), Value::from("future-value-unknown"));
        let mut other = Connection::sample("dc");
        other.provider = ProviderKind::DataCenter;
        other.base_url = "https://ada:url-pass-123@git.example.com/bitbucket".into();
        let contents = Contents {
            schema_version: SCHEMA_VERSION,
            connections: vec![checked, other],
            extra: Default::default(),
        };
        MetadataFile::new(dir.path().to_owned()).write(&contents).unwrap();
        let policy = dir.path().join("policy.json");
        std::fs::write(&policy, POLICY).unwrap();
        (dir, policy)
    }

    fn bundle(dir: &Path, policy_path: &Path, health: Result<Health, StorageError>) -> Value {
        let policy = PolicyState::load_from(policy_path);
        let sources = Sources {
            data_dir: Some(dir.to_owned()),
            health,
            policy: &policy,
            policy_path: policy_path.to_owned(),
            git: Git::default(),
            env: &env,
        };
        SupportBundle::collect(sources).to_json()
    }

    #[test]
    fn holds_what_support_needs_and_no_secret() {
        let (dir, policy) = world();
        let health = Health {
            connections: 2,
            orphan_secrets: vec!["conn-9".into()],
            missing_secrets: vec!["dc".into()],
            keychain_listable: true,
        };
        let json = bundle(dir.path(), &policy, Ok(health));
        let text = json.to_string();
        for secret in [
            "policy-proxy-pass",
            "policy-consumer-secret",
            "env-proxy-pass",
            "url-pass-123",
            "future-value-unknown",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(json["kind"], KIND);
        assert_eq!(json["app"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(json["keychain"]["health"]["orphan_secrets"][0], "conn-9");
        assert_eq!(json["keychain"]["health"]["missing_secrets"][0], "dc");
        assert_eq!(json["connections_file"]["format_found"], SCHEMA_VERSION);
        let work = &json["connections"][0];
        assert_eq!(work["name"], "work");
        assert_eq!(work["last_check"]["problems"][0], "missing_scopes");
        assert_eq!(work["other_fields"][0], "future_field");
        assert_eq!(work["git_url"], "https://bitbucket.org");
        assert_eq!(
            json["connections"][1]["base_url"],
            "https://git.example.com/bitbucket"
        );
        assert_eq!(json["connections"][1]["git_url"], "https://git.example.com");
        let file = &json["policy"]["file"];
        assert_eq!(file["oauth_clients"][0]["client_secret"], scrub::REMOVED);
        assert_eq!(file["oauth_clients"][0]["client_id"], "corp-key");
        assert_eq!(file["proxy"], "http://proxy.example.com:3128/");
        assert_eq!(
            json["policy"]["in_force"]["policy"]["max_token_lifetime_days"],
            90
        );
        // The policy's proxy wins over the environment's; both are shown without credentials.
        assert_eq!(
            json["proxy"]["in_effect"],
            "http://proxy.example.com:3128/ (the policy's), for every request"
        );
        assert_eq!(json["proxy"]["environment"][0]["name"], "HTTPS_PROXY");
        assert_eq!(json["proxy"]["environment"][0]["value"], "http://127.0.0.1:9/");
        assert_eq!(json["proxy"]["environment"][0]["credentials_removed"], true);
    }

    #[test]
    fn without_a_policy_the_environment_proxy_is_in_effect() {
        let (dir, _) = world();
        let json = bundle(dir.path(), &dir.path().join("none.json"), Ok(Health::default()));
        assert_eq!(json["policy"]["exists"], false);
        assert_eq!(
            json["proxy"]["in_effect"],
            "http://127.0.0.1:9/ (from HTTPS_PROXY), except for localhost"
        );
    }

    #[test]
    fn a_keychain_that_cannot_be_opened_is_reported_and_the_connections_still_listed() {
        let (dir, policy) = world();
        let refused: StorageError = crate::domain::catalogue::StorageFault::KeychainUnavailable {
            reason: "no D-Bus session".into(),
        }
        .into();
        let json = bundle(dir.path(), &policy, Err(refused));
        assert_eq!(json["keychain"]["health"], Value::Null);
        assert_eq!(json["keychain"]["problem"]["code"], "keychain_unavailable");
        assert_eq!(json["connections"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn is_written_whole_and_private() {
        let (dir, policy) = world();
        let state = PolicyState::load_from(&policy);
        let sources = Sources {
            data_dir: Some(dir.path().to_owned()),
            health: Ok(Health::default()),
            policy: &state,
            policy_path: policy.clone(),
            git: Git::default(),
            env: &env,
        };
        let bundle = SupportBundle::collect(sources);
        let path = dir.path().join("bundle.json");
        std::fs::write(&path, "an older file").unwrap();
        bundle.write_to(&path).unwrap();
        let written: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(written, bundle.to_json());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        assert!(bundle.summary().contains("2 connections"), "{}", bundle.summary());
    }
}
