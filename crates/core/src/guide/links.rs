//! The "Generate" links: the page where each kind of credential is created, what to do there, and
//! the checklist of scopes or permission to choose. Opening a link is only allowed for
//! Atlassian's hosts and the connection's own server.

use serde::{Deserialize, Serialize};
use specta::Type;
use url::Url;

use crate::domain::method::Method;
use crate::domain::scopes::{self, Profile, ScopeNaming};
use crate::domain::sniff::server_address;

/// Where and how to create a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct CredentialLink {
    /// The page to open; `None` when no page creates this kind any more (app passwords).
    pub url: Option<String>,
    /// What to do on that page, in Atlassian's own words for the buttons.
    pub steps: String,
    /// The scopes (Cloud) or the permission (Data Center) to choose.
    pub checklist: Vec<ChecklistItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ChecklistItem {
    pub name: String,
    pub why: String,
}

/// What a link is built from.
#[derive(Debug, Clone, Default)]
pub struct LinkTarget<'a> {
    /// Data Center base URL.
    pub server: Option<&'a Url>,
    /// Data Center version, when known (per-user token pages exist from 8.0).
    pub server_version: Option<&'a str>,
    pub username: Option<&'a str>,
    pub workspace: Option<&'a str>,
    pub project: Option<&'a str>,
    pub repository: Option<&'a str>,
}

/// What the dialog sends to get a Generate link: the chosen method and profile, and what the form
/// knows so far (the Data Center address as typed, its version, the names typed).
#[derive(Debug, Clone, Deserialize, Type)]
pub struct LinkInput {
    pub method: Method,
    pub profile: Profile,
    pub server: Option<String>,
    pub server_version: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
}

impl LinkInput {
    /// The Data Center base URL, when the typed address is one.
    pub fn server_base(&self) -> Option<Url> {
        self.server
            .as_deref()
            .and_then(|s| server_address(s).ok())
            .map(|a| a.base)
    }

    pub fn link(&self) -> CredentialLink {
        let base = self.server_base();
        let target = LinkTarget {
            server: base.as_ref(),
            server_version: self.server_version.as_deref(),
            username: self.username.as_deref(),
            workspace: self.workspace.as_deref(),
            project: self.project.as_deref(),
            repository: self.repository.as_deref(),
        };
        link(self.method, self.profile, &target)
    }

    /// Opens the link in the browser (only Atlassian's pages and this server's); the URL opened.
    pub fn open(&self) -> Result<String, OpenError> {
        let url = self.link().url.ok_or(OpenError::NoPage)?;
        open(&url, self.server_base().as_ref())?;
        Ok(url)
    }
}

const ATLASSIAN_HOSTS: &[&str] = &["id.atlassian.com", "bitbucket.org", "support.atlassian.com"];

