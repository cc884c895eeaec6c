//! Re-test in the window renews a signed-in (OAuth) connection's access token first, as the CLI
//! and git's helper do: through Tauri's real IPC layer (mock runtime), a real keychain (the
//! Secret Service of the test session) and the fake Cloud with its OAuth server. Alone in its
//! process, because it points the app at the fake through environment variables.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use fake_bitbucket::cloud_oauth::{CLIENT_ID, CLIENT_SECRET, FakeCloudOauth};
use fake_bitbucket::{Behaviour, start};
use repoconn_app::{PreferencesFile, with_commands};
use repoconn_core::domain::tokens::OauthTokens;
use repoconn_core::oauth::unix_now;
use repoconn_core::store::connection::Connection;
use repoconn_core::store::registry::Registry;
use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;
use tauri::{WebviewWindowBuilder, test::MockRuntime};

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

#[test]
fn re_test_renews_an_expiring_access_token_before_checking_it() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let fake = Arc::new(FakeCloudOauth::default());
    let server = runtime.block_on(start(fake.clone(), Behaviour::default(), None));
    let data = tempfile::tempdir().unwrap();
    let service = format!(
        "repoconn-app-oauth-{}",
        data.path().file_name().unwrap().to_string_lossy()
    );
    let root = server.url.as_str().trim_end_matches('/').to_owned();
    // Alone in this process: nothing else reads the environment meanwhile.
    unsafe {
        std::env::set_var("REPOCONN_DATA_DIR", data.path());
        std::env::set_var("REPOCONN_KEYCHAIN_SERVICE", &service);
        std::env::set_var("REPOCONN_CLOUD_API_URL", &root);
        std::env::set_var("REPOCONN_CLOUD_WEB_URL", &root);
    }

    // Signed in earlier; the access token now expires within a minute.
    let (access, refresh) = fake.issue_tokens();
    let tokens = OauthTokens {
        access_token: access.clone(),
        refresh_token: refresh,
        expires_at: unix_now() + 60,
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(CLIENT_SECRET.to_owned()),
        redirect_uri: None,
    };
    let connection: Connection = serde_json::from_value(json!({
        "id": "1", "name": "signed-in", "provider": "cloud", "base_url": format!("{root}/"),
        "method": "oauth", "profile": "read-only", "created_at": "2026-11-26T10:00:00Z",
        "status": "valid", "secret_key": "conn-oauth-1"
    }))
    .unwrap();
    let registry = Registry::open_default().unwrap();
    if let Err(err) = registry.add(connection, &tokens.to_secret()) {
        assert!(
            std::env::var_os("REPOCONN_REQUIRE_KEYCHAIN").is_none(),
            "no keychain: {}",
            err.message
        );
        eprintln!("SKIPPED: no Secret Service here ({})", err.message);
        return;
    }

    let app = with_commands(mock_builder(), PreferencesFile(data.path().join("prefs.json")))
        .build(mock_context(noop_assets()))
        .expect("app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("window");
    let retest = invoke(&window, "test_connection", json!({ "name": "signed-in" })).expect("re-tested");
    assert_eq!(retest["report"]["ok"], true, "{retest}");
    assert_eq!(
        fake.refresh_grants.load(Ordering::SeqCst),
        1,
        "one refresh, before the check"
    );
    // The renewed tokens are what the keychain holds now; the old access token is gone.
    let stored = registry.secret(&registry.get("signed-in").unwrap()).unwrap();
    assert_ne!(
        stored.expose(),
        access,
        "the connection uses the renewed access token"
    );
    assert!(
        !retest.to_string().contains("oauth-access-"),
        "no token crosses to the page"
    );

    // A second Re-test finds the token fresh: no other refresh.
    invoke(&window, "test_connection", json!({ "name": "signed-in" })).expect("re-tested");
    assert_eq!(fake.refresh_grants.load(Ordering::SeqCst), 1);
    let _ = registry.remove("signed-in");
}
