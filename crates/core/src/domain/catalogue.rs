//! The catalogue: every problem, warning and storage failure the core can report, each with a
//! stable code, one message and (for problems and failures) one fix, written for someone who has
//! never heard of scopes. The UI and the CLI show these texts; they never write their own.
//!
//! Each entry is a variant that carries its values as typed fields ([`Fault`], [`Notice`],
//! [`StorageFault`]); the text is composed from them in one `match` per family, so a value that a
//! message names but the variant lacks is a compile error, and a translation is one more `match`
//! over the same values.

use std::time::Duration;

use serde::Serialize;
use specta::Type;

use crate::domain::actions::ProblemAction;
use crate::domain::method::{Method, ProviderKind};
use crate::domain::scopes::Profile;
use crate::domain::secret::KeychainBackend;

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
    InvalidValue,
    ForbiddenByPolicy,
    InsecureHttp,
    CaFileInvalid,
    FingerprintInvalid,
    TlsUntrusted,
    LoginPage,
    UnexpectedRedirect,
    Unreachable,
    Timeout,
    RateLimited,
    ServerError,
    UnexpectedAnswer,
    PasswordInRemoteUrl,
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
    PolicyUnusable,
    PlainTextHelper,
    GitCredentialUnverified,
    RemoteUsernameMismatch,
    NetrcCredential,
    LeftoverCredentials,
    CredentialExpiresSoon,
    CredentialNotChecked,
}

/// Why saving, reading or changing stored connections failed. Unlike a check's problems these
/// stop an operation.
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
    SecretChanged,
    ExpiryBeyondPolicy,
    PolicyUnreadable,
}

/// `as_str()`: the code as it appears in JSON and in the CLI's `[code]` prefixes.
macro_rules! codes_as_str {
    ($($ty:ident { $($variant:ident => $text:literal),* $(,)? })*) => {$(
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $text),*
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

codes_as_str! {
    ProblemCode {
        InvalidCredentials => "invalid_credentials",
        EmailExpected => "email_expected",
        UsernameExpected => "username_expected",
        TokenKindMismatch => "token_kind_mismatch",
        MissingScopes => "missing_scopes",
        InsufficientPermission => "insufficient_permission",
        AppPasswordDisabled => "app_password_disabled",
        NotBitbucket => "not_bitbucket",
        ServerTooOld => "server_too_old",
        CaptchaRequired => "captcha_required",
        SsoOnly => "sso_only",
        ResourceNotFound => "resource_not_found",
        MissingField => "missing_field",
        InvalidValue => "invalid_value",
        ForbiddenByPolicy => "forbidden_by_policy",
        InsecureHttp => "insecure_http",
        CaFileInvalid => "ca_file_invalid",
        FingerprintInvalid => "fingerprint_invalid",
        TlsUntrusted => "tls_untrusted",
        LoginPage => "login_page",
        UnexpectedRedirect => "unexpected_redirect",
        Unreachable => "unreachable",
        Timeout => "timeout",
        RateLimited => "rate_limited",
        ServerError => "server_error",
        UnexpectedAnswer => "unexpected_answer",
        PasswordInRemoteUrl => "password_in_remote_url",
    }
    WarningCode {
        SyntheticIdentity => "synthetic_identity",
        PasswordDiscouraged => "password_discouraged",
        BaseUrlMismatch => "base_url_mismatch",
        BaseUrlNormalised => "base_url_normalised",
        WriteScopeUnverified => "write_scope_unverified",
        ExpiryUnknown => "expiry_unknown",
        SecretCleaned => "secret_cleaned",
        EmailInUsernameField => "email_in_username_field",
        PolicyUnusable => "policy_unusable",
        PlainTextHelper => "plain_text_helper",
        GitCredentialUnverified => "git_credential_unverified",
        RemoteUsernameMismatch => "remote_username_mismatch",
        NetrcCredential => "netrc_credential",
        LeftoverCredentials => "leftover_credentials",
        CredentialExpiresSoon => "credential_expires_soon",
        CredentialNotChecked => "credential_not_checked",
    }
    StorageCode {
        KeychainUnavailable => "keychain_unavailable",
        KeychainLocked => "keychain_locked",
        KeychainFailure => "keychain_failure",
        DataDirUnavailable => "data_dir_unavailable",
        MetadataUnreadable => "metadata_unreadable",
        MetadataTooNew => "metadata_too_new",
        MetadataWriteFailed => "metadata_write_failed",
        NameTaken => "name_taken",
        NotFound => "not_found",
        InvalidName => "invalid_name",
        InvalidDate => "invalid_date",
        SecretMissing => "secret_missing",
        SecretChanged => "secret_changed",
        ExpiryBeyondPolicy => "expiry_beyond_policy",
        PolicyUnreadable => "policy_unreadable",
    }
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

impl ProblemCode {
    /// Whether this problem, when it makes a check not usable, is a verdict on the credential.
    /// False where the answer did not come from Bitbucket itself (a web page such as a captive
    /// portal's or a proxy's login page, a redirect to another address, a server that does not
    /// answer like Bitbucket at all) and where the administrator's policy refused the check:
    /// these say nothing about whether the credential works, so they never mark a saved
    /// connection invalid.
    pub fn judges_the_credential(self) -> bool {
        !matches!(
            self,
            Self::LoginPage | Self::UnexpectedRedirect | Self::NotBitbucket | Self::ForbiddenByPolicy
        )
    }
}

/// A setting of the administrator's policy file, as texts about it name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum PolicySetting {
    Templates,
    AllowedMethods,
    MaxTokenLifetimeDays,
    CaFile,
    Proxy,
    OauthClients,
    Updates,
}

impl PolicySetting {
    pub const ALL: [PolicySetting; 7] = [
        Self::Templates,
        Self::AllowedMethods,
        Self::MaxTokenLifetimeDays,
        Self::CaFile,
        Self::Proxy,
        Self::OauthClients,
        Self::Updates,
    ];

    /// The key in the file.
    pub fn key(self) -> &'static str {
        match self {
            Self::Templates => "templates",
            Self::AllowedMethods => "allowed_methods",
            Self::MaxTokenLifetimeDays => "max_token_lifetime_days",
            Self::CaFile => "ca_file",
            Self::Proxy => "proxy",
            Self::OauthClients => "oauth_clients",
            Self::Updates => "updates",
        }
    }

    /// What the setting decides, to follow "where it ...".
    fn what(self) -> &'static str {
        match self {
            Self::Templates => "describes the ready-made connections",
            Self::AllowedMethods => "lists the ways to connect that may be used",
            Self::MaxTokenLifetimeDays => "sets the longest a token may live",
            Self::CaFile => "names the certificate file to trust",
            Self::Proxy => "sets the proxy every request must go through",
            Self::OauthClients => "lists the OAuth consumers to sign in with",
            Self::Updates => "decides whether the app looks for new versions",
        }
    }
}

/// A problem, ready to show: the code to branch on, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: String,
    /// How to fix it, in the command line's words (its flags and commands).
    pub fix: String,
    /// How to fix it in the dialog, in words that name its controls; `None` where `fix` names no
    /// flag or command and reads the same there.
    pub fix_in_dialog: Option<String>,
    /// What the dialog can do about it: a button beside it for each (see [`ProblemAction`]).
    pub actions: Vec<ProblemAction>,
}

/// A warning, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Warning {
    pub code: WarningCode,
    pub message: String,
}

