//! Saved connections with the real parts: the real `repoconn` binary, the real Secret Service
//! (gnome-keyring in a private D-Bus session: scripts/test.sh runs the suite inside one), read
//! back with `secret-tool`, fault injection at every step, several processes at once, and the
//! machine's real `git` cloning through our credential helper.
//!
//! Without a Secret Service these tests say so visibly and do nothing, unless
//! REPOCONN_REQUIRE_KEYCHAIN=1 (set by the test script) or CI=true, where they fail.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::git_http::GitHosting;
use fake_bitbucket::{Behaviour, start};
use serde_json::Value;
use support::Run;

/// One isolated world: a data folder, a keychain service name, and the Cloud API to use.
struct World {
    data: tempfile::TempDir,
    service: String,
    cloud_api: Option<String>,
}

impl World {
    fn new() -> Self {
        let data = tempfile::tempdir().unwrap();
        let service = format!(
            "repoconn-test-{}",
            data.path().file_name().unwrap().to_string_lossy()
        );
        Self {
            data,
            service,
            cloud_api: None,
        }
    }

    /// `program` in this world: its data folder, keychain service and Cloud API, and no failure
    /// injected unless a test asks for one.
    fn command(&self, program: &Path, args: &[&str]) -> Run {
        Run::program(program, args)
            .env("REPOCONN_DATA_DIR", self.data.path())
            .env("REPOCONN_KEYCHAIN_SERVICE", &self.service)
            .env_remove("REPOCONN_FAILPOINT")
            .env_or_remove("REPOCONN_CLOUD_API_URL", self.cloud_api.as_deref())
    }

    /// Runs `repoconn` off the async runtime with `stdin` as its standard input.
    async fn run(&self, args: &[&str], stdin: &str, extra_env: &[(&str, &str)]) -> Output {
        self.command(Path::new(env!("CARGO_BIN_EXE_repoconn")), args)
            .envs(extra_env.iter().copied())
            .stdin(stdin)
            .output_async()
            .await
    }

    async fn list(&self) -> Vec<Value> {
        let out = self.run(&["list", "--json"], "", &[]).await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
    }

    fn metadata_text(&self) -> String {
        std::fs::read_to_string(self.data.path().join("connections.json")).unwrap_or_default()
    }

    /// What the Secret Service holds for `account`, read with the desktop's own tool.
    fn keychain_item(&self, account: &str) -> Option<String> {
        let out = Run::program(
            "secret-tool",
            ["lookup", "service", &self.service, "username", account],
        )
        .try_output()
        .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn keychain_accounts(&self) -> Vec<String> {
        let out = Run::program("secret-tool", ["search", "--all", "service", &self.service]).output();
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        let mut accounts: Vec<String> = text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("attribute.username = ").map(str::to_owned))
            .collect();
        accounts.sort();
        accounts
    }

    async fn doctor(&self) -> Value {
        let out = self.run(&["doctor", "--json"], "", &[]).await;
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|_| panic!("doctor: {}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// Whether a Secret Service answers; fails the test where one is required.
async fn keychain_ready(world: &World) -> bool {
    let out = world.run(&["doctor", "--json"], "", &[]).await;
    if out.status.code() == Some(4) && String::from_utf8_lossy(&out.stderr).contains("keychain_unavailable") {
        // In CI a missing keychain fails the suite: these tests are the proof that secrets
        // reach a real keychain, and a silent pass would prove nothing.
        let required = std::env::var("REPOCONN_REQUIRE_KEYCHAIN").as_deref() == Ok("1")
            || std::env::var("CI").as_deref() == Ok("true");
        assert!(
            !required,
            "no Secret Service: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Past the harness's capture, so that the skip shows in the output.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (not run, not passed): no Secret Service in this session; scripts/test.sh provides one, and CI=true makes this a failure"
        );
        return false;
    }
    true
}

fn add_cloud_args(name: &str) -> Vec<&str> {
    vec![
        "add",
        name,
        "--cloud",
        "--method",
        "api-token",
        "--email",
        cloud::EMAIL,
        "--workspace",
        "acme",
        "--repo",
        "models",
        "--json",
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_stores_the_token_in_the_keychain_and_nothing_secret_in_the_file() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    let out = world.run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(cloud::TOKEN_FULL));

    let list = world.list().await;
    assert_eq!(list.len(), 1);
    let connection = &list[0]["connection"];
    assert_eq!(connection["name"], "work");
    assert_eq!(connection["status"], "valid");
    assert_eq!(connection["git_username"], cloud::USERNAME);
    assert_eq!(connection["email"], cloud::EMAIL);
    assert_eq!(list[0]["expiry"]["state"], "fine");
    assert_eq!(list[0]["expiry"]["days_left"], 365);

    let key = connection["secret_key"].as_str().unwrap();
    assert_eq!(world.keychain_item(key).as_deref(), Some(cloud::TOKEN_FULL));
    let metadata = world.metadata_text();
    assert!(metadata.contains("\"work\"") && !metadata.contains(cloud::TOKEN_FULL));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(world.data.path().join("connections.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The text list shows the days left.
    let text = world.run(&["list"], "", &[]).await;
    assert!(String::from_utf8_lossy(&text.stdout).contains("365 days left"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_token_saves_nothing() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    let out = world
        .run(&add_cloud_args("work"), cloud::TOKEN_UNSCOPED, &[])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(world.list().await.is_empty());
    assert!(world.keychain_accounts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_rotate_and_remove_keep_keychain_and_file_in_step() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_READ_ONLY, &[])
            .await
            .status
            .success()
    );
    let first_key = world.list().await[0]["connection"]["secret_key"]
        .as_str()
        .unwrap()
        .to_owned();

    let tested = world.run(&["test", "work", "--json"], "", &[]).await;
    assert_eq!(
        tested.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&tested.stdout)
    );

    // Rotation to a refused token changes nothing.
    let refused = world.run(&["rotate", "work"], cloud::TOKEN_EXPIRED, &[]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(
        world.keychain_item(&first_key).as_deref(),
        Some(cloud::TOKEN_READ_ONLY)
    );

    let rotated = world
        .run(
            &["rotate", "work", "--expires", "2027-03-01"],
            cloud::TOKEN_FULL,
            &[],
        )
        .await;
    assert_eq!(
        rotated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rotated.stdout)
    );
    let connection = world.list().await[0]["connection"].clone();
    let new_key = connection["secret_key"].as_str().unwrap();
    assert_ne!(new_key, first_key);
    assert_eq!(connection["expires_on"], "2027-03-01");
    assert_eq!(world.keychain_item(new_key).as_deref(), Some(cloud::TOKEN_FULL));
    assert_eq!(
        world.keychain_item(&first_key),
        None,
        "the old secret is gone once the new one is saved"
    );
    assert_eq!(world.doctor().await["orphan_secrets"], serde_json::json!([]));

    let removed = world.run(&["remove", "work"], "", &[]).await;
    assert!(removed.status.success());
    assert!(world.list().await.is_empty());
    assert!(world.keychain_accounts().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_renames_and_edits_a_connection_keeping_its_keychain_item() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    for name in ["work", "home"] {
        let out = world.run(&add_cloud_args(name), cloud::TOKEN_FULL, &[]).await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let before = world.list().await[0]["connection"].clone();
    let key = before["secret_key"].as_str().unwrap().to_owned();
    let accounts = world.keychain_accounts();

    // Renamed, another repository and expiry: checked again with the saved token, which stays put.
    let changed = world
        .run(
            &[
                "change",
                "work",
                "--name",
                "acme site",
                "--repo",
                "site",
                "--expires",
                "2027-03-01",
                "--json",
            ],
            "",
            &[],
        )
        .await;
    assert_eq!(
        changed.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&changed.stdout),
        String::from_utf8_lossy(&changed.stderr)
    );
    let answer: Value = serde_json::from_slice(&changed.stdout).unwrap();
    assert_eq!(answer["report"]["ok"], true);
    let connection = world.list().await[0]["connection"].clone();
    assert_eq!(connection["name"], "acme site");
    assert_eq!(connection["repository"], "site");
    assert_eq!(connection["expires_on"], "2027-03-01");
    assert_eq!(connection["id"], before["id"]);
    assert_eq!(connection["created_at"], before["created_at"]);
    assert_eq!(connection["secret_key"], key.as_str());
    assert_eq!(world.keychain_item(&key).as_deref(), Some(cloud::TOKEN_FULL));
    assert_eq!(
        world.keychain_accounts(),
        accounts,
        "no keychain item added or removed"
    );
    let gone = world.run(&["test", "work"], "", &[]).await;
    assert_eq!(gone.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&gone.stderr).contains("not_found"));
    assert!(
        world.run(&["test", "acme site"], "", &[]).await.status.success(),
        "the renamed connection still finds its secret"
    );

    // A name that is taken, a check that fails, a kill before the write: nothing changes.
    let metadata = world.metadata_text();
    let taken = world
        .run(&["change", "acme site", "--name", "home"], "", &[])
        .await;
    assert_eq!(taken.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&taken.stderr).contains("name_taken"));
    let refused = world
        .run(
            &[
                "change",
                "acme site",
                "--name",
                "elsewhere",
                "--workspace",
                "nowhere",
            ],
            "",
            &[],
        )
        .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stdout).contains("Nothing was saved"));
    let killed = world
        .run(
            &["change", "acme site", "--name", "elsewhere"],
            "",
            &[("REPOCONN_FAILPOINT", "update:before-write")],
        )
        .await;
    assert!(!killed.status.success());
    assert_eq!(world.metadata_text(), metadata);
    assert_eq!(world.keychain_accounts(), accounts);
    assert_eq!(world.keychain_item(&key).as_deref(), Some(cloud::TOKEN_FULL));
    assert!(
        world.doctor().await["orphan_secrets"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_failure_never_marks_a_connection_invalid() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[])
            .await
            .status
            .success()
    );
    drop(server);
    let out = world.run(&["test", "work", "--json"], "", &[]).await;
    assert_eq!(out.status.code(), Some(3));
    let connection = &world.list().await[0]["connection"];
    assert_eq!(connection["status"], "valid");
    assert!(
        world
            .keychain_item(connection["secret_key"].as_str().unwrap())
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_secret_service_nothing_is_saved_and_the_fix_is_named() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    let gone = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let out = world.run(&add_cloud_args("work"), cloud::TOKEN_FULL, &gone).await;
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("keychain_unavailable") && stderr.contains("gnome-keyring-daemon"),
        "{stderr}"
    );
    assert_eq!(world.metadata_text(), "", "no metadata without its secret");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_at_any_step_leaves_a_state_doctor_understands() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    let crash = |point: &'static str| [("REPOCONN_FAILPOINT", point)];

    // Killed after the secret was stored, before the metadata: no connection, one orphan secret.
    let out = world
        .run(
            &add_cloud_args("work"),
            cloud::TOKEN_FULL,
            &crash("add:secret-stored"),
        )
        .await;
    assert!(!out.status.success());
    assert!(world.list().await.is_empty());
    let health = world.doctor().await;
    assert_eq!(health["orphan_secrets"].as_array().unwrap().len(), 1, "{health}");
    assert!(world.run(&["doctor", "--repair"], "", &[]).await.status.success());
    assert!(world.keychain_accounts().is_empty());

    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_READ_ONLY, &[])
            .await
            .status
            .success()
    );
    let old_key = world.list().await[0]["connection"]["secret_key"]
        .as_str()
        .unwrap()
        .to_owned();

