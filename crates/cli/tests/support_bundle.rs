//! `repoconn doctor --bundle FILE` with the real parts: connections saved by the real binary
//! against the fake Bitbucket servers, their secrets in the real Secret Service (a private
//! session, as for saved_connections), git's configuration written by the real `git` in a
//! throwaway home, a policy with a consumer secret and proxies with passwords. The bundle's bytes
//! are then searched for every secret the keychain holds and every password it was given.
//!
//! Without a Secret Service the keychain tests say so visibly and do nothing, unless
//! REPOCONN_REQUIRE_KEYCHAIN=1 or CI=true, where they fail.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;

use fake_bitbucket::cloud;
use fake_bitbucket::cloud_oauth::{CLIENT_ID, CLIENT_SECRET, FakeCloudOauth};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, Server, start};
use serde_json::Value;
use support::Run;

const ENV_PROXY_PASSWORD: &str = "proxypass-env-5521";
const POLICY_PROXY_PASSWORD: &str = "proxypass-policy-7730";
const POLICY_CONSUMER_SECRET: &str = "policy-consumer-secret-4410";
const SHELL_HELPER_SECRET: &str = "shell-helper-secret-9902";

/// One isolated world: a data folder, a keychain service, a home for git, the fake Cloud (with
/// its OAuth server) and the fake Data Center.
struct World {
    data: tempfile::TempDir,
    home: tempfile::TempDir,
    service: String,
    cloud: Server,
    dc: Server,
    browser: PathBuf,
    policy: PathBuf,
}

