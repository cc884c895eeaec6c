//! The words of the domain: providers, the ways to connect (methods), what each method needs from
//! the user, and the fixed usernames git must be given for tokens.

use serde::{Deserialize, Serialize};
use specta::Type;

/// Bitbucket Cloud (bitbucket.org) or a self-hosted Bitbucket Server / Data Center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    Cloud,
    DataCenter,
}

/// How a person connects. The ids are the CLI's `--method` values and stable in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Cloud: Atlassian API token with scopes; REST wants the account email, git the username.
    ApiToken,
    /// Cloud: a token tied to one repository (Bearer; git user `x-token-auth`).
    RepositoryAccessToken,
    /// Cloud (Premium): a token tied to one project.
    ProjectAccessToken,
    /// Cloud (Premium): a token tied to one workspace.
    WorkspaceAccessToken,
    /// Cloud: the retired app password (removed 2026-07-28).
    AppPassword,
    /// Cloud: an OAuth 2.0 access token (Bearer).
    Oauth,
    /// Data Center: a personal HTTP access token.
    PersonalToken,
    /// Data Center: a project HTTP access token (Bearer only, acts as a system-generated user).
    ProjectToken,
    /// Data Center: a repository HTTP access token (Bearer only, acts as a system-generated user).
    RepositoryToken,
    /// Data Center: signed in through an incoming application link (OAuth 2.0 with PKCE, Bearer).
    DataCenterOauth,
    /// Data Center: username and password.
    Basic,
}

/// The git username for API tokens when the account's username is unknown (Atlassian's fixed value).
pub const API_TOKEN_GIT_USER: &str = "x-bitbucket-api-token-auth";
/// The git username for Cloud access tokens and OAuth tokens.
pub const TOKEN_GIT_USER: &str = "x-token-auth";

/// A `--method` value that names no method.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown method '{given}': expected one of {}", Method::ALL.map(Method::id).join(", "))]
pub struct UnknownMethod {
    pub given: String,
}

/// A field of the connection form that a credential kind uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum Field {
    Email,
    Username,
    Workspace,
    Project,
    Repository,
}

/// Whether a field must be filled for a kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum Need {
    Required,
    Optional,
}

impl Method {
    pub const ALL: [Method; 11] = [
        Self::ApiToken,
        Self::RepositoryAccessToken,
        Self::ProjectAccessToken,
        Self::WorkspaceAccessToken,
        Self::AppPassword,
        Self::Oauth,
        Self::PersonalToken,
        Self::ProjectToken,
        Self::RepositoryToken,
        Self::DataCenterOauth,
        Self::Basic,
    ];

