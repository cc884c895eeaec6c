//! Signing in with Bitbucket Cloud (OAuth 2.0): the authorization address with `state` and PKCE
//! ([`authorize`]), the loopback listener the browser comes back to ([`loopback`]), the token
//! endpoint's two grants ([`token`]) and the refresh before use that every process shares
//! ([`refresh`]). The access token is then checked like any other (`Method::Oauth`); `flows`
//! saves what a check found usable.
//!
//! Bitbucket Cloud has no secret-less (public) consumers: the consumer's key and secret go to the
//! token endpoint as HTTP Basic. PKCE is sent too, harmless today and ready for when Bitbucket
//! checks it. The protocol is small enough to speak directly through the core's one HTTP client
//! (`check::http`), which keeps the network rules (no redirects followed, bounded bodies, the
//! policy's proxy) for these requests too.

pub mod authorize;
pub mod loopback;
pub mod refresh;
pub mod token;

use url::Url;

use crate::domain::catalogue::StorageError;
use crate::domain::secret::Secret;

/// Environment variable that points sign-in at another web root (tests).
pub const CLOUD_WEB_ENV: &str = "REPOCONN_CLOUD_WEB_URL";
/// Where Bitbucket Cloud's authorization and token endpoints live.
pub const CLOUD_WEB_DEFAULT: &str = "https://bitbucket.org";
/// The path of ours the browser is sent back to on 127.0.0.1.
pub const CALLBACK_PATH: &str = "/repoconn/callback";
/// An access token that expires within this many seconds is refreshed before use.
pub const REFRESH_MARGIN_SECONDS: u64 = 5 * 60;

/// An OAuth consumer: its key, and its secret (Bitbucket Cloud requires it).
#[derive(Debug, Clone)]
pub struct Consumer {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Why signing in or refreshing did not give tokens.
#[derive(Debug, thiserror::Error)]
pub enum OauthError {
    #[error("you did not allow access on Bitbucket's page (the consent was denied)")]
    ConsentDenied,
    #[error(
        "the browser came back with a different or missing state: it is not the sign-in this command started"
    )]
    StateMismatch,
    #[error("Bitbucket refused the OAuth consumer ({detail}): check its key and secret")]
    InvalidConsumer { detail: String },
    #[error("Bitbucket refused the sign-in: {detail}")]
    Refused { detail: String },
    #[error("the address or code given is not one Bitbucket sent back: {detail}")]
    BadAnswer { detail: String },
    #[error("Bitbucket's sign-in could not be reached: {detail}")]
    Unreachable { detail: String },
    #[error("the sign-in of \"{name}\" has ended and Bitbucket refused to renew it")]
    SignInAgain { name: String },
    #[error("{0}")]
    Storage(#[from] StorageError),
}

impl OauthError {
    /// No verdict (the network, or the machine): anything else is a definite refusal.
    pub fn is_unverified(&self) -> bool {
        matches!(self, Self::Unreachable { .. })
    }
}

/// The web root: `REPOCONN_CLOUD_WEB_URL` when set, else bitbucket.org.
pub fn cloud_web() -> Result<Url, OauthError> {
    let text = std::env::var(CLOUD_WEB_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| CLOUD_WEB_DEFAULT.to_owned());
    Url::parse(&text)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && u.host_str().is_some())
        .ok_or_else(|| OauthError::Unreachable {
            detail: format!("{CLOUD_WEB_ENV} is not an http(s) address"),
        })
}

/// What a server said, made fit to show in a terminal or a page: no control characters, and
/// not a whole essay.
pub(crate) fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// The consumer to sign in with, and whether the person gave it: the key and secret typed (the
/// secret may be left out when the administrator's policy has this key), or the policy's.
pub fn choose_consumer(
    client_id: Option<String>,
    client_secret: Option<Secret>,
    policy: &crate::policy::PolicyState,
) -> Result<(Consumer, bool), OauthError> {
    let typed_id = client_id
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty());
    let typed_secret = client_secret.filter(|s| !s.expose().trim().is_empty());
    let from_policy = policy.cloud_oauth_client();
    let missing = |what: &str| OauthError::BadAnswer {
        detail: format!("the OAuth consumer's {what} is missing"),
    };
    match (typed_id, typed_secret) {
        (Some(client_id), Some(secret)) => Ok((
            Consumer {
                client_id,
                client_secret: Secret::new(secret.expose().trim()),
            },
            true,
        )),
        (typed, None) => {
            let client = from_policy
                .filter(|c| typed.as_deref().is_none_or(|id| id == c.client_id))
                .ok_or_else(|| missing(if typed.is_some() { "secret" } else { "key" }))?;
            let secret = client
                .client_secret
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| missing("secret"))?;
            Ok((
                Consumer {
                    client_id: client.client_id.clone(),
                    client_secret: Secret::new(secret),
                },
                false,
            ))
        }
        (None, Some(_)) => Err(missing("key")),
    }
}

/// Seconds since 1970 (UTC), as token expiry times are kept.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Opens the authorization address in the browser: `$BROWSER` when set (run with the address as
/// its only argument), else the system's default handler.
pub fn open_in_browser(url: &Url) -> Result<(), String> {
    let browser = std::env::var("BROWSER").unwrap_or_default();
    if let Some(program) = browser.split(':').next().filter(|p| !p.is_empty()) {
        return std::process::Command::new(program)
            .arg(url.as_str())
            .spawn()
            .map(|_| ())
            .map_err(|err| format!("the browser {program} could not be started: {err}"));
    }
    open::that_detached(url.as_str()).map_err(|err| format!("the browser could not be started: {err}"))
}
