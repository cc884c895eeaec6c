//! Bitbucket Cloud: the repositories a credential reaches, and a repository's default reviewers.
//!
//! A person (API token, OAuth) is asked per workspace for the repositories it holds a permission
//! on, with that permission (`/user/workspaces/{workspace}/permissions/repositories`), across every
//! workspace it belongs to (`/user/workspaces`) unless one is given. Access tokens cannot call
//! `/user`: they list the repositories of their workspace (of their project, or their one
//! repository), and their permission is their scopes'.
//!
//! Paging: `pagelen=100`, the largest Bitbucket allows. When the first page tells the total
//! (`size`), the other pages are fetched at once; otherwise `next` is followed page by page.

use serde_json::Value;
use url::Url;

use super::{
    Listing, ReachOptions, ReachableRepository, RepoPermission, Reviewer, get_all, without_userinfo,
};
use crate::check::cloud::{
    Probe, announce_credential_type, auth_of, credential_refused, quoted, repository_names, values,
    workspace_names,
};
use crate::check::http::{Answer, Auth, Body, Http, NetFailure};
use crate::check::prepare::Prepared;
use crate::check::probe::{net_problem, not_found_with_suggestions, unexpected};
use crate::check::report::Findings;
use crate::domain::catalogue::Fault;
use crate::domain::method::Method;
use crate::domain::scopes::{self, ScopeNaming};

/// Where repositories are when the listing does not give their addresses: the permissions
/// listing's repository objects carry no clone links, so the https clone address
/// (`{WEB}/{workspace}/{slug}.git`) and the web page (`{WEB}/{workspace}/{slug}`) are derived from
/// the workspace and slug; links the answer does carry are used as they are.
const WEB: &str = "https://bitbucket.org";

/// Pages of one listing: the largest page Bitbucket allows.
const PAGELEN: &str = "100";

/// Workspaces one person is read for at most.
const MAX_WORKSPACES: usize = 1_000;

/// Default reviewers read at most.
const MAX_REVIEWERS: usize = 1_000;

pub(super) async fn list(http: &Http, p: &Prepared, options: &ReachOptions, f: &mut Findings) -> Listing {
    if p.method.is_cloud_access_token() {
        access_token_listing(http, p, options, f).await
    } else {
        person_listing(http, p, options, f).await
    }
}

/// How the first answer of a listing reads.
enum First<'a> {
    Listed(&'a Answer),
    /// 404, or a 403 that is not about scopes: the workspace or repository is not there, or not
    /// for this credential.
    Missing,
    /// Refused, or no usable answer: the problem is recorded.
    Failed,
}

/// Reads the first answer of a listing the way a check reads a probe's.
fn first<'a>(
    result: &'a Result<Answer, NetFailure>,
    url: &Url,
    probe: Probe,
    p: &Prepared,
    f: &mut Findings,
) -> First<'a> {
    let answer = match result {
        Ok(answer) => answer,
        Err(failure) => {
            net_problem(f, failure, &p.base);
            return First::Failed;
        }
    };
    match answer.status {
        200 if matches!(answer.body, Body::Json(_)) => First::Listed(answer),
        401 => {
            credential_refused(p, answer, f);
            First::Failed
        }
        403 => match lacking_scopes(answer, probe, p) {
            Some(fault) => {
                f.problem(fault);
                First::Failed
            }
            None => First::Missing,
        },
        404 => First::Missing,
        _ => {
            unexpected(answer, url, f);
            First::Failed
        }
    }
}

/// A 403 that names the scopes the request needed: which of them the credential lacks (or, when it
/// holds them all, that the account itself may not). `None` for a 403 about something else.
fn lacking_scopes(answer: &Answer, probe: Probe, p: &Prepared) -> Option<Fault> {
    let detail = &answer.json()?["error"]["detail"];
    let list = |key: &str| -> Option<Vec<String>> {
        detail
            .get(key)?
            .as_array()
            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
    };
    let required = list("required")?;
    let granted = list("granted").unwrap_or_default();
    let missing: Vec<String> = required
        .into_iter()
        .filter(|r| !scopes::is_granted(r, &granted))
        .collect();
    if missing.is_empty() {
        let naming = ScopeNaming::for_method(p.method)?;
        return Some(Fault::InsufficientPermission {
            granted: "less than this listing needs".to_owned(),
            required: probe.needs(naming).join(" and "),
        });
    }
    Some(Fault::MissingScopes { scopes: missing })
}