    // Killed after the new secret was stored: the connection still uses the old one.
    world
        .run(
            &["rotate", "work"],
            cloud::TOKEN_FULL,
            &crash("rotate:new-secret-stored"),
        )
        .await;
    let connection = world.list().await[0]["connection"].clone();
    assert_eq!(connection["secret_key"], old_key.as_str());
    assert_eq!(
        world.keychain_item(&old_key).as_deref(),
        Some(cloud::TOKEN_READ_ONLY)
    );
    assert_eq!(
        world.doctor().await["orphan_secrets"].as_array().unwrap().len(),
        1
    );
    world.run(&["doctor", "--repair"], "", &[]).await;

    // Killed after the metadata switched: the connection uses the new secret; the old is an orphan.
    world
        .run(
            &["rotate", "work"],
            cloud::TOKEN_FULL,
            &crash("rotate:metadata-written"),
        )
        .await;
    let connection = world.list().await[0]["connection"].clone();
    let new_key = connection["secret_key"].as_str().unwrap().to_owned();
    assert_ne!(new_key, old_key);
    assert_eq!(world.keychain_item(&new_key).as_deref(), Some(cloud::TOKEN_FULL));
    assert_eq!(
        world.doctor().await["orphan_secrets"],
        serde_json::json!([old_key])
    );
    world.run(&["doctor", "--repair"], "", &[]).await;
    assert_eq!(world.doctor().await["orphan_secrets"], serde_json::json!([]));

    // Killed after the metadata was removed: the connection is gone, its secret an orphan.
    world
        .run(&["remove", "work"], "", &crash("remove:metadata-written"))
        .await;
    assert!(world.list().await.is_empty());
    assert_eq!(
        world.doctor().await["orphan_secrets"],
        serde_json::json!([new_key])
    );
    let plain = world.run(&["doctor"], "", &[]).await;
    assert_eq!(plain.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&plain.stdout).contains("doctor --repair"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_processes_adding_at_once_lose_nothing() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    let world = Arc::new(world);
    let names: Vec<String> = (0..6).map(|i| format!("c{i}")).collect();
    let runs = names.iter().map(|name| {
        let world = world.clone();
        let name = name.clone();
        async move { world.run(&add_cloud_args(&name), cloud::TOKEN_FULL, &[]).await }
    });
    for out in futures_util::future::join_all(runs).await {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let list = world.list().await;
    assert_eq!(list.len(), 6);
    assert_eq!(world.keychain_accounts().len(), 6);
    assert_eq!(world.doctor().await["orphan_secrets"], serde_json::json!([]));
}

/// A bare repository with one commit, as `{root}/data/models.git`.
fn bare_repository(root: &Path) {
    let work = root.join("work");
    let git = |dir: &Path, args: &[&str]| {
        let out = Run::program("git", args)
            .current_dir(dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", root)
            .output();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    std::fs::write(work.join("model.json"), "{}\n").unwrap();
    git(&work, &["add", "."]);
    git(
        &work,
        &[
            "-c",
            "user.name=Ada",
            "-c",
            "user.email=ada@example.com",
            "commit",
            "-q",
            "-m",
            "First model",
        ],
    );
    std::fs::create_dir_all(root.join("data")).unwrap();
    git(root, &["clone", "-q", "--bare", "work", "data/models.git"]);
}

fn git_clone(world: &World, home: &Path, url: &str, into: &Path) -> Output {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_repoconn"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let helper_key = format!("credential.{}.helper", url.split("/bitbucket").next().unwrap());
    world
        .command(Path::new("git"), &[])
        .env("PATH", path)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .args([
            "-c",
            "credential.helper=",
            "-c",
            &format!("{helper_key}=repoconn git-credential"),
        ])
        .args(["clone", "-q", url])
        .args([into])
        .output()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_clones_with_the_saved_connection_and_a_revoked_token_fails_cleanly() {
    let world = World::new();
    if !keychain_ready(&world).await {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    bare_repository(root.path());
    let dc = Arc::new(FakeDataCenter::standard());
    let server = start(
        GitHosting {
            dc: dc.clone(),
            root: root.path().to_owned(),
        },
        Behaviour::default(),
        None,
    )
    .await;
    let base = format!("{}bitbucket", server.url);
    let add = world
        .run(
            &[
                "add",
                "dc",
                "--server",
                &base,
                "--method",
                "personal-token",
                "--username",
                "ada",
            ],
            datacenter::PERSONAL_TOKEN,
            &[],
        )
        .await;
    assert_eq!(
        add.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&add.stdout)
    );

    let home = tempfile::tempdir().unwrap();
    let url = format!("{base}/scm/data/models.git");
    let clone = git_clone(&world, home.path(), &url, &home.path().join("models"));
    assert!(
        clone.status.success(),
        "git clone failed: {}",
        String::from_utf8_lossy(&clone.stderr)
    );
    assert!(home.path().join("models/model.json").exists());
    // Git authenticated as the token's owner, with the token as the password.
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("ada:{}", datacenter::PERSONAL_TOKEN))
    );
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path.contains("/scm/") && r.authorization.as_deref() == Some(&expected))
    );

    // The token is revoked on the server: git fails without prompting, the helper records it,
    // and the secret stays in the keychain.
    dc.revoke(datacenter::PERSONAL_TOKEN);
    let clone = git_clone(&world, home.path(), &url, &home.path().join("again"));
    assert!(!clone.status.success());
    let connection = world.list().await[0]["connection"].clone();
    assert_eq!(connection["status"], "rejected_by_git");
    assert!(connection["rejected_at"].is_string());
    assert_eq!(
        world
            .keychain_item(connection["secret_key"].as_str().unwrap())
            .as_deref(),
        Some(datacenter::PERSONAL_TOKEN)
    );
}

/// No Secret Service at all: nothing may reach a keychain.
const NO_KEYCHAIN: [(&str, &str); 1] = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];

