//! The authorization address the browser opens, and reading what the browser came back with
//! (from the loopback listener, or pasted by the person): the code, once `state` matches.

use base64::Engine;
use sha2::{Digest, Sha256};
use url::Url;

use super::server::AuthServer;
use super::{OauthError, printable};

/// One sign-in attempt: what was sent in the address and what must come back.
pub struct Authorization {
    pub url: Url,
    pub redirect_uri: String,
    state: String,
    /// The PKCE verifier: sent only to the token endpoint.
    pub verifier: String,
}

impl Authorization {
    /// The authorization address of `server` for `client_id`, coming back to `redirect_uri`,
    /// asking for `scopes` (Data Center; Cloud's consumer decides its permissions itself).
    pub fn new(server: &AuthServer, client_id: &str, redirect_uri: &str, scopes: &[&str]) -> Self {
        let state = random_text();
        let verifier = random_text();
        let challenge =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let mut url = server.authorize_url();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", client_id)
                .append_pair("response_type", "code")
                .append_pair("state", &state)
                .append_pair("redirect_uri", redirect_uri)
                .append_pair("code_challenge", &challenge)
                .append_pair("code_challenge_method", "S256");
            if !scopes.is_empty() {
                query.append_pair("scope", &scopes.join(" "));
            }
        }
        Self {
            url,
            redirect_uri: redirect_uri.to_owned(),
            state,
            verifier,
        }
    }

    /// The code in the query of the address the browser came back to. Refuses a wrong or
    /// missing `state` (a redirect this attempt did not start) and reports a denied consent.
    pub fn code_from_query(&self, query: &str) -> Result<String, OauthError> {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        if get("state") != Some(self.state.as_str()) {
            return Err(OauthError::StateMismatch);
        }
        match (get("error"), get("code")) {
            (Some("access_denied"), _) => Err(OauthError::ConsentDenied),
            (Some(error), _) => Err(OauthError::Refused {
                detail: printable(get("error_description").unwrap_or(error)),
            }),
            (None, Some(code)) if !code.is_empty() => Ok(code.to_owned()),
            _ => Err(OauthError::BadAnswer {
                detail: "it holds no code".to_owned(),
            }),
        }
    }

    /// What the person pasted: the whole address the browser ended on (its `state` checked), or
    /// the bare code (which only this attempt's PKCE verifier can redeem).
    pub fn code_from_paste(&self, pasted: &str) -> Result<String, OauthError> {
        let pasted = pasted.trim();
        if let Ok(address) = Url::parse(pasted) {
            return self.code_from_query(address.query().unwrap_or_default());
        }
        if let Some((_, query)) = pasted.split_once('?') {
            return self.code_from_query(query);
        }
        let looks_like_code = !pasted.is_empty()
            && pasted.len() <= 512
            && pasted
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
        if looks_like_code {
            Ok(pasted.to_owned())
        } else {
            Err(OauthError::BadAnswer {
                detail: "paste the whole address from the browser's address bar, or the code alone"
                    .to_owned(),
            })
        }
    }
}

/// 32 random bytes as URL-safe text: for `state` and the PKCE verifier (43 characters, within
/// RFC 7636's 43 to 128).
fn random_text() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt() -> Authorization {
        let server = AuthServer::data_center(Url::parse("https://git.example.com/bb").unwrap());
        Authorization::new(
            &server,
            "key",
            "http://127.0.0.1:5000/repoconn/callback",
            &["REPO_READ", "REPO_WRITE"],
        )
    }

    #[test]
    fn the_address_carries_state_and_an_s256_challenge() {
        let a = attempt();
        assert_eq!(a.url.path(), "/bb/rest/oauth2/latest/authorize");
        let pairs: Vec<(String, String)> = a.url.query_pairs().into_owned().collect();
        let get = |n: &str| pairs.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_eq!(get("state"), a.state);
        assert_eq!(get("code_challenge_method"), "S256");
        assert_eq!(get("scope"), "REPO_READ REPO_WRITE");
        let expected =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(a.verifier.as_bytes()));
        assert_eq!(get("code_challenge"), expected);
        assert_eq!(a.verifier.len(), 43);
        assert_ne!(attempt().state, a.state, "each attempt has its own state");
    }

    #[test]
    fn reads_the_code_only_with_the_right_state() {
        let a = attempt();
        let ok = format!(
            "http://127.0.0.1:5000/repoconn/callback?code=abc&state={}",
            a.state
        );
        assert_eq!(a.code_from_paste(&ok).unwrap(), "abc");
        assert!(matches!(
            a.code_from_paste("http://127.0.0.1:5000/repoconn/callback?code=abc&state=other"),
            Err(OauthError::StateMismatch)
        ));
        assert!(matches!(
            a.code_from_query("code=abc"),
            Err(OauthError::StateMismatch)
        ));
        let denied = format!("error=access_denied&state={}", a.state);
        assert!(matches!(
            a.code_from_query(&denied),
            Err(OauthError::ConsentDenied)
        ));
        let odd = format!(
            "error=server_error&error_description=bad%1B%5B2Jthing&state={}",
            a.state
        );
        match a.code_from_query(&odd) {
            Err(OauthError::Refused { detail }) => assert_eq!(detail, "bad[2Jthing"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_bare_code_is_accepted_and_anything_else_refused() {
        let a = attempt();
        assert_eq!(a.code_from_paste("  aBc-123_x \n").unwrap(), "aBc-123_x");
        assert!(matches!(
            a.code_from_paste("two words"),
            Err(OauthError::BadAnswer { .. })
        ));
        assert!(matches!(a.code_from_paste(""), Err(OauthError::BadAnswer { .. })));
    }
}
