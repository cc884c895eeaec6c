//! Bitbucket Data Center: is it Bitbucket and which version, who the credential is, and which
//! permission level it holds.
//!
//! A failed Basic login counts toward the server's CAPTCHA lockout, so exactly one authenticated
//! request goes first and nothing more is sent (or retried) unless it succeeded; and a password
//! goes only to a server that said it is Bitbucket. A token check takes two rounds: its first
//! authenticated probe goes out beside the anonymous server question, whose answer still decides
//! first (the probe's answer is dropped unread when the server is not Bitbucket or too old); then
//! everything else at once.

use std::pin::pin;

use futures_util::future::{Either, join_all, select};
use url::Url;

use super::http::{Answer, Auth, Body, Http, NetFailure};
use super::prepare::Prepared;
use super::probe::{host_of, net_problem, not_found_with_suggestions, unexpected};
use super::report::{Findings, Identity, IdentityKind, ServerInfo};
use crate::domain::catalogue::{Fault, Notice, ProblemCode, WarningCode};
use crate::domain::dates;
use crate::domain::method::Method;
use crate::domain::scopes::Permission;
use crate::domain::sniff;
use crate::domain::version::at_least as version_at_least;

/// Endpoints, relative to the base URL (which may carry a context path such as `/bitbucket`).
pub const APPLICATION_PROPERTIES: &str = "rest/api/1.0/application-properties";
pub const LOGIN_OPTIONS: &str = "rest/authconfig/1.0/login-options";
pub const REPOS: &str = "rest/api/1.0/repos";
pub const PROJECTS: &str = "rest/api/1.0/projects";
pub const USERS: &str = "rest/api/1.0/users";
pub const ACCESS_TOKENS: &str = "rest/access-tokens/latest/users";

/// Personal HTTP access tokens arrived in Bitbucket Server 5.5.
const TOKENS_SINCE: (u64, u64) = (5, 5);

