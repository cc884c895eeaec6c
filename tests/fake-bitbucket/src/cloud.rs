//! A fake of Bitbucket Cloud's REST API 2.0: API tokens (Basic email:token, scopes with no
//! implication), access tokens and OAuth tokens (Bearer, legacy scopes), the 401, 403 and 404
//! answers and headers the real API gives.

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::{Api, Call, Credentials, Reply};

#[derive(Debug, Clone)]
pub struct Account {
    pub email: String,
    pub username: String,
    pub display_name: String,
    pub uuid: String,
    pub account_id: String,
    pub workspaces: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ApiToken {
    pub token: String,
    pub email: String,
    pub scopes: Vec<String>,
    /// Made with "Create API token" (no scopes): Bitbucket refuses it everywhere.
    pub unscoped: bool,
    pub expired: bool,
}

#[derive(Debug, Clone)]
pub enum Target {
    Repository { workspace: String, repo: String },
    Project { workspace: String, project: String },
    Workspace { workspace: String },
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub token: String,
    pub target: Target,
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct OauthToken {
    pub token: String,
    pub email: String,
    pub scopes: Vec<String>,
    pub expired: bool,
}

#[derive(Debug, Clone)]
pub struct Repo {
    pub workspace: String,
    pub slug: String,
    pub project: String,
}

#[derive(Debug, Clone, Default)]
pub struct FakeCloud {
    pub accounts: Vec<Account>,
    pub api_tokens: Vec<ApiToken>,
    pub access_tokens: Vec<AccessToken>,
    pub oauth_tokens: Vec<OauthToken>,
    pub repos: Vec<Repo>,
    /// Answer refused credentials with text/plain instead of JSON (both are seen in the wild).
    pub plain_text_401: bool,
}

pub const EMAIL: &str = "ada@example.com";
pub const USERNAME: &str = "ada_lovelace";
pub const WORKSPACE: &str = "acme";
pub const PROJECT: &str = "DATA";
pub const REPO: &str = "models";
/// An API token with every scope of the pull-requests profile.
pub const TOKEN_FULL: &str = "ATATT3xFfGF0fullFULLfull0000";
/// An API token with the read-only profile's scopes.
pub const TOKEN_READ_ONLY: &str = "ATATT3xFfGF0readREADread0000";
/// Created with "Create API token" (no scopes).
pub const TOKEN_UNSCOPED: &str = "ATATT3xFfGF0noscopeNOSCOPE00";
pub const TOKEN_EXPIRED: &str = "ATATT3xFfGF0expiredEXPIRED00";
/// A repository access token for acme/models with repository + pullrequest:write.
pub const REPO_TOKEN: &str = "ATCTT3xFfGN0repoREPOrepo0000";
/// A workspace access token for acme with read scopes only.
pub const WORKSPACE_TOKEN: &str = "ATCTT3xFfGN0wsWSws0000000000";
pub const OAUTH_TOKEN: &str = "oauth-access-token-0123456789";

const PULL_REQUEST_SCOPES: [&str; 6] = [
    "read:user:bitbucket",
    "read:workspace:bitbucket",
    "read:repository:bitbucket",
    "write:repository:bitbucket",
    "read:pullrequest:bitbucket",
    "write:pullrequest:bitbucket",
];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

impl FakeCloud {
    /// One account in one workspace with two repositories, and a token of every sort.
    pub fn standard() -> Self {
        let api_token = |token: &str, scopes: &[&str]| ApiToken {
            token: token.into(),
            email: EMAIL.into(),
            scopes: strings(scopes),
            unscoped: false,
            expired: false,
        };
        Self {
            accounts: vec![Account {
                email: EMAIL.into(),
                username: USERNAME.into(),
                display_name: "Ada Lovelace".into(),
                uuid: "{6f1a9e2c-0d53-4b8e-9a77-3c2f8d41b5e0}".into(),
                account_id: "557058:0a1b2c3d".into(),
                workspaces: vec![WORKSPACE.into()],
            }],
            api_tokens: vec![
                api_token(TOKEN_FULL, &PULL_REQUEST_SCOPES),
                api_token(
                    TOKEN_READ_ONLY,
                    &[
                        "read:user:bitbucket",
                        "read:workspace:bitbucket",
                        "read:repository:bitbucket",
                        "read:pullrequest:bitbucket",
                    ],
                ),
                ApiToken {
                    unscoped: true,
                    ..api_token(TOKEN_UNSCOPED, &[])
                },
                ApiToken {
                    expired: true,
                    ..api_token(TOKEN_EXPIRED, &PULL_REQUEST_SCOPES)
                },
            ],
            access_tokens: vec![
                AccessToken {
                    token: REPO_TOKEN.into(),
                    target: Target::Repository {
                        workspace: WORKSPACE.into(),
                        repo: REPO.into(),
                    },
                    scopes: strings(&[
                        "repository",
                        "repository:write",
                        "pullrequest",
                        "pullrequest:write",
                    ]),
                },
                AccessToken {
                    token: WORKSPACE_TOKEN.into(),
                    target: Target::Workspace {
                        workspace: WORKSPACE.into(),
                    },
                    scopes: strings(&["repository", "pullrequest"]),
                },
            ],
            oauth_tokens: vec![OauthToken {
                token: OAUTH_TOKEN.into(),
                email: EMAIL.into(),
                scopes: strings(&["account", "repository:write", "pullrequest:write"]),
                expired: false,
            }],
            repos: vec![
                Repo {
                    workspace: WORKSPACE.into(),
                    slug: REPO.into(),
                    project: PROJECT.into(),
                },
                Repo {
                    workspace: WORKSPACE.into(),
                    slug: "site".into(),
                    project: "WEB".into(),
                },
            ],
            plain_text_401: false,
        }
    }

