//! The scan's live step: each credential git holds is checked, read-only, by the core's check
//! engine against its own server only (bitbucket.org's credentials against Cloud's API, a Data
//! Center server's against that server), and the answer is named in plain words: it works (as
//! whom, until when), it expires soon, it was rejected (and why, when the server says), or it
//! could not be checked.

use serde::Serialize;
use time::Date;

use crate::check::{CheckEnv, CheckRequest, check, report::ValidationReport};
use crate::domain::catalogue::{Fault, Notice, Problem, ProblemCode, Severity, WarningCode};
use crate::domain::dates::parse_date;
use crate::domain::method::{API_TOKEN_GIT_USER, Method, ProviderKind, TOKEN_GIT_USER};
use crate::domain::scopes::Profile;
use crate::domain::secret::Secret;
use crate::domain::sniff::{looks_like_email, server_address};
use crate::expiry::SOON_DAYS;
use crate::git::credential::git_username;
use crate::git::scan::{HeldCredential, Scan, ScanReport, host_of};
use crate::store::connection::Connection;

/// What a credential's server answered, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Live {
    /// Accepted. `user`: whom it acts as (none for a token that acts as itself); `expires_on`
    /// when the server said.
    Works {
        user: Option<String>,
        expires_on: Option<String>,
    },
    /// Accepted, and the server says it expires within 30 days.
    ExpiresSoon {
        user: Option<String>,
        expires_on: String,
        days_left: i32,
    },
    /// Refused; `reason` says why as far as the server told.
    Rejected { reason: String },
    /// Not asked, or no answer that judges it; `reason` says why.
    NotChecked { reason: String },
}

impl Live {
    /// One line for the terminal.
    pub fn describe(&self) -> String {
        match self {
            Self::Works { user, expires_on } => {
                let who = match user {
                    Some(user) => format!("works as {user}"),
                    None => "works (a token that acts as itself)".to_owned(),
                };
                match expires_on {
                    Some(on) => format!("{who}, until {on}"),
                    None => who,
                }
            }
            Self::ExpiresSoon {
                user,
                expires_on,
                days_left,
            } => format!(
                "works{}, but expires soon: {expires_on}, in {days_left} day(s)",
                user.as_deref().map(|u| format!(" as {u}")).unwrap_or_default()
            ),
            Self::Rejected { reason } => format!("rejected: {reason}"),
            Self::NotChecked { reason } => format!("not checked: {reason}"),
        }
    }
}

/// One secret the scan found, waiting for its server.
pub struct Pending {
    /// Index of the host in the report, and of the credential in that host's list.
    pub host: usize,
    pub credential: usize,
    pub plan: Plan,
}

/// How a held credential will be checked.
pub enum Plan {
    Check(Box<CheckRequest>),
    /// It cannot be checked from what git holds; the sentence says why.
    Cannot(String),
}

/// Chooses the way to check a secret git holds for `url` (`scheme://host[:port]/`), from the
/// secret's shape and the username git holds with it. The request only ever names that server:
/// Cloud's API for bitbucket.org (the engine's API root), else `url`'s own origin.
pub fn plan(
    url: &url::Url,
    username: &Option<String>,
    secret: Secret,
    path: Option<&str>,
    saved: &[Connection],
    remotes: &[url::Url],
) -> Plan {
    if host_of(url) == "bitbucket.org" {
        plan_cloud(username.as_deref(), secret, path, saved, remotes)
    } else {
        plan_data_center(url, username.as_deref(), secret, saved, remotes)
    }
}

fn request(method: Method, secret: Secret) -> CheckRequest {
    CheckRequest {
        method,
        server: None,
        email: None,
        username: None,
        workspace: None,
        project: None,
        repository: None,
        profile: Profile::ReadOnly,
        require: Vec::new(),
        ca_file: None,
        trust_fingerprint: None,
        allow_http: false,
        secret,
    }
}