impl World {
    async fn new() -> Self {
        let data = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let service = format!(
            "repoconn-bundle-{}",
            data.path().file_name().unwrap().to_string_lossy()
        );
        let cloud = start(Arc::new(FakeCloudOauth::default()), Behaviour::default(), None).await;
        let dc = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
        let browser = data.path().join("browser.sh");
        std::fs::write(
            &browser,
            "#!/bin/sh\n# Follows the authorization address to its end, as a browser would.\nexec curl --noproxy '*' -s -L -o /dev/null \"$1\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
        let policy = data.path().join("policy.json");
        Self {
            data,
            home,
            service,
            cloud,
            dc,
            browser,
            policy,
        }
    }

    fn cloud_root(&self) -> String {
        self.cloud.url.as_str().trim_end_matches('/').to_owned()
    }

    /// `program` in this world: its data folder, keychain, fake Cloud, browser, policy file and
    /// a git that reads only the throwaway home's configuration.
    fn command(&self, program: &Path, args: &[&str]) -> Run {
        Run::program(program, args)
            .env("REPOCONN_DATA_DIR", self.data.path())
            .env("REPOCONN_KEYCHAIN_SERVICE", &self.service)
            .env("REPOCONN_CLOUD_WEB_URL", self.cloud_root())
            .env("REPOCONN_CLOUD_API_URL", self.cloud_root())
            .env("REPOCONN_POLICY_FILE", &self.policy)
            .env("BROWSER", &self.browser)
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("GIT_CONFIG_GLOBAL", self.home.path().join(".gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("REPOCONN_FAILPOINT")
            // Not inside this repository: its own git configuration stays out of the bundle.
            .current_dir(self.home.path())
    }

    async fn run(&self, args: &[&str], stdin: &str, extra_env: &[(&str, &str)]) -> Output {
        self.command(Path::new(env!("CARGO_BIN_EXE_repoconn")), args)
            .envs(extra_env.iter().copied())
            .stdin(stdin)
            .output_async()
            .await
    }

    fn git(&self, args: &[&str]) {
        let out = self.command(Path::new("git"), args).output();
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    }

    /// Every secret the keychain holds for this world: each item's value, and for a signed-in
    /// connection's tokens document each value in it too.
    fn keychain_secrets(&self) -> Vec<String> {
        let out = Run::program(
            "secret-tool",
            ["search", "--all", "--unlock", "service", &self.service],
        )
        .output();
        let printed = text(&out.stdout) + &text(&out.stderr);
        let mut secrets = Vec::new();
        for value in printed.lines().filter_map(|l| l.strip_prefix("secret = ")) {
            secrets.push(value.to_owned());
            if let Ok(Value::Object(document)) = serde_json::from_str::<Value>(value) {
                for (key, item) in document {
                    if key != "kind" && key != "expires_at" && key != "client_id" {
                        secrets.push(item.as_str().unwrap_or_default().to_owned());
                    }
                }
            }
        }
        secrets
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether a Secret Service answers; fails the test where one is required.
async fn keychain_ready(world: &World) -> bool {
    let out = world.run(&["doctor", "--json"], "", &[]).await;
    if out.status.code() == Some(4) && text(&out.stderr).contains("keychain_unavailable") {
        let required = std::env::var("REPOCONN_REQUIRE_KEYCHAIN").as_deref() == Ok("1")
            || std::env::var("CI").as_deref() == Ok("true");
        assert!(!required, "no Secret Service: {}", text(&out.stderr));
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (not run, not passed): no Secret Service in this session; scripts/test.sh provides one"
        );
        return false;
    }
    true
}

fn assert_added(out: &Output, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: {}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// Three connections with distinct secrets (an API token, a Data Center personal token, a
/// signed-in OAuth connection with its consumer secret), and one secret left by an add that
/// was stopped before it wrote the connection (an orphan for doctor to find).
async fn save_connections(world: &World) {
    let cloud_args = [
        "add",
        "cloud-work",
        "--cloud",
        "--method",
        "api-token",
        "--email",
        cloud::EMAIL,
        "--workspace",
        "acme",
        "--repo",
        "models",
    ];
    assert_added(&world.run(&cloud_args, cloud::TOKEN_FULL, &[]).await, "api token");
    let base = format!("{}bitbucket", world.dc.url);
    let dc_args = [
        "add",
        "dc-work",
        "--server",
        &base,
        "--method",
        "personal-token",
        "--username",
        datacenter::USER,
    ];
    assert_added(
        &world.run(&dc_args, datacenter::PERSONAL_TOKEN, &[]).await,
        "personal token",
    );
    let oauth_args = [
        "add",
        "signed-in",
        "--cloud",
        "--method",
        "oauth",
        "--client-id",
        CLIENT_ID,
    ];
    let secret = format!("{CLIENT_SECRET}\n");
    assert_added(&world.run(&oauth_args, &secret, &[]).await, "sign-in");
    let crash = [("REPOCONN_FAILPOINT", "add:secret-stored")];
    let stopped = [
        "add",
        "stopped",
        "--cloud",
        "--method",
        "api-token",
        "--email",
        cloud::EMAIL,
    ];
    let out = world.run(&stopped, cloud::TOKEN_READ_ONLY, &crash).await;
    assert!(
        !out.status.success(),
        "the add was stopped after storing its secret"
    );
}

/// Git as a person may have set it up: our helper for bitbucket.org (after an empty entry that
/// clears the helpers before it), and a shell helper that prints a password for everything else.
fn configure_git(world: &World) {
    world.git(&[
        "config",
        "--global",
        "credential.helper",
        &format!("!f() {{ echo password={SHELL_HELPER_SECRET}; }}; f"),
    ]);
    world.git(&[
        "config",
        "--global",
        "--add",
        "credential.https://bitbucket.org.helper",
        "",
    ]);
    world.git(&[
        "config",
        "--global",
        "--add",
        "credential.https://bitbucket.org.helper",
        "repoconn git-credential",
    ]);
    world.git(&[
        "config",
        "--global",
        "credential.https://bitbucket.org.useHttpPath",
        "true",
    ]);
}

fn write_policy(world: &World) {
    let policy = serde_json::json!({
        "proxy": format!("http://corp:{POLICY_PROXY_PASSWORD}@127.0.0.1:9"),
        "oauth_clients": [
            {"provider": "cloud", "client_id": "corp-consumer", "client_secret": POLICY_CONSUMER_SECRET}
        ],
        "max_token_lifetime_days": 365
    });
    std::fs::write(&world.policy, policy.to_string()).unwrap();
}

fn host<'a>(bundle: &'a Value, url: &str) -> &'a Value {
    bundle["git"]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["url"] == url)
        .unwrap_or_else(|| panic!("no git host {url} in {}", bundle["git"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bundle_holds_what_support_needs_and_none_of_the_secrets() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    save_connections(&world).await;
    configure_git(&world);
    write_policy(&world);

    let file = world.data.path().join("support.json");
    let env_proxy = format!("http://user:{ENV_PROXY_PASSWORD}@127.0.0.1:9/");
    let out = world
        .run(
            &["doctor", "--bundle", file.to_str().unwrap()],
            "",
            &[("HTTPS_PROXY", env_proxy.as_str())],
        )
        .await;
    // As doctor: the secret of the stopped add belongs to no connection, so exit 1.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let printed = text(&out.stdout);
    assert!(printed.contains("belongs to no connection"), "{printed}");
    assert!(
        printed.contains(&format!("Support bundle written to {}", file.display()))
            && printed.contains("3 connections"),
        "{printed}"
    );

    let bytes = std::fs::read(&file).unwrap();
    let written = text(&bytes);
    let mut secrets = world.keychain_secrets();
    assert!(
        secrets.len() >= 7,
        "every stored secret was read back: {}",
        secrets.len()
    );
    secrets.extend(
        [
            cloud::TOKEN_FULL,
            cloud::TOKEN_READ_ONLY,
            datacenter::PERSONAL_TOKEN,
            CLIENT_SECRET,
            ENV_PROXY_PASSWORD,
            POLICY_PROXY_PASSWORD,
            POLICY_CONSUMER_SECRET,
            SHELL_HELPER_SECRET,
        ]
        .map(str::to_owned),
    );
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        assert!(
            !written.contains(secret.as_str()),
            "{secret} is in the bundle:\n{written}"
        );
    }
    assert!(!printed.contains(ENV_PROXY_PASSWORD) && !text(&out.stderr).contains(ENV_PROXY_PASSWORD));

    let bundle: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(bundle["kind"], "repoconn-support-bundle");
    assert_eq!(bundle["app"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(bundle["system"]["os"], std::env::consts::OS);
    // The connections, with their last check.
    let names: Vec<&str> = bundle["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["cloud-work", "dc-work", "signed-in"]);
    for connection in bundle["connections"].as_array().unwrap() {
        assert_eq!(connection["last_check"]["outcome"], "usable", "{connection}");
    }
    assert!(bundle["connections"][1]["server_version"].is_string());
    assert_eq!(bundle["connections_file"]["format_found"], 1);
    // The keychain's health: the orphan by its account name only.
    let health = &bundle["keychain"]["health"];
    assert_eq!(health["connections"], 3);
    assert_eq!(health["orphan_secrets"].as_array().unwrap().len(), 1, "{health}");
    assert_eq!(health["missing_secrets"], serde_json::json!([]));
    assert_eq!(bundle["keychain"]["service"], world.service.as_str());
    // Git's helpers, as git computes them for each server.
    let cloud_git = host(&bundle, "https://bitbucket.org");
    assert_eq!(
        cloud_git["helpers"],
        serde_json::json!(["repoconn git-credential"])
    );
    assert_eq!(
        cloud_git["url_helpers"],
        serde_json::json!(["", "repoconn git-credential"])
    );
    assert_eq!(cloud_git["use_http_path"], "true");
    assert_eq!(cloud_git["asks_repoconn_first"], true);
    assert_eq!(
        cloud_git["connections"],
        serde_json::json!(["cloud-work", "signed-in"])
    );
    let dc_git = host(&bundle, bundle["connections"][1]["git_url"].as_str().unwrap());
    assert_eq!(dc_git["connections"], serde_json::json!(["dc-work"]));
    let shell = dc_git["helpers"][0].as_str().unwrap();
    assert!(shell.starts_with("!f()") && shell.contains("left out"), "{shell}");
    assert!(
        bundle["git"]["version"]
            .as_str()
            .unwrap()
            .starts_with("git version")
    );
    // The policy with its consumer secret removed, and the proxies without their passwords.
    assert_eq!(bundle["policy"]["path"], world.policy.to_str().unwrap());
    let consumer = &bundle["policy"]["file"]["oauth_clients"][0];
    assert_eq!(consumer["client_secret"], "(removed)");
    assert_eq!(consumer["client_id"], "corp-consumer");
    assert_eq!(
        bundle["proxy"]["in_effect"],
        "http://127.0.0.1:9/ (the policy's), for every request"
    );
    let variable = &bundle["proxy"]["environment"][0];
    assert_eq!(variable["name"], "HTTPS_PROXY");
    assert_eq!(variable["value"], "http://127.0.0.1:9/");
    assert_eq!(variable["credentials_removed"], true);

    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    // Once repaired, doctor and its bundle say all is well: exit 0.
    let out = world
        .run(
            &["doctor", "--repair", "--bundle", file.to_str().unwrap()],
            "",
            &[],
        )
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bundle: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        bundle["keychain"]["health"]["orphan_secrets"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keychain_the_bundle_is_still_written_and_doctor_exits_4() {
    let world = World::new().await;
    let file = world.data.path().join("support.json");
    let no_bus = [("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")];
    let out = world
        .run(
            &["doctor", "--json", "--bundle", file.to_str().unwrap()],
            "",
            &no_bus,
        )
        .await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // --json keeps standard output for JSON: the line about the bundle goes to standard error.
    assert!(
        text(&out.stderr).contains("Support bundle written to"),
        "{}",
        text(&out.stderr)
    );
    let bundle: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(bundle["keychain"]["health"], Value::Null);
    assert!(
        bundle["keychain"]["problem"]["code"]
            .as_str()
            .unwrap()
            .starts_with("keychain_"),
        "{}",
        bundle["keychain"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_that_cannot_be_written_says_so() {
    let world = World::new().await;
    let file = world.data.path().join("no such folder").join("support.json");
    let out = world
        .run(&["doctor", "--bundle", file.to_str().unwrap()], "", &[])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("could not be written"),
        "{}",
        text(&out.stderr)
    );
}
