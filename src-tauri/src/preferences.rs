//! The app's own preferences (not connections: those belong to the core's registry), kept with
//! `tauri-plugin-store` in `preferences.json` beside the connection metadata.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::{Store, StoreExt};

use crate::error::{AppError, ShellCode};

/// Key of the one entry in the store: the whole `Preferences` object.
const KEY: &str = "preferences";

/// Light or dark colours; `system` follows the OS setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

/// What the app remembers between launches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    pub theme: Theme,
}

/// Where the preferences file lives. Absolute in the app (the core's data folder, so that
/// `REPOCONN_DATA_DIR` moves it too); tests point it at a temporary folder.
#[derive(Debug, Clone)]
pub struct PreferencesFile(pub PathBuf);

impl PreferencesFile {
    pub fn in_data_dir() -> Self {
        match repoconn_core::store::paths::data_dir() {
            Some(dir) => Self(dir.join("preferences.json")),
            // No home folder: fall back to Tauri's app-data folder, resolved by the plugin.
            None => Self(PathBuf::from("preferences.json")),
        }
    }
}

fn open<R: Runtime>(app: &AppHandle<R>, file: &PreferencesFile) -> Result<Arc<Store<R>>, AppError> {
    if app.get_store(&file.0).is_none() {
        keep_unreadable_file_aside(&file.0);
    }
    app.store(&file.0).map_err(|err| {
        AppError::new(
            ShellCode::PreferencesUnreadable,
            format!(
                "The preferences file {} cannot be opened: {err}",
                file.0.display()
            ),
        )
    })
}

/// The store plugin ignores a file it cannot parse and would overwrite it on the next save. A
/// broken file is moved aside instead (never deleted: the user may want it back) and the app
/// starts from defaults.
fn keep_unreadable_file_aside(path: &Path) {
    let Ok(bytes) = std::fs::read(path) else { return };
    if serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes).is_ok() {
        return;
    }
    let aside = path.with_extension("json.unreadable");
    match std::fs::rename(path, &aside) {
        Ok(()) => tracing::warn!(
            "unreadable preferences file kept as {}; using defaults",
            aside.display()
        ),
        Err(err) => tracing::warn!(
            "unreadable preferences file {} could not be moved aside: {err}",
            path.display()
        ),
    }
}

/// The stored preferences; defaults when there are none or they cannot be read.
pub fn load<R: Runtime>(app: &AppHandle<R>, file: &PreferencesFile) -> Preferences {
    let Ok(store) = open(app, file) else {
        return Preferences::default();
    };
    store
        .get(KEY)
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

/// Stores the preferences and writes them to disk at once.
pub fn save<R: Runtime>(
    app: &AppHandle<R>,
    file: &PreferencesFile,
    preferences: &Preferences,
) -> Result<(), AppError> {
    let store = open(app, file)?;
    let value = serde_json::to_value(preferences).map_err(|err| {
        AppError::new(
            ShellCode::PreferencesNotSaved,
            format!("The preferences cannot be encoded: {err}"),
        )
    })?;
    store.set(KEY, value);
    store.save().map_err(|err| {
        AppError::new(
            ShellCode::PreferencesNotSaved,
            format!(
                "The preferences could not be written to {}: {err}",
                file.0.display()
            ),
        )
    })
}

/// Another entry of the same store (e.g. what the update check remembers); `None` when there is
/// none or it cannot be read.
pub fn load_entry<R: Runtime, T: serde::de::DeserializeOwned>(
    app: &AppHandle<R>,
    file: &PreferencesFile,
    key: &str,
) -> Option<T> {
    let store = open(app, file).ok()?;
    store
        .get(key)
        .and_then(|value| serde_json::from_value(value).ok())
}

/// Stores another entry of the same store and writes the file at once.
pub fn save_entry<R: Runtime, T: Serialize>(
    app: &AppHandle<R>,
    file: &PreferencesFile,
    key: &str,
    value: &T,
) -> Result<(), AppError> {
    let store = open(app, file)?;
    let value = serde_json::to_value(value).map_err(|err| {
        AppError::new(
            ShellCode::PreferencesNotSaved,
            format!("The setting cannot be encoded: {err}"),
        )
    })?;
    store.set(key, value);
    store.save().map_err(|err| {
        AppError::new(
            ShellCode::PreferencesNotSaved,
            format!("The setting could not be written to {}: {err}", file.0.display()),
        )
    })
}
