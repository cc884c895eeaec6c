//! What an attacker or a clumsy user types or pipes into `repoconn`: the real binary must neither
//! crash nor print a secret, and must say plainly what is wrong (exit 2 for a bad command line).

mod support;

use std::process::Output;

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::FakeDataCenter;
use fake_bitbucket::{Behaviour, start};
use support::Run;

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn check(args: &[&str], secret: &str) -> Run {
    Run::repoconn(["check"].iter().chain(args))
        .stdin(secret)
        .env_remove("REPOCONN_CLOUD_API_URL")
        .env_remove("REPOCONN_LOG")
        .env_remove("REPOCONN_FAILPOINT")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_that_start_with_non_ascii_letters_are_checked_not_panicked_on() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let base = format!("{}bitbucket", server.url);
    for secret in [
        "тайный-пароль",
        "pässwort-mit-umlaut-und-mehr",
        "密码密码密码密码",
    ] {
        let out = check(
            &["--server", &base, "--method", "basic", "--username", "ada"],
            secret,
        )
        .output_async()
        .await;
        let all = text(&out);
        assert_eq!(out.status.code(), Some(1), "{secret}: {all}");
        assert!(all.contains("invalid_credentials"), "{all}");
        assert!(!all.contains(secret), "the secret was printed: {all}");
        assert!(!all.contains("panicked"), "{all}");
    }
}

#[test]
fn a_panic_prints_where_it_happened_but_never_its_payload() {
    let secret = "ATATT3xFfGF0-panic-payload-secret";
    let out = check(
        &["--cloud", "--method", "api-token", "--email", "ada@example.com"],
        secret,
    )
    .env("REPOCONN_FAILPOINT", "check:panic-with-secret")
    .output();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(101), "{all}");
    assert!(all.contains("internal error at "), "{all}");
    assert!(!all.contains(secret), "the panic printed the secret: {all}");
}

#[test]
fn control_characters_in_the_secret_are_a_usage_error() {
    let out = check(
        &["--cloud", "--method", "api-token", "--email", "ada@example.com"],
        "ATATT3xFfGF0-first-line\nX-Injected: yes\n",
    )
    .output();
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(all.contains("control character"), "{all}");
    assert!(!all.contains("X-Injected"), "{all}");
}

#[test]
fn a_huge_secret_on_standard_input_is_refused_without_reading_it_all() {
    let huge = "A".repeat(200 * 1024);
    let out = check(
        &["--cloud", "--method", "api-token", "--email", "ada@example.com"],
        &huge,
    )
    .output();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("more than 65536 bytes"), "{}", text(&out));
}

#[test]
fn dot_names_and_control_characters_in_names_are_usage_errors() {
    for (flag, value) in [
        ("--repo", ".."),
        ("--repo", "."),
        ("--workspace", "acme\tcorp"),
        ("--workspace", "acme\ncorp"),
    ] {
        let out = check(
            &[
                "--cloud",
                "--method",
                "repository-access-token",
                "--workspace",
                if flag == "--workspace" { value } else { "acme" },
                "--repo",
                if flag == "--repo" { value } else { "models" },
            ],
            "ATCTT3xFfGF0-token",
        )
        .output();
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{flag} {value:?}: {all}");
        assert!(all.contains(flag), "{all}");
    }
}

#[test]
fn a_100_kb_server_address_is_a_usage_error() {
    let long = format!("https://git.example.com/{}", "x".repeat(100 * 1024));
    let out = check(&["--server", &long, "--method", "personal-token"], "token").output();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).len() < 4096, "the address was echoed back");
}

#[test]
fn only_bitbucket_org_itself_is_cloud() {
    let cloud = check(
        &[
            "--server",
            "https://bitbucket.org/acme/models",
            "--method",
            "personal-token",
        ],
        "t",
    )
    .output();
    assert_eq!(cloud.status.code(), Some(2));
    assert!(text(&cloud).contains("use --cloud"), "{}", text(&cloud));
    // Somebody's own server whose name merely ends in "bitbucket.org": checked, not refused. Plain
    // http to a name that does not resolve here fails fast as a could-not-verify (exit 3) or an
    // insecure-http refusal (exit 1), never as "use --cloud".
    let own = check(
        &[
            "--server",
            "http://git.mybitbucket.org.invalid",
            "--method",
            "personal-token",
        ],
        "t",
    )
    .output();
    assert!(!text(&own).contains("use --cloud"), "{}", text(&own));
    assert_ne!(own.status.code(), Some(2), "{}", text(&own));
}

#[test]
fn an_api_root_that_is_not_http_is_refused_and_its_password_never_echoed() {
    for value in [
        "javascript:alert(1)",
        "mailto:ada@example.com",
        "file:///etc/passwd",
        "https://ada:hunter2@api.example.com",
    ] {
        let out = check(
            &["--cloud", "--method", "api-token", "--email", "ada@example.com"],
            "ATATT3x-token",
        )
        .env("REPOCONN_CLOUD_API_URL", value)
        .output();
        let all = text(&out);
        assert_eq!(out.status.code(), Some(2), "{value}: {all}");
        assert!(all.contains("REPOCONN_CLOUD_API_URL"), "{all}");
        assert!(!all.contains("hunter2"), "{all}");
        assert!(!all.contains("panicked"), "{all}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repoconn_log_shows_the_requests_and_never_the_secret() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let out = Run::repoconn([
        "check",
        "--cloud",
        "--method",
        "api-token",
        "--email",
        cloud::EMAIL,
    ])
    .env("REPOCONN_CLOUD_API_URL", server.url.as_str())
    .env("REPOCONN_LOG", "debug")
    .stdin(cloud::TOKEN_FULL)
    .output_async()
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("GET") && stderr.contains("/2.0/user"), "{stderr}");
    assert!(!stderr.contains(cloud::TOKEN_FULL), "the log holds the secret");
}
