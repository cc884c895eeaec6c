//! Save diagnostics…: the core's support bundle (the same file as `repoconn doctor --bundle`),
//! written where the person chooses in the system's save dialog. The dialog runs here: the page
//! gets no file access, only the path and what the file holds.

use std::path::{Path, PathBuf};

use repoconn_core::about::bundle::{Sources, SupportBundle};
use repoconn_core::domain::dates::{format_date, today};
use repoconn_core::policy::PolicyState;
use repoconn_core::store::registry::Registry;
use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime, State};

use crate::dialog::{AppState, blocking};
use crate::error::{AppError, ShellCode};

/// Where the diagnostics were saved, and what they hold in one sentence.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SavedDiagnostics {
    pub path: String,
    pub summary: String,
}

/// Asks where to save the support bundle, then writes it. `None` when the person closed the
/// dialog without choosing.
#[tauri::command]
#[specta::specta]
pub async fn save_diagnostics<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> Result<Option<SavedDiagnostics>, AppError> {
    let Some(path) = ask_where(&app).await else {
        return Ok(None);
    };
    // The policy this window applies; read again only when the window could not read it.
    let policy = state.env().map(|env| env.policy.clone()).ok();
    blocking(move || write_diagnostics(&path, policy)).await.map(Some)
}

async fn ask_where<R: Runtime>(app: &AppHandle<R>) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Save diagnostics")
        .set_file_name(format!("repoconn-diagnostics-{}.json", format_date(today())))
        .add_filter("JSON", &["json"])
        .save_file(move |chosen| {
            let _ = sender.send(chosen.and_then(|path| path.into_path().ok()));
        });
    receiver.await.ok().flatten()
}

/// Collects and writes the bundle (file and keychain work: call on a worker thread).
fn write_diagnostics(path: &Path, policy: Option<PolicyState>) -> Result<SavedDiagnostics, AppError> {
    let policy = policy.unwrap_or_else(PolicyState::load);
    let health = Registry::open_default().and_then(|registry| registry.doctor());
    let bundle = SupportBundle::collect(Sources::current(health, &policy));
    bundle.write_to(path).map_err(|err| {
        AppError::new(
            ShellCode::DiagnosticsNotSaved,
            format!("The diagnostics could not be saved to {}: {err}.", path.display()),
        )
        .with_fix(
            "Press Save diagnostics… again and choose a folder you can write to, such as your home folder.",
        )
    })?;
    Ok(SavedDiagnostics {
        path: path.display().to_string(),
        summary: bundle.summary(),
    })
}
