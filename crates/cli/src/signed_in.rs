//! Refresh before use, for the commands that use a saved connection (`test`, `repos`, the git
//! helper): a signed-in OAuth connection whose access token expires within five minutes gets a
//! new one first. The core does it under a lock every process shares.

use repoconn_core::check::CheckEnv;
use repoconn_core::oauth::OauthError;
use repoconn_core::oauth::refresh::fresh;
use repoconn_core::store::registry::Registry;

use crate::context;
use crate::error::CliError;
use crate::output::quote;

/// Refreshes the connection's tokens when due; other connections are left as they are.
pub fn refresh(registry: &Registry, name: &str, env: &CheckEnv) -> Result<(), CliError> {
    let runtime = context::runtime()?;
    runtime.block_on(fresh(registry, name, env)).map_err(into_cli)
}

/// What a failed refresh ends with: 1 when Bitbucket refused (sign in again), 3 when it could not
/// be reached, 4 when the keychain or the connections file refused.
pub fn into_cli(err: OauthError) -> CliError {
    match err {
        OauthError::Storage(err) => CliError::storage(err),
        OauthError::SignInAgain { name } => {
            let q = quote(&name);
            CliError::failed(format!(
                "[oauth_sign_in_again] {}.",
                OauthError::SignInAgain { name }
            ))
            .with_fix(format!(
                "sign in again: `repoconn rotate {q}` (the connection keeps its settings)"
            ))
        }
        other if other.is_unverified() => {
            CliError::unverified(format!("the access token could not be renewed: {other}"))
                .with_fix("check the network and run the command again")
        }
        other => CliError::failed(format!("the access token could not be renewed: {other}")),
    }
}
