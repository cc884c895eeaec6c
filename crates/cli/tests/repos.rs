//! `repoconn repos` as scripts use it: the real binary against the fake servers on 127.0.0.1, the
//! credential from the flags (secret on standard input) or a saved connection (secret from the
//! real keychain), the JSON contract, the table, and the exit codes.

mod support;

use std::path::Path;
use std::process::Output;

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, Server, start};
use serde_json::Value;
use support::Run;

/// Runs `repoconn` off the async runtime with `secret` on standard input and the Cloud API at
/// `cloud_api` (the caller's own setting never leaks in).
async fn repoconn(args: &[&str], cloud_api: Option<&Server>, secret: &str) -> Output {
    let api = cloud_api.map(|s| s.url.to_string());
    Run::repoconn(args)
        .env_or_remove("REPOCONN_CLOUD_API_URL", api.as_deref())
        .stdin(secret)
        .output_async()
        .await
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn text_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn assert_secret_absent(output: &Output, secret: &str) {
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains(secret),
        "stdout leaks the secret"
    );
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains(secret),
        "stderr leaks the secret"
    );
}

const CLOUD_API_TOKEN: [&str; 6] = [
    "repos",
    "--cloud",
    "--method",
    "api-token",
    "--email",
    cloud::EMAIL,
];

fn with<'a>(base: &[&'a str], more: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(more).copied().collect()
}