fn plan_cloud(
    username: Option<&str>,
    secret: Secret,
    path: Option<&str>,
    saved: &[Connection],
    remotes: &[url::Url],
) -> Plan {
    let text = secret.expose();
    let mut r = if text.starts_with("ATBB") {
        request(Method::AppPassword, secret)
    } else if text.starts_with("ATCTT") {
        // Access tokens are checked in a repository they open: the one git asked about, or a
        // Bitbucket remote of the scanned repository.
        let Some((workspace, repository)) = path.and_then(workspace_and_repository).or_else(|| {
            remotes
                .iter()
                .filter(|u| u.host_str() == Some("bitbucket.org"))
                .find_map(|u| workspace_and_repository(u.path()))
        }) else {
            return Plan::Cannot(
                "an access token is checked in a repository it opens, and none is known: scan again with --repo DIR of such a repository".to_owned(),
            );
        };
        let mut r = request(Method::RepositoryAccessToken, secret);
        r.workspace = Some(workspace);
        r.repository = Some(repository);
        r
    } else if text.starts_with("ATATT") {
        let Some(email) = username.and_then(|user| email_for(user, saved)) else {
            return Plan::Cannot(
                "an API token is checked with your Atlassian email, which git does not keep, and no saved connection has this git username".to_owned(),
            );
        };
        let mut r = request(Method::ApiToken, secret);
        r.email = Some(email);
        r
    } else if username == Some(TOKEN_GIT_USER) {
        request(Method::Oauth, secret)
    } else {
        // An unprefixed password for bitbucket.org: an app password from before the prefix.
        request(Method::AppPassword, secret)
    };
    if r.method == Method::AppPassword {
        r.username = username.map(str::to_owned);
    }
    Plan::Check(Box::new(r))
}

/// The email for an API token git holds with `username`: the username itself when it is one,
/// else the email of a saved Cloud API-token connection with that git username.
fn email_for(username: &str, saved: &[Connection]) -> Option<String> {
    if looks_like_email(username) {
        return Some(username.to_owned());
    }
    if username == API_TOKEN_GIT_USER {
        // Shared by every API token: it names nobody.
        return None;
    }
    saved
        .iter()
        .filter(|c| c.method == Method::ApiToken)
        .filter(|c| git_username(c).as_deref() == Some(username))
        .find_map(|c| c.email.clone())
}

/// `acme/models.git` (or `/acme/models`) → (`acme`, `models`).
fn workspace_and_repository(path: &str) -> Option<(String, String)> {
    let mut parts = path.trim_matches('/').split('/');
    let workspace = parts.next().filter(|w| !w.is_empty())?;
    let repository = parts.next()?.trim_end_matches(".git");
    (!repository.is_empty()).then(|| (workspace.to_owned(), repository.to_owned()))
}

fn plan_data_center(
    url: &url::Url,
    username: Option<&str>,
    secret: Secret,
    saved: &[Connection],
    remotes: &[url::Url],
) -> Plan {
    let host = host_of(url);
    let connection = saved
        .iter()
        .find(|c| c.provider == ProviderKind::DataCenter && c.git_host().eq_ignore_ascii_case(&host));
    // The server's context path (`/bitbucket`), from a saved connection or a clone URL; the
    // scheme, host and port always those git asked about.
    let context = connection
        .and_then(|c| url::Url::parse(&c.base_url).ok())
        .map(|u| u.path().to_owned())
        .or_else(|| {
            remotes
                .iter()
                .filter(|u| host_of(u).eq_ignore_ascii_case(&host))
                .find_map(|u| {
                    let mut bare = u.clone();
                    let _ = bare.set_username("");
                    let _ = bare.set_password(None);
                    server_address(bare.as_str())
                        .ok()
                        .map(|a| a.base.path().to_owned())
                })
        })
        .unwrap_or_else(|| "/".to_owned());
    let mut server = url.clone();
    server.set_path(&context);
    let method = match username {
        Some(_) if !looks_like_token(secret.expose()) => Method::Basic,
        _ => Method::PersonalToken,
    };
    let mut r = request(method, secret);
    r.server = Some(server.to_string());
    r.username = username.map(str::to_owned);
    if let Some(c) = connection {
        r.ca_file = c.ca_file.as_ref().map(Into::into);
        r.trust_fingerprint = c.trusted_fingerprint.clone();
        r.allow_http = c.allow_http;
    }
    Plan::Check(Box::new(r))
}

/// A Data Center HTTP access token: `BBDC-…`, or base64 of a 12-digit id, a colon and random
/// bytes (`NjQ5MjcxNTM0OTk2On…`). Anything else git holds with a username is a password.
fn looks_like_token(secret: &str) -> bool {
    use base64::Engine;
    if secret.starts_with("BBDC-") {
        return true;
    }
    secret
        .get(..16)
        .and_then(|head| base64::engine::general_purpose::STANDARD.decode(head).ok())
        .is_some_and(|bytes| bytes.iter().all(u8::is_ascii_digit))
}