    /// Gives the token `token` these API-token scopes instead.
    pub fn with_api_token_scopes(mut self, token: &str, scopes: &[&str]) -> Self {
        if let Some(t) = self.api_tokens.iter_mut().find(|t| t.token == token) {
            t.scopes = strings(scopes);
        }
        self
    }
}

enum Who<'a> {
    Person {
        account: &'a Account,
        scopes: &'a [String],
        legacy: bool,
    },
    Token(&'a AccessToken),
}

impl Api for FakeCloud {
    fn answer(&self, call: &Call) -> Reply {
        let Some(route) = call.segments_after("/2.0") else {
            return not_found();
        };
        let who = match self.authenticate(&call.credentials) {
            Ok(who) => who,
            Err(reply) => return reply,
        };
        let route: Vec<&str> = route.iter().map(String::as_str).collect();
        let reply = match route.as_slice() {
            ["user"] => self.user(&who),
            ["user", "workspaces"] => self.guard(&who, "read:workspace:bitbucket", "account").unwrap_or_else(|| {
                let Who::Person { account, .. } = &who else { return forbidden_for_tokens() };
                let values: Vec<Value> = account
                    .workspaces
                    .iter()
                    .map(|ws| json!({"type": "workspace_access", "administrator": false, "workspace": workspace_json(ws)}))
                    .collect();
                page(values)
            }),
            ["user", "workspaces", ws, "permission"] => {
                self.guard(&who, "read:workspace:bitbucket", "account").unwrap_or_else(|| match &who {
                    Who::Person { account, .. } if account.workspaces.iter().any(|w| w == ws) => crate::json(
                        StatusCode::OK,
                        json!({"type": "workspace_membership", "permission": "member", "workspace": workspace_json(ws)}),
                    ),
                    _ => not_found(),
                })
            }
            ["workspaces", ws] => self.guard(&who, "read:workspace:bitbucket", "").unwrap_or_else(|| {
                if self.sees_workspace(&who, ws) { crate::json(StatusCode::OK, workspace_json(ws)) } else { not_found() }
            }),
            ["workspaces", ws, "projects", key] => self.guard(&who, "read:project:bitbucket", "project").unwrap_or_else(|| {
                let exists = self.repos.iter().any(|r| r.workspace == *ws && r.project == *key);
                if exists && self.sees_project(&who, ws, key) {
                    crate::json(StatusCode::OK, json!({"type": "project", "key": key, "name": key}))
                } else {
                    not_found()
                }
            }),
            ["workspaces", ws, "pullrequests", _user] => self
                .guard(&who, "read:pullrequest:bitbucket", "pullrequest")
                .unwrap_or_else(|| if self.sees_workspace(&who, ws) { page(vec![]) } else { not_found() }),
            ["repositories", ws] => self.guard(&who, "read:repository:bitbucket", "repository").unwrap_or_else(|| {
                let wanted = call.param("q").and_then(|q| q.strip_prefix("project.key=\"")).map(|k| k.trim_end_matches('"'));
                let limit: usize = call.param("pagelen").and_then(|n| n.parse().ok()).unwrap_or(10);
                let values: Vec<Value> = self
                    .repos
                    .iter()
                    .filter(|r| r.workspace == *ws && self.sees_repo(&who, r))
                    .filter(|r| wanted.is_none_or(|k| r.project == k))
                    .take(limit)
                    .map(repo_json)
                    .collect();
                if self.sees_workspace(&who, ws) || !values.is_empty() { page(values) } else { not_found() }
            }),
            ["repositories", ws, slug] => self
                .guard(&who, "read:repository:bitbucket", "repository")
                .unwrap_or_else(|| self.find_repo(&who, ws, slug).map(|r| crate::json(StatusCode::OK, repo_json(r))).unwrap_or_else(not_found)),
            ["repositories", ws, slug, "pullrequests"] => self
                .guard(&who, "read:pullrequest:bitbucket", "pullrequest")
                .unwrap_or_else(|| self.find_repo(&who, ws, slug).map(|_| page(vec![])).unwrap_or_else(not_found)),
            _ => not_found(),
        };
        with_token_headers(reply, &who)
    }
}

impl FakeCloud {
    fn authenticate(&self, credentials: &Credentials) -> Result<Who<'_>, Reply> {
        match credentials {
            Credentials::Basic { user, secret } => {
                let token = self.api_tokens.iter().find(|t| &t.token == secret);
                match token {
                    Some(t) if &t.email == user && !t.unscoped && !t.expired => {
                        let account = self
                            .accounts
                            .iter()
                            .find(|a| a.email == t.email)
                            .expect("token owner");
                        Ok(Who::Person {
                            account,
                            scopes: &t.scopes,
                            legacy: false,
                        })
                    }
                    _ => {
                        Err(self
                            .unauthorised("Token is invalid, expired, or not supported for this endpoint."))
                    }
                }
            }
            Credentials::Bearer(secret) => {
                if let Some(token) = self.access_tokens.iter().find(|t| &t.token == secret) {
                    return Ok(Who::Token(token));
                }
                match self.oauth_tokens.iter().find(|t| &t.token == secret) {
                    Some(t) if t.expired => Err(self.unauthorised("Access token expired.")),
                    Some(t) => {
                        let account = self
                            .accounts
                            .iter()
                            .find(|a| a.email == t.email)
                            .expect("token owner");
                        Ok(Who::Person {
                            account,
                            scopes: &t.scopes,
                            legacy: true,
                        })
                    }
                    None => {
                        Err(self
                            .unauthorised("Token is invalid, expired, or not supported for this endpoint."))
                    }
                }
            }
            _ => Err(self.unauthorised(
                "This API is only accessible with the following authentication types: api-token",
            )),
        }
    }

