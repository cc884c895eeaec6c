//! A fake of Bitbucket Cloud's OAuth 2.0 authorization server (`/site/oauth2/authorize` and
//! `/site/oauth2/access_token`) in front of the fake REST API. It behaves as Atlassian documents:
//! the consumer authenticates with HTTP Basic `key:secret`, codes are single-use and tied to the
//! `redirect_uri` they were issued for, every refresh returns a new refresh token and the old one
//! is refused from then on. The access tokens it issues act as the standard OAuth account of
//! [`FakeCloud`] until they expire.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use hyper::{Response, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::cloud::{FakeCloud, OAUTH_TOKEN};
use crate::{Api, Call, Credentials, Reply, html, json as json_reply};

pub const CLIENT_ID: &str = "fakeConsumerKey123";
pub const CLIENT_SECRET: &str = "fakeConsumerSecret456";

/// Where a code was sent and what proves the client that asked for it (PKCE).
struct Grant {
    redirect_uri: Option<String>,
    challenge: Option<String>,
}

#[derive(Default)]
struct Issued {
    codes: HashMap<String, Grant>,
    /// Access token → when it stops working.
    access: HashMap<String, Instant>,
    /// Refresh tokens that still work (a rotated one is removed).
    refresh: HashSet<String>,
}

/// The authorization server and the API behind it. Switches are atomics so a test can flip them
/// while the server runs.
pub struct FakeCloudOauth {
    pub api: FakeCloud,
    issued: Mutex<Issued>,
    serial: AtomicU64,
    /// Seconds each new access token lasts (Bitbucket: 7200).
    pub access_lifetime: AtomicU64,
    /// The user presses "Deny" on the consent page.
    pub deny_consent: AtomicBool,
    /// Redirects back with another `state` than the one sent (a forged redirect).
    pub wrong_state: AtomicBool,
    /// Refresh grants answered with new tokens.
    pub refresh_grants: AtomicU32,
    /// Authorization-code grants answered with tokens.
    pub code_grants: AtomicU32,
    /// Makes each refresh grant take this long (so parallel clients overlap).
    pub refresh_delay_ms: AtomicU64,
}

impl Default for FakeCloudOauth {
    fn default() -> Self {
        Self {
            api: FakeCloud::standard(),
            issued: Mutex::default(),
            serial: AtomicU64::new(0),
            access_lifetime: AtomicU64::new(7200),
            deny_consent: AtomicBool::new(false),
            wrong_state: AtomicBool::new(false),
            refresh_grants: AtomicU32::new(0),
            code_grants: AtomicU32::new(0),
            refresh_delay_ms: AtomicU64::new(0),
        }
    }
}

impl FakeCloudOauth {
    /// Issues a pair of tokens now, as a sign-in would (for tests that start signed in).
    pub fn issue_tokens(&self) -> (String, String) {
        let mut issued = self.issued.lock().unwrap();
        self.new_pair(&mut issued)
    }

    fn next(&self, what: &str) -> String {
        // Long, as real tokens are (they are split in the Windows keychain).
        let n = self.serial.fetch_add(1, Ordering::SeqCst);
        format!("{what}-{n}-{}", "x".repeat(40))
    }

    fn new_pair(&self, issued: &mut Issued) -> (String, String) {
        let access = self.next("oauth-access");
        let refresh = self.next("oauth-refresh");
        let lifetime = Duration::from_secs(self.access_lifetime.load(Ordering::SeqCst));
        issued.access.insert(access.clone(), Instant::now() + lifetime);
        issued.refresh.insert(refresh.clone());
        (access, refresh)
    }

    fn tokens_reply(&self, access: String, refresh: String) -> Reply {
        json_reply(
            StatusCode::OK,
            json!({
                "access_token": access,
                "token_type": "bearer",
                "expires_in": self.access_lifetime.load(Ordering::SeqCst),
                "refresh_token": refresh,
                "scope": "account repository:write pullrequest:write",
                "state": "authorization_code",
            }),
        )
    }

    fn authorize(&self, call: &Call) -> Reply {
        if call.param("client_id") != Some(CLIENT_ID) || call.param("response_type") != Some("code") {
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

    fn token(&self, call: &Call) -> Reply {
        let consumer_ok = matches!(&call.credentials,
            Credentials::Basic { user, secret } if user == CLIENT_ID && secret == CLIENT_SECRET);
        if call.method != "POST" {
            return oauth_error(StatusCode::METHOD_NOT_ALLOWED, "invalid_request", "POST only");
        }
        if !consumer_ok {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_client",
                "Invalid OAuth client credentials",
            );
        }
        let form: HashMap<String, String> = url::form_urlencoded::parse(&call.body).into_owned().collect();
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
        if let Some(challenge) = grant.challenge {
            let verifier = form.get("code_verifier").map(String::as_str).unwrap_or_default();
            let computed =
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if computed != challenge {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid code_verifier");
            }
        }
        self.code_grants.fetch_add(1, Ordering::SeqCst);
        let (access, refresh) = self.new_pair(&mut issued);
        drop(issued);
        self.tokens_reply(access, refresh)
    }

    fn refresh_grant(&self, form: &HashMap<String, String>) -> Reply {
        let delay = self.refresh_delay_ms.load(Ordering::SeqCst);
        if delay > 0 {
            // Blocking is fine: the fake serves each connection on its own task.
            std::thread::sleep(Duration::from_millis(delay));
        }
        let mut issued = self.issued.lock().unwrap();
        let given = form.get("refresh_token").cloned().unwrap_or_default();
        if !issued.refresh.remove(&given) {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid refresh_token");
        }
        self.refresh_grants.fetch_add(1, Ordering::SeqCst);
        let (access, refresh) = self.new_pair(&mut issued);
        drop(issued);
        self.tokens_reply(access, refresh)
    }

    /// An access token we issued stands for the fake API's OAuth account while it lasts.
    fn api_call(&self, call: &Call) -> Reply {
        if let Credentials::Bearer(token) = &call.credentials {
            let until = self.issued.lock().unwrap().access.get(token).copied();
            if let Some(until) = until {
                if Instant::now() >= until {
                    return json_reply(
                        StatusCode::UNAUTHORIZED,
                        json!({"type": "error", "error": {"message": "Access token expired."}}),
                    );
                }
                let mut standing_in = call.clone();
                standing_in.credentials = Credentials::Bearer(OAUTH_TOKEN.to_owned());
                return self.api.answer(&standing_in);
            }
        }
        self.api.answer(call)
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Reply {
    json_reply(status, json!({"error": error, "error_description": description}))
}

impl Api for FakeCloudOauth {
    fn answer(&self, call: &Call) -> Reply {
        match call.path.as_str() {
            "/site/oauth2/authorize" => self.authorize(call),
            "/site/oauth2/access_token" => self.token(call),
            _ => self.api_call(call),
        }
    }
}

impl FakeCloudOauth {
    /// Every refresh token stops working (revoked, or rotated away by another client).
    pub fn revoke_refresh_tokens(&self) {
        self.issued.lock().unwrap().refresh.clear();
    }
}
