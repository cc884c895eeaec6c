//! Expiry reminders as desktop notifications while the app runs. The core decides which are due
//! (30, 7 and 1 day before, and once expired, each once) and remembers what was shown in the
//! connections file; this file only shows them and reports a click.
//!
//! Never part of start-up: the page starts them once it has painted (`start_reminders`), and they
//! are checked then and every hour while the app runs. Notifications are sent from here, so the
//! page needs no notification permission.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use repoconn_core::domain::dates::today;
use repoconn_core::expiry::reminders::{due_reminders, record_shown};
use repoconn_core::store::registry::Registry;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_notification::NotificationExt;

use crate::dialog::{AppState, blocking};
use crate::error::AppError;

/// How often the due reminders are looked for (each is shown once whatever the number of looks).
const CHECK_EVERY: Duration = Duration::from_secs(60 * 60);
/// The key under which a notification carries the name of its connection.
const CONNECTION: &str = "connection";

/// Whether the reminders run, the page's channel that opens a connection's Edit, and a clicked
/// reminder waiting for a page to open it in (started at login, the window comes with the click).
#[derive(Default)]
pub struct Reminders {
    started: AtomicBool,
    open_edit: Mutex<Option<Channel<String>>>,
    pending_edit: Mutex<Option<String>>,
}

/// Starts the reminders (the page calls it after its first paint; later calls only replace the
/// channel, as a reloaded page does). `open_edit` receives the name of a connection whose
/// reminder was clicked, where the notification server reports clicks.
#[tauri::command]
#[specta::specta]
pub async fn start_reminders<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    reminders: State<'_, Reminders>,
    open_edit: Channel<String>,
) -> Result<(), AppError> {
    if let Some(name) = reminders.pending_edit.lock().unwrap().take() {
        let _ = open_edit.send(name);
    }
    *reminders.open_edit.lock().unwrap() = Some(open_edit);
    begin(app, state.registry()?);
    Ok(())
}

/// Started at login without a window: the reminders run from here.
pub fn start_in_background<R: Runtime>(app: AppHandle<R>) {
    match app.state::<AppState>().registry() {
        Ok(registry) => begin(app, registry),
        Err(err) => tracing::warn!(
            "reminders: the saved connections cannot be opened: {}",
            err.message
        ),
    }
}

/// Starts the hourly look for due reminders, once per process.
fn begin<R: Runtime>(app: AppHandle<R>, registry: Arc<Registry>) {
    if app.state::<Reminders>().started.swap(true, Ordering::SeqCst) {
        return;
    }
    // Before the first notification: a click is reported only for those shown after this.
    let handle = app.clone();
    let _ = app.notification().on_action(move |performed| {
        if performed.action_id() != "tap" {
            return;
        }
        let name = performed
            .notification()
            .and_then(|n| n.extra().get(CONNECTION))
            .and_then(|v| v.as_str());
        if let Some(name) = name {
            open_edit_of(&handle, name);
        }
    });
    tauri::async_runtime::spawn(async move {
        loop {
            let (app, registry) = (app.clone(), registry.clone());
            let _ = blocking(move || {
                remind(&app, &registry);
                Ok(())
            })
            .await;
            tokio::time::sleep(CHECK_EVERY).await;
        }
    });
}

/// Shows each reminder due today and records it as shown.
fn remind<R: Runtime>(app: &AppHandle<R>, registry: &Registry) {
    let connections = match registry.list() {
        Ok(connections) => connections,
        Err(err) => {
            tracing::warn!(
                "reminders: the saved connections could not be read: {}",
                err.message
            );
            return;
        }
    };
    for due in due_reminders(&connections, today()) {
        let shown = app
            .notification()
            .builder()
            .title(&due.title)
            .body(&due.body)
            .extra(CONNECTION, &due.name)
            .show();
        match shown
            .map_err(|err| err.to_string())
            .and_then(|()| record_shown(registry, &due).map_err(|err| err.message))
        {
            Ok(_) => tracing::info!(connection = %due.name, "reminder shown: {}", due.title),
            Err(err) => tracing::warn!(connection = %due.name, "a reminder could not be shown: {err}"),
        }
    }
}

/// Brings the window forward and asks the page to open the connection's Edit.
fn open_edit_of<R: Runtime>(app: &AppHandle<R>, name: &str) {
    crate::bring_forward(app);
    let reminders = app.state::<Reminders>();
    let channel = reminders.open_edit.lock().unwrap().clone();
    match channel {
        Some(channel) => {
            let _ = channel.send(name.to_owned());
        }
        // The window was just created: its page asks for it once it starts the reminders.
        None => *reminders.pending_edit.lock().unwrap() = Some(name.to_owned()),
    }
}