/// A saved Cloud connection named `name` as this version writes it, its secret under `secret_key`.
fn connection_json(name: &str, secret_key: &str) -> Value {
    serde_json::json!({
        "id": "1",
        "name": name,
        "provider": "cloud",
        "base_url": "https://api.bitbucket.org/",
        "method": "api-token",
        "email": cloud::EMAIL,
        "git_username": cloud::USERNAME,
        "profile": "pull-requests",
        "created_at": "2026-11-26T10:00:00Z",
        "status": "valid",
        "secret_key": secret_key,
    })
}

impl World {
    fn write_metadata(&self, text: &str) {
        std::fs::write(self.data.path().join("connections.json"), text).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_or_newer_connections_file_stops_every_command_and_is_left_as_it_is() {
    let world = World::new();
    let forms = [
        ("[]", "metadata_unreadable"),
        ("42", "metadata_unreadable"),
        ("\"connections\"", "metadata_unreadable"),
        ("null", "metadata_unreadable"),
        ("", "metadata_unreadable"),
        (
            r#"{"schema_version": 1, "connections": [{"id": "1", "name": "wo"#,
            "metadata_unreadable",
        ),
        (
            r#"{"schema_version": "1", "connections": []}"#,
            "metadata_unreadable",
        ),
        (
            r#"{"schema_version": 2, "connections": [], "sync": {"every": "1h"}}"#,
            "metadata_too_new",
        ),
    ];
    let commands: [Vec<&str>; 7] = [
        vec!["list"],
        vec!["list", "--json"],
        vec!["test", "work"],
        vec!["rotate", "work"],
        vec!["remove", "work"],
        vec!["doctor"],
        add_cloud_args("work"),
    ];
    for (text, code) in forms {
        world.write_metadata(text);
        for args in &commands {
            let out = world.run(args, cloud::TOKEN_FULL, &NO_KEYCHAIN).await;
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(4), "{args:?} on {text:?}: {stderr}");
            assert!(
                stderr.contains(&format!("[{code}]")) && stderr.contains("fix: "),
                "{args:?} on {text:?}: {stderr}"
            );
        }
        // Git's helper says nothing on standard output, so git moves on; the reason goes to
        // standard error, which git shows.
        let query = format!(
            "protocol=https\nhost=bitbucket.org\nusername={}\npassword={}\n\n",
            cloud::USERNAME,
            cloud::TOKEN_FULL
        );
        for operation in ["get", "store", "erase"] {
            let out = world
                .run(&["git-credential", operation], &query, &NO_KEYCHAIN)
                .await;
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{operation} on {text:?}: {stderr}");
            assert!(out.stdout.is_empty(), "{operation} on {text:?}");
            assert!(
                stderr.contains("connections file") && !stderr.contains("panicked"),
                "{operation} on {text:?}: {stderr}"
            );
        }
        assert_eq!(world.metadata_text(), text, "the file is never rewritten");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_newer_version_added_to_the_file_survives_test_and_rotate() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_READ_ONLY, &[])
            .await
            .status
            .success()
    );
    let mut file: Value = serde_json::from_str(&world.metadata_text()).unwrap();
    file["sync"] = serde_json::json!({"every": "1h"});
    file["connections"][0]["colour"] = "teal".into();
    file["connections"][0]["labels"] = serde_json::json!(["ml", "prod"]);
    world.write_metadata(&file.to_string());

    let tested = world.run(&["test", "work"], "", &[]).await;
    assert_eq!(
        tested.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&tested.stderr)
    );
    let rotated = world.run(&["rotate", "work"], cloud::TOKEN_FULL, &[]).await;
    assert_eq!(
        rotated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );

    let file: Value = serde_json::from_str(&world.metadata_text()).unwrap();
    assert_eq!(file["sync"], serde_json::json!({"every": "1h"}));
    let connection = &file["connections"][0];
    assert_eq!(connection["colour"], "teal");
    assert_eq!(connection["labels"], serde_json::json!(["ml", "prod"]));
    assert_ne!(
        connection["validated_at"],
        Value::Null,
        "the change itself was written"
    );
    assert_eq!(
        world
            .keychain_item(connection["secret_key"].as_str().unwrap())
            .as_deref(),
        Some(cloud::TOKEN_FULL)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_without_a_keychain_keeps_the_connection_and_exits_4() {
    let world = World::new();
    let text = serde_json::json!({
        "schema_version": 1,
        "connections": [connection_json("work", "conn-1")],
    })
    .to_string();
    world.write_metadata(&text);
    let out = world.run(&["remove", "work"], "", &NO_KEYCHAIN).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("[keychain_unavailable]") && stderr.contains("fix: "),
        "{stderr}"
    );
    assert_eq!(world.metadata_text(), text, "nothing changed");
    let list = world.list().await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["connection"]["name"], "work");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_goes_ahead_when_the_secret_is_already_gone() {
    let world = World::new();
    if !keychain_ready(&world).await {
        return;
    }
    world.write_metadata(
        &serde_json::json!({
            "schema_version": 1,
            "connections": [connection_json("work", "conn-never-stored")],
        })
        .to_string(),
    );
    let out = world.run(&["remove", "work"], "", &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("held no secret"));
    assert!(world.list().await.is_empty());
}

/// Answers every request with a web page and `status`, as a captive portal or a proxy that wants
/// a login does (a 404 page included).
struct Portal {
    status: u16,
}

impl fake_bitbucket::Api for Portal {
    fn answer(&self, _call: &fake_bitbucket::Call) -> fake_bitbucket::Reply {
        fake_bitbucket::html(
            fake_bitbucket::StatusCode::from_u16(self.status).unwrap(),
            "<!DOCTYPE html><html><body><h1>Welcome to Hotel Wi-Fi</h1><form action=\"/login\"></form></body></html>",
        )
    }
}

