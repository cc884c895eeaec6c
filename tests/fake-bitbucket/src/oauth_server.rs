//! The part of an OAuth 2.0 authorization server that Bitbucket Cloud and Data Center share, as
//! the fakes of both use it: the authorization endpoint redirecting the browser back with a code
//! (or the consent denied, or a forged `state`), single-use codes tied to the `redirect_uri` and
//! PKCE challenge they were issued for, and the token endpoint's two grants, where every refresh
//! returns a new refresh token and the old one is refused from then on. Where the two differ — how
//! the client authenticates, whether `http://` redirects and scopes are accepted, whether a
//! refresh must repeat the `redirect_uri` — is [`Flavour`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use hyper::{Response, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{Call, Credentials, Reply, html, json as json_reply};

/// Which server's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// The consumer as HTTP Basic `key:secret`; no scopes asked; refresh without `redirect_uri`.
    Cloud,
    /// The client's ID (and secret, when given) in the form; PKCE checked; `scope` asked; a
    /// refresh must repeat the `redirect_uri` (else a bare `invalid_grant`).
    DataCenter,
}

/// Where a code was sent, what proves the client that asked for it (PKCE), what was granted.
#[derive(Clone)]
struct Grant {
    redirect_uri: Option<String>,
    challenge: Option<String>,
    scope: String,
}

#[derive(Default)]
struct Issued {
    codes: HashMap<String, Grant>,
    /// Access token → when it stops working, and its scope.
    access: HashMap<String, (Instant, String)>,
    /// Refresh tokens that still work (a rotated one is removed), with their grant.
    refresh: HashMap<String, Grant>,
}

/// What an access token presented to the API stands for.
pub enum Presented {
    /// Not one this server issued.
    Unknown,
    Expired,
    /// Valid, with its scope.
    Valid(String),
}

/// The authorization server. Switches are atomics so a test can flip them while it runs.
pub struct AuthorizationServer {
    pub flavour: Flavour,
    pub client_id: &'static str,
    pub client_secret: &'static str,
    issued: Mutex<Issued>,
    serial: AtomicU64,
    /// Seconds each new access token lasts (Cloud: 7200; Data Center: 3600).
    pub access_lifetime: AtomicU64,
    /// The user presses "Deny" on the consent page.
    pub deny_consent: AtomicBool,
    /// Redirects back with another `state` than the one sent (a forged redirect).
    pub wrong_state: AtomicBool,
    /// Data Center's default: a redirect address must use https (the administrators did not set
    /// `atlassian.oauth2.provider.skip.redirect.url.https.requirement`).
    pub https_redirects_only: AtomicBool,
    /// Refresh grants answered with new tokens.
    pub refresh_grants: AtomicU32,
    /// Authorization-code grants answered with tokens.
    pub code_grants: AtomicU32,
    /// Makes each refresh grant take this long (so parallel clients overlap).
    pub refresh_delay_ms: AtomicU64,
    /// Every form posted to the token endpoint, in order (tests read what was sent).
    forms: Mutex<Vec<HashMap<String, String>>>,
}

impl AuthorizationServer {
    pub fn new(flavour: Flavour, client_id: &'static str, client_secret: &'static str) -> Self {
        let lifetime = match flavour {
            Flavour::Cloud => 7200,
            Flavour::DataCenter => 3600,
        };
        Self {
            flavour,
            client_id,
            client_secret,
            issued: Mutex::default(),
            serial: AtomicU64::new(0),
            access_lifetime: AtomicU64::new(lifetime),
            deny_consent: AtomicBool::new(false),
            wrong_state: AtomicBool::new(false),
            https_redirects_only: AtomicBool::new(false),
            refresh_grants: AtomicU32::new(0),
            code_grants: AtomicU32::new(0),
            refresh_delay_ms: AtomicU64::new(0),
            forms: Mutex::default(),
        }
    }

