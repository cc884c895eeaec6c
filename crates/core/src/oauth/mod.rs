//! Signing in with Bitbucket (OAuth 2.0), Cloud or Data Center ([`server`]): the authorization
//! address with `state` and PKCE ([`authorize`]), the loopback listener the browser comes back to
//! ([`loopback`]), the token endpoint's two grants ([`token`]) and the refresh before use that
//! every process shares ([`refresh`]). The access token is then checked like any other
//! (`Method::Oauth`, `Method::DataCenterOauth`); `flows` saves what a check found usable.
//!
//! Bitbucket Cloud has no secret-less (public) consumers: the consumer's key and secret go to the
//! token endpoint as HTTP Basic, and PKCE is sent too, harmless today and ready for when
//! Bitbucket checks it. Data Center checks PKCE and takes the client's ID (and secret, when the
//! link has one) in the form. The protocol is small enough to speak directly through the core's one HTTP client
//! (`check::http`), which keeps the network rules (no redirects followed, bounded bodies, the
//! policy's proxy) for these requests too.

pub mod authorize;
pub mod loopback;
pub mod refresh;
pub mod server;
pub mod token;

use url::Url;

use crate::domain::catalogue::StorageError;
use crate::domain::method::ProviderKind;
use crate::domain::secret::Secret;

/// Environment variable that points sign-in at another web root (tests).
pub const CLOUD_WEB_ENV: &str = "REPOCONN_CLOUD_WEB_URL";
/// Where Bitbucket Cloud's authorization and token endpoints live.
pub const CLOUD_WEB_DEFAULT: &str = "https://bitbucket.org";
/// The path of ours the browser is sent back to on 127.0.0.1.
pub const CALLBACK_PATH: &str = "/repoconn/callback";
/// An access token that expires within this many seconds is refreshed before use.
pub const REFRESH_MARGIN_SECONDS: u64 = 5 * 60;
/// The redirect address a Data Center application link is registered with, unless the policy
/// names another: Data Center matches it exactly, so its port is fixed.
pub const DATA_CENTER_REDIRECT: &str = "http://127.0.0.1:47613/repoconn/callback";

/// An OAuth consumer (Cloud) or application link (Data Center): its key, and its secret
/// (Bitbucket Cloud requires one; a Data Center link may have none and rely on PKCE).
#[derive(Debug, Clone)]
pub struct Consumer {
    pub client_id: String,
    pub client_secret: Option<Secret>,
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
    #[error(
        "the server refused the redirect address {redirect_uri} ({detail}): Data Center accepts an http:// redirect address only when its administrators allow it"
    )]
    RedirectRefused { redirect_uri: String, detail: String },
    #[error("this server does not offer signing in with OAuth 2.0 (it needs Bitbucket 7.20 or newer)")]
    NotOffered,
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
/// secret may be left out when the administrator's policy has this key, and for a Data Center
/// link without one), or the policy's for this server.
pub fn choose_consumer(
    server: &server::AuthServer,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    policy: &crate::policy::PolicyState,
) -> Result<(Consumer, bool), OauthError> {
    let typed_id = client_id
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty());
    let typed_secret = client_secret
        .map(|s| Secret::new(s.expose().trim()))
        .filter(|s| !s.expose().is_empty());
    let from_policy = match server.provider {
        ProviderKind::Cloud => policy.cloud_oauth_client(),
        ProviderKind::DataCenter => policy.data_center_oauth_client(&server.root),
    };
    let needs_secret = server.provider == ProviderKind::Cloud;
    let missing = |what: &str| OauthError::BadAnswer {
        detail: format!("the OAuth consumer's {what} is missing"),
    };
    let policy_secret = |id: &str| {
        from_policy
            .filter(|c| c.client_id == id)
            .and_then(|c| c.client_secret.as_deref())
            .filter(|s| !s.trim().is_empty())
            .map(Secret::new)
    };
    match (typed_id, typed_secret) {
        (Some(client_id), Some(secret)) => Ok((
            Consumer {
                client_id,
                client_secret: Some(secret),
            },
            true,
        )),
        (Some(client_id), None) => match policy_secret(&client_id) {
            Some(secret) => Ok((
                Consumer {
                    client_id,
                    client_secret: Some(secret),
                },
                false,
            )),
            None if !needs_secret => Ok((
                Consumer {
                    client_id,
                    client_secret: None,
                },
                true,
            )),
            None => Err(missing("secret")),
        },
        (None, None) => {
            let client = from_policy.ok_or_else(|| missing("key"))?;
            let client_secret = policy_secret(&client.client_id);
            if needs_secret && client_secret.is_none() {
                return Err(missing("secret"));
            }
            Ok((
                Consumer {
                    client_id: client.client_id.clone(),
                    client_secret,
                },
                false,
            ))
        }
        (None, Some(_)) => Err(missing("key")),
    }
}

/// The redirect address a sign-in with `server` comes back to: on Data Center the one the link
/// is registered with (the policy's, else [`DATA_CENTER_REDIRECT`]), or `given`; `None` on Cloud,
/// where any port of 127.0.0.1 matches the consumer's `http://127.0.0.1`.
pub fn registered_redirect(
    server: &server::AuthServer,
    given: Option<&str>,
    policy: &crate::policy::PolicyState,
) -> Result<Option<Url>, OauthError> {
    if !server.is_data_center() {
        return Ok(None);
    }
    let text = given
        .map(str::to_owned)
        .or_else(|| {
            policy
                .data_center_oauth_client(&server.root)
                .and_then(|c| c.redirect_uri.clone())
        })
        .unwrap_or_else(|| DATA_CENTER_REDIRECT.to_owned());
    let url = Url::parse(text.trim()).ok().filter(|u| {
        u.scheme() == "http"
            && u.port().is_some()
            && matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"))
    });
    url.map(Some).ok_or_else(|| OauthError::BadAnswer {
        detail: format!(
            "the redirect address {text} is not one this computer can listen on: it must be http://127.0.0.1:PORT/PATH"
        ),
    })
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