    fn unauthorised(&self, message: &str) -> Reply {
        let mut reply = if self.plain_text_401 {
            crate::raw(
                StatusCode::UNAUTHORIZED,
                "text/plain",
                "Login failed due to incorrect login credentials or method.".into(),
            )
        } else {
            crate::json(
                StatusCode::UNAUTHORIZED,
                json!({"type": "error", "error": {"message": message}}),
            )
        };
        reply.headers_mut().insert(
            "www-authenticate",
            "Basic realm=\"Bitbucket.org HTTP\"".parse().unwrap(),
        );
        reply
    }

    /// `None` when the scope is held; else the 403 Bitbucket gives.
    fn guard(&self, who: &Who<'_>, scope: &str, legacy: &str) -> Option<Reply> {
        let (granted, needed) = match who {
            Who::Person {
                scopes,
                legacy: false,
                ..
            } => (*scopes, scope),
            Who::Person {
                scopes, legacy: true, ..
            } => (*scopes, legacy),
            Who::Token(token) => (token.scopes.as_slice(), legacy),
        };
        if needed.is_empty() || granted.iter().any(|g| g == needed || implies(g, needed)) {
            return None;
        }
        let detail = json!({"required": [needed], "granted": granted});
        let mut reply = crate::json(
            StatusCode::FORBIDDEN,
            json!({"type": "error", "error": {"message": "Your credentials lack one or more required privilege scopes.", "detail": detail}}),
        );
        reply
            .headers_mut()
            .insert("x-accepted-oauth-scopes", needed.parse().unwrap());
        Some(reply)
    }

