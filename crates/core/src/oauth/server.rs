//! The authorization server a sign-in talks to: Bitbucket Cloud's (`{web}/site/oauth2/…`) or a
//! Data Center's incoming application links (`{base}/rest/oauth2/latest/…`, Bitbucket 7.20+),
//! where its endpoints are, how to reach it, and what Data Center does differently: it is asked
//! for scopes, the consumer may have no secret (PKCE alone), it wants the redirect address again
//! when refreshing, and it refuses `http://` redirect addresses unless its administrators allow
//! them.

use std::path::PathBuf;

use url::Url;

use super::{OauthError, cloud_web, printable};
use crate::check::http::{Auth, Body, Http, NetFailure, Trust};
use crate::check::{CheckEnv, CheckRequest};
use crate::domain::method::{Method, ProviderKind};
use crate::domain::scopes::{self, Permission};
use crate::domain::sniff;
use crate::store::connection::Connection;

/// The Java system property that lets a Data Center accept `http://` redirect addresses.
pub const HTTP_REDIRECT_PROPERTY: &str = "atlassian.oauth2.provider.skip.redirect.url.https.requirement";

/// Which authorization server, and how to reach it.
#[derive(Debug, Clone)]
pub struct AuthServer {
    pub provider: ProviderKind,
    /// Cloud: the web root (bitbucket.org); Data Center: the base URL with its context path.
    pub root: Url,
    /// Data Center: the connection's own CA file and pinned certificate, and plain http.
    pub ca_file: Option<PathBuf>,
    pub trust_fingerprint: Option<String>,
    pub allow_http: bool,
}

impl AuthServer {
    /// Bitbucket Cloud (`REPOCONN_CLOUD_WEB_URL` in tests).
    pub fn cloud() -> Result<Self, OauthError> {
        Ok(Self {
            provider: ProviderKind::Cloud,
            root: cloud_web()?,
            ca_file: None,
            trust_fingerprint: None,
            allow_http: false,
        })
    }

    /// A Data Center at `base` (its context path included).
    pub fn data_center(base: Url) -> Self {
        Self {
            provider: ProviderKind::DataCenter,
            root: base,
            ca_file: None,
            trust_fingerprint: None,
            allow_http: false,
        }
    }

    /// Where a sign-in for `request` (the form's, or the command line's) goes: Cloud, or the
    /// Data Center at `request.server` reached with the request's trust settings.
    pub fn for_request(request: &CheckRequest) -> Result<Self, OauthError> {
        if request.method != Method::DataCenterOauth {
            return Self::cloud();
        }
        let given = request.server.as_deref().unwrap_or_default();
        let base = sniff::server_address(given)
            .map_err(|err| OauthError::BadAnswer {
                detail: format!("the server address: {err}"),
            })?
            .base;
        Ok(Self {
            ca_file: request.ca_file.clone(),
            trust_fingerprint: request.trust_fingerprint.clone(),
            allow_http: request.allow_http,
            ..Self::data_center(base)
        })
    }