/// API tokens and OAuth: a person's repositories across their workspaces, or in the one given.
async fn person_listing(http: &Http, p: &Prepared, options: &ReachOptions, f: &mut Findings) -> Listing {
    let api = &p.base;
    let auth = auth_of(p);
    let workspaces = match p.workspace.clone() {
        Some(ws) => vec![ws],
        None => {
            let url = Probe::UserWorkspaces.url(api, &[], &[("pagelen", PAGELEN), ("sort", "slug")]);
            let result = http.get(url.clone(), auth).await;
            let answer = match first(&result, &url, Probe::UserWorkspaces, p, f) {
                First::Listed(answer) => answer,
                First::Missing => {
                    unexpected(result.as_ref().expect("an answer"), &url, f);
                    return Listing::default();
                }
                First::Failed => return Listing::default(),
            };
            let (items, _) = all_pages(http, auth, &url, answer, MAX_WORKSPACES, p, f).await;
            let mut slugs: Vec<String> = items
                .iter()
                .filter_map(|v| v["workspace"]["slug"].as_str().map(str::to_owned))
                .collect();
            slugs.sort();
            slugs.dedup();
            slugs
        }
    };

    // The first page of every workspace at once.
    let mut query = vec![
        ("pagelen", PAGELEN.to_owned()),
        ("sort", "repository.name".to_owned()),
    ];
    if let Some(text) = options.filter() {
        query.push(("q", format!("repository.name~{}", quoted(text))));
    }
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let urls: Vec<Url> = workspaces
        .iter()
        .map(|ws| Probe::RepositoryPermissions.url(api, &[("workspace", ws)], &query))
        .collect();
    let firsts = get_all(http, urls.clone(), auth).await;

    // A refused credential is recorded once and lists nothing; a missing workspace is named when
    // it was the one given, and otherwise holds nothing for this person.
    let mut listed = Vec::new();
    for ((ws, url), result) in workspaces.iter().zip(&urls).zip(&firsts) {
        match first(result, url, Probe::RepositoryPermissions, p, f) {
            First::Listed(answer) => listed.push((ws, url, answer)),
            First::Missing if p.workspace.is_some() => {
                let names = workspace_names(http, api, auth).await;
                not_found_with_suggestions(f, format!("The workspace {ws}"), ws, &names);
            }
            First::Missing | First::Failed => {}
        }
    }

    // The rest of every workspace at once, each within what is left of the limit.
    let mut left = options.limit;
    let mut budgets = Vec::new();
    for (_, _, answer) in &listed {
        budgets.push(left);
        let size = answer.json().and_then(|v| v["size"].as_u64()).unwrap_or(0) as usize;
        left = left.saturating_sub(size);
    }
    let rest = futures_util::future::join_all(
        listed
            .iter()
            .zip(&budgets)
            .map(|((_, url, answer), budget)| all_pages_quietly(http, auth, url, answer, *budget)),
    )
    .await;
    let mut listing = Listing::default();
    for ((ws, _, _), (items, more, failure)) in listed.iter().zip(rest) {
        if let Some(failure) = failure {
            failure.record(p, f);
        }
        listing.truncated |= more;
        listing.repositories.extend(items.iter().filter_map(|v| {
            let permission = permission_word(v["permission"].as_str()?)?;
            Some(repository(ws, &v["repository"], permission))
        }));
    }
    listing
}

