//! The "Generate" links: the page where each kind of credential is created, what to do there, and
//! the checklist of scopes or permissions to choose, in the words of Atlassian's page. A link is
//! made only once every value its address needs is filled in and the server's version can issue
//! that kind; otherwise it says why not. Opening a link is only allowed for Atlassian's hosts and
//! the connection's own server.

use serde::{Deserialize, Serialize};
use specta::Type;
use url::Url;

use crate::domain::method::Method;
use crate::domain::scopes::{self, Permission, Profile, ScopeNaming};
use crate::domain::sniff::server_address;
use crate::domain::version;
use crate::oauth::DATA_CENTER_REDIRECT;
use crate::oauth::server::HTTP_REDIRECT_PROPERTY;

/// Where and how to create a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct CredentialLink {
    /// The page to open; `None` when no page creates this kind (app passwords, passwords), and
    /// while `blocked` says why none can be opened yet.
    pub url: Option<String>,
    /// What to do on that page, in Atlassian's own words for the buttons.
    pub steps: String,
    /// The scopes (Cloud) or the permissions (Data Center) to choose; empty for passwords.
    pub checklist: Vec<ChecklistItem>,
    /// The values the page's address is built from that are not filled in yet.
    pub missing: Vec<LinkValue>,
    /// Why no page can be opened yet, for under the Generate button: what to fill in, or that
    /// this server's version cannot issue this kind.
    pub blocked: Option<String>,
}

/// One scope or permission to choose on Atlassian's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ChecklistItem {
    /// As Bitbucket's API names it (`repository:write`, `REPO_WRITE`).
    pub name: String,
    /// As the person sees it on Atlassian's page ("Repositories: Write").
    pub label: String,
    /// The control it is on that page.
    pub kind: ChecklistKind,
    pub why: String,
}

/// The control a checklist item is on. Only a name typed into a search field gains from a Copy
/// button; a checkbox or a drop-down is clicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ChecklistKind {
    /// A checkbox in a long list that its search field filters by name (Atlassian's scope
    /// picker for API tokens, which lists each scope by its name).
    SearchableCheckbox,
    /// A checkbox under its group (Bitbucket's access-token and OAuth consumer forms).
    Checkbox,
    /// A choice in a drop-down (Data Center's "Create token" form).
    DropDown,
}

/// A value the address of a Generate page is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum LinkValue {
    Server,
    Workspace,
    Project,
    Repository,
}

impl LinkValue {
    /// The label of the form field that holds it (the words of `form::options`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Server => "Server address",
            Self::Workspace => "Workspace",
            Self::Project => "Project key",
            Self::Repository => "Repository",
        }
    }
}

/// What a link is built from.
#[derive(Debug, Clone, Default)]
pub struct LinkTarget<'a> {
    /// Data Center base URL.
    pub server: Option<&'a Url>,
    /// Data Center version, when known: older servers lack some kinds and the per-user pages.
    pub server_version: Option<&'a str>,
    pub username: Option<&'a str>,
    pub workspace: Option<&'a str>,
    pub project: Option<&'a str>,
    pub repository: Option<&'a str>,
}

impl LinkTarget<'_> {
    /// The value, when filled in (blank counts as not filled).
    fn value(&self, which: LinkValue) -> Option<&str> {
        let text = match which {
            LinkValue::Server => self.server.map(Url::as_str),
            LinkValue::Workspace => self.workspace,
            LinkValue::Project => self.project,
            LinkValue::Repository => self.repository,
        };
        text.map(str::trim).filter(|t| !t.is_empty())
    }
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
        let link = self.link();
        if let Some(reason) = link.blocked {
            return Err(OpenError::Blocked(reason));
        }
        let url = link.url.ok_or(OpenError::NoPage)?;
        open(&url, self.server_base().as_ref())?;
        Ok(url)
    }
}

const ATLASSIAN_HOSTS: &[&str] = &["id.atlassian.com", "bitbucket.org", "support.atlassian.com"];
const API_TOKENS_PAGE: &str = "https://id.atlassian.com/manage-profile/security/api-tokens";

/// The page that creates `method`'s credentials for `target`, the steps there and what to choose.
/// No address is made while a value it needs is missing or the server's version cannot issue
/// this kind: `blocked` then says why.
pub fn link(method: Method, profile: Profile, target: &LinkTarget<'_>) -> CredentialLink {
    let missing: Vec<LinkValue> = needs(method)
        .iter()
        .copied()
        .filter(|v| target.value(*v).is_none())
        .collect();
    // A version that cannot issue this kind comes first: filling in fields would not help.
    let too_old = target
        .server_version
        .and_then(|version| version::cannot_issue(method, version));
    let blocked = too_old.or_else(|| (!missing.is_empty()).then(|| fill_in(method, &missing)));
    CredentialLink {
        url: if blocked.is_none() {
            page(method, target)
        } else {
            None
        },
        steps: steps(method, target),
        checklist: checklist(method, profile),
        missing,
        blocked,
    }
}