/// Checks every pending credential at once, each with its own server, and writes what each
/// answered into the report.
pub async fn check_all(scan: Scan, env: &CheckEnv, today: Date) -> ScanReport {
    let Scan { mut report, pending } = scan;
    let checks = pending.into_iter().map(|p| async move {
        let outcome = match p.plan {
            Plan::Check(request) => Ok(check(*request, env).await),
            Plan::Cannot(reason) => Err(reason),
        };
        (p.host, p.credential, outcome)
    });
    for (host, index, outcome) in futures_util::future::join_all(checks).await {
        let held = &mut report.hosts[host].credentials[index];
        match outcome {
            Ok(checked) => record(held, &checked, today),
            Err(reason) => {
                if !held
                    .warnings
                    .iter()
                    .any(|w| w.code == WarningCode::GitCredentialUnverified)
                {
                    held.warnings.push(
                        Notice::CredentialNotChecked {
                            reason: sentence(&reason),
                        }
                        .into(),
                    );
                }
                held.live = Some(Live::NotChecked { reason });
            }
        }
    }
    report.checked_live = true;
    report
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let first: String = chars
        .next()
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_default();
    format!("{first}{}.", chars.as_str().trim_end_matches('.'))
}

/// Problems that say the server refused the credential itself.
const REFUSALS: [ProblemCode; 7] = [
    ProblemCode::InvalidCredentials,
    ProblemCode::AppPasswordDisabled,
    ProblemCode::TokenKindMismatch,
    ProblemCode::CaptchaRequired,
    ProblemCode::SsoOnly,
    ProblemCode::UsernameExpected,
    ProblemCode::EmailExpected,
];

/// Writes the check's verdict into `held`: the state, and the problems or warnings it adds.
fn record(held: &mut HeldCredential, report: &ValidationReport, today: Date) {
    // Checked after all: the email was found.
    held.warnings
        .retain(|w| w.code != WarningCode::GitCredentialUnverified);
    let refusals: Vec<&Problem> = report
        .problems
        .iter()
        .filter(|p| REFUSALS.contains(&p.code))
        .collect();
    let unjudged = report
        .problems
        .iter()
        .find(|p| p.code.severity() == Severity::Unverifiable || !p.code.judges_the_credential());
    let live = if report.identity.is_some() || (refusals.is_empty() && unjudged.is_none()) {
        accepted(held, report, today)
    } else if !refusals.is_empty() {
        let reason = rejection_reason(report);
        for problem in refusals {
            if !held.problems.iter().any(|p| p.code == problem.code) {
                held.problems.push(problem.clone());
            }
        }
        Live::Rejected { reason }
    } else {
        let reason = unjudged
            .or(report.problems.first())
            .map(|p| p.message.clone())
            .unwrap_or_default();
        held.warnings.push(
            Notice::CredentialNotChecked {
                reason: reason.clone(),
            }
            .into(),
        );
        Live::NotChecked { reason }
    };
    held.ok = held.problems.is_empty();
    held.live = Some(live);
}

fn accepted(held: &mut HeldCredential, report: &ValidationReport, today: Date) -> Live {
    let user = report
        .identity
        .as_ref()
        .and_then(|i| i.username.clone().or(i.display_name.clone()));
    let Some(on) = report.expires_at.clone() else {
        return Live::Works {
            user,
            expires_on: None,
        };
    };
    let days_left = parse_date(&on)
        .map(|date| (date - today).whole_days().clamp(0, i64::from(i32::MAX)) as i32)
        .unwrap_or(i32::MAX);
    if days_left > SOON_DAYS {
        return Live::Works {
            user,
            expires_on: Some(on),
        };
    }
    held.warnings.push(
        Notice::CredentialExpiresSoon {
            on: on.clone(),
            days_left,
        }
        .into(),
    );
    Live::ExpiresSoon {
        user,
        expires_on: on,
        days_left,
    }
}

