//! `repoconn git scan`: for bitbucket.org, every saved Data Center server and every Bitbucket
//! remote of a repository, which credential helpers git asks, what each holds (asked alone and
//! without any prompt), what git finds outside helpers (the netrc file, `store` files left behind,
//! passwords written into remote URLs) and what is wrong with each. Secrets are read only to be
//! judged here and, in the live step ([`crate::git::live`]), by their own server; none is ever
//! part of the report.

use serde::Serialize;

use crate::ProviderKind;
use crate::domain::catalogue::{Fault, Notice, Problem, Warning};
use crate::domain::secret::Secret;
use crate::git::credential::{Query, git_username};
use crate::git::live::{self, Live, Pending};
use crate::git::plain_text::{self, FileCredential, Home, percent_decode};
use crate::git::program::{Git, GitError};
use crate::store::connection::Connection;

/// Everything the scan found, one entry per server.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScanReport {
    /// Whether each credential was checked with its server (false with `--offline`).
    pub checked_live: bool,
    pub hosts: Vec<HostReport>,
}

#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct HostReport {
    /// `host[:port]`, as git's credential protocol names it.
    pub host: String,
    /// The URL the helpers were asked about.
    pub url: String,
    /// The helpers git asks for this URL, in order.
    pub helpers: Vec<String>,
    /// What each helper holds for it (helpers holding nothing are not listed), then what git
    /// finds in the netrc file, in `store` files no helper reads any more, and in remote URLs.
    pub credentials: Vec<HeldCredential>,
    /// The remotes of the scanned repository on this server.
    pub remotes: Vec<RemoteReport>,
    /// The saved connections git can be set up to use for this server (`repoconn git setup
    /// NAME`): on its host, and of a kind git accepts.
    pub usable_connections: Vec<String>,
}

/// What one helper (or file, or remote URL) holds: the username and the verdict, never the
/// secret.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct HeldCredential {
    /// The helper; for a credential outside any helper, where it is (a file, a remote's URL).
    pub helper: String,
    pub source: Source,
    pub username: Option<String>,
    pub ok: bool,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
    /// What its server answered; absent when the scan ran `--offline`.
    pub live: Option<Live>,
}

/// Where git finds a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// A credential helper git asks.
    Helper,
    /// The netrc file, which git's HTTP library reads without asking any helper.
    Netrc { path: String },
    /// A file of git's `store` helper that no configured helper reads any more.
    LeftoverFile { path: String },
    /// The URL of a remote of the scanned repository.
    RemoteUrl { remote: String },
}

/// A remote on a Bitbucket server; `url` without any password it embeds.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct RemoteReport {
    pub name: String,
    pub url: String,
    pub username: Option<String>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl ScanReport {
    /// Whether anything needs fixing.
    pub fn has_problems(&self) -> bool {
        self.hosts.iter().any(|h| {
            h.credentials.iter().any(|c| !c.problems.is_empty())
                || h.remotes.iter().any(|r| !r.problems.is_empty())
        })
    }
}

/// The scan's result before the live step: the report, and the secrets it found, each waiting
/// to be checked with its own server (or dropped unchecked with [`Scan::offline`]).
pub struct Scan {
    pub report: ScanReport,
    pub pending: Vec<Pending>,
}

impl Scan {
    /// The report without asking any server; the secrets are dropped (and wiped).
    pub fn offline(self) -> ScanReport {
        self.report
    }
}

