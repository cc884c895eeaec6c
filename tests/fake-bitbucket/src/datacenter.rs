//! A fake Bitbucket Data Center 9.x under a context path: anonymous application-properties and
//! login-options, Basic and Bearer authentication with `X-AUSERNAME`, CAPTCHA after failed Basic
//! logins, `?permission=` filters, project and repository tokens acting as system users.

use std::collections::HashMap;
use std::sync::Mutex;

use hyper::StatusCode;
use serde_json::{Value, json};

use crate::{Api, Call, Credentials, Reply};

/// Repository permission levels, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Read,
    Write,
    Admin,
}

impl Level {
    fn parse(text: &str) -> Option<(Level, bool)> {
        Some(match text {
            "REPO_READ" => (Level::Read, false),
            "REPO_WRITE" => (Level::Write, false),
            "REPO_ADMIN" => (Level::Admin, false),
            "PROJECT_READ" => (Level::Read, true),
            "PROJECT_WRITE" => (Level::Write, true),
            "PROJECT_ADMIN" => (Level::Admin, true),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub name: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
    /// What the account may do on every repository.
    pub level: Level,
    /// Personal HTTP access tokens and their permission (capped by `level`).
    pub tokens: Vec<(String, Level)>,
}

/// What a person may do in a project (or one repository of it) instead of their usual level:
/// `None` hides it from them.
#[derive(Debug, Clone)]
pub struct Grant {
    pub project: String,
    pub repo: Option<String>,
    pub level: Option<Level>,
}

/// A repository (project key, slug) and the users (name, display name) its default-reviewer
/// conditions add.
pub type DefaultReviewers = (String, String, Vec<(String, String)>);

#[derive(Debug, Clone)]
pub struct SystemToken {
    pub token: String,
    /// The system-generated user the server shows for it.
    pub user_name: String,
    pub project: String,
    pub repo: Option<String>,
    pub level: Level,
}

#[derive(Debug)]
pub struct FakeDataCenter {
    /// e.g. "/bitbucket"; "" for none.
    pub context: String,
    pub version: String,
    /// False on SSO-only servers: login-options lists only IDP.
    pub login_form: bool,
    /// Failed Basic logins before the account needs a CAPTCHA.
    pub captcha_after: u32,
    /// Host written into links (`None`: the host the request came to).
    pub link_host: Option<String>,
    pub users: Vec<User>,
    pub system_tokens: Vec<SystemToken>,
    /// Project key → repository slugs.
    pub projects: Vec<(String, Vec<String>)>,
    /// Failed Basic logins per user so far.
    pub failures: Mutex<HashMap<String, u32>>,
    /// Passwords and tokens revoked while the server runs: refused from then on.
    pub revoked: Mutex<Vec<String>>,
    /// Expiry dates of personal tokens (milliseconds since 1970), as the access-tokens API lists them.
    pub token_expiry_ms: HashMap<String, i64>,
    /// Exact request paths (context path included) answered with a 301 to the given location, as
    /// a proxy that adds or strips a trailing slash would. Credentials are not looked at.
    pub redirects: Vec<(String, String)>,
    /// People's permissions that differ from their usual level, by project or repository.
    pub grants: Vec<Grant>,
    /// The largest page the server gives (`page.max.repositories`, `page.max.projects`), whatever
    /// `limit` asks for.
    pub page_max: usize,
    /// The users its default-reviewer conditions add, per repository.
    pub default_reviewers: Vec<DefaultReviewers>,
}

pub const USER: &str = "ada";
pub const PASSWORD: &str = "correct horse battery staple";
/// A personal token with REPO_WRITE.
pub const PERSONAL_TOKEN: &str = "NjQ5MjcxNTM0OTk2OnWriteTokenForAdaXYZ0123";
/// When PERSONAL_TOKEN expires: 2027-05-26, 12:00 UTC.
pub const PERSONAL_TOKEN_EXPIRY_MS: i64 = 1_811_332_800_000;
/// A personal token with REPO_READ only.
pub const READ_TOKEN: &str = "MTIzNDU2Nzg5MDEyOnReadTokenForAdaXYZ01234";
/// A project token for DATA with REPO_WRITE.
pub const PROJECT_TOKEN: &str = "ODc2NTQzMjEwOTg3OnProjectTokenDATA000000";
/// A personal token with REPO_ADMIN (in [`FakeDataCenter::large`]): it shows ada's own levels.
pub const ADMIN_TOKEN: &str = "OTg3NjU0MzIxMDk4OnAdminTokenForAdaXYZ0123";

/// The projects of [`FakeDataCenter::large`] and how many repositories each has. Ada administers
/// ML, only reads SEC (but writes to `sec-000`), and cannot see OPS at all.
pub const LARGE_PROJECTS: [(&str, usize); 6] = [
    ("DATA", 230),
    ("WEB", 60),
    ("ML", 40),
    ("SEC", 25),
    ("OPS", 15),
    ("EMPTY", 0),
];
/// The project of [`FakeDataCenter::large`] that ada cannot see.
pub const HIDDEN_PROJECT: &str = "OPS";

impl FakeDataCenter {
    /// Bitbucket 9.2 at /bitbucket with one user, two projects and a token of every sort.
    pub fn standard() -> Self {
        Self {
            context: "/bitbucket".into(),
            version: "9.2.1".into(),
            login_form: true,
            captcha_after: 3,
            link_host: None,
            users: vec![User {
                name: USER.into(),
                display_name: "Ada Lovelace".into(),
                email: "ada@example.com".into(),
                password: PASSWORD.into(),
                level: Level::Write,
                tokens: vec![
                    (PERSONAL_TOKEN.into(), Level::Write),
                    (READ_TOKEN.into(), Level::Read),
                ],
            }],
            system_tokens: vec![SystemToken {
                token: PROJECT_TOKEN.into(),
                user_name: "project-token-data-1a2b3c".into(),
                project: "DATA".into(),
                repo: None,
                level: Level::Write,
            }],
            projects: vec![
                ("DATA".into(), vec!["models".into(), "etl".into()]),
                ("WEB".into(), vec!["site".into()]),
            ],
            failures: Mutex::new(HashMap::new()),
            revoked: Mutex::new(Vec::new()),
            token_expiry_ms: HashMap::from([(PERSONAL_TOKEN.to_owned(), PERSONAL_TOKEN_EXPIRY_MS)]),
            redirects: Vec::new(),
            grants: Vec::new(),
            page_max: 1000,
            default_reviewers: vec![(
                "DATA".into(),
                "models".into(),
                vec![
                    ("grace".into(), "Grace Hopper".into()),
                    ("alan".into(), "Alan Turing".into()),
                ],
            )],
        }
    }

    /// [`standard`](Self::standard) with hundreds of repositories in several projects
    /// ([`LARGE_PROJECTS`]), mixed permissions, a hidden project, pages of at most 100, and
    /// [`ADMIN_TOKEN`].
    pub fn large() -> Self {
        let mut fake = Self::standard();
        fake.page_max = 100;
        for (key, count) in LARGE_PROJECTS {
            let existing = fake.projects.iter().position(|(k, _)| k == key);
            let index = existing.unwrap_or_else(|| {
                fake.projects.push((key.to_owned(), Vec::new()));
                fake.projects.len() - 1
            });
            let have = fake.projects[index].1.len();
            let prefix = key.to_lowercase();
            fake.projects[index]
                .1
                .extend((have..count).map(|i| format!("{prefix}-{i:03}")));
        }
        let grant = |project: &str, repo: Option<&str>, level: Option<Level>| Grant {
            project: project.into(),
            repo: repo.map(str::to_owned),
            level,
        };
        fake.grants = vec![
            grant("ML", None, Some(Level::Admin)),
            grant("SEC", None, Some(Level::Read)),
            grant("SEC", Some("sec-000"), Some(Level::Write)),
            grant(HIDDEN_PROJECT, None, None),
        ];
        fake.users[0].tokens.push((ADMIN_TOKEN.into(), Level::Admin));
        fake
    }

    /// Refuses `secret` from now on, as when a token is revoked.
    pub fn revoke(&self, secret: &str) {
        self.revoked.lock().unwrap().push(secret.to_owned());
    }

    /// The user (or system user) these credentials authenticate as, if any.
    pub fn authenticated_user(&self, credentials: &Credentials) -> Option<String> {
        self.authenticate(credentials).ok().flatten().map(|p| p.name)
    }
}

/// Who a request authenticated as.
struct Principal {
    name: String,
    id: u32,
    /// What the credential may do where no grant says otherwise.
    level: Level,
    /// The most a personal token (or password) may do, whatever the person may.
    cap: Level,
    /// Project (and repository) a project/repository token is bound to.
    bound: Option<(String, Option<String>)>,
    system: bool,
}

impl Api for FakeDataCenter {
    fn answer(&self, call: &Call) -> Reply {
        if let Some((_, location)) = self.redirects.iter().find(|(path, _)| *path == call.path) {
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&call.query)
                .finish();
            let location = if query.is_empty() {
                location.clone()
            } else {
                format!("{location}?{query}")
            };
            return hyper::Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header("location", location)
                .body(Default::default())
                .unwrap();
        }
        let Some(route) = call.segments_after(&self.context) else {
            return not_found();
        };
        let route: Vec<&str> = route.iter().map(String::as_str).collect();
        match route.as_slice() {
            ["rest", "api", "1.0", "application-properties"] => {
                return crate::json(
                    StatusCode::OK,
                    json!({"version": self.version, "buildNumber": "9002001", "buildDate": "1727740800000", "displayName": "Bitbucket"}),
                );
            }
            ["rest", "authconfig", "1.0", "login-options"] => {
                let kind = if self.login_form { "LOGIN_FORM" } else { "IDP" };
                return crate::json(StatusCode::OK, json!({"results": [{"type": kind, "id": "1"}]}));
            }
            _ => {}
        }
        let principal = match self.authenticate(&call.credentials) {
            Ok(principal) => principal,
            Err(reply) => return reply,
        };
        let reply = match (&principal, route.as_slice()) {
            (_, ["rest", "api", "1.0", "repos"]) => {
                let wanted = call
                    .param("permission")
                    .and_then(Level::parse)
                    .map(|(l, _)| l)
                    .unwrap_or(Level::Read);
                let name = call.param("name").map(|n| n.trim().to_lowercase());
                let values: Vec<Value> = self
                    .repos()
                    .filter(|(key, _)| {
                        call.param("projectkey")
                            .is_none_or(|k| k.eq_ignore_ascii_case(key))
                    })
                    .filter(|(_, slug)| name.as_deref().is_none_or(|n| slug.to_lowercase().contains(n)))
                    .filter(|(key, slug)| principal.as_ref().is_some_and(|p| self.can(p, key, slug, wanted)))
                    .map(|(key, slug)| self.repo_json(call, key, slug))
                    .collect();
                self.paged(call, values)
            }
            (_, ["rest", "api", "1.0", "projects"]) => {
                let wanted = call.param("permission").map(|p| Level::parse(p).map(|(l, _)| l));
                let Some(wanted) = wanted.unwrap_or(Some(Level::Read)) else {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "Invalid permission",
                        "com.atlassian.bitbucket.rest.BadRequestException",
                    );
                };
                let values: Vec<Value> = self
                    .projects
                    .iter()
                    .filter(|(key, _)| call.param("name").is_none_or(|n| n.eq_ignore_ascii_case(key)))
                    .filter(|(key, repos)| {
                        principal
                            .as_ref()
                            .is_some_and(|p| repos.iter().any(|slug| self.can(p, key, slug, wanted)))
                    })
                    .map(|(key, _)| json!({"key": key, "name": key, "type": "NORMAL"}))
                    .collect();
                self.paged(call, values)
            }
            (None, _) => unauthenticated(),
            (Some(p), ["rest", "api", "1.0", "projects", key]) => {
                match self.projects.iter().find(|(k, _)| k == key) {
                    Some((key, repos)) if repos.iter().any(|slug| self.can(p, key, slug, Level::Read)) => {
                        crate::json(
                            StatusCode::OK,
                            json!({"key": key, "name": key, "links": {"self": [{"href": self.link(call, &format!("/projects/{key}"))}]}}),
                        )
                    }
                    _ => no_such("Project"),
                }
            }
            (Some(p), ["rest", "api", "1.0", "projects", key, "repos", slug]) => {
                if self.repos().any(|(k, s)| k == *key && s == *slug) && self.can(p, key, slug, Level::Read) {
                    crate::json(StatusCode::OK, self.repo_json(call, key, slug))
                } else {
                    no_such("Repository")
                }
            }
            (Some(p), ["rest", "api", "1.0", "projects", key, "repos"]) => {
                match self.projects.iter().find(|(k, _)| k == key) {
                    Some((key, repos)) if repos.iter().any(|slug| self.can(p, key, slug, Level::Read)) => {
                        let values: Vec<Value> = repos
                            .iter()
                            .filter(|slug| self.can(p, key, slug, Level::Read))
                            .map(|slug| self.repo_json(call, key, slug))
                            .collect();
                        self.paged(call, values)
                    }
                    _ => no_such("Project"),
                }
            }
            (
                Some(p),
                [
                    "rest",
                    "default-reviewers",
                    "1.0" | "latest",
                    "projects",
                    key,
                    "repos",
                    slug,
                    "conditions",
                ],
            ) => {
                if !(self.repos().any(|(k, s)| k == *key && s == *slug)
                    && self.can(p, key, slug, Level::Read))
                {
                    return with_user(no_such("Repository"), p);
                }
                let reviewers: Vec<Value> = self
                    .default_reviewers
                    .iter()
                    .filter(|(k, s, _)| k == key && s == slug)
                    .flat_map(|(_, _, users)| users)
                    .map(|(name, display)| json!({"name": name, "slug": name, "displayName": display, "active": true, "type": "NORMAL"}))
                    .collect();
                let conditions = if reviewers.is_empty() {
                    json!([])
                } else {
                    json!([{
                        "id": 1, "requiredApprovals": 1, "reviewers": reviewers,
                        "scope": {"type": "REPOSITORY", "resourceId": 7},
                        "sourceRefMatcher": {"id": "ANY_REF_MATCHER_ID", "displayId": "ANY_REF_MATCHER_ID", "type": {"id": "ANY_REF", "name": "Any branch"}},
                        "targetRefMatcher": {"id": "ANY_REF_MATCHER_ID", "displayId": "ANY_REF_MATCHER_ID", "type": {"id": "ANY_REF", "name": "Any branch"}}
                    }])
                };
                crate::json(StatusCode::OK, conditions)
            }
            (Some(p), ["rest", "access-tokens", "latest", "users", slug]) => self.tokens_of(p, slug, call),
            (Some(p), ["rest", "api", "1.0", "users", slug]) => {
                match self.users.iter().find(|u| u.name == *slug) {
                    Some(u) if !p.system => crate::json(
                        StatusCode::OK,
                        json!({"name": u.name, "slug": u.name, "id": 101, "displayName": u.display_name, "emailAddress": u.email, "active": true, "type": "NORMAL"}),
                    ),
                    _ => no_such("User"),
                }
            }
            _ => not_found(),
        };
        match principal {
            Some(p) => with_user(reply, &p),
            None => reply,
        }
    }
}

impl FakeDataCenter {
    /// Whether `p` holds `wanted` on `key/slug`: a token bound to a project or repository only
    /// there; a person by the most specific grant, else their usual level, capped by their token.
    fn can(&self, p: &Principal, key: &str, slug: &str, wanted: Level) -> bool {
        if let Some((project, repo)) = &p.bound {
            return project == key && repo.as_deref().is_none_or(|r| r == slug) && p.level >= wanted;
        }
        let grant = |repo: Option<&str>| {
            self.grants
                .iter()
                .find(|g| g.project == key && g.repo.as_deref() == repo)
                .map(|g| g.level)
        };
        let level = grant(Some(slug))
            .or_else(|| grant(None))
            .unwrap_or(Some(self.person_level(&p.name)));
        level.is_some_and(|l| l.min(p.cap) >= wanted)
    }

