include!("src/command_list.rs");

fn main() {
    // Declaring our commands in an app manifest makes Tauri require an explicit permission for
    // each one (`allow-app-info`, ...): the capability file then grants the window exactly these.
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri build script failed");
}