    /// The scopes to ask for: on Data Center what the request's profile and requirements need;
    /// none on Cloud, whose consumer has its permissions already.
    pub fn scopes_for(&self, request: &CheckRequest) -> Vec<&'static str> {
        if !self.is_data_center() {
            return Vec::new();
        }
        let mut levels = vec![request.profile.datacenter_permission()];
        levels.extend(request.require.iter().filter_map(|r| Permission::parse(r)));
        scopes::data_center_oauth_scopes(&levels)
    }

    /// Where a saved OAuth connection refreshes its tokens, reached as its checks reach it.
    pub fn of(connection: &Connection) -> Result<Self, OauthError> {
        if connection.method != Method::DataCenterOauth {
            return Self::cloud();
        }
        let base = Url::parse(&connection.base_url).map_err(|_| OauthError::BadAnswer {
            detail: format!("the saved server address {} cannot be read", connection.base_url),
        })?;
        Ok(Self {
            ca_file: connection.ca_file.as_ref().map(PathBuf::from),
            trust_fingerprint: connection.trusted_fingerprint.clone(),
            allow_http: connection.allow_http,
            ..Self::data_center(base)
        })
    }

    pub fn is_data_center(&self) -> bool {
        self.provider == ProviderKind::DataCenter
    }

    pub fn authorize_url(&self) -> Url {
        self.endpoint(if self.is_data_center() {
            "rest/oauth2/latest/authorize"
        } else {
            "site/oauth2/authorize"
        })
    }

    pub fn token_url(&self) -> Url {
        self.endpoint(if self.is_data_center() {
            "rest/oauth2/latest/token"
        } else {
            "site/oauth2/access_token"
        })
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.root.clone();
        url.set_query(None);
        url.path_segments_mut()
            .expect("an http(s) address has a path")
            .pop_if_empty()
            .extend(path.split('/'));
        url
    }

    /// A client with the same trust as the connection's checks: its CA file (else the
    /// policy's), its pinned certificate, and plain http only where allowed.
    pub(crate) fn http(&self, env: &CheckEnv) -> Result<Http, OauthError> {
        let policy_ca = env.policy.policy.ca_file.as_ref().map(PathBuf::from);
        let trust = Trust {
            ca_file: self.ca_file.as_deref().or(policy_ca.as_deref()),
            fingerprint: self.trust_fingerprint.as_deref(),
        };
        Http::with_trust(&self.root, trust, self.allow_http, env.limits.clone()).map_err(|err| {
            OauthError::Unreachable {
                detail: format!("{err:?}"),
            }
        })
    }

    /// Before the browser opens, asks a Data Center the authorization address itself, without
    /// logging in: a server that refuses the redirect address or the client says so in a page the
    /// browser would show and never come back from, and a server without OAuth 2.0 answers 404.
    /// Anything else (usually the login page) lets the sign-in go on. Cloud is not asked.
    pub async fn preflight(
        &self,
        env: &CheckEnv,
        authorize: &Url,
        redirect_uri: &str,
    ) -> Result<(), OauthError> {
        if !self.is_data_center() {
            return Ok(());
        }
        let answer = self.http(env)?.get(authorize.clone(), Auth::Anonymous).await;
        let answer = match answer {
            Ok(answer) => answer,
            // Sent on to a login page or back to us: the server took the request as it is.
            Err(NetFailure::Redirected { .. } | NetFailure::TooManyRedirects { .. }) => return Ok(()),
            Err(NetFailure::Timeout { seconds }) => {
                return Err(OauthError::Unreachable {
                    detail: format!("no answer within {seconds} s"),
                });
            }
            Err(other) => {
                return Err(OauthError::Unreachable {
                    detail: format!("{other:?}"),
                });
            }
        };
        let text = match &answer.body {
            Body::Json(value) => value.to_string(),
            Body::Text(text) | Body::Malformed(text) | Body::Html(text) => text.clone(),
            Body::Empty => String::new(),
        };
        let lower = text.to_lowercase();
        match answer.status {
            404 => Err(OauthError::NotOffered),
            400..=499 if answer.status != 401 && answer.status != 403 && lower.contains("redirect") => {
                Err(OauthError::RedirectRefused {
                    redirect_uri: redirect_uri.to_owned(),
                    detail: printable(&text),
                })
            }
            400 if lower.contains("client") => Err(OauthError::InvalidConsumer {
                detail: printable(&text),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_keep_the_context_path() {
        let dc = AuthServer::data_center(Url::parse("https://git.example.com/bitbucket").unwrap());
        assert_eq!(
            dc.authorize_url().as_str(),
            "https://git.example.com/bitbucket/rest/oauth2/latest/authorize"
        );
        assert_eq!(
            dc.token_url().as_str(),
            "https://git.example.com/bitbucket/rest/oauth2/latest/token"
        );
        let cloud = AuthServer {
            root: Url::parse("https://bitbucket.org").unwrap(),
            ..AuthServer::data_center(Url::parse("https://x").unwrap())
        };
        let cloud = AuthServer {
            provider: ProviderKind::Cloud,
            ..cloud
        };
        assert_eq!(
            cloud.token_url().as_str(),
            "https://bitbucket.org/site/oauth2/access_token"
        );
    }
}