    /// The id used by `--method` and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Self::ApiToken => "api-token",
            Self::RepositoryAccessToken => "repository-access-token",
            Self::ProjectAccessToken => "project-access-token",
            Self::WorkspaceAccessToken => "workspace-access-token",
            Self::AppPassword => "app-password",
            Self::Oauth => "oauth",
            Self::DataCenterOauth => "data-center-oauth",
            Self::PersonalToken => "personal-token",
            Self::ProjectToken => "project-token",
            Self::RepositoryToken => "repository-token",
            Self::Basic => "basic",
        }
    }

    /// The name Atlassian uses for it.
    pub fn label(self) -> &'static str {
        match self {
            Self::ApiToken => "API token",
            Self::RepositoryAccessToken => "Repository access token",
            Self::ProjectAccessToken => "Project access token",
            Self::WorkspaceAccessToken => "Workspace access token",
            Self::AppPassword => "App password (retired)",
            Self::Oauth | Self::DataCenterOauth => "OAuth 2.0",
            Self::PersonalToken => "Personal HTTP access token",
            Self::ProjectToken => "Project HTTP access token",
            Self::RepositoryToken => "Repository HTTP access token",
            Self::Basic => "Username and password",
        }
    }

    pub fn provider(self) -> ProviderKind {
        match self {
            Self::ApiToken
            | Self::RepositoryAccessToken
            | Self::ProjectAccessToken
            | Self::WorkspaceAccessToken
            | Self::AppPassword
            | Self::Oauth => ProviderKind::Cloud,
            Self::DataCenterOauth
            | Self::PersonalToken
            | Self::ProjectToken
            | Self::RepositoryToken
            | Self::Basic => ProviderKind::DataCenter,
        }
    }

    /// Tokens tied to one workspace, project or repository: what they reach is that place, so
    /// its fields are part of the credential rather than a choice among what it reaches.
    pub fn is_tied_to_place(self) -> bool {
        self.is_cloud_access_token() || matches!(self, Self::ProjectToken | Self::RepositoryToken)
    }

    /// Signing in with Bitbucket (OAuth 2.0) on either provider: the keychain holds a tokens
    /// document that is refreshed before use.
    pub fn is_oauth(self) -> bool {
        matches!(self, Self::Oauth | Self::DataCenterOauth)
    }

    /// The same way to connect on `provider`: `--method oauth` with `--server` means the Data
    /// Center sign-in, and the Data Center one with `--cloud` means Cloud's.
    pub fn on(self, provider: ProviderKind) -> Self {
        match (self, provider) {
            (Self::Oauth, ProviderKind::DataCenter) => Self::DataCenterOauth,
            (Self::DataCenterOauth, ProviderKind::Cloud) => Self::Oauth,
            (method, _) => method,
        }
    }

    /// Cloud access tokens are not a person: REST and git see the token itself.
    pub fn is_cloud_access_token(self) -> bool {
        matches!(
            self,
            Self::RepositoryAccessToken | Self::ProjectAccessToken | Self::WorkspaceAccessToken
        )
    }

    /// The form fields this kind uses, in the order a person fills them.
    pub fn fields(self) -> &'static [(Field, Need)] {
        use Field::*;
        use Need::*;
        match self {
            Self::ApiToken => &[(Email, Required), (Workspace, Optional), (Repository, Optional)],
            Self::RepositoryAccessToken => &[(Workspace, Required), (Repository, Required)],
            Self::ProjectAccessToken => &[(Workspace, Required), (Project, Required), (Repository, Optional)],
            Self::WorkspaceAccessToken => &[(Workspace, Required), (Repository, Optional)],
            Self::AppPassword => &[(Username, Required)],
            Self::Oauth => &[(Workspace, Optional), (Repository, Optional)],
            Self::DataCenterOauth => &[(Project, Optional), (Repository, Optional)],
            Self::PersonalToken => &[(Username, Optional), (Project, Optional), (Repository, Optional)],
            Self::ProjectToken => &[(Project, Required), (Repository, Optional)],
            Self::RepositoryToken => &[(Project, Required), (Repository, Required)],
            Self::Basic => &[(Username, Required), (Project, Optional), (Repository, Optional)],
        }
    }

    pub fn needs(self, field: Field) -> Option<Need> {
        self.fields()
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, need)| *need)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl std::str::FromStr for Method {
    type Err = UnknownMethod;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|method| method.id() == s)
            .ok_or_else(|| UnknownMethod { given: s.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for method in Method::ALL {
            assert_eq!(method.id().parse::<Method>().unwrap(), method);
            assert_eq!(serde_json::to_value(method).unwrap(), method.id());
        }
        assert!(
            "password"
                .parse::<Method>()
                .unwrap_err()
                .to_string()
                .contains("api-token")
        );
    }

    #[test]
    fn every_kind_names_its_required_fields() {
        assert_eq!(Method::ApiToken.needs(Field::Email), Some(Need::Required));
        assert_eq!(Method::ApiToken.needs(Field::Username), None);
        assert_eq!(
            Method::RepositoryAccessToken.needs(Field::Repository),
            Some(Need::Required)
        );
        assert_eq!(Method::ProjectToken.needs(Field::Username), None);
        assert_eq!(Method::Basic.needs(Field::Username), Some(Need::Required));
    }
}
