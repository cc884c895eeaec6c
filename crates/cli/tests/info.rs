//! Runs the real `repoconn` binary, as a user or a script would.

mod support;

use support::Run;

fn repoconn(args: &[&str]) -> std::process::Output {
    Run::repoconn(args)
        .env("REPOCONN_DATA_DIR", "/tmp/repoconn-cli-test-data")
        .output()
}

#[test]
fn info_json_reports_version_and_keychain() {
    let out = repoconn(&["info", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(value["name"], "Repository Connections");
    assert_eq!(value["version"], env!("CARGO_PKG_VERSION"));
    let keychain = value["keychain"].as_str().expect("keychain is a string");
    assert!(
        ["secret-service", "macos-keychain", "windows-credential-manager"].contains(&keychain),
        "unexpected keychain id {keychain}"
    );
}

#[test]
fn info_text_names_the_keychain_in_words() {
    let out = repoconn(&["info"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!("Repository Connections {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.contains("keychain: "), "{text}");
    assert!(
        text.contains("data folder: /tmp/repoconn-cli-test-data\n"),
        "{text}"
    );
}

#[test]
fn version_flag_prints_the_workspace_version() {
    let out = repoconn(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("repoconn {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn an_unknown_command_fails_with_usage_on_stderr() {
    let out = repoconn(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unrecognized subcommand"));
}