/// `base` + `path` + `extra` (each one encoded segment), with `query`.
pub(crate) fn endpoint(base: &Url, path: &str, extra: &[&str], query: &[(&str, &str)]) -> Url {
    let mut url = base.clone();
    {
        let mut segments = url.path_segments_mut().expect("the base is an http(s) URL");
        segments.pop_if_empty();
        segments.extend(path.split('/'));
        segments.extend(extra);
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url
}

pub(crate) async fn check(http: &Http, p: &Prepared, f: &mut Findings) {
    let auth = match (p.method, p.username.as_deref()) {
        (Method::Basic, Some(user)) | (Method::PersonalToken, Some(user)) => Auth::Basic {
            user,
            secret: &p.secret,
        },
        _ => Auth::Bearer(&p.secret),
    };

    // The one authenticated request that must succeed before any other is sent.
    let first_url = endpoint(&p.base, REPOS, &[], &[("limit", "1")]);
    let first = if matches!(auth, Auth::Basic { .. }) {
        // A login only once the server said it is Bitbucket and takes passwords.
        if !server_is_usable(http, p, f).await {
            return;
        }
        http.get(first_url.clone(), auth).await
    } else {
        // A token costs nothing when refused: its probe goes beside the server question.
        let Some(first) = beside_the_server_question(http, p, f, http.get(first_url.clone(), auth)).await
        else {
            return;
        };
        first
    };
    let first = match first {
        Ok(answer) => answer,
        Err(failure) => return net_problem(f, &failure, &p.base),
    };
    if first.status == 401 || first.status == 403 {
        return refused(p, &first, f);
    }
    if first.status != 200 || !matches!(first.body, Body::Json(_)) {
        return unexpected(&first, &first_url, f);
    }
    let user = first.header("x-ausername").map(str::to_owned);
    if user
        .as_deref()
        .is_some_and(|u| u.eq_ignore_ascii_case("anonymous"))
    {
        // The server ignored the credential and answered as to an anonymous visitor.
        return refused(p, &first, f);
    }
    identify(p, user.as_deref(), f);
    check_links(&first, p, f);

    let required = required_levels(p);
    let levels: Vec<Permission> = [Permission::RepoRead, Permission::RepoWrite, Permission::RepoAdmin]
        .into_iter()
        .chain(required.iter().copied().filter(|l| l.is_project_level()))
        .collect();
    let mut round: Vec<(Second, Url)> = Vec::new();
    if let Some(name) = user.as_deref() {
        round.push((
            Second::User,
            endpoint(&p.base, USERS, &[&name.to_lowercase()], &[]),
        ));
        if p.method == Method::PersonalToken {
            // The token's expiry, from the access-tokens API, when the server lets us read it.
            round.push((
                Second::Tokens,
                endpoint(&p.base, ACCESS_TOKENS, &[&name.to_lowercase()], &[]),
            ));
        }
    }
    for level in &levels {
        round.push((Second::Level(*level), level_url(p, *level)));
    }
    if let Some(url) = resource_url(p) {
        round.push((Second::Resource, url));
    }
    let answers = join_all(round.iter().map(|(_, url)| http.get(url.clone(), auth))).await;

    let mut granted = Vec::new();
    for ((probe, url), answer) in round.iter().zip(answers) {
        match (probe, answer) {
            (Second::User, Ok(answer)) => read_user(&answer, f),
            (Second::Tokens, Ok(answer)) => {
                if let Some(expiry) = own_token_expiry(&answer) {
                    f.expires_at = Some(expiry);
                    f.drop_warning(WarningCode::ExpiryUnknown);
                }
            }
            // Neither is needed for a verdict: a failure to read them says nothing new.
            (Second::User | Second::Tokens, Err(_)) => {}
            (Second::Level(level), Ok(answer)) if holds_level(&answer, p, *level) => granted.push(*level),
            (Second::Level(_), Ok(_)) => {}
            (Second::Level(_), Err(failure)) => net_problem(f, &failure, &p.base),
            (Second::Resource, Ok(answer)) => match answer.status {
                404 => f.problem(Fault::ResourceNotFound {
                    resource: resource_name(p),
                    suggestions: Vec::new(),
                }),
                200 => check_links(&answer, p, f),
                401 | 403 => {}
                _ => unexpected(&answer, url, f),
            },
            (Second::Resource, Err(failure)) => net_problem(f, &failure, &p.base),
        }
    }
    if f.has(ProblemCode::ResourceNotFound) {
        suggest_resources(http, p, auth, f).await;
    }
    settle(required, granted, f);
}

/// How a Data Center credential authenticates: Basic with a username (passwords, and personal
/// tokens when one was typed), Bearer otherwise.
pub(crate) fn auth_of(p: &Prepared) -> Auth<'_> {
    match (p.method, p.username.as_deref()) {
        (Method::Basic, Some(user)) | (Method::PersonalToken, Some(user)) => Auth::Basic {
            user,
            secret: &p.secret,
        },
        _ => Auth::Bearer(&p.secret),
    }
}

/// A named project or repository that is not there: one more round (sent only after the
/// credential proved itself) names the closest projects, or repositories of the project, that the
/// credential does reach.
async fn suggest_resources(http: &Http, p: &Prepared, auth: Auth<'_>, f: &mut Findings) {
    let Some(key) = p.project.as_deref() else {
        return;
    };
    let Some(slug) = p.repository.as_deref() else {
        let names = project_keys(http, &p.base, auth).await;
        return not_found_with_suggestions(f, resource_name(p), key, &names);
    };
    let repos_url = endpoint(&p.base, PROJECTS, &[key, "repos"], &[("limit", "1000")]);
    let (repos, keys) = tokio::join!(http.get(repos_url, auth), project_keys(http, &p.base, auth));
    match repos {
        Ok(answer) if answer.status == 200 => {
            let slugs = listed(&answer, "slug");
            not_found_with_suggestions(f, resource_name(p), slug, &slugs);
        }
        // The project itself is not there (or not visible): say so, with the likely ones.
        Ok(answer) if answer.status == 404 => {
            not_found_with_suggestions(f, format!("The project {key}"), key, &keys)
        }
        _ => {}
    }
}

/// The keys of the projects the credential sees (the first 1000), for a "did you mean". Empty
/// when they cannot be read.
pub(crate) async fn project_keys(http: &Http, base: &Url, auth: Auth<'_>) -> Vec<String> {
    match http
        .get(endpoint(base, PROJECTS, &[], &[("limit", "1000")]), auth)
        .await
    {
        Ok(answer) if answer.status == 200 => listed(&answer, "key"),
        _ => Vec::new(),
    }
}