/// Every key of the contract, and no other.
fn assert_contract(listing: &Value) {
    let mut keys: Vec<&str> = listing.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["problems", "repositories", "truncated", "warnings"]);
    for repo in listing["repositories"].as_array().unwrap() {
        let mut keys: Vec<&str> = repo.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "clone_url",
                "name",
                "permission",
                "project",
                "slug",
                "web_url",
                "workspace"
            ]
        );
        assert!(
            ["read", "write", "admin"].contains(&repo["permission"].as_str().unwrap()),
            "{repo}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cloud_credential_lists_its_workspace_in_the_json_contract() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let out = repoconn(
        &with(&CLOUD_API_TOKEN, &["--workspace", "acme", "--json"]),
        Some(&server),
        &format!("{}\n", cloud::TOKEN_FULL),
    )
    .await;
    assert_exit(&out, 0);
    let listing = json_of(&out);
    assert_contract(&listing);
    assert_eq!(listing["truncated"], false);
    assert_eq!(listing["problems"], serde_json::json!([]));
    let repos = listing["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 230);
    let models = repos.iter().find(|r| r["slug"] == "models").unwrap();
    assert_eq!(
        *models,
        serde_json::json!({
            "workspace": "acme", "project": null, "slug": "models", "name": "models",
            "permission": "admin", "clone_url": "https://bitbucket.org/acme/models.git",
            "web_url": "https://bitbucket.org/acme/models"
        })
    );
    assert_secret_absent(&out, cloud::TOKEN_FULL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_is_a_table_with_a_count() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let out = repoconn(
        &with(&CLOUD_API_TOKEN, &["--workspace", "widgets"]),
        Some(&server),
        cloud::TOKEN_FULL,
    )
    .await;
    assert_exit(&out, 0);
    let text = text_of(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{text}");
    assert!(lines[0].starts_with("WORKSPACE  SLUG"), "{text}");
    assert!(
        lines[0].contains("PERMISSION") && lines[0].ends_with("CLONE URL"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("widgets")
            && lines[1].contains("admin")
            && lines[1].ends_with("/widgets/api-000.git"),
        "{text}"
    );
    assert_eq!(lines[6], "5 repositories.");

    // Nothing matches: still a listing, exit 0.
    let out = repoconn(
        &with(&CLOUD_API_TOKEN, &["--filter", "no-such-name"]),
        Some(&server),
        cloud::TOKEN_FULL,
    )
    .await;
    assert_exit(&out, 0);
    assert_eq!(text_of(&out), "No repositories.\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_workspace_and_a_filter() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let out = repoconn(
        &with(&CLOUD_API_TOKEN, &["--filter", "Infra", "--json"]),
        Some(&server),
        cloud::TOKEN_FULL,
    )
    .await;
    assert_exit(&out, 0);
    let listing = json_of(&out);
    let repos = listing["repositories"].as_array().unwrap();
    assert!(!repos.is_empty());
    assert!(
        repos
            .iter()
            .all(|r| r["name"].as_str().unwrap().starts_with("Infra"))
    );
    let workspaces: std::collections::BTreeSet<&str> =
        repos.iter().map(|r| r["workspace"].as_str().unwrap()).collect();
    assert_eq!(
        workspaces.into_iter().collect::<Vec<_>>(),
        ["acme", "acme-data", "widgets"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_thousand_at_most_and_the_text_says_so() {
    let fake = FakeCloud::standard().with_repositories("acme", 5_100);
    let server = start(fake, Behaviour::default(), None).await;
    let args = [
        "repos",
        "--cloud",
        "--method",
        "workspace-access-token",
        "--workspace",
        "acme",
    ];
    let out = repoconn(&with(&args, &["--json"]), Some(&server), cloud::WORKSPACE_TOKEN).await;
    assert_exit(&out, 0);
    let listing = json_of(&out);
    assert_eq!(listing["truncated"], true);
    assert_eq!(listing["repositories"].as_array().unwrap().len(), 5_000);

    let out = repoconn(&args, Some(&server), cloud::WORKSPACE_TOKEN).await;
    assert_exit(&out, 0);
    let text = text_of(&out);
    assert!(
        text.contains("\n5000 repositories.\n"),
        "{}",
        &text[text.len() - 300..]
    );
    assert!(
        text.ends_with(
            "Only the first 5000 repositories are listed: narrow the list with --workspace, --project or --filter.\n"
        ),
        "{}",
        &text[text.len() - 300..]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_center_token_lists_a_project() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let base = format!("{}bitbucket", server.url);
    let out = repoconn(
        &[
            "repos",
            "--server",
            &base,
            "--method",
            "personal-token",
            "--project",
            "SEC",
            "--json",
        ],
        None,
        datacenter::PERSONAL_TOKEN,
    )
    .await;
    assert_exit(&out, 0);
    let listing = json_of(&out);
    assert_contract(&listing);
    let repos = listing["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 25);
    assert!(
        repos
            .iter()
            .all(|r| r["workspace"].is_null() && r["project"] == "SEC")
    );
    let permission = |slug: &str| {
        repos
            .iter()
            .find(|r| r["slug"] == slug)
            .map(|r| r["permission"].clone())
            .unwrap()
    };
    assert_eq!(permission("sec-000"), "write");
    assert_eq!(permission("sec-001"), "read");

    // The text names the project column.
    let out = repoconn(
        &[
            "repos",
            "--server",
            &base,
            "--method",
            "personal-token",
            "--project",
            "ML",
        ],
        None,
        datacenter::PERSONAL_TOKEN,
    )
    .await;
    assert_exit(&out, 0);
    assert!(text_of(&out).starts_with("PROJECT  SLUG"), "{}", text_of(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_credential_exits_1_with_the_problem_and_its_fix() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let out = repoconn(&CLOUD_API_TOKEN, Some(&server), cloud::TOKEN_EXPIRED).await;
    assert_exit(&out, 1);
    let text = text_of(&out);
    assert!(text.starts_with("problem [invalid_credentials]: "), "{text}");
    assert!(text.contains("\n  fix: "), "{text}");
    assert_secret_absent(&out, cloud::TOKEN_EXPIRED);

    let out = repoconn(
        &with(&CLOUD_API_TOKEN, &["--workspace", "acme-dat", "--json"]),
        Some(&server),
        cloud::TOKEN_FULL,
    )
    .await;
    assert_exit(&out, 1);
    let listing = json_of(&out);
    assert_eq!(listing["problems"][0]["code"], "resource_not_found");
    assert!(
        listing["problems"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("Did you mean acme-data, acme?")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_exits_3() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let api = server.url.to_string();
    drop(server);
    let out = Run::repoconn(with(&CLOUD_API_TOKEN, &["--json"]))
        .env("REPOCONN_CLOUD_API_URL", &api)
        .stdin(cloud::TOKEN_FULL)
        .output_async()
        .await;
    assert_exit(&out, 3);
    assert_eq!(json_of(&out)["problems"][0]["code"], "unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_before_any_request() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let dc = "https://git.example.com/bitbucket";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["repos"], "<NAME|--cloud|--server <URL>>"),
        (vec!["repos", "work", "--cloud"], "cannot be used with"),
        (
            vec!["repos", "work", "--method", "api-token"],
            "cannot be used with",
        ),
        (vec!["repos", "--cloud", "--server", dc], "cannot be used with"),
        (vec!["repos", "--cloud"], "--method KIND is needed"),
        (
            vec!["repos", "--cloud", "--method", "personal-token"],
            "is not for --cloud",
        ),
        (
            with(&CLOUD_API_TOKEN, &["--project", "DATA"]),
            "--project narrows Data Center listings",
        ),
        (
            vec![
                "repos",
                "--server",
                dc,
                "--method",
                "personal-token",
                "--workspace",
                "acme",
            ],
            "--workspace is for Bitbucket Cloud",
        ),
        (
            vec![
                "repos",
                "--cloud",
                "--method",
                "repository-access-token",
                "--workspace",
                "acme",
            ],
            "needs --repo",
        ),
        (vec!["repos", "--cloud", "--method", "api-token"], "needs --email"),
    ];
    for (args, expected) in cases {
        let out = repoconn(&args, Some(&server), cloud::TOKEN_FULL).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(
        server.request_count(),
        0,
        "no request for a command line that cannot be carried out"
    );

    // No secret on standard input is a usage error too.
    let out = repoconn(&CLOUD_API_TOKEN, Some(&server), "").await;
    assert_exit(&out, 2);
    // A Cloud project access token takes both.
    let out = repoconn(
        &[
            "repos",
            "--cloud",
            "--method",
            "project-access-token",
            "--workspace",
            "acme",
            "--project",
            "ML",
            "--json",
        ],
        Some(&server),
        cloud::PROJECT_TOKEN,
    )
    .await;
    assert_exit(&out, 0);
    assert!(
        json_of(&out)["repositories"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["permission"] == "admin")
    );
}

// A saved connection: the secret from the real keychain (see saved_connections.rs for how a
// private Secret Service is provided).

struct World {
    data: tempfile::TempDir,
    service: String,
    cloud_api: String,
}

impl World {
    fn new(server: &Server) -> Self {
        let data = tempfile::tempdir().unwrap();
        let service = format!(
            "repoconn-test-{}",
            data.path().file_name().unwrap().to_string_lossy()
        );
        Self {
            data,
            service,
            cloud_api: server.url.to_string(),
        }
    }

    async fn run(&self, args: &[&str], stdin: &str) -> Output {
        Run::program(Path::new(env!("CARGO_BIN_EXE_repoconn")), args)
            .env("REPOCONN_DATA_DIR", self.data.path())
            .env("REPOCONN_KEYCHAIN_SERVICE", &self.service)
            .env("REPOCONN_CLOUD_API_URL", &self.cloud_api)
            .env_remove("REPOCONN_FAILPOINT")
            .stdin(stdin)
            .output_async()
            .await
    }

    /// Whether a Secret Service answers; fails the test where one is required.
    async fn keychain_ready(&self) -> bool {
        let out = self.run(&["doctor", "--json"], "").await;
        if out.status.code() == Some(4)
            && String::from_utf8_lossy(&out.stderr).contains("keychain_unavailable")
        {
            let required = std::env::var("REPOCONN_REQUIRE_KEYCHAIN").as_deref() == Ok("1")
                || std::env::var("CI").as_deref() == Ok("true");
            assert!(
                !required,
                "no Secret Service: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED (not run, not passed): no Secret Service in this session; scripts/test.sh provides one, and CI=true makes this a failure"
            );
            return false;
        }
        true
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_connection_lists_with_its_secret_from_the_keychain() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let world = World::new(&server);
    if !world.keychain_ready().await {
        return;
    }
    let add = world
        .run(
            &[
                "add",
                "work",
                "--cloud",
                "--method",
                "api-token",
                "--email",
                cloud::EMAIL,
                "--workspace",
                "acme",
                "--repo",
                "models",
            ],
            cloud::TOKEN_FULL,
        )
        .await;
    assert_exit(&add, 0);

    // Everything the credential reaches, not only the workspace it was saved with.
    let out = world.run(&["repos", "work", "--json"], "").await;
    assert_exit(&out, 0);
    let listing = json_of(&out);
    assert_contract(&listing);
    let total: usize = cloud::LARGE_WORKSPACES.iter().map(|(_, n)| n).sum();
    assert_eq!(listing["repositories"].as_array().unwrap().len(), total);
    assert_secret_absent(&out, cloud::TOKEN_FULL);

    let out = world
        .run(
            &["repos", "work", "--workspace", "widgets", "--filter", "API"],
            "",
        )
        .await;
    assert_exit(&out, 0);
    let text = text_of(&out);
    assert!(text.ends_with("\n1 repository.\n"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("widgets ") && l.contains(" api-000 ")),
        "{text}"
    );

    let out = world.run(&["repos", "work", "--project", "DATA"], "").await;
    assert_exit(&out, 2);
    let out = world.run(&["repos", "nothing-saved-by-this-name"], "").await;
    assert_exit(&out, 4);
    assert!(String::from_utf8_lossy(&out.stderr).contains("[not_found]"));

    let removed = world.run(&["remove", "work"], "").await;
    assert_exit(&removed, 0);
}
