//! Bitbucket Cloud: which read-only requests prove what, and how each answer is read.
//!
//! API tokens authenticate with Basic `email:token`; access tokens and OAuth tokens with Bearer.
//! Every probe is a harmless GET, and all probes of a round go out at once.

use futures_util::future::join_all;
use url::Url;

use crate::http::{Answer, Auth, Body, Http, NetFailure};
use crate::model::CredentialKind;
use crate::problems::{ProblemCode, Severity, WarningCode};
use crate::report::{Findings, Identity, IdentityKind};
use crate::scopes::{self, ScopeNaming};
use crate::validate::{Prepared, net_problem};

/// One read-only request and the scopes it needs, in both vocabularies, exactly as Atlassian's
/// OpenAPI description states them (a test checks this against the spec).
#[derive(Debug)]
pub struct CloudProbe {
    /// Path under `/2.0`, as written in the spec.
    pub path: &'static str,
    pub scopes: &'static [&'static str],
    pub legacy: &'static [&'static str],
}

pub const USER: CloudProbe = CloudProbe {
    path: "/user",
    scopes: &["read:user:bitbucket"],
    legacy: &["account"],
};
pub const USER_WORKSPACES: CloudProbe = CloudProbe {
    path: "/user/workspaces",
    scopes: &["read:workspace:bitbucket"],
    legacy: &["account"],
};
pub const WORKSPACE_PERMISSION: CloudProbe = CloudProbe {
    path: "/user/workspaces/{workspace}/permission",
    scopes: &["read:workspace:bitbucket"],
    legacy: &["account"],
};
pub const WORKSPACE: CloudProbe = CloudProbe {
    path: "/workspaces/{workspace}",
    scopes: &["read:workspace:bitbucket"],
    legacy: &[],
};
pub const PROJECT: CloudProbe = CloudProbe {
    path: "/workspaces/{workspace}/projects/{project_key}",
    scopes: &["read:project:bitbucket"],
    legacy: &["project"],
};
pub const REPOSITORIES: CloudProbe = CloudProbe {
    path: "/repositories/{workspace}",
    scopes: &["read:repository:bitbucket"],
    legacy: &["repository"],
};
pub const REPOSITORY: CloudProbe = CloudProbe {
    path: "/repositories/{workspace}/{repo_slug}",
    scopes: &["read:repository:bitbucket"],
    legacy: &["repository"],
};
pub const PULL_REQUESTS: CloudProbe = CloudProbe {
    path: "/repositories/{workspace}/{repo_slug}/pullrequests",
    scopes: &["read:pullrequest:bitbucket"],
    legacy: &["pullrequest"],
};
pub const USER_PULL_REQUESTS: CloudProbe = CloudProbe {
    path: "/workspaces/{workspace}/pullrequests/{selected_user}",
    scopes: &["read:pullrequest:bitbucket"],
    legacy: &["pullrequest"],
};

/// Every probe, for the test that holds them against the OpenAPI description.
pub const ALL_PROBES: &[&CloudProbe] = &[
    &USER,
    &USER_WORKSPACES,
    &WORKSPACE_PERMISSION,
    &WORKSPACE,
    &PROJECT,
    &REPOSITORIES,
    &REPOSITORY,
    &PULL_REQUESTS,
    &USER_PULL_REQUESTS,
];

/// The git username for API tokens when the account's username is unknown (Atlassian's fixed value).
pub const API_TOKEN_GIT_USER: &str = "x-bitbucket-api-token-auth";
/// The git username for access tokens and OAuth tokens.
pub const TOKEN_GIT_USER: &str = "x-token-auth";