/// One text field of every value of a paged answer.
fn listed(answer: &Answer, field: &str) -> Vec<String> {
    answer
        .json()
        .and_then(|v| v["values"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|v| v[field].as_str().map(str::to_owned))
        .collect()
}

/// The requests of the second round, sent together once the credential proved itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Second {
    /// The user the credential acts as: display name, email, id.
    User,
    /// A personal token's own entry in the access-tokens API: its expiry.
    Tokens,
    /// Whether the credential holds this permission level (where a project or repository is named).
    Level(Permission),
    /// The named project or repository exists and the credential sees it.
    Resource,
}

/// Fills in the person's names from `users/{slug}`.
fn read_user(answer: &Answer, f: &mut Findings) {
    if answer.status != 200 {
        return;
    }
    let Some(identity) = f.identity.as_mut() else {
        return;
    };
    let json = answer.json();
    let text = |key: &str| json.and_then(|v| v[key].as_str()).map(str::to_owned);
    identity.display_name = text("displayName");
    identity.email = text("emailAddress");
    identity.account_id = json.and_then(|v| v["id"].as_u64()).map(|id| id.to_string());
}

/// The expiry date (YYYY-MM-DD) of the token that made this very request: the server lists a
/// user's tokens with when each last authenticated, and ours is the most recent. `None` when the
/// listing is refused (some servers do not let tokens read it) or the token has no expiry.
fn own_token_expiry(answer: &Answer) -> Option<String> {
    if answer.status != 200 {
        return None;
    }
    let values = answer.json()?["values"].as_array()?;
    let ours = values
        .iter()
        .max_by_key(|t| t["lastAuthenticated"].as_i64().unwrap_or(i64::MIN))?;
    let millis = ours["expiryDate"].as_i64()?;
    Some(dates::format_date(dates::date_of_unix_millis(millis)?))
}

/// Asks, without credentials, whether this is Bitbucket, which version, and (for passwords)
/// whether password logins are allowed at all. False when there is no point going further.
async fn server_is_usable(http: &Http, p: &Prepared, f: &mut Findings) -> bool {
    let properties_url = endpoint(&p.base, APPLICATION_PROPERTIES, &[], &[]);
    let mut urls = vec![properties_url.clone()];
    if p.method == Method::Basic {
        urls.push(endpoint(&p.base, LOGIN_OPTIONS, &[], &[]));
    }
    let answers: Vec<Result<Answer, NetFailure>> =
        join_all(urls.iter().map(|url| http.get(url.clone(), Auth::Anonymous))).await;
    let Some(server) = read_properties(&answers[0], &properties_url, &p.base, f) else {
        return false;
    };
    let version = server.version.clone();
    let version = version.as_str();
    f.server = Some(server);
    if p.method != Method::Basic && !version_at_least(version, TOKENS_SINCE) {
        f.problem(Fault::ServerTooOld {
            version: version.to_owned(),
            chosen: p.method,
            minimum: "Bitbucket Server 5.5".to_owned(),
        });
        return false;
    }
    if let Some(Ok(options)) = answers.get(1)
        && options.status == 200
        && let Some(results) = options.json().and_then(|v| v["results"].as_array())
        && !results.is_empty()
        && !results.iter().any(|r| r["type"].as_str() == Some("LOGIN_FORM"))
    {
        f.problem(Fault::SsoOnly);
        return false;
    }
    true
}

/// Runs `probe` at the same time as the server question and returns its answer, or `None` when the
/// server is not usable: then the question's answer alone decides, and the probe's is dropped
/// unread (cancelled if still on its way), whichever came back first.
async fn beside_the_server_question<T>(
    http: &Http,
    p: &Prepared,
    f: &mut Findings,
    probe: impl Future<Output = T>,
) -> Option<T> {
    let question = pin!(server_is_usable(http, p, f));
    let probe = pin!(probe);
    match select(question, probe).await {
        Either::Left((usable, probe)) => {
            if usable {
                Some(probe.await)
            } else {
                None
            }
        }
        Either::Right((answer, question)) => question.await.then_some(answer),
    }
}

