//! Signing in with Bitbucket (OAuth 2.0; Cloud, and a Data Center's application link with PKCE)
//! from the command line, against the fake authorization servers of tests/fake-bitbucket: the
//! browser is a small script that follows the redirect with curl, the loopback listener and the
//! paste-back are the real ones, and the tokens land in the real Secret Service (a private
//! session, as for saved_connections).
//!
//! Without a Secret Service these tests say so visibly and do nothing, unless
//! REPOCONN_REQUIRE_KEYCHAIN=1 or CI=true, where they fail.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use fake_bitbucket::cloud_oauth::{CLIENT_ID, CLIENT_SECRET, FakeCloudOauth};
use fake_bitbucket::datacenter_oauth::{self as dc, FakeDataCenterOauth};
use fake_bitbucket::oauth_server::AuthorizationServer;
use fake_bitbucket::{Api, Behaviour, Server, start};
use serde_json::Value;
use support::Run;

/// One isolated world: a data folder, a keychain service, the fake's web and API root, and a
/// browser script that follows Bitbucket's redirect back to the loopback listener.
struct World<F = FakeCloudOauth> {
    data: tempfile::TempDir,
    service: String,
    fake: Arc<F>,
    server: Server,
    browser: PathBuf,
    policy: Option<PathBuf>,
}

impl World {
    async fn new() -> Self {
        World::with(FakeCloudOauth::default()).await
    }
}

impl World<FakeDataCenterOauth> {
    async fn data_center() -> Self {
        World::with(FakeDataCenterOauth::default()).await
    }

    /// The server's base URL, with its context path.
    fn base(&self) -> String {
        format!("{}/bitbucket", self.root())
    }

    /// `repoconn add NAME --server BASE --method oauth --client-id ID --redirect-uri R` with the
    /// client secret (maybe empty: a link without one) on the first line of standard input.
    async fn sign_in_dc(&self, name: &str, secret: &str, redirect: &str, extra: &[&str]) -> Output {
        let base = self.base();
        let mut args = vec![
            "add",
            name,
            "--server",
            &base,
            "--method",
            "oauth",
            "--client-id",
            dc::CLIENT_ID,
            "--redirect-uri",
            redirect,
            "--json",
        ];
        args.extend_from_slice(extra);
        self.run(&args, &format!("{secret}\n")).await
    }

    /// `git credential get` for this server through our helper: the username and password given.
    async fn git_login(&self) -> (Option<(String, String)>, Output) {
        let host = self.server.url.host_str().unwrap().to_owned();
        let port = self.server.url.port().unwrap();
        let query = format!("protocol=http\nhost={host}:{port}\n\n");
        let out = self.run(&["git-credential", "get"], &query).await;
        let answer = text(&out.stdout);
        let get = |key: &str| {
            answer
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .map(str::to_owned)
        };
        (get("username=").zip(get("password=")), out)
    }
}

/// A redirect address on a free port of 127.0.0.1 (the tests run side by side: each its own).
fn free_redirect() -> String {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}/repoconn/callback")
}