/// Scans bitbucket.org, the saved Data Center servers and the Bitbucket remotes of `git`'s
/// repository (when `repository`), asking git and reading the user's files under `home`. Sends
/// nothing anywhere: the live check is [`live::check_all`].
pub fn scan(git: &Git, saved: &[Connection], repository: bool, home: &Home) -> Result<Scan, GitError> {
    let mut roots = vec![url::Url::parse("https://bitbucket.org/").expect("a URL")];
    for connection in saved.iter().filter(|c| c.provider == ProviderKind::DataCenter) {
        if let Ok(mut url) = url::Url::parse(&connection.base_url) {
            url.set_path("/");
            roots.push(url);
        }
    }
    let remotes: Vec<(String, url::Url)> = if repository {
        remotes(git)?
            .into_iter()
            .filter_map(|(name, raw)| Some((name, url::Url::parse(&raw).ok()?)))
            .filter(|(_, url)| matches!(url.scheme(), "https" | "http") && is_bitbucket(url, saved))
            .collect()
    } else {
        Vec::new()
    };
    roots.extend(remotes.iter().map(|(_, url)| root_of(url)));

    let mut scan = Scan {
        report: ScanReport {
            checked_live: false,
            hosts: Vec::new(),
        },
        pending: Vec::new(),
    };
    let remote_urls: Vec<url::Url> = remotes.iter().map(|(_, u)| u.clone()).collect();
    for root in roots {
        let host = host_of(&root);
        if scan.report.hosts.iter().any(|h| h.host == host) {
            continue;
        }
        scan_host(git, &root, home, saved, &remote_urls, &mut scan)?;
    }
    let repository_dir = git
        .dir
        .as_ref()
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| ".".to_owned());
    for (name, url) in &remotes {
        let host = host_of(url);
        let Some(index) = scan.report.hosts.iter().position(|h| h.host == host) else {
            continue;
        };
        scan.report.hosts[index]
            .remotes
            .push(judge_remote(name, url, saved, &repository_dir));
        if let Some(password) = url.password() {
            let found = Found {
                helper: format!("the URL of remote {name}"),
                source: Source::RemoteUrl { remote: name.clone() },
                username: (!url.username().is_empty()).then(|| percent_decode(url.username())),
                secret: Secret::new(percent_decode(password)),
                path: Some(url.path().trim_start_matches('/').to_owned()),
            };
            add_found(&mut scan, index, &root_of(url), found, saved, &remote_urls);
        }
    }
    Ok(scan)
}

/// `scheme://host[:port]/` of a URL, without user, password or path.
fn root_of(url: &url::Url) -> url::Url {
    let mut root = url.clone();
    let _ = root.set_username("");
    let _ = root.set_password(None);
    root.set_path("/");
    root.set_query(None);
    root.set_fragment(None);
    root
}

