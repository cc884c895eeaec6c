//! The commands the web page can call. Each is a thin wrapper: the work happens in
//! `repoconn-core` or in `preferences`.

use serde::Serialize;
use specta::Type;
use tauri::{AppHandle, Runtime, State};

use crate::preferences::{self, Preferences, PreferencesFile};

/// A failure the page shows to the user: a stable `code` to branch on, and a plain `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: String,
    pub message: String,
    /// What to do about it; empty when there is nothing to add.
    pub fix: String,
}

impl AppError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            fix: String::new(),
        }
    }
}

/// Version, platform and keychain of this build.
#[tauri::command]
#[specta::specta]
pub fn app_info() -> repoconn_core::AppInfo {
    repoconn_core::AppInfo::current()
}

/// The saved preferences, or the defaults when none are saved yet.
#[tauri::command]
#[specta::specta]
pub fn get_preferences<R: Runtime>(app: AppHandle<R>, file: State<'_, PreferencesFile>) -> Preferences {
    preferences::load(&app, &file)
}

/// Saves the preferences and returns what is now stored.
#[tauri::command]
#[specta::specta]
pub fn set_preferences<R: Runtime>(
    app: AppHandle<R>,
    file: State<'_, PreferencesFile>,
    preferences: Preferences,
) -> Result<Preferences, AppError> {
    preferences::save(&app, &file, &preferences)?;
    Ok(preferences)
}