impl<F> World<F>
where
    F: Api + std::ops::Deref<Target = AuthorizationServer> + Send + Sync + 'static,
{
    async fn with(fake: F) -> Self {
        let data = tempfile::tempdir().unwrap();
        let service = format!(
            "repoconn-oauth-{}",
            data.path().file_name().unwrap().to_string_lossy()
        );
        let fake = Arc::new(fake);
        let server = start(fake.clone(), Behaviour::default(), None).await;
        let browser = data.path().join("browser.sh");
        std::fs::write(
            &browser,
            "#!/bin/sh\n# Follows the authorization address to its end, as a browser would.\nexec curl --noproxy '*' -s -L -o /dev/null \"$1\"\n",
        )
        .unwrap();
        make_executable(&browser);
        Self {
            data,
            service,
            fake,
            server,
            browser,
            policy: None,
        }
    }

    /// Makes every command read `policy` as the administrator's policy file.
    fn with_policy(&mut self, policy: &str) {
        let path = self.data.path().join("policy.json");
        std::fs::write(&path, policy).unwrap();
        self.policy = Some(path);
    }

    /// What the Secret Service holds under `account`, read with the desktop's own tool.
    fn keychain_item(&self, account: &str) -> String {
        let out = Run::program(
            "secret-tool",
            ["lookup", "service", &self.service, "username", account],
        )
        .output();
        text(&out.stdout)
    }

    fn root(&self) -> String {
        self.server.url.as_str().trim_end_matches('/').to_owned()
    }

    fn command(&self, args: &[&str]) -> Run {
        self.in_world(Run::repoconn(args))
    }

    /// `run` with this world's data folder, keychain, fake Bitbucket, browser and policy.
    fn in_world(&self, run: Run) -> Run {
        run.env("REPOCONN_DATA_DIR", self.data.path())
            .env("REPOCONN_KEYCHAIN_SERVICE", &self.service)
            .env("REPOCONN_CLOUD_WEB_URL", self.root())
            .env("REPOCONN_CLOUD_API_URL", self.root())
            .env("BROWSER", &self.browser)
            .env_remove("REPOCONN_FAILPOINT")
            .env_or_remove(
                "REPOCONN_POLICY_FILE",
                self.policy.as_deref().and_then(|p| p.to_str()),
            )
    }

    async fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.command(args).stdin(stdin).output_async().await
    }

    async fn names(&self) -> Vec<String> {
        let out = self.run(&["list", "--json"], "").await;
        assert!(out.status.success(), "{}", text(&out.stderr));
        let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        list.iter()
            .map(|row| row["connection"]["name"].as_str().unwrap().to_owned())
            .collect()
    }

    async fn connection(&self, name: &str) -> Value {
        let out = self.run(&["list", "--json"], "").await;
        let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        list.into_iter()
            .map(|row| row["connection"].clone())
            .find(|c| c["name"] == name)
            .expect("the connection is listed")
    }

    /// Every keychain item of this world, read with the desktop's own tool.
    fn keychain_accounts(&self) -> Vec<String> {
        let out = Run::program("secret-tool", ["search", "--all", "service", &self.service]).output();
        let all = text(&out.stdout) + &text(&out.stderr);
        all.lines()
            .filter_map(|l| l.trim().strip_prefix("attribute.username = ").map(str::to_owned))
            .collect()
    }

    fn metadata_text(&self) -> String {
        std::fs::read_to_string(self.data.path().join("connections.json")).unwrap_or_default()
    }
}

impl World {
    /// `repoconn add NAME --cloud --method oauth --client-id KEY` with the consumer secret piped.
    async fn sign_in(&self, name: &str, secret: &str) -> Output {
        let args = [
            "add",
            name,
            "--cloud",
            "--method",
            "oauth",
            "--client-id",
            CLIENT_ID,
            "--json",
        ];
        self.run(&args, &format!("{secret}\n")).await
    }

    /// `git credential get` for bitbucket.org through our helper: the password given.
    async fn git_password(&self) -> (Option<String>, Output) {
        let out = self
            .run(
                &["git-credential", "get"],
                "protocol=https\nhost=bitbucket.org\n\n",
            )
            .await;
        let answer = text(&out.stdout);
        assert!(
            answer.is_empty() || answer.starts_with("username=x-token-auth\n"),
            "{answer}"
        );
        let password = answer
            .lines()
            .find_map(|l| l.strip_prefix("password="))
            .map(str::to_owned);
        (password, out)
    }