/// A failed storage operation, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct StorageError {
    pub code: StorageCode,
    pub message: String,
    /// How to fix it, in the command line's words.
    pub fix: String,
    /// How to fix it in the dialog, naming its buttons, where `fix` names a command. The dialog's
    /// shell sends this as its error's fix; it is not part of the CLI's JSON.
    #[serde(skip)]
    pub fix_in_dialog: Option<String>,
}

/// What a check found wrong, with the values its text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The credential was refused; the likely causes depend on the way of connecting.
    InvalidCredentials {
        method: Method,
    },
    /// The server refused the credential and said it has expired (code `invalid_credentials`).
    CredentialExpired {
        method: Method,
    },
    EmailExpected {
        value: String,
    },
    UsernameExpected {
        value: String,
    },
    /// `detected` describes what was pasted ("an Atlassian API token").
    TokenKindMismatch {
        detected: String,
        chosen: Method,
        suggested: Method,
    },
    MissingScopes {
        scopes: Vec<String>,
    },
    InsufficientPermission {
        granted: String,
        required: String,
    },
    AppPasswordDisabled,
    NotBitbucket {
        url: String,
    },
    ServerTooOld {
        version: String,
        chosen: Method,
        minimum: String,
    },
    CaptchaRequired,
    SsoOnly,
    /// `resource` starts a sentence: "The repository acme/models". `suggestions`: the names the
    /// credential does reach that are closest to the one given, closest first (may be empty).
    ResourceNotFound {
        resource: String,
        suggestions: Vec<String>,
    },
    /// `field` starts a sentence: "The workspace".
    MissingField {
        field: String,
        chosen: Method,
    },
    /// `field` starts a sentence; `reason` says what is wrong with the value (never shows the
    /// value of a secret).
    InvalidValue {
        field: String,
        reason: String,
    },
    ForbiddenByPolicy {
        chosen: Method,
        reason: String,
    },
    /// A restriction of the policy file cannot be read, so it applies at its strictest (code
    /// `forbidden_by_policy`). `detail` says what is wrong and where.
    PolicyUnreadable {
        path: String,
        setting: PolicySetting,
        detail: String,
    },
    /// A template of the policy fixes the way to connect to this server and/or the profile, and
    /// the check asked for another (code `forbidden_by_policy`). At least one is `Some`.
    TemplateMismatch {
        template: String,
        method: Option<Method>,
        profile: Option<Profile>,
    },
    InsecureHttp {
        url: String,
    },
    CaFileInvalid {
        path: String,
        reason: String,
    },
    /// The certificate fingerprint to trust is not one.
    FingerprintInvalid {
        value: String,
    },
    /// The server's certificate was refused during the handshake: `fingerprint` is the SHA-256
    /// of the very certificate that handshake presented.
    TlsUntrusted {
        host: String,
        fingerprint: Option<String>,
        reason: TlsReason,
    },
    LoginPage {
        url: String,
    },
    /// A redirect to another origin, not followed.
    UnexpectedRedirect {
        location: String,
    },
    /// A redirect of a request that carried a Basic login, not followed: the login went once, to
    /// `from`. Code `unexpected_redirect`.
    LoginRedirected {
        from: String,
        location: String,
    },
    /// Same-origin redirects without end: `hops` of them, the last to `location`. Code
    /// `unexpected_redirect`.
    TooManyRedirects {
        location: String,
        hops: u32,
    },
    Unreachable {
        host: String,
        reason: String,
    },
    Timeout {
        host: String,
        seconds: u64,
    },
    RateLimited {
        retry_after: Option<Duration>,
    },
    ServerError {
        status: u16,
    },
    UnexpectedAnswer {
        detail: String,
    },
    /// A remote URL carries a password; `command`, run in `repository`, sets the same URL
    /// without it.
    PasswordInRemoteUrl {
        remote: String,
        repository: String,
        command: String,
    },
}

/// Why a server's certificate was not trusted, each with its own fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsReason {
    /// No certificate authority this computer trusts signed it (a company's private CA, often).
    UnknownIssuer,
    /// It is its own issuer: nobody vouches for it but the server.
    SelfSigned,
    /// `on`: the day it stopped being valid (`YYYY-MM-DD`), when known.
    Expired { on: Option<String> },
    /// `from`: the day it becomes valid (`YYYY-MM-DD`), when known.
    NotYetValid { from: Option<String> },
    /// Made for other host names or addresses: `names`, when known.
    WrongHost { names: Vec<String> },
    /// Not the one certificate this connection trusts by its fingerprint.
    NotPinned,
    /// Anything else (revoked, bad signature, wrong purpose...), as the TLS library words it.
    Other { detail: String },
}

/// What a check wants the user to know, with the values its text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    SyntheticIdentity {
        name: String,
    },
    PasswordDiscouraged,
    BaseUrlMismatch {
        link_host: String,
        host: String,
    },
    BaseUrlNormalised {
        base_url: String,
    },
    WriteScopeUnverified {
        scopes: Vec<String>,
    },
    ExpiryUnknown,
    /// What was removed from the pasted secret ("a \"Bearer \" prefix").
    SecretCleaned {
        removed: Vec<String>,
    },
    EmailInUsernameField {
        value: String,
    },
    /// The policy file cannot be used as written; `detail` says what is wrong and where.
    PolicyUnusable {
        path: String,
        detail: String,
    },
    /// A git credential helper (`store`) keeps secrets unencrypted in a file.
    PlainTextHelper {
        helper: String,
    },
    /// Git holds an Atlassian API token with a username: checking it needs the email, which git
    /// does not have.
    GitCredentialUnverified {
        username: String,
    },
    /// A remote URL names a git username that is not the saved connection's.
    RemoteUsernameMismatch {
        remote: String,
        username: String,
        expected: String,
    },
    /// A netrc file holds a password for a Bitbucket server, which git's HTTP library sends
    /// without asking any credential helper. `machine` is the entry's name (or `default`).
    NetrcCredential {
        path: String,
        machine: String,
    },
    /// A plain-text credentials file of git's `store` helper still holds a credential for `url`,
    /// although git no longer asks that helper for it; `command` erases it.
    LeftoverCredentials {
        path: String,
        url: String,
        command: String,
    },
    /// The server said when the credential expires, and that is soon.
    CredentialExpiresSoon {
        on: String,
        days_left: i32,
    },
    /// The credential could not be checked with its server; `reason` says why, as a sentence.
    CredentialNotChecked {
        reason: String,
    },
}

/// Why a storage operation failed, with the values its text names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageFault {
    KeychainUnavailable {
        reason: String,
    },
    KeychainLocked {
        reason: String,
    },
    KeychainFailure {
        reason: String,
    },
    DataDirUnavailable {
        reason: String,
    },
    MetadataUnreadable {
        path: String,
        reason: String,
    },
    MetadataTooNew {
        path: String,
        version: u64,
    },
    MetadataWriteFailed {
        path: String,
        reason: String,
    },
    NameTaken {
        name: String,
    },
    NotFound {
        name: String,
    },
    InvalidName {
        name: String,
    },
    InvalidDate {
        value: String,
    },
    SecretMissing {
        name: String,
    },
    /// The connection's secret was replaced between a check of the saved one and the change it
    /// was checked for.
    SecretChanged {
        name: String,
    },
    ExpiryBeyondPolicy {
        days: u32,
        latest: String,
        value: String,
    },
    /// A restriction that decides what may be saved cannot be read from the policy file.
    PolicyUnreadable {
        path: String,
        setting: PolicySetting,
        detail: String,
    },
}

