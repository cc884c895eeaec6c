//! What an OAuth 2.0 connection keeps in its one keychain item: the access token, the refresh
//! token, when the access token expires and the consumer that signed in. It travels as a small
//! JSON document inside a [`Secret`], so it is never printed and never lands in a file.

use serde::{Deserialize, Serialize};

use super::secret::Secret;

/// The tokens of a signed-in OAuth connection. `Debug` is redacted by hand: every field but the
/// expiry is secret or identifies the consumer's secret.
#[derive(Clone, Serialize, Deserialize)]
pub struct OauthTokens {
    pub access_token: String,
    pub refresh_token: String,
    /// When the access token stops working, in seconds since 1970 (UTC).
    pub expires_at: u64,
    /// The consumer's key: refreshing needs it.
    pub client_id: String,
    /// The consumer's secret, when the person gave it (not when it comes from the policy).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Data Center: the redirect address signed in with, which refreshing must repeat.
    #[serde(default)]
    pub redirect_uri: Option<String>,
}

/// The document's kind, so that a pasted access token saved by an older version is never read
/// as a document.
const KIND: &str = "repoconn-oauth-tokens";

#[derive(Serialize, Deserialize)]
struct Document {
    kind: String,
    #[serde(flatten)]
    tokens: OauthTokens,
}

impl OauthTokens {
    /// The tokens in a stored secret, or `None` when it holds a bare access token.
    pub fn read(stored: &Secret) -> Option<Self> {
        let document: Document = serde_json::from_str(stored.expose()).ok()?;
        (document.kind == KIND).then_some(document.tokens)
    }

    /// The secret to store.
    pub fn to_secret(&self) -> Secret {
        let document = Document {
            kind: KIND.to_owned(),
            tokens: self.clone(),
        };
        Secret::new(serde_json::to_string(&document).expect("tokens serialise"))
    }

    pub fn access(&self) -> Secret {
        Secret::new(self.access_token.as_str())
    }

    /// Whether the access token has expired or expires within `margin_seconds` of `now`.
    pub fn expires_within(&self, margin_seconds: u64, now: u64) -> bool {
        self.expires_at <= now.saturating_add(margin_seconds)
    }
}

impl std::fmt::Debug for OauthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OauthTokens")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// What an OAuth connection's stored secret gives to use: the access token of a document, or
/// the stored value itself when it is a bare access token.
pub fn access_secret(stored: Secret) -> Secret {
    match OauthTokens::read(&stored) {
        Some(tokens) => tokens.access(),
        None => stored,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OauthTokens {
        OauthTokens {
            access_token: "acc".into(),
            refresh_token: "ref".into(),
            expires_at: 1_000,
            client_id: "key".into(),
            client_secret: Some("shh".into()),
            redirect_uri: None,
        }
    }

    #[test]
    fn round_trips_through_a_secret_and_never_prints_tokens() {
        let secret = sample().to_secret();
        let read = OauthTokens::read(&secret).unwrap();
        assert_eq!(read.refresh_token, "ref");
        assert_eq!(read.client_secret.as_deref(), Some("shh"));
        let shown = format!("{read:?}");
        assert!(
            !shown.contains("acc") && !shown.contains("ref") && !shown.contains("shh"),
            "{shown}"
        );
    }

    #[test]
    fn a_bare_access_token_is_used_as_it_is() {
        assert_eq!(access_secret(Secret::new("plain-token")).expose(), "plain-token");
        assert_eq!(access_secret(sample().to_secret()).expose(), "acc");
        assert!(OauthTokens::read(&Secret::new("{\"kind\":\"other\"}")).is_none());
    }

    #[test]
    fn due_five_minutes_before_expiry() {
        let tokens = sample();
        assert!(!tokens.expires_within(300, 699));
        assert!(tokens.expires_within(300, 700));
        assert!(tokens.expires_within(300, 2_000));
    }
}