/// Repository, project and workspace access tokens: their own repositories, at the permission
/// their scopes give.
async fn access_token_listing(
    http: &Http,
    p: &Prepared,
    options: &ReachOptions,
    f: &mut Findings,
) -> Listing {
    let api = &p.base;
    let auth = auth_of(p);
    let ws = p.workspace.as_deref().unwrap_or_default();
    let (probe, url) = match (p.method, p.repository.as_deref(), p.project.as_deref()) {
        (Method::RepositoryAccessToken, Some(repo), _) => (
            Probe::Repository,
            Probe::Repository.url(api, &[("workspace", ws), ("repo_slug", repo)], &[]),
        ),
        (method, _, project) => {
            let mut clauses = Vec::new();
            if let (Method::ProjectAccessToken, Some(key)) = (method, project) {
                clauses.push(format!("project.key={}", quoted(key)));
            }
            if let Some(text) = options.filter() {
                clauses.push(format!("name~{}", quoted(text)));
            }
            let q = clauses.join(" AND ");
            let mut query = vec![("pagelen", PAGELEN), ("sort", "name")];
            if !q.is_empty() {
                query.push(("q", &q));
            }
            (
                Probe::Repositories,
                Probe::Repositories.url(api, &[("workspace", ws)], &query),
            )
        }
    };
    let result = http.get(url.clone(), auth).await;
    if let Ok(answer) = &result {
        announce_credential_type(answer, p, f);
    }
    let answer = match first(&result, &url, probe, p, f) {
        First::Listed(answer) => answer,
        First::Missing => {
            let resource = match (probe, p.repository.as_deref()) {
                (Probe::Repository, Some(repo)) => {
                    let names = repository_names(http, api, auth, ws, None, repo).await;
                    not_found_with_suggestions(f, format!("The repository {ws}/{repo}"), repo, &names);
                    return Listing::default();
                }
                _ => match (p.method, p.project.as_deref()) {
                    (Method::ProjectAccessToken, Some(key)) => format!("The project {key} in {ws}"),
                    _ => format!("The workspace {ws}"),
                },
            };
            f.problem(Fault::ResourceNotFound {
                resource,
                suggestions: Vec::new(),
            });
            return Listing::default();
        }
        First::Failed => return Listing::default(),
    };
    if f.has(crate::domain::catalogue::ProblemCode::TokenKindMismatch) {
        return Listing::default();
    }
    let permission = token_permission(answer);
    if probe == Probe::Repository {
        let repo = answer.json().expect("a JSON answer");
        return Listing {
            repositories: vec![repository(ws, repo, permission)],
            truncated: false,
        };
    }
    let (items, truncated) = all_pages(http, auth, &url, answer, options.limit, p, f).await;
    Listing {
        repositories: items.iter().map(|v| repository(ws, v, permission)).collect(),
        truncated,
    }
}

/// An access token's permission, from the scopes Bitbucket lists in `x-oauth-scopes`.
fn token_permission(answer: &Answer) -> RepoPermission {
    let granted: Vec<String> = answer
        .header("x-oauth-scopes")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if scopes::is_granted("repository:admin", &granted) {
        RepoPermission::Admin
    } else if scopes::is_granted("repository:write", &granted) {
        RepoPermission::Write
    } else {
        RepoPermission::Read
    }
}

fn permission_word(word: &str) -> Option<RepoPermission> {
    match word {
        "admin" => Some(RepoPermission::Admin),
        "write" => Some(RepoPermission::Write),
        "read" => Some(RepoPermission::Read),
        _ => None,
    }
}

/// A repository object of either listing. The slug comes from `slug`, else from `full_name`
/// (`workspace/slug`, as the permissions listing gives it); addresses from the links when present,
/// else derived (see [`WEB`]).
fn repository(ws: &str, repo: &Value, permission: RepoPermission) -> ReachableRepository {
    let text = |value: &Value| value.as_str().map(str::to_owned);
    let full_name = text(&repo["full_name"]);
    let slug = text(&repo["slug"])
        .or_else(|| {
            full_name
                .as_deref()
                .and_then(|n| n.split_once('/'))
                .map(|(_, s)| s.to_owned())
        })
        .or_else(|| text(&repo["name"]))
        .unwrap_or_default();
    let workspace = full_name
        .as_deref()
        .and_then(|n| n.split_once('/'))
        .map(|(w, _)| w.to_owned())
        .unwrap_or_else(|| ws.to_owned());
    let clone_url = repo["links"]["clone"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|link| link["name"].as_str() == Some("https"))
        .and_then(|link| link["href"].as_str())
        .map(without_userinfo)
        .unwrap_or_else(|| format!("{WEB}/{workspace}/{slug}.git"));
    let web_url = text(&repo["links"]["html"]["href"]).unwrap_or_else(|| format!("{WEB}/{workspace}/{slug}"));
    ReachableRepository {
        name: text(&repo["name"]).unwrap_or_else(|| slug.clone()),
        project: text(&repo["project"]["key"]),
        workspace: Some(workspace),
        slug,
        permission,
        clone_url,
        web_url,
    }
}

