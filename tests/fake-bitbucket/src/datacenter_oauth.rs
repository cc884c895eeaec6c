//! A fake of a Bitbucket Data Center's incoming OAuth 2.0 application link
//! (`{context}/rest/oauth2/latest/authorize` and `/token`, see [`crate::oauth_server`]) in front
//! of the fake REST API. The client sends its ID (and secret, when the link has one) in the form;
//! a refresh must repeat the `redirect_uri`; with `https_redirects_only` (the server's default)
//! an `http://` redirect address is refused with an error page. An access token it issues acts
//! as ada with the scope granted: `REPO_WRITE` or more as her write token, else her read token.

use hyper::StatusCode;
use serde_json::json;

use crate::datacenter::{FakeDataCenter, PERSONAL_TOKEN, READ_TOKEN};
use crate::oauth_server::{AuthorizationServer, Flavour, Presented};
use crate::{Api, Call, Credentials, Reply, json as json_reply};

pub const CLIENT_ID: &str = "3f1c2a9b8d7e6f50a4b3c2d1e0f9a8b7";
pub const CLIENT_SECRET: &str = "dcLinkSecret-0123456789abcdef";

/// The application link's server and the API behind it; its switches and counters are the
/// authorization server's.
pub struct FakeDataCenterOauth {
    pub api: FakeDataCenter,
    pub auth: AuthorizationServer,
}

impl Default for FakeDataCenterOauth {
    fn default() -> Self {
        Self {
            api: FakeDataCenter::standard(),
            auth: AuthorizationServer::new(Flavour::DataCenter, CLIENT_ID, CLIENT_SECRET),
        }
    }
}

impl std::ops::Deref for FakeDataCenterOauth {
    type Target = AuthorizationServer;
    fn deref(&self) -> &AuthorizationServer {
        &self.auth
    }
}

impl FakeDataCenterOauth {
    fn api_call(&self, call: &Call) -> Reply {
        if let Credentials::Bearer(token) = &call.credentials {
            match self.auth.presented(token) {
                Presented::Expired => {
                    return json_reply(
                        StatusCode::UNAUTHORIZED,
                        json!({"errors": [{
                            "context": null,
                            "message": "Authentication failed. Please check your credentials and try again.",
                            "exceptionName": "com.atlassian.bitbucket.auth.IncorrectPasswordAuthenticationException"
                        }]}),
                    );
                }
                Presented::Valid(scope) => {
                    let writes = scope
                        .split(' ')
                        .any(|s| matches!(s, "REPO_WRITE" | "REPO_ADMIN" | "PROJECT_ADMIN"));
                    let token = if writes { PERSONAL_TOKEN } else { READ_TOKEN };
                    let mut standing_in = call.clone();
                    standing_in.credentials = Credentials::Bearer(token.to_owned());
                    return self.api.answer(&standing_in);
                }
                Presented::Unknown => {}
            }
        }
        self.api.answer(call)
    }
}

impl Api for FakeDataCenterOauth {
    fn answer(&self, call: &Call) -> Reply {
        let context = self.api.context.as_str();
        match call.path.strip_prefix(context) {
            Some("/rest/oauth2/latest/authorize") => self.auth.authorize(call),
            Some("/rest/oauth2/latest/token") => self.auth.token(call),
            _ => self.api_call(call),
        }
    }
}
