//! How long `git credential get` through our helper takes: git runs it on every fetch and push.
//! Needs a Secret Service (scripts/bench.sh provides one):
//!
//!   cargo bench -p repoconn-cli --bench git_credential

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_bitbucket::cloud::{self, FakeCloud};
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
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "git-credential get ({RUNS} runs, process start included): median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        ms(times[RUNS / 2]),
        ms(times[RUNS * 9 / 10]),
        ms(times[RUNS - 1])
    );
}
