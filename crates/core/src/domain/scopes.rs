//! What a credential must be allowed to do: scope profiles for Bitbucket Cloud, permission levels
//! for Data Center, and the mapping between Cloud's two scope vocabularies.
//!
//! Cloud has two sets of scope names. API tokens use the `read:repository:bitbucket` family, where
//! no scope implies another. Access tokens, app passwords and OAuth consumers use the older names
//! (`repository`, `pullrequest:write`...), where some scopes include others.

use serde::{Deserialize, Serialize};
use specta::Type;

use crate::domain::method::Method;

/// A named set of needs, chosen by what the integration will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Type, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Browse, clone, push, and review pull requests.
    #[default]
    PullRequests,
    /// Browse and clone only.
    ReadOnly,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::PullRequests, Profile::ReadOnly];

    pub fn id(self) -> &'static str {
        match self {
            Self::PullRequests => "pull-requests",
            Self::ReadOnly => "read-only",
        }
    }

    /// The name people see.
    pub fn label(self) -> &'static str {
        match self {
            Self::PullRequests => "Pull requests",
            Self::ReadOnly => "Read only",
        }
    }

    /// The API-token scopes this profile needs on Cloud, each with why (shown beside the checklist).
    pub fn cloud_scopes(self) -> &'static [(&'static str, &'static str)] {
        const PULL_REQUESTS: &[(&str, &str)] = &[
            (
                "read:user:bitbucket",
                "to learn who you are and your username for git",
            ),
            ("read:workspace:bitbucket", "to list the workspaces you belong to"),
            ("read:repository:bitbucket", "to browse and clone repositories"),
            ("write:repository:bitbucket", "to push commits and branches"),
            (
                "read:pullrequest:bitbucket",
                "to see pull requests and their comments",
            ),
            (
                "write:pullrequest:bitbucket",
                "to create, comment on, approve and merge pull requests",
            ),
        ];
        const READ_ONLY: &[(&str, &str)] = &[
            (
                "read:user:bitbucket",
                "to learn who you are and your username for git",
            ),
            ("read:workspace:bitbucket", "to list the workspaces you belong to"),
            ("read:repository:bitbucket", "to browse and clone repositories"),
            (
                "read:pullrequest:bitbucket",
                "to see pull requests and their comments",
            ),
        ];
        match self {
            Self::PullRequests => PULL_REQUESTS,
            Self::ReadOnly => READ_ONLY,
        }
    }

    /// The Data Center repository permission this profile needs.
    pub fn datacenter_permission(self) -> Permission {
        match self {
            Self::PullRequests => Permission::RepoWrite,
            Self::ReadOnly => Permission::RepoRead,
        }
    }
}

/// A `--profile` value that names no profile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown profile '{0}': expected pull-requests or read-only")]
pub struct UnknownProfile(pub String);

impl std::str::FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|p| p.id() == s)
            .ok_or_else(|| UnknownProfile(s.to_owned()))
    }
}

/// Data Center permission levels, lowest first within each family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Permission {
    RepoRead,
    RepoWrite,
    RepoAdmin,
    ProjectRead,
    ProjectWrite,
    ProjectAdmin,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Self::RepoRead,
        Self::RepoWrite,
        Self::RepoAdmin,
        Self::ProjectRead,
        Self::ProjectWrite,
        Self::ProjectAdmin,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Self::RepoRead => "REPO_READ",
            Self::RepoWrite => "REPO_WRITE",
            Self::RepoAdmin => "REPO_ADMIN",
            Self::ProjectRead => "PROJECT_READ",
            Self::ProjectWrite => "PROJECT_WRITE",
            Self::ProjectAdmin => "PROJECT_ADMIN",
        }
    }

    pub fn is_project_level(self) -> bool {
        matches!(self, Self::ProjectRead | Self::ProjectWrite | Self::ProjectAdmin)
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id().eq_ignore_ascii_case(s))
    }

    /// The drop-down and the choice in it on Bitbucket's "Create token" form
    /// ("Repository permissions: Write").
    pub fn form_label(self) -> &'static str {
        match self {
            Self::RepoRead => "Repository permissions: Read",
            Self::RepoWrite => "Repository permissions: Write",
            Self::RepoAdmin => "Repository permissions: Admin",
            Self::ProjectRead => "Project permissions: Read",
            Self::ProjectWrite => "Project permissions: Write",
            Self::ProjectAdmin => "Project permissions: Admin",
        }
    }
}