/// The values the page of `method` is addressed by.
pub fn needs(method: Method) -> &'static [LinkValue] {
    use LinkValue::*;
    match method {
        Method::RepositoryAccessToken => &[Workspace, Repository],
        Method::ProjectAccessToken => &[Workspace, Project],
        Method::WorkspaceAccessToken | Method::Oauth => &[Workspace],
        Method::PersonalToken | Method::DataCenterOauth => &[Server],
        Method::ProjectToken => &[Server, Project],
        Method::RepositoryToken => &[Server, Project, Repository],
        Method::ApiToken | Method::AppPassword | Method::Basic => &[],
    }
}

/// "Fill in Workspace and Repository to open the page that creates this token."
fn fill_in(method: Method, missing: &[LinkValue]) -> String {
    let labels: Vec<&str> = missing.iter().map(|v| v.label()).collect();
    let list = match labels.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let what = match method {
        Method::Oauth => "OAuth consumer",
        Method::DataCenterOauth => "application link",
        _ => "token",
    };
    format!("Fill in {list} to open the page that creates this {what}.")
}

/// The page's address; `None` when no page creates this kind or a value is missing.
fn page(method: Method, t: &LinkTarget<'_>) -> Option<String> {
    use LinkValue::*;
    let cloud = |segments: &[&str]| on(&Url::parse("https://bitbucket.org/").ok()?, segments);
    let tokens = ["plugins", "servlet", "access-tokens"];
    match method {
        Method::ApiToken => Some(API_TOKENS_PAGE.to_owned()),
        Method::AppPassword | Method::Basic => None,
        Method::RepositoryAccessToken => cloud(&[
            t.value(Workspace)?,
            t.value(Repository)?,
            "admin",
            "access-tokens",
        ]),
        Method::ProjectAccessToken => {
            cloud(&[t.value(Workspace)?, "workspace", "projects", t.value(Project)?])
        }
        Method::WorkspaceAccessToken => {
            cloud(&[t.value(Workspace)?, "workspace", "settings", "access-tokens"])
        }
        Method::Oauth => cloud(&[t.value(Workspace)?, "workspace", "settings"]),
        // Administrators only: where incoming application links are created.
        Method::DataCenterOauth => on(
            t.server?,
            &["plugins", "servlet", "applinks", "listApplicationLinks"],
        ),
        Method::PersonalToken => {
            // From 8.0 each user has their own page; older servers have one page for the
            // signed-in user, which 8.0 and later still open too.
            let slug = t
                .username
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .filter(|_| {
                    t.server_version
                        .is_some_and(|v| version::at_least(v, version::PER_USER_TOKEN_PAGES))
                })
                .map(str::to_lowercase);
            match slug {
                Some(slug) => on(t.server?, &[&tokens[..], &["users", &slug, "manage"]].concat()),
                None => on(t.server?, &[&tokens[..], &["manage"]].concat()),
            }
        }
        Method::ProjectToken => on(
            t.server?,
            &[&tokens[..], &["projects", t.value(Project)?, "manage"]].concat(),
        ),
        Method::RepositoryToken => on(
            t.server?,
            &[
                &tokens[..],
                &[
                    "projects",
                    t.value(Project)?,
                    "repos",
                    t.value(Repository)?,
                    "manage",
                ],
            ]
            .concat(),
        ),
    }
}

/// `base` with `segments` appended, each encoded as one path segment (a typed name cannot
/// reach another path).
fn on(base: &Url, segments: &[&str]) -> Option<String> {
    let mut url = base.clone();
    url.path_segments_mut().ok()?.pop_if_empty().extend(segments);
    Some(url.into())
}

fn steps(method: Method, target: &LinkTarget<'_>) -> String {
    let tokens_here = target
        .server_version
        .is_none_or(|v| version::cannot_issue(Method::PersonalToken, v).is_none());
    match method {
        // A token is recommended only where the server can issue one.
        Method::Basic if !tokens_here => {
            "There is nothing to create: use the username and password you log in to the server with."
                .to_owned()
        }
        Method::DataCenterOauth => format!(
            "Your server's administrators create it once for everyone: Create link, External application, Incoming, with the redirect URL {DATA_CENTER_REDIRECT} and the permissions listed here. The server accepts an http:// redirect URL only when it was started with -D{HTTP_REDIRECT_PROPERTY}=true. Then sign in with the link's client ID (in the app: Sign in with Bitbucket; on the command line: repoconn add NAME --server URL --method oauth --client-id ID)."
        ),
        _ => usual_steps(method).to_owned(),
    }
}