    fn user(&self, who: &Who<'_>) -> Reply {
        match who {
            Who::Token(_) => forbidden_for_tokens(),
            Who::Person { account, .. } => self.guard(who, "read:user:bitbucket", "account").unwrap_or_else(|| {
                crate::json(
                    StatusCode::OK,
                    json!({
                        "type": "user", "uuid": account.uuid, "account_id": account.account_id,
                        "username": account.username, "display_name": account.display_name,
                        "nickname": account.display_name, "account_status": "active",
                        "links": {"html": {"href": format!("https://bitbucket.org/{}/", account.username)}}
                    }),
                )
            }),
        }
    }

    fn sees_workspace(&self, who: &Who<'_>, ws: &str) -> bool {
        match who {
            Who::Person { account, .. } => account.workspaces.iter().any(|w| w == ws),
            Who::Token(t) => target_workspace(&t.target) == ws,
        }
    }

    fn sees_project(&self, who: &Who<'_>, ws: &str, key: &str) -> bool {
        match who {
            Who::Token(AccessToken {
                target: Target::Project { workspace, project },
                ..
            }) => workspace == ws && project == key,
            Who::Token(AccessToken {
                target: Target::Repository { .. },
                ..
            }) => false,
            _ => self.sees_workspace(who, ws),
        }
    }

    fn sees_repo(&self, who: &Who<'_>, repo: &Repo) -> bool {
        match who {
            Who::Token(AccessToken {
                target:
                    Target::Repository {
                        workspace,
                        repo: slug,
                    },
                ..
            }) => *workspace == repo.workspace && *slug == repo.slug,
            _ => self.sees_project(who, &repo.workspace, &repo.project),
        }
    }

    fn find_repo(&self, who: &Who<'_>, ws: &str, slug: &str) -> Option<&Repo> {
        self.repos
            .iter()
            .find(|r| r.workspace == ws && r.slug == slug && self.sees_repo(who, r))
    }
}

/// Legacy scopes include others (`pullrequest:write` includes `pullrequest` and `repository:write`).
fn implies(granted: &str, needed: &str) -> bool {
    matches!(
        (granted, needed),
        ("repository:write", "repository")
            | ("repository:admin", "repository" | "repository:write")
            | ("pullrequest", "repository")
            | (
                "pullrequest:write",
                "pullrequest" | "repository" | "repository:write"
            )
            | ("project:admin", "project")
            | ("account:write", "account")
    )
}

fn target_workspace(target: &Target) -> &str {
    match target {
        Target::Repository { workspace, .. }
        | Target::Project { workspace, .. }
        | Target::Workspace { workspace } => workspace,
    }
}

/// Access tokens get their type and scopes on every answer.
fn with_token_headers(mut reply: Reply, who: &Who<'_>) -> Reply {
    if let Who::Token(token) = who {
        let kind = match token.target {
            Target::Repository { .. } => "repo_access_token",
            Target::Project { .. } => "project_access_token",
            Target::Workspace { .. } => "workspace_access_token",
        };
        reply
            .headers_mut()
            .insert("x-credential-type", kind.parse().unwrap());
        reply
            .headers_mut()
            .insert("x-oauth-scopes", token.scopes.join(", ").parse().unwrap());
    }
    reply
}

fn forbidden_for_tokens() -> Reply {
    crate::json(
        StatusCode::FORBIDDEN,
        json!({"type": "error", "error": {"message": "This API is only accessible with the following authentication types: api-token"}}),
    )
}

fn not_found() -> Reply {
    crate::json(
        StatusCode::NOT_FOUND,
        json!({"type": "error", "error": {"message": "Resource not found"}}),
    )
}

fn page(values: Vec<Value>) -> Reply {
    crate::json(
        StatusCode::OK,
        json!({"pagelen": values.len().max(1), "size": values.len(), "page": 1, "values": values}),
    )
}

fn workspace_json(slug: &str) -> Value {
    json!({"type": "workspace", "slug": slug, "name": slug, "uuid": format!("{{ws-{slug}}}")})
}

fn repo_json(repo: &Repo) -> Value {
    json!({
        "type": "repository", "slug": repo.slug, "name": repo.slug,
        "full_name": format!("{}/{}", repo.workspace, repo.slug),
        "project": {"type": "project", "key": repo.project},
        "links": {"clone": [{"name": "https", "href": format!("https://bitbucket.org/{}/{}.git", repo.workspace, repo.slug)}]}
    })
}