/// The scopes a Data Center sign-in asks for (`scope` of the authorization address): the levels
/// `needed` as OAuth scopes, each with the ones below it in its family, since Data Center's
/// application links list them as separate permissions. Project read and write have no scope of
/// their own; repository scopes already cover reading the project.
pub fn data_center_oauth_scopes(needed: &[Permission]) -> Vec<&'static str> {
    use Permission as P;
    let top_repo = needed
        .iter()
        .copied()
        .filter(|l| !l.is_project_level())
        .max()
        .unwrap_or(P::RepoRead);
    let mut scopes = vec!["PUBLIC_REPOS"];
    scopes.extend(
        [P::RepoRead, P::RepoWrite, P::RepoAdmin]
            .into_iter()
            .filter(|l| *l <= top_repo)
            .map(P::id),
    );
    if needed.contains(&P::ProjectAdmin) {
        scopes.push(P::ProjectAdmin.id());
    }
    scopes
}

/// How Data Center's "Incoming link" form names an OAuth scope ("Repositories Write").
pub fn data_center_oauth_label(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "REPO_READ" => "Repositories: Read",
        "REPO_WRITE" => "Repositories: Write",
        "REPO_ADMIN" => "Repositories: Admin",
        "PROJECT_ADMIN" => "Projects: Admin",
        _ => return None,
    })
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

/// Every API-token scope Bitbucket Cloud knows (all end in `:bitbucket`).
pub const CLOUD_SCOPES: &[&str] = &[
    "read:repository:bitbucket",
    "write:repository:bitbucket",
    "admin:repository:bitbucket",
    "delete:repository:bitbucket",
    "read:pullrequest:bitbucket",
    "write:pullrequest:bitbucket",
    "read:project:bitbucket",
    "admin:project:bitbucket",
    "read:workspace:bitbucket",
    "admin:workspace:bitbucket",
    "read:user:bitbucket",
    "write:user:bitbucket",
    "read:pipeline:bitbucket",
    "write:pipeline:bitbucket",
    "admin:pipeline:bitbucket",
    "read:runner:bitbucket",
    "write:runner:bitbucket",
    "read:issue:bitbucket",
    "write:issue:bitbucket",
    "delete:issue:bitbucket",
    "read:webhook:bitbucket",
    "write:webhook:bitbucket",
    "delete:webhook:bitbucket",
    "read:snippet:bitbucket",
    "write:snippet:bitbucket",
    "delete:snippet:bitbucket",
    "read:ssh-key:bitbucket",
    "write:ssh-key:bitbucket",
    "delete:ssh-key:bitbucket",
    "read:gpg-key:bitbucket",
    "write:gpg-key:bitbucket",
    "delete:gpg-key:bitbucket",
    "write:permission:bitbucket",
    "delete:permission:bitbucket",
];

/// Legacy scope names (access tokens, app passwords, OAuth consumers).
pub const LEGACY_SCOPES: &[&str] = &[
    "account",
    "account:write",
    "email",
    "team",
    "team:write",
    "project",
    "project:admin",
    "repository",
    "repository:write",
    "repository:admin",
    "repository:delete",
    "pullrequest",
    "pullrequest:write",
    "issue",
    "issue:write",
    "wiki",
    "snippet",
    "snippet:write",
    "webhook",
    "pipeline",
    "pipeline:write",
    "pipeline:variable",
    "runner",
    "runner:write",
];

