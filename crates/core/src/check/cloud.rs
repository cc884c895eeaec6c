//! Bitbucket Cloud: which read-only requests prove what, and how each answer is read.
//!
//! API tokens authenticate with Basic `email:token`; access tokens and OAuth tokens with Bearer.
//! Every probe is a harmless GET, and all probes of a round go out at once.

use futures_util::future::join_all;
use url::Url;

use super::http::{Answer, Auth, Body, Http, NetFailure};
use super::prepare::Prepared;
use super::probe::{net_problem, not_found_with_suggestions, unexpected};
use super::report::{Findings, Identity, IdentityKind};
use crate::domain::catalogue::{Fault, Notice, Severity};
use crate::domain::method::{API_TOKEN_GIT_USER, Method, TOKEN_GIT_USER};
use crate::domain::scopes::{self, ScopeNaming};

/// The read-only requests a Cloud check may send. Each needs the scopes Atlassian's OpenAPI
/// description states, in both vocabularies (a test checks them against the spec).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    User,
    UserWorkspaces,
    WorkspacePermission,
    Workspace,
    Project,
    Repositories,
    Repository,
    PullRequests,
    UserPullRequests,
    /// Every repository of a workspace the caller has a permission on, with that permission.
    RepositoryPermissions,
    /// The users added as reviewers to every new pull request of a repository.
    EffectiveDefaultReviewers,
}

impl Probe {
    pub const ALL: [Probe; 11] = [
        Self::User,
        Self::UserWorkspaces,
        Self::WorkspacePermission,
        Self::Workspace,
        Self::Project,
        Self::Repositories,
        Self::Repository,
        Self::PullRequests,
        Self::UserPullRequests,
        Self::RepositoryPermissions,
        Self::EffectiveDefaultReviewers,
    ];

    /// Path under `/2.0`, as written in the spec.
    pub fn path(self) -> &'static str {
        match self {
            Self::User => "/user",
            Self::UserWorkspaces => "/user/workspaces",
            Self::WorkspacePermission => "/user/workspaces/{workspace}/permission",
            Self::Workspace => "/workspaces/{workspace}",
            Self::Project => "/workspaces/{workspace}/projects/{project_key}",
            Self::Repositories => "/repositories/{workspace}",
            Self::Repository => "/repositories/{workspace}/{repo_slug}",
            Self::PullRequests => "/repositories/{workspace}/{repo_slug}/pullrequests",
            Self::UserPullRequests => "/workspaces/{workspace}/pullrequests/{selected_user}",
            Self::RepositoryPermissions => "/user/workspaces/{workspace}/permissions/repositories",
            Self::EffectiveDefaultReviewers => {
                "/repositories/{workspace}/{repo_slug}/effective-default-reviewers"
            }
        }
    }

    /// The API-token scopes the request needs.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Self::User => &["read:user:bitbucket"],
            Self::UserWorkspaces | Self::WorkspacePermission | Self::Workspace => {
                &["read:workspace:bitbucket"]
            }
            Self::Project => &["read:project:bitbucket"],
            Self::Repositories | Self::Repository | Self::RepositoryPermissions => {
                &["read:repository:bitbucket"]
            }
            Self::PullRequests | Self::UserPullRequests | Self::EffectiveDefaultReviewers => {
                &["read:pullrequest:bitbucket"]
            }
        }
    }

    /// The legacy scopes (access tokens, OAuth, app passwords) the request needs.
    pub fn legacy(self) -> &'static [&'static str] {
        match self {
            Self::User | Self::UserWorkspaces | Self::WorkspacePermission => &["account"],
            Self::Workspace => &[],
            Self::Project => &["project"],
            Self::Repositories | Self::Repository => &["repository"],
            Self::RepositoryPermissions => &["account", "repository"],
            Self::PullRequests | Self::UserPullRequests | Self::EffectiveDefaultReviewers => &["pullrequest"],
        }
    }

    /// The request URL: `{api}/2.0{path}` with placeholders filled (each value one encoded segment).
    pub fn url(self, api: &Url, params: &[(&str, &str)], query: &[(&str, &str)]) -> Url {
        let mut url = api.clone();
        {
            let mut segments = url.path_segments_mut().expect("the API root is an http(s) URL");
            segments.pop_if_empty().push("2.0");
            for part in self.path().split('/').filter(|p| !p.is_empty()) {
                let value = params
                    .iter()
                    .find(|(name, _)| format!("{{{name}}}") == part)
                    .map(|(_, v)| *v);
                segments.push(value.unwrap_or(part));
            }
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// The scopes the request needs in the vocabulary of `naming`.
    pub fn needs(self, naming: ScopeNaming) -> &'static [&'static str] {
        match naming {
            ScopeNaming::ApiToken => self.scopes(),
            ScopeNaming::Legacy => self.legacy(),
        }
    }
}

