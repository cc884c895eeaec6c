//! Odd and hostile network answers: every one ends in a clear problem, none in a crash, and a
//! credential never goes where it does not belong.

mod support;

use std::time::{Duration, Instant};

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, TestCa, start};
use repoconn_core::Method as K;
use repoconn_core::check::report::Outcome;
use repoconn_core::check::{CheckEnv, check};
use support::*;

fn full_token_in_repo() -> repoconn_core::check::CheckRequest {
    let mut r = request(K::ApiToken, cloud::TOKEN_FULL);
    r.email = Some(cloud::EMAIL.into());
    r.workspace = Some(cloud::WORKSPACE.into());
    r.repository = Some(cloud::REPO.into());
    r
}

async fn cloud_with(behaviour: Behaviour) -> fake_bitbucket::Server {
    start(FakeCloud::standard(), behaviour, None).await
}

#[tokio::test]
async fn a_short_retry_after_is_waited_out() {
    let server = cloud_with(Behaviour {
        rate_limited: 1,
        retry_after: Some("1".into()),
        ..Default::default()
    })
    .await;
    let started = Instant::now();
    let report = run_cloud(&server, full_token_in_repo()).await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(started.elapsed() >= Duration::from_secs(1));
}

#[tokio::test]
async fn a_long_retry_after_is_reported_as_rate_limited() {
    let server = cloud_with(Behaviour {
        rate_limited: 100,
        retry_after: Some("600".into()),
        ..Default::default()
    })
    .await;
    let report = run_cloud(&server, full_token_in_repo()).await;
    assert_eq!(codes(&report), ["rate_limited"]);
    assert!(
        report.problems[0].message.contains("10 minutes"),
        "{}",
        report.problems[0].message
    );
    assert_eq!(report.outcome, Outcome::Unverified);
    assert_eq!(report.exit_code(), 3);
}

#[tokio::test]
async fn one_server_error_is_retried_and_a_persistent_one_reported() {
    let server = cloud_with(Behaviour {
        server_errors: 1,
        ..Default::default()
    })
    .await;
    assert!(run_cloud(&server, full_token_in_repo()).await.ok);

    let server = cloud_with(Behaviour {
        server_errors: 1000,
        ..Default::default()
    })
    .await;
    let report = run_cloud(&server, full_token_in_repo()).await;
    assert_eq!(codes(&report), ["server_error"]);
    assert_eq!(report.exit_code(), 3);
    // Each probe tried twice, no more.
    assert_eq!(server.request_count(), 8);
}

#[tokio::test]
async fn an_html_login_page_is_recognised() {
    let server = start(
        FakeDataCenter::standard(),
        Behaviour {
            html: true,
            ..Default::default()
        },
        None,
    )
    .await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["login_page"]);
    only_the_probe_carried_the_token(&server);
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed_with_the_credential() {
    let elsewhere = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let target = format!("http://localhost:{}/2.0/user", elsewhere.url.port().unwrap());
    let server = cloud_with(Behaviour {
        redirect_to: Some(target),
        ..Default::default()
    })
    .await;
    let report = run_cloud(&server, full_token_in_repo()).await;
    assert_eq!(codes(&report), ["unexpected_redirect"]);
    assert!(report.problems[0].message.contains("localhost"));
    assert_eq!(
        elsewhere.request_count(),
        0,
        "the credential went to another host"
    );
}