pub fn link(method: Method, profile: Profile, target: &LinkTarget<'_>) -> CredentialLink {
    let checklist = checklist(method, profile);
    let cloud = |path: String| Some(format!("https://bitbucket.org/{path}"));
    let server = |path: String| {
        target
            .server
            .map(|base| format!("{}/{path}", base.as_str().trim_end_matches('/')))
    };
    let ws = target.workspace.unwrap_or("{workspace}");
    let (url, steps) = match method {
        Method::ApiToken | Method::AppPassword => (
            Some("https://id.atlassian.com/manage-profile/security/api-tokens".to_owned()),
            "Click \"Create API token with scopes\" (not \"Create API token\"), name it, choose an expiry date, choose the Bitbucket app, tick the scopes listed here, and create it. Copy the token: it is shown only once.",
        ),
        Method::RepositoryAccessToken => (
            cloud(format!(
                "{ws}/{}/admin/access-tokens",
                target.repository.unwrap_or("{repository}")
            )),
            "Click \"Create Repository Access Token\", name it, tick the scopes listed here, and create it. Copy the token: it is shown only once.",
        ),
        Method::ProjectAccessToken => (
            cloud(format!(
                "{ws}/workspace/projects/{}",
                target.project.unwrap_or("{project}")
            )),
            "Open Project settings, then Access tokens, click \"Create Project Access Token\", tick the scopes listed here, and create it. Copy the token: it is shown only once.",
        ),
        Method::WorkspaceAccessToken => (
            cloud(format!("{ws}/workspace/settings/access-tokens")),
            "Click \"Create Workspace Access Token\", name it, tick the scopes listed here, and create it. Copy the token: it is shown only once.",
        ),
        Method::Oauth => (
            cloud(format!("{ws}/workspace/settings")),
            "Open OAuth consumers, add a consumer with a callback URL and the permissions listed here. Signing in with it comes in a later version.",
        ),
        Method::PersonalToken => {
            let per_user = target
                .username
                .filter(|_| version_at_least_8(target.server_version));
            let path = match per_user {
                Some(user) => format!(
                    "plugins/servlet/access-tokens/users/{}/manage",
                    user.to_lowercase()
                ),
                None => "plugins/servlet/access-tokens/manage".to_owned(),
            };
            (
                server(path),
                "Click \"Create token\", name it, choose the permission listed here for projects and repositories, set an expiry date, and create it. Copy the token: it is shown only once. (Also under your avatar, Manage account, HTTP access tokens.)",
            )
        }
        Method::ProjectToken => (
            server(format!(
                "plugins/servlet/access-tokens/projects/{}/manage",
                target.project.unwrap_or("{project}")
            )),
            "Click \"Create token\" (project administrators only), choose the permission listed here, and create it. Copy the token: it is shown only once.",
        ),
        Method::RepositoryToken => (
            server(format!(
                "plugins/servlet/access-tokens/projects/{}/repos/{}/manage",
                target.project.unwrap_or("{project}"),
                target.repository.unwrap_or("{repository}")
            )),
            "Click \"Create token\" (repository administrators only), choose the permission listed here, and create it. Copy the token: it is shown only once.",
        ),
        Method::Basic => (
            None,
            "There is nothing to create: use the username and password you log in to the server with. A personal HTTP access token is safer.",
        ),
    };
    CredentialLink {
        url,
        steps: steps.to_owned(),
        checklist,
    }
}

fn version_at_least_8(version: Option<&str>) -> bool {
    version
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse::<u32>().ok())
        .is_some_and(|m| m >= 8)
}

/// The scopes or permission to choose, each with why it is needed.
pub fn checklist(method: Method, profile: Profile) -> Vec<ChecklistItem> {
    match ScopeNaming::for_method(method) {
        None => {
            let level = profile.datacenter_permission();
            let why = match profile {
                Profile::PullRequests => "to clone, push and work with pull requests",
                Profile::ReadOnly => "to browse and clone",
            };
            vec![ChecklistItem {
                name: level.id().to_owned(),
                why: why.to_owned(),
            }]
        }
        Some(_) => {
            let needed = scopes::cloud_required(method, profile);
            let mut items: Vec<ChecklistItem> = Vec::new();
            for (modern, why) in profile.cloud_scopes() {
                let name = match ScopeNaming::for_method(method) {
                    Some(ScopeNaming::ApiToken) => Some(*modern),
                    _ => scopes::legacy_equivalent(modern),
                };
                if let Some(name) = name.filter(|n| needed.iter().any(|x| x == n))
                    && !items.iter().any(|i| i.name == name)
                {
                    items.push(ChecklistItem {
                        name: name.to_owned(),
                        why: (*why).to_owned(),
                    });
                }
            }
            items
        }
    }
}

/// Whether the app may open `url`: https on Atlassian's hosts, or the connection's own server.
pub fn may_open(url: &str, own_server: Option<&Url>) -> bool {
    let Ok(url) = Url::parse(url) else { return false };
    let host = url.host_str().unwrap_or_default();
    if url.scheme() == "https" && ATLASSIAN_HOSTS.contains(&host) {
        return true;
    }
    own_server.is_some_and(|server| server.origin() == url.origin())
}