/// Reads `application-properties`: is it Bitbucket, and which version. Records the problem if not.
pub(crate) fn read_properties(
    answer: &Result<Answer, NetFailure>,
    url: &Url,
    base: &Url,
    f: &mut Findings,
) -> Option<ServerInfo> {
    let properties = match answer {
        Ok(answer) => answer,
        Err(failure) => {
            net_problem(f, failure, base);
            return None;
        }
    };
    let json = properties.json();
    let Some(version) = json
        .and_then(|v| v["version"].as_str())
        .filter(|_| properties.status == 200)
    else {
        if matches!(properties.body, Body::Html(_)) && properties.status != 404 {
            f.problem(Fault::LoginPage { url: url.to_string() });
        } else {
            f.problem(Fault::NotBitbucket {
                url: base.to_string(),
            });
        }
        return None;
    };
    Some(ServerInfo {
        version: version.to_owned(),
        build_number: json.and_then(|v| v["buildNumber"].as_str()).map(str::to_owned),
        display_name: json.and_then(|v| v["displayName"].as_str()).map(str::to_owned),
    })
}

/// Asks a server, without credentials, whether it is Bitbucket and which version.
pub(crate) async fn server_properties(http: &Http, base: &Url, f: &mut Findings) -> Option<ServerInfo> {
    let url = endpoint(base, APPLICATION_PROPERTIES, &[], &[]);
    let answer = http.get(url.clone(), Auth::Anonymous).await;
    read_properties(&answer, &url, base, f)
}

/// A refused first request: CAPTCHA, a username that is an email, or simply wrong.
pub(crate) fn refused(p: &Prepared, answer: &Answer, f: &mut Findings) {
    let exception = answer
        .json()
        .and_then(|v| v["errors"][0]["exceptionName"].as_str())
        .unwrap_or("");
    if exception.contains("Captcha") {
        return f.problem(Fault::CaptchaRequired);
    }
    if matches!(answer.body, Body::Html(_)) {
        return f.problem(Fault::LoginPage {
            url: p.base.to_string(),
        });
    }
    f.problem(Fault::InvalidCredentials { method: p.method });
    if let Some(user) = p.username.as_deref().filter(|u| sniff::looks_like_email(u)) {
        f.problem(Fault::UsernameExpected {
            value: user.to_owned(),
        });
    }
}

fn identify(p: &Prepared, user: Option<&str>, f: &mut Findings) {
    let system = matches!(p.method, Method::ProjectToken | Method::RepositoryToken);
    let username = user.map(str::to_owned).or_else(|| p.username.clone());
    f.identity = Some(Identity {
        kind: if system {
            IdentityKind::SystemUser
        } else {
            IdentityKind::Person
        },
        username: username.clone(),
        ..Identity::default()
    });
    match p.method {
        Method::ProjectToken | Method::RepositoryToken => {
            let name = username.as_deref().unwrap_or("a system-generated user");
            f.warning(Notice::SyntheticIdentity {
                name: name.to_owned(),
            });
            f.warning(Notice::ExpiryUnknown);
        }
        Method::PersonalToken => {
            f.git_username = username;
            f.warning(Notice::ExpiryUnknown);
        }
        Method::Basic => {
            f.git_username = username;
            f.warning(Notice::PasswordDiscouraged);
        }
        _ => {}
    }
}

fn required_levels(p: &Prepared) -> Vec<Permission> {
    let mut levels = vec![p.profile.datacenter_permission()];
    for item in &p.require {
        if let Some(level) = Permission::parse(item)
            && !levels.contains(&level)
        {
            levels.push(level);
        }
    }
    levels
}

/// Lists what the credential holds at `level`, narrowed to the named project.
fn level_url(p: &Prepared, level: Permission) -> Url {
    let mut query = vec![("permission", level.id()), ("limit", "100")];
    if let Some(key) = p.project.as_deref() {
        if level.is_project_level() {
            query.push(("name", key));
        } else {
            query.push(("projectkey", key));
        }
    }
    let path = if level.is_project_level() { PROJECTS } else { REPOS };
    endpoint(&p.base, path, &[], &query)
}