/// Why the server refused, as far as it said.
fn rejection_reason(report: &ValidationReport) -> String {
    let expired = Problem::from(Fault::CredentialExpired {
        method: report.method,
    });
    if report.problems.contains(&expired) {
        "the server says it has expired".to_owned()
    } else if report.has_problem(ProblemCode::AppPasswordDisabled) {
        "it is an app password, and Bitbucket refuses every app password since 28 July 2026".to_owned()
    } else if report.has_problem(ProblemCode::InvalidCredentials) {
        "revoked, expired or wrong (the server does not say which)".to_owned()
    } else {
        report
            .problems
            .iter()
            .find(|p| REFUSALS.contains(&p.code))
            .map(|p| p.message.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(plan: Plan) -> CheckRequest {
        match plan {
            Plan::Check(request) => *request,
            Plan::Cannot(reason) => panic!("not planned: {reason}"),
        }
    }

    fn cloud() -> url::Url {
        url::Url::parse("https://bitbucket.org/").unwrap()
    }

    #[test]
    fn the_way_to_check_follows_the_secret_and_the_username() {
        let user = |u: &str| Some(u.to_owned());
        let r = planned(plan(&cloud(), &user("ada"), Secret::new("ATBBx"), None, &[], &[]));
        assert_eq!(
            (r.method, r.username.as_deref()),
            (Method::AppPassword, Some("ada"))
        );
        let r = planned(plan(
            &cloud(),
            &user("ada"),
            Secret::new("hunter2"),
            None,
            &[],
            &[],
        ));
        assert_eq!(r.method, Method::AppPassword);
        let r = planned(plan(
            &cloud(),
            &user("x-token-auth"),
            Secret::new("oauth"),
            None,
            &[],
            &[],
        ));
        assert_eq!(r.method, Method::Oauth);
        let r = planned(plan(
            &cloud(),
            &user("x-token-auth"),
            Secret::new("ATCTTx"),
            Some("acme/models.git"),
            &[],
            &[],
        ));
        assert_eq!(r.method, Method::RepositoryAccessToken);
        assert_eq!(
            (r.workspace.as_deref(), r.repository.as_deref()),
            (Some("acme"), Some("models"))
        );
        assert!(matches!(
            plan(
                &cloud(),
                &user("x-token-auth"),
                Secret::new("ATCTTx"),
                None,
                &[],
                &[]
            ),
            Plan::Cannot(_)
        ));
        let r = planned(plan(
            &cloud(),
            &user("ada@example.com"),
            Secret::new("ATATTx"),
            None,
            &[],
            &[],
        ));
        assert_eq!(
            (r.method, r.email.as_deref()),
            (Method::ApiToken, Some("ada@example.com"))
        );
        assert!(matches!(
            plan(
                &cloud(),
                &user(API_TOKEN_GIT_USER),
                Secret::new("ATATTx"),
                None,
                &[],
                &[]
            ),
            Plan::Cannot(_)
        ));
    }

    #[test]
    fn an_api_token_with_a_username_borrows_the_email_of_the_saved_connection() {
        let mut saved = Connection::sample("work");
        saved.method = Method::ApiToken;
        saved.git_username = Some("ada_lovelace".into());
        saved.email = Some("ada@example.com".into());
        let r = planned(plan(
            &cloud(),
            &Some("ada_lovelace".into()),
            Secret::new("ATATTx"),
            None,
            &[saved],
            &[],
        ));
        assert_eq!(r.email.as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn a_data_center_secret_goes_to_the_host_git_asked_about() {
        let url = url::Url::parse("http://127.0.0.1:7990/").unwrap();
        let remote = url::Url::parse("http://127.0.0.1:7990/bitbucket/scm/data/models.git").unwrap();
        let r = planned(plan(
            &url,
            &Some("ada".into()),
            Secret::new("NjQ5MjcxNTM0OTk2OnWriteTokenForAdaXYZ0123"),
            None,
            &[],
            &[remote],
        ));
        assert_eq!(r.method, Method::PersonalToken);
        assert_eq!(r.server.as_deref(), Some("http://127.0.0.1:7990/bitbucket"));
        let r = planned(plan(
            &url,
            &Some("ada".into()),
            Secret::new("pass:word"),
            None,
            &[],
            &[],
        ));
        assert_eq!(
            (r.method, r.server.as_deref()),
            (Method::Basic, Some("http://127.0.0.1:7990/"))
        );
    }
}
