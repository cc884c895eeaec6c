//! How long `git credential get` through our helper takes: git runs it on every fetch and push.
//! For an API token; for a signed-in OAuth connection whose access token is valid; and for one
//! whose token is due, where each get must make exactly one refresh round trip. Needs a Secret
//! Service (scripts/bench.sh provides one):
//!
//!   cargo bench -p repoconn-cli --bench git_credential

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use std::sync::Arc;
use std::sync::atomic::Ordering;

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::cloud_oauth::{CLIENT_ID, CLIENT_SECRET, FakeCloudOauth};
use fake_bitbucket::{Behaviour, start};

const RUNS: usize = 50;

fn repoconn() -> std::path::PathBuf {
    // Benches live in target/release/deps; the binaries one level up.
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().join("repoconn")
}

fn run(
    data: &std::path::Path,
    service: &str,
    api: &str,
    args: &[&str],
    stdin: &str,
) -> (Duration, Vec<u8>, bool) {
    let started = Instant::now();
    let mut child = Command::new(repoconn())
        .args(args)
        .env("REPOCONN_DATA_DIR", data)
        .env("REPOCONN_KEYCHAIN_SERVICE", service)
        .env("REPOCONN_CLOUD_API_URL", api)
        .env("REPOCONN_CLOUD_WEB_URL", api)
        .env("BROWSER", data.join("browser.sh"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("build the repoconn binary first: cargo build --release -p repoconn-cli");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (started.elapsed(), out.stdout, out.status.success())
}

#[tokio::main]
async fn main() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let data = tempfile::tempdir().unwrap();
    let service = format!("repoconn-bench-{}", std::process::id());
    let api = server.url.to_string();
    let (_, _, ok) = tokio::task::block_in_place(|| {
        run(
            data.path(),
            &service,
            &api,
            &[
                "add",
                "bench",
                "--cloud",
                "--method",
                "api-token",
                "--email",
                cloud::EMAIL,
            ],
            cloud::TOKEN_FULL,
        )
    });
    assert!(ok, "could not save a connection: is a Secret Service running?");

    let query = "protocol=https\nhost=bitbucket.org\n\n";
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let (elapsed, stdout, ok) = run(data.path(), &service, &api, &["git-credential", "get"], query);
        assert!(ok && String::from_utf8_lossy(&stdout).starts_with("username="));
        times.push(elapsed);
    }
    run(data.path(), &service, &api, &["remove", "bench"], "");
    report("git-credential get, API token", times);
    oauth(&service).await;
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let n = times.len();
    println!(
        "{what} ({n} runs, process start included): median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        ms(times[n / 2]),
        ms(times[n * 9 / 10]),
        ms(times[n - 1])
    );
}

/// A signed-in Cloud OAuth connection: gets while its access token is valid (no network), then
/// gets while it is always due (60-second tokens), each of which must refresh exactly once.
async fn oauth(service: &str) {
    let fake = Arc::new(FakeCloudOauth::default());
    let server = start(fake.clone(), Behaviour::default(), None).await;
    let data = tempfile::tempdir().unwrap();
    let browser = data.path().join("browser.sh");
    std::fs::write(
        &browser,
        "#!/bin/sh\nexec curl --noproxy '*' -s -L -o /dev/null \"$1\"\n",
    )
    .unwrap();
    Command::new("chmod")
        .args(["755"])
        .arg(&browser)
        .status()
        .unwrap();
    let api = server.url.to_string();
    let service = format!("{service}-oauth");
    let sign_in = [
        "add",
        "bench-oauth",
        "--cloud",
        "--method",
        "oauth",
        "--client-id",
        CLIENT_ID,
    ];
    let (_, _, ok) = tokio::task::block_in_place(|| {
        run(
            data.path(),
            &service,
            &api,
            &sign_in,
            &format!("{CLIENT_SECRET}\n"),
        )
    });
    assert!(ok, "could not sign in");
    let query = "protocol=https\nhost=bitbucket.org\n\n";
    let get = || {
        tokio::task::block_in_place(|| {
            let (elapsed, stdout, ok) = run(data.path(), &service, &api, &["git-credential", "get"], query);
            assert!(ok && String::from_utf8_lossy(&stdout).contains("password=oauth-access-"));
            elapsed
        })
    };
    let valid: Vec<Duration> = (0..RUNS).map(|_| get()).collect();
    assert_eq!(
        fake.refresh_grants.load(Ordering::SeqCst),
        0,
        "a valid token needs no refresh"
    );
    report("git-credential get, OAuth token valid", valid);

    // From now on every token lasts 60 s, within the five-minute margin: each get refreshes.
    fake.access_lifetime.store(60, Ordering::SeqCst);
    fake.revoke_refresh_tokens();
    tokio::task::block_in_place(|| run(data.path(), &service, &api, &["remove", "bench-oauth"], ""));
    let (_, _, ok) = tokio::task::block_in_place(|| {
        run(
            data.path(),
            &service,
            &api,
            &sign_in,
            &format!("{CLIENT_SECRET}\n"),
        )
    });
    assert!(ok, "could not sign in again");
    let due_runs = 20;
    let due: Vec<Duration> = (0..due_runs).map(|_| get()).collect();
    let refreshes = fake.refresh_grants.load(Ordering::SeqCst);
    let token_posts = fake.token_forms().len() - 2; // the two sign-ins' code exchanges
    assert_eq!(refreshes as usize, due_runs, "one refresh per get");
    assert_eq!(
        token_posts, due_runs,
        "one round trip to the token endpoint per get"
    );
    report("git-credential get, OAuth token due (one refresh each)", due);
    tokio::task::block_in_place(|| run(data.path(), &service, &api, &["remove", "bench-oauth"], ""));
}