/// `host[:port]`, as git's credential protocol names a server.
pub fn host_of(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// bitbucket.org, a saved Data Center server, or a Data Center clone URL (`/scm/`).
fn is_bitbucket(url: &url::Url, saved: &[Connection]) -> bool {
    let host = host_of(url);
    host == "bitbucket.org"
        || url.path().contains("/scm/")
        || saved.iter().any(|c| c.git_host().eq_ignore_ascii_case(&host))
}

fn remotes(git: &Git) -> Result<Vec<(String, String)>, GitError> {
    let ran = git.run(&["config", "--null", "--get-regexp", r"^remote\..*\.url$"], "")?;
    Ok(ran
        .stdout
        .split('\0')
        .filter_map(|entry| {
            let (key, value) = entry.split_once('\n')?;
            let name = key.strip_prefix("remote.")?.strip_suffix(".url")?;
            Some((name.to_owned(), value.to_owned()))
        })
        .collect())
}

/// A credential found somewhere, with its secret, before it is judged.
struct Found {
    helper: String,
    source: Source,
    username: Option<String>,
    secret: Secret,
    /// The repository path it was found for, when known (`acme/models.git`).
    path: Option<String>,
}

impl Found {
    fn from_file(file: FileCredential, source: Source) -> Self {
        Self {
            helper: file.path.display().to_string(),
            source,
            username: file.username,
            secret: file.secret,
            path: file.path_in_url,
        }
    }
}

/// Judges `found` offline, adds it to host `index`, and plans its live check.
fn add_found(
    scan: &mut Scan,
    index: usize,
    url: &url::Url,
    found: Found,
    saved: &[Connection],
    remotes: &[url::Url],
) {
    let host = &mut scan.report.hosts[index];
    let held = judge_credential(&found, url);
    let credential = host.credentials.len();
    host.credentials.push(held);
    let plan = live::plan(
        url,
        &found.username,
        found.secret,
        found.path.as_deref(),
        saved,
        remotes,
    );
    scan.pending.push(Pending {
        host: index,
        credential,
        plan,
    });
}

fn scan_host(
    git: &Git,
    url: &url::Url,
    home: &Home,
    saved: &[Connection],
    remotes: &[url::Url],
    scan: &mut Scan,
) -> Result<(), GitError> {
    let helpers = git.helpers_for(url)?;
    let host = host_of(url);
    scan.report.hosts.push(HostReport {
        host: host.clone(),
        url: url.to_string(),
        helpers: helpers.clone(),
        credentials: Vec::new(),
        remotes: Vec::new(),
        usable_connections: saved
            .iter()
            .filter(|c| c.git_host().eq_ignore_ascii_case(&host) && crate::git::setup::refusal(c).is_none())
            .map(|c| c.name.clone())
            .collect(),
    });
    let index = scan.report.hosts.len() - 1;
    for helper in &helpers {
        // Our own helper answers with the saved connections, which `repoconn test` checks.
        if helper.contains("repoconn") {
            continue;
        }
        let query = format!("protocol={}\nhost={host}\n\n", url.scheme());
        let ran = git.credential_through(helper, "fill", &query)?;
        if !ran.ok {
            continue;
        }
        let held = Query::parse(&ran.stdout);
        let Some(secret) = held.password else { continue };
        let found = Found {
            helper: helper.clone(),
            source: Source::Helper,
            username: held.username,
            secret,
            path: held.path,
        };
        add_found(scan, index, url, found, saved, remotes);
    }
    // Outside any helper: the netrc file (by host name, whatever the port) ...
    if let Some(file) = home.netrc_file() {
        for entry in plain_text::netrc_credentials(&file, url.host_str().unwrap_or_default()) {
            let source = Source::Netrc {
                path: file.display().to_string(),
            };
            add_found(scan, index, url, Found::from_file(entry, source), saved, remotes);
        }
    }
    // ... and the `store` files that no configured `store` helper reads any more.
    let read: Vec<std::path::PathBuf> = helpers
        .iter()
        .filter(|h| is_plain_text(h))
        .flat_map(|h| plain_text::files_read_by(h, home))
        .collect();
    for file in home.store_files().into_iter().filter(|f| !read.contains(f)) {
        for entry in plain_text::store_file_credentials(&file, url) {
            let source = Source::LeftoverFile {
                path: file.display().to_string(),
            };
            add_found(scan, index, url, Found::from_file(entry, source), saved, remotes);
        }
    }
    Ok(())
}

/// Whether `helper` is git's `store`, which writes secrets as plain text.
pub fn is_plain_text(helper: &str) -> bool {
    let program = helper.split_whitespace().next().unwrap_or_default();
    program == "store" || program.ends_with("git-credential-store")
}

/// What can be said without asking the server: a retired app password, an email as git
/// username, an API token whose email git does not keep, a secret kept in plain text.
fn judge_credential(found: &Found, url: &url::Url) -> HeldCredential {
    let host = host_of(url);
    let mut problems: Vec<Problem> = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    let text = found.secret.expose();
    if text.starts_with("ATBB") {
        problems.push(Fault::AppPasswordDisabled.into());
    }
    if let Some(user) = &found.username {
        if user.contains('@') {
            problems.push(Fault::UsernameExpected { value: user.clone() }.into());
        } else if text.starts_with("ATATT") && host == "bitbucket.org" {
            warnings.push(
                Notice::GitCredentialUnverified {
                    username: user.clone(),
                }
                .into(),
            );
        }
    }
    match &found.source {
        Source::Helper if is_plain_text(&found.helper) => warnings.push(
            Notice::PlainTextHelper {
                helper: found.helper.clone(),
            }
            .into(),
        ),
        Source::Netrc { path } => warnings.push(
            Notice::NetrcCredential {
                path: path.clone(),
                machine: url.host_str().unwrap_or_default().to_owned(),
            }
            .into(),
        ),
        Source::LeftoverFile { path } => warnings.push(
            Notice::LeftoverCredentials {
                path: path.clone(),
                url: format!("{}://{host}", url.scheme()),
                command: plain_text::erase_command(std::path::Path::new(path), url),
            }
            .into(),
        ),
        _ => {}
    }
    HeldCredential {
        helper: found.helper.clone(),
        source: found.source.clone(),
        username: found.username.clone(),
        ok: problems.is_empty(),
        problems,
        warnings,
        live: None,
    }
}

fn judge_remote(name: &str, url: &url::Url, saved: &[Connection], repository: &str) -> RemoteReport {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let username = (!url.username().is_empty()).then(|| percent_decode(url.username()));
    let mut problems: Vec<Problem> = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    if url.password().is_some() {
        problems.push(
            Fault::PasswordInRemoteUrl {
                remote: name.to_owned(),
                repository: repository.to_owned(),
                command: format!("git remote set-url {name} {shown}"),
            }
            .into(),
        );
    }
    if let Some(user) = &username {
        if user.contains('@') {
            problems.push(Fault::UsernameExpected { value: user.clone() }.into());
        } else {
            let host = host_of(url);
            let expected: Vec<String> = saved
                .iter()
                .filter(|c| c.git_host().eq_ignore_ascii_case(&host))
                .filter_map(git_username)
                .collect();
            if !expected.is_empty() && !expected.contains(user) {
                warnings.push(
                    Notice::RemoteUsernameMismatch {
                        remote: name.to_owned(),
                        username: user.clone(),
                        expected: expected.join(" or "),
                    }
                    .into(),
                );
            }
        }
    }
    RemoteReport {
        name: name.to_owned(),
        url: shown.to_string(),
        username,
        problems,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud() -> url::Url {
        url::Url::parse("https://bitbucket.org/").unwrap()
    }

    fn found(helper: &str, source: Source, username: &str, secret: &str) -> Found {
        Found {
            helper: helper.to_owned(),
            source,
            username: Some(username.to_owned()),
            secret: Secret::new(secret),
            path: None,
        }
    }

    #[test]
    fn an_app_password_and_an_email_are_problems_and_store_is_warned() {
        let held = judge_credential(
            &found("store", Source::Helper, "ada@example.com", "ATBBxyz"),
            &cloud(),
        );
        let codes: Vec<&str> = held.problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["app_password_disabled", "username_expected"]);
        assert_eq!(held.warnings[0].code.as_str(), "plain_text_helper");
        assert!(!held.ok);
        let json = serde_json::to_string(&held).unwrap();
        assert!(!json.contains("ATBBxyz"));
    }

    #[test]
    fn an_api_token_without_the_email_is_said_to_be_unverified() {
        let held = judge_credential(
            &found("cache", Source::Helper, "ada_lovelace", "ATATT3xyz"),
            &cloud(),
        );
        assert!(held.ok);
        assert_eq!(held.warnings.len(), 1);
        assert_eq!(held.warnings[0].code.as_str(), "git_credential_unverified");
        assert!(held.warnings[0].message.contains("email"));
    }

    #[test]
    fn netrc_and_leftover_files_say_how_to_remove_them() {
        let netrc = Source::Netrc {
            path: "/h/.netrc".into(),
        };
        let held = judge_credential(&found("/h/.netrc", netrc, "ada", "pw"), &cloud());
        assert_eq!(held.warnings[0].code.as_str(), "netrc_credential");
        assert!(held.warnings[0].message.contains("machine bitbucket.org"));
        let leftover = Source::LeftoverFile {
            path: "/h/.git-credentials".into(),
        };
        let held = judge_credential(&found("/h/.git-credentials", leftover, "ada", "pw"), &cloud());
        assert_eq!(held.warnings[0].code.as_str(), "leftover_credentials");
        assert!(
            held.warnings[0]
                .message
                .contains("git credential-store --file /h/.git-credentials erase"),
            "{}",
            held.warnings[0].message
        );
    }

    #[test]
    fn a_remote_url_never_shows_its_password_and_says_how_to_take_it_out() {
        let url = url::Url::parse("https://ada%40example.com:secret@bitbucket.org/acme/models.git").unwrap();
        let remote = judge_remote("origin", &url, &[], "/r");
        assert!(!remote.url.contains("secret"));
        assert_eq!(remote.username.as_deref(), Some("ada@example.com"));
        let codes: Vec<&str> = remote.problems.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["password_in_remote_url", "username_expected"]);
        assert!(
            remote.problems[0].fix.contains(
                "`git remote set-url origin https://ada%40example.com@bitbucket.org/acme/models.git` in /r"
            ),
            "{}",
            remote.problems[0].fix
        );
        assert!(!serde_json::to_string(&remote).unwrap().contains("secret"));
    }
}
