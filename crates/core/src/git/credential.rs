//! Git's credential-helper protocol on top of the registry, so that
//! `credential.https://bitbucket.org.helper` set to `""` and then `"repoconn git-credential"` makes
//! git use a saved connection (the empty entry first, so that no other helper answers or copies).
//!
//! Git wants the git identity, never the REST one: for an API token that is the Bitbucket username
//! (or `x-bitbucket-api-token-auth`), not the email; access tokens use `x-token-auth`; Data Center
//! project and repository tokens can only be sent as a Bearer header, which git (2.46+) accepts
//! from a helper through `authtype`/`credential` when it announced `capability[]=authtype`.

use crate::domain::catalogue::StorageError;
use crate::domain::dates::{now, today};
use crate::domain::method::{API_TOKEN_GIT_USER, Method, ProviderKind, TOKEN_GIT_USER};
use crate::domain::secret::Secret;
use crate::domain::tokens::OauthTokens;
use crate::expiry::reminders::claim_helper_warning;
use crate::policy::PolicyState;
use crate::store::connection::{Connection, Status};
use crate::store::registry::Registry;

/// What git asks a helper to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Give a credential for this URL.
    Get,
    /// The credential worked.
    Store,
    /// The credential was refused.
    Erase,
}

impl Operation {
    /// `None` for operations this helper ignores (git may add more; helpers skip unknown ones).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "get" => Some(Self::Get),
            "store" => Some(Self::Store),
            "erase" => Some(Self::Erase),
            _ => None,
        }
    }
}

/// Why the helper did not answer git.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelperError {
    #[error("{} ({})", .0.message, .0.fix)]
    Storage(#[from] StorageError),
    #[error(
        "the saved {0} of this connection contains a line break or another control character, which git's credential protocol cannot carry safely; nothing was given to git (replace it: `repoconn rotate NAME`)"
    )]
    Unsafe(&'static str),
}

/// A value that would break git's line-based protocol (or smuggle in another key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsafeValue(pub &'static str);

impl From<UnsafeValue> for HelperError {
    fn from(value: UnsafeValue) -> Self {
        Self::Unsafe(value.0)
    }
}

fn protocol_safe(value: &str, what: &'static str) -> Result<(), UnsafeValue> {
    if value.chars().any(char::is_control) {
        Err(UnsafeValue(what))
    } else {
        Ok(())
    }
}

/// What the helper tells git for `get`.
#[derive(Debug)]
pub struct Answer {
    /// The lines for standard output (holding the secret).
    pub lines: Secret,
    /// One line for standard error when the connection expires within 7 days or has expired
    /// (once a day per connection): git shows it to the user.
    pub warning: Option<String>,
}

/// Carries out one request from git. For `get`, the answer, or `None` when no saved
/// connection may answer, so that git asks its next helper.
///
/// `store` never saves what was typed at a prompt: it only clears an earlier rejection when git
/// confirms our own secret works. `erase` records that git was refused, with the time, and keeps
/// the secret: a passing server error must not destroy a token.
pub fn handle(
    registry: &Registry,
    policy: &PolicyState,
    operation: Operation,
    query: &Query,
) -> Result<Option<Answer>, HelperError> {
    // A way to connect the administrator's policy forbids is never handed to git; while the
    // list of allowed ways cannot be read, what was saved before keeps working.
    let connections: Vec<Connection> = registry
        .list()?
        .into_iter()
        .filter(|c| policy.git_allows(c.method))
        .collect();
    let Some(connection) = find(&connections, query) else {
        return Ok(None);
    };
    let stored = registry.stored_secret(connection)?;
    let tokens = if connection.method.is_oauth() {
        OauthTokens::read(&stored)
    } else {
        None
    };
    let secret = tokens.as_ref().map_or(stored, OauthTokens::access);
    if operation == Operation::Get {
        let Some(lines) = answer(connection, &secret, query).map_err(HelperError::from)? else {
            return Ok(None);
        };
        // The warning is a courtesy: a file that cannot be written never keeps git waiting.
        let warning = claim_helper_warning(registry, &connection.name, today())
            .ok()
            .flatten();
        return Ok(Some(Answer {
            lines: with_expiry(lines, tokens.as_ref()),
            warning,
        }));
    }
    // Only a verdict about our own secret counts.
    let ours = query
        .password
        .as_ref()
        .is_some_and(|p| p.expose() == secret.expose());
    match operation {
        Operation::Erase if ours => {
            registry.update(&connection.name, |c| {
                c.status = Status::RejectedByGit;
                c.rejected_at = Some(now());
            })?;
        }
        Operation::Store if ours && connection.status == Status::RejectedByGit => {
            registry.update(&connection.name, |c| {
                c.status = Status::Valid;
                c.rejected_at = None;
            })?;
        }
        _ => {}
    }
    Ok(None)
}