    /// Starts a paste-back sign-in, follows the printed address without a browser (the redirect
    /// is not followed: nothing listens), and pastes what `paste` makes of the final address.
    async fn paste_back(&self, name: &str, paste: fn(&str) -> String) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_repoconn"));
        command
            .args([
                "add",
                name,
                "--cloud",
                "--method",
                "oauth",
                "--client-id",
                CLIENT_ID,
                "--no-browser",
            ])
            .env("REPOCONN_DATA_DIR", self.data.path())
            .env("REPOCONN_KEYCHAIN_SERVICE", &self.service)
            .env("REPOCONN_CLOUD_WEB_URL", self.root())
            .env("REPOCONN_CLOUD_API_URL", self.root())
            .env_remove("BROWSER")
            .env_remove("REPOCONN_POLICY_FILE");
        for name in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        ] {
            command.env_remove(name);
        }
        tokio::task::spawn_blocking(move || {
            let mut child = command
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            writeln!(stdin, "{CLIENT_SECRET}").unwrap();
            let mut stderr = BufReader::new(child.stderr.take().unwrap());
            let mut printed = String::new();
            let address = loop {
                let mut line = String::new();
                assert!(
                    stderr.read_line(&mut line).unwrap() > 0,
                    "no address printed: {printed}"
                );
                printed.push_str(&line);
                if line.starts_with("http") {
                    break line.trim().to_owned();
                }
            };
            assert!(address.contains("/site/oauth2/authorize?"), "{address}");
            let curl = Command::new("curl")
                .args([
                    "--noproxy",
                    "*",
                    "-s",
                    "-o",
                    "/dev/null",
                    "-w",
                    "%{redirect_url}",
                    &address,
                ])
                .output()
                .unwrap();
            let final_address = text(&curl.stdout);
            assert!(
                final_address.starts_with("http://127.0.0.1/repoconn/callback?"),
                "{final_address}"
            );
            writeln!(stdin, "{}", paste(&final_address)).unwrap();
            drop(stdin);
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
            let mut out = child.wait_with_output().unwrap();
            out.stderr = (printed + &rest).into_bytes();
            out
        })
        .await
        .unwrap()
    }
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Whether a Secret Service answers; fails the test where one is required.
async fn keychain_ready<F>(world: &World<F>) -> bool
where
    F: Api + std::ops::Deref<Target = AuthorizationServer> + Send + Sync + 'static,
{
    let out = world.run(&["doctor", "--json"], "").await;
    if out.status.code() == Some(4) && text(&out.stderr).contains("keychain_unavailable") {
        let required = std::env::var("REPOCONN_REQUIRE_KEYCHAIN").as_deref() == Ok("1")
            || std::env::var("CI").as_deref() == Ok("true");
        assert!(!required, "no Secret Service: {}", text(&out.stderr));
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED (not run, not passed): no Secret Service in this session; scripts/test.sh provides one"
        );
        return false;
    }
    true
}

/// No token, refresh token or consumer secret in the connections file or in what was printed.
fn assert_no_secret_in<F>(world: &World<F>, out: &Output)
where
    F: Api + std::ops::Deref<Target = AuthorizationServer> + Send + Sync + 'static,
{
    assert_no_secret_in_text(&(text(&out.stdout) + &text(&out.stderr) + &world.metadata_text()));
}

