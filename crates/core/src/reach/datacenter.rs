//! Bitbucket Data Center: the repositories a credential reaches, and a repository's default
//! reviewers.
//!
//! The repository listing filters by permission (`rest/api/1.0/repos?permission=REPO_READ`, and
//! likewise `REPO_WRITE` and `REPO_ADMIN`): the three levels are listed side by side, and a
//! repository's permission is the highest level it appears under. Pages follow `nextPageStart`
//! until `isLastPage` (the server never tells the total, so one page after the other). With a
//! Basic login, exactly one request goes first and nothing more is sent unless it succeeded.

use std::collections::HashMap;

use futures_util::future::join_all;
use serde_json::Value;
use url::Url;

use super::{Listing, ReachOptions, ReachableRepository, RepoPermission, Reviewer, without_userinfo};
use crate::check::datacenter::{PROJECTS, REPOS, auth_of, check_links, endpoint, project_keys, refused};
use crate::check::http::{Answer, Auth, Body, Http, NetFailure};
use crate::check::prepare::Prepared;
use crate::check::probe::{net_problem, not_found_with_suggestions, unexpected};
use crate::check::report::Findings;
use crate::domain::catalogue::Fault;
use crate::domain::scopes::Permission;

/// The page size asked for. Servers cap it at their own `page.max.repositories` (1000 unless an
/// administrator changed it); `nextPageStart` is followed either way.
const PAGE: usize = 1000;

/// Where the default-reviewer conditions of a repository are (`/default-reviewers/latest/...`
/// in the spec: `1.0` and `latest` are the same API).
pub const DEFAULT_REVIEWERS: &str = "rest/default-reviewers/1.0/projects";

const LEVELS: [(Permission, RepoPermission); 3] = [
    (Permission::RepoRead, RepoPermission::Read),
    (Permission::RepoWrite, RepoPermission::Write),
    (Permission::RepoAdmin, RepoPermission::Admin),
];

pub(super) async fn list(http: &Http, p: &Prepared, options: &ReachOptions, f: &mut Findings) -> Listing {
    let auth = auth_of(p);
    let page_url = |level: Permission, start: usize| -> Url {
        let (limit, start) = (PAGE.to_string(), start.to_string());
        let mut query = vec![("permission", level.id()), ("limit", &limit), ("start", &start)];
        if let Some(key) = p.project.as_deref() {
            query.push(("projectkey", key));
        }
        if let Some(text) = options.filter() {
            query.push(("name", text));
        }
        endpoint(&p.base, REPOS, &[], &query)
    };
    let urls: Vec<Url> = LEVELS.iter().map(|(level, _)| page_url(*level, 0)).collect();

    // Read first: alone when it carries a Basic login (a failed one counts toward a CAPTCHA), and
    // then the other levels while the read listing goes on; otherwise all three at once.
    let firsts: Vec<Option<Result<Answer, NetFailure>>> = if matches!(auth, Auth::Basic { .. }) {
        let read = http.get(urls[0].clone(), auth).await;
        if !read.as_ref().is_ok_and(|a| a.status == 200) {
            read_first(&read, &urls[0], p, f);
            return Listing::default();
        }
        vec![Some(read), None, None]
    } else {
        join_all(urls.iter().map(|url| http.get(url.clone(), auth)))
            .await
            .into_iter()
            .map(Some)
            .collect()
    };
    let Some(read) = firsts[0]
        .as_ref()
        .and_then(|read| read_first(read, &urls[0], p, f))
    else {
        return Listing::default();
    };
    check_links(read, p, f);

    // Every level's further pages, the levels side by side.
    let pages = join_all(LEVELS.iter().zip(firsts).map(|((level, _), first)| {
        follow(
            http,
            auth,
            move |start| page_url(*level, start),
            first,
            options.limit,
        )
    }))
    .await;
    let mut best: HashMap<(String, String), (RepoPermission, Value)> = HashMap::new();
    let mut listing = Listing::default();
    for ((_, permission), (values, more, failure)) in LEVELS.iter().zip(pages) {
        if let Some((failure, url)) = failure {
            match failure {
                Ok(answer) => unexpected(&answer, &url, f),
                Err(net) => net_problem(f, &net, &p.base),
            }
        }
        listing.truncated |= more;
        for value in values {
            let key = (
                value["project"]["key"].as_str().unwrap_or_default().to_owned(),
                value["slug"].as_str().unwrap_or_default().to_owned(),
            );
            match best.get(&key) {
                Some((seen, _)) if seen >= permission => {}
                _ => {
                    best.insert(key, (*permission, value));
                }
            }
        }
    }
    listing.repositories = best
        .into_values()
        .map(|(permission, value)| repository(&p.base, &value, permission))
        .collect();

    // A named project that shows nothing may not be there at all: say so, with the likely ones.
    if listing.repositories.is_empty()
        && f.problems.is_empty()
        && let Some(key) = p.project.as_deref()
        && let Ok(answer) = http.get(endpoint(&p.base, PROJECTS, &[key], &[]), auth).await
        && answer.status == 404
    {
        let keys = project_keys(http, &p.base, auth).await;
        not_found_with_suggestions(f, format!("The project {key}"), key, &keys);
    }
    listing
}