/// How Bitbucket's forms for access tokens, app passwords and OAuth consumers show a legacy
/// scope: a checkbox under its group ("Repositories" then "Write"), written "Repositories: Write".
pub fn legacy_label(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "account" => "Account: Read",
        "account:write" => "Account: Write",
        "email" => "Account: Email",
        "team" => "Workspace membership: Read",
        "team:write" => "Workspace membership: Write",
        "project" => "Projects: Read",
        "project:admin" => "Projects: Admin",
        "repository" => "Repositories: Read",
        "repository:write" => "Repositories: Write",
        "repository:admin" => "Repositories: Admin",
        "repository:delete" => "Repositories: Delete",
        "pullrequest" => "Pull requests: Read",
        "pullrequest:write" => "Pull requests: Write",
        "issue" => "Issues: Read",
        "issue:write" => "Issues: Write",
        "wiki" => "Wikis: Read and write",
        "snippet" => "Snippets: Read",
        "snippet:write" => "Snippets: Write",
        "webhook" => "Webhooks: Read and write",
        "pipeline" => "Pipelines: Read",
        "pipeline:write" => "Pipelines: Write",
        "pipeline:variable" => "Pipelines: Edit variables",
        "runner" => "Runners: Read",
        "runner:write" => "Runners: Write",
        _ => return None,
    })
}

/// Whether a scope only reads: `read:…:bitbucket`, or a legacy name without an action
/// (`repository`), except the two legacy scopes that also modify (`wiki`, `webhook`).
pub fn reads_only(scope: &str) -> bool {
    scope.starts_with("read:")
        || (LEGACY_SCOPES.contains(&scope) && !scope.contains(':') && !matches!(scope, "wiki" | "webhook"))
}

/// The legacy scope that grants what an API-token scope grants, where there is one.
pub fn legacy_equivalent(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "read:user:bitbucket" | "read:workspace:bitbucket" => "account",
        "write:user:bitbucket" => "account:write",
        "admin:workspace:bitbucket" => "team:write",
        "read:repository:bitbucket" => "repository",
        "write:repository:bitbucket" => "repository:write",
        "admin:repository:bitbucket" => "repository:admin",
        "delete:repository:bitbucket" => "repository:delete",
        "read:pullrequest:bitbucket" => "pullrequest",
        "write:pullrequest:bitbucket" => "pullrequest:write",
        "read:project:bitbucket" => "project",
        "admin:project:bitbucket" => "project:admin",
        "read:pipeline:bitbucket" => "pipeline",
        "write:pipeline:bitbucket" => "pipeline:write",
        "admin:pipeline:bitbucket" => "pipeline:variable",
        "read:runner:bitbucket" => "runner",
        "write:runner:bitbucket" => "runner:write",
        "read:issue:bitbucket" => "issue",
        "write:issue:bitbucket" => "issue:write",
        "read:webhook:bitbucket" | "write:webhook:bitbucket" | "delete:webhook:bitbucket" => "webhook",
        "read:snippet:bitbucket" => "snippet",
        "write:snippet:bitbucket" | "delete:snippet:bitbucket" => "snippet:write",
        _ => return None,
    })
}

/// Legacy scopes that a granted legacy scope includes (Atlassian: e.g. `pullrequest:write`
/// includes `pullrequest` and `repository:write`).
fn legacy_implied(scope: &str) -> &'static [&'static str] {
    match scope {
        "account:write" => &["account"],
        "team:write" => &["team"],
        "project:admin" => &["project"],
        "repository:write" => &["repository"],
        "repository:admin" => &["repository", "repository:write"],
        "pullrequest" => &["repository"],
        "pullrequest:write" => &["pullrequest", "repository", "repository:write"],
        "issue:write" => &["issue"],
        "snippet:write" => &["snippet"],
        "pipeline:write" => &["pipeline"],
        "runner:write" => &["runner"],
        _ => &[],
    }
}