fn usual_steps(method: Method) -> &'static str {
    match method {
        Method::ApiToken | Method::AppPassword => {
            "Click \"Create API token with scopes\" (not \"Create API token\"), name it, choose an expiry date, choose the Bitbucket app, tick the scopes listed here, and create it. Copy the token: it is shown only once."
        }
        Method::RepositoryAccessToken => {
            "Click \"Create Repository Access Token\", name it, tick the scopes listed here, and create it. Copy the token: it is shown only once."
        }
        Method::ProjectAccessToken => {
            "Open Project settings, then Access tokens, click \"Create Project Access Token\", tick the scopes listed here, and create it. Copy the token: it is shown only once."
        }
        Method::WorkspaceAccessToken => {
            "Click \"Create Workspace Access Token\", name it, tick the scopes listed here, and create it. Copy the token: it is shown only once."
        }
        Method::Oauth => {
            "Open OAuth consumers, add a consumer with the callback URL http://127.0.0.1 and the permissions listed here, then sign in with its key and secret (in the app: Sign in with Bitbucket; on the command line: repoconn add NAME --cloud --method oauth --client-id KEY)."
        }
        // Worded with the redirect address in `steps`.
        Method::DataCenterOauth => "",
        Method::PersonalToken => {
            "Click \"Create token\", name it, choose the permissions listed here, set an expiry date, and create it. Copy the token: it is shown only once. (Also under your avatar, Manage account, HTTP access tokens.)"
        }
        Method::ProjectToken => {
            "Click \"Create token\" (project administrators only), choose the permissions listed here, and create it. Copy the token: it is shown only once."
        }
        Method::RepositoryToken => {
            "Click \"Create token\" (repository administrators only), choose the permission listed here, and create it. Copy the token: it is shown only once."
        }
        Method::Basic => {
            "There is nothing to create: use the username and password you log in to the server with. A personal HTTP access token is safer."
        }
    }
}

/// The scopes or permissions to choose, each as the page shows it and with why it is needed.
/// Passwords are not created with scopes: there is nothing to choose for them.
pub fn checklist(method: Method, profile: Profile) -> Vec<ChecklistItem> {
    if matches!(method, Method::Basic | Method::AppPassword) {
        return Vec::new();
    }
    match ScopeNaming::for_method(method) {
        None => data_center_checklist(method, profile),
        Some(naming) => {
            let mut items = cloud_checklist(method, profile, naming);
            // Atlassian's scope picker lists reading scopes before writing ones.
            items.sort_by_key(|item| !scopes::reads_only(&item.name));
            items
        }
    }
}

fn cloud_checklist(method: Method, profile: Profile, naming: ScopeNaming) -> Vec<ChecklistItem> {
    let needed = scopes::cloud_required(method, profile);
    let mut items: Vec<ChecklistItem> = Vec::new();
    for (modern, why) in profile.cloud_scopes() {
        // Atlassian's API-token picker lists each scope by its name; Bitbucket's other forms
        // show checkboxes under groups.
        let (name, label, kind) = match naming {
            ScopeNaming::ApiToken => (*modern, *modern, ChecklistKind::SearchableCheckbox),
            ScopeNaming::Legacy => {
                let Some(legacy) = scopes::legacy_equivalent(modern) else {
                    continue;
                };
                let label = scopes::legacy_label(legacy).unwrap_or(legacy);
                (legacy, label, ChecklistKind::Checkbox)
            }
        };
        if needed.iter().any(|n| n == name) && !items.iter().any(|i| i.name == name) {
            items.push(ChecklistItem {
                name: name.to_owned(),
                label: label.to_owned(),
                kind,
                why: (*why).to_owned(),
            });
        }
    }
    items
}

/// Data Center's "Create token" form has a "Project permissions" drop-down (except for a
/// repository's own tokens) above a "Repository permissions" one.
fn data_center_checklist(method: Method, profile: Profile) -> Vec<ChecklistItem> {
    if method == Method::DataCenterOauth {
        return oauth_link_checklist(profile);
    }
    let item = |level: Permission, why: &str| ChecklistItem {
        name: level.id().to_owned(),
        label: level.form_label().to_owned(),
        kind: ChecklistKind::DropDown,
        why: why.to_owned(),
    };
    let mut items = Vec::new();
    if method != Method::RepositoryToken {
        items.push(item(
            Permission::ProjectRead,
            "the lowest is enough: the repository permission decides what it may do",
        ));
    }
    let why = match profile {
        Profile::PullRequests => "to clone, push and work with pull requests",
        Profile::ReadOnly => "to browse and clone",
    };
    items.push(item(profile.datacenter_permission(), why));
    items
}

