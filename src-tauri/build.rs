fn main() {
    // Declaring our commands in an app manifest makes Tauri require an explicit permission for
    // each one (`allow-app-info`, ...): the capability file then grants the window exactly these.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "get_preferences",
        "set_preferences",
        "form_options",
        "credential_link",
        "open_credential_link",
        "inspect_secret",
        "inspect_server",
        "check_credential",
        "cancel_check",
        "save_connection",
        "list_connections",
        "test_connection",
        "delete_connection",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script failed");
}
