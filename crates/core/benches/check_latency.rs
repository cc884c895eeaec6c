//! How long a full check takes against a server that needs 100 ms for every answer, compared with
//! one request. Probes of a round go out at once, so a check should cost about one round trip per
//! round, not one per probe. The same for a Data Center personal token against the fake Data
//! Center with 250 ms added to every answer: two rounds (the anonymous server question beside the
//! first authenticated probe, then the rest).
//!
//!   cargo bench -p repoconn-core --bench check_latency

use std::time::{Duration, Instant};

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, start};
use repoconn_core::check::http::{Auth, Http, NetLimits};
use repoconn_core::check::{CheckEnv, CheckRequest, check};
use repoconn_core::domain::scopes::Profile;
use repoconn_core::{Method, Secret};

const RUNS: usize = 15;
const LATENCY: Duration = Duration::from_millis(100);
const DC_LATENCY: Duration = Duration::from_millis(250);

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

/// A Data Center personal token (sent as Bearer) at `base`, nothing else named.
fn dc_request(base: &url::Url) -> CheckRequest {
    CheckRequest {
        method: Method::PersonalToken,
        server: Some(base.to_string()),
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
        secret: Secret::new(datacenter::PERSONAL_TOKEN),
    }
}

/// One Bearer request to the Data Center and a full personal-token check: (one request, check).
async fn data_center() -> (Duration, Duration) {
    let server = start(
        FakeDataCenter::standard(),
        Behaviour {
            latency: DC_LATENCY,
            ..Default::default()
        },
        None,
    )
    .await;
    let base = server.url.join("bitbucket").unwrap();
    let unused = url::Url::parse("http://127.0.0.1:9").unwrap();
    let env = CheckEnv::with_cloud_api(unused, NetLimits::default());
    let secret = Secret::new(datacenter::PERSONAL_TOKEN);

    let mut single = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let http = Http::new(&base, None, false, NetLimits::default()).unwrap();
        let url = server
            .url
            .join(&format!(
                "bitbucket/{}?limit=1",
                repoconn_core::check::datacenter::REPOS
            ))
            .unwrap();
        let answer = http.get(url, Auth::Bearer(&secret)).await.unwrap();
        assert_eq!(answer.status, 200);
        single.push(started.elapsed());
    }
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let report = check(dc_request(&base), &env).await;
        assert!(report.ok, "{:?}", report.problems);
        samples.push(started.elapsed());
    }
    (median(single), median(samples))
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

    let (dc_single, dc_check) = data_center().await;
    println!(
        "added latency per answer: {} ms (fake Data Center); median of {RUNS} runs",
        DC_LATENCY.as_millis()
    );
    println!(
        "one request:                                  {:>6.1} ms",
        dc_single.as_secs_f64() * 1000.0
    );
    println!(
        "full check, {:<40} {:>6.1} ms = {:.2}x one request",
        "dc personal-token (Bearer)",
        dc_check.as_secs_f64() * 1000.0,
        dc_check.as_secs_f64() / dc_single.as_secs_f64()
    );
}
