//! `repoconn git-credential get|store|erase`: git's credential-helper protocol.
//!
//! `get` answers from a saved connection; `store` never saves what was typed at a prompt (it only
//! clears an earlier rejection when git confirms the saved secret works); `erase` records that
//! git was refused, with the time, and keeps the secret: a passing server error must not destroy
//! a token.

use std::io::{Read, Write};
use std::process::ExitCode;

use repoconn_core::git_credential::{self, Query};
use repoconn_core::manage;
use repoconn_core::registry::{Registry, Status};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Operation {
    Get,
    Store,
    Erase,
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

pub fn run(operation: &str) -> ExitCode {
    let operation = match operation {
        "get" => Operation::Get,
        "store" => Operation::Store,
        "erase" => Operation::Erase,
        // Git may add operations; a helper ignores those it does not know.
        _ => return ExitCode::SUCCESS,
    };
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        return ExitCode::SUCCESS;
    }
    let query = Query::parse(&input);
    // Git shows a helper's standard error to the user; a helper that cannot help stays silent on
    // standard output so that git moves on to its next helper or prompt.
    let registry = match Registry::open_default() {
        Ok(registry) => registry,
        Err(err) => {
            eprintln!("repoconn: {} ({})", err.message, err.fix);
            return ExitCode::SUCCESS;
        }
    };
    let connections = match registry.list() {
        // A way to connect the administrator's policy forbids is never handed to git.
        Ok(list) => {
            let managed = repoconn_core::policy::PolicyState::load();
            list.into_iter()
                .filter(|c| managed.allows(c.method))
                .collect::<Vec<_>>()
        }
        Err(err) => {
            eprintln!("repoconn: {}", err.message);
            return ExitCode::SUCCESS;
        }
    };
    let Some(connection) = git_credential::find(&connections, &query) else {
        return ExitCode::SUCCESS;
    };
    let secret = match registry.secret(connection) {
        Ok(secret) => secret,
        Err(err) => {
            eprintln!("repoconn: {} ({})", err.message, err.fix);
            return ExitCode::SUCCESS;
        }
    };
    match operation {
        Operation::Get => {
            if let Some(text) = git_credential::answer(connection, &secret, &query) {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
        Operation::Erase | Operation::Store => {
            // Only a verdict about our own secret counts.
            let ours = query
                .password
                .as_ref()
                .is_some_and(|p| p.expose() == secret.expose());
            if !ours {
                return ExitCode::SUCCESS;
            }
            let result = match operation {
                Operation::Erase => registry.update(&connection.name, |c| {
                    c.status = Status::RejectedByGit;
                    c.rejected_at = Some(manage::now());
                }),
                _ if connection.status == Status::RejectedByGit => registry.update(&connection.name, |c| {
                    c.status = Status::Valid;
                    c.rejected_at = None;
                }),
                _ => return ExitCode::SUCCESS,
            };
            if let Err(err) = result {
                eprintln!("repoconn: {}", err.message);
            }
        }
    }
    ExitCode::SUCCESS
}
