//! `repoconn git scan`: for bitbucket.org, every saved Data Center server and every Bitbucket
//! remote of a repository, which credential helpers git asks, what each holds (asked alone and
//! without any prompt) and what is wrong with it. Secrets are read only to be judged, then
//! dropped: none is ever part of the report.

use serde::Serialize;

use crate::ProviderKind;
use crate::domain::catalogue::{Fault, Notice, Problem, Warning};
use crate::domain::secret::Secret;
use crate::git::credential::{Query, git_username};
use crate::git::program::{Git, GitError};
use crate::store::connection::Connection;

/// Everything the scan found, one entry per server.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct ScanReport {
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
    /// What each helper holds for it (helpers holding nothing are not listed).
    pub credentials: Vec<HeldCredential>,
    /// The remotes of the scanned repository on this server.
    pub remotes: Vec<RemoteReport>,
}

/// What one helper holds: the username and the verdict, never the secret.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct HeldCredential {
    pub helper: String,
    pub username: Option<String>,
    pub ok: bool,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
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

/// Scans bitbucket.org, the saved Data Center servers and the Bitbucket remotes of `git`'s
/// repository (when it runs in one).
pub fn scan(git: &Git, saved: &[Connection], repository: bool) -> Result<ScanReport, GitError> {
    let mut hosts: Vec<HostReport> = Vec::new();
    let add_host = |hosts: &mut Vec<HostReport>, url: url::Url| -> Result<usize, GitError> {
        let host = host_of(&url);
        if let Some(i) = hosts.iter().position(|h| h.host == host) {
            return Ok(i);
        }
        hosts.push(scan_host(git, &url)?);
        Ok(hosts.len() - 1)
    };
    add_host(
        &mut hosts,
        url::Url::parse("https://bitbucket.org/").expect("a URL"),
    )?;
    for connection in saved.iter().filter(|c| c.provider == ProviderKind::DataCenter) {
        if let Ok(mut url) = url::Url::parse(&connection.base_url) {
            url.set_path("/");
            add_host(&mut hosts, url)?;
        }
    }
    if repository {
        for (name, raw) in remotes(git)? {
            let Ok(url) = url::Url::parse(&raw) else { continue };
            if !matches!(url.scheme(), "https" | "http") || !is_bitbucket(&url, saved) {
                continue;
            }
            let mut root = url.clone();
            let _ = root.set_username("");
            let _ = root.set_password(None);
            root.set_path("/");
            let i = add_host(&mut hosts, root)?;
            hosts[i].remotes.push(judge_remote(&name, &url, saved));
        }
    }
    Ok(ScanReport { hosts })
}

fn host_of(url: &url::Url) -> String {
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

fn scan_host(git: &Git, url: &url::Url) -> Result<HostReport, GitError> {
    let helpers = git.helpers_for(url)?;
    let host = host_of(url);
    let mut credentials = Vec::new();
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
        credentials.push(judge_credential(helper, &host, held.username, &secret));
        // `secret` is dropped (and wiped) here.
    }
    Ok(HostReport {
        host,
        url: url.to_string(),
        helpers,
        credentials,
        remotes: Vec::new(),
    })
}

/// Whether `helper` is git's `store`, which writes secrets as plain text.
pub fn is_plain_text(helper: &str) -> bool {
    let program = helper.split_whitespace().next().unwrap_or_default();
    program == "store" || program.ends_with("git-credential-store")
}

fn judge_credential(helper: &str, host: &str, username: Option<String>, secret: &Secret) -> HeldCredential {
    let mut problems: Vec<Problem> = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
    let text = secret.expose();
    if text.starts_with("ATBB") {
        problems.push(Fault::AppPasswordDisabled.into());
    }
    if let Some(user) = &username {
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
    if is_plain_text(helper) {
        warnings.push(
            Notice::PlainTextHelper {
                helper: helper.to_owned(),
            }
            .into(),
        );
    }
    HeldCredential {
        helper: helper.to_owned(),
        username,
        ok: problems.is_empty(),
        problems,
        warnings,
    }
}

fn judge_remote(name: &str, url: &url::Url, saved: &[Connection]) -> RemoteReport {
    let mut shown = url.clone();
    let _ = shown.set_password(None);
    let username = (!url.username().is_empty()).then(|| percent_decode(url.username()));
    let mut problems: Vec<Problem> = Vec::new();
    let mut warnings: Vec<Warning> = Vec::new();
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

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(Ok(b)) = text.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_password_and_an_email_are_problems_and_store_is_warned() {
        let held = judge_credential(
            "store",
            "bitbucket.org",
            Some("ada@example.com".into()),
            &Secret::new("ATBBxyz"),
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
            "cache",
            "bitbucket.org",
            Some("ada_lovelace".into()),
            &Secret::new("ATATT3xyz"),
        );
        assert!(held.ok);
        assert_eq!(held.warnings.len(), 1);
        assert_eq!(held.warnings[0].code.as_str(), "git_credential_unverified");
        assert!(held.warnings[0].message.contains("email"));
    }

    #[test]
    fn a_remote_url_never_shows_its_password() {
        let url = url::Url::parse("https://ada%40example.com:secret@bitbucket.org/acme/models.git").unwrap();
        let remote = judge_remote("origin", &url, &[]);
        assert!(!remote.url.contains("secret"));
        assert_eq!(remote.username.as_deref(), Some("ada@example.com"));
        assert_eq!(remote.problems[0].code.as_str(), "username_expected");
    }
}