/// Whether a set of granted scopes covers `needed`. Legacy grants include what they imply;
/// API-token scopes imply nothing.
pub fn is_granted(needed: &str, granted: &[String]) -> bool {
    granted
        .iter()
        .any(|g| g == needed || legacy_implied(g).contains(&needed))
}

/// Which scope vocabulary a credential kind speaks, or `None` for Data Center kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeNaming {
    ApiToken,
    Legacy,
}

impl ScopeNaming {
    pub fn for_method(method: Method) -> Option<Self> {
        match method {
            Method::ApiToken => Some(Self::ApiToken),
            Method::RepositoryAccessToken
            | Method::ProjectAccessToken
            | Method::WorkspaceAccessToken
            | Method::AppPassword
            | Method::Oauth => Some(Self::Legacy),
            _ => None,
        }
    }
}

/// A `--require` item that the chosen method cannot be asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequirementError {
    #[error(
        "'{0}' is not a Data Center permission: expected REPO_READ, REPO_WRITE, REPO_ADMIN, PROJECT_READ, PROJECT_WRITE or PROJECT_ADMIN"
    )]
    NotAPermission(String),
    #[error("'{0}' is a legacy scope name; API tokens use names such as read:repository:bitbucket")]
    LegacyName(String),
    #[error("'{item}' has no equivalent for a {}", method.label())]
    NoEquivalent { item: String, method: Method },
    #[error(
        "'{0}' is not a Bitbucket Cloud scope: scope names are written in full, e.g. read:repository:bitbucket"
    )]
    NotAScope(String),
}

/// Turns a `--require` item into the vocabulary of the method. Accepts either vocabulary for
/// Cloud; permission levels for Data Center.
pub fn normalise_requirement(method: Method, item: &str) -> Result<String, RequirementError> {
    let item = item.trim();
    match ScopeNaming::for_method(method) {
        None => Permission::parse(item)
            .map(|p| p.id().to_owned())
            .ok_or_else(|| RequirementError::NotAPermission(item.to_owned())),
        Some(naming) => {
            let modern = CLOUD_SCOPES.iter().find(|s| **s == item).copied();
            let legacy = LEGACY_SCOPES.iter().find(|s| **s == item).copied();
            match (naming, modern, legacy) {
                (ScopeNaming::ApiToken, Some(scope), _) => Ok(scope.to_owned()),
                (ScopeNaming::ApiToken, None, Some(_)) => Err(RequirementError::LegacyName(item.to_owned())),
                (ScopeNaming::Legacy, _, Some(scope)) => Ok(scope.to_owned()),
                (ScopeNaming::Legacy, Some(scope), None) => legacy_equivalent(scope)
                    .map(str::to_owned)
                    .ok_or_else(|| RequirementError::NoEquivalent {
                        item: item.to_owned(),
                        method,
                    }),
                _ => Err(RequirementError::NotAScope(item.to_owned())),
            }
        }
    }
}

/// Turns a `--require` list into the method's vocabulary.
pub fn normalise_requirements(method: Method, items: &[String]) -> Result<Vec<String>, RequirementError> {
    items
        .iter()
        .map(|item| normalise_requirement(method, item))
        .collect()
}