impl Fault {
    pub fn code(&self) -> ProblemCode {
        use ProblemCode as C;
        match self {
            Self::InvalidCredentials { .. } | Self::CredentialExpired { .. } => C::InvalidCredentials,
            Self::EmailExpected { .. } => C::EmailExpected,
            Self::UsernameExpected { .. } => C::UsernameExpected,
            Self::TokenKindMismatch { .. } => C::TokenKindMismatch,
            Self::MissingScopes { .. } => C::MissingScopes,
            Self::InsufficientPermission { .. } => C::InsufficientPermission,
            Self::AppPasswordDisabled => C::AppPasswordDisabled,
            Self::NotBitbucket { .. } => C::NotBitbucket,
            Self::ServerTooOld { .. } => C::ServerTooOld,
            Self::CaptchaRequired => C::CaptchaRequired,
            Self::SsoOnly => C::SsoOnly,
            Self::ResourceNotFound { .. } => C::ResourceNotFound,
            Self::MissingField { .. } => C::MissingField,
            Self::InvalidValue { .. } => C::InvalidValue,
            Self::ForbiddenByPolicy { .. }
            | Self::PolicyUnreadable { .. }
            | Self::TemplateMismatch { .. } => C::ForbiddenByPolicy,
            Self::InsecureHttp { .. } => C::InsecureHttp,
            Self::CaFileInvalid { .. } => C::CaFileInvalid,
            Self::FingerprintInvalid { .. } => C::FingerprintInvalid,
            Self::TlsUntrusted { .. } => C::TlsUntrusted,
            Self::LoginPage { .. } => C::LoginPage,
            Self::UnexpectedRedirect { .. }
            | Self::LoginRedirected { .. }
            | Self::TooManyRedirects { .. } => C::UnexpectedRedirect,
            Self::Unreachable { .. } => C::Unreachable,
            Self::Timeout { .. } => C::Timeout,
            Self::RateLimited { .. } => C::RateLimited,
            Self::ServerError { .. } => C::ServerError,
            Self::UnexpectedAnswer { .. } => C::UnexpectedAnswer,
            Self::PasswordInRemoteUrl { .. } => C::PasswordInRemoteUrl,
        }
    }

    /// The message and the fix, in English.
    pub fn text(&self) -> (String, String) {
        let (message, fix): (String, String) = match self {
            Self::InvalidCredentials { method } => {
                let (message, fix) = refusal_text(*method);
                (message.into(), fix.into())
            }
            Self::CredentialExpired { method } => (
                format!("The server refused this credential ({}) and said why: it has expired.", method.label()),
                match (method, method.provider()) {
                    (Method::Oauth | Method::DataCenterOauth, _) => "Sign in again to get a fresh access token.".into(),
                    (_, ProviderKind::Cloud) => format!(
                        "Create a new one (`repoconn link --cloud --method {}` says where and what to tick) and use it instead.",
                        method.id()
                    ),
                    (_, ProviderKind::DataCenter) => "Create a new HTTP access token on the server (your avatar, Manage account, HTTP access tokens) and use it instead.".into(),
                },
            ),
            Self::EmailExpected { value } => (
                format!("An API token is checked with your Atlassian account email, and \"{value}\" is not an email address."),
                "Type the email you log in to Atlassian with. Your Bitbucket username is only for git, and we fill it in for you after the check.".into(),
            ),
            Self::UsernameExpected { value } => (
                format!("This needs your username, and \"{value}\" looks like an email address."),
                "Type your username: on Bitbucket Data Center it is shown in your profile; on Bitbucket Cloud under Personal settings, Account settings.".into(),
            ),
            Self::TokenKindMismatch { detected, suggested: Method::AppPassword, .. } => (
                format!("What you pasted looks like {detected}, and app passwords stopped working on 28 July 2026: Bitbucket no longer accepts them."),
                "Create an API token with scopes (Atlassian account settings, Security, API tokens) and check it with `--method api-token` and your Atlassian email (`--email`).".into(),
            ),
            Self::TokenKindMismatch { detected, chosen, suggested } => (
                format!("What you pasted looks like {detected}, but you chose {}.", chosen.label()),
                format!("Check it with `--method {}`, or give the kind of credential you chose.", suggested.id()),
            ),
            Self::MissingScopes { scopes } => (
                format!("The credential works but lacks these scopes: {}.", scopes.join(", ")),
                "Scopes cannot be added to an existing token. Create a new one with every scope listed here ticked, and use it instead of this one.".into(),
            ),
            Self::InsufficientPermission { granted, required } => (
                format!("The credential works but is only allowed {granted}, and this needs {required}."),
                format!("Create a new token with the {required} permission (it can never exceed what your own account may do), or ask a project administrator for more access."),
            ),
            Self::AppPasswordDisabled => (
                "App passwords stopped working on 28 July 2026: Bitbucket no longer accepts them.".into(),
                "Create an API token with scopes (Atlassian account settings, Security, API tokens) and connect with `--method api-token` and your Atlassian email (`--email`) instead.".into(),
            ),
            Self::NotBitbucket { url } => (
                format!("{url} does not answer like a Bitbucket Data Center server."),
                "Check the address: it is the one you open Bitbucket with in the browser, including any path such as /bitbucket.".into(),
            ),
            Self::ServerTooOld { version, chosen, minimum } => (
                format!("This server runs Bitbucket {version}, which does not support {} (they arrived in {minimum}).", chosen.label()),
                "Connect with your username and password instead, or ask your administrators to upgrade.".into(),
            ),
            Self::CaptchaRequired => (
                "The server has locked this account behind a CAPTCHA after too many failed logins, so it refuses every password and token sent from outside the browser.".into(),
                "Log in once in the browser (solving the CAPTCHA) and check again. We send at most one password attempt per check, so checking does not make this worse.".into(),
            ),
            Self::SsoOnly => (
                "This server only lets people log in through single sign-on, so a username and password cannot be used.".into(),
                "Create a personal HTTP access token instead (your avatar, Manage account, HTTP access tokens) and connect with it.".into(),
            ),
            Self::ResourceNotFound { resource, suggestions } => (
                match suggestions.as_slice() {
                    [] => format!("{resource} was not found, or this credential may not see it."),
                    names => format!(
                        "{resource} was not found, or this credential may not see it. Did you mean {}?",
                        names.join(", ")
                    ),
                },
                "Check the spelling (it is the name in the browser's address bar) and that the credential was created for it.".into(),
            ),
            Self::MissingField { field, chosen } => (
                format!("{field} is needed for {}.", chosen.label()),
                format!("Fill in {}.", lower_first(field)),
            ),
            Self::InvalidValue { field, reason } => (
                format!("{field} cannot be used: {reason}."),
                format!(
                    "Type {} again, without line breaks or other invisible characters.",
                    lower_first(field)
                ),
            ),
            Self::ForbiddenByPolicy { chosen, reason } => (
                format!("{} may not be used here: {reason}", chosen.label()),
                "Choose another way to connect, or ask your administrators.".into(),
            ),
            Self::PolicyUnreadable { path, setting, detail } => {
                let consequence = match setting {
                    PolicySetting::AllowedMethods => "this way to connect may not be used",
                    PolicySetting::Proxy => "nothing is sent to any server",
                    PolicySetting::Templates => "connections to this server cannot be checked",
                    PolicySetting::MaxTokenLifetimeDays => "nothing can be saved",
                    PolicySetting::CaFile => "its certificate is not trusted",
                    PolicySetting::OauthClients => "signing in with Bitbucket needs the consumer's key and secret from you",
                    PolicySetting::Updates => "the app does not look for new versions",
                };
                (
                    format!(
                        "Your organisation's policy file {path} cannot be read where it {} ({detail}), so {consequence} until it is fixed.",
                        setting.what()
                    ),
                    "Ask your administrators to fix the policy file: this message names what is wrong and where. Nothing was sent.".into(),
                )
            }
            Self::TemplateMismatch { template, method, profile } => {
                let (mut fixed, mut which) = (Vec::new(), Vec::new());
                if let Some(method) = method {
                    fixed.push(format!("the way to connect (\"{}\")", method.label()));
                    which.push("way to connect");
                }
                if let Some(profile) = profile {
                    fixed.push(format!("the profile (\"{}\")", profile.label()));
                    which.push("profile");
                }
                (
                    format!(
                        "Your organisation's template \"{template}\" fixes {} for this server.",
                        fixed.join(" and ")
                    ),
                    format!(
                        "Choose the template \"{template}\" in the dialog, or check again with that {}.",
                        which.join(" and ")
                    ),
                )
            }
            Self::InsecureHttp { url } => (
                format!("{url} uses plain http://, which would send your credential unencrypted."),
                "Use the https:// address. If this server truly has none, allow plain http for this connection only with `--allow-http`.".into(),
            ),
            Self::CaFileInvalid { path, reason } => (
                format!("The certificate file {path} cannot be used: {reason}."),
                "Give a PEM file (text starting with -----BEGIN CERTIFICATE-----) holding your company's root certificate or the server's own certificate with `--ca-file`.".into(),
            ),
            Self::FingerprintInvalid { value } => (
                format!("\"{value}\" is not a certificate fingerprint: a SHA-256 fingerprint is 64 hexadecimal digits, often written in pairs separated by colons (AB:CD:...)."),
                "Copy the SHA-256 fingerprint your administrators publish for the server's certificate, or the one shown when the certificate was refused, and compare them before trusting it.".into(),
            ),
            Self::TlsUntrusted {
                host,
                fingerprint,
                reason,
            } => tls_untrusted_text(host, fingerprint.as_deref(), reason),
            Self::LoginPage { url } => (
                format!("{} answered with a web page (a single sign-on or proxy login page) instead of Bitbucket.", server_part(url)),
                "Check the server address (the one you open Bitbucket with in the browser, including any path such as /bitbucket), and whether a proxy or VPN needs you to log in first.".into(),
            ),
            Self::UnexpectedRedirect { location } => (
                format!("The server sent us on to another address ({location}). We did not send your credential there."),
                "Use the final address as the base URL if you trust it, or ask your administrators why the server redirects.".into(),
            ),
            Self::LoginRedirected { from, location } => (
                format!("The server answered {from} by sending us on to {location}. Your login was sent once, to {from}, and not to {location}: a login is never sent again after a redirect, as failed logins lead to a CAPTCHA lock."),
                "Check the server address (the one you open Bitbucket with, including any path such as /bitbucket). If it is right, ask your administrators why the server, or a proxy in front of it, redirects its REST API.".into(),
            ),
            Self::TooManyRedirects { location, hops } => (
                format!("The server kept sending us on from one of its addresses to another ({hops} redirects, the last to {location}), so we stopped. Every address was on the same server: the credential went nowhere else."),
                "The server, or a proxy in front of it, is sending requests round in a loop: ask your administrators to look at its redirects.".into(),
            ),
            Self::Unreachable { host, reason } => (
                format!("{host} could not be reached: {reason}."),
                "Check the address and your network connection, VPN or proxy settings (HTTPS_PROXY), then check again.".into(),
            ),
            Self::Timeout { host, seconds } => (
                format!("{host} did not answer within {seconds} seconds."),
                "Check your network or VPN and try again; the server may be slow or overloaded.".into(),
            ),
            Self::RateLimited { retry_after } => (
                format!(
                    "Bitbucket is limiting how many requests this account may make right now (try again in {}).",
                    retry_after.map(human_duration).unwrap_or_else(|| "a while".to_owned())
                ),
                "Wait and check again. Nothing is wrong with the credential itself.".into(),
            ),
            Self::ServerError { status } => (
                format!("The server had an internal error (HTTP {status}) and could not answer."),
                "Try again in a few minutes. Nothing is wrong with the credential itself as far as we know.".into(),
            ),
            Self::UnexpectedAnswer { detail } => (
                format!("The server gave an answer we could not read ({detail})."),
                "Check that the address points at Bitbucket and not at a proxy, then try again.".into(),
            ),
            Self::PasswordInRemoteUrl { remote, repository, command } => (
                format!("The remote {remote} has a password written into its URL: it is kept in plain text in the repository's configuration and shown by every `git remote -v`."),
                format!("Take it out with `{command}` in {repository}, then let a credential helper answer instead (`repoconn git setup NAME`)."),
            ),
        };
        (message, fix)
    }
}