/// An incoming application link lists its permissions as checkboxes, one per scope.
fn oauth_link_checklist(profile: Profile) -> Vec<ChecklistItem> {
    scopes::data_center_oauth_scopes(&[profile.datacenter_permission()])
        .into_iter()
        .filter_map(|scope| {
            let label = scopes::data_center_oauth_label(scope)?;
            let why = match scope {
                "REPO_READ" => "to browse and clone, and to comment on pull requests",
                _ => "to push and to merge pull requests",
            };
            Some(ChecklistItem {
                name: scope.to_owned(),
                label: label.to_owned(),
                kind: ChecklistKind::Checkbox,
                why: why.to_owned(),
            })
        })
        .collect()
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
    /// A value the address needs is missing, or the server cannot issue this kind.
    #[error("{0}")]
    Blocked(String),
    #[error("{0} is not an Atlassian page nor this connection's server: not opened")]
    NotAllowed(String),
    #[error("{0}")]
    Browser(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(link: &CredentialLink) -> Vec<&str> {
        link.checklist.iter().map(|i| i.name.as_str()).collect()
    }

    fn labels(link: &CredentialLink) -> Vec<&str> {
        link.checklist.iter().map(|i| i.label.as_str()).collect()
    }

    #[test]
    fn api_token_link_lists_the_profile_scopes_by_name_reads_first() {
        let link = link(Method::ApiToken, Profile::PullRequests, &LinkTarget::default());
        assert_eq!(link.url.as_deref(), Some(API_TOKENS_PAGE));
        assert!(link.steps.contains("with scopes"));
        assert_eq!(
            names(&link),
            [
                "read:user:bitbucket",
                "read:workspace:bitbucket",
                "read:repository:bitbucket",
                "read:pullrequest:bitbucket",
                "write:repository:bitbucket",
                "write:pullrequest:bitbucket",
            ]
        );
        // Atlassian's picker lists scopes by name, with a search field: copying the name helps.
        assert_eq!(labels(&link), names(&link));
        assert!(
            link.checklist
                .iter()
                .all(|i| i.kind == ChecklistKind::SearchableCheckbox)
        );
        assert!(link.missing.is_empty() && link.blocked.is_none());
    }

    #[test]
    fn access_token_links_point_into_the_repository_with_the_forms_checkboxes() {
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
        assert_eq!(
            names(&link),
            [
                "repository",
                "pullrequest",
                "repository:write",
                "pullrequest:write"
            ]
        );
        assert_eq!(
            labels(&link),
            [
                "Repositories: Read",
                "Pull requests: Read",
                "Repositories: Write",
                "Pull requests: Write"
            ]
        );
        assert!(link.checklist.iter().all(|i| i.kind == ChecklistKind::Checkbox));
    }

    #[test]
    fn a_link_whose_address_lacks_a_value_names_it_instead() {
        let only_workspace = LinkTarget {
            workspace: Some("acme"),
            repository: Some("  "),
            ..Default::default()
        };
        let link = link(
            Method::RepositoryAccessToken,
            Profile::PullRequests,
            &only_workspace,
        );
        assert_eq!(link.url, None);
        assert_eq!(link.missing, [LinkValue::Repository]);
        assert_eq!(
            link.blocked.as_deref(),
            Some("Fill in Repository to open the page that creates this token.")
        );
        // The checklist and steps are still there to read meanwhile.
        assert_eq!(link.checklist.len(), 4);

        let nothing = LinkTarget::default();
        let repo_token = super::link(Method::RepositoryToken, Profile::ReadOnly, &nothing);
        assert_eq!(
            repo_token.missing,
            [LinkValue::Server, LinkValue::Project, LinkValue::Repository]
        );
        assert_eq!(
            repo_token.blocked.as_deref(),
            Some(
                "Fill in Server address, Project key and Repository to open the page that creates this token."
            )
        );
        let workspace = super::link(Method::WorkspaceAccessToken, Profile::ReadOnly, &nothing);
        assert_eq!(
            serde_json::to_value(&workspace.missing).unwrap(),
            serde_json::json!(["workspace"])
        );
        for method in Method::ALL {
            let link = super::link(method, Profile::PullRequests, &nothing);
            assert!(
                !link.url.unwrap_or_default().contains('{'),
                "{method} makes an address with a placeholder"
            );
        }
    }

    #[test]
    fn typed_values_stay_one_path_segment() {
        let target = LinkTarget {
            workspace: Some("acme/../evil?x=1"),
            repository: Some("models"),
            ..Default::default()
        };
        let link = link(Method::RepositoryAccessToken, Profile::ReadOnly, &target);
        assert_eq!(
            link.url.as_deref(),
            Some("https://bitbucket.org/acme%2F..%2Fevil%3Fx=1/models/admin/access-tokens")
        );
    }

    #[test]
    fn a_data_center_application_link_names_its_redirect_its_scopes_and_its_release() {
        let base = Url::parse("https://git.example.com/bitbucket").unwrap();
        let target = LinkTarget {
            server: Some(&base),
            server_version: Some("9.2.1"),
            ..Default::default()
        };
        let link = link(Method::DataCenterOauth, Profile::PullRequests, &target);
        assert_eq!(
            link.url.as_deref(),
            Some("https://git.example.com/bitbucket/plugins/servlet/applinks/listApplicationLinks")
        );
        assert!(link.steps.contains(DATA_CENTER_REDIRECT), "{}", link.steps);
        assert!(link.steps.contains(HTTP_REDIRECT_PROPERTY), "{}", link.steps);
        assert_eq!(names(&link), ["REPO_READ", "REPO_WRITE"]);
        assert!(link.checklist.iter().all(|i| i.kind == ChecklistKind::Checkbox));
        let read_only = super::link(Method::DataCenterOauth, Profile::ReadOnly, &target);
        assert_eq!(names(&read_only), ["REPO_READ"]);
        let old = LinkTarget {
            server_version: Some("7.19.2"),
            ..target
        };
        let blocked = super::link(Method::DataCenterOauth, Profile::ReadOnly, &old).blocked;
        assert!(blocked.unwrap().contains("7.20"));
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
        assert_eq!(names(&old_link), ["PROJECT_READ", "REPO_READ"]);
    }

    #[test]
    fn a_server_too_old_for_the_kind_gets_no_link() {
        let base = Url::parse("https://git.example.com/").unwrap();
        let target = LinkTarget {
            server: Some(&base),
            server_version: Some("5.4.0"),
            project: Some("DATA"),
            ..Default::default()
        };
        let personal = link(Method::PersonalToken, Profile::PullRequests, &target);
        assert_eq!(personal.url, None);
        assert_eq!(
            personal.blocked.as_deref(),
            Some("Needs Bitbucket 5.5 or newer; this server runs 5.4.0.")
        );
        let project = link(Method::ProjectToken, Profile::PullRequests, &target);
        assert!(project.blocked.unwrap().contains("7.17"));
        // Passwords need nothing from the server's version, and no token is recommended there.
        let basic = link(Method::Basic, Profile::PullRequests, &target);
        assert_eq!(basic.blocked, None);
        assert!(!basic.steps.contains("token"), "{}", basic.steps);
        let unknown = link(Method::Basic, Profile::PullRequests, &LinkTarget::default());
        assert!(unknown.steps.contains("personal HTTP access token is safer"));
    }

    #[test]
    fn data_center_permissions_are_the_drop_downs_of_the_token_form() {
        let link = link(
            Method::PersonalToken,
            Profile::PullRequests,
            &LinkTarget::default(),
        );
        assert_eq!(
            labels(&link),
            ["Project permissions: Read", "Repository permissions: Write"]
        );
        assert!(link.checklist.iter().all(|i| i.kind == ChecklistKind::DropDown));
        let repo = checklist(Method::RepositoryToken, Profile::PullRequests);
        assert_eq!(repo.len(), 1);
        assert_eq!(repo[0].name, "REPO_WRITE");
    }

    #[test]
    fn passwords_have_nothing_to_tick() {
        for method in [Method::Basic, Method::AppPassword] {
            assert!(checklist(method, Profile::PullRequests).is_empty(), "{method}");
        }
    }

    #[test]
    fn the_missing_values_carry_the_forms_labels() {
        use crate::domain::method::Field;
        let options = crate::guide::form::options(&Default::default());
        let label_of = |field: Field| {
            options
                .providers
                .iter()
                .flat_map(|p| &p.methods)
                .flat_map(|m| &m.fields)
                .find(|f| f.field == field)
                .map(|f| f.label.clone())
                .unwrap()
        };
        assert_eq!(LinkValue::Workspace.label(), label_of(Field::Workspace));
        assert_eq!(LinkValue::Project.label(), label_of(Field::Project));
        assert_eq!(LinkValue::Repository.label(), label_of(Field::Repository));
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
