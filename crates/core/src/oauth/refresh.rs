//! Refresh before use. Every process that uses an OAuth connection (the app, `repoconn test` and
//! `repos`, each git helper) calls [`fresh`] first. Bitbucket rotates the refresh token on every
//! refresh and refuses the old one, so refreshing is serialised by a lock file that every
//! process shares: the first one refreshes and saves the new tokens before anyone uses them; the
//! others, once they get the lock, find the fresh tokens and use them.

use super::{Consumer, OauthError, REFRESH_MARGIN_SECONDS, cloud_web, token, unix_now};
use crate::check::CheckEnv;
use crate::domain::dates::now;
use crate::domain::method::Method;
use crate::domain::secret::Secret;
use crate::domain::tokens::OauthTokens;
use crate::store::connection::Status;
use crate::store::registry::Registry;

/// Makes sure the access token of the connection `name` is good for at least five more minutes,
/// refreshing it when needed. Connections of other kinds, and OAuth access tokens pasted without
/// a refresh token, are left as they are. A refresh Bitbucket refuses marks the connection
/// invalid (it is kept) and asks to sign in again.
pub async fn fresh(registry: &Registry, name: &str, env: &CheckEnv) -> Result<(), OauthError> {
    if due_tokens(registry, name)?.is_none() {
        return Ok(());
    }
    // Blocks until any other process's refresh is over; cheap, and only when a refresh is due.
    let connection = registry.get(name)?;
    let _turn = registry.tokens_lock(&connection)?;
    // Read again under the lock: another process may have refreshed meanwhile.
    let Some(tokens) = due_tokens(registry, name)? else {
        return Ok(());
    };
    // The consumer's secret as the person gave it, else the policy's for the same consumer.
    let policy_secret = env
        .policy
        .cloud_oauth_client()
        .filter(|c| c.client_id == tokens.client_id)
        .and_then(|c| c.client_secret.clone());
    let Some(client_secret) = tokens.client_secret.clone().or(policy_secret) else {
        return Err(sign_in_again(registry, name)?);
    };
    let consumer = Consumer {
        client_id: tokens.client_id.clone(),
        client_secret: Secret::new(client_secret),
    };
    let web = cloud_web()?;
    match token::refresh(env, &web, &consumer, &tokens.refresh_token).await {
        Ok(mut renewed) => {
            renewed.client_secret = tokens.client_secret.clone();
            // Saved (new keychain item, then the connection switched to it) before any use.
            registry.replace_secret(name, &renewed.to_secret(), |c| {
                c.status = Status::Valid;
                c.rejected_at = None;
            })?;
            Ok(())
        }
        Err(OauthError::Refused { .. } | OauthError::InvalidConsumer { .. }) => {
            Err(sign_in_again(registry, name)?)
        }
        Err(other) => Err(other),
    }
}

/// The connection's tokens when it is a signed-in OAuth connection whose access token is due.
fn due_tokens(registry: &Registry, name: &str) -> Result<Option<OauthTokens>, OauthError> {
    let connection = registry.get(name)?;
    if connection.method != Method::Oauth {
        return Ok(None);
    }
    let stored = registry.stored_secret(&connection)?;
    Ok(OauthTokens::read(&stored).filter(|t| t.expires_within(REFRESH_MARGIN_SECONDS, unix_now())))
}

/// Records that Bitbucket refused to renew the sign-in (never deletes the connection).
fn sign_in_again(registry: &Registry, name: &str) -> Result<OauthError, OauthError> {
    registry.update(name, |c| {
        c.status = Status::Invalid;
        c.rejected_at = Some(now());
    })?;
    Ok(OauthError::SignInAgain {
        name: name.to_owned(),
    })
}