impl Fault {
    /// The fix in the dialog's words, where [`Fault::text`]'s fix names the command line's flags:
    /// it names the buttons beside the problem ([`Fault::actions`]) and the form's controls.
    pub fn fix_in_dialog(&self) -> Option<String> {
        let text = match self {
            Self::TokenKindMismatch {
                suggested: Method::AppPassword,
                ..
            }
            | Self::AppPasswordDisabled => {
                "Create an API token with scopes instead: Generate an API token opens Atlassian's page for it and switches this form to API token.".to_owned()
            }
            Self::TokenKindMismatch { suggested, .. } => format!(
                "Choose \"{}\" as the way to connect, or paste the kind of credential you chose.",
                suggested.label()
            ),
            Self::InsecureHttp { .. } => "Use the https:// address. If this server truly has none, allow unencrypted http for this server: anyone on the network between you and it can then read the credential.".to_owned(),
            Self::CaFileInvalid { .. } => "Choose a PEM file (text starting with -----BEGIN CERTIFICATE-----) holding your company's root certificate or the server's own certificate.".to_owned(),
            Self::TlsUntrusted {
                fingerprint,
                reason,
                ..
            } => return tls_untrusted_fix_in_dialog(fingerprint.is_some(), reason),
            Self::Unreachable { .. } => "Check the address and your network connection, VPN or proxy, then check again.".to_owned(),
            Self::PasswordInRemoteUrl { remote, repository, .. } => format!(
                "Remove the password from the address of the remote \"{remote}\" in {repository} (git's remote set-url command does it), then let git use a saved connection: Let git use this connection, after saving one."
            ),
            Self::CredentialExpired { method } if *method != Method::Oauth && method.provider() == ProviderKind::Cloud => {
                "Create a new one with Generate, paste it in place of this one, and press Test.".to_owned()
            }
            _ => return None,
        };
        Some(text)
    }
}

impl From<Fault> for Problem {
    fn from(fault: Fault) -> Self {
        let (message, fix) = fault.text();
        Self {
            code: fault.code(),
            message,
            fix,
            fix_in_dialog: fault.fix_in_dialog(),
            actions: fault.actions(),
        }
    }
}

/// "https://git.example.com/bitbucket/" of "https://git.example.com/bitbucket/rest/api/1.0/...":
/// the server's own address, which is what the person typed, rather than one of its REST paths.
fn server_part(url: &str) -> &str {
    ["/rest/", "/2.0/"]
        .iter()
        .filter_map(|api| url.find(api).map(|at| &url[..=at]))
        .next()
        .unwrap_or(url)
}

