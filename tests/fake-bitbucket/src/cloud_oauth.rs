//! A fake of Bitbucket Cloud's OAuth 2.0 authorization server (`/site/oauth2/authorize` and
//! `/site/oauth2/access_token`, see [`crate::oauth_server`]) in front of the fake REST API. The
//! consumer authenticates with HTTP Basic `key:secret`. The access tokens it issues act as the
//! standard OAuth account of [`FakeCloud`] until they expire.

use hyper::StatusCode;
use serde_json::json;

use crate::cloud::{FakeCloud, OAUTH_TOKEN};
use crate::oauth_server::{AuthorizationServer, Flavour, Presented};
use crate::{Api, Call, Credentials, Reply, json as json_reply};

pub const CLIENT_ID: &str = "fakeConsumerKey123";
pub const CLIENT_SECRET: &str = "fakeConsumerSecret456";

/// The authorization server and the API behind it; its switches and counters are the
/// authorization server's (`fake.refresh_grants`, `fake.deny_consent`, …).
pub struct FakeCloudOauth {
    pub api: FakeCloud,
    pub auth: AuthorizationServer,
}

impl Default for FakeCloudOauth {
    fn default() -> Self {
        Self {
            api: FakeCloud::standard(),
            auth: AuthorizationServer::new(Flavour::Cloud, CLIENT_ID, CLIENT_SECRET),
        }
    }
}

impl std::ops::Deref for FakeCloudOauth {
    type Target = AuthorizationServer;
    fn deref(&self) -> &AuthorizationServer {
        &self.auth
    }
}

impl FakeCloudOauth {
    /// An access token we issued stands for the fake API's OAuth account while it lasts.
    fn api_call(&self, call: &Call) -> Reply {
        if let Credentials::Bearer(token) = &call.credentials {
            match self.auth.presented(token) {
                Presented::Expired => {
                    return json_reply(
                        StatusCode::UNAUTHORIZED,
                        json!({"type": "error", "error": {"message": "Access token expired."}}),
                    );
                }
                Presented::Valid(_) => {
                    let mut standing_in = call.clone();
                    standing_in.credentials = Credentials::Bearer(OAUTH_TOKEN.to_owned());
                    return self.api.answer(&standing_in);
                }
                Presented::Unknown => {}
            }
        }
        self.api.answer(call)
    }
}

impl Api for FakeCloudOauth {
    fn answer(&self, call: &Call) -> Reply {
        match call.path.as_str() {
            "/site/oauth2/authorize" => self.auth.authorize(call),
            "/site/oauth2/access_token" => self.auth.token(call),
            _ => self.api_call(call),
        }
    }
}