/// A signed-in OAuth connection's answer also says when its access token expires, so that git
/// (2.41 and newer) never keeps using it past then; older versions ignore the line.
fn with_expiry(lines: Secret, tokens: Option<&OauthTokens>) -> Secret {
    match tokens {
        Some(tokens) => Secret::new(format!(
            "{}password_expiry_utc={}\n",
            lines.expose(),
            tokens.expires_at
        )),
        None => lines,
    }
}

/// What git sent: `key=value` lines up to an empty line.
#[derive(Debug, Default)]
pub struct Query {
    pub protocol: String,
    pub host: String,
    pub path: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub capabilities: Vec<String>,
}

impl Query {
    pub fn parse(input: &str) -> Self {
        let mut query = Query::default();
        for line in input.lines() {
            if line.is_empty() {
                break;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            match key {
                "protocol" => query.protocol = value.to_owned(),
                "host" => query.host = value.to_owned(),
                "path" => query.path = Some(value.trim_start_matches('/').to_owned()),
                "username" => query.username = Some(value.to_owned()),
                "password" => query.password = Some(Secret::new(value)),
                "capability[]" => query.capabilities.push(value.to_owned()),
                _ => {}
            }
        }
        query
    }

    fn can_take_bearer(&self) -> bool {
        self.capabilities.iter().any(|c| c == "authtype")
    }
}

/// What the helper tells git for a connection and its secret; `None` when this connection
/// cannot serve git as asked (a Bearer-only token and a git without `authtype`).
pub fn answer(
    connection: &Connection,
    secret: &Secret,
    query: &Query,
) -> Result<Option<Secret>, UnsafeValue> {
    protocol_safe(secret.expose(), "secret")?;
    match connection.method {
        Method::ProjectToken | Method::RepositoryToken => Ok(query.can_take_bearer().then(|| {
            Secret::new(format!(
                "capability[]=authtype\nauthtype=Bearer\ncredential={}\n",
                secret.expose()
            ))
        })),
        _ => {
            let Some(user) = git_username(connection) else {
                return Ok(None);
            };
            protocol_safe(&user, "username")?;
            Ok(Some(Secret::new(format!(
                "username={user}\npassword={}\n",
                secret.expose()
            ))))
        }
    }
}

/// The username git must send with this connection's secret.
pub fn git_username(connection: &Connection) -> Option<String> {
    match connection.method {
        Method::ApiToken => Some(
            connection
                .git_username
                .clone()
                .unwrap_or_else(|| API_TOKEN_GIT_USER.to_owned()),
        ),
        Method::RepositoryAccessToken
        | Method::ProjectAccessToken
        | Method::WorkspaceAccessToken
        | Method::Oauth => Some(TOKEN_GIT_USER.to_owned()),
        // Git sends Basic: the server's username beside the access token, as for personal tokens.
        Method::PersonalToken | Method::Basic | Method::DataCenterOauth => connection
            .git_username
            .clone()
            .or_else(|| connection.bitbucket_username.clone()),
        Method::AppPassword | Method::ProjectToken | Method::RepositoryToken => None,
    }
}

/// The first saved connection that may answer `query`: same host, inside the workspace, project
/// or repository a token is bound to (which needs `credential.useHttpPath`), the username git
/// already has (if any), and not a retired app password.
pub fn find<'a>(connections: &'a [Connection], query: &Query) -> Option<&'a Connection> {
    connections.iter().find(|c| serves(c, query))
}

fn serves(connection: &Connection, query: &Query) -> bool {
    if connection.status == Status::NeedsMigration || !same_host(&connection.git_host(), &query.host) {
        return false;
    }
    let plain_http_allowed = connection.allow_http || connection.base_url.starts_with("http://");
    if !(query.protocol == "https" || (query.protocol == "http" && plain_http_allowed)) {
        return false;
    }
    if let Some(user) = &query.username
        && git_username(connection).as_ref() != Some(user)
    {
        return false;
    }
    let path = query.path.as_deref();
    match connection.provider {
        ProviderKind::Cloud => cloud_path_fits(connection, path),
        ProviderKind::DataCenter => datacenter_path_fits(connection, path),
    }
}