/// Why the pages after the first stopped early.
enum Failure {
    Net(NetFailure),
    Answer(Box<Answer>, Url),
    /// A `next` link to another server: not followed.
    Elsewhere(String),
}

impl Failure {
    fn record(self, p: &Prepared, f: &mut Findings) {
        match self {
            Self::Net(failure) => net_problem(f, &failure, &p.base),
            Self::Answer(answer, url) => unexpected(&answer, &url, f),
            Self::Elsewhere(location) => f.problem(Fault::UnexpectedAnswer {
                detail: format!("the next page is on another server ({location})"),
            }),
        }
    }
}

/// Every value of a listing, from its first page on, at most `limit`; and whether there were more.
/// A failure on a later page is recorded; what came before it is kept.
async fn all_pages(
    http: &Http,
    auth: Auth<'_>,
    url: &Url,
    first: &Answer,
    limit: usize,
    p: &Prepared,
    f: &mut Findings,
) -> (Vec<Value>, bool) {
    let (values, more, failure) = all_pages_quietly(http, auth, url, first, limit).await;
    if let Some(failure) = failure {
        failure.record(p, f);
    }
    (values, more)
}

/// [`all_pages`], handing back the failure instead of recording it (so that many run at once).
async fn all_pages_quietly(
    http: &Http,
    auth: Auth<'_>,
    url: &Url,
    first: &Answer,
    limit: usize,
) -> (Vec<Value>, bool, Option<Failure>) {
    let mut items: Vec<Value> = values(first).cloned().collect();
    let json = first.json();
    let next = json.and_then(|v| v["next"].as_str()).map(str::to_owned);
    let size = json.and_then(|v| v["size"].as_u64()).map(|n| n as usize);
    let pagelen = json.and_then(|v| v["pagelen"].as_u64()).map(|n| n as usize);
    let Some(next) = next else {
        let more = items.len() > limit;
        items.truncate(limit);
        return (items, more, None);
    };
    if items.len() >= limit {
        items.truncate(limit);
        return (items, true, None);
    }
    let next = match on_same_server(&next, url) {
        Ok(next) => next,
        Err(failure) => return (items, false, Some(failure)),
    };
    match (size, pagelen) {
        // The total is known: every further page at once (up to the limit).
        (Some(size), Some(pagelen)) if pagelen > 0 && items.len() == pagelen.min(size) => {
            let pages = size.min(limit).div_ceil(pagelen);
            let urls: Vec<Url> = (2..=pages).map(|n| with_page(&next, n)).collect();
            let mut failure = None;
            for (result, page_url) in get_all(http, urls.clone(), auth).await.into_iter().zip(urls) {
                match result {
                    Ok(answer) if answer.status == 200 && answer.json().is_some() => {
                        items.extend(values(&answer).cloned())
                    }
                    Ok(answer) => {
                        failure.get_or_insert(Failure::Answer(Box::new(answer), page_url));
                    }
                    Err(net) => {
                        failure.get_or_insert(Failure::Net(net));
                    }
                }
            }
            let more = size > limit || items.len() > limit;
            items.truncate(limit);
            (items, more, failure)
        }
        // Otherwise, page after page.
        _ => {
            let mut next = Some(next);
            while let Some(page_url) = next.take() {
                if items.len() >= limit {
                    items.truncate(limit);
                    return (items, true, None);
                }
                let answer = match http.get(page_url.clone(), auth).await {
                    Ok(answer) if answer.status == 200 && answer.json().is_some() => answer,
                    Ok(answer) => return (items, false, Some(Failure::Answer(Box::new(answer), page_url))),
                    Err(net) => return (items, false, Some(Failure::Net(net))),
                };
                items.extend(values(&answer).cloned());
                if let Some(link) = answer.json().and_then(|v| v["next"].as_str()) {
                    match on_same_server(link, url) {
                        Ok(link) if link != page_url => next = Some(link),
                        Ok(_) => {}
                        Err(failure) => return (items, false, Some(failure)),
                    }
                }
            }
            let more = items.len() > limit;
            items.truncate(limit);
            (items, more, None)
        }
    }
}