/// Whether a `?permission=` listing shows the named repository or project (or anything, when
/// none is named).
fn holds_level(answer: &Answer, p: &Prepared, level: Permission) -> bool {
    if answer.status != 200 {
        return false;
    }
    let values = answer
        .json()
        .and_then(|v| v["values"].as_array())
        .cloned()
        .unwrap_or_default();
    match (
        level.is_project_level(),
        p.project.as_deref(),
        p.repository.as_deref(),
    ) {
        (true, Some(key), _) => values
            .iter()
            .any(|v| v["key"].as_str().is_some_and(|k| k.eq_ignore_ascii_case(key))),
        (false, _, Some(slug)) => values.iter().any(|v| v["slug"].as_str() == Some(slug)),
        _ => !values.is_empty(),
    }
}

fn resource_url(p: &Prepared) -> Option<Url> {
    match (p.project.as_deref(), p.repository.as_deref()) {
        (Some(key), Some(slug)) => Some(endpoint(&p.base, PROJECTS, &[key, "repos", slug], &[])),
        (Some(key), None) => Some(endpoint(&p.base, PROJECTS, &[key], &[])),
        _ => None,
    }
}

fn resource_name(p: &Prepared) -> String {
    match (p.project.as_deref(), p.repository.as_deref()) {
        (Some(key), Some(slug)) => format!("The repository {slug} in project {key}"),
        (Some(key), None) => format!("The project {key}"),
        _ => "The resource".to_owned(),
    }
}

/// Links in answers are built from the server's configured base URL: another host there means
/// that setting is wrong (often the install default, localhost).
pub(crate) fn check_links(answer: &Answer, p: &Prepared, f: &mut Findings) {
    let Some(json) = answer.json() else { return };
    let link = json["links"]["self"][0]["href"]
        .as_str()
        .or_else(|| json["values"][0]["links"]["self"][0]["href"].as_str());
    let Some(host) = link
        .and_then(|href| Url::parse(href).ok())
        .and_then(|u| u.host_str().map(str::to_owned))
    else {
        return;
    };
    let ours = host_of(&p.base);
    if !host.eq_ignore_ascii_case(ours) {
        f.warning(Notice::BaseUrlMismatch {
            link_host: host,
            host: ours.to_owned(),
        });
    }
}

fn settle(required: Vec<Permission>, granted: Vec<Permission>, f: &mut Findings) {
    let highest_repo = granted.iter().copied().filter(|l| !l.is_project_level()).max();
    let highest = highest_repo.or_else(|| granted.iter().copied().max());
    f.permission = highest.map(|l| l.id().to_owned());
    let missing: Vec<Permission> = required
        .iter()
        .copied()
        .filter(|l| !granted.contains(l))
        .collect();
    if !missing.is_empty() && !f.has(ProblemCode::ResourceNotFound) {
        let have = highest
            .map(|l| l.id().to_owned())
            .unwrap_or_else(|| "no access here".to_owned());
        let need: Vec<&str> = missing.iter().map(|l| l.id()).collect();
        f.problem(Fault::InsufficientPermission {
            granted: have,
            required: need.join(" and "),
        });
    }
    f.scopes.required = required.iter().map(|l| l.id().to_owned()).collect();
    f.scopes.granted = Some(granted.iter().map(|l| l.id().to_owned()).collect());
    f.scopes.verified = required
        .iter()
        .filter(|l| granted.contains(l))
        .map(|l| l.id().to_owned())
        .collect();
    f.scopes.missing = missing.iter().map(|l| l.id().to_owned()).collect();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_context_path() {
        let base = Url::parse("https://git.example.com/bitbucket").unwrap();
        assert_eq!(
            endpoint(&base, APPLICATION_PROPERTIES, &[], &[]).as_str(),
            "https://git.example.com/bitbucket/rest/api/1.0/application-properties"
        );
        let root = Url::parse("https://git.example.com/").unwrap();
        assert_eq!(
            endpoint(&root, USERS, &["ada"], &[]).as_str(),
            "https://git.example.com/rest/api/1.0/users/ada"
        );
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("5.5.0", TOKENS_SINCE));
        assert!(version_at_least("10.0.1", TOKENS_SINCE));
        assert!(!version_at_least("5.4.9", TOKENS_SINCE));
        assert!(!version_at_least("4.14", TOKENS_SINCE));
    }
}
