//! After "Sign in with Bitbucket" in the window, a repository picked in the picker is checked with
//! the sign-in's tokens (`check_signed_in`), which stay in the app: through Tauri's real IPC layer
//! (mock runtime) against the fake Cloud with its OAuth server, the browser played by plain HTTP
//! requests. A pick whose check does not pass keeps the sign-in, so another pick needs no new one.
//! Alone in its process, because it points the app at the fake through environment variables.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fake_bitbucket::cloud::{REPO, WORKSPACE};
use fake_bitbucket::cloud_oauth::{CLIENT_ID, CLIENT_SECRET, FakeCloudOauth};
use fake_bitbucket::{Behaviour, start};
use repoconn_app::{PreferencesFile, with_commands};
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{Url, WebviewWindowBuilder, test::MockRuntime};

fn invoke(window: &tauri::WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|response| response.deserialize::<Value>().unwrap())
    .map_err(|err| err.to_string().into())
}

/// One HTTP GET of `url` (plain http on 127.0.0.1); answers the response's head and body.
fn get(url: &Url) -> String {
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    write!(stream, "GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

/// The browser: opens the authorization page (the fake grants access at once) and follows its
/// redirect back to the app's listener.
fn browse(address: &str) {
    let page = get(&Url::parse(address).unwrap());
    let location = page
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("location")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| panic!("no redirect from the authorization page: {page}"));
    get(&Url::parse(&location).unwrap());
}

fn request(repository: Option<&str>) -> Value {
    json!({
        "method": "oauth", "server": null, "email": null, "username": null,
        "workspace": WORKSPACE, "project": null, "repository": repository,
        "profile": "read-only", "require": [], "ca_file": null, "trust_fingerprint": null,
        "allow_http": false, "secret": ""
    })
}

#[test]
fn a_pick_after_a_sign_in_checks_its_tokens_again_and_one_that_fails_keeps_them() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = Arc::new(FakeCloudOauth::default());
    let server = runtime.block_on(start(fake.clone(), Behaviour::default(), None));
    let data = tempfile::tempdir().unwrap();
    let root = server.url.as_str().trim_end_matches('/').to_owned();
    // Alone in this process: nothing else reads the environment meanwhile.
    unsafe {
        std::env::set_var("REPOCONN_DATA_DIR", data.path());
        std::env::set_var("REPOCONN_CLOUD_API_URL", &root);
        std::env::set_var("REPOCONN_CLOUD_WEB_URL", &root);
        // The browser is played below: the app's own attempt to open one does nothing.
        std::env::set_var("BROWSER", "true");
    }
    let app = with_commands(mock_builder(), PreferencesFile(data.path().join("prefs.json")))
        .build(mock_context(noop_assets()))
        .expect("app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");

    let begun = json!({
        "checkId": 1, "request": request(None), "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET, "again": null
    });
    let address = invoke(&window, "oauth_begin", begun).expect("sign-in begun");
    let address = address.as_str().unwrap().to_owned();
    let browser = std::thread::spawn(move || browse(&address));
    let signed_in = invoke(
        &window,
        "oauth_finish",
        json!({ "checkId": 1, "request": request(None) }),
    )
    .expect("signed in");
    browser.join().unwrap();
    assert_eq!(signed_in["report"]["ok"], true, "{signed_in}");

    // A repository the sign-in does not reach: that check fails, and the sign-in stays kept.
    let missing = json!({ "checkId": 2, "signedIn": 1, "request": request(Some("no-such-repo")) });
    let missing = invoke(&window, "check_signed_in", missing).expect("checked");
    assert_eq!(missing["report"]["ok"], false, "{missing}");
    let picked = json!({ "checkId": 3, "signedIn": 1, "request": request(Some(REPO)) });
    let picked = invoke(&window, "check_signed_in", picked).expect("checked");
    assert_eq!(picked["report"]["ok"], true, "{picked}");
    assert_eq!(
        fake.code_grants.load(Ordering::SeqCst),
        1,
        "one sign-in for every pick"
    );

    // The check that passed holds the tokens now: the picker lists with it.
    let reach = invoke(
        &window,
        "reach_repositories",
        json!({ "checkId": 3, "filter": null }),
    )
    .expect("listed");
    assert!(reach.to_string().contains(REPO), "{reach}");
    // A check that did not pass holds nothing to check again.
    let stale = json!({ "checkId": 4, "signedIn": 2, "request": request(Some(REPO)) });
    assert!(invoke(&window, "check_signed_in", stale).is_err());
    // No token crosses to the page.
    for answer in [&signed_in, &missing, &picked, &reach] {
        assert!(!answer.to_string().contains("oauth-"), "{answer}");
    }
}