/// The dialog's fix for a refused certificate that can be trusted there (its buttons do it).
fn tls_untrusted_fix_in_dialog(has_fingerprint: bool, reason: &TlsReason) -> Option<String> {
    let trust = if has_fingerprint {
        ", or, once this fingerprint matches the one your administrators publish, trust this certificate for this server"
    } else {
        ""
    };
    match reason {
        TlsReason::UnknownIssuer | TlsReason::SelfSigned => Some(format!(
            "Choose the server's certificate or your company's root certificate (a PEM file your administrators give you){trust}."
        )),
        TlsReason::NotPinned if has_fingerprint => Some("If your administrators replaced the server's certificate, compare this fingerprint with the one they publish and trust this certificate for this server; if they did not, someone may be intercepting the connection: tell them.".to_owned()),
        TlsReason::NotPinned => Some("Tell your administrators: the server no longer presents the certificate this connection trusts.".to_owned()),
        TlsReason::Other { .. } => Some(format!(
            "Tell your administrators what this says. If your company inspects HTTPS traffic, choose its root certificate (a PEM file){trust}."
        )),
        TlsReason::Expired { .. } | TlsReason::NotYetValid { .. } | TlsReason::WrongHost { .. } => None,
    }
}

/// What is wrong with a refused certificate, and what the person can do about it right now.
fn tls_untrusted_text(host: &str, fingerprint: Option<&str>, reason: &TlsReason) -> (String, String) {
    let shown = fingerprint.unwrap_or("unknown");
    let trust_it = match fingerprint {
        Some(fp) => format!("`--trust-fingerprint {fp}`"),
        None => "`--trust-fingerprint` with the fingerprint they publish".to_owned(),
    };
    let (why, fix) = match reason {
        TlsReason::UnknownIssuer | TlsReason::SelfSigned => (
            if *reason == TlsReason::SelfSigned {
                "it is self-signed, so no certificate authority vouches for it".to_owned()
            } else {
                "no certificate authority this computer trusts signed it".to_owned()
            },
            format!("Choose the server's certificate or your company's root certificate (a PEM file) as this connection's CA file (`--ca-file`), or, after comparing the fingerprint with the one your administrators publish, trust exactly this certificate ({trust_it})."),
        ),
        TlsReason::Expired { on } => match on {
            Some(on) => (
                format!("it expired on {on}"),
                format!("The server's certificate expired on {on}: tell your administrators. Nothing was sent."),
            ),
            None => (
                "it has expired".to_owned(),
                "The server's certificate has expired: tell your administrators. Nothing was sent.".to_owned(),
            ),
        },
        TlsReason::NotYetValid { from } => (
            match from {
                Some(from) => format!("it only becomes valid on {from}"),
                None => "it is not valid yet".to_owned(),
            },
            "Check this computer's date and time; if they are right, tell your administrators. Nothing was sent.".to_owned(),
        ),
        TlsReason::WrongHost { names } if !names.is_empty() => {
            let that = if names.len() == 1 {
                "that address"
            } else {
                "one of those addresses"
            };
            let names = names.join(", ");
            (
                format!("it is for {names}, not {host}"),
                format!("The certificate is for {names}: use {that} as the server address. If {host} is the right address, tell your administrators that its certificate does not cover it."),
            )
        }
        TlsReason::WrongHost { .. } => (
            format!("it is not for {host}"),
            format!("The certificate was made for another address: use the address your administrators give for Bitbucket, or tell them that the certificate does not cover {host}."),
        ),
        TlsReason::NotPinned => (
            "it is not the one certificate this connection trusts by its fingerprint".to_owned(),
            format!("If your administrators replaced the server's certificate, compare this fingerprint with the one they publish and trust the new certificate instead ({trust_it}); if they did not, someone may be intercepting the connection: tell them."),
        ),
        TlsReason::Other { detail } => (
            format!("it was refused ({detail})"),
            "Tell your administrators what this says. If your company inspects HTTPS traffic, choose its root certificate (a PEM file) as this connection's CA file (`--ca-file`).".to_owned(),
        ),
    };
    (
        format!(
            "{host} presented a certificate this computer does not trust: {why} (SHA-256 fingerprint {shown}). Nothing was sent to it."
        ),
        fix,
    )
}

/// Why Bitbucket may have refused a credential, by the way it was sent.
fn refusal_text(method: Method) -> (&'static str, &'static str) {
    use Method as M;
    match method {
        M::ApiToken => (
            "Bitbucket refused the email and API token. One of four things is wrong: the email is not the one of your Atlassian account, the token was created without scopes (\"Create API token\" instead of \"Create API token with scopes\"), the token has expired, or it was revoked.",
            "Check that the email is the one you log in to Atlassian with. If it is, create a new token with \"Create API token with scopes\", choose the Bitbucket app and tick the scopes listed here.",
        ),
        M::RepositoryAccessToken | M::ProjectAccessToken | M::WorkspaceAccessToken => (
            "Bitbucket refused this access token: it was revoked, it expired, or it belongs to another repository, project or workspace.",
            "Create a new access token in the settings of the repository, project or workspace it should open, and use it instead of this one.",
        ),
        M::Oauth => (
            "Bitbucket refused this OAuth access token: it expired (they last two hours) or it was revoked.",
            "Sign in again to get a fresh access token.",
        ),
        M::DataCenterOauth => (
            "The server refused this OAuth access token: it expired (they last an hour unless your administrators chose otherwise) or the sign-in was revoked.",
            "Sign in again to get a fresh access token.",
        ),
        M::AppPassword => (
            "Bitbucket refused the username and app password.",
            "App passwords no longer work: create an API token with scopes instead.",
        ),
        M::PersonalToken | M::ProjectToken | M::RepositoryToken => (
            "The server refused this HTTP access token: it expired, it was revoked, or the username does not match the token's owner.",
            "Create a new HTTP access token on the server (your avatar, Manage account, HTTP access tokens) and use it instead of this one. If you typed a username, it must be the token owner's.",
        ),
        M::Basic => (
            "The server refused this username and password.",
            "Check both, and that you can log in to the server's web page with them. After several failures the server asks for a CAPTCHA: log in once in the browser to clear it.",
        ),
    }
}

impl Notice {
    pub fn code(&self) -> WarningCode {
        use WarningCode as C;
        match self {
            Self::SyntheticIdentity { .. } => C::SyntheticIdentity,
            Self::PasswordDiscouraged => C::PasswordDiscouraged,
            Self::BaseUrlMismatch { .. } => C::BaseUrlMismatch,
            Self::BaseUrlNormalised { .. } => C::BaseUrlNormalised,
            Self::WriteScopeUnverified { .. } => C::WriteScopeUnverified,
            Self::ExpiryUnknown => C::ExpiryUnknown,
            Self::SecretCleaned { .. } => C::SecretCleaned,
            Self::EmailInUsernameField { .. } => C::EmailInUsernameField,
            Self::PolicyUnusable { .. } => C::PolicyUnusable,
            Self::PlainTextHelper { .. } => C::PlainTextHelper,
            Self::GitCredentialUnverified { .. } => C::GitCredentialUnverified,
            Self::RemoteUsernameMismatch { .. } => C::RemoteUsernameMismatch,
            Self::NetrcCredential { .. } => C::NetrcCredential,
            Self::LeftoverCredentials { .. } => C::LeftoverCredentials,
            Self::CredentialExpiresSoon { .. } => C::CredentialExpiresSoon,
            Self::CredentialNotChecked { .. } => C::CredentialNotChecked,
        }
    }