/// A probe with its URL and what a 404 means in words.
struct Request {
    probe: Probe,
    url: Url,
    resource: String,
}

/// What the answers proved about scopes, gathered across rounds.
#[derive(Default)]
struct Ledger {
    verified: Vec<String>,
    denied: Vec<String>,
    granted: Option<Vec<String>>,
}

pub(crate) async fn check(http: &Http, p: &Prepared, f: &mut Findings) {
    let naming = ScopeNaming::for_method(p.method).expect("a Cloud method");
    let mut required = scopes::cloud_required(p.method, p.profile);
    for extra in &p.require {
        if !required.contains(extra) {
            required.push(extra.clone());
        }
    }
    let auth = auth_of(p);
    let mut ledger = Ledger::default();
    let refused = if p.method.is_cloud_access_token() {
        access_token_rounds(http, p, auth, naming, &mut ledger, f).await
    } else {
        user_rounds(http, p, auth, naming, &mut ledger, f).await
    };
    if refused {
        return;
    }
    if f.problems
        .iter()
        .any(|p| p.code.severity() == Severity::Unverifiable)
    {
        // The check did not complete: nothing was proven either way.
        f.scopes.unverified = required.clone();
        f.scopes.required = required;
        return;
    }
    settle_scopes(required, naming, ledger, f);
    if matches!(p.method, Method::ApiToken) || p.method.is_cloud_access_token() {
        f.warning(Notice::ExpiryUnknown);
    }
}

/// How a Cloud credential authenticates: API tokens with Basic `email:token`, the others Bearer.
pub(crate) fn auth_of(p: &Prepared) -> Auth<'_> {
    match p.method {
        Method::ApiToken => Auth::Basic {
            user: p.email.as_deref().unwrap_or_default(),
            secret: &p.secret,
        },
        _ => Auth::Bearer(&p.secret),
    }
}