#[tokio::test]
async fn huge_and_malformed_bodies_are_unexpected_answers() {
    let server = cloud_with(Behaviour {
        huge: true,
        ..Default::default()
    })
    .await;
    let report = run_cloud(&server, full_token_in_repo()).await;
    assert_eq!(codes(&report), ["unexpected_answer"]);
    assert!(report.problems[0].message.contains("1 MiB"));

    let server = cloud_with(Behaviour {
        malformed: true,
        ..Default::default()
    })
    .await;
    let report = run_cloud(&server, full_token_in_repo()).await;
    assert_eq!(codes(&report), ["unexpected_answer"]);
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let server = cloud_with(Behaviour {
        hang: true,
        ..Default::default()
    })
    .await;
    let started = Instant::now();
    let report = run_cloud(&server, full_token_in_repo()).await;
    assert_eq!(codes(&report), ["timeout"]);
    assert_eq!(report.exit_code(), 3);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_overall_deadline_bounds_a_slow_check() {
    let server = cloud_with(Behaviour {
        latency: Duration::from_millis(1500),
        ..Default::default()
    })
    .await;
    let mut env = env_for(&server.url);
    env.limits.deadline = Duration::from_millis(700);
    let started = Instant::now();
    let report = check(full_token_in_repo(), &env).await;
    assert_eq!(codes(&report), ["timeout"]);
    assert!(
        started.elapsed() < Duration::from_millis(1400),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_closed_port_is_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let env = CheckEnv::with_cloud_api(format!("http://127.0.0.1:{port}").parse().unwrap(), fast_limits());
    let report = check(full_token_in_repo(), &env).await;
    assert_eq!(codes(&report), ["unreachable"]);
    assert_eq!(report.exit_code(), 3);
}

#[tokio::test]
async fn an_untrusted_certificate_names_its_fingerprint_and_a_ca_file_fixes_it() {
    let ca = TestCa::new();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["tls_untrusted"]);
    assert!(
        report.problems[0].message.contains(&ca.server_fingerprint),
        "{}",
        report.problems[0].message
    );
    assert_eq!(report.exit_code(), 3);
    assert_eq!(authenticated(&server), 0);

    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("corp-root.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.ca_file = Some(ca_file);
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(report.ok, "{:?}", report.problems);
}

#[tokio::test]
async fn plain_http_to_a_remote_host_is_refused_before_any_request() {
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.server = Some("http://bitbucket.example.invalid/bitbucket".into());
    let report = check(r, &env_for(&"http://127.0.0.1:9".parse().unwrap())).await;
    assert_eq!(codes(&report), ["insecure_http"]);
    assert_eq!(report.exit_code(), 1);
}

#[tokio::test]
async fn an_unreadable_ca_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("not-a-cert.pem");
    std::fs::write(&ca_file, "not a certificate").unwrap();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.ca_file = Some(ca_file.clone());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["ca_file_invalid"]);
    assert!(report.problems[0].message.contains("not-a-cert.pem"));
}

/// A fake Data Center whose REST paths are redirected by `redirects` (full paths, context
/// included), as a proxy that adds or strips a trailing slash does.
async fn dc_redirecting(redirects: &[(&str, &str)]) -> fake_bitbucket::Server {
    let mut fake = FakeDataCenter::standard();
    fake.redirects = redirects
        .iter()
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .collect();
    start(fake, Behaviour::default(), None).await
}

const REPOS: &str = "/bitbucket/rest/api/1.0/repos";
const REPOS_SLASH: &str = "/bitbucket/rest/api/1.0/repos/";

fn basic_logins(server: &fake_bitbucket::Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| {
            r.authorization
                .as_deref()
                .is_some_and(|a| a.starts_with("Basic "))
        })
        .count()
}

#[tokio::test]
async fn a_password_is_sent_once_even_when_the_server_redirects() {
    for redirects in [
        vec![(REPOS, REPOS_SLASH)],
        // A loop, as a proxy that strips the slash the server adds.
        vec![(REPOS, REPOS_SLASH), (REPOS_SLASH, REPOS)],
    ] {
        let server = dc_redirecting(&redirects).await;
        let mut r = request(K::Basic, datacenter::PASSWORD);
        r.username = Some(datacenter::USER.into());
        let report = run_dc(&server, "/bitbucket", r).await;
        let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(basic_logins(&server), 1, "Basic logins in one check: {paths:?}");
        assert_eq!(codes(&report), ["unexpected_redirect"]);
        let message = &report.problems[0].message;
        // Truthful: sent once, to the first address, and not to the second.
        assert!(message.contains("sent once"), "{message}");
        assert!(message.contains("rest/api/1.0/repos?limit=1"), "{message}");
        assert!(message.contains("rest/api/1.0/repos/?limit=1"), "{message}");
        assert!(!message.contains("did not send"), "{message}");
        assert_no_secret(&report, datacenter::PASSWORD);
    }
}

#[tokio::test]
async fn a_token_follows_a_redirect_on_its_own_server() {
    let server = dc_redirecting(&[(REPOS, REPOS_SLASH)]).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(
        server.requests().iter().any(|r| r.path == REPOS_SLASH),
        "the redirect was not followed"
    );
}

#[tokio::test]
async fn a_redirect_loop_is_reported_as_such() {
    let server = dc_redirecting(&[(REPOS, REPOS_SLASH), (REPOS_SLASH, REPOS)]).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["unexpected_redirect"]);
    let message = &report.problems[0].message;
    assert!(message.contains("4 redirects"), "{message}");
    assert!(!message.contains("another address"), "{message}");
    // Followed three times, then stopped: the first request and three redirects.
    let to_repos = server
        .requests()
        .iter()
        .filter(|r| r.path == REPOS || r.path == REPOS_SLASH)
        .count();
    assert_eq!(to_repos, 4);
}