/// A `next` link, only if it stays on the API's server (the credential goes nowhere else).
fn on_same_server(link: &str, url: &Url) -> Result<Url, Failure> {
    match url.join(link) {
        Ok(next) if next.origin() == url.origin() => Ok(next),
        _ => Err(Failure::Elsewhere(link.to_owned())),
    }
}

/// The `next` link of page one, pointed at page `n`: every other parameter as Bitbucket wrote it.
fn with_page(next: &Url, n: usize) -> Url {
    let pairs: Vec<(String, String)> = next
        .query_pairs()
        .filter(|(k, _)| k != "page")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut url = next.clone();
    url.query_pairs_mut()
        .clear()
        .extend_pairs(pairs)
        .append_pair("page", &n.to_string());
    url
}

/// The effective default reviewers of `ws/repo`: its own and its project's.
pub(super) async fn reviewers(
    http: &Http,
    p: &Prepared,
    ws: &str,
    repo: &str,
    f: &mut Findings,
) -> Vec<Reviewer> {
    let auth = auth_of(p);
    let url = Probe::EffectiveDefaultReviewers.url(
        &p.base,
        &[("workspace", ws), ("repo_slug", repo)],
        &[("pagelen", PAGELEN)],
    );
    let result = http.get(url.clone(), auth).await;
    let answer = match first(&result, &url, Probe::EffectiveDefaultReviewers, p, f) {
        First::Listed(answer) => answer,
        First::Missing => {
            f.problem(Fault::ResourceNotFound {
                resource: format!("The repository {ws}/{repo}"),
                suggestions: Vec::new(),
            });
            return Vec::new();
        }
        First::Failed => return Vec::new(),
    };
    let (items, _) = all_pages(http, auth, &url, answer, MAX_REVIEWERS, p, f).await;
    items
        .iter()
        .filter_map(|v| {
            let user = &v["user"];
            let display_name = user["display_name"].as_str()?.to_owned();
            let username = user["username"]
                .as_str()
                .or(user["nickname"].as_str())
                .map(str::to_owned);
            Some(Reviewer {
                display_name,
                username,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_page_keeps_every_parameter_but_the_page() {
        let next = Url::parse("https://api.bitbucket.org/2.0/user/workspaces/acme/permissions/repositories?pagelen=100&q=repository.name%7E%22a%22&page=2").unwrap();
        assert_eq!(
            with_page(&next, 3).as_str(),
            "https://api.bitbucket.org/2.0/user/workspaces/acme/permissions/repositories?pagelen=100&q=repository.name%7E%22a%22&page=3"
        );
    }

    #[test]
    fn a_permissions_entry_without_links_gets_derived_addresses() {
        let repo = serde_json::json!({"type": "repository", "name": "Bits", "full_name": "acme/bits", "uuid": "{1}"});
        let r = repository("acme", &repo, RepoPermission::Admin);
        assert_eq!(r.slug, "bits");
        assert_eq!(r.name, "Bits");
        assert_eq!(r.clone_url, "https://bitbucket.org/acme/bits.git");
        assert_eq!(r.web_url, "https://bitbucket.org/acme/bits");
        assert_eq!(r.workspace.as_deref(), Some("acme"));
    }

    #[test]
    fn a_next_link_to_another_server_is_not_followed() {
        let url = Url::parse("https://api.bitbucket.org/2.0/repositories/acme").unwrap();
        assert!(on_same_server("https://evil.example.com/2.0/repositories/acme?page=2", &url).is_err());
        assert!(on_same_server("https://api.bitbucket.org/2.0/repositories/acme?page=2", &url).is_ok());
    }
}