/// API tokens and OAuth: a person. Round one proves identity, workspace and (when named) the
/// repository at once; round two, only when needed, looks into a workspace found in round one.
/// Returns true when the credential itself was refused.
async fn user_rounds(
    http: &Http,
    p: &Prepared,
    auth: Auth<'_>,
    naming: ScopeNaming,
    ledger: &mut Ledger,
    f: &mut Findings,
) -> bool {
    let api = &p.base;
    let mut round = vec![Request {
        probe: Probe::User,
        url: Probe::User.url(api, &[], &[]),
        resource: "Your account".into(),
    }];
    match (&p.workspace, &p.repository) {
        (Some(ws), repo) => {
            round.push(Request {
                probe: Probe::WorkspacePermission,
                url: Probe::WorkspacePermission.url(api, &[("workspace", ws)], &[]),
                resource: format!("The workspace {ws}"),
            });
            match repo {
                Some(repo) => round.extend(repository_requests(api, ws, repo)),
                None => round.push(Request {
                    probe: Probe::Repositories,
                    url: Probe::Repositories.url(api, &[("workspace", ws)], &[("pagelen", "1")]),
                    resource: format!("The workspace {ws}"),
                }),
            }
        }
        (None, _) => round.push(Request {
            probe: Probe::UserWorkspaces,
            url: Probe::UserWorkspaces.url(api, &[], &[("pagelen", "100")]),
            resource: "Your workspaces".into(),
        }),
    }
    let answers = send_all(http, &round, auth).await;

    let identity = round
        .iter()
        .zip(&answers)
        .find(|(request, _)| request.probe == Probe::User)
        .map(|(_, answer)| answer);
    match identity {
        Some(Ok(answer)) if answer.status == 401 => {
            credential_refused(p, answer, f);
            return true;
        }
        Some(Ok(answer)) if (200..300).contains(&answer.status) => {
            let id = person(answer.json());
            f.git_username = Some(match p.method {
                Method::Oauth => TOKEN_GIT_USER.to_owned(),
                _ => id
                    .username
                    .clone()
                    .unwrap_or_else(|| API_TOKEN_GIT_USER.to_owned()),
            });
            f.identity = Some(Identity {
                email: p.email.clone(),
                ..id
            });
        }
        _ => {}
    }
    let mut first_workspace = None;
    for (request, answer) in round.iter().zip(&answers) {
        read_answer(request, answer, naming, ledger, f, p);
        if let Ok(answer) = answer
            && answer.status == 200
        {
            if request.probe == Probe::WorkspacePermission {
                f.permission = answer
                    .json()
                    .and_then(|v| v["permission"].as_str())
                    .map(str::to_owned);
            }
            if request.probe == Probe::UserWorkspaces {
                first_workspace = answer
                    .json()
                    .and_then(|v| v["values"][0]["workspace"]["slug"].as_str())
                    .map(str::to_owned);
            }
        }
    }
    // A workspace or repository that is not there: name the ones the credential does reach, in
    // the next round (instead of looking into a workspace that does not exist).
    let not_found = |probe: Probe| {
        round
            .iter()
            .zip(&answers)
            .any(|(r, a)| r.probe == probe && matches!(a, Ok(a) if a.status == 404))
    };
    if let Some(ws) = p.workspace.as_deref() {
        if not_found(Probe::WorkspacePermission) {
            let names = workspace_names(http, api, auth).await;
            not_found_with_suggestions(f, format!("The workspace {ws}"), ws, &names);
            return false;
        }
        if let Some(repo) = p.repository.as_deref()
            && not_found(Probe::Repository)
        {
            let names = repository_names(http, api, auth, ws, None, repo).await;
            not_found_with_suggestions(f, format!("The repository {ws}/{repo}"), repo, &names);
            return false;
        }
    }
    if p.repository.is_some() || f.identity.is_none() {
        return false;
    }

    // Round two: the pull requests (and, without a named workspace, the repositories) of one workspace.
    let Some(ws) = p.workspace.clone().or(first_workspace) else {
        return false;
    };
    let selected = f
        .identity
        .as_ref()
        .and_then(|i| i.uuid.clone().or(i.account_id.clone()));
    let mut round = Vec::new();
    if p.workspace.is_none() {
        round.push(Request {
            probe: Probe::Repositories,
            url: Probe::Repositories.url(api, &[("workspace", &ws)], &[("pagelen", "1")]),
            resource: format!("The workspace {ws}"),
        });
    }
    if let Some(user) = selected {
        round.push(Request {
            probe: Probe::UserPullRequests,
            url: Probe::UserPullRequests.url(
                api,
                &[("workspace", &ws), ("selected_user", &user)],
                &[("pagelen", "1")],
            ),
            resource: format!("Pull requests in {ws}"),
        });
    }
    let answers = send_all(http, &round, auth).await;
    for (request, answer) in round.iter().zip(&answers) {
        read_answer(request, answer, naming, ledger, f, p);
    }
    false
}

