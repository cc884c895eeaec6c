//! The desktop shell of Repository Connections: a window, a handful of thin commands over
//! `repoconn-core`, and the plugins the app needs. No Bitbucket rule lives here.

mod autostart;
mod calendar;
mod command_list;
mod commands;
mod diagnostics;
mod dialog;
mod error;
mod git_setup;
mod preferences;
mod reminders;
mod sign_in;
mod updates;

use std::io::IsTerminal;

use tauri::{Manager, Runtime};
use tracing_subscriber::EnvFilter;

pub use command_list::COMMANDS;
pub use error::{AppError, ErrorCode, ShellCode};
pub use preferences::{Preferences, PreferencesFile, Theme};

/// Label of the one window the app opens.
pub const MAIN_WINDOW: &str = "main";

/// The main window, created from the configuration the first time it is asked for: at start-up,
/// or, when the app was started at login without a window, when the person opens the app again
/// or clicks a reminder.
pub fn main_window<R: Runtime>(app: &tauri::AppHandle<R>) -> tauri::Result<tauri::WebviewWindow<R>> {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        return Ok(window);
    }
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .cloned()
        .unwrap_or_default();
    tauri::WebviewWindowBuilder::from_config(app, &config)?.build()
}

/// Shows the main window (creating it if needed) in front.
pub fn bring_forward<R: Runtime>(app: &tauri::AppHandle<R>) {
    match main_window(app) {
        Ok(window) => {
            let _ = window.unminimize();
            let _ = window.show();
            let _ = window.set_focus();
        }
        Err(err) => tracing::error!("the window could not be opened: {err}"),
    }
}

/// The commands the web page may call, with their TypeScript types (the `::<Wry>` only names
/// the runtime for type export; the handler itself is generic). The same list drives the
/// invoke handler, the generated `ui/src/bindings.ts` and the test that keeps that file fresh.
pub fn specta_builder<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        // One TypeScript type per Rust type; our types serialise and deserialise alike.
        .disable_serde_phases()
        .commands(tauri_specta::collect_commands![
            commands::app_info,
            commands::get_preferences::<tauri::Wry>,
            commands::set_preferences::<tauri::Wry>,
            dialog::form_options,
            dialog::credential_link,
            dialog::open_credential_link,
            dialog::inspect_secret,
            dialog::inspect_server,
            dialog::choose_certificate_file::<tauri::Wry>,
            dialog::check_credential,
            dialog::check_saved,
            dialog::cancel_check,
            dialog::reach_repositories,
            dialog::repository_reviewers,
            dialog::save_connection,
            dialog::check_connection_name,
            dialog::list_connections,
            dialog::test_connection,
            dialog::delete_connection,
            dialog::saved_health,
            dialog::repair_saved,
            diagnostics::save_diagnostics::<tauri::Wry>,
            calendar::save_expiry_calendar::<tauri::Wry>,
            git_setup::git_scan,
            git_setup::git_setup_preview,
            git_setup::git_set_up,
            git_setup::git_undo_setup,
            sign_in::oauth_begin,
            sign_in::oauth_finish,
            sign_in::check_signed_in,
            reminders::start_reminders::<tauri::Wry>,
            autostart::autostart_state::<tauri::Wry>,
            autostart::set_autostart::<tauri::Wry>,
            autostart::dismiss_autostart_offer::<tauri::Wry>,
            updates::update_settings::<tauri::Wry>,
            updates::set_automatic_updates::<tauri::Wry>,
            updates::check_for_update::<tauri::Wry>,
            updates::automatic_update_check::<tauri::Wry>,
            updates::install_update,
        ])
}

/// Exports the TypeScript bindings exactly as they are committed.
pub fn export_bindings(path: &std::path::Path) -> Result<(), String> {
    let typescript = specta_typescript::Typescript::default().header(
        "// Generated from the Rust commands by `npm run bindings`: do not edit.\n/* eslint-disable */",
    );
    specta_builder::<tauri::Wry>()
        .export(typescript, path)
        .map_err(|err| err.to_string())
}

/// Registers our commands and state on a builder; shared by the real app and the IPC tests.
pub fn with_commands<R: Runtime>(
    builder: tauri::Builder<R>,
    preferences: PreferencesFile,
) -> tauri::Builder<R> {
    let specta = specta_builder::<R>();
    builder
        .plugin(tauri_plugin_store::Builder::new().build())
        // Only our command opens its file dialog: the page is granted none of its permissions.
        .plugin(tauri_plugin_dialog::init())
        // Reminders are sent from Rust: the page is granted none of its permissions either.
        .plugin(tauri_plugin_notification::init())
        .manage(preferences)
        .manage(reminders::Reminders::default())
        .manage(dialog::AppState::open())
        .manage(sign_in::SignIns::default())
        .manage(updates::Updates::default())
        .invoke_handler(specta.invoke_handler())
}

/// Starts the app: logging, single-instance guard, plugins, the main window.
pub fn run() {
    repoconn_core::about::install_panic_hook("Repository Connections");
    init_logging();
    let info = repoconn_core::AppInfo::current();
    tracing::info!(version = %info.version, keychain = %info.keychain, "starting {}", info.name);

    let preferences = PreferencesFile::in_data_dir();
    // The single-instance plugin must come first: a second launch hands over to the running
    // window and exits before anything else is set up.
    let builder = tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
        tracing::info!("second launch: focusing the open window");
        bring_forward(app);
    }));
    // Updates are only installed when their signature matches the public key in tauri.conf.json
    // (the private key lives only in the release workflow's secrets). The page never calls the
    // plugin itself: our commands in `updates` do, and only when the person asks (or once a day
    // when they turned that on), never during start-up.
    let builder = builder.plugin(tauri_plugin_updater::Builder::new().build());
    // The consistency of the saved connections is checked by the page after its first paint
    // (`saved_health`), which shows what is out of step with a Repair button.
    with_commands(builder, preferences)
        .setup(|app| {
            if autostart::started_hidden() {
                // Started at login: no window and no web view (little memory while idle), only
                // the reminders, until the person opens the app or clicks one.
                reminders::start_in_background(app.handle().clone());
            } else {
                main_window(app.handle())?;
            }
            Ok(())
        })
        .run(tauri::generate_context!())
        .unwrap_or_else(|err| {
            tracing::error!("the app could not start: {err}");
            eprintln!("Repository Connections could not start: {err}");
            std::process::exit(1);
        });
}

/// Logs go to standard error; `REPOCONN_LOG` sets the filter (default `info`). Secrets are never
/// passed to a log macro anywhere in the code base.
fn init_logging() {
    let filter = EnvFilter::try_from_env("REPOCONN_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}
