//! What commands that check a credential set up first: the check environment (API root, network
//! limits, the administrator's policy) and a runtime to run the check on.

use repoconn_core::check::CheckEnv;
use repoconn_core::domain::catalogue::Notice;

use crate::error::CliError;

/// The check environment. A policy file that cannot be used as written is reported on standard
/// error (its settings that can be read apply; one that cannot be read and restricts something
/// applies at its strictest) and in every report as the `policy_unusable` warning.
pub fn environment() -> Result<CheckEnv, CliError> {
    let env = CheckEnv::from_env()?;
    if let Some(error) = &env.policy.error {
        let notice = Notice::PolicyUnusable {
            path: error.path.clone(),
            detail: error.message.clone(),
        };
        eprintln!("repoconn: warning: {}", notice.text());
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
