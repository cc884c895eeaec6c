//! How long a full check takes against a server that needs 100 ms for every answer, compared with
//! one request. Probes of a round go out at once, so a check should cost about one round trip per
//! round, not one per probe.
//!
//!   cargo bench -p repoconn-core --bench check_latency

use std::time::{Duration, Instant};

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::{Behaviour, start};
use repoconn_core::check::http::{Auth, Http, NetLimits};
use repoconn_core::check::{CheckEnv, CheckRequest, check};
use repoconn_core::domain::scopes::Profile;
use repoconn_core::{Method, Secret};

const RUNS: usize = 15;
const LATENCY: Duration = Duration::from_millis(100);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn request(workspace: Option<&str>, repository: Option<&str>) -> CheckRequest {
    CheckRequest {
        method: Method::ApiToken,
        server: None,
        email: Some(cloud::EMAIL.into()),
        username: None,
        workspace: workspace.map(str::to_owned),
        project: None,
        repository: repository.map(str::to_owned),
        profile: Profile::PullRequests,
        require: Vec::new(),
        ca_file: None,
        trust_fingerprint: None,
        allow_http: false,
        secret: Secret::new(cloud::TOKEN_FULL),
    }
}

#[tokio::main]
async fn main() {
    let server = start(
        FakeCloud::standard(),
        Behaviour {
            latency: LATENCY,
            ..Default::default()
        },
        None,
    )
    .await;
    let env = CheckEnv::with_cloud_api(server.url.clone(), NetLimits::default());
    let secret = Secret::new(cloud::TOKEN_FULL);

    // One request, on a fresh client as every check uses.
    let mut single = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let http = Http::new(&server.url, None, false, NetLimits::default()).unwrap();
        let url = repoconn_core::check::cloud::Probe::User.url(&server.url, &[], &[]);
        let answer = http
            .get(
                url,
                Auth::Basic {
                    user: cloud::EMAIL,
                    secret: &secret,
                },
            )
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        single.push(started.elapsed());
    }
    let single = median(single);

    let mut figures = Vec::new();
    for (label, workspace, repository) in [
        (
            "api-token, workspace and repository given",
            Some("acme"),
            Some("models"),
        ),
        ("api-token, nothing but the email", None, None),
    ] {
        let mut samples = Vec::new();
        for _ in 0..RUNS {
            let started = Instant::now();
            let report = check(request(workspace, repository), &env).await;
            assert!(report.ok, "{:?}", report.problems);
            samples.push(started.elapsed());
        }
        figures.push((label, median(samples)));
    }

    println!(
        "added latency per answer: {} ms; median of {RUNS} runs",
        LATENCY.as_millis()
    );
    println!(
        "one request:                                  {:>6.1} ms",
        single.as_secs_f64() * 1000.0
    );
    for (label, time) in figures {
        println!(
            "full check, {label:<40} {:>6.1} ms = {:.2}x one request",
            time.as_secs_f64() * 1000.0,
            time.as_secs_f64() / single.as_secs_f64()
        );
    }
}