/// A policy file whose only setting is `proxy`, in a folder of its own in `dir`; its path.
fn proxy_policy(dir: &Path, proxy: &str) -> String {
    let path = tempfile::tempdir_in(dir).unwrap().keep().join("policy.json");
    std::fs::write(&path, serde_json::json!({ "proxy": proxy }).to_string()).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_page_or_a_redirect_in_front_of_bitbucket_never_marks_a_connection_invalid() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[])
            .await
            .status
            .success()
    );
    // Something else answers for the Cloud API: a portal's page (200), a redirect to its login
    // on another host (302).
    let portals = [
        (
            start(
                FakeCloud::standard(),
                Behaviour {
                    html: true,
                    ..Behaviour::default()
                },
                None,
            )
            .await,
            "login_page",
        ),
        (
            start(
                FakeCloud::standard(),
                Behaviour {
                    redirect_to: Some("https://portal.example.net/login?continue=bitbucket".into()),
                    ..Behaviour::default()
                },
                None,
            )
            .await,
            "unexpected_redirect",
        ),
    ];
    for (portal, code) in &portals {
        let api = [("REPOCONN_CLOUD_API_URL", portal.url.as_str())];
        let out = world.run(&["test", "work", "--json"], "", &api).await;
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(answer["report"]["problems"][0]["code"], *code, "{answer}");
        assert_eq!(
            world.list().await[0]["connection"]["status"],
            "valid",
            "{code} proves nothing about the token"
        );
    }

    // Data Center behind a proxy that wants a login first: its page (200 or 404), or a redirect
    // to its login page. The connection is checked through the policy's proxy.
    let dc = Arc::new(FakeDataCenter::standard());
    let real_proxy = start(dc.clone(), Behaviour::default(), None).await;
    let policies = tempfile::tempdir().unwrap();
    let through = |proxy: &str| proxy_policy(policies.path(), proxy);
    let via_real = through(real_proxy.url.as_str());
    let added = world
        .run(
            &[
                "add",
                "dc",
                "--server",
                "http://bitbucket.example.test/bitbucket",
                "--method",
                "personal-token",
                "--username",
                "ada",
                "--allow-http",
            ],
            datacenter::PERSONAL_TOKEN,
            &[("REPOCONN_POLICY_FILE", via_real.as_str())],
        )
        .await;
    assert_eq!(
        added.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&added.stdout)
    );
    let proxies = [
        (
            start(Portal { status: 200 }, Behaviour::default(), None).await,
            "login_page",
        ),
        (
            start(Portal { status: 404 }, Behaviour::default(), None).await,
            "not_bitbucket",
        ),
        (
            start(
                Portal { status: 200 },
                Behaviour {
                    redirect_to: Some("https://proxy.example.net/login".into()),
                    ..Behaviour::default()
                },
                None,
            )
            .await,
            "unexpected_redirect",
        ),
    ];
    for (proxy, code) in &proxies {
        let policy = through(proxy.url.as_str());
        let out = world
            .run(
                &["test", "dc", "--json"],
                "",
                &[("REPOCONN_POLICY_FILE", policy.as_str())],
            )
            .await;
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(answer["report"]["problems"][0]["code"], *code, "{answer}");
        assert!(
            proxy.request_count() > 0,
            "{code}: the check went through the proxy"
        );
        let list = world.list().await;
        assert_eq!(list[1]["connection"]["status"], "valid", "{code}");
    }

    // Bitbucket's own refusal still marks it invalid.
    dc.revoke(datacenter::PERSONAL_TOKEN);
    let out = world
        .run(
            &["test", "dc"],
            "",
            &[("REPOCONN_POLICY_FILE", via_real.as_str())],
        )
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(world.list().await[1]["connection"]["status"], "invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_that_started_before_a_rotation_does_not_judge_the_new_secret() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_READ_ONLY, &[])
            .await
            .status
            .success()
    );
    // A slow Bitbucket on which the old token has lost every scope: not usable.
    let slow = start(
        FakeCloud::standard().with_api_token_scopes(cloud::TOKEN_READ_ONLY, &[]),
        Behaviour {
            latency: std::time::Duration::from_millis(1500),
            ..Behaviour::default()
        },
        None,
    )
    .await;
    let slow_api = [("REPOCONN_CLOUD_API_URL", slow.url.as_str())];
    let testing = world.run(&["test", "work", "--json"], "", &slow_api);
    let rotating = async {
        // The test has read the old secret and is waiting for its answer: rotate now.
        while slow.request_count() == 0 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        world.run(&["rotate", "work"], cloud::TOKEN_FULL, &[]).await
    };
    let (tested, rotated) = tokio::join!(testing, rotating);
    assert_eq!(
        rotated.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&rotated.stdout)
    );
    assert_eq!(
        tested.status.code(),
        Some(1),
        "the old token was refused: {}",
        String::from_utf8_lossy(&tested.stdout)
    );
    let answer: Value = serde_json::from_slice(&tested.stdout).unwrap();
    assert_eq!(answer["connection"], Value::Null, "nothing recorded: {answer}");
    let connection = &world.list().await[0]["connection"];
    assert_eq!(
        connection["status"], "valid",
        "the new secret was not judged by the old one's test"
    );
    assert_eq!(
        world
            .keychain_item(connection["secret_key"].as_str().unwrap())
            .as_deref(),
        Some(cloud::TOKEN_FULL)
    );
}

/// `git credential fill` for `https://bitbucket.org/acme/models.git` with our helper, under the
/// policy file `policy`: what the machine's real git gets.
fn git_credential_fill(world: &World, home: &Path, policy: &Path) -> Output {
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_repoconn"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    world
        .command(Path::new("git"), &[])
        .env("PATH", path)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .env("REPOCONN_POLICY_FILE", policy)
        .args([
            "-c",
            "credential.helper=",
            "-c",
            "credential.https://bitbucket.org.helper=repoconn git-credential",
            "credential",
            "fill",
        ])
        .stdin("protocol=https\nhost=bitbucket.org\npath=acme/models.git\n\n")
        .output()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_file_that_cannot_be_read_keeps_git_working_and_says_so() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[])
            .await
            .status
            .success()
    );
    let home = tempfile::tempdir().unwrap();
    let policy = home.path().join("policy.json");
    let served = format!("password={}", cloud::TOKEN_FULL);

    // Not JSON, or the list of allowed ways unreadable: what was saved is still served, and git
    // shows the warning with the file and the place.
    for (text, place) in [
        ("{\n  \"allowed_methods\": [\"api-token\",]\n}", "line 2, column"),
        (r#"{"allowed_methods": "api-token"}"#, "line 1, column"),
    ] {
        std::fs::write(&policy, text).unwrap();
        let out = git_credential_fill(&world, home.path(), &policy);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{text}: {stderr}");
        assert!(String::from_utf8_lossy(&out.stdout).contains(&served), "{text}");
        assert!(
            stderr.contains(&format!(
                "{} cannot be used as written: {place}",
                policy.display()
            )),
            "{text}: {stderr}"
        );
        assert!(!stderr.contains(cloud::TOKEN_FULL));
    }

    // A list that was read is obeyed: git gets nothing from us and says so itself.
    std::fs::write(&policy, r#"{"allowed_methods": ["personal-token"]}"#).unwrap();
    let out = git_credential_fill(&world, home.path(), &policy);
    assert!(!out.status.success());
    assert!(!String::from_utf8_lossy(&out.stdout).contains(cloud::TOKEN_FULL));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cannot be used"));
}

/// `days` days from today (UTC, as the helper counts), as `YYYY-MM-DD`.
fn in_days(days: i64) -> String {
    let date = repoconn_core::domain::dates::today() + time::Duration::days(days);
    repoconn_core::domain::dates::format_date(date)
}

/// The lines of git's answer on standard output: only its protocol's `key=value` lines.
fn protocol_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_is_told_once_a_day_on_standard_error_that_the_connection_expires_soon() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    let expires = in_days(5);
    let mut add = add_cloud_args("work");
    add.extend(["--expires", &expires]);
    let saved = world.run(&add, cloud::TOKEN_FULL, &[]).await;
    assert!(
        saved.status.success(),
        "{}",
        String::from_utf8_lossy(&saved.stderr)
    );
    let home = tempfile::tempdir().unwrap();
    let policy = home.path().join("no-policy.json");
    let answer = [
        "protocol=https".to_owned(),
        "host=bitbucket.org".to_owned(),
        format!("username={}", cloud::USERNAME),
        format!("password={}", cloud::TOKEN_FULL),
    ];

    // The first fill of the day: one line on standard error, git's answer intact on standard output.
    let first = git_credential_fill(&world, home.path(), &policy);
    assert!(first.status.success());
    assert_eq!(protocol_lines(&first), answer);
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(
        stderr,
        format!(
            "repoconn: \"work\" expires in 5 days ({expires}); create a new token and save it with `repoconn rotate work` (or Edit in the Repository Connections app)\n"
        )
    );
    assert!(!stderr.contains(cloud::TOKEN_FULL));

    // The second the same day: silent.
    let second = git_credential_fill(&world, home.path(), &policy);
    assert_eq!(protocol_lines(&second), answer);
    assert_eq!(String::from_utf8_lossy(&second.stderr), "");
    assert!(
        world
            .metadata_text()
            .contains(&format!("\"helper_warned_on\": \"{}\"", in_days(0)))
    );

    // The connection is given an expiry date already past (as if edited): that date is new, so
    // git is told again, the same day, that it has expired.
    let expired = in_days(-2);
    let mut file: Value = serde_json::from_str(&world.metadata_text()).unwrap();
    file["connections"][0]["expires_on"] = expired.clone().into();
    world.write_metadata(&file.to_string());
    let third = git_credential_fill(&world, home.path(), &policy);
    assert_eq!(protocol_lines(&third), answer);
    assert!(
        String::from_utf8_lossy(&third.stderr)
            .starts_with(&format!("repoconn: \"work\" expired on {expired}; ")),
        "{}",
        String::from_utf8_lossy(&third.stderr)
    );
    let fourth = git_credential_fill(&world, home.path(), &policy);
    assert_eq!(String::from_utf8_lossy(&fourth.stderr), "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_token_lifetime_cap_refuses_every_save() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    std::fs::write(&policy, "{\r\n  \"max_token_lifetime_days\": \"90\"\r\n}\r\n").unwrap();
    let policy = policy.display().to_string();
    let out = world
        .run(
            &add_cloud_args("work"),
            cloud::TOKEN_FULL,
            &[("REPOCONN_POLICY_FILE", policy.as_str()), NO_KEYCHAIN[0]],
        )
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("[policy_unreadable]")
            && stderr.contains("line 2, column")
            && stderr.contains("max_token_lifetime_days")
            && stderr.contains("fix: "),
        "{stderr}"
    );
    assert_eq!(world.metadata_text(), "", "nothing saved");
}

