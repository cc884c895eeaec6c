//! Shared set-up for the checks run against the fake Bitbucket servers.
#![allow(dead_code)]

use std::time::Duration;

use fake_bitbucket::Server;
use repoconn_core::check::http::NetLimits;
use repoconn_core::check::report::ValidationReport;
use repoconn_core::check::{CheckEnv, CheckRequest, check};
use repoconn_core::domain::scopes::Profile;
use repoconn_core::{Method, Secret};
use url::Url;

/// Short bounds so that failure paths finish quickly.
pub fn fast_limits() -> NetLimits {
    NetLimits {
        request_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(8),
        max_retry_wait: Duration::from_secs(2),
        server_error_pause: Duration::from_millis(50),
        body_limit: 1024 * 1024,
        proxy: None,
    }
}

pub fn env_for(cloud: &Url) -> CheckEnv {
    CheckEnv::with_cloud_api(cloud.clone(), fast_limits())
}

pub fn request(method: Method, secret: &str) -> CheckRequest {
    CheckRequest {
        method,
        server: None,
        email: None,
        username: None,
        workspace: None,
        project: None,
        repository: None,
        profile: Profile::PullRequests,
        require: Vec::new(),
        ca_file: None,
        trust_fingerprint: None,
        allow_http: false,
        secret: Secret::new(secret),
    }
}

pub async fn run_cloud(server: &Server, request: CheckRequest) -> ValidationReport {
    check(request, &env_for(&server.url)).await
}

/// A Data Center check: the server address is the fake's URL plus `path` (its context path, or
/// anything pasted from a browser).
pub async fn run_dc(server: &Server, path: &str, mut request: CheckRequest) -> ValidationReport {
    request.server = Some(format!("{}{}", server.url.as_str().trim_end_matches('/'), path));
    let unused = Url::parse("http://127.0.0.1:9").unwrap();
    check(request, &env_for(&unused)).await
}

pub fn codes(report: &ValidationReport) -> Vec<String> {
    report
        .problems
        .iter()
        .map(|p| serde_json::to_value(p.code).unwrap().as_str().unwrap().to_owned())
        .collect()
}

pub fn warning_codes(report: &ValidationReport) -> Vec<String> {
    report
        .warnings
        .iter()
        .map(|w| serde_json::to_value(w.code).unwrap().as_str().unwrap().to_owned())
        .collect()
}

/// The report's JSON must never contain the secret.
pub fn assert_no_secret(report: &ValidationReport, secret: &str) {
    let json = serde_json::to_string(report).unwrap();
    assert!(!json.contains(secret), "the report leaks the secret: {json}");
}

/// How many requests carried credentials.
pub fn authenticated(server: &Server) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.authorization.is_some())
        .count()
}

/// A token check that stopped at the server question (not Bitbucket, too old, a login page): the
/// token went at most once, in the first probe (`repos?limit=1`) sent beside that question, and
/// nothing followed it. A password is never sent there at all (see the Basic tests).
pub fn only_the_probe_carried_the_token(server: &Server) {
    let log = server.requests();
    let sent: Vec<_> = log.iter().filter(|r| r.authorization.is_some()).collect();
    assert!(sent.len() <= 1, "{log:?}");
    for r in sent {
        assert!(
            r.path.ends_with("/rest/api/1.0/repos") && r.query == "limit=1",
            "{log:?}"
        );
        assert!(r.authorization.as_deref().unwrap().starts_with("Bearer "));
    }
}
