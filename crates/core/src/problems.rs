//! The catalogue: every problem and warning the checks can report, each with a stable code, one
//! message and (for problems) one fix, written for someone who has never heard of scopes. The UI
//! and the CLI show these texts; they never write their own. `{name}` marks a value filled in.

use serde::Serialize;
use specta::Type;

use crate::model::CredentialKind;

/// Why a credential cannot be used, or why we could not find out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    InvalidCredentials,
    EmailExpected,
    UsernameExpected,
    TokenKindMismatch,
    MissingScopes,
    InsufficientPermission,
    AppPasswordDisabled,
    NotBitbucket,
    ServerTooOld,
    CaptchaRequired,
    SsoOnly,
    ResourceNotFound,
    MissingField,
    ForbiddenByPolicy,
    InsecureHttp,
    CaFileInvalid,
    TlsUntrusted,
    LoginPage,
    UnexpectedRedirect,
    Unreachable,
    Timeout,
    RateLimited,
    ServerError,
    UnexpectedAnswer,
}

/// Something the user should know although the credential works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    SyntheticIdentity,
    PasswordDiscouraged,
    BaseUrlMismatch,
    BaseUrlNormalised,
    WriteScopeUnverified,
    ExpiryUnknown,
    SecretCleaned,
    EmailInUsernameField,
}

/// Whether a problem proves the credential unusable, or only kept us from finding out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Unusable,
    Unverifiable,
}

impl ProblemCode {
    pub fn severity(self) -> Severity {
        match self {
            Self::Unreachable
            | Self::Timeout
            | Self::TlsUntrusted
            | Self::RateLimited
            | Self::ServerError
            | Self::UnexpectedAnswer => Severity::Unverifiable,
            _ => Severity::Unusable,
        }
    }
}

/// A problem, ready to show: the code to branch on, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: String,
    pub fix: String,
}

/// A warning, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
}

impl Problem {
    /// The catalogue's text for `code`, with `{name}` placeholders filled from `values`.
    pub fn new(code: ProblemCode, kind: CredentialKind, values: &[(&str, &str)]) -> Self {
        let (message, fix) = problem_text(code, kind);
        Self {
            code,
            message: fill(message, values),
            fix: fill(fix, values),
        }
    }
}

impl Warning {
    pub fn new(code: WarningCode, values: &[(&str, &str)]) -> Self {
        Self {
            code,
            message: fill(warning_text(code), values),
        }
    }
}

fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_owned(), |text, (name, value)| {
        text.replace(&format!("{{{name}}}"), value)
    })
}