fn assert_no_secret_in_text(printed: &str) {
    for secret in [
        "oauth-access-",
        "oauth-refresh-",
        CLIENT_SECRET,
        dc::CLIENT_SECRET,
        "code-",
    ] {
        assert!(!printed.contains(secret), "{secret} leaked: {printed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_through_the_browser_and_saves_the_tokens_in_the_keychain_only() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    let out = world.sign_in("work", CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["report"]["outcome"], "usable");
    assert_eq!(json["connection"]["method"], "oauth");
    assert_eq!(json["report"]["git_username"], "x-token-auth");
    assert_eq!(world.fake.code_grants.load(Ordering::SeqCst), 1);
    assert_no_secret_in(&world, &out);
    // The authorization address carried state and an S256 challenge, and the code came back
    // to our loopback path.
    let authorize = world
        .server
        .requests()
        .into_iter()
        .find(|r| r.path == "/site/oauth2/authorize")
        .expect("the browser opened the authorization address");
    for part in [
        "state=",
        "code_challenge=",
        "code_challenge_method=S256",
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A",
    ] {
        assert!(authorize.query.contains(part), "{part} in {}", authorize.query);
    }
    assert!(
        authorize.query.contains("%2Frepoconn%2Fcallback"),
        "{}",
        authorize.query
    );
    // The git helper answers x-token-auth and the access token, without a refresh, and when it
    // expires (about two hours from now).
    let (password, out) = world.git_password().await;
    assert!(password.unwrap().starts_with("oauth-access-"));
    let expiry: u64 = text(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("password_expiry_utc="))
        .expect("the expiry is given to git")
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now + 7000..=now + 7300).contains(&expiry), "{expiry} vs {now}");
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 0);
    // `remove` leaves no token of it in the keychain.
    assert_eq!(
        world.keychain_accounts().len(),
        1,
        "{:?}",
        world.keychain_accounts()
    );
    let out = world.run(&["remove", "work"], "").await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(world.keychain_accounts(), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_back_accepts_the_final_address_or_the_bare_code() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    let out = world.paste_back("whole", |address| address.to_owned()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = world
        .paste_back("bare", |address| {
            let url = url_query(address);
            url.into_iter().find(|(k, _)| k == "code").unwrap().1
        })
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(world.names().await, ["whole", "bare"]);
    assert_eq!(world.fake.code_grants.load(Ordering::SeqCst), 2);
    assert_no_secret_in(&world, &out);
}

fn url_query(address: &str) -> Vec<(String, String)> {
    let query = address.split_once('?').unwrap().1;
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_state_a_denied_consent_and_a_wrong_consumer_save_nothing() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    world.fake.wrong_state.store(true, Ordering::SeqCst);
    let out = world.sign_in("forged", CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("different or missing state"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        world.fake.code_grants.load(Ordering::SeqCst),
        0,
        "a forged code is never exchanged"
    );
    world.fake.wrong_state.store(false, Ordering::SeqCst);

    world.fake.deny_consent.store(true, Ordering::SeqCst);
    let out = world.sign_in("denied", CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("consent was denied"),
        "{}",
        text(&out.stderr)
    );
    world.fake.deny_consent.store(false, Ordering::SeqCst);

    let out = world.sign_in("wrong", "not-the-consumer-secret").await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("refused the OAuth consumer"),
        "{}",
        text(&out.stderr)
    );

    // A forged state pasted back is refused the same way.
    let out = world
        .paste_back("pasted", |address| address.replace("state=", "state=x"))
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));

    assert_eq!(world.names().await, Vec::<String>::new());
    assert_eq!(world.keychain_accounts(), Vec::<String>::new());
    assert_no_secret_in(&world, &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_git_helper_refreshes_an_expiring_token_and_saves_the_rotated_refresh_token() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    // A minute-long access token is due at once (five minutes of margin).
    world.fake.access_lifetime.store(60, Ordering::SeqCst);
    let out = world.sign_in("work", CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let first_key = world.connection("work").await["secret_key"].clone();

    let (first, out) = world.git_password().await;
    // Only the answer to git holds the token: not standard error, not the connections file.
    assert_no_secret_in_text(&(text(&out.stderr) + &world.metadata_text()));
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 1);
    // The fake refuses a refresh token once used: a second refresh works only if the rotated
    // one was saved.
    let (second, _) = world.git_password().await;
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 2);
    assert_ne!(first, second);
    assert_ne!(world.connection("work").await["secret_key"], first_key);
    // The answered token works against the API: `repoconn test` refreshes and checks it.
    let out = world.run(&["test", "work", "--json"], "").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 3);
    // `repoconn repos` too.
    let out = world.run(&["repos", "work", "--json"], "").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 4);
    assert_eq!(world.keychain_accounts().len(), 1, "old items removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_git_processes_at_once_share_one_refresh() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    world.fake.access_lifetime.store(60, Ordering::SeqCst);
    let out = world.sign_in("work", CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // The renewed token lasts two hours: the first refresh is the only one due.
    world.fake.access_lifetime.store(7200, Ordering::SeqCst);
    let answers = futures_util::future::join_all((0..4).map(|_| world.git_password())).await;
    let passwords: Vec<String> = answers
        .into_iter()
        .map(|(p, out)| p.unwrap_or_else(|| panic!("{}", text(&out.stderr))))
        .collect();
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 1);
    assert!(passwords.iter().all(|p| p == &passwords[0]), "one token for all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_asks_to_sign_in_again_and_keeps_the_connection() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    world.fake.access_lifetime.store(60, Ordering::SeqCst);
    let out = world.sign_in("work", CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Another client used the refresh token (it rotated away): Bitbucket refuses ours.
    world.fake.revoke_refresh_tokens();
    let (password, out) = world.git_password().await;
    assert_eq!(password, None, "git gets no dead token");
    assert!(
        text(&out.stderr).contains("repoconn rotate work"),
        "{}",
        text(&out.stderr)
    );
    let out = world.run(&["test", "work"], "").await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(world.connection("work").await["status"], "sign_in_again");
    assert_eq!(
        world.keychain_accounts().len(),
        1,
        "the connection and its item are kept"
    );
    // `repoconn rotate` signs in again with the consumer the connection used (its secret from
    // the keychain): the connection works again, with one keychain item.
    world.fake.access_lifetime.store(7200, Ordering::SeqCst);
    let out = world.run(&["rotate", "work", "--json"], "").await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_no_secret_in(&world, &out);
    assert_eq!(world.connection("work").await["status"], "valid");
    assert_eq!(world.keychain_accounts().len(), 1);
    let (password, out) = world.git_password().await;
    assert!(password.is_some(), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_consumer_can_come_from_the_policy_and_its_secret_stays_there() {
    let mut world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    world.with_policy(&format!(
        r#"{{"oauth_clients": [{{"provider": "cloud", "client_id": "{CLIENT_ID}", "client_secret": "{CLIENT_SECRET}"}}]}}"#
    ));
    world.fake.access_lifetime.store(60, Ordering::SeqCst);
    let out = world
        .run(&["add", "work", "--cloud", "--method", "oauth"], "")
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let key = world.connection("work").await["secret_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let stored = world.keychain_item(&key);
    assert!(
        stored.contains("oauth-refresh-"),
        "the tokens are in the keychain"
    );
    assert!(
        !stored.contains(CLIENT_SECRET),
        "the policy's consumer secret is not copied"
    );
    // Refreshing takes the consumer's secret from the policy.
    let (password, out) = world.git_password().await;
    assert!(password.is_some(), "{}", text(&out.stderr));
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_git_receives_a_renewed_token_through_the_helper() {
    let world = World::new().await;
    if !keychain_ready(&world).await {
        return;
    }
    world.fake.access_lifetime.store(60, Ordering::SeqCst);
    let out = world.sign_in("work", CLIENT_SECRET).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    world.fake.access_lifetime.store(7200, Ordering::SeqCst);
    let helper = format!(
        "credential.helper=!{} git-credential",
        env!("CARGO_BIN_EXE_repoconn")
    );
    let git = Run::program(
        "git",
        ["-c", "credential.helper=", "-c", &helper, "credential", "fill"],
    )
    .env("GIT_CONFIG_NOSYSTEM", "1")
    .env("GIT_CONFIG_GLOBAL", "/dev/null")
    .env("GIT_TERMINAL_PROMPT", "0")
    .stdin("protocol=https\nhost=bitbucket.org\n\n");
    let out = world.in_world(git).output_async().await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let answer = text(&out.stdout);
    assert!(answer.contains("username=x-token-auth\n"), "{answer}");
    assert!(answer.contains("password=oauth-access-"), "{answer}");
    // Git kept the expiry: it would drop the token once past it.
    assert!(answer.contains("password_expiry_utc="), "{answer}");
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_signs_in_with_pkce_and_the_scopes_the_profile_needs() {
    let world = World::data_center().await;
    if !keychain_ready(&world).await {
        return;
    }
    let redirect = free_redirect();
    let out = world.sign_in_dc("dc", dc::CLIENT_SECRET, &redirect, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["report"]["outcome"], "usable");
    assert_eq!(json["connection"]["method"], "data-center-oauth");
    assert_eq!(json["connection"]["bitbucket_username"], "ada");
    assert_eq!(json["report"]["permission"], "REPO_WRITE");
    assert_no_secret_in(&world, &out);
    let authorize = world
        .server
        .requests()
        .into_iter()
        .find(|r| r.path == "/bitbucket/rest/oauth2/latest/authorize")
        .expect("the browser opened the link's authorization address");
    let query: Vec<(String, String)> = url::form_urlencoded::parse(authorize.query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(
        get("redirect_uri"),
        Some(redirect.as_str()),
        "the registered address, exactly"
    );
    assert_eq!(get("scope"), Some("PUBLIC_REPOS REPO_READ REPO_WRITE"));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    // The tokens and the redirect address to repeat are in the keychain, never in the file.
    let key = json["connection"]["secret_key"].as_str().unwrap().to_owned();
    let stored = world.keychain_item(&key);
    assert!(
        stored.contains("oauth-refresh-") && stored.contains(&redirect),
        "{stored}"
    );
    // Git gets the person's username with the access token (Basic, as for personal tokens).
    let (login, out) = world.git_login().await;
    let (user, password) = login.unwrap_or_else(|| panic!("{}", text(&out.stderr)));
    assert_eq!(user, "ada");
    assert!(password.starts_with("oauth-access-"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_accepts_a_link_without_a_secret_held_to_pkce() {
    let world = World::data_center().await;
    if !keychain_ready(&world).await {
        return;
    }
    let redirect = free_redirect();
    let extra = ["--profile", "read-only"];
    let out = world.sign_in_dc("public", "", &redirect, &extra).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["report"]["permission"], "REPO_READ",
        "only what was asked for"
    );
    let forms = world.fake.token_forms();
    assert_eq!(forms.len(), 1, "the code was exchanged once");
    assert!(forms[0].contains_key("code_verifier"), "{:?}", forms[0].keys());
    assert!(!forms[0].contains_key("client_secret"), "no secret sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_refresh_repeats_the_redirect_address_and_rotates() {
    let world = World::data_center().await;
    if !keychain_ready(&world).await {
        return;
    }
    world.fake.access_lifetime.store(60, Ordering::SeqCst);
    let redirect = free_redirect();
    let out = world.sign_in_dc("dc", dc::CLIENT_SECRET, &redirect, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    world.fake.access_lifetime.store(3600, Ordering::SeqCst);
    let (first, out) = world.git_login().await;
    let first = first.unwrap_or_else(|| panic!("{}", text(&out.stderr)));
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 1);
    // The fake refuses a refresh without the same redirect_uri: the one that passed sent it.
    let forms = world.fake.token_forms();
    let refresh = forms
        .iter()
        .find(|f| f.get("grant_type").map(String::as_str) == Some("refresh_token"))
        .expect("a refresh was asked for");
    assert_eq!(refresh.get("redirect_uri"), Some(&redirect));
    // Valid for an hour now: the next use needs no refresh and gets the same token.
    let (second, _) = world.git_login().await;
    assert_eq!(second.unwrap().1, first.1);
    assert_eq!(world.fake.refresh_grants.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_refusing_http_redirects_is_explained_before_the_browser_opens() {
    let world = World::data_center().await;
    if !keychain_ready(&world).await {
        return;
    }
    world.fake.https_redirects_only.store(true, Ordering::SeqCst);
    let out = world
        .sign_in_dc("dc", dc::CLIENT_SECRET, &free_redirect(), &[])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    for part in [
        "atlassian.oauth2.provider.skip.redirect.url.https.requirement=true",
        "--method personal-token",
        "Nothing was saved",
    ] {
        assert!(said.contains(part), "{part} in {said}");
    }
    assert_eq!(world.fake.code_grants.load(Ordering::SeqCst), 0);
    assert!(world.names().await.is_empty());
    let asked = world
        .server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/oauth2/latest/authorize"))
        .count();
    assert_eq!(asked, 1, "asked once, by repoconn itself: no browser was opened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_link_from_the_policy_with_its_redirect_address() {
    let mut world = World::data_center().await;
    if !keychain_ready(&world).await {
        return;
    }
    let redirect = free_redirect();
    world.with_policy(&format!(
        r#"{{"oauth_clients": [{{"provider": "data-center", "base_url": "{}", "client_id": "{}", "client_secret": "{}", "redirect_uri": "{redirect}"}}]}}"#,
        world.base(),
        dc::CLIENT_ID,
        dc::CLIENT_SECRET
    ));
    let base = world.base();
    let out = world
        .run(&["add", "dc", "--server", &base, "--method", "oauth"], "")
        .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let key = world.connection("dc").await["secret_key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !world.keychain_item(&key).contains(dc::CLIENT_SECRET),
        "the policy's secret stays in the policy"
    );
}