/// Repository, project and workspace access tokens: not a person, tied to one resource.
async fn access_token_rounds(
    http: &Http,
    p: &Prepared,
    auth: Auth<'_>,
    naming: ScopeNaming,
    ledger: &mut Ledger,
    f: &mut Findings,
) -> bool {
    let api = &p.base;
    let ws = p.workspace.as_deref().unwrap_or_default();
    // `/user` answers 403 to access tokens, but with headers naming the token's type and scopes.
    let mut round = vec![Request {
        probe: Probe::User,
        url: Probe::User.url(api, &[], &[]),
        resource: "The token".into(),
    }];
    match (p.method, &p.project, &p.repository) {
        (_, _, Some(repo)) => round.extend(repository_requests(api, ws, repo)),
        (Method::ProjectAccessToken, Some(key), None) => {
            let filter = format!("project.key=\"{key}\"");
            round.push(Request {
                probe: Probe::Project,
                url: Probe::Project.url(api, &[("workspace", ws), ("project_key", key)], &[]),
                resource: format!("The project {key} in {ws}"),
            });
            round.push(Request {
                probe: Probe::Repositories,
                url: Probe::Repositories.url(api, &[("workspace", ws)], &[("q", &filter), ("pagelen", "1")]),
                resource: format!("The project {key} in {ws}"),
            });
        }
        _ => {
            round.push(Request {
                probe: Probe::Workspace,
                url: Probe::Workspace.url(api, &[("workspace", ws)], &[]),
                resource: format!("The workspace {ws}"),
            });
            round.push(Request {
                probe: Probe::Repositories,
                url: Probe::Repositories.url(api, &[("workspace", ws)], &[("pagelen", "1")]),
                resource: format!("The workspace {ws}"),
            });
        }
    }
    let answers = send_all(http, &round, auth).await;
    if let Some(answer) = answers.iter().flatten().find(|a| a.status == 401) {
        credential_refused(p, answer, f);
        return true;
    }
    f.identity = Some(Identity {
        kind: IdentityKind::AccessToken,
        ..Identity::default()
    });
    f.git_username = Some(TOKEN_GIT_USER.to_owned());
    let mut found_repo = None;
    for (request, result) in round.iter().zip(&answers) {
        let Ok(answer) = result else {
            read_answer(request, result, naming, ledger, f, p);
            continue;
        };
        harvest_headers(answer, ledger);
        if request.probe == Probe::User {
            // Access tokens get a 403 here by design; only the headers matter.
            announce_credential_type(answer, p, f);
            continue;
        }
        read_answer(request, result, naming, ledger, f, p);
        if request.probe == Probe::Repositories && answer.status == 200 {
            found_repo = answer
                .json()
                .and_then(|v| v["values"][0]["slug"].as_str())
                .map(str::to_owned);
        }
    }
    if let Some(repo) = p.repository.as_deref()
        && round
            .iter()
            .zip(&answers)
            .any(|(r, a)| r.probe == Probe::Repository && matches!(a, Ok(a) if a.status == 404))
    {
        // The token sees only its own repositories: name the closest of them.
        let project = (p.method == Method::ProjectAccessToken)
            .then_some(p.project.as_deref())
            .flatten();
        let names = repository_names(http, api, auth, ws, project, repo).await;
        not_found_with_suggestions(f, format!("The repository {ws}/{repo}"), repo, &names);
        return false;
    }
    if p.repository.is_none()
        && let Some(repo) = found_repo
    {
        let request = Request {
            probe: Probe::PullRequests,
            url: Probe::PullRequests.url(
                api,
                &[("workspace", ws), ("repo_slug", &repo)],
                &[("pagelen", "1")],
            ),
            resource: format!("The repository {ws}/{repo}"),
        };
        let answer = http.get(request.url.clone(), auth).await;
        read_answer(&request, &answer, naming, ledger, f, p);
    }
    false
}