/// Opens an allowed link in the user's browser: `$BROWSER` when set (the usual convention on
/// Unix desktops, and how tests watch what would open), else the system's default handler.
pub fn open(url: &str, own_server: Option<&Url>) -> Result<(), OpenError> {
    if !may_open(url, own_server) {
        return Err(OpenError::NotAllowed(url.to_owned()));
    }
    let browser = std::env::var("BROWSER").unwrap_or_default();
    if let Some(program) = browser.split(':').next().filter(|p| !p.is_empty()) {
        return std::process::Command::new(program)
            .arg(url)
            .spawn()
            .map(|_| ())
            .map_err(|err| OpenError::Browser(format!("the browser {program} could not be started: {err}")));
    }
    open::that_detached(url)
        .map_err(|err| OpenError::Browser(format!("the browser could not be started: {err}")))
}

/// Why a link was not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("No page creates this kind of credential.")]
    NoPage,
    #[error("{0} is not an Atlassian page nor this connection's server: not opened")]
    NotAllowed(String),
    #[error("{0}")]
    Browser(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_token_link_lists_the_profile_scopes_in_full() {
        let link = link(Method::ApiToken, Profile::PullRequests, &LinkTarget::default());
        assert_eq!(
            link.url.as_deref(),
            Some("https://id.atlassian.com/manage-profile/security/api-tokens")
        );
        assert!(link.steps.contains("with scopes"));
        let names: Vec<&str> = link.checklist.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names.len(), 6);
        assert!(names.contains(&"write:pullrequest:bitbucket"));
    }

    #[test]
    fn access_token_links_point_into_the_repository_and_use_legacy_names() {
        let target = LinkTarget {
            workspace: Some("acme"),
            repository: Some("models"),
            ..Default::default()
        };
        let link = link(Method::RepositoryAccessToken, Profile::PullRequests, &target);
        assert_eq!(
            link.url.as_deref(),
            Some("https://bitbucket.org/acme/models/admin/access-tokens")
        );
        let names: Vec<&str> = link.checklist.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "repository",
                "repository:write",
                "pullrequest",
                "pullrequest:write"
            ]
        );
    }

    #[test]
    fn data_center_links_follow_the_version_and_the_context_path() {
        let base = Url::parse("https://git.example.com/bitbucket").unwrap();
        let new = LinkTarget {
            server: Some(&base),
            server_version: Some("9.2.1"),
            username: Some("Ada"),
            ..Default::default()
        };
        assert_eq!(
            link(Method::PersonalToken, Profile::ReadOnly, &new)
                .url
                .as_deref(),
            Some("https://git.example.com/bitbucket/plugins/servlet/access-tokens/users/ada/manage")
        );
        let old = LinkTarget {
            server: Some(&base),
            server_version: Some("7.21.0"),
            username: Some("ada"),
            ..Default::default()
        };
        let old_link = link(Method::PersonalToken, Profile::ReadOnly, &old);
        assert_eq!(
            old_link.url.as_deref(),
            Some("https://git.example.com/bitbucket/plugins/servlet/access-tokens/manage")
        );
        assert_eq!(old_link.checklist[0].name, "REPO_READ");
    }

    #[test]
    fn only_atlassian_and_the_own_server_may_be_opened() {
        let own = Url::parse("https://git.example.com/bitbucket").unwrap();
        assert!(may_open(
            "https://id.atlassian.com/manage-profile/security/api-tokens",
            None
        ));
        assert!(may_open(
            "https://git.example.com/bitbucket/plugins/servlet/access-tokens/manage",
            Some(&own)
        ));
        assert!(!may_open("https://evil.example.com/", Some(&own)));
        assert!(!may_open("http://bitbucket.org/", None));
        assert!(!may_open("javascript:alert(1)", None));
        assert!(!may_open("https://bitbucket.org.evil.example/", None));
    }
}
