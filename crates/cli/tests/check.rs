//! `repoconn check` as scripts use it: the real binary, the secret on standard input, the fake
//! Bitbucket servers on 127.0.0.1, the JSON contract and the exit codes.

mod support;

use std::process::Output;

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, start};
use serde_json::Value;
use support::Run;

/// Runs `repoconn` off the async runtime (the fakes keep serving meanwhile).
async fn repoconn(args: Vec<String>, cloud_api: Option<String>, secret: &str) -> Output {
    repoconn_with(args, cloud_api, secret, Vec::new()).await
}

/// Same, with more environment variables; the caller's Cloud API setting never leaks in.
async fn repoconn_with(
    args: Vec<String>,
    cloud_api: Option<String>,
    secret: &str,
    env: Vec<(&'static str, String)>,
) -> Output {
    Run::repoconn(args)
        .env_or_remove("REPOCONN_CLOUD_API_URL", cloud_api.as_deref())
        .envs(env)
        .stdin(secret)
        .output_async()
        .await
}

fn args(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usable_api_token_exits_0_with_the_json_contract() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let output = repoconn(
        args(&[
            "check",
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
        ]),
        Some(server.url.to_string()),
        &format!("{}\n", cloud::TOKEN_FULL),
    )
    .await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    assert_eq!(report["ok"], true);
    assert_eq!(report["provider"], "cloud");
    assert_eq!(report["method"], "api-token");
    assert_eq!(report["identity"]["username"], cloud::USERNAME);
    assert_eq!(report["identity"]["display_name"], "Ada Lovelace");
    assert_eq!(report["git_username"], cloud::USERNAME);
    assert_eq!(report["server"], Value::Null);
    for key in ["required", "granted", "missing", "unverified"] {
        assert!(report["scopes"].get(key).is_some(), "scopes.{key} missing");
    }
    assert!(report.get("permission").is_some() && report.get("expires_at").is_some());
    assert_eq!(report["problems"], serde_json::json!([]));
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .all(|w| w["code"].is_string() && w["message"].is_string())
    );
    assert_secret_absent(&output, cloud::TOKEN_FULL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_exits_1_with_the_problem_and_its_fix() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let output = repoconn(
        args(&[
            "check",
            "--cloud",
            "--method",
            "api-token",
            "--email",
            cloud::EMAIL,
            "--json",
        ]),
        Some(server.url.to_string()),
        cloud::TOKEN_UNSCOPED,
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output);
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["code"], "invalid_credentials");
    assert!(
        report["problems"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("with scopes")
    );
    assert_secret_absent(&output, cloud::TOKEN_UNSCOPED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_text_report_names_the_verdict_and_the_git_username() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let output = repoconn(
        args(&[
            "check",
            "--cloud",
            "--method",
            "api-token",
            "--email",
            cloud::EMAIL,
            "--workspace",
            "acme",
            "--repo",
            "models",
        ]),
        Some(server.url.to_string()),
        cloud::TOKEN_FULL,
    )
    .await;
    let text = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(text.starts_with("Usable: API token"), "{text}");
    assert!(
        text.contains(&format!("git username: {}", cloud::USERNAME)),
        "{text}"
    );
    assert!(text.contains("warning [write_scope_unverified]"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_center_check_takes_a_pasted_browser_url() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let url = format!("{}bitbucket/projects/DATA/repos/models/browse", server.url);
    let output = repoconn(
        args(&[
            "check",
            "--server",
            &url,
            "--method",
            "repository-token",
            "--json",
        ]),
        None,
        datacenter::PROJECT_TOKEN,
    )
    .await;
    // A project token checked as a repository token still works here: the URL supplied project and repo.
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json_of(&output);
    assert_eq!(report["server"]["version"], "9.2.1");
    assert_eq!(report["permission"], "REPO_WRITE");
    assert_eq!(report["identity"]["kind"], "system_user");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_fingerprint_trusts_exactly_that_certificate() {
    let cert = fake_bitbucket::TestCa::self_signed();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&cert)).await;
    let base = format!("{}bitbucket", server.url);
    let check = |fingerprint: String| {
        let base = base.clone();
        async move {
            repoconn(
                args(&[
                    "check",
                    "--server",
                    &base,
                    "--method",
                    "personal-token",
                    "--trust-fingerprint",
                    &fingerprint,
                    "--json",
                ]),
                None,
                datacenter::PERSONAL_TOKEN,
            )
            .await
        }
    };
    let trusted = check(cert.server_fingerprint.to_lowercase()).await;
    assert_eq!(
        trusted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&trusted.stdout)
    );

    let other = fake_bitbucket::TestCa::self_signed();
    let refused = check(other.server_fingerprint.clone()).await;
    assert_eq!(refused.status.code(), Some(3));
    let report = json_of(&refused);
    assert_eq!(report["problems"][0]["code"], "tls_untrusted");
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains(&cert.server_fingerprint)
    );

    let requests = server.request_count();
    let typo = check("AB:CD".into()).await;
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("--trust-fingerprint"));
    assert_eq!(server.request_count(), requests, "a usage error sent a request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_exits_3() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let output = repoconn(
        args(&[
            "check",
            "--server",
            &format!("http://127.0.0.1:{port}"),
            "--method",
            "personal-token",
            "--json",
        ]),
        None,
        datacenter::PERSONAL_TOKEN,
    )
    .await;
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(json_of(&output)["problems"][0]["code"], "unreachable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_before_any_request() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let cases: [&[&str]; 5] = [
        &[
            "check",
            "--cloud",
            "--method",
            "repository-access-token",
            "--workspace",
            "acme",
        ],
        &["check", "--cloud", "--method", "personal-token"],
        &[
            "check",
            "--cloud",
            "--server",
            "https://x.example",
            "--method",
            "api-token",
        ],
        &[
            "check",
            "--cloud",
            "--method",
            "api-token",
            "--email",
            "a@example.com",
            "--require",
            "read:wiki",
        ],
        &[
            "check",
            "--cloud",
            "--method",
            "api-token",
            "--email",
            "a@example.com",
            "--profile",
            "everything",
        ],
    ];
    for case in cases {
        let output = repoconn(args(case), Some(server.url.to_string()), cloud::TOKEN_FULL).await;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{case:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.stderr.is_empty());
    }
    let output = repoconn(
        args(&[
            "check",
            "--cloud",
            "--method",
            "api-token",
            "--email",
            "a@example.com",
        ]),
        Some(server.url.to_string()),
        "",
    )
    .await;
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("standard input"));
    assert_eq!(server.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_needs_allow_http_and_the_environments_proxy_is_used() {
    // The fake answers as a forward proxy would: it receives the absolute URL and serves it.
    let proxy = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let server = "http://bitbucket.example.test/bitbucket";
    let refused = repoconn_with(
        args(&[
            "check",
            "--server",
            server,
            "--method",
            "personal-token",
            "--json",
        ]),
        None,
        datacenter::PERSONAL_TOKEN,
        vec![("HTTP_PROXY", proxy.url.to_string())],
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(json_of(&refused)["problems"][0]["code"], "insecure_http");
    assert_eq!(proxy.request_count(), 0);

    let allowed = repoconn_with(
        args(&[
            "check",
            "--server",
            server,
            "--method",
            "personal-token",
            "--allow-http",
            "--json",
        ]),
        None,
        datacenter::PERSONAL_TOKEN,
        vec![("HTTP_PROXY", proxy.url.to_string())],
    )
    .await;
    assert_eq!(
        allowed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&allowed.stdout)
    );
    assert!(proxy.request_count() > 0);
}

/// Runs `repoconn check` under a policy file holding `policy`.
async fn check_under_policy(policy: &str, args: Vec<String>, api: String, secret: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.json");
    std::fs::write(&file, policy).unwrap();
    let env = vec![("REPOCONN_POLICY_FILE", file.display().to_string())];
    repoconn_with(args, Some(api), secret, env).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrators_policy_is_obeyed_and_a_broken_one_reported() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let check = args(&[
        "check",
        "--cloud",
        "--method",
        "api-token",
        "--email",
        cloud::EMAIL,
        "--json",
    ]);

    let forbidden = check_under_policy(
        r#"{"allowed_methods": ["repository-access-token"]}"#,
        check.clone(),
        server.url.to_string(),
        cloud::TOKEN_FULL,
    )
    .await;
    assert_eq!(forbidden.status.code(), Some(1));
    let report = json_of(&forbidden);
    assert_eq!(report["problems"][0]["code"], "forbidden_by_policy");
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("policy.json")
    );
    assert_eq!(
        server.request_count(),
        0,
        "nothing is sent for a forbidden way to connect"
    );

    // One character too many: the file is not JSON, so no way to connect is allowed, and the
    // report and standard error say what is wrong and where.
    let broken = check_under_policy(
        "{\n  \"allowed_methods\": [\"repository-access-token\",]\n}",
        check,
        server.url.to_string(),
        cloud::TOKEN_FULL,
    )
    .await;
    assert_eq!(broken.status.code(), Some(1), "a broken file lifts nothing");
    let report = json_of(&broken);
    assert_eq!(report["problems"][0]["code"], "forbidden_by_policy");
    let message = report["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("policy.json") && message.contains("line 2, column"),
        "{message}"
    );
    assert_eq!(report["warnings"][0]["code"], "policy_unusable");
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("policy.json cannot be used as written: line 2, column"),
        "{stderr}"
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_from_a_windows_editor_or_with_a_slip_still_restricts() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let check = args(&[
        "check",
        "--cloud",
        "--method",
        "api-token",
        "--email",
        cloud::EMAIL,
        "--json",
    ]);
    // UTF-8 with a byte-order mark and CRLF line ends, as Notepad writes it.
    let windows = "\u{feff}{\r\n  \"allowed_methods\": [\"repository-access-token\"]\r\n}\r\n";
    // A misspelt key, a misspelt way to connect, a wrong type.
    let slips = [
        windows,
        r#"{"allowed_method": ["api-token"]}"#,
        r#"{"allowed_methods": ["apitoken"]}"#,
        r#"{"allowed_methods": "api-token"}"#,
    ];
    for policy in slips {
        let out = check_under_policy(policy, check.clone(), server.url.to_string(), cloud::TOKEN_FULL).await;
        assert_eq!(out.status.code(), Some(1), "{policy}");
        assert_eq!(
            json_of(&out)["problems"][0]["code"],
            "forbidden_by_policy",
            "{policy}"
        );
    }
    let windows_report =
        json_of(&check_under_policy(windows, check.clone(), server.url.to_string(), cloud::TOKEN_FULL).await);
    assert_eq!(
        windows_report["warnings"],
        serde_json::json!([]),
        "the Windows file is read as it is"
    );
    assert_eq!(server.request_count(), 0);

    // The ways that can be read stay allowed.
    let out = check_under_policy(
        r#"{"allowed_methods": ["api-token", "pasword"]}"#,
        check,
        server.url.to_string(),
        cloud::TOKEN_FULL,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(json_of(&out)["warnings"][0]["code"], "policy_unusable");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_template_fixes_the_way_and_profile_for_its_server() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let base = format!("{}bitbucket", server.url);
    let policy = serde_json::json!({"templates": [{
        "name": "Example Corp", "provider": "data-center", "base_url": base,
        "method": "personal-token", "profile": "read-only",
    }]})
    .to_string();
    let check = |method: &str, profile: &str| {
        args(&[
            "check",
            "--server",
            &base,
            "--method",
            method,
            "--username",
            datacenter::USER,
            "--profile",
            profile,
            "--json",
        ])
    };
    let refused = check_under_policy(
        &policy,
        check("basic", "read-only"),
        "http://127.0.0.1:9".into(),
        datacenter::PASSWORD,
    )
    .await;
    assert_eq!(refused.status.code(), Some(1));
    let report = json_of(&refused);
    assert_eq!(report["problems"][0]["code"], "forbidden_by_policy");
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("template \"Example Corp\""),
        "{report}"
    );
    let wrong_profile = check_under_policy(
        &policy,
        check("personal-token", "pull-requests"),
        "http://127.0.0.1:9".into(),
        datacenter::PERSONAL_TOKEN,
    )
    .await;
    assert_eq!(
        json_of(&wrong_profile)["problems"][0]["code"],
        "forbidden_by_policy"
    );
    assert_eq!(server.request_count(), 0, "nothing is sent for a refused check");

    let fits = check_under_policy(
        &policy,
        check("personal-token", "read-only"),
        "http://127.0.0.1:9".into(),
        datacenter::PERSONAL_TOKEN,
    )
    .await;
    assert_eq!(
        fits.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&fits.stdout)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policys_proxy_carries_every_request() {
    // The fake Data Center answers as a forward proxy would (it serves the absolute URL it gets).
    let proxy = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let policy = format!(r#"{{"proxy": "{}"}}"#, proxy.url);
    let check = args(&[
        "check",
        "--server",
        "http://bitbucket.example.test/bitbucket",
        "--method",
        "personal-token",
        "--allow-http",
        "--json",
    ]);
    let out = check_under_policy(
        &policy,
        check,
        "http://127.0.0.1:9".into(),
        datacenter::PERSONAL_TOKEN,
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(proxy.request_count() > 0);
}
