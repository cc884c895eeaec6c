//! `repoconn git-credential get|store|erase`: git's credential-helper protocol. The rules (which
//! connection answers, what `store` and `erase` may change) are the core's; this file only talks
//! to git: standard input in, the answer on standard output, trouble on standard error.
//!
//! Whatever happens the status is 0 and nothing but an answer reaches standard output: git shows
//! a helper's standard error to the user, and a helper that cannot help must stay silent on
//! standard output so that git moves on to its next helper or its prompt.

use std::io::{Read, Write};

use clap::Args;
use repoconn_core::check::CheckEnv;
use repoconn_core::domain::catalogue::Notice;
use repoconn_core::git::credential::{self, Answer, HelperError, Operation, Query};
use repoconn_core::policy::PolicyState;
use repoconn_core::store::registry::Registry;

use crate::error::{CliError, CliResult, NOT_USABLE};
use crate::signed_in;

#[derive(Args)]
pub struct GitCredentialArgs {
    /// get, store or erase (others are ignored, as git expects of helpers).
    pub operation: String,
}

/// When started as `git-credential-repoconn [git-credential] OPERATION` (how git runs a helper
/// configured as "repoconn git-credential"), the operation.
pub fn invoked_by_git() -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    let program = std::path::Path::new(args.first()?)
        .file_stem()?
        .to_string_lossy()
        .into_owned();
    if program != "git-credential-repoconn" {
        return None;
    }
    Some(
        args.iter()
            .skip(1)
            .rfind(|a| *a != "git-credential")
            .cloned()
            .unwrap_or_default(),
    )
}

/// Never an error and always status 0: a helper answers git only through what it prints, and
/// its trouble goes to standard error, which git shows to the user.
pub fn run(operation: &str) -> CliResult {
    // Git may add operations; a helper ignores those it does not know.
    let Some(operation) = Operation::parse(operation) else {
        return Ok(0);
    };
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        return Ok(0);
    }
    let query = Query::parse(&input);
    match answer(operation, &query) {
        Ok(Some(Answer { lines, warning })) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(lines.expose().as_bytes());
            let _ = out.flush();
            // Never on standard output, which is git's protocol: git shows standard error.
            if let Some(warning) = warning {
                eprintln!("{warning}");
            }
        }
        Ok(None) => {}
        // One line, as git shows it among its own messages.
        Err(err) => eprintln!("repoconn: {err}"),
    }
    Ok(0)
}

fn answer(operation: Operation, query: &Query) -> Result<Option<Answer>, HelperError> {
    let registry = Registry::open_default()?;
    let policy = PolicyState::load();
    // Once per run, on standard error (git shows it): what was saved keeps being served, but
    // the administrators' file needs fixing.
    if let Some(error) = &policy.error {
        let notice = Notice::PolicyUnusable {
            path: error.path.clone(),
            detail: error.message.clone(),
        };
        eprintln!("repoconn: warning: {}", notice.text());
    }
    if operation == Operation::Get && !refreshed_if_due(&registry, &policy, query) {
        return Ok(None);
    }
    credential::handle(&registry, &policy, operation, query)
}

/// Before answering `get` with a signed-in OAuth connection, renews its access token when it
/// expires within five minutes. False when the sign-in has ended (git then asks its next helper
/// rather than receive a dead token); a passing network failure only warns, as the token in
/// hand may still work.
fn refreshed_if_due(registry: &Registry, policy: &PolicyState, query: &Query) -> bool {
    let Ok(connections) = registry.list() else {
        return true;
    };
    let allowed: Vec<_> = connections
        .into_iter()
        .filter(|c| policy.git_allows(c.method))
        .collect();
    // Only OAuth connections have anything to renew: the others answer without more work.
    let Some(connection) = credential::find(&allowed, query).filter(|c| c.method.is_oauth()) else {
        return true;
    };
    let refreshed = CheckEnv::from_env()
        .map_err(|err| CliError::usage(err.to_string()))
        .and_then(|env| signed_in::refresh(registry, &connection.name, &env));
    match refreshed {
        Ok(()) => true,
        Err(err) => {
            eprintln!("repoconn: {err}");
            err.exit_code() != NOT_USABLE
        }
    }
}
