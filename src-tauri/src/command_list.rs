// The commands the web page may call: the one list. `build.rs` includes this file to declare
// them in the app manifest (so each needs a permission), and a test checks that the invoke
// handler registers exactly these and that the capability file grants exactly `allow-<name>`.
pub const COMMANDS: &[&str] = &[
    "app_info",
    "get_preferences",
    "set_preferences",
    "form_options",
    "credential_link",
    "open_credential_link",
    "inspect_secret",
    "inspect_server",
    "choose_certificate_file",
    "check_credential",
    "check_saved",
    "cancel_check",
    "reach_repositories",
    "repository_reviewers",
    "save_connection",
    "check_connection_name",
    "list_connections",
    "test_connection",
    "delete_connection",
    "saved_health",
    "repair_saved",
    "git_scan",
    "git_setup_preview",
    "git_set_up",
];
