//! The commands the web page can call. Each is a thin wrapper: the work happens in
//! `repoconn-core` or in `preferences`.

use tauri::{AppHandle, Runtime, State};

use crate::error::AppError;
use crate::preferences::{self, Preferences, PreferencesFile};

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
