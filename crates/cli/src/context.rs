//! What commands that check a credential set up first: the check environment (API root, network
//! limits, the administrator's policy) and a runtime to run the check on.

use repoconn_core::check::CheckEnv;

use crate::error::CliError;

/// The check environment. A broken policy file is only a warning: the built-in defaults apply,
/// as in the desktop app, so a typo by an administrator does not stop everyone's work.
pub fn environment() -> Result<CheckEnv, CliError> {
    let env = CheckEnv::from_env()?;
    if let Some(error) = &env.policy.error {
        eprintln!(
            "repoconn: warning: the policy file {} cannot be used ({}); the built-in defaults apply",
            error.path, error.message
        );
    }
    Ok(env)
}

/// One thread is enough: a command runs one check at a time, and starting fewer threads keeps
/// every command quick to start.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|err| CliError::unverified(format!("cannot start: {err}")))
}