/// The set-up the README gives, with real git and a global `store` helper that still holds a
/// retired app password: git asks only our helper for bitbucket.org, and after git confirms the
/// token it is not copied into `~/.git-credentials`; other hosts keep their helper.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readmes_git_set_up_lets_only_the_saved_connection_answer() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[])
            .await
            .status
            .success()
    );
    let home = tempfile::tempdir().unwrap();
    let stored = home.path().join(".git-credentials");
    let stale =
        "https://ada_lovelace:ATBBstaleAppPassword1234@bitbucket.org\nhttps://ada:dc-token@git.example.com\n";
    std::fs::write(&stored, stale).unwrap();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_repoconn"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let git = |args: &[&str], stdin: &str| {
        world
            .command(Path::new("git"), args)
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS", "")
            .stdin(stdin)
            .output()
    };
    // The user's existing set-up, then exactly the README's lines.
    for args in [
        &["config", "--global", "credential.helper", "store"][..],
        &[
            "config",
            "--global",
            "--add",
            "credential.https://bitbucket.org.helper",
            "",
        ],
        &[
            "config",
            "--global",
            "--add",
            "credential.https://bitbucket.org.helper",
            "repoconn git-credential",
        ],
        &[
            "config",
            "--global",
            "credential.https://bitbucket.org.useHttpPath",
            "true",
        ],
    ] {
        assert!(git(args, "").status.success(), "git {args:?}");
    }
    let query = "protocol=https\nhost=bitbucket.org\npath=acme/models.git\n\n";
    let filled = git(&["credential", "fill"], query);
    let answer = String::from_utf8_lossy(&filled.stdout).into_owned();
    assert!(
        filled.status.success(),
        "{}",
        String::from_utf8_lossy(&filled.stderr)
    );
    assert!(
        answer.contains(&format!("password={}", cloud::TOKEN_FULL)),
        "{answer}"
    );
    assert!(
        answer.contains(&format!("username={}", cloud::USERNAME)),
        "{answer}"
    );
    assert!(
        !answer.contains("ATBBstale"),
        "the stale app password answered: {answer}"
    );

    // Git confirms the credential worked: every helper for the URL is told, and there is only ours.
    assert!(git(&["credential", "approve"], &answer).status.success());
    let after = std::fs::read_to_string(&stored).unwrap();
    assert!(
        !after.contains(cloud::TOKEN_FULL),
        "the token was copied in plain text: {after}"
    );
    assert_eq!(
        after, stale,
        "the store helper was not asked at all for bitbucket.org"
    );

    // Another host still gets the user's own helper.
    let other = git(
        &["credential", "fill"],
        "protocol=https\nhost=git.example.com\n\n",
    );
    assert!(String::from_utf8_lossy(&other.stdout).contains("password=dc-token"));
}