/// The scopes a Cloud credential kind needs for a profile, in its own vocabulary, without
/// duplicates. Access tokens are not a user: the user and workspace-membership scopes do not
/// apply to them.
pub fn cloud_required(method: Method, profile: Profile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (scope, _) in profile.cloud_scopes() {
        let name = match ScopeNaming::for_method(method) {
            Some(ScopeNaming::ApiToken) => Some(*scope),
            Some(ScopeNaming::Legacy) if method.is_cloud_access_token() && scope.contains(":user:") => None,
            Some(ScopeNaming::Legacy) if method.is_cloud_access_token() && scope.contains(":workspace:") => {
                None
            }
            Some(ScopeNaming::Legacy) => legacy_equivalent(scope),
            None => None,
        };
        if let Some(name) = name
            && !out.iter().any(|s| s == name)
        {
            out.push(name.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_name_scopes_in_full() {
        for profile in Profile::ALL {
            for (scope, why) in profile.cloud_scopes() {
                assert!(CLOUD_SCOPES.contains(scope), "{scope}");
                assert!(!why.is_empty());
            }
        }
        assert_eq!(Profile::PullRequests.cloud_scopes().len(), 6);
        assert_eq!(Profile::ReadOnly.cloud_scopes().len(), 4);
    }

    #[test]
    fn legacy_profiles_map_onto_the_same_needs() {
        assert_eq!(
            cloud_required(Method::AppPassword, Profile::PullRequests),
            [
                "account",
                "repository",
                "repository:write",
                "pullrequest",
                "pullrequest:write"
            ]
        );
        assert_eq!(
            cloud_required(Method::RepositoryAccessToken, Profile::ReadOnly),
            ["repository", "pullrequest"]
        );
        for scope in LEGACY_SCOPES {
            assert!(!CLOUD_SCOPES.contains(scope));
        }
        for scope in CLOUD_SCOPES {
            if let Some(legacy) = legacy_equivalent(scope) {
                assert!(LEGACY_SCOPES.contains(&legacy), "{legacy}");
            }
        }
    }

    #[test]
    fn every_legacy_scope_has_the_label_of_its_checkbox() {
        for scope in LEGACY_SCOPES {
            assert!(legacy_label(scope).is_some(), "{scope}");
        }
        assert_eq!(legacy_label("repository:write"), Some("Repositories: Write"));
        assert_eq!(legacy_label("pullrequest"), Some("Pull requests: Read"));
        assert_eq!(legacy_label("read:repository:bitbucket"), None);
        assert_eq!(
            Permission::RepoWrite.form_label(),
            "Repository permissions: Write"
        );
        assert_eq!(Permission::ProjectRead.form_label(), "Project permissions: Read");
    }

    #[test]
    fn reading_scopes_are_told_from_writing_ones() {
        assert!(reads_only("read:repository:bitbucket"));
        assert!(!reads_only("write:repository:bitbucket"));
        assert!(reads_only("repository"));
        assert!(reads_only("account"));
        assert!(!reads_only("repository:write"));
        assert!(!reads_only("webhook"));
    }

    #[test]
    fn legacy_grants_include_what_atlassian_says_they_include() {
        let granted = vec!["pullrequest:write".to_owned()];
        assert!(is_granted("repository:write", &granted));
        assert!(is_granted("pullrequest", &granted));
        assert!(!is_granted("account", &granted));
        // API-token scopes imply nothing.
        let granted = vec!["write:repository:bitbucket".to_owned()];
        assert!(!is_granted("read:repository:bitbucket", &granted));
    }

    #[test]
    fn requirements_are_checked_and_translated() {
        assert_eq!(
            normalise_requirement(Method::ApiToken, "read:pipeline:bitbucket").unwrap(),
            "read:pipeline:bitbucket"
        );
        assert!(
            normalise_requirement(Method::ApiToken, "pipeline")
                .unwrap_err()
                .to_string()
                .contains("legacy")
        );
        assert_eq!(
            normalise_requirement(Method::RepositoryAccessToken, "read:pipeline:bitbucket").unwrap(),
            "pipeline"
        );
        assert!(
            normalise_requirement(Method::ApiToken, "read:wiki")
                .unwrap_err()
                .to_string()
                .contains("in full")
        );
        assert_eq!(
            normalise_requirement(Method::PersonalToken, "repo_admin").unwrap(),
            "REPO_ADMIN"
        );
        assert!(normalise_requirement(Method::Basic, "ADMIN").is_err());
    }
}