    /// The message, in English.
    pub fn text(&self) -> String {
        match self {
            Self::SyntheticIdentity { name } => format!(
                "This token is not a person: comments, approvals and pushes made with it appear under {name}, a user the server made for the token, and it cannot merge pull requests that need an author's email."
            ),
            Self::PasswordDiscouraged => "Passwords are the weakest way to connect: a personal HTTP access token can be limited to what is needed and revoked on its own.".into(),
            Self::BaseUrlMismatch { link_host, host } => format!(
                "The server's links point at {link_host} rather than {host}: its base URL setting may be wrong, and clone links from it may not work."
            ),
            Self::BaseUrlNormalised { base_url } => {
                format!("We use {base_url} as the server address (taken from what you pasted).")
            }
            Self::WriteScopeUnverified { scopes } => format!(
                "{} cannot be confirmed without changing something on Bitbucket. Make sure they were ticked when the token was created.",
                scopes.join(", ")
            ),
            Self::ExpiryUnknown => "Bitbucket does not tell when this credential expires. Note the date you chose when creating it.".into(),
            Self::SecretCleaned { removed } => {
                format!("We removed {} from what you pasted.", removed.join(" and "))
            }
            Self::EmailInUsernameField { value } => {
                format!("We used {value} as your Atlassian email: API tokens are checked with the email.")
            }
            Self::PolicyUnusable { path, detail } => format!(
                "Your organisation's policy file {path} cannot be used as written: {detail}. The settings that can be read apply; one that cannot be read and restricts something applies at its strictest, until your administrators fix the file."
            ),
            Self::PlainTextHelper { helper } => format!(
                "The git credential helper \"{helper}\" keeps secrets unencrypted in a file (~/.git-credentials): anyone who can read your files can read them."
            ),
            Self::GitCredentialUnverified { username } => format!(
                "Git holds an Atlassian API token for the git username {username}. It was not checked: an API token is checked with your Atlassian email, which git does not keep."
            ),
            Self::RemoteUsernameMismatch { remote, username, expected } => format!(
                "The remote {remote} names the git username {username}, but the saved connection for this server uses {expected}: git will ask for {username}'s credential."
            ),
            Self::NetrcCredential { path, machine } => format!(
                "{path} holds a password for {machine} in plain text, and git's HTTP library sends it on its own, before any credential helper is asked. Delete the \"machine {machine}\" entry (its login and password lines) from {path}."
            ),
            Self::LeftoverCredentials { path, url, command } => format!(
                "{path} still holds a plain-text credential for {url}, although git no longer asks the store helper for it. Erase it with: {command}"
            ),
            Self::CredentialExpiresSoon { on, days_left } => match days_left {
                0 => format!("The server says this credential expires today ({on}). Create a new one before then."),
                1 => format!("The server says this credential expires tomorrow ({on}). Create a new one before then."),
                days => format!("The server says this credential expires in {days} days ({on}). Create a new one before then."),
            },
            Self::CredentialNotChecked { reason } => format!(
                "This credential could not be checked with its server. {reason} Run `repoconn git scan` again once that is fixed."
            ),
        }
    }
}

impl From<Notice> for Warning {
    fn from(notice: Notice) -> Self {
        Self {
            code: notice.code(),
            message: notice.text(),
        }
    }
}

impl StorageFault {
    pub fn code(&self) -> StorageCode {
        use StorageCode as C;
        match self {
            Self::KeychainUnavailable { .. } => C::KeychainUnavailable,
            Self::KeychainLocked { .. } => C::KeychainLocked,
            Self::KeychainFailure { .. } => C::KeychainFailure,
            Self::DataDirUnavailable { .. } => C::DataDirUnavailable,
            Self::MetadataUnreadable { .. } => C::MetadataUnreadable,
            Self::MetadataTooNew { .. } => C::MetadataTooNew,
            Self::MetadataWriteFailed { .. } => C::MetadataWriteFailed,
            Self::NameTaken { .. } => C::NameTaken,
            Self::NotFound { .. } => C::NotFound,
            Self::InvalidName { .. } => C::InvalidName,
            Self::InvalidDate { .. } => C::InvalidDate,
            Self::SecretMissing { .. } => C::SecretMissing,
            Self::SecretChanged { .. } => C::SecretChanged,
            Self::ExpiryBeyondPolicy { .. } => C::ExpiryBeyondPolicy,
            Self::PolicyUnreadable { .. } => C::PolicyUnreadable,
        }
    }

    /// The message and the fix, in English.
    pub fn text(&self) -> (String, String) {
        // The keychain is always the one this build writes to.
        let keychain = KeychainBackend::current().display_name();
        match self {
            Self::KeychainUnavailable { reason } => (
                format!("The {keychain} cannot be reached: {reason}."),
                "On Linux a Secret Service must run in your session: log in to a desktop with GNOME Keyring or KWallet; on a machine without a desktop, run inside `dbus-run-session` after `gnome-keyring-daemon --unlock`. Nothing was saved.".into(),
            ),
            Self::KeychainLocked { reason } => (
                format!("The {keychain} is locked or refused access: {reason}."),
                "Unlock it (log in to your desktop session, or unlock the \"login\" keyring in your passwords app) and try again. Nothing was saved.".into(),
            ),
            Self::KeychainFailure { reason } => (
                format!("The {keychain} failed: {reason}."),
                "Try again; if it persists, look at the keychain with your system's passwords app. Nothing was saved.".into(),
            ),
            Self::DataDirUnavailable { reason } => (
                format!("There is no folder to keep connections in: {reason}."),
                "Set REPOCONN_DATA_DIR to a folder you can write to.".into(),
            ),
            Self::MetadataUnreadable { path, reason } => (
                format!("The connections file {path} cannot be read: {reason}."),
                "Nothing was changed. Restore the file from a backup or move it aside; `repoconn doctor` shows what the keychain still holds.".into(),
            ),
            Self::MetadataTooNew { path, version } => (
                format!("The connections file {path} was written by a newer Repository Connections (format {version})."),
                "Update Repository Connections; this version leaves the file untouched.".into(),
            ),
            Self::MetadataWriteFailed { path, reason } => (
                format!("The connections file {path} could not be written: {reason}."),
                "Check the free space and permissions of its folder. Nothing was changed.".into(),
            ),
            Self::NameTaken { name } => (
                format!("There is already a connection named \"{name}\"."),
                format!("Choose another name, or replace that connection's credential with `repoconn rotate {name}`, or remove it with `repoconn remove {name}`."),
            ),
            Self::NotFound { name } => (
                format!("There is no connection named \"{name}\"."),
                "`repoconn list` shows the saved connections.".into(),
            ),
            Self::InvalidName { name } => (
                format!("\"{name}\" cannot be a connection name."),
                "Use 1 to 64 letters, digits, spaces, dots, dashes or underscores.".into(),
            ),
            Self::InvalidDate { value } => (
                format!("\"{value}\" is not a date."),
                "Write it as YYYY-MM-DD, for example 2027-11-26.".into(),
            ),
            Self::SecretMissing { name } => (
                format!("The keychain holds no secret for \"{name}\"."),
                format!("Store a new one with `repoconn rotate {name}`, or remove the connection."),
            ),
            Self::SecretChanged { name } => (
                format!("The secret of \"{name}\" was replaced while this change was being checked, so nothing was changed."),
                "Run the same command again: it checks the secret saved now.".into(),
            ),
            Self::ExpiryBeyondPolicy { days, latest, value } => (
                format!("Your organisation's policy allows tokens to live at most {days} days, so it must expire by {latest}; {value} is later."),
                format!("Create the token with an expiry date no later than {latest}, and give that date."),
            ),
            Self::PolicyUnreadable { path, setting, detail } => (
                format!(
                    "Your organisation's policy file {path} cannot be read where it {} ({detail}), so nothing can be saved until it is fixed.",
                    setting.what()
                ),
                "Ask your administrators to fix the policy file: this message names what is wrong and where. Nothing was saved.".into(),
            ),
        }
    }
}