    fn person_level(&self, name: &str) -> Level {
        self.users
            .iter()
            .find(|u| u.name == name)
            .map(|u| u.level)
            .unwrap_or(Level::Read)
    }

    /// A page of `values` as Data Center pages: `start` and `limit` (25 unless asked, at most
    /// [`page_max`](Self::page_max)), `isLastPage` and `nextPageStart`; never the total.
    fn paged(&self, call: &Call, values: Vec<Value>) -> Reply {
        let limit = call
            .param("limit")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(25)
            .clamp(1, self.page_max);
        let start = call
            .param("start")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let total = values.len();
        let items: Vec<Value> = values.into_iter().skip(start).take(limit).collect();
        let last = start + items.len() >= total;
        let mut body =
            json!({"size": items.len(), "limit": limit, "start": start, "isLastPage": last, "values": items});
        if !last {
            body["nextPageStart"] = json!(start + limit);
        }
        crate::json(StatusCode::OK, body)
    }

    /// `GET /rest/access-tokens/latest/users/{slug}`: a user's own tokens, with their expiry and
    /// when each last authenticated (the one this request used: now).
    fn tokens_of(&self, p: &Principal, slug: &str, call: &Call) -> Reply {
        let Some(user) = self
            .users
            .iter()
            .find(|u| u.name == slug && u.name == p.name && !p.system)
        else {
            return unauthenticated();
        };
        let used = match &call.credentials {
            Credentials::Basic { secret, .. } | Credentials::Bearer(secret) => Some(secret.as_str()),
            _ => None,
        };
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let values: Vec<Value> = user
            .tokens
            .iter()
            .enumerate()
            .map(|(index, (token, _))| {
                let mut item = json!({
                    "id": format!("{}", 1000 + index),
                    "name": format!("token {}", index + 1),
                    "createdDate": 1_767_225_600_000_i64,
                    "lastAuthenticated": if used == Some(token.as_str()) { now_ms } else { 1_767_225_600_000_i64 },
                });
                if let Some(expiry) = self.token_expiry_ms.get(token) {
                    item["expiryDate"] = json!(expiry);
                }
                item
            })
            .collect();
        page(values)
    }

