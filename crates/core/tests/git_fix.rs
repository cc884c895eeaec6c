//! "Let git use this connection", as the dialog does it, with the real `git` program, its `store`
//! helper and a throwaway home folder: the preview changes nothing and lists the old credential,
//! setting up with consent erases it, and a second preview has nothing left to do.

use std::path::Path;
use std::process::Command;

use repoconn_core::git::program::Git;
use repoconn_core::guide::git_fix;
use repoconn_core::store::connection::Connection;

fn git(home: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    String::from_utf8(out.stdout).unwrap()
}

fn everything_under(home: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for name in [".gitconfig", ".git-credentials"] {
        files.push((
            name.to_owned(),
            std::fs::read(home.join(name)).unwrap_or_default(),
        ));
    }
    files
}

#[test]
fn preview_then_set_up_with_consent_leaves_only_the_saved_connection() {
    let home = tempfile::tempdir().unwrap();
    // This test is alone in its process: git, run by the core, sees only the throwaway home.
    unsafe {
        std::env::set_var("HOME", home.path());
        std::env::set_var("XDG_CONFIG_HOME", home.path().join(".config"));
        std::env::set_var("GIT_CONFIG_NOSYSTEM", "1");
    }
    git(home.path(), &["config", "--global", "credential.helper", "store"]);
    std::fs::write(
        home.path().join(".git-credentials"),
        "https://ada:ATBBoldAppPassword@bitbucket.org\nhttps://ada:dc-token@git.example.com\n",
    )
    .unwrap();
    let connection: Connection = serde_json::from_value(serde_json::json!({
        "id": "1", "name": "work cloud", "provider": "cloud", "base_url": "https://api.bitbucket.org/",
        "method": "api-token", "email": "ada@example.com", "git_username": "ada",
        "profile": "pull-requests", "created_at": "2026-11-26T10:00:00Z", "status": "valid",
        "secret_key": "conn-1"
    }))
    .unwrap();

    // The scan names the saved connections git can be set up to use for bitbucket.org (not a
    // retired app password).
    let mut retired = connection.clone();
    retired.name = "old".into();
    retired.method = repoconn_core::Method::AppPassword;
    let found = repoconn_core::git::scan::scan(
        &Git::default(),
        &[connection.clone(), retired],
        false,
        &repoconn_core::git::plain_text::Home::from_env(),
    )
    .unwrap()
    .offline();
    assert_eq!(found.hosts[0].host, "bitbucket.org");
    assert_eq!(found.hosts[0].usable_connections, ["work cloud"]);

    let before = everything_under(home.path());
    let preview = git_fix::preview(&Git::default(), &connection).unwrap();
    assert_eq!(everything_under(home.path()), before, "a preview changes nothing");
    assert_eq!(preview.refusal, None);
    assert!(preview.git_version.as_deref().unwrap().starts_with("git version"));
    assert_eq!(preview.git_username.as_deref(), Some("ada"));
    assert_eq!(
        preview.commands,
        [
            "git config --global --add credential.https://bitbucket.org.helper \"\"",
            "git config --global --add credential.https://bitbucket.org.helper \"repoconn git-credential\"",
            // The mark that lets `--undo` remove exactly what was added.
            "git config --global repoconn.https://bitbucket.org.addedHelpers true",
        ]
    );
    assert_eq!(preview.old_credentials.len(), 1);
    assert_eq!(preview.old_credentials[0].helper, "store");
    assert_eq!(preview.old_credentials[0].username.as_deref(), Some("ada"));
    assert!(preview.old_credentials[0].plain_text);
    let json = serde_json::to_string(&preview).unwrap();
    assert!(!json.contains("ATBBoldAppPassword"), "never a secret: {json}");

    let done = git_fix::set_up(&Git::default(), &connection, true).unwrap();
    assert_eq!(done.ran, preview.commands);
    assert_eq!(done.erased, preview.old_credentials);
    assert_eq!(done.undo_command, "repoconn git setup \"work cloud\" --undo");
    assert_eq!(
        git(
            home.path(),
            &[
                "config",
                "--global",
                "--get-all",
                "credential.https://bitbucket.org.helper"
            ]
        ),
        "\nrepoconn git-credential\n"
    );
    let stored = std::fs::read_to_string(home.path().join(".git-credentials")).unwrap();
    assert!(!stored.contains("ATBBoldAppPassword"), "{stored}");
    assert!(
        stored.contains("https://ada:dc-token@git.example.com"),
        "other hosts untouched: {stored}"
    );

    let again = git_fix::preview(&Git::default(), &connection).unwrap();
    assert!(again.commands.is_empty(), "{:?}", again.commands);
    assert!(again.old_credentials.is_empty());

    // Undo from the dialog puts git's settings back: the store helper answers again for the host.
    let undone = git_fix::undo(&Git::default(), &connection).unwrap();
    assert!(!undone.is_empty());
    assert_eq!(
        git(
            home.path(),
            &["config", "--global", "--get-all", "credential.helper"]
        ),
        "store\n"
    );
    assert_eq!(
        git(
            home.path(),
            &[
                "config",
                "--global",
                "--get-regexp",
                "^credential\\.https://bitbucket"
            ]
        ),
        ""
    );
    assert!(
        git_fix::undo(&Git::default(), &connection).unwrap().is_empty(),
        "nothing left to undo"
    );
}