fn problem_text(code: ProblemCode, kind: CredentialKind) -> (&'static str, &'static str) {
    use CredentialKind as K;
    use ProblemCode::*;
    match code {
        InvalidCredentials => match kind {
            K::ApiToken => (
                "Bitbucket refused the email and API token. One of four things is wrong: the email is not the one of your Atlassian account, the token was created without scopes (\"Create API token\" instead of \"Create API token with scopes\"), the token has expired, or it was revoked.",
                "Check that the email is the one you log in to Atlassian with. If it is, create a new token with \"Create API token with scopes\", choose the Bitbucket app and tick the scopes listed here.",
            ),
            K::RepositoryAccessToken | K::ProjectAccessToken | K::WorkspaceAccessToken => (
                "Bitbucket refused this access token: it was revoked, it expired, or it belongs to another repository, project or workspace.",
                "Create a new access token in the settings of the repository, project or workspace it should open, then paste it here.",
            ),
            K::Oauth => (
                "Bitbucket refused this OAuth access token: it expired (they last two hours) or it was revoked.",
                "Sign in again to get a fresh access token.",
            ),
            K::AppPassword => (
                "Bitbucket refused the username and app password.",
                "App passwords no longer work: create an API token with scopes instead.",
            ),
            K::PersonalToken | K::ProjectToken | K::RepositoryToken => (
                "The server refused this HTTP access token: it expired, it was revoked, or the username does not match the token's owner.",
                "Create a new HTTP access token on the server (your avatar, Manage account, HTTP access tokens) and paste it here. If you typed a username, it must be the token owner's.",
            ),
            K::Basic => (
                "The server refused this username and password.",
                "Check both, and that you can log in to the server's web page with them. After several failures the server asks for a CAPTCHA: log in once in the browser to clear it.",
            ),
        },
        EmailExpected => (
            "An API token is checked with your Atlassian account email, and \"{value}\" is not an email address.",
            "Type the email you log in to Atlassian with. Your Bitbucket username is only for git, and we fill it in for you after the check.",
        ),
        UsernameExpected => (
            "This needs your username, and \"{value}\" looks like an email address.",
            "Type your username: on Bitbucket Data Center it is shown in your profile; on Bitbucket Cloud under Personal settings, Account settings.",
        ),
        TokenKindMismatch => (
            "What you pasted looks like {detected}, but you chose {chosen}.",
            "Choose \"{suggested}\" as the way to connect, or paste the kind of credential you chose.",
        ),
        MissingScopes => (
            "The credential works but lacks these scopes: {scopes}.",
            "Scopes cannot be added to an existing token. Create a new one with every scope listed here ticked, and paste it.",
        ),
        InsufficientPermission => (
            "The credential works but is only allowed {granted}, and this needs {required}.",
            "Create a new token with the {required} permission (it can never exceed what your own account may do), or ask a project administrator for more access.",
        ),
        AppPasswordDisabled => (
            "App passwords stopped working on 28 July 2026: Bitbucket no longer accepts them.",
            "Create an API token with scopes (Atlassian account settings, Security, API tokens) and connect with \"API token\" and your Atlassian email instead.",
        ),
        NotBitbucket => (
            "{url} does not answer like a Bitbucket Data Center server.",
            "Check the address: it is the one you open Bitbucket with in the browser, including any path such as /bitbucket.",
        ),
        ServerTooOld => (
            "This server runs Bitbucket {version}, which does not support {chosen} (they arrived in {minimum}).",
            "Connect with your username and password instead, or ask your administrators to upgrade.",
        ),
        CaptchaRequired => (
            "The server has locked this account behind a CAPTCHA after too many failed logins, so it refuses every password and token sent from outside the browser.",
            "Log in once in the browser (solving the CAPTCHA) and check again. We send at most one password attempt per check, so checking does not make this worse.",
        ),
        SsoOnly => (
            "This server only lets people log in through single sign-on, so a username and password cannot be used.",
            "Create a personal HTTP access token instead (your avatar, Manage account, HTTP access tokens) and connect with it.",
        ),
        ResourceNotFound => (
            "{resource} was not found, or this credential may not see it.",
            "Check the spelling (it is the name in the browser's address bar) and that the credential was created for it.",
        ),
        MissingField => ("{field} is needed for {chosen}.", "Fill in {field}."),
        ForbiddenByPolicy => (
            "{chosen} may not be used here: {reason}",
            "Choose another way to connect, or ask your administrators.",
        ),
        InsecureHttp => (
            "{url} uses plain http://, which would send your credential unencrypted.",
            "Use the https:// address. If this server truly has none, allow plain http for this connection only.",
        ),
        CaFileInvalid => (
            "The certificate file {path} cannot be used: {reason}.",
            "Point to a PEM file (text starting with -----BEGIN CERTIFICATE-----) holding your company's root certificate.",
        ),
        TlsUntrusted => (
            "{host} presented a certificate this computer does not trust (SHA-256 fingerprint {fingerprint}). Nothing was sent to it.",
            "If your company uses its own certificate authority, save its root certificate as a PEM file and choose it as this connection's CA file. Compare the fingerprint with the one your administrators publish before trusting it.",
        ),
        LoginPage => (
            "{url} answered with a web page (a single sign-on or proxy login page) instead of Bitbucket's API.",
            "Check the address, and whether a proxy or VPN needs you to log in first. Data Center tokens only work on addresses under /rest and /scm.",
        ),
        UnexpectedRedirect => (
            "The server sent us on to another address ({location}). We did not send your credential there.",
            "Use the final address as the base URL if you trust it, or ask your administrators why the server redirects.",
        ),
        Unreachable => (
            "{host} could not be reached: {reason}.",
            "Check the address and your network connection, VPN or proxy settings (HTTPS_PROXY), then check again.",
        ),
        Timeout => (
            "{host} did not answer within {seconds} seconds.",
            "Check your network or VPN and try again; the server may be slow or overloaded.",
        ),
        RateLimited => (
            "Bitbucket is limiting how many requests this account may make right now (try again in {retry_after}).",
            "Wait and check again. Nothing is wrong with the credential itself.",
        ),
        ServerError => (
            "The server had an internal error (HTTP {status}) and could not answer.",
            "Try again in a few minutes. Nothing is wrong with the credential itself as far as we know.",
        ),
        UnexpectedAnswer => (
            "The server gave an answer we could not read ({detail}).",
            "Check that the address points at Bitbucket and not at a proxy, then try again.",
        ),
    }
}

