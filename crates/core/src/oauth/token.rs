//! Bitbucket Cloud's token endpoint (`{web}/site/oauth2/access_token`): the authorization-code
//! grant after sign-in and the refresh-token grant before use. The consumer authenticates with
//! HTTP Basic `key:secret`.

use url::Url;

use super::{Consumer, OauthError, printable, unix_now};
use crate::check::CheckEnv;
use crate::check::http::{Auth, Http, NetFailure};
use crate::domain::tokens::OauthTokens;

/// Exchanges the code the browser brought back for tokens.
pub async fn exchange_code(
    env: &CheckEnv,
    web: &Url,
    consumer: &Consumer,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<OauthTokens, OauthError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        // The same redirect_uri as in the authorization address, as Bitbucket requires.
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    grant(env, web, consumer, &form).await
}

/// Gets a new access token and a new refresh token (the old one stops working).
pub async fn refresh(
    env: &CheckEnv,
    web: &Url,
    consumer: &Consumer,
    refresh_token: &str,
) -> Result<OauthTokens, OauthError> {
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    grant(env, web, consumer, &form).await
}

async fn grant(
    env: &CheckEnv,
    web: &Url,
    consumer: &Consumer,
    form: &[(&str, &str)],
) -> Result<OauthTokens, OauthError> {
    let ca_file = env.policy.policy.ca_file.as_deref().map(std::path::Path::new);
    let http =
        Http::new(web, ca_file, false, env.limits.clone()).map_err(|err| unreachable(format!("{err:?}")))?;
    let url = web.join("site/oauth2/access_token").expect("a fixed path joins");
    let auth = Auth::Basic {
        user: &consumer.client_id,
        secret: &consumer.client_secret,
    };
    let answer = http
        .post_form(url, auth, form)
        .await
        .map_err(|failure| match failure {
            NetFailure::Timeout { seconds } => unreachable(format!("no answer within {seconds} s")),
            other => unreachable(format!("{other:?}")),
        })?;
    let body = answer.json().cloned().unwrap_or_default();
    let text = |name: &str| body.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    match answer.status {
        200 => {
            let (Some(access_token), Some(refresh_token)) = (text("access_token"), text("refresh_token"))
            else {
                return Err(unreachable("the token answer holds no tokens".to_owned()));
            };
            let lifetime = body.get("expires_in").and_then(|v| v.as_u64()).unwrap_or(3600);
            Ok(OauthTokens {
                access_token,
                refresh_token,
                expires_at: unix_now().saturating_add(lifetime),
                client_id: consumer.client_id.clone(),
                client_secret: None,
            })
        }
        400 | 401 | 403 => {
            let error = text("error").unwrap_or_default();
            let detail = printable(&text("error_description").unwrap_or_else(|| error.clone()));
            Err(match error.as_str() {
                "invalid_client" | "unauthorized_client" => OauthError::InvalidConsumer { detail },
                _ => OauthError::Refused { detail },
            })
        }
        status => Err(unreachable(format!("the token endpoint answered {status}"))),
    }
}

fn unreachable(detail: String) -> OauthError {
    OauthError::Unreachable { detail }
}