impl StorageFault {
    /// The fix in the dialog's words, where [`StorageFault::text`]'s names a command.
    pub fn fix_in_dialog(&self) -> Option<String> {
        match self {
            Self::NameTaken { .. } => Some(
                "Choose another name, or go back to the list and Edit or Delete the connection that has it."
                    .into(),
            ),
            Self::NotFound { .. } => Some("Go back to the list: it shows the saved connections.".into()),
            Self::SecretMissing { .. } => {
                Some("Press Edit on it in the list and paste a new secret, or Delete it.".into())
            }
            Self::SecretChanged { .. } => Some("Press Test again, then Save.".into()),
            _ => None,
        }
    }
}

impl From<StorageFault> for StorageError {
    fn from(fault: StorageFault) -> Self {
        let (message, fix) = fault.text();
        Self {
            code: fault.code(),
            message,
            fix,
            fix_in_dialog: fault.fix_in_dialog(),
        }
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// "a second", "45 seconds", "3 minutes": how long until Bitbucket takes requests again.
fn human_duration(d: Duration) -> String {
    match d.as_secs() {
        0..=1 => "a second".to_owned(),
        s @ 2..=119 => format!("{s} seconds"),
        s => format!("{} minutes", s.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One entry of every family with every value filled, so each text is seen complete.
    pub(crate) fn every_fault() -> Vec<Fault> {
        let s = |text: &str| text.to_owned();
        let mut faults: Vec<Fault> = Method::ALL
            .into_iter()
            .map(|method| Fault::InvalidCredentials { method })
            .collect();
        faults.extend([
            Fault::EmailExpected { value: s("ada") },
            Fault::UsernameExpected {
                value: s("ada@example.com"),
            },
            Fault::TokenKindMismatch {
                detected: s("an Atlassian API token"),
                chosen: Method::RepositoryAccessToken,
                suggested: Method::ApiToken,
            },
            Fault::MissingScopes {
                scopes: vec![s("read:user:bitbucket"), s("write:pullrequest:bitbucket")],
            },
            Fault::InsufficientPermission {
                granted: s("REPO_READ"),
                required: s("REPO_WRITE"),
            },
            Fault::AppPasswordDisabled,
            Fault::NotBitbucket {
                url: s("https://example.com/"),
            },
            Fault::ServerTooOld {
                version: s("5.4.0"),
                chosen: Method::PersonalToken,
                minimum: s("Bitbucket Server 5.5"),
            },
            Fault::CaptchaRequired,
            Fault::SsoOnly,
            Fault::ResourceNotFound {
                resource: s("The repository acme/models"),
                suggestions: vec![],
            },
            Fault::ResourceNotFound {
                resource: s("The workspace acm"),
                suggestions: vec![s("acme"), s("acme-data")],
            },
            Fault::MissingField {
                field: s("The workspace"),
                chosen: Method::WorkspaceAccessToken,
            },
            Fault::InvalidValue {
                field: s("The repository"),
                reason: s("\".\" and \"..\" are not names"),
            },
            Fault::ForbiddenByPolicy {
                chosen: Method::Basic,
                reason: s("passwords are not allowed."),
            },
            Fault::TemplateMismatch {
                template: s("Example Corp Bitbucket"),
                method: Some(Method::PersonalToken),
                profile: Some(Profile::ReadOnly),
            },
            Fault::TemplateMismatch {
                template: s("Example Corp Bitbucket"),
                method: None,
                profile: Some(Profile::PullRequests),
            },
            Fault::InsecureHttp {
                url: s("http://git.example.com/"),
            },
            Fault::CaFileInvalid {
                path: s("/etc/ca.pem"),
                reason: s("no certificate in it"),
            },
            Fault::FingerprintInvalid { value: s("AB:CD") },
        ]);
        faults.extend(
            [
                TlsReason::UnknownIssuer,
                TlsReason::SelfSigned,
                TlsReason::Expired {
                    on: Some(s("2026-01-31")),
                },
                TlsReason::Expired { on: None },
                TlsReason::NotYetValid {
                    from: Some(s("2027-01-01")),
                },
                TlsReason::NotYetValid { from: None },
                TlsReason::WrongHost {
                    names: vec![s("bitbucket.example.com"), s("10.0.0.7")],
                },
                TlsReason::WrongHost { names: vec![] },
                TlsReason::NotPinned,
                TlsReason::Other {
                    detail: s("invalid peer certificate: Revoked"),
                },
            ]
            .into_iter()
            .flat_map(|reason| {
                [Some(s("AB:CD")), None].map(|fingerprint| Fault::TlsUntrusted {
                    host: s("git.example.com"),
                    fingerprint,
                    reason: reason.clone(),
                })
            }),
        );
        faults.extend([
            Fault::LoginPage {
                url: s("https://git.example.com/"),
            },
            Fault::UnexpectedRedirect {
                location: s("https://sso.example.com/"),
            },
            Fault::LoginRedirected {
                from: s("https://git.example.com/rest/api/1.0/repos?limit=1"),
                location: s("https://git.example.com/rest/api/1.0/repos/?limit=1"),
            },
            Fault::TooManyRedirects {
                location: s("https://git.example.com/rest/api/1.0/repos?limit=1"),
                hops: 4,
            },
            Fault::Unreachable {
                host: s("git.example.com"),
                reason: s("connection refused"),
            },
            Fault::Timeout {
                host: s("git.example.com"),
                seconds: 10,
            },
            Fault::RateLimited {
                retry_after: Some(Duration::from_secs(30)),
            },
            Fault::ServerError { status: 503 },
            Fault::UnexpectedAnswer {
                detail: s("HTTP 418"),
            },
            Fault::PasswordInRemoteUrl {
                remote: s("origin"),
                repository: s("/home/ada/models"),
                command: s("git remote set-url origin https://ada@bitbucket.org/acme/models.git"),
            },
        ]);
        faults
            .extend([Method::Oauth, Method::PersonalToken].map(|method| Fault::CredentialExpired { method }));
        faults.extend(PolicySetting::ALL.map(|setting| Fault::PolicyUnreadable {
            path: s("/etc/repoconn/policy.json"),
            setting,
            detail: s("line 3, column 22: unknown variant `pasword`"),
        }));
        faults
    }

    fn every_notice() -> Vec<Notice> {
        let s = |text: &str| text.to_owned();
        vec![
            Notice::SyntheticIdentity {
                name: s("project_1_bot"),
            },
            Notice::PasswordDiscouraged,
            Notice::BaseUrlMismatch {
                link_host: s("localhost"),
                host: s("git.example.com"),
            },
            Notice::BaseUrlNormalised {
                base_url: s("https://git.example.com/bitbucket"),
            },
            Notice::WriteScopeUnverified {
                scopes: vec![s("write:repository:bitbucket")],
            },
            Notice::ExpiryUnknown,
            Notice::SecretCleaned {
                removed: vec![s("spaces"), s("a \"Bearer \" prefix")],
            },
            Notice::EmailInUsernameField {
                value: s("ada@example.com"),
            },
            Notice::PolicyUnusable {
                path: s("/etc/repoconn/policy.json"),
                detail: s("line 2, column 31: trailing comma"),
            },
            Notice::PlainTextHelper { helper: s("store") },
            Notice::GitCredentialUnverified {
                username: s("ada_lovelace"),
            },
            Notice::RemoteUsernameMismatch {
                remote: s("origin"),
                username: s("ada"),
                expected: s("ada_lovelace"),
            },
            Notice::NetrcCredential {
                path: s("/home/ada/.netrc"),
                machine: s("bitbucket.org"),
            },
            Notice::LeftoverCredentials {
                path: s("/home/ada/.git-credentials"),
                url: s("https://bitbucket.org"),
                command: s(
                    "printf 'protocol=https\\nhost=bitbucket.org\\n\\n' | git credential-store --file /home/ada/.git-credentials erase",
                ),
            },
            Notice::CredentialExpiresSoon {
                on: s("2027-05-26"),
                days_left: 12,
            },
            Notice::CredentialExpiresSoon {
                on: s("2027-05-26"),
                days_left: 0,
            },
            Notice::CredentialNotChecked {
                reason: s("git.example.com could not be reached: connection refused."),
            },
        ]
    }

    fn every_storage_fault() -> Vec<StorageFault> {
        let s = |text: &str| text.to_owned();
        vec![
            StorageFault::KeychainUnavailable {
                reason: s("no D-Bus session"),
            },
            StorageFault::KeychainLocked {
                reason: s("the collection is locked"),
            },
            StorageFault::KeychainFailure { reason: s("timeout") },
            StorageFault::DataDirUnavailable {
                reason: s("no home folder"),
            },
            StorageFault::MetadataUnreadable {
                path: s("/d/connections.json"),
                reason: s("EOF"),
            },
            StorageFault::MetadataTooNew {
                path: s("/d/connections.json"),
                version: 9,
            },
            StorageFault::MetadataWriteFailed {
                path: s("/d/connections.json"),
                reason: s("disk full"),
            },
            StorageFault::NameTaken { name: s("work") },
            StorageFault::NotFound { name: s("work") },
            StorageFault::InvalidName { name: s("a/b") },
            StorageFault::InvalidDate {
                value: s("2027-02-30"),
            },
            StorageFault::SecretMissing { name: s("work") },
            StorageFault::SecretChanged { name: s("work") },
            StorageFault::ExpiryBeyondPolicy {
                days: 90,
                latest: s("2027-02-24"),
                value: s("2027-11-26"),
            },
            StorageFault::PolicyUnreadable {
                path: s("/etc/repoconn/policy.json"),
                setting: PolicySetting::MaxTokenLifetimeDays,
                detail: s(
                    "line 4, column 30: max_token_lifetime_days: invalid type: string \"90\", expected u32",
                ),
            },
        ]
    }

    fn assert_filled(code: &str, text: &str) {
        assert!(!text.trim().is_empty(), "{code}: empty text");
        assert!(
            !text.contains('{') && !text.contains('}'),
            "{code}: placeholder left in {text:?}"
        );
    }

    #[test]
    fn every_entry_of_the_catalogue_reads_complete() {
        let faults = every_fault();
        for code in ProblemCode::ALL {
            assert!(faults.iter().any(|f| f.code() == *code), "no sample for {code}");
        }
        for fault in faults {
            let problem = Problem::from(fault);
            println!("{}: {}\n    fix: {}", problem.code, problem.message, problem.fix);
            assert_filled(problem.code.as_str(), &problem.message);
            assert_filled(problem.code.as_str(), &problem.fix);
        }
        let notices = every_notice();
        for code in WarningCode::ALL {
            assert!(notices.iter().any(|n| n.code() == *code), "no sample for {code}");
        }
        for notice in notices {
            let warning = Warning::from(notice);
            println!("{}: {}", warning.code, warning.message);
            assert_filled(warning.code.as_str(), &warning.message);
        }
        let storage = every_storage_fault();
        for code in StorageCode::ALL {
            assert!(storage.iter().any(|f| f.code() == *code), "no sample for {code}");
        }
        for fault in storage {
            let error = StorageError::from(fault);
            println!("{}: {}\n    fix: {}", error.code, error.message, error.fix);
            assert_filled(error.code.as_str(), &error.message);
            assert_filled(error.code.as_str(), &error.fix);
        }
    }

    /// The dialog has no flags or commands: every fix that names one has the dialog's own words,
    /// and those never name one.
    #[test]
    fn the_dialog_never_shows_a_command_line_fix() {
        // A command in backticks, or a flag: "--" then a lower-case letter (not "-----BEGIN").
        let names_the_cli = |text: &str| {
            text.contains('`')
                || text
                    .match_indices("--")
                    .any(|(at, _)| text[at + 2..].starts_with(|c: char| c.is_ascii_lowercase()))
        };
        for fault in every_fault() {
            let problem = Problem::from(fault);
            let shown = problem.fix_in_dialog.as_deref().unwrap_or(&problem.fix);
            assert!(!names_the_cli(shown), "{}: {shown}", problem.code);
            assert!(!shown.contains("paste it here"), "{}: {shown}", problem.code);
        }
        for fault in every_storage_fault() {
            let code = fault.code();
            let shown = fault.fix_in_dialog().unwrap_or(fault.text().1);
            let cli_only = matches!(
                code,
                StorageCode::KeychainUnavailable | StorageCode::MetadataUnreadable
            );
            assert!(cli_only || !names_the_cli(&shown), "{code}: {shown}");
            assert!(!shown.contains("rotate"), "{code}: {shown}");
        }
    }

    #[test]
    fn a_pasted_app_password_is_told_it_is_retired_and_not_to_choose_it() {
        let problem = Problem::from(Fault::TokenKindMismatch {
            detected: "an app password".into(),
            chosen: Method::ApiToken,
            suggested: Method::AppPassword,
        });
        assert!(
            problem.message.contains("stopped working on 28 July 2026"),
            "{}",
            problem.message
        );
        let shown = problem.fix_in_dialog.unwrap();
        assert!(!shown.contains("App password (retired)"), "{shown}");
        assert!(shown.contains("Generate an API token"), "{shown}");
    }

    #[test]
    fn a_login_page_names_the_server_not_its_rest_address() {
        let problem = Problem::from(Fault::LoginPage {
            url: "https://git.example.com/bitbucket/rest/api/1.0/application-properties".into(),
        });
        assert!(
            problem
                .message
                .starts_with("https://git.example.com/bitbucket/ answered"),
            "{}",
            problem.message
        );
        assert!(!problem.message.contains("/rest"), "{}", problem.message);
    }

    #[test]
    fn keychain_failures_name_the_keychain_of_this_build() {
        let error = StorageError::from(StorageFault::KeychainFailure {
            reason: "timeout".into(),
        });
        assert!(
            error.message.contains(KeychainBackend::current().display_name()),
            "{}",
            error.message
        );
    }

    #[test]
    fn values_are_filled_in() {
        let p = Problem::from(Fault::MissingScopes {
            scopes: vec!["write:pullrequest:bitbucket".into()],
        });
        assert_eq!(
            p.message,
            "The credential works but lacks these scopes: write:pullrequest:bitbucket."
        );
    }

    #[test]
    fn a_resource_not_found_names_the_closest_ones_the_credential_reaches() {
        let p = Problem::from(Fault::ResourceNotFound {
            resource: "The workspace acm".into(),
            suggestions: vec!["acme".into(), "acme-data".into()],
        });
        assert_eq!(p.code, ProblemCode::ResourceNotFound);
        assert_eq!(
            p.message,
            "The workspace acm was not found, or this credential may not see it. Did you mean acme, acme-data?"
        );
    }

    #[test]
    fn the_api_token_refusal_names_its_four_causes() {
        let p = Problem::from(Fault::InvalidCredentials {
            method: Method::ApiToken,
        });
        for cause in ["email", "without scopes", "expired", "revoked"] {
            assert!(p.message.contains(cause), "{cause}");
        }
    }

    #[test]
    fn as_str_is_the_json_code() {
        for code in ProblemCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        for code in WarningCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
        for code in StorageCode::ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str());
        }
    }
}
