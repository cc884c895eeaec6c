//! The commands through Tauri's real IPC layer (mock runtime: no window, no display, no D-Bus).

use repoconn_app::{PreferencesFile, with_commands};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder, test::MockRuntime};

fn app_with_preferences_at(file: std::path::PathBuf) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = with_commands(mock_builder(), PreferencesFile(file))
        .build(mock_context(noop_assets()))
        .expect("app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    (app, window)
}

fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|response| response.deserialize::<Value>().unwrap())
}

#[test]
fn app_info_reports_the_version_and_keychain_from_core() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with_preferences_at(dir.path().join("preferences.json"));
    let info = invoke(&window, "app_info", json!({})).expect("app_info answers");
    let core = repoconn_core::AppInfo::current();
    assert_eq!(info["version"], core.version);
    assert_eq!(info["name"], "Repository Connections");
    assert_eq!(info["keychain"], serde_json::to_value(core.keychain).unwrap());
    assert_eq!(info["keychainName"], core.keychain_name);
}

#[test]
fn preferences_default_then_persist_to_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/preferences.json");
    let (_app, window) = app_with_preferences_at(file.clone());

    assert_eq!(
        invoke(&window, "get_preferences", json!({})).unwrap(),
        json!({"theme": "system"})
    );
    let saved = invoke(
        &window,
        "set_preferences",
        json!({"preferences": {"theme": "dark"}}),
    )
    .unwrap();
    assert_eq!(saved, json!({"theme": "dark"}));

    let on_disk: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(on_disk["preferences"]["theme"], "dark");

    // A fresh app (a new launch) reads back what was saved.
    let (_app2, window2) = app_with_preferences_at(file);
    assert_eq!(
        invoke(&window2, "get_preferences", json!({})).unwrap(),
        json!({"theme": "dark"})
    );
}

#[test]
fn an_unknown_theme_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("preferences.json");
    let (_app, window) = app_with_preferences_at(file.clone());
    let err = invoke(
        &window,
        "set_preferences",
        json!({"preferences": {"theme": "purple"}}),
    )
    .unwrap_err();
    assert!(
        err.as_str().unwrap_or_default().contains("unknown variant"),
        "{err}"
    );
    assert!(!file.exists());
}

#[test]
fn an_unreadable_preferences_file_is_kept_aside_and_defaults_apply() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("preferences.json");
    std::fs::write(&file, "{ this is not json").unwrap();
    let (_app, window) = app_with_preferences_at(file.clone());

    assert_eq!(
        invoke(&window, "get_preferences", json!({})).unwrap(),
        json!({"theme": "system"})
    );
    let aside = dir.path().join("preferences.json.unreadable");
    assert_eq!(std::fs::read_to_string(aside).unwrap(), "{ this is not json");
    invoke(
        &window,
        "set_preferences",
        json!({"preferences": {"theme": "light"}}),
    )
    .unwrap();
    assert!(std::fs::read_to_string(&file).unwrap().contains("light"));
}

#[test]
fn a_command_outside_our_list_is_not_served() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with_preferences_at(dir.path().join("preferences.json"));
    let err = invoke(&window, "delete_everything", json!({})).unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");
}

#[test]
fn the_repository_picker_needs_a_credential_that_passed_a_check() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, window) = app_with_preferences_at(dir.path().join("preferences.json"));
    // No check has passed in this window: nothing is listed and the page is told why.
    let err = invoke(
        &window,
        "reach_repositories",
        json!({"checkId": 7, "filter": null}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_checked", "{err}");
    assert!(err["fix"].as_str().unwrap_or_default().contains("Test"), "{err}");
    let err = invoke(
        &window,
        "repository_reviewers",
        json!({"checkId": 7, "owner": "acme", "repository": "models"}),
    )
    .unwrap_err();
    assert_eq!(err["code"], "not_checked", "{err}");
}
