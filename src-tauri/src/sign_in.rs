//! "Sign in with Bitbucket" (OAuth 2.0, Cloud or a Data Center's application link) in the window:
//! `oauth_begin` listens on 127.0.0.1 and opens the authorization page in the browser (the page
//! shows its address too, to copy); `oauth_finish` waits for the browser to come back, exchanges
//! the code and checks the access token like any other. Signing in again for a saved connection
//! reuses its consumer, read here from the keychain. The tokens stay in this process, then in the
//! keychain once saved; the page never receives them. The protocol is the core's
//! (`repoconn_core::oauth`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use repoconn_core::check::{self, CheckRequest};
use repoconn_core::domain::secret::Secret;
use repoconn_core::domain::tokens::OauthTokens;
use repoconn_core::guide::form::CheckView;
use repoconn_core::oauth::authorize::Authorization;
use repoconn_core::oauth::loopback::Loopback;
use repoconn_core::oauth::server::{AuthServer, HTTP_REDIRECT_PROPERTY};
use repoconn_core::oauth::{self, Consumer, OauthError, token};
use tauri::State;

use crate::dialog::{AppState, blocking, run_job};
use crate::error::{AppError, ShellCode};

/// How long the browser may take to come back (the person reads the page and decides).
const BROWSER_WAIT: Duration = Duration::from_secs(10 * 60);

/// A sign-in whose browser has not come back yet, by the page's check id.
pub struct PendingSignIn {
    server: AuthServer,
    loopback: Loopback,
    authorization: Authorization,
    consumer: Consumer,
    /// The person typed the consumer's secret (kept with the tokens); else it is the policy's.
    given: bool,
}

#[derive(Default)]
pub struct SignIns(Mutex<HashMap<u32, PendingSignIn>>);

fn refused(err: OauthError) -> AppError {
    let fix_owned;
    let code = if err.is_unverified() {
        ShellCode::RenewFailed
    } else {
        ShellCode::SignInRefused
    };
    let fix = match &err {
        OauthError::ConsentDenied => {
            "Press Sign in with Bitbucket again and choose Grant access on Bitbucket's page."
        }
        OauthError::InvalidConsumer { .. } => {
            "Check the consumer's key and secret (Workspace settings, OAuth consumers), then sign in again."
        }
        OauthError::RedirectRefused { redirect_uri, .. } => {
            fix_owned = format!(
                "Ask your Bitbucket administrators to start the server with -D{HTTP_REDIRECT_PROPERTY}=true and to register {redirect_uri} as the application link's redirect URL. Until then, choose Personal HTTP access token above."
            );
            &fix_owned
        }
        OauthError::NotOffered => "Choose Personal HTTP access token above.",
        OauthError::Unreachable { .. } => "Check the network, then sign in again.",
        _ => "Press Sign in with Bitbucket again and finish in the browser it opens.",
    };
    AppError::new(
        code,
        format!("The sign-in did not finish: {err}. Nothing was saved."),
    )
    .with_fix(fix)
}

/// Starts signing in as `check_id` for the form's `request` (Cloud, or the Data Center it names,
/// asked for the scopes its profile needs): the consumer typed in the form (key, and secret
/// unless the administrator's policy has it or the link has none), else the saved connection
/// `again`'s own, else the policy's; a listener on 127.0.0.1; the authorization page opened in the
/// browser. Answers the page's address, for "Copy the address".
#[tauri::command]
#[specta::specta]
pub async fn oauth_begin(
    state: State<'_, AppState>,
    sign_ins: State<'_, SignIns>,
    check_id: u32,
    request: CheckRequest,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    again: Option<String>,
) -> Result<String, AppError> {
    let env = state.env()?.clone();
    let server = AuthServer::for_request(&request).map_err(refused)?;
    let typed = client_id.as_deref().is_some_and(|id| !id.trim().is_empty());
    let (client_id, client_secret) = match again {
        Some(name) if !typed => saved_consumer(&state, name).await?,
        _ => (client_id, client_secret),
    };
    let (consumer, given) =
        oauth::choose_consumer(&server, client_id, client_secret, &env.policy).map_err(|err| {
            AppError::new(ShellCode::SignInRefused, err.to_string()).with_fix(if server.is_data_center() {
                "Fill in the application link's client ID (and its secret, if it has one): your Bitbucket administrators have them."
            } else {
                "Fill in the consumer's key and secret (Workspace settings, OAuth consumers)."
            })
        })?;
    let redirect = oauth::registered_redirect(&server, None, &env.policy).map_err(refused)?;
    let loopback = match &redirect {
        Some(url) => Loopback::bind_to(url).await,
        None => Loopback::bind().await,
    }
    .map_err(refused)?;
    let scopes = server.scopes_for(&request);
    let authorization = Authorization::new(&server, &consumer.client_id, &loopback.redirect_uri, &scopes);
    server
        .preflight(&env, &authorization.url, &loopback.redirect_uri)
        .await
        .map_err(refused)?;
    let address = authorization.url.to_string();
    // When no browser opens, the page shows the address to open by hand.
    if let Err(err) = oauth::open_in_browser(&authorization.url) {
        tracing::warn!("the browser could not be opened: {err}");
    }
    sign_ins.0.lock().unwrap().insert(
        check_id,
        PendingSignIn {
            server,
            loopback,
            authorization,
            consumer,
            given,
        },
    );
    Ok(address)
}

