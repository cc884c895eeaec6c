//! Refresh before use. Every process that uses an OAuth connection (the app, `repoconn test` and
//! `repos`, each git helper) calls [`fresh`] first. Bitbucket rotates the refresh token on every
//! refresh and refuses the old one, so refreshing is serialised by a lock file that every
//! process shares: the first one refreshes and saves the new tokens before anyone uses them; the
//! others, once they get the lock, find the fresh tokens and use them.

use super::server::AuthServer;
use super::{Consumer, OauthError, REFRESH_MARGIN_SECONDS, token, unix_now};
use crate::check::CheckEnv;
use crate::domain::dates::now;
use crate::domain::method::ProviderKind;
use crate::domain::secret::Secret;
use crate::domain::tokens::OauthTokens;
use crate::store::connection::Status;
use crate::store::registry::Registry;

/// Makes sure the access token of the connection `name` is good for at least five more minutes,
/// refreshing it when needed. Connections of other kinds, and OAuth access tokens pasted without
/// a refresh token, are left as they are. A refresh Bitbucket refuses marks the connection
/// "sign in again" (it is kept, with its settings).
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
    let server = AuthServer::of(&connection)?;
    // The consumer's secret as the person gave it, else the policy's for the same consumer.
    let policy_client = match server.provider {
        ProviderKind::Cloud => env.policy.cloud_oauth_client(),
        ProviderKind::DataCenter => env.policy.data_center_oauth_client(&server.root),
    };
    let policy_secret = policy_client
        .filter(|c| c.client_id == tokens.client_id)
        .and_then(|c| c.client_secret.clone());
    let client_secret = tokens.client_secret.clone().or(policy_secret);
    if client_secret.is_none() && !server.is_data_center() {
        // Cloud cannot refresh without the consumer's secret (the policy no longer gives it).
        return Err(sign_in_again(registry, name)?);
    }
    let consumer = Consumer {
        client_id: tokens.client_id.clone(),
        client_secret: client_secret.map(Secret::new),
    };
    match token::refresh(env, &server, &consumer, &tokens).await {
        Ok(renewed) => {
            // Saved (new keychain item, then the connection switched to it) before any use.
            registry.replace_secret(name, &renewed.to_secret(), |c| {
                c.status = Status::Valid;
                c.rejected_at = None;
            })?;
            Ok(())
        }
        Err(
            OauthError::Refused { .. }
            | OauthError::InvalidConsumer { .. }
            | OauthError::RedirectRefused { .. },
        ) => Err(sign_in_again(registry, name)?),
        Err(other) => Err(other),
    }
}

/// The connection's tokens when it is a signed-in OAuth connection whose access token is due.
fn due_tokens(registry: &Registry, name: &str) -> Result<Option<OauthTokens>, OauthError> {
    let connection = registry.get(name)?;
    if !connection.method.is_oauth() {
        return Ok(None);
    }
    let stored = registry.stored_secret(&connection)?;
    Ok(OauthTokens::read(&stored).filter(|t| t.expires_within(REFRESH_MARGIN_SECONDS, unix_now())))
}

/// Records that Bitbucket refused to renew the sign-in (never deletes the connection).
fn sign_in_again(registry: &Registry, name: &str) -> Result<OauthError, OauthError> {
    registry.update(name, |c| {
        c.status = Status::SignInAgain;
        c.rejected_at = Some(now());
    })?;
    Ok(OauthError::SignInAgain {
        name: name.to_owned(),
    })
}