/// The first page of the `REPO_READ` listing, when it proves the credential; otherwise the problem
/// is recorded, as a check records a refused first request.
fn read_first<'a>(
    result: &'a Result<Answer, NetFailure>,
    url: &Url,
    p: &Prepared,
    f: &mut Findings,
) -> Option<&'a Answer> {
    let answer = match result {
        Ok(answer) => answer,
        Err(failure) => {
            net_problem(f, failure, &p.base);
            return None;
        }
    };
    if answer.status == 401 || answer.status == 403 {
        refused(p, answer, f);
        return None;
    }
    if answer.status != 200 || !matches!(answer.body, Body::Json(_)) {
        unexpected(answer, url, f);
        return None;
    }
    if answer
        .header("x-ausername")
        .is_some_and(|u| u.eq_ignore_ascii_case("anonymous"))
    {
        // The server ignored the credential and answered as to an anonymous visitor.
        refused(p, answer, f);
        return None;
    }
    Some(answer)
}

/// The values of one level's listing from its first page on (`first`, or fetched here), at most
/// `limit`; whether there were more; and the answer (or failure) that stopped it early, with its
/// URL.
#[allow(clippy::type_complexity)]
async fn follow(
    http: &Http,
    auth: Auth<'_>,
    page_url: impl Fn(usize) -> Url,
    first: Option<Result<Answer, NetFailure>>,
    limit: usize,
) -> (Vec<Value>, bool, Option<(Result<Answer, NetFailure>, Url)>) {
    let mut values = Vec::new();
    let mut start = 0;
    let mut answer = match first {
        Some(first) => first,
        None => http.get(page_url(start), auth).await,
    };
    loop {
        let page = match answer {
            Ok(page) if page.status == 200 && page.json().is_some() => page,
            other => return (values, false, Some((other, page_url(start)))),
        };
        let json = page.json().expect("checked above");
        values.extend(json["values"].as_array().into_iter().flatten().cloned());
        let last = json["isLastPage"].as_bool().unwrap_or(true);
        let next = json["nextPageStart"].as_u64().map(|n| n as usize);
        if values.len() >= limit {
            let more = values.len() > limit || !last;
            values.truncate(limit);
            return (values, more, None);
        }
        match next {
            // A server that does not move on would be asked for ever.
            Some(next) if !last && next > start => start = next,
            _ => return (values, false, None),
        }
        answer = http.get(page_url(start), auth).await;
    }
}

/// A repository of the listing: the `http` clone link and the `self` link as the server gives
/// them (derived from the base URL only when missing).
fn repository(base: &Url, value: &Value, permission: RepoPermission) -> ReachableRepository {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    let slug = text(&value["slug"]).unwrap_or_default();
    let key = text(&value["project"]["key"]).unwrap_or_default();
    let root = base.as_str().trim_end_matches('/');
    let link = |kind: &str| {
        value["links"][kind]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| kind != "clone" || l["name"].as_str() == Some("http"))
            .and_then(|l| l["href"].as_str())
            .map(without_userinfo)
    };
    ReachableRepository {
        workspace: None,
        name: text(&value["name"]).unwrap_or_else(|| slug.clone()),
        clone_url: link("clone").unwrap_or_else(|| format!("{root}/scm/{}/{slug}.git", key.to_lowercase())),
        web_url: link("self").unwrap_or_else(|| format!("{root}/projects/{key}/repos/{slug}/browse")),
        project: Some(key),
        slug,
        permission,
    }
}

/// Everyone the repository's default-reviewer conditions name.
pub(super) async fn reviewers(
    http: &Http,
    p: &Prepared,
    key: &str,
    slug: &str,
    f: &mut Findings,
) -> Vec<Reviewer> {
    let url = endpoint(
        &p.base,
        DEFAULT_REVIEWERS,
        &[key, "repos", slug, "conditions"],
        &[],
    );
    let answer = match http.get(url.clone(), auth_of(p)).await {
        Ok(answer) => answer,
        Err(failure) => {
            net_problem(f, &failure, &p.base);
            return Vec::new();
        }
    };
    match answer.status {
        200 => {}
        401 | 403 => {
            refused(p, &answer, f);
            return Vec::new();
        }
        404 if !matches!(answer.body, Body::Html(_)) => {
            f.problem(Fault::ResourceNotFound {
                resource: format!("The repository {slug} in project {key}"),
                suggestions: Vec::new(),
            });
            return Vec::new();
        }
        _ => {
            unexpected(&answer, &url, f);
            return Vec::new();
        }
    }
    // An array of conditions, as the spec says; a paged object of them is read too.
    let conditions = match answer.json() {
        Some(Value::Array(items)) => items.clone(),
        Some(other) => other["values"].as_array().cloned().unwrap_or_default(),
        None => Vec::new(),
    };
    conditions
        .iter()
        .flat_map(|c| c["reviewers"].as_array().cloned().unwrap_or_default())
        .filter_map(|user| {
            let name = user["name"].as_str().or(user["slug"].as_str()).map(str::to_owned);
            let display_name = user["displayName"].as_str().map(str::to_owned).or(name.clone())?;
            Some(Reviewer {
                display_name,
                username: name,
            })
        })
        .collect()
}