    /// The forms posted to the token endpoint so far.
    pub fn token_forms(&self) -> Vec<HashMap<String, String>> {
        self.forms.lock().unwrap().clone()
    }

    /// Issues a pair of tokens now, as a sign-in would (for tests that start signed in).
    pub fn issue_tokens(&self) -> (String, String) {
        let grant = Grant {
            redirect_uri: None,
            challenge: None,
            scope: self.default_scope().to_owned(),
        };
        let mut issued = self.issued.lock().unwrap();
        self.new_pair(&mut issued, grant)
    }

    /// Every refresh token stops working (revoked, or rotated away by another client).
    pub fn revoke_refresh_tokens(&self) {
        self.issued.lock().unwrap().refresh.clear();
    }

    /// What `token`, presented to the API as Bearer, stands for.
    pub fn presented(&self, token: &str) -> Presented {
        match self.issued.lock().unwrap().access.get(token) {
            None => Presented::Unknown,
            Some((until, _)) if Instant::now() >= *until => Presented::Expired,
            Some((_, scope)) => Presented::Valid(scope.clone()),
        }
    }

    fn default_scope(&self) -> &'static str {
        match self.flavour {
            Flavour::Cloud => "account repository:write pullrequest:write",
            Flavour::DataCenter => "PUBLIC_REPOS",
        }
    }

    fn next(&self, what: &str) -> String {
        // Long, as real tokens are (they are split in the Windows keychain).
        let n = self.serial.fetch_add(1, Ordering::SeqCst);
        format!("{what}-{n}-{}", "x".repeat(40))
    }

    fn new_pair(&self, issued: &mut Issued, grant: Grant) -> (String, String) {
        let access = self.next("oauth-access");
        let refresh = self.next("oauth-refresh");
        let lifetime = Duration::from_secs(self.access_lifetime.load(Ordering::SeqCst));
        issued
            .access
            .insert(access.clone(), (Instant::now() + lifetime, grant.scope.clone()));
        issued.refresh.insert(refresh.clone(), grant);
        (access, refresh)
    }

    fn tokens_reply(&self, access: String, refresh: String, scope: &str) -> Reply {
        json_reply(
            StatusCode::OK,
            json!({
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.access_lifetime.load(Ordering::SeqCst),
                "refresh_token": refresh,
                "scope": scope,
            }),
        )
    }

    /// The authorization endpoint: the person is taken as signed in and deciding at once.
    pub fn authorize(&self, call: &Call) -> Reply {
        if call.param("client_id") != Some(self.client_id) || call.param("response_type") != Some("code") {
            return html(
                StatusCode::BAD_REQUEST,
                "<html><body><h1>Invalid client_id</h1></body></html>",
            );
        }
        let redirect = call
            .param("redirect_uri")
            .unwrap_or("http://127.0.0.1/")
            .to_owned();
        let Ok(mut target) = url::Url::parse(&redirect) else {
            return html(
                StatusCode::BAD_REQUEST,
                "<html><body>Invalid redirect_uri</body></html>",
            );
        };
        if target.scheme() == "http" && self.https_redirects_only.load(Ordering::SeqCst) {
            // As the provider does: an error page, never a redirect to an address it refuses.
            return html(
                StatusCode::BAD_REQUEST,
                "<html><body><h1>Invalid request</h1><p>Redirect URL is invalid: URL must use https.</p></body></html>",
            );
        }
        let scope = match self.flavour {
            Flavour::Cloud => self.default_scope().to_owned(),
            Flavour::DataCenter => call.param("scope").unwrap_or("PUBLIC_REPOS").to_owned(),
        };
        let state = if self.wrong_state.load(Ordering::SeqCst) {
            "forged-state".to_owned()
        } else {
            call.param("state").unwrap_or_default().to_owned()
        };
        if self.deny_consent.load(Ordering::SeqCst) {
            target
                .query_pairs_mut()
                .append_pair("error", "access_denied")
                .append_pair("error_description", "The user denied access.")
                .append_pair("state", &state);
        } else {
            let code = self.next("code");
            self.issued.lock().unwrap().codes.insert(
                code.clone(),
                Grant {
                    redirect_uri: call.param("redirect_uri").map(str::to_owned),
                    challenge: call.param("code_challenge").map(str::to_owned),
                    scope,
                },
            );
            target
                .query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &state);
        }
        Response::builder()
            .status(StatusCode::FOUND)
            .header("location", target.as_str())
            .body(Default::default())
            .unwrap()
    }

    /// The token endpoint.
    pub fn token(&self, call: &Call) -> Reply {
        if call.method != "POST" {
            return oauth_error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "POST only");
        }
        let form: HashMap<String, String> = url::form_urlencoded::parse(&call.body).into_owned().collect();
        self.forms.lock().unwrap().push(form.clone());
        if !self.client_ok(call, &form) {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "Invalid OAuth client credentials",
            );
        }
        match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => self.code_grant(&form),
            Some("refresh_token") => self.refresh_grant(&form),
            _ => oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Unsupported grant type",
            ),
        }
    }

    fn client_ok(&self, call: &Call, form: &HashMap<String, String>) -> bool {
        match self.flavour {
            Flavour::Cloud => matches!(&call.credentials,
                Credentials::Basic { user, secret } if user == self.client_id && secret == self.client_secret),
            // A wrong secret is refused; none at all is a public client, held to PKCE.
            Flavour::DataCenter => {
                form.get("client_id").map(String::as_str) == Some(self.client_id)
                    && form
                        .get("client_secret")
                        .is_none_or(|secret| secret == self.client_secret)
            }
        }
    }

    fn code_grant(&self, form: &HashMap<String, String>) -> Reply {
        let mut issued = self.issued.lock().unwrap();
        // Single use: taken out whether or not the rest is right.
        let Some(grant) = form.get("code").and_then(|c| issued.codes.remove(c)) else {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid authorization code",
            );
        };
        if grant.redirect_uri.as_ref() != form.get("redirect_uri") {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "redirect_uri does not match",
            );
        }
        let verifier = form.get("code_verifier").map(String::as_str);
        let pkce_ok = match (&grant.challenge, verifier) {
            (Some(challenge), Some(verifier)) => {
                *challenge
                    == base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(Sha256::digest(verifier.as_bytes()))
            }
            (Some(_), None) => false,
            // Data Center holds a client without a secret to PKCE.
            (None, _) => self.flavour == Flavour::Cloud || form.contains_key("client_secret"),
        };
        if !pkce_ok {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid code_verifier");
        }
        self.code_grants.fetch_add(1, Ordering::SeqCst);
        let scope = grant.scope.clone();
        let (access, refresh) = self.new_pair(&mut issued, grant);
        drop(issued);
        self.tokens_reply(access, refresh, &scope)
    }

    fn refresh_grant(&self, form: &HashMap<String, String>) -> Reply {
        let delay = self.refresh_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            // Blocking is fine: the fake serves each connection on its own task.
            std::thread::sleep(Duration::from_millis(delay));
        }
        let mut issued = self.issued.lock().unwrap();
        let given = form.get("refresh_token").cloned().unwrap_or_default();
        let Some(grant) = issued.refresh.get(&given).cloned() else {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid refresh_token");
        };
        if self.flavour == Flavour::DataCenter
            && grant.redirect_uri.is_some()
            && grant.redirect_uri.as_ref() != form.get("redirect_uri")
        {
            // Data Center checks the redirect address again, and says no more than this.
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "invalid_grant");
        }
        issued.refresh.remove(&given);
        self.refresh_grants.fetch_add(1, Ordering::SeqCst);
        let scope = grant.scope.clone();
        let (access, refresh) = self.new_pair(&mut issued, grant);
        drop(issued);
        self.tokens_reply(access, refresh, &scope)
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    json_reply(status, json!({"error": error, "error_description": description}))
}
