//! The token endpoint: the authorization-code grant after sign-in and the refresh-token grant
//! before use. Bitbucket Cloud (`{web}/site/oauth2/access_token`) wants the consumer as HTTP
//! Basic `key:secret`; Data Center (`{base}/rest/oauth2/latest/token`) takes the client's ID,
//! and its secret when the link has one, in the form, and wants the redirect address again when
//! refreshing.

use super::server::AuthServer;
use super::{Consumer, OauthError, printable, unix_now};
use crate::check::CheckEnv;
use crate::check::http::{Auth, NetFailure};
use crate::domain::tokens::OauthTokens;

/// What a grant gave, before it is made a stored document.
struct Granted {
    access_token: String,
    refresh_token: Option<String>,
    lifetime: u64,
}

/// Exchanges the code the browser brought back for tokens.
pub async fn exchange_code(
    env: &CheckEnv,
    server: &AuthServer,
    consumer: &Consumer,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> Result<OauthTokens, OauthError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        // The same redirect_uri as in the authorization address, as both servers require.
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    let granted = grant(env, server, consumer, &form).await?;
    let Some(refresh_token) = granted.refresh_token else {
        return Err(unreachable("the token answer holds no refresh token".to_owned()));
    };
    Ok(OauthTokens {
        access_token: granted.access_token,
        refresh_token,
        expires_at: unix_now().saturating_add(granted.lifetime),
        client_id: consumer.client_id.clone(),
        client_secret: None,
        // Data Center checks it again when refreshing.
        redirect_uri: server.is_data_center().then(|| redirect_uri.to_owned()),
    })
}

/// Gets a new access token, and the new refresh token the server sends with it (Cloud always
/// sends one and refuses the old one from then on; where none comes back the old one is kept).
pub async fn refresh(
    env: &CheckEnv,
    server: &AuthServer,
    consumer: &Consumer,
    tokens: &OauthTokens,
) -> Result<OauthTokens, OauthError> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens.refresh_token.as_str()),
    ];
    if let Some(redirect) = tokens.redirect_uri.as_deref().filter(|_| server.is_data_center()) {
        // Data Center answers a bare invalid_grant without it.
        form.push(("redirect_uri", redirect));
    }
    let granted = grant(env, server, consumer, &form).await?;
    Ok(OauthTokens {
        access_token: granted.access_token,
        refresh_token: granted
            .refresh_token
            .unwrap_or_else(|| tokens.refresh_token.clone()),
        expires_at: unix_now().saturating_add(granted.lifetime),
        ..tokens.clone()
    })
}

async fn grant(
    env: &CheckEnv,
    server: &AuthServer,
    consumer: &Consumer,
    form: &[(&str, &str)],
) -> Result<Granted, OauthError> {
    let http = server.http(env)?;
    let mut form = form.to_vec();
    let auth = if server.is_data_center() {
        form.push(("client_id", &consumer.client_id));
        if let Some(secret) = &consumer.client_secret {
            form.push(("client_secret", secret.expose()));
        }
        Auth::Anonymous
    } else {
        let Some(secret) = &consumer.client_secret else {
            return Err(OauthError::InvalidConsumer {
                detail: "Bitbucket Cloud needs the consumer's secret".to_owned(),
            });
        };
        Auth::Basic {
            user: &consumer.client_id,
            secret,
        }
    };
    let answer = http
        .post_form(server.token_url(), auth, &form)
        .await
        .map_err(|failure| match failure {
            NetFailure::Timeout { seconds } => unreachable(format!("no answer within {seconds} s")),
            other => unreachable(format!("{other:?}")),
        })?;
    let body = answer.json().cloned().unwrap_or_default();
    let text = |name: &str| {
        body.get(name)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match answer.status {
        200 => {
            let Some(access_token) = text("access_token") else {
                return Err(unreachable("the token answer holds no access token".to_owned()));
            };
            Ok(Granted {
                access_token,
                refresh_token: text("refresh_token"),
                // Data Center's default is an hour, Cloud's two: assume the shorter when unsaid.
                lifetime: body.get("expires_in").and_then(|v| v.as_u64()).unwrap_or(3600),
            })
        }
        400 | 401 | 403 => {
            let error = text("error").unwrap_or_default();
            let detail = printable(&text("error_description").unwrap_or_else(|| error.clone()));
            Err(match error.as_str() {
                "invalid_client" | "unauthorized_client" => OauthError::InvalidConsumer { detail },
                _ if server.is_data_center() && detail.to_lowercase().contains("redirect") => {
                    OauthError::RedirectRefused {
                        redirect_uri: form
                            .iter()
                            .find(|(k, _)| *k == "redirect_uri")
                            .map(|(_, v)| (*v).to_owned())
                            .unwrap_or_default(),
                        detail,
                    }
                }
                _ => OauthError::Refused { detail },
            })
        }
        status => Err(unreachable(format!("the token endpoint answered {status}"))),
    }
}

fn unreachable(detail: String) -> OauthError {
    OauthError::Unreachable { detail }
}