/// `repoconn git scan` and `repoconn git setup` with real git, a throwaway HOME whose `store`
/// helper holds a retired app password and a Data Center token, and a repository with a Cloud
/// and a Data Center remote: the scan names both, set-up makes git use only the saved token and
/// erases the app password, `--dry-run` and `--undo` leave the configuration as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_scan_and_setup_replace_a_stored_app_password_with_the_saved_connection() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[])
            .await
            .status
            .success()
    );
    let home = tempfile::tempdir().unwrap();
    let stored = home.path().join(".git-credentials");
    let dc_line = "https://ada:dc-token@git.example.com\n";
    std::fs::write(
        &stored,
        format!("https://alice:ATBBstaleAppPassword1234@bitbucket.org\n{dc_line}"),
    )
    .unwrap();
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_repoconn"))
        .parent()
        .unwrap()
        .to_owned();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let in_home = |program: &Path, args: &[&str], stdin: &str| {
        world
            .command(program, args)
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join(".config"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS", "")
            .current_dir(home.path())
            .stdin(stdin)
            .output()
    };
    let git = |args: &[&str], stdin: &str| in_home(Path::new("git"), args, stdin);
    let repoconn = |args: &[&str]| in_home(Path::new(env!("CARGO_BIN_EXE_repoconn")), args, "");
    let repo = home.path().join("repo");
    let repo_arg = repo.display().to_string();
    for args in [
        &["config", "--global", "credential.helper", "store"][..],
        &["init", "-q", &repo_arg],
        &[
            "-C",
            &repo_arg,
            "remote",
            "add",
            "origin",
            "https://alice@bitbucket.org/acme/models.git",
        ],
        &[
            "-C",
            &repo_arg,
            "remote",
            "add",
            "dc",
            "https://git.example.com/scm/data/models.git",
        ],
    ] {
        assert!(git(args, "").status.success(), "git {args:?}");
    }

    // The scan: both stored credentials, named and judged, and never a secret (offline: the
    // Data Center here is a made-up name).
    let out = repoconn(&["git", "scan", "--repo", &repo_arg, "--json", "--offline"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !text.contains("ATBBstale") && !text.contains("dc-token"),
        "{text}"
    );
    let scan: Value = serde_json::from_str(&text).unwrap();
    let host = |name: &str| {
        scan["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["host"] == name)
            .unwrap_or_else(|| panic!("{name} not scanned: {text}"))
            .clone()
    };
    let cloud_host = host("bitbucket.org");
    assert_eq!(cloud_host["helpers"], serde_json::json!(["store"]));
    let held = &cloud_host["credentials"][0];
    assert_eq!(held["helper"], "store");
    assert_eq!(held["username"], "alice");
    assert_eq!(held["ok"], false);
    assert_eq!(held["problems"][0]["code"], "app_password_disabled");
    assert!(held["problems"][0]["fix"].as_str().unwrap().contains("API token"));
    assert_eq!(held["warnings"][0]["code"], "plain_text_helper");
    assert_eq!(cloud_host["remotes"][0]["name"], "origin");
    let dc_host = host("git.example.com");
    assert_eq!(dc_host["credentials"][0]["username"], "ada");
    assert_eq!(
        dc_host["credentials"][0]["warnings"][0]["code"],
        "plain_text_helper"
    );
    assert_eq!(dc_host["remotes"][0]["name"], "dc");

    // --dry-run shows the commands and changes nothing, byte for byte.
    let gitconfig = home.path().join(".gitconfig");
    let before_bytes = std::fs::read(&gitconfig).unwrap();
    let listed = |git_out: Output| String::from_utf8_lossy(&git_out.stdout).into_owned();
    let before_list = listed(git(&["config", "--global", "--list"], ""));
    let out = repoconn(&["git", "setup", "work", "--forget-old", "--dry-run"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("git config --global --add credential.https://bitbucket.org.helper \"\"")
            && text.contains(
                "git config --global --add credential.https://bitbucket.org.helper \"repoconn git-credential\""
            ),
        "{text}"
    );
    assert_eq!(std::fs::read(&gitconfig).unwrap(), before_bytes);
    assert!(std::fs::read_to_string(&stored).unwrap().contains("ATBBstale"));

    // The set-up, then once more: nothing added the second time.
    let out = repoconn(&["git", "setup", "work", "--forget-old"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repoconn(&["git", "setup", "work"]).status.code(), Some(1));
    let helpers = listed(git(
        &[
            "config",
            "--global",
            "--get-all",
            "credential.https://bitbucket.org.helper",
        ],
        "",
    ));
    assert_eq!(helpers, "\nrepoconn git-credential\n");

    // Git gets the saved token with the git username, and confirming it copies it nowhere.
    let query = "protocol=https\nhost=bitbucket.org\npath=acme/models.git\n\n";
    let filled = git(&["credential", "fill"], query);
    let answer = String::from_utf8_lossy(&filled.stdout).into_owned();
    assert!(
        filled.status.success(),
        "{}",
        String::from_utf8_lossy(&filled.stderr)
    );
    assert!(
        answer.contains(&format!("password={}", cloud::TOKEN_FULL)),
        "{answer}"
    );
    assert!(
        answer.contains(&format!("username={}", cloud::USERNAME)),
        "{answer}"
    );
    assert!(git(&["credential", "approve"], &answer).status.success());
    assert_eq!(
        std::fs::read_to_string(&stored).unwrap(),
        dc_line,
        "the app password erased, the token not copied, the Data Center line untouched"
    );

    // --undo puts the configuration back as it was; a second undo has nothing to do.
    assert_eq!(
        repoconn(&["git", "setup", "work", "--undo"]).status.code(),
        Some(0)
    );
    assert_eq!(listed(git(&["config", "--global", "--list"], "")), before_list);
    assert_eq!(
        repoconn(&["git", "setup", "work", "--undo"]).status.code(),
        Some(1)
    );

    // One repository only: its own configuration, and the user's untouched.
    let local = |git_out: Output| String::from_utf8_lossy(&git_out.stdout).into_owned();
    let repo_before = local(git(&["-C", &repo_arg, "config", "--local", "--list"], ""));
    assert_eq!(
        repoconn(&["git", "setup", "work", "--repo", &repo_arg])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        local(git(
            &[
                "-C",
                &repo_arg,
                "config",
                "--local",
                "--get-all",
                "credential.https://bitbucket.org.helper"
            ],
            ""
        )),
        "\nrepoconn git-credential\n"
    );
    assert_eq!(listed(git(&["config", "--global", "--list"], "")), before_list);
    assert_eq!(
        repoconn(&["git", "setup", "work", "--undo", "--repo", &repo_arg])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        local(git(&["-C", &repo_arg, "config", "--local", "--list"], "")),
        repo_before
    );

    // Usage errors and refusals.
    assert_eq!(repoconn(&["git", "setup"]).status.code(), Some(2));
    assert_eq!(
        repoconn(&["git", "setup", "work", "--global", "--repo", &repo_arg])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(repoconn(&["git", "setup", "nobody"]).status.code(), Some(1));
    assert_eq!(
        repoconn(&[
            "git",
            "scan",
            "--repo",
            &home.path().join("none").display().to_string()
        ])
        .status
        .code(),
        Some(2)
    );
}

/// A throwaway home for git and `repoconn`: its own git configuration, credentials files, netrc
/// and credential-cache socket; no system configuration, no prompt, no askpass, standard input
/// closed after what the test gives.
struct GitHome<'a> {
    world: &'a World,
    home: tempfile::TempDir,
    path: String,
}

impl<'a> GitHome<'a> {
    fn new(world: &'a World) -> Self {
        let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_repoconn"))
            .parent()
            .unwrap()
            .to_owned();
        let path = format!(
            "{}:{}",
            bin_dir.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        Self {
            world,
            home: tempfile::tempdir().unwrap(),
            path,
        }
    }

    fn dir(&self) -> &Path {
        self.home.path()
    }

    fn command(&self, program: &Path, args: &[&str], stdin: &str) -> Run {
        self.world
            .command(program, args)
            .env("PATH", &self.path)
            .env("HOME", self.dir())
            .env("XDG_CONFIG_HOME", self.dir().join(".config"))
            .env("XDG_CACHE_HOME", self.dir().join(".cache"))
            .env_remove("NETRC")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ASKPASS", "")
            .env("SSH_ASKPASS", "")
            .current_dir(self.dir())
            .stdin(stdin)
    }

    fn git(&self, args: &[&str], stdin: &str) -> Output {
        self.command(Path::new("git"), args, stdin).output()
    }

    fn git_ok(&self, args: &[&str], stdin: &str) {
        let out = self.git(args, stdin);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `repoconn ARGS`, off the async runtime (the fakes keep serving), within two minutes.
    async fn repoconn(&self, args: &[&str]) -> Output {
        let run = self.command(Path::new(env!("CARGO_BIN_EXE_repoconn")), args, "");
        tokio::time::timeout(std::time::Duration::from_secs(120), run.output_async())
            .await
            .unwrap_or_else(|_| panic!("repoconn {args:?} did not finish within two minutes"))
    }

    /// `repoconn git scan ARGS --json`: its exit status, its JSON and all it printed.
    async fn scan(&self, args: &[&str]) -> (Option<i32>, Value, String) {
        let mut all = vec!["git", "scan", "--json"];
        all.extend_from_slice(args);
        let out = self.repoconn(&all).await;
        let printed =
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        let json =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|err| panic!("not JSON ({err}): {printed}"));
        (out.status.code(), json, printed)
    }
}

/// The host `name` of a scan, and what its helpers and files hold.
fn scanned_host(scan: &Value, name: &str) -> Value {
    scan["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == name)
        .unwrap_or_else(|| panic!("{name} not scanned: {scan:#}"))
        .clone()
}

fn held_by(host: &Value, helper_or_kind: &str) -> Value {
    host["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["helper"] == helper_or_kind || c["source"]["kind"] == helper_or_kind)
        .unwrap_or_else(|| panic!("nothing from {helper_or_kind}: {host:#}"))
        .clone()
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_owned())
        .collect()
}

/// Every secret a request carried (Basic's password or the Bearer token), as the server saw it.
fn secrets_sent(server: &fake_bitbucket::Server) -> Vec<String> {
    use base64::Engine;
    server
        .requests()
        .iter()
        .filter_map(|r| r.authorization.clone())
        .map(|auth| match auth.strip_prefix("Basic ") {
            Some(encoded) => {
                let pair = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .unwrap_or_default();
                let pair = String::from_utf8_lossy(&pair).into_owned();
                pair.split_once(':').map(|(_, s)| s.to_owned()).unwrap_or(pair)
            }
            None => auth.trim_start_matches("Bearer ").to_owned(),
        })
        .collect()
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The live step of `git scan`: every credential git would send is checked with its own server
/// only (Cloud's with the fake Cloud API, the Data Center's with the fake Data Center), and named
/// in plain words: works as whom, expires soon, rejected (and why), or not checked because the
/// server cannot be reached. The netrc file and a password in a remote URL are found too. No
/// secret is ever printed, and `--offline` sends nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn git_scan_checks_each_credential_with_its_own_server_only() {
    let cloud_server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut dc = FakeDataCenter::standard();
    // The personal token expires in ten days.
    let soon = time::OffsetDateTime::now_utc() + time::Duration::days(10);
    dc.token_expiry_ms.insert(
        datacenter::PERSONAL_TOKEN.to_owned(),
        soon.unix_timestamp() * 1000,
    );
    let dc_server = start(dc, Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(cloud_server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    // A saved connection whose git username lends its email to the API token git holds.
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[])
            .await
            .status
            .success()
    );
    let before = cloud_server.request_count();
    let home = GitHome::new(&world);
    let dc_host = dc_server.url.host_str().unwrap().to_owned();
    let dc_origin = dc_server.url.as_str().trim_end_matches('/').to_owned();
    let dc_hostport = dc_origin.trim_start_matches("http://").to_owned();
    let unknown_token = "NjQ5MjcxNTM0OTk2OnUnknownTokenForAda000000";
    let unreachable_token = "NjQ5MjcxNTM0OTk2OnUnreachableForAda00000";
    let app_password = "ATBBnetrcAppPassword00000000";
    std::fs::write(
        home.dir().join(".git-credentials"),
        format!(
            "https://{}:{}@bitbucket.org\n{}\n",
            cloud::USERNAME,
            cloud::TOKEN_FULL,
            dc_origin.replace("http://", &format!("http://ada:{}@", datacenter::PERSONAL_TOKEN))
        ),
    )
    .unwrap();
    std::fs::write(
        home.dir().join(".netrc"),
        format!(
            "machine bitbucket.org\n  login {}\n  password {app_password}\nmachine {dc_host} login ada password {unknown_token}\n",
            cloud::USERNAME
        ),
    )
    .unwrap();
    let repo = home.dir().join("repo");
    let repo_arg = repo.display().to_string();
    let origin = format!(
        "https://x-token-auth:{}@bitbucket.org/acme/models.git",
        cloud::REPO_TOKEN
    );
    let dc_remote = format!("{dc_origin}/bitbucket/scm/data/models.git");
    let gone = format!(
        "http://ada:{unreachable_token}@127.0.0.1:{}/scm/data/models.git",
        closed_port()
    );
    home.git_ok(&["config", "--global", "credential.helper", "store"], "");
    home.git_ok(&["init", "-q", &repo_arg], "");
    for (name, url) in [("origin", &origin), ("dc", &dc_remote), ("gone", &gone)] {
        home.git_ok(&["-C", &repo_arg, "remote", "add", name, url], "");
    }
    let secrets = [
        cloud::TOKEN_FULL,
        cloud::REPO_TOKEN,
        app_password,
        datacenter::PERSONAL_TOKEN,
        unknown_token,
        unreachable_token,
    ];

    let (status, scan, printed) = home.scan(&["--repo", &repo_arg]).await;
    for secret in secrets {
        assert!(!printed.contains(secret), "a secret was printed: {printed}");
    }
    assert_eq!(status, Some(1), "{printed}");
    assert_eq!(scan["checked_live"], true);

    let cloud_host = scanned_host(&scan, "bitbucket.org");
    // The store helper's API token: checked with the saved connection's email, it works.
    let stored = held_by(&cloud_host, "store");
    assert_eq!(stored["username"], cloud::USERNAME);
    assert_eq!(stored["live"]["state"], "works", "{stored:#}");
    assert_eq!(stored["live"]["user"], cloud::USERNAME);
    assert_eq!(codes(&stored["warnings"]), ["plain_text_helper"]);
    // The netrc's app password: retired, refused without being sent anywhere.
    let netrc = held_by(&cloud_host, "netrc");
    assert_eq!(
        netrc["source"]["path"],
        home.dir().join(".netrc").display().to_string()
    );
    assert_eq!(codes(&netrc["problems"]), ["app_password_disabled"]);
    assert_eq!(codes(&netrc["warnings"]), ["netrc_credential"]);
    assert_eq!(netrc["live"]["state"], "rejected");
    assert!(netrc["live"]["reason"].as_str().unwrap().contains("app password"));
    // The access token in origin's URL works, and the remote says how to take it out.
    let in_url = held_by(&cloud_host, "remote_url");
    assert_eq!(in_url["source"]["remote"], "origin");
    assert_eq!(in_url["live"]["state"], "works", "{in_url:#}");
    let remote = &cloud_host["remotes"][0];
    assert_eq!(
        remote["url"],
        "https://x-token-auth@bitbucket.org/acme/models.git"
    );
    assert_eq!(codes(&remote["problems"]), ["password_in_remote_url"]);
    assert!(
        remote["problems"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("git remote set-url origin https://x-token-auth@bitbucket.org/acme/models.git"),
        "{remote:#}"
    );

    let dc_report = scanned_host(&scan, &dc_hostport);
    // The stored personal token works, and the access-tokens API says it expires in ten days.
    let stored = held_by(&dc_report, "store");
    assert_eq!(stored["live"]["state"], "expires_soon", "{stored:#}");
    assert_eq!(stored["live"]["user"], "ada");
    assert!(codes(&stored["warnings"]).contains(&"credential_expires_soon".to_owned()));
    // The netrc's unknown token is rejected, and the server does not say why.
    let netrc = held_by(&dc_report, "netrc");
    assert_eq!(netrc["live"]["state"], "rejected");
    assert!(
        netrc["live"]["reason"]
            .as_str()
            .unwrap()
            .contains("revoked, expired or wrong")
    );
    assert_eq!(codes(&netrc["problems"]), ["invalid_credentials"]);
    // A server that cannot be reached is a warning, not a verdict.
    let gone_hostport = gone[gone.find("127.0.0.1").unwrap()..].split('/').next().unwrap();
    let gone_host = scanned_host(&scan, gone_hostport);
    let unreachable = held_by(&gone_host, "remote_url");
    assert_eq!(unreachable["live"]["state"], "not_checked", "{unreachable:#}");
    assert_eq!(codes(&unreachable["warnings"]), ["credential_not_checked"]);

    // Each secret went to its own server only; the app password and the unreachable token
    // went nowhere.
    let to_cloud = secrets_sent(&cloud_server);
    let to_dc = secrets_sent(&dc_server);
    for secret in [cloud::TOKEN_FULL, cloud::REPO_TOKEN] {
        assert!(
            to_cloud.iter().any(|s| s == secret),
            "{secret} not checked with Cloud"
        );
        assert!(!to_dc.iter().any(|s| s == secret), "{secret} sent to Data Center");
    }
    for secret in [datacenter::PERSONAL_TOKEN, unknown_token] {
        assert!(
            to_dc.iter().any(|s| s == secret),
            "{secret} not checked with Data Center"
        );
        assert!(!to_cloud.iter().any(|s| s == secret), "{secret} sent to Cloud");
    }
    for secret in [app_password, unreachable_token] {
        assert!(
            !to_cloud.iter().chain(&to_dc).any(|s| s == secret),
            "{secret} was sent"
        );
    }

    // --offline asks no server, and says so.
    let (cloud_count, dc_count) = (cloud_server.request_count(), dc_server.request_count());
    assert!(cloud_count > before);
    let (status, scan, printed) = home.scan(&["--repo", &repo_arg, "--offline"]).await;
    assert_eq!(
        status,
        Some(1),
        "the app password and the URL's password remain: {printed}"
    );
    assert_eq!(scan["checked_live"], false);
    assert!(held_by(&scanned_host(&scan, "bitbucket.org"), "store")["live"].is_null());
    let text = home
        .repoconn(&["git", "scan", "--offline", "--repo", &repo_arg])
        .await;
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.starts_with("Offline: nothing was sent"), "{text}");
    assert_eq!(
        (cloud_server.request_count(), dc_server.request_count()),
        (cloud_count, dc_count)
    );
    // The text names each verdict in plain words.
    let text = home.repoconn(&["git", "scan", "--repo", &repo_arg]).await;
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    for words in [
        format!("Its server: works as {}", cloud::USERNAME).as_str(),
        "Its server: rejected: it is an app password",
        "Its server: works as ada, but expires soon",
        "Its server: not checked:",
    ] {
        assert!(text.contains(words), "{words:?} missing: {text}");
    }
    for secret in secrets {
        assert!(!text.contains(secret));
    }
}

/// A `store` file that no configured helper reads any more is named, with the exact command that
/// erases its lines for the host; run as given, it leaves the file's other lines alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_text_credentials_file_left_behind_is_found_with_the_command_that_erases_it() {
    let world = World::new();
    let home = GitHome::new(&world);
    let file = home.dir().join(".config/git/credentials");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    let other = "https://ada:other@git.example.com\n";
    std::fs::write(
        &file,
        format!("https://alice:ATBBleftoverAppPassword00@bitbucket.org\n{other}"),
    )
    .unwrap();
    // Git no longer uses `store` at all.
    home.git_ok(&["config", "--global", "credential.helper", "cache"], "");

    let (status, scan, printed) = home.scan(&["--offline"]).await;
    assert!(!printed.contains("ATBBleftover"), "{printed}");
    assert_eq!(status, Some(1), "{printed}");
    let host = scanned_host(&scan, "bitbucket.org");
    let leftover = held_by(&host, "leftover_file");
    assert_eq!(leftover["source"]["path"], file.display().to_string());
    assert_eq!(leftover["username"], "alice");
    assert_eq!(codes(&leftover["problems"]), ["app_password_disabled"]);
    assert_eq!(codes(&leftover["warnings"]), ["leftover_credentials"]);
    let message = leftover["warnings"][0]["message"].as_str().unwrap();
    let command = &message[message.find("printf").unwrap()..];

    let erased = home.command(Path::new("sh"), &["-c", command], "").output();
    assert!(erased.status.success(), "{command}: {erased:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), other);
    let (status, scan, _) = home.scan(&["--offline"]).await;
    assert_eq!(status, Some(0));
    assert_eq!(
        scanned_host(&scan, "bitbucket.org")["credentials"],
        serde_json::json!([])
    );

    // Once `store` reads the file again, its lines are the helper's, not leftovers.
    std::fs::write(&file, "https://alice:ATBBleftoverAppPassword00@bitbucket.org\n").unwrap();
    home.git_ok(&["config", "--global", "credential.helper", "store"], "");
    let (_, scan, _) = home.scan(&["--offline"]).await;
    let host = scanned_host(&scan, "bitbucket.org");
    assert_eq!(host["credentials"].as_array().unwrap().len(), 1, "{host:#}");
    assert_eq!(host["credentials"][0]["helper"], "store");
}

/// `git setup --undo` removes exactly what setup added: a `useHttpPath` the user had set before
/// (to true or to false) is there again afterwards, one setup added is gone, and `--dry-run`
/// changes nothing byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_keeps_the_use_http_path_the_user_had_before_setup() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    let add = world
        .run(
            &[
                "add",
                "models",
                "--cloud",
                "--method",
                "repository-access-token",
                "--workspace",
                "acme",
                "--repo",
                "models",
            ],
            cloud::REPO_TOKEN,
            &[],
        )
        .await;
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stdout));
    let key = "credential.https://bitbucket.org.usehttppath";
    for before in [Some("true"), Some("false"), None] {
        let home = GitHome::new(&world);
        home.git_ok(&["config", "--global", "user.name", "Ada"], "");
        if let Some(value) = before {
            home.git_ok(&["config", "--global", key, value], "");
        }
        let gitconfig = home.dir().join(".gitconfig");
        let bytes = std::fs::read(&gitconfig).unwrap();
        let list =
            || String::from_utf8_lossy(&home.git(&["config", "--global", "--list"], "").stdout).into_owned();
        let before_list = list();
        let values = || {
            String::from_utf8_lossy(&home.git(&["config", "--global", "--get-all", key], "").stdout)
                .into_owned()
        };

        let dry = home.repoconn(&["git", "setup", "models", "--dry-run"]).await;
        assert_eq!(dry.status.code(), Some(0));
        assert_eq!(
            std::fs::read(&gitconfig).unwrap(),
            bytes,
            "--dry-run changed the file"
        );

        let set = home.repoconn(&["git", "setup", "models"]).await;
        assert_eq!(
            set.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&set.stdout)
        );
        let effective = home.git(&["config", "--global", "--get", key], "");
        assert_eq!(
            String::from_utf8_lossy(&effective.stdout),
            "true\n",
            "before: {before:?}"
        );

        let after_setup = std::fs::read(&gitconfig).unwrap();
        let dry = home
            .repoconn(&["git", "setup", "models", "--undo", "--dry-run"])
            .await;
        assert_eq!(dry.status.code(), Some(0));
        assert_eq!(
            std::fs::read(&gitconfig).unwrap(),
            after_setup,
            "--undo --dry-run changed the file"
        );

        let undo = home.repoconn(&["git", "setup", "models", "--undo"]).await;
        assert_eq!(
            undo.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&undo.stdout)
        );
        assert_eq!(list(), before_list, "before: {before:?}");
        assert_eq!(values(), before.map(|v| format!("{v}\n")).unwrap_or_default());
        assert_eq!(
            home.repoconn(&["git", "setup", "models", "--undo"])
                .await
                .status
                .code(),
            Some(1),
            "nothing left to undo"
        );
    }
}

/// Stops the credential-cache daemon of a throwaway home when the test ends, passed or not.
struct CacheDaemon<'a, 'b>(&'a GitHome<'b>);

impl Drop for CacheDaemon<'_, '_> {
    fn drop(&mut self) {
        let _ = self.0.git(&["credential-cache", "exit"], "");
    }
}

/// Git's `cache` helper (its daemon's socket under the throwaway home) holding a retired app
/// password: the scan names the helper and what it holds, and `setup --forget-old` erases it
/// from the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_helper_is_scanned_and_forget_old_erases_what_it_holds() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut world = World::new();
    world.cloud_api = Some(server.url.to_string());
    if !keychain_ready(&world).await {
        return;
    }
    assert!(
        world
            .run(&add_cloud_args("work"), cloud::TOKEN_FULL, &[])
            .await
            .status
            .success()
    );
    let home = GitHome::new(&world);
    let helper = "cache --timeout=120";
    home.git_ok(&["config", "--global", "credential.helper", helper], "");
    let _daemon = CacheDaemon(&home);
    let stale = "ATBBcachedAppPassword000000";
    home.git_ok(
        &["credential", "approve"],
        &format!("protocol=https\nhost=bitbucket.org\nusername=alice\npassword={stale}\n\n"),
    );
    assert!(
        home.dir().join(".cache/git/credential/socket").exists(),
        "the cache's socket is under the throwaway home"
    );

    let (status, scan, printed) = home.scan(&[]).await;
    assert!(!printed.contains(stale), "{printed}");
    assert_eq!(status, Some(1), "{printed}");
    let host = scanned_host(&scan, "bitbucket.org");
    assert_eq!(host["helpers"], serde_json::json!([helper]));
    let cached = held_by(&host, helper);
    assert_eq!(cached["username"], "alice");
    assert_eq!(codes(&cached["problems"]), ["app_password_disabled"]);
    assert_eq!(cached["live"]["state"], "rejected");
    assert!(
        !secrets_sent(&server).iter().any(|s| s == stale),
        "the app password was sent"
    );

    let out = home.repoconn(&["git", "setup", "work", "--forget-old"]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("Erased the credential {helper} held for alice.")),
        "{text}"
    );
    let held = home.git(
        &["credential-cache", "get"],
        "protocol=https\nhost=bitbucket.org\n\n",
    );
    assert_eq!(
        String::from_utf8_lossy(&held.stdout),
        "",
        "the cache still holds it"
    );
}