/// The consumer a saved connection signed in with: its key, and its secret when the person gave
/// it (else the policy's is used). Read here; the page never sees them.
async fn saved_consumer(
    state: &AppState,
    name: String,
) -> Result<(Option<String>, Option<Secret>), AppError> {
    let registry = state.registry()?;
    blocking(move || {
        let connection = registry.get(&name)?;
        let tokens = registry
            .stored_secret(&connection)
            .ok()
            .and_then(|s| OauthTokens::read(&s));
        Ok(match tokens {
            Some(t) => (Some(t.client_id), t.client_secret.map(Secret::new)),
            None => (None, None),
        })
    })
    .await
}

/// Waits for the browser of sign-in `check_id` to come back, exchanges the code, and checks the
/// access token with the form's `request` (its secret is ignored). Cancellable with
/// `cancel_check`; a usable result is kept for `save_connection` with its tokens.
#[tauri::command]
#[specta::specta]
pub async fn oauth_finish(
    state: State<'_, AppState>,
    sign_ins: State<'_, SignIns>,
    check_id: u32,
    request: CheckRequest,
) -> Result<CheckView, AppError> {
    let pending = sign_ins.0.lock().unwrap().remove(&check_id).ok_or_else(|| {
        AppError::new(ShellCode::SignInRefused, "No sign-in was started for this form.")
            .with_fix("Press Sign in with Bitbucket.")
    })?;
    let env = state.env()?.clone();
    run_job(&state, check_id, None, async move {
        let PendingSignIn {
            server,
            loopback,
            authorization,
            consumer,
            given,
        } = pending;
        let code = tokio::time::timeout(BROWSER_WAIT, loopback.wait(&authorization))
            .await
            .map_err(|_| {
                refused(OauthError::Unreachable {
                    detail: "the browser did not come back within 10 minutes".into(),
                })
            })?
            .map_err(refused)?;
        let mut tokens = token::exchange_code(
            &env,
            &server,
            &consumer,
            &code,
            &authorization.redirect_uri,
            &authorization.verifier,
        )
        .await
        .map_err(refused)?;
        tokens.client_secret = given
            .then(|| consumer.client_secret.as_ref().map(|s| s.expose().to_owned()))
            .flatten();
        let mut checked = check::check_and_keep(
            CheckRequest {
                secret: tokens.access(),
                ..request
            },
            &env,
        )
        .await;
        // Saved as the connection's secret: the tokens, which requests turn into the access token.
        checked.request.secret = tokens.to_secret();
        Ok(checked)
    })
    .await
}

/// Checks the tokens of sign-in `signed_in` again, as `check_id`, with the form's `request`: a
/// repository picked after signing in. Its secret is ignored, and the way to connect and the
/// server stay the sign-in's (the tokens belong to them). The tokens stay in this process. A
/// check that does not pass leaves the sign-in kept, so that picking another repository needs no
/// new sign-in.
#[tauri::command]
#[specta::specta]
pub async fn check_signed_in(
    state: State<'_, AppState>,
    check_id: u32,
    signed_in: u32,
    request: CheckRequest,
) -> Result<CheckView, AppError> {
    let kept = state.kept_sign_in(signed_in)?;
    let env = state.env()?.clone();
    let signed = &kept.checked.request;
    let tokens = OauthTokens::read(&signed.secret).expect("kept_sign_in keeps only tokens");
    let request = CheckRequest {
        method: signed.method,
        server: signed.server.clone(),
        secret: tokens.access(),
        ..request
    };
    let result = run_job(&state, check_id, None, async move {
        let mut checked = check::check_and_keep(request, &env).await;
        checked.request.secret = tokens.to_secret();
        Ok(checked)
    })
    .await;
    if !result.as_ref().is_ok_and(|view| view.report.ok) {
        state.keep_again(kept);
    }
    result
}
