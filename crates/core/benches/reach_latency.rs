//! How long listing what a credential reaches takes against servers that need 250 ms for every
//! answer, compared with one request. Pages whose number is known go out at once, so a listing
//! should cost about one round trip per round (workspaces, first pages, the other pages), not one
//! per page.
//!
//!   cargo bench -p repoconn-core --bench reach_latency
//!
//! Goals: 230 repositories of one Cloud workspace ≤ 2.5x one request; every workspace ≤ 3.5x;
//! every repository on Data Center ≤ 2.5x.

use std::time::{Duration, Instant};

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, Server, start};
use repoconn_core::check::http::{Auth, Http, NetLimits};
use repoconn_core::check::{CheckEnv, CheckRequest};
use repoconn_core::domain::scopes::Profile;
use repoconn_core::reach::{ReachOptions, reach};
use repoconn_core::{Method, Secret};
use url::Url;

const RUNS: usize = 7;
const LATENCY: Duration = Duration::from_millis(250);

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn request(method: Method, secret: &str) -> CheckRequest {
    CheckRequest {
        method,
        server: None,
        email: None,
        username: None,
        workspace: None,
        project: None,
        repository: None,
        profile: Profile::ReadOnly,
        require: Vec::new(),
        ca_file: None,
        trust_fingerprint: None,
        allow_http: false,
        secret: Secret::new(secret),
    }
}

fn slow() -> Behaviour {
    Behaviour {
        latency: LATENCY,
        ..Default::default()
    }
}

/// One authenticated GET of `url` on a fresh client, as every listing uses.
async fn one_request(url: Url, auth: Auth<'_>) -> Duration {
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let http = Http::new(&url, None, false, NetLimits::default()).unwrap();
        let answer = http.get(url.clone(), auth).await.unwrap();
        assert_eq!(answer.status, 200);
        samples.push(started.elapsed());
    }
    median(samples)
}

/// The median time of listing with `request`, which must find `expected` repositories.
async fn listing(server: &Server, request: CheckRequest, expected: usize) -> Duration {
    let env = CheckEnv::with_cloud_api(server.url.clone(), NetLimits::default());
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let found = reach(request.clone(), &ReachOptions::default(), &env).await;
        samples.push(started.elapsed());
        assert!(found.problems.is_empty(), "{:?}", found.problems);
        assert_eq!(found.repositories.len(), expected);
    }
    median(samples)
}

fn line(label: &str, time: Duration, single: Duration, goal: Option<f64>) {
    let ratio = time.as_secs_f64() / single.as_secs_f64();
    let verdict = match goal {
        Some(goal) if ratio <= goal => format!("(goal ≤ {goal}x: met)"),
        Some(goal) => format!("(goal ≤ {goal}x: MISSED)"),
        None => String::new(),
    };
    println!(
        "{label:<62} {:>7.1} ms = {ratio:.2}x one request {verdict}",
        time.as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    println!(
        "added latency per answer: {} ms; median of {RUNS} runs",
        LATENCY.as_millis()
    );

    let server = start(FakeCloud::large(), slow(), None).await;
    let secret = Secret::new(cloud::TOKEN_FULL);
    let auth = Auth::Basic {
        user: cloud::EMAIL,
        secret: &secret,
    };
    let single = one_request(server.url.join("2.0/user").unwrap(), auth).await;
    line("Cloud: one request", single, single, None);
    let mut api_token = request(Method::ApiToken, cloud::TOKEN_FULL);
    api_token.email = Some(cloud::EMAIL.into());
    let one = CheckRequest {
        workspace: Some("acme".into()),
        ..api_token.clone()
    };
    let time = listing(&server, one, 230).await;
    line(
        "Cloud API token: 230 repositories of one workspace",
        time,
        single,
        Some(2.5),
    );
    let total: usize = cloud::LARGE_WORKSPACES.iter().map(|(_, n)| n).sum();
    let time = listing(&server, api_token, total).await;
    line(
        &format!("Cloud API token: every workspace ({total} repositories)"),
        time,
        single,
        Some(3.5),
    );
    drop(server);

    // Data Center at its default page size (page.max.repositories 1000), then a server that gives
    // 100 a page: its pages must be read one after the other (it never tells the total).
    for page_max in [1000, 100] {
        let fake = FakeDataCenter {
            page_max,
            ..FakeDataCenter::large()
        };
        let expected = FakeDataCenter::large()
            .projects
            .iter()
            .filter(|(key, _)| key != datacenter::HIDDEN_PROJECT)
            .map(|(_, repos)| repos.len())
            .sum();
        let server = start(fake, slow(), None).await;
        let base = server.url.join("bitbucket/").unwrap();
        let secret = Secret::new(datacenter::ADMIN_TOKEN);
        let single = one_request(
            base.join("rest/api/1.0/repos?limit=1").unwrap(),
            Auth::Bearer(&secret),
        )
        .await;
        if page_max == 1000 {
            line("Data Center: one request", single, single, None);
        }
        let mut token = request(Method::PersonalToken, datacenter::ADMIN_TOKEN);
        token.server = Some(base.to_string());
        let time = listing(&server, token, expected).await;
        line(
            &format!("Data Center token: every repository ({expected}), {page_max} a page"),
            time,
            single,
            (page_max == 1000).then_some(2.5),
        );
        let mut password = request(Method::Basic, datacenter::PASSWORD);
        password.server = Some(base.to_string());
        password.username = Some(datacenter::USER.into());
        let time = listing(&server, password, expected).await;
        line(
            &format!("Data Center password: every repository, {page_max} a page"),
            time,
            single,
            None,
        );
    }
}
