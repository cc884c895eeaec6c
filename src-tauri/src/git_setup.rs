//! The dialog's git commands: what git would use for Bitbucket (the scan), and letting git use a
//! saved connection (preview, then set up with the person's consent). Thin wrappers over
//! `repoconn_core::git` and `repoconn_core::guide::git_fix`; git runs on a worker thread, never
//! with a prompt, and no answer here carries a secret.

use repoconn_core::domain::dates::today;
use repoconn_core::git::live;
use repoconn_core::git::plain_text::Home;
use repoconn_core::git::program::{Git, GitError};
use repoconn_core::git::scan::{self, ScanReport};
use repoconn_core::guide::git_fix::{self, GitSetupDone, GitSetupPreview};
use tauri::State;

use crate::dialog::{AppState, blocking};
use crate::error::{AppError, ShellCode};

fn git_failed(err: GitError) -> AppError {
    AppError::new(ShellCode::GitFailed, format!("Git could not be asked: {}", err.0))
        .with_fix("Check that git is installed (`git --version` in a terminal), then press Scan again.")
}

/// Which helpers git asks for bitbucket.org and each saved Data Center server, what each holds,
/// and what its own server says of it (each secret checked read-only, only against the server it
/// belongs to); also netrc and leftover plain-text files.
#[tauri::command]
#[specta::specta]
pub async fn git_scan(state: State<'_, AppState>) -> Result<ScanReport, AppError> {
    let env = state.env()?.clone();
    // Without the saved connections the scan still covers bitbucket.org.
    let saved = match state.registry() {
        Ok(registry) => blocking(move || Ok(registry.list().unwrap_or_default())).await?,
        Err(_) => Vec::new(),
    };
    let found =
        blocking(move || scan::scan(&Git::default(), &saved, false, &Home::from_env()).map_err(git_failed))
            .await?;
    Ok(live::check_all(found, &env, today()).await)
}

/// What letting git use the saved connection `name` would change; changes nothing.
#[tauri::command]
#[specta::specta]
pub async fn git_setup_preview(
    state: State<'_, AppState>,
    name: String,
) -> Result<GitSetupPreview, AppError> {
    let registry = state.registry()?;
    blocking(move || {
        let connection = registry.get(&name)?;
        git_fix::preview(&Git::default(), &connection).map_err(git_failed)
    })
    .await
}

/// Makes git ask only the saved connection `name` for its server; with `erase_old`, erases the
/// credentials the other helpers hold for it (the page asks the person first).
#[tauri::command]
#[specta::specta]
pub async fn git_set_up(
    state: State<'_, AppState>,
    name: String,
    erase_old: bool,
) -> Result<GitSetupDone, AppError> {
    let registry = state.registry()?;
    blocking(move || {
        let connection = registry.get(&name)?;
        git_fix::set_up(&Git::default(), &connection, erase_old).map_err(git_failed)
    })
    .await
}

/// Puts git's settings back as they were before `git_set_up` for `name` (exactly what it added).
/// Returns the commands that ran; none when git was not set up for it.
#[tauri::command]
#[specta::specta]
pub async fn git_undo_setup(state: State<'_, AppState>, name: String) -> Result<Vec<String>, AppError> {
    let registry = state.registry()?;
    blocking(move || {
        let connection = registry.get(&name)?;
        git_fix::undo(&Git::default(), &connection).map_err(git_failed)
    })
    .await
}