/// Git's libsecret helper, built with `make` from the source Debian ships with git into
/// target/tmp (once per run). `None`, said visibly, where the source or the libraries are
/// missing, unless the test script (which installs them) requires it.
fn libsecret_helper() -> Option<PathBuf> {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let source = Path::new("/usr/share/doc/git/contrib/credential/libsecret");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("git-credential-libsecret");
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        for file in ["Makefile", "git-credential-libsecret.c"] {
            std::fs::copy(source.join(file), dir.join(file))
                .map_err(|e| format!("{}: {e}", source.join(file).display()))?;
        }
        let make = Run::program("make", ["-s", "-C"]).args([&dir]).try_output();
        match make {
            Ok(out) if out.status.success() => Ok(dir.join("git-credential-libsecret")),
            Ok(out) => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
            Err(err) => Err(format!("make: {err}")),
        }
    });
    match built {
        Ok(path) => Some(path.clone()),
        Err(reason) => {
            assert!(
                std::env::var("REPOCONN_REQUIRE_KEYCHAIN").as_deref() != Ok("1"),
                "git's libsecret helper cannot be built (install git, libsecret-1-dev and libglib2.0-dev): {reason}"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED (not run, not passed): git's libsecret helper cannot be built: {reason}"
            );
            None
        }
    }
}