/// Whether two `host[:port]` name the same server. Git sends a non-ASCII host name as typed
/// (`bücher.example`) while a saved base URL holds its ASCII form (`xn--bcher-kva.example`):
/// both are normalised by the URL parser first.
fn same_host(saved: &str, asked: &str) -> bool {
    let normal = |host: &str| {
        url::Url::parse(&format!("https://{host}/"))
            .ok()
            .and_then(|u| u.host_str().map(|h| (h.to_owned(), u.port())))
    };
    match (normal(saved), normal(asked)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `acme/models.git` → ("acme", "models").
fn split_repo_path(path: &str) -> (Option<&str>, Option<&str>) {
    let mut parts = path.trim_matches('/').split('/');
    let first = parts.next().filter(|s| !s.is_empty());
    let second = parts
        .next()
        .map(|s| s.trim_end_matches(".git"))
        .filter(|s| !s.is_empty());
    (first, second)
}

fn same(a: Option<&str>, b: Option<&String>) -> bool {
    matches!((a, b), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

fn cloud_path_fits(connection: &Connection, path: Option<&str>) -> bool {
    if !connection.method.is_cloud_access_token() {
        return true;
    }
    // A token bound to a resource needs the path to know it is the right one.
    let Some(path) = path else { return false };
    let (workspace, repository) = split_repo_path(path);
    match connection.method {
        Method::RepositoryAccessToken => {
            same(workspace, connection.workspace.as_ref()) && same(repository, connection.repository.as_ref())
        }
        _ => same(workspace, connection.workspace.as_ref()),
    }
}

fn datacenter_path_fits(connection: &Connection, path: Option<&str>) -> bool {
    let context = url::Url::parse(&connection.base_url)
        .map(|u| u.path().trim_matches('/').to_owned())
        .unwrap_or_default();
    let bound = matches!(connection.method, Method::ProjectToken | Method::RepositoryToken);
    let Some(path) = path else { return !bound };
    let rest = if context.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(context.as_str())
            .filter(|r| r.is_empty() || r.starts_with('/'))
    };
    let Some(rest) = rest else { return false };
    if !bound {
        return true;
    }
    let rest = rest.trim_start_matches('/');
    let Some(repo_path) = rest.strip_prefix("scm/") else {
        return false;
    };
    let (project, repository) = split_repo_path(repo_path);
    let project_fits = same(project, connection.project.as_ref());
    match connection.method {
        Method::RepositoryToken => project_fits && same(repository, connection.repository.as_ref()),
        _ => project_fits,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(method: Method, base: &str) -> Connection {
        Connection {
            provider: method.provider(),
            base_url: base.into(),
            method,
            workspace: Some("acme".into()),
            project: Some("DATA".into()),
            repository: Some("models".into()),
            ..Connection::sample("c")
        }
    }

    fn answer_text(c: &Connection, secret: &Secret, q: &Query) -> Option<String> {
        answer(c, secret, q).unwrap().map(|a| a.expose().to_owned())
    }

    fn query(text: &str) -> Query {
        Query::parse(text)
    }

    #[test]
    fn an_api_token_answers_with_the_username_never_the_email() {
        let c = connection(Method::ApiToken, "https://api.bitbucket.org/");
        let q = query("protocol=https\nhost=bitbucket.org\n\n");
        assert!(find(std::slice::from_ref(&c), &q).is_some());
        let text = answer_text(&c, &Secret::new("tok"), &q).unwrap();
        assert_eq!(text, "username=ada\npassword=tok\n");
        let mut unknown = c.clone();
        unknown.git_username = None;
        assert!(
            answer_text(&unknown, &Secret::new("tok"), &q)
                .unwrap()
                .starts_with("username=x-bitbucket-api-token-auth\n")
        );
    }

    #[test]
    fn access_tokens_need_the_path_of_their_repository() {
        let c = connection(Method::RepositoryAccessToken, "https://api.bitbucket.org/");
        let all = [c.clone()];
        assert!(
            find(
                &all,
                &query("protocol=https\nhost=bitbucket.org\npath=acme/models.git\n")
            )
            .is_some()
        );
        assert!(
            find(
                &all,
                &query("protocol=https\nhost=bitbucket.org\npath=acme/other.git\n")
            )
            .is_none()
        );
        assert!(find(&all, &query("protocol=https\nhost=bitbucket.org\n")).is_none());
        let q = query("protocol=https\nhost=bitbucket.org\npath=acme/models.git\n");
        assert!(
            answer_text(&c, &Secret::new("t"), &q)
                .unwrap()
                .starts_with("username=x-token-auth\n")
        );
    }

    #[test]
    fn data_center_tokens_match_host_port_and_context_path() {
        let c = connection(Method::PersonalToken, "https://git.example.com:8443/bitbucket");
        let all = [c];
        assert!(
            find(
                &all,
                &query("protocol=https\nhost=git.example.com:8443\npath=bitbucket/scm/data/models.git\n")
            )
            .is_some()
        );
        assert!(find(&all, &query("protocol=https\nhost=git.example.com\n")).is_none());
        assert!(
            find(
                &all,
                &query("protocol=https\nhost=git.example.com:8443\npath=other/scm/x/y.git\n")
            )
            .is_none()
        );
        assert!(
            find(&all, &query("protocol=http\nhost=git.example.com:8443\n")).is_none(),
            "no downgrade to http"
        );
    }

    #[test]
    fn project_tokens_go_as_bearer_only_to_a_git_that_can_take_it() {
        let c = connection(Method::ProjectToken, "https://git.example.com/");
        let old_git = query("protocol=https\nhost=git.example.com\npath=scm/data/models.git\n");
        assert!(find(std::slice::from_ref(&c), &old_git).is_some());
        assert_eq!(answer_text(&c, &Secret::new("t"), &old_git), None);
        let new_git =
            query("capability[]=authtype\nprotocol=https\nhost=git.example.com\npath=scm/data/models.git\n");
        assert_eq!(
            answer_text(&c, &Secret::new("t"), &new_git).unwrap(),
            "capability[]=authtype\nauthtype=Bearer\ncredential=t\n"
        );
        let other_project = query("protocol=https\nhost=git.example.com\npath=scm/web/site.git\n");
        assert!(find(std::slice::from_ref(&c), &other_project).is_none());
    }

    #[test]
    fn a_username_in_the_url_must_match_and_app_passwords_are_never_served() {
        let c = connection(Method::ApiToken, "https://api.bitbucket.org/");
        assert!(
            find(
                std::slice::from_ref(&c),
                &query("protocol=https\nhost=bitbucket.org\nusername=bob\n")
            )
            .is_none()
        );
        let mut retired = connection(Method::AppPassword, "https://api.bitbucket.org/");
        retired.status = Status::NeedsMigration;
        assert!(find(&[retired], &query("protocol=https\nhost=bitbucket.org\n")).is_none());
    }

    #[test]
    fn values_that_would_break_the_protocol_are_never_given_to_git() {
        let c = connection(Method::ApiToken, "https://api.bitbucket.org/");
        let q = query("protocol=https\nhost=bitbucket.org\n\n");
        let injected = Secret::new("tok\nusername=attacker");
        assert_eq!(answer(&c, &injected, &q).unwrap_err(), UnsafeValue("secret"));
        let mut odd = c.clone();
        odd.git_username = Some("ada\0".into());
        assert_eq!(
            answer(&odd, &Secret::new("tok"), &q).unwrap_err(),
            UnsafeValue("username")
        );
    }

    #[test]
    fn a_non_ascii_host_name_finds_its_connection() {
        let c = connection(Method::PersonalToken, "https://b\u{fc}cher.example:7990/");
        assert_eq!(c.git_host(), "xn--bcher-kva.example:7990");
        let q = query("protocol=https\nhost=b\u{fc}cher.example:7990\n\n");
        assert!(find(std::slice::from_ref(&c), &q).is_some());
        let other = query("protocol=https\nhost=bucher.example:7990\n\n");
        assert!(find(std::slice::from_ref(&c), &other).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config {
            cases: 1000,
            failure_persistence: None,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x6769_7468_656c_7065),
            ..Default::default()
        })]

        /// Whatever git (or anything posing as git) sends, reading it never panics and never keeps
        /// more than one value per key line.
        #[test]
        fn any_input_is_read_without_panic(input in "(?s).{0,400}") {
            let query = Query::parse(&input);
            proptest::prop_assert!(!query.host.contains('\n'));
        }

        /// What we answer is exactly the key=value lines git expects, and reading it back gives
        /// the same username and secret: nothing can be smuggled in as another key.
        #[test]
        fn answers_round_trip_or_are_refused(secret in "(?s).{1,60}", user in "(?s).{1,30}") {
            let mut c = connection(Method::ApiToken, "https://api.bitbucket.org/");
            c.git_username = Some(user.clone());
            let q = query("protocol=https\nhost=bitbucket.org\n\n");
            match answer(&c, &Secret::new(secret.clone()), &q) {
                Ok(Some(text)) => {
                    let lines: Vec<&str> = text.expose().lines().collect();
                    proptest::prop_assert_eq!(lines.len(), 2);
                    let back = Query::parse(text.expose());
                    proptest::prop_assert_eq!(back.username.as_deref(), Some(user.as_str()));
                    proptest::prop_assert_eq!(back.password.map(|p| p.expose().to_owned()), Some(secret));
                }
                Ok(None) => proptest::prop_assert!(false, "an API token always has a git username"),
                Err(_) => proptest::prop_assert!(secret.chars().chain(user.chars()).any(char::is_control)),
            }
        }
    }
}