    fn repos(&self) -> impl Iterator<Item = (&str, &str)> {
        self.projects
            .iter()
            .flat_map(|(key, slugs)| slugs.iter().map(move |s| (key.as_str(), s.as_str())))
    }

    fn link(&self, call: &Call, path: &str) -> String {
        let host = self.link_host.clone().unwrap_or_else(|| call.host.clone());
        format!("http://{host}{}{path}", self.context)
    }

    fn repo_json(&self, call: &Call, key: &str, slug: &str) -> Value {
        json!({
            "slug": slug, "name": slug, "id": 7, "scmId": "git", "state": "AVAILABLE",
            "project": {"key": key, "name": key},
            "links": {
                "self": [{"href": self.link(call, &format!("/projects/{key}/repos/{slug}/browse"))}],
                "clone": [{"name": "http", "href": self.link(call, &format!("/scm/{}/{slug}.git", key.to_lowercase()))}]
            }
        })
    }

    /// `Ok(None)` for an anonymous request.
    fn authenticate(&self, credentials: &Credentials) -> Result<Option<Principal>, Reply> {
        let secret = match credentials {
            Credentials::Basic { secret, .. } | Credentials::Bearer(secret) => Some(secret),
            _ => None,
        };
        if secret.is_some_and(|s| self.revoked.lock().unwrap().contains(s)) {
            return Err(bad_credentials());
        }
        match credentials {
            Credentials::None => Ok(None),
            Credentials::Basic { user, secret } => {
                let mut failures = self.failures.lock().unwrap();
                let failed = failures.get(user).copied().unwrap_or(0);
                if failed >= self.captcha_after {
                    return Err(error(
                        StatusCode::UNAUTHORIZED,
                        "CAPTCHA required. Your Bitbucket account has been locked. To unlock it, log in via the website.",
                        "com.atlassian.bitbucket.auth.CaptchaRequiredAuthenticationException",
                    ));
                }
                let found = self.users.iter().find(|u| &u.name == user).and_then(|u| {
                    if &u.password == secret {
                        Some(u.level)
                    } else {
                        u.tokens
                            .iter()
                            .find(|(t, _)| t == secret)
                            .map(|(_, level)| (*level).min(u.level))
                    }
                });
                let cap = self
                    .users
                    .iter()
                    .find(|u| &u.name == user)
                    .and_then(|u| u.tokens.iter().find(|(t, _)| t == secret))
                    .map(|(_, level)| *level)
                    .unwrap_or(Level::Admin);
                match found {
                    Some(level) => Ok(Some(Principal {
                        name: user.clone(),
                        id: 101,
                        level,
                        cap,
                        bound: None,
                        system: false,
                    })),
                    None => {
                        failures.insert(user.clone(), failed + 1);
                        Err(bad_credentials())
                    }
                }
            }
            Credentials::Bearer(secret) => {
                for u in &self.users {
                    if let Some((_, cap)) = u.tokens.iter().find(|(t, _)| t == secret) {
                        let level = (*cap).min(u.level);
                        return Ok(Some(Principal {
                            name: u.name.clone(),
                            id: 101,
                            level,
                            cap: *cap,
                            bound: None,
                            system: false,
                        }));
                    }
                }
                match self.system_tokens.iter().find(|t| &t.token == secret) {
                    Some(t) => Ok(Some(Principal {
                        name: t.user_name.clone(),
                        id: 901,
                        level: t.level,
                        cap: t.level,
                        bound: Some((t.project.clone(), t.repo.clone())),
                        system: true,
                    })),
                    None => Err(bad_credentials()),
                }
            }
            Credentials::Unreadable => Err(bad_credentials()),
        }
    }
}

fn with_user(mut reply: Reply, p: &Principal) -> Reply {
    reply.headers_mut().insert("x-ausername", p.name.parse().unwrap());
    reply
        .headers_mut()
        .insert("x-auserid", p.id.to_string().parse().unwrap());
    reply
}

fn error(status: StatusCode, message: &str, exception: &str) -> Reply {
    crate::json(
        status,
        json!({"errors": [{"context": null, "message": message, "exceptionName": exception}]}),
    )
}

fn bad_credentials() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "Authentication failed. Please check your credentials and try again.",
        "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException",
    )
}

fn unauthenticated() -> Reply {
    error(
        StatusCode::UNAUTHORIZED,
        "You are not permitted to access this resource",
        "com.atlassian.bitbucket.AuthorisationException",
    )
}

fn no_such(what: &str) -> Reply {
    error(
        StatusCode::NOT_FOUND,
        &format!("{what} does not exist."),
        "com.atlassian.bitbucket.NoSuchEntityException",
    )
}

fn not_found() -> Reply {
    error(
        StatusCode::NOT_FOUND,
        "Not found",
        "com.atlassian.bitbucket.rest.NoSuchResourceException",
    )
}

fn page(values: Vec<Value>) -> Reply {
    crate::json(
        StatusCode::OK,
        json!({"size": values.len(), "limit": 100, "start": 0, "isLastPage": true, "values": values}),
    )
}