/// The workspaces the credential belongs to (the first 100), for a "did you mean". Empty when they
/// cannot be read: a suggestion is never worth a problem of its own.
pub(crate) async fn workspace_names(http: &Http, api: &Url, auth: Auth<'_>) -> Vec<String> {
    let url = Probe::UserWorkspaces.url(api, &[], &[("pagelen", "100")]);
    match http.get(url, auth).await {
        Ok(answer) if answer.status == 200 => values(&answer)
            .filter_map(|v| v["workspace"]["slug"].as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// Repository slugs of a workspace (of one project, for a project access token), for a "did you
/// mean" about `wanted`: the first 100, and at once the first 100 whose names contain its first two
/// letters, so a large workspace still yields the likely ones. Empty when they cannot be read.
pub(crate) async fn repository_names(
    http: &Http,
    api: &Url,
    auth: Auth<'_>,
    ws: &str,
    project: Option<&str>,
    wanted: &str,
) -> Vec<String> {
    let in_project = project.map(|key| format!("project.key={}", quoted(key)));
    let start: String = wanted.chars().take(2).collect();
    let mut filters = vec![in_project.clone()];
    if start.chars().count() == 2 {
        let by_name = format!("name~{}", quoted(&start));
        filters.push(Some(match &in_project {
            Some(project) => format!("{project} AND {by_name}"),
            None => by_name,
        }));
    }
    let urls: Vec<Url> = filters
        .iter()
        .map(|q| {
            let mut query = vec![("pagelen", "100")];
            if let Some(q) = q {
                query.push(("q", q));
            }
            Probe::Repositories.url(api, &[("workspace", ws)], &query)
        })
        .collect();
    let answers = join_all(urls.into_iter().map(|url| http.get(url, auth))).await;
    let mut names: Vec<String> = Vec::new();
    for answer in answers.iter().flatten().filter(|a| a.status == 200) {
        for slug in values(answer).filter_map(|v| v["slug"].as_str()) {
            if !names.iter().any(|n| n == slug) {
                names.push(slug.to_owned());
            }
        }
    }
    names
}

/// The `values` of a paged answer.
pub(crate) fn values(answer: &Answer) -> impl Iterator<Item = &serde_json::Value> {
    answer
        .json()
        .and_then(|v| v["values"].as_array())
        .into_iter()
        .flatten()
}

/// A string in Bitbucket's query language: in double quotes, with `\` and `"` escaped.
pub(crate) fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

fn repository_requests(api: &Url, ws: &str, repo: &str) -> [Request; 2] {
    let params = [("workspace", ws), ("repo_slug", repo)];
    [
        Request {
            probe: Probe::Repository,
            url: Probe::Repository.url(api, &params, &[]),
            resource: format!("The repository {ws}/{repo}"),
        },
        Request {
            probe: Probe::PullRequests,
            url: Probe::PullRequests.url(api, &params, &[("pagelen", "1")]),
            resource: format!("The repository {ws}/{repo}"),
        },
    ]
}

async fn send_all(http: &Http, round: &[Request], auth: Auth<'_>) -> Vec<Result<Answer, NetFailure>> {
    join_all(round.iter().map(|request| http.get(request.url.clone(), auth))).await
}

/// Reads one probe's answer into scopes, problems and warnings.
fn read_answer(
    request: &Request,
    answer: &Result<Answer, NetFailure>,
    naming: ScopeNaming,
    ledger: &mut Ledger,
    f: &mut Findings,
    p: &Prepared,
) {
    let answer = match answer {
        Ok(answer) => answer,
        Err(failure) => return net_problem(f, failure, &p.base),
    };
    harvest_headers(answer, ledger);
    let needed = request.probe.needs(naming);
    match answer.status {
        200..=299 if matches!(answer.body, Body::Json(_)) => {
            ledger.verified.extend(needed.iter().map(|s| s.to_string()))
        }
        403 => {
            let detail = answer.json().map(|v| &v["error"]["detail"]);
            let list = |key: &str| -> Option<Vec<String>> {
                detail?
                    .get(key)?
                    .as_array()
                    .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            };
            if let Some(granted) = list("granted") {
                ledger.granted = Some(granted);
            }
            let required = list("required").unwrap_or_else(|| needed.iter().map(|s| s.to_string()).collect());
            let granted = ledger.granted.clone().unwrap_or_default();
            if ledger.granted.is_some() && required.iter().all(|r| scopes::is_granted(r, &granted)) {
                // Every scope is there: the account itself may not open this resource.
                f.problem(Fault::InsufficientPermission {
                    granted: format!("less than {}", request.resource.to_lowercase()),
                    required: "read access".to_owned(),
                });
            } else {
                ledger.denied.extend(required);
            }
        }
        404 => f.problem(Fault::ResourceNotFound {
            resource: request.resource.clone(),
            suggestions: Vec::new(),
        }),
        401 => credential_refused(p, answer, f),
        _ => unexpected(answer, &request.url, f),
    }
}

/// A 401: say why in the most specific words the evidence allows.
pub(crate) fn credential_refused(p: &Prepared, answer: &Answer, f: &mut Findings) {
    if let Some(suggested) = p.shape.contradicts(p.method) {
        return f.problem(Fault::TokenKindMismatch {
            detected: p.shape.label().to_owned(),
            chosen: p.method,
            suggested,
        });
    }
    if matches!(answer.body, Body::Html(_)) {
        return f.problem(Fault::LoginPage {
            url: p.base.to_string(),
        });
    }
    f.problem(match refusal_reason(answer) {
        Some(Refusal::AppPasswordRetired) => Fault::AppPasswordDisabled,
        Some(Refusal::Expired) => Fault::CredentialExpired { method: p.method },
        None => Fault::InvalidCredentials { method: p.method },
    });
}

/// A reason Bitbucket's refusal names unambiguously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// "App passwords are deprecated and must be replaced with API tokens." (CHANGE-3222)
    AppPasswordRetired,
    /// "Access token expired." (an OAuth token past its two hours)
    Expired,
}

/// What the refusal's `error.message` says, when it says one thing only: "Token is invalid,
/// expired, or not supported" names no single reason.
fn refusal_reason(answer: &Answer) -> Option<Refusal> {
    let message = answer.json()?["error"]["message"].as_str()?.to_lowercase();
    if message.contains("app passwords are deprecated") || message.contains("change-3222") {
        Some(Refusal::AppPasswordRetired)
    } else if message.contains("expired") && !message.contains("invalid") && !message.contains(" or ") {
        Some(Refusal::Expired)
    } else {
        None
    }
}

fn harvest_headers(answer: &Answer, ledger: &mut Ledger) {
    if let Some(header) = answer.header("x-oauth-scopes") {
        let granted: Vec<String> = header
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        ledger.granted = Some(granted);
    }
}

/// Access tokens announce their own type: a mismatch means the wrong kind was chosen.
pub(crate) fn announce_credential_type(answer: &Answer, p: &Prepared, f: &mut Findings) {
    let announced = match answer.header("x-credential-type") {
        Some("repo_access_token") => Method::RepositoryAccessToken,
        Some("project_access_token") => Method::ProjectAccessToken,
        Some("workspace_access_token") => Method::WorkspaceAccessToken,
        Some("api_token") => Method::ApiToken,
        _ => return,
    };
    if announced != p.method {
        let detected = format!("a {}", announced.label().to_lowercase());
        f.problem(Fault::TokenKindMismatch {
            detected,
            chosen: p.method,
            suggested: announced,
        });
    }
}

fn person(json: Option<&serde_json::Value>) -> Identity {
    let text = |key: &str| json.and_then(|v| v[key].as_str()).map(str::to_owned);
    Identity {
        kind: IdentityKind::Person,
        username: text("username"),
        display_name: text("display_name"),
        email: None,
        account_id: text("account_id"),
        uuid: text("uuid"),
    }
}

/// Compares what is required with what the answers proved.
fn settle_scopes(required: Vec<String>, naming: ScopeNaming, ledger: Ledger, f: &mut Findings) {
    let granted = ledger.granted.clone();
    let (mut verified, mut missing, mut unverified) = (Vec::new(), Vec::new(), Vec::new());
    for scope in &required {
        if scopes::is_granted(scope, &ledger.verified) {
            verified.push(scope.clone());
        } else if let Some(granted) = &granted {
            if scopes::is_granted(scope, granted) {
                verified.push(scope.clone())
            } else {
                missing.push(scope.clone())
            }
        } else if ledger.denied.contains(scope) {
            missing.push(scope.clone());
        } else {
            unverified.push(scope.clone());
        }
    }
    if !missing.is_empty() {
        f.problem(Fault::MissingScopes {
            scopes: missing.clone(),
        });
    }
    let writes: Vec<String> = unverified
        .iter()
        .filter(|s| is_write(s, naming))
        .cloned()
        .collect();
    if !writes.is_empty() {
        f.warning(Notice::WriteScopeUnverified { scopes: writes });
    }
    f.scopes.required = required;
    f.scopes.granted = granted;
    f.scopes.verified = verified;
    f.scopes.missing = missing;
    f.scopes.unverified = unverified;
}

fn is_write(scope: &str, naming: ScopeNaming) -> bool {
    match naming {
        ScopeNaming::ApiToken => !scope.starts_with("read:"),
        ScopeNaming::Legacy => scope.contains(':'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probe_urls_encode_each_value_as_one_segment() {
        let api = Url::parse("http://127.0.0.1:9/mirror/").unwrap();
        let url = Probe::Repository.url(
            &api,
            &[("workspace", "team a"), ("repo_slug", "x/y")],
            &[("pagelen", "1")],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/mirror/2.0/repositories/team%20a/x%2Fy?pagelen=1"
        );
        let url = Probe::RepositoryPermissions.url(
            &api,
            &[("workspace", "acme")],
            &[("q", &format!("repository.name~{}", quoted("a \"b\"")))],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/mirror/2.0/user/workspaces/acme/permissions/repositories?q=repository.name%7E%22a+%5C%22b%5C%22%22"
        );
        let url = Probe::User.url(&Url::parse("https://api.bitbucket.org").unwrap(), &[], &[]);
        assert_eq!(url.as_str(), "https://api.bitbucket.org/2.0/user");
    }
}