impl CloudProbe {
    /// The request URL: `{api}/2.0{path}` with placeholders filled (each value one encoded segment).
    pub fn url(&self, api: &Url, params: &[(&str, &str)], query: &[(&str, &str)]) -> Url {
        let mut url = api.clone();
        {
            let mut segments = url.path_segments_mut().expect("the API root is an http(s) URL");
            segments.pop_if_empty().push("2.0");
            for part in self.path.split('/').filter(|p| !p.is_empty()) {
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

    fn needs(&self, naming: ScopeNaming) -> &'static [&'static str] {
        match naming {
            ScopeNaming::ApiToken => self.scopes,
            ScopeNaming::Legacy => self.legacy,
        }
    }
}

/// A probe with its URL and what a 404 means in words.
struct Request {
    probe: &'static CloudProbe,
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
    let naming = ScopeNaming::for_kind(p.kind).expect("a Cloud kind");
    let mut required = scopes::cloud_required(p.kind, p.profile);
    for extra in &p.require {
        if !required.contains(extra) {
            required.push(extra.clone());
        }
    }
    let auth = match p.kind {
        CredentialKind::ApiToken => Auth::Basic {
            user: p.email.as_deref().unwrap_or_default(),
            secret: &p.secret,
        },
        _ => Auth::Bearer(&p.secret),
    };
    let mut ledger = Ledger::default();
    let refused = if p.kind.is_cloud_access_token() {
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
    if matches!(p.kind, CredentialKind::ApiToken) || p.kind.is_cloud_access_token() {
        f.warning(WarningCode::ExpiryUnknown, &[]);
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
        probe: &USER,
        url: USER.url(api, &[], &[]),
        resource: "Your account".into(),
    }];
    match (&p.workspace, &p.repository) {
        (Some(ws), repo) => {
            round.push(Request {
                probe: &WORKSPACE_PERMISSION,
                url: WORKSPACE_PERMISSION.url(api, &[("workspace", ws)], &[]),
                resource: format!("The workspace {ws}"),
            });
            match repo {
                Some(repo) => round.extend(repository_requests(api, ws, repo)),
                None => round.push(Request {
                    probe: &REPOSITORIES,
                    url: REPOSITORIES.url(api, &[("workspace", ws)], &[("pagelen", "1")]),
                    resource: format!("The workspace {ws}"),
                }),
            }
        }
        (None, _) => round.push(Request {
            probe: &USER_WORKSPACES,
            url: USER_WORKSPACES.url(api, &[], &[("pagelen", "100")]),
            resource: "Your workspaces".into(),
        }),
    }
    let answers = send_all(http, &round, auth).await;

    let identity = &answers[0];
    match identity {
        Ok(answer) if answer.status == 401 => {
            credential_refused(p, answer, f);
            return true;
        }
        Ok(answer) if (200..300).contains(&answer.status) => {
            let id = person(answer.json());
            f.git_username = Some(match p.kind {
                CredentialKind::Oauth => TOKEN_GIT_USER.to_owned(),
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
            if std::ptr::eq(request.probe, &WORKSPACE_PERMISSION) {
                f.permission = answer
                    .json()
                    .and_then(|v| v["permission"].as_str())
                    .map(str::to_owned);
            }
            if std::ptr::eq(request.probe, &USER_WORKSPACES) {
                first_workspace = answer
                    .json()
                    .and_then(|v| v["values"][0]["workspace"]["slug"].as_str())
                    .map(str::to_owned);
            }
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
            probe: &REPOSITORIES,
            url: REPOSITORIES.url(api, &[("workspace", &ws)], &[("pagelen", "1")]),
            resource: format!("The workspace {ws}"),
        });
    }
    if let Some(user) = selected {
        round.push(Request {
            probe: &USER_PULL_REQUESTS,
            url: USER_PULL_REQUESTS.url(
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
        probe: &USER,
        url: USER.url(api, &[], &[]),
        resource: "The token".into(),
    }];
    match (p.kind, &p.project, &p.repository) {
        (_, _, Some(repo)) => round.extend(repository_requests(api, ws, repo)),
        (CredentialKind::ProjectAccessToken, Some(key), None) => {
            let filter = format!("project.key=\"{key}\"");
            round.push(Request {
                probe: &PROJECT,
                url: PROJECT.url(api, &[("workspace", ws), ("project_key", key)], &[]),
                resource: format!("The project {key} in {ws}"),
            });
            round.push(Request {
                probe: &REPOSITORIES,
                url: REPOSITORIES.url(api, &[("workspace", ws)], &[("q", &filter), ("pagelen", "1")]),
                resource: format!("The project {key} in {ws}"),
            });
        }
        _ => {
            round.push(Request {
                probe: &WORKSPACE,
                url: WORKSPACE.url(api, &[("workspace", ws)], &[]),
                resource: format!("The workspace {ws}"),
            });
            round.push(Request {
                probe: &REPOSITORIES,
                url: REPOSITORIES.url(api, &[("workspace", ws)], &[("pagelen", "1")]),
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
    for (index, (request, answer)) in round.iter().zip(&answers).enumerate() {
        let Ok(answer) = answer else {
            read_answer(request, &answers[index], naming, ledger, f, p);
            continue;
        };
        harvest_headers(answer, ledger);
        if index == 0 {
            announce_credential_type(answer, p, f);
            continue;
        }
        read_answer(request, &answers[index], naming, ledger, f, p);
        if std::ptr::eq(request.probe, &REPOSITORIES) && answer.status == 200 {
            found_repo = answer
                .json()
                .and_then(|v| v["values"][0]["slug"].as_str())
                .map(str::to_owned);
        }
    }
    if p.repository.is_none()
        && let Some(repo) = found_repo
    {
        let request = Request {
            probe: &PULL_REQUESTS,
            url: PULL_REQUESTS.url(
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

fn repository_requests(api: &Url, ws: &str, repo: &str) -> [Request; 2] {
    let params = [("workspace", ws), ("repo_slug", repo)];
    [
        Request {
            probe: &REPOSITORY,
            url: REPOSITORY.url(api, &params, &[]),
            resource: format!("The repository {ws}/{repo}"),
        },
        Request {
            probe: &PULL_REQUESTS,
            url: PULL_REQUESTS.url(api, &params, &[("pagelen", "1")]),
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
                f.problem(
                    ProblemCode::InsufficientPermission,
                    &[
                        (
                            "granted",
                            &format!("less than {}", request.resource.to_lowercase()),
                        ),
                        ("required", "read access"),
                    ],
                );
            } else {
                ledger.denied.extend(required);
            }
        }
        404 => f.problem(ProblemCode::ResourceNotFound, &[("resource", &request.resource)]),
        401 => credential_refused(p, answer, f),
        _ => unexpected(answer, &request.url, f),
    }
}

/// An answer that is neither success nor a known refusal.
pub(crate) fn unexpected(answer: &Answer, url: &Url, f: &mut Findings) {
    match &answer.body {
        Body::Html => f.problem(ProblemCode::LoginPage, &[("url", url.as_str())]),
        Body::Malformed(reason) => f.problem(
            ProblemCode::UnexpectedAnswer,
            &[("detail", &format!("malformed JSON: {reason}"))],
        ),
        _ => f.problem(
            ProblemCode::UnexpectedAnswer,
            &[("detail", &format!("HTTP {}", answer.status))],
        ),
    }
}

/// A 401: say why in the most specific words the evidence allows.
fn credential_refused(p: &Prepared, answer: &Answer, f: &mut Findings) {
    if let Some(suggested) = p.shape.contradicts(p.kind) {
        return f.problem(
            ProblemCode::TokenKindMismatch,
            &[
                ("detected", p.shape.label()),
                ("chosen", p.kind.label()),
                ("suggested", suggested.label()),
            ],
        );
    }
    if matches!(answer.body, Body::Html) {
        return f.problem(ProblemCode::LoginPage, &[("url", p.base.as_str())]);
    }
    f.problem(ProblemCode::InvalidCredentials, &[]);
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
fn announce_credential_type(answer: &Answer, p: &Prepared, f: &mut Findings) {
    let announced = match answer.header("x-credential-type") {
        Some("repo_access_token") => CredentialKind::RepositoryAccessToken,
        Some("project_access_token") => CredentialKind::ProjectAccessToken,
        Some("workspace_access_token") => CredentialKind::WorkspaceAccessToken,
        Some("api_token") => CredentialKind::ApiToken,
        _ => return,
    };
    if announced != p.kind {
        let detected = format!("a {}", announced.label().to_lowercase());
        f.problem(
            ProblemCode::TokenKindMismatch,
            &[
                ("detected", &detected),
                ("chosen", p.kind.label()),
                ("suggested", announced.label()),
            ],
        );
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
        f.problem(ProblemCode::MissingScopes, &[("scopes", &missing.join(", "))]);
    }
    let writes: Vec<&String> = unverified.iter().filter(|s| is_write(s, naming)).collect();
    if !writes.is_empty() {
        let list: Vec<&str> = writes.iter().map(|s| s.as_str()).collect();
        f.warning(WarningCode::WriteScopeUnverified, &[("scopes", &list.join(", "))]);
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
        let url = REPOSITORY.url(
            &api,
            &[("workspace", "team a"), ("repo_slug", "x/y")],
            &[("pagelen", "1")],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/mirror/2.0/repositories/team%20a/x%2Fy?pagelen=1"
        );
        let url = USER.url(&Url::parse("https://api.bitbucket.org").unwrap(), &[], &[]);
        assert_eq!(url.as_str(), "https://api.bitbucket.org/2.0/user");
    }
}