fn warning_text(code: WarningCode) -> &'static str {
    use WarningCode::*;
    match code {
        SyntheticIdentity => {
            "This token is not a person: comments, approvals and pushes made with it appear under {name}, a user the server made for the token, and it cannot merge pull requests that need an author's email."
        }
        PasswordDiscouraged => {
            "Passwords are the weakest way to connect: a personal HTTP access token can be limited to what is needed and revoked on its own."
        }
        BaseUrlMismatch => {
            "The server's links point at {link_host} rather than {host}: its base URL setting may be wrong, and clone links from it may not work."
        }
        BaseUrlNormalised => "We use {base_url} as the server address (taken from what you pasted).",
        WriteScopeUnverified => {
            "{scopes} cannot be confirmed without changing something on Bitbucket. Make sure they were ticked when the token was created."
        }
        ExpiryUnknown => {
            "Bitbucket does not tell when this credential expires. Note the date you chose when creating it."
        }
        SecretCleaned => "We removed {what} from what you pasted.",
        EmailInUsernameField => {
            "We used {value} as your Atlassian email: API tokens are checked with the email."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled() {
        let p = Problem::new(
            ProblemCode::MissingScopes,
            CredentialKind::ApiToken,
            &[("scopes", "write:pullrequest:bitbucket")],
        );
        assert_eq!(
            p.message,
            "The credential works but lacks these scopes: write:pullrequest:bitbucket."
        );
        assert!(!p.fix.contains('{'));
    }

    #[test]
    fn the_api_token_refusal_names_its_four_causes() {
        let p = Problem::new(ProblemCode::InvalidCredentials, CredentialKind::ApiToken, &[]);
        for cause in ["email", "without scopes", "expired", "revoked"] {
            assert!(p.message.contains(cause), "{cause}");
        }
    }

    #[test]
    fn codes_serialise_as_snake_case() {
        assert_eq!(
            serde_json::to_value(ProblemCode::TlsUntrusted).unwrap(),
            "tls_untrusted"
        );
        assert_eq!(
            serde_json::to_value(WarningCode::WriteScopeUnverified).unwrap(),
            "write_scope_unverified"
        );
    }
}

/// Why saving, reading or changing stored connections failed. Unlike a check's problems these
/// stop an operation; each still has one message and one fix, here in the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum StorageCode {
    KeychainUnavailable,
    KeychainLocked,
    KeychainFailure,
    DataDirUnavailable,
    MetadataUnreadable,
    MetadataTooNew,
    MetadataWriteFailed,
    NameTaken,
    NotFound,
    InvalidName,
    InvalidDate,
    SecretMissing,
    ExpiryBeyondPolicy,
}

/// A failed storage operation, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct StorageError {
    pub code: StorageCode,
    pub message: String,
    pub fix: String,
}

impl StorageError {
    pub fn new(code: StorageCode, values: &[(&str, &str)]) -> Self {
        let (message, fix) = storage_text(code);
        Self {
            code,
            message: fill(message, values),
            fix: fill(fix, values),
        }
    }
}

fn storage_text(code: StorageCode) -> (&'static str, &'static str) {
    use StorageCode::*;
    match code {
        KeychainUnavailable => (
            "The {keychain} cannot be reached: {reason}.",
            "On Linux a Secret Service must run in your session: log in to a desktop with GNOME Keyring or KWallet; on a machine without a desktop, run inside `dbus-run-session` after `gnome-keyring-daemon --unlock`. Nothing was saved.",
        ),
        KeychainLocked => (
            "The {keychain} is locked or refused access: {reason}.",
            "Unlock it (log in to your desktop session, or unlock the \"login\" keyring in your passwords app) and try again. Nothing was saved.",
        ),
        KeychainFailure => (
            "The {keychain} failed: {reason}.",
            "Try again; if it persists, look at the keychain with your system's passwords app. Nothing was saved.",
        ),
        DataDirUnavailable => (
            "There is no folder to keep connections in: {reason}.",
            "Set REPOCONN_DATA_DIR to a folder you can write to.",
        ),
        MetadataUnreadable => (
            "The connections file {path} cannot be read: {reason}.",
            "Nothing was changed. Restore the file from a backup or move it aside; `repoconn doctor` shows what the keychain still holds.",
        ),
        MetadataTooNew => (
            "The connections file {path} was written by a newer Repository Connections (format {version}).",
            "Update Repository Connections; this version leaves the file untouched.",
        ),
        MetadataWriteFailed => (
            "The connections file {path} could not be written: {reason}.",
            "Check the free space and permissions of its folder. Nothing was changed.",
        ),
        NameTaken => (
            "There is already a connection named \"{name}\".",
            "Choose another name, or rotate or remove the existing connection.",
        ),
        NotFound => (
            "There is no connection named \"{name}\".",
            "`repoconn list` shows the saved connections.",
        ),
        InvalidName => (
            "\"{name}\" cannot be a connection name.",
            "Use 1 to 64 letters, digits, spaces, dots, dashes or underscores.",
        ),
        InvalidDate => (
            "\"{value}\" is not a date.",
            "Write it as YYYY-MM-DD, for example 2027-11-26.",
        ),
        ExpiryBeyondPolicy => (
            "Your organisation's policy allows tokens to live at most {days} days, so it must expire by {latest}; {value} is later.",
            "Create the token with an expiry date no later than {latest}, and give that date.",
        ),
        SecretMissing => (
            "The keychain holds no secret for \"{name}\".",
            "Store a new one with `repoconn rotate {name}`, or remove the connection.",
        ),
    }
}