/// Git's libsecret helper, storing into the test session's real Secret Service, holding an old
/// token for a Data Center server: the scan names it (and the server rejects it), and
/// `setup --forget-old` erases it from the Secret Service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_libsecret_helper_is_scanned_and_forget_old_erases_what_it_holds() {
    let world = World::new();
    if !keychain_ready(&world).await {
        return;
    }
    let Some(libsecret) = libsecret_helper() else {
        return;
    };
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let base = format!("{}bitbucket", server.url);
    let add = world
        .run(
            &[
                "add",
                "dc",
                "--server",
                &base,
                "--method",
                "personal-token",
                "--username",
                "ada",
            ],
            datacenter::PERSONAL_TOKEN,
            &[],
        )
        .await;
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stdout));
    let home = GitHome::new(&world);
    let helper = libsecret.display().to_string();
    home.git_ok(&["config", "--global", "credential.helper", &helper], "");
    let host = server
        .url
        .as_str()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let stale = "NjQ5MjcxNTM0OTk2OnOldTokenInLibsecret00000";
    let query = format!("protocol=http\nhost={host}\n\n");
    home.git_ok(
        &["credential", "approve"],
        &format!("protocol=http\nhost={host}\nusername=ada\npassword={stale}\n\n"),
    );
    let held = Run::program(&libsecret, ["get"]).stdin(&query).output();
    assert!(
        String::from_utf8_lossy(&held.stdout).contains(stale),
        "libsecret did not store it: {}",
        String::from_utf8_lossy(&held.stderr)
    );

    let (status, scan, printed) = home.scan(&[]).await;
    assert!(!printed.contains(stale), "{printed}");
    assert_eq!(status, Some(1), "{printed}");
    let report = scanned_host(&scan, &host);
    assert_eq!(report["helpers"], serde_json::json!([helper]));
    let kept = held_by(&report, &helper);
    assert_eq!(kept["username"], "ada");
    assert_eq!(kept["live"]["state"], "rejected", "{kept:#}");
    assert_eq!(codes(&kept["problems"]), ["invalid_credentials"]);

    let out = home.repoconn(&["git", "setup", "dc", "--forget-old"]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("Erased the credential {helper} held for ada.")),
        "{text}"
    );
    let held = Run::program(&libsecret, ["get"]).stdin(&query).output();
    assert_eq!(
        String::from_utf8_lossy(&held.stdout),
        "",
        "the Secret Service still holds it"
    );
    assert_eq!(
        home.repoconn(&["git", "setup", "dc", "--undo"])
            .await
            .status
            .code(),
        Some(0)
    );
}
