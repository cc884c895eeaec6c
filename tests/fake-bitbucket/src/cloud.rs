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
    /// The name people see ("Billing 007"); the slug is its URL form.
    pub name: String,
    pub project: String,
    /// The permission the account has on it (`None`: no explicit grant, not in its permissions).
    pub permission: Option<Permission>,
}

impl Repo {
    pub fn new(workspace: &str, slug: &str, project: &str, permission: Permission) -> Self {
        Self {
            workspace: workspace.into(),
            slug: slug.into(),
            name: slug.into(),
            project: project.into(),
            permission: Some(permission),
        }
    }
}

/// A person's permission on a repository, as `/user/workspaces/{ws}/permissions/repositories`
/// words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Permission {
    Read,
    Write,
    Admin,
}

impl Permission {
    pub fn word(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

/// A user added to every new pull request of a repository (or of every repository of a project,
/// when `repo` is `None`).
#[derive(Debug, Clone)]
pub struct DefaultReviewer {
    pub workspace: String,
    pub project: String,
    pub repo: Option<String>,
    pub display_name: String,
    pub nickname: String,
}

#[derive(Debug, Clone, Default)]
pub struct FakeCloud {
    pub accounts: Vec<Account>,
    pub api_tokens: Vec<ApiToken>,
    pub access_tokens: Vec<AccessToken>,
    pub oauth_tokens: Vec<OauthToken>,
    pub repos: Vec<Repo>,
    pub default_reviewers: Vec<DefaultReviewer>,
    /// Answer refused credentials with text/plain instead of JSON (both are seen in the wild).
    pub plain_text_401: bool,
    /// Leave the total (`size`) out of paged answers, as Bitbucket may ("expensive to compute").
    pub omit_size: bool,
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
/// A project access token for acme's project ML with repository:admin (in [`FakeCloud::large`]).
pub const PROJECT_TOKEN: &str = "ATCTT3xFfGN0projPROJproj0000";

/// The workspaces of the account in [`FakeCloud::large`], and how many repositories each has.
pub const LARGE_WORKSPACES: [(&str, usize); 3] = [("acme", 230), ("acme-data", 150), ("widgets", 5)];
/// A workspace in [`FakeCloud::large`] the account is not a member of.
pub const FOREIGN_WORKSPACE: &str = "globex";

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
                Repo::new(WORKSPACE, REPO, PROJECT, Permission::Admin),
                Repo::new(WORKSPACE, "site", "WEB", Permission::Write),
            ],
            default_reviewers: vec![
                DefaultReviewer {
                    workspace: WORKSPACE.into(),
                    project: PROJECT.into(),
                    repo: Some(REPO.into()),
                    display_name: "Grace Hopper".into(),
                    nickname: "grace".into(),
                },
                DefaultReviewer {
                    workspace: WORKSPACE.into(),
                    project: PROJECT.into(),
                    repo: None,
                    display_name: "Alan Turing".into(),
                    nickname: "alan".into(),
                },
            ],
            plain_text_401: false,
            omit_size: false,
        }
    }

    /// [`standard`](Self::standard), and the account in three workspaces holding hundreds of
    /// repositories ([`LARGE_WORKSPACES`]) with mixed permissions and projects, a workspace it is
    /// not in, and a project access token for acme's project ML.
    pub fn large() -> Self {
        let mut fake = Self::standard();
        fake.accounts[0].workspaces = LARGE_WORKSPACES.iter().map(|(ws, _)| ws.to_string()).collect();
        for (ws, count) in LARGE_WORKSPACES {
            let have = fake.repos.iter().filter(|r| r.workspace == ws).count();
            fake.repos
                .extend(generated(ws, count - have, Some(Permission::Read)));
        }
        fake.repos.extend(generated(FOREIGN_WORKSPACE, 20, None));
        fake.access_tokens.push(AccessToken {
            token: PROJECT_TOKEN.into(),
            target: Target::Project {
                workspace: WORKSPACE.into(),
                project: "ML".into(),
            },
            scopes: strings(&["repository:admin", "pullrequest"]),
        });
        fake
    }

    /// `count` more repositories in `ws`, named as [`generated`] does: for the limit of a listing.
    pub fn with_repositories(mut self, ws: &str, count: usize) -> Self {
        self.repos.extend(generated(ws, count, Some(Permission::Read)));
        self
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
                let mut slugs = account.workspaces.clone();
                if call.param("sort") == Some("slug") {
                    slugs.sort();
                }
                let values: Vec<Value> = slugs
                    .iter()
                    .map(|ws| json!({"type": "workspace_access", "administrator": false, "workspace": workspace_json(ws)}))
                    .collect();
                self.paged(call, values)
            }),
            ["user", "workspaces", ws, "permissions", "repositories"] => self
                .guard(&who, "read:repository:bitbucket", "account")
                .or_else(|| self.guard(&who, "read:repository:bitbucket", "repository"))
                .unwrap_or_else(|| self.repository_permissions(call, &who, ws)),
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
                let clauses = match parse_query(call.param("q").unwrap_or_default(), &["project.key", "name"]) {
                    Ok(clauses) => clauses,
                    Err(reply) => return reply,
                };
                let mut repos: Vec<&Repo> = self
                    .repos
                    .iter()
                    .filter(|r| r.workspace == *ws && self.sees_repo(&who, r))
                    .filter(|r| clauses.iter().all(|c| c.matches(|field| match field {
                        "project.key" => r.project.as_str(),
                        _ => r.name.as_str(),
                    })))
                    .collect();
                if call.param("sort") == Some("name") {
                    repos.sort_by_key(|r| r.name.to_lowercase());
                }
                let values: Vec<Value> = repos.into_iter().map(|r| repo_json(call, r)).collect();
                if self.sees_workspace(&who, ws) || !values.is_empty() { self.paged(call, values) } else { not_found() }
            }),
            ["repositories", ws, slug] => self
                .guard(&who, "read:repository:bitbucket", "repository")
                .unwrap_or_else(|| self.find_repo(&who, ws, slug).map(|r| crate::json(StatusCode::OK, repo_json(call, r))).unwrap_or_else(not_found)),
            ["repositories", ws, slug, "effective-default-reviewers"] => self
                .guard(&who, "read:pullrequest:bitbucket", "pullrequest")
                .unwrap_or_else(|| match self.find_repo(&who, ws, slug) {
                    Some(repo) => {
                        let values: Vec<Value> = self
                            .default_reviewers
                            .iter()
                            .filter(|d| d.workspace == repo.workspace && d.project == repo.project)
                            .filter(|d| d.repo.as_deref().is_none_or(|r| r == repo.slug))
                            .map(|d| json!({
                                "type": "default_reviewer",
                                "reviewer_type": if d.repo.is_some() { "repository" } else { "project" },
                                "user": {"type": "user", "display_name": d.display_name, "nickname": d.nickname, "uuid": format!("{{{}}}", d.nickname)}
                            }))
                            .collect();
                        self.paged(call, values)
                    }
                    None => not_found(),
                }),
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
            // Since 28 July 2026 every app password gets this answer (CHANGE-3222).
            Credentials::Basic { secret, .. } if secret.starts_with("ATBB") => {
                Err(self.unauthorised("App passwords are deprecated and must be replaced with API tokens."))
            }
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

    /// `GET /2.0/user/workspaces/{ws}/permissions/repositories`: the account's explicitly granted
    /// repositories with its permission; the repository objects carry no slug and no clone links,
    /// as Bitbucket's do not.
    fn repository_permissions(&self, call: &Call, who: &Who<'_>, ws: &str) -> Reply {
        let Who::Person { account, .. } = who else {
            return forbidden_for_tokens();
        };
        if !account.workspaces.iter().any(|w| w == ws) {
            if self.repos.iter().any(|r| r.workspace == ws) {
                return crate::json(
                    StatusCode::FORBIDDEN,
                    json!({"type": "error", "error": {"message": "You do not have access to this workspace."}}),
                );
            }
            return not_found();
        }
        let clauses = match parse_query(
            call.param("q").unwrap_or_default(),
            &["repository.name", "permission"],
        ) {
            Ok(clauses) => clauses,
            Err(reply) => return reply,
        };
        let mut repos: Vec<(&Repo, Permission)> = self
            .repos
            .iter()
            .filter(|r| r.workspace == ws)
            .filter_map(|r| Some((r, r.permission?)))
            .filter(|(r, p)| {
                clauses.iter().all(|c| {
                    c.matches(|field| match field {
                        "permission" => p.word(),
                        _ => r.name.as_str(),
                    })
                })
            })
            .collect();
        if call.param("sort") == Some("repository.name") {
            repos.sort_by_key(|(r, _)| r.name.to_lowercase());
        }
        let values: Vec<Value> = repos
            .into_iter()
            .map(|(r, permission)| {
                let full_name = format!("{}/{}", r.workspace, r.slug);
                json!({
                    "type": "repository_permission",
                    "permission": permission.word(),
                    "user": {"type": "user", "display_name": account.display_name, "uuid": account.uuid},
                    "repository": {
                        "type": "repository", "name": r.name, "full_name": full_name,
                        "uuid": format!("{{repo-{full_name}}}"),
                        "links": {
                            "self": {"href": format!("{}://{}/2.0/repositories/{full_name}", call.scheme, call.host)},
                            "html": {"href": format!("https://bitbucket.org/{full_name}")}
                        }
                    }
                })
            })
            .collect();
        self.paged(call, values)
    }

    /// A page of `values` as Bitbucket pages: `page` (from 1) and `pagelen` (10 unless asked, at
    /// most 100), the total in `size` (unless [`omit_size`](Self::omit_size)), and a `next` link
    /// with every other parameter kept.
    fn paged(&self, call: &Call, values: Vec<Value>) -> Reply {
        let pagelen = call
            .param("pagelen")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(10)
            .clamp(1, 100);
        let page = call
            .param("page")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let total = values.len();
        let items: Vec<Value> = values
            .into_iter()
            .skip((page - 1) * pagelen)
            .take(pagelen)
            .collect();
        let mut body = json!({"pagelen": pagelen, "page": page, "values": items});
        if !self.omit_size {
            body["size"] = json!(total);
        }
        if page * pagelen < total {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(call.query.iter().filter(|(k, _)| k != "page"))
                .append_pair("page", &(page + 1).to_string())
                .finish();
            body["next"] = json!(format!("{}://{}{}?{query}", call.scheme, call.host, call.path));
        }
        crate::json(StatusCode::OK, body)
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

/// `count` repositories in `ws`: slugs `api-000`, `billing-001`, ... (prefix by turns), names
/// "Api 000", "Billing 001", ..., projects by prefix (API, BILLING, ..., ML); every tenth admin,
/// every third otherwise write, the rest `base` (read, or no grant at all for `None`).
pub fn generated(ws: &str, count: usize, base: Option<Permission>) -> Vec<Repo> {
    const PREFIXES: [&str; 6] = ["api", "billing", "data", "infra", "web", "ml"];
    (0..count)
        .map(|i| {
            let prefix = PREFIXES[i % PREFIXES.len()];
            let permission = base.map(|base| match i {
                i if i % 10 == 0 => Permission::Admin,
                i if i % 3 == 0 => Permission::Write,
                _ => base,
            });
            let mut title = prefix.to_owned();
            title[..1].make_ascii_uppercase();
            Repo {
                workspace: ws.into(),
                slug: format!("{prefix}-{i:03}"),
                name: format!("{title} {i:03}"),
                project: prefix.to_uppercase(),
                permission,
            }
        })
        .collect()
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

/// A repository as `/2.0/repositories` gives it: clone links carry the caller's name, as
/// Bitbucket's do for a signed-in request.
fn repo_json(call: &Call, repo: &Repo) -> Value {
    let full_name = format!("{}/{}", repo.workspace, repo.slug);
    json!({
        "type": "repository", "slug": repo.slug, "name": repo.name,
        "full_name": full_name,
        "project": {"type": "project", "key": repo.project},
        "links": {
            "self": {"href": format!("{}://{}/2.0/repositories/{full_name}", call.scheme, call.host)},
            "html": {"href": format!("https://bitbucket.org/{full_name}")},
            "clone": [
                {"name": "https", "href": format!("https://{USERNAME}@bitbucket.org/{full_name}.git")},
                {"name": "ssh", "href": format!("git@bitbucket.org:{full_name}.git")}
            ]
        }
    })
}

/// One clause of Bitbucket's query language, as far as the fake understands it.
struct Clause {
    field: String,
    /// `~`: contains, letter case ignored; `=`: equals.
    contains: bool,
    value: String,
}

impl Clause {
    fn matches<'a>(&self, field_value: impl Fn(&str) -> &'a str) -> bool {
        let have = field_value(&self.field);
        if self.contains {
            have.to_lowercase().contains(&self.value.to_lowercase())
        } else {
            have == self.value
        }
    }
}

/// `a="x" AND b~"y"` over the `known` fields; anything else is the 400 Bitbucket gives.
fn parse_query(q: &str, known: &[&str]) -> Result<Vec<Clause>, Reply> {
    let invalid = || {
        crate::json(
            StatusCode::BAD_REQUEST,
            json!({"type": "error", "error": {"message": format!("Invalid query: {q}")}}),
        )
    };
    let mut clauses = Vec::new();
    for part in q.split(" AND ").filter(|p| !p.trim().is_empty()) {
        let (field, contains, rest) = match (part.split_once('~'), part.split_once('=')) {
            (Some((f, rest)), _) if !f.contains('=') => (f, true, rest),
            (_, Some((f, rest))) => (f, false, rest),
            _ => return Err(invalid()),
        };
        let field = field.trim();
        let quoted = rest.trim();
        if !known.contains(&field) || quoted.len() < 2 || !quoted.starts_with('"') || !quoted.ends_with('"') {
            return Err(invalid());
        }
        let value = quoted[1..quoted.len() - 1]
            .replace("\\\"", "\"")
            .replace("\\\\", "\\");
        clauses.push(Clause {
            field: field.to_owned(),
            contains,
            value,
        });
    }
    Ok(clauses)
}
