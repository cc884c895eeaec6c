//! The Repository Connections dialog's commands: thin wrappers over `repoconn-core`. Rules,
//! texts and links come from the core; the page only renders them.
//!
//! A checked credential stays in this process (keyed by the page's check id) until it is saved
//! or replaced, so the secret does not travel back and forth; once saved it never returns to the
//! page: no command here answers with a secret. File and keychain work runs on a worker thread,
//! never on the async runtime's threads.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use repoconn_core::check::report::ValidationReport;
use repoconn_core::check::{self, CheckEnv, CheckRequest, Checked, ServerCheck};
use repoconn_core::domain::dates::today;
use repoconn_core::domain::method::Method;
use repoconn_core::domain::secret::Secret;
use repoconn_core::domain::tokens::{OauthTokens, access_secret};
use repoconn_core::flows::{self, Edit, EditSecret, SavedEdits};
use repoconn_core::guide::form::{self, CheckView, FormOptions, SecretHints};
use repoconn_core::guide::links::{CredentialLink, LinkInput, OpenError};
use repoconn_core::guide::listing::ConnectionView;
use repoconn_core::guide::naming::{self, NameCheck};
use repoconn_core::oauth::{self, OauthError};
use repoconn_core::reach::{self, Reach, ReachOptions, Reviewer};
use repoconn_core::store::registry::{Health, Registry};
use serde::Serialize;
use specta::Type;
use tauri::State;

use crate::error::{AppError, ShellCode};

/// What the app opens once and every command shares: the saved connections and where checks go.
pub struct AppState {
    registry: Result<Arc<Registry>, AppError>,
    env: Result<CheckEnv, AppError>,
    checks: Checks,
}

impl AppState {
    /// The user's data folder and keychain (connected on first use), and the check environment
    /// with the administrator's policy.
    pub fn open() -> Self {
        Self {
            registry: Registry::open_default().map(Arc::new).map_err(AppError::from),
            env: CheckEnv::from_env().map_err(|err| AppError::new(ShellCode::Configuration, err.to_string())),
            checks: Checks::default(),
        }
    }

    pub(crate) fn registry(&self) -> Result<Arc<Registry>, AppError> {
        self.registry.clone()
    }

    /// The request of the latest working check, which must be `check_id`.
    fn checked_request(&self, check_id: u32) -> Result<CheckRequest, AppError> {
        match &*self.checks.usable.lock().unwrap() {
            Some(kept) if kept.id == check_id => {
                // A signed-in check keeps its tokens as the secret: requests send the access token.
                let mut request = kept.checked.request.clone();
                request.secret = access_secret(request.secret);
                Ok(request)
            }
            _ => Err(AppError::new(
                ShellCode::NotChecked,
                "This needs a credential that passed a check, and this one has not.",
            )
            .with_fix("Press Test, and try again once the check says it works.")),
        }
    }

    pub(crate) fn env(&self) -> Result<&CheckEnv, AppError> {
        self.env.as_ref().map_err(Clone::clone)
    }

    /// The latest working check when it is `check_id` and a sign-in (its secret is the tokens it
    /// got, not a saved connection's): what `check_signed_in` checks again with other values.
    pub(crate) fn kept_sign_in(&self, check_id: u32) -> Result<Kept, AppError> {
        match &*self.checks.usable.lock().unwrap() {
            Some(kept)
                if kept.id == check_id
                    && kept.saved.is_none()
                    && OauthTokens::read(&kept.checked.request.secret).is_some() =>
            {
                Ok(kept.clone())
            }
            _ => Err(AppError::new(
                ShellCode::NotChecked,
                "This needs a sign-in that passed its check, and there is none to use.",
            )
            .with_fix("Press Sign in with Bitbucket, and try again once the check says it works.")),
        }
    }

    /// Keeps `kept` again as the latest working check, unless another one is kept by now.
    pub(crate) fn keep_again(&self, kept: Kept) {
        self.checks.usable.lock().unwrap().get_or_insert(kept);
    }
}

/// Checks in flight (to cancel them) and the latest usable check, waiting to be saved.
#[derive(Default)]
struct Checks {
    running: Mutex<HashMap<u32, tokio::task::AbortHandle>>,
    usable: Mutex<Option<Kept>>,
}

/// A usable check, kept in this process until it is saved.
#[derive(Clone)]
pub(crate) struct Kept {
    id: u32,
    pub(crate) checked: Checked,
    /// Set when the secret checked is a saved connection's own (`check_saved`): its name and the
    /// keychain item the secret was read from. Only an edit of that connection saves it.
    saved: Option<(String, String)>,
}

/// A check's result after a re-test of a saved connection.
#[derive(Debug, Clone, Serialize, Type)]
pub struct Retest {
    pub report: ValidationReport,
    pub connection: Option<ConnectionView>,
}

/// Runs blocking keychain and file work on a worker thread.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|err| AppError::new(ShellCode::Internal, format!("the operation stopped: {err}")))?
}

/// Providers, ways to connect, fields and profiles, under the administrator's policy; with the
/// Data Center server's version once it answered, what that version cannot issue is greyed out.
#[tauri::command]
#[specta::specta]
pub fn form_options(
    state: State<'_, AppState>,
    server_version: Option<String>,
) -> Result<FormOptions, AppError> {
    Ok(form::options_for_server(
        &state.env()?.policy,
        server_version.as_deref(),
    ))
}

/// The page where the chosen credential is created, the steps and the checklist.
#[tauri::command]
#[specta::specta]
pub fn credential_link(input: LinkInput) -> CredentialLink {
    input.link()
}

/// Opens that page in the browser. The address is built here, never taken from the page, and
/// only Atlassian's hosts and the connection's own server are opened.
#[tauri::command]
#[specta::specta]
pub fn open_credential_link(input: LinkInput) -> Result<String, AppError> {
    input.open().map_err(|err| match err {
        OpenError::NoPage | OpenError::Blocked(_) => AppError::new(ShellCode::NoLink, err.to_string()),
        _ => AppError::new(ShellCode::LinkNotOpened, err.to_string()),
    })
}

/// What the pasted secret looks like, before anything goes over the network.
#[tauri::command]
#[specta::specta]
pub fn inspect_secret(method: Method, secret: Secret) -> SecretHints {
    SecretHints::of(method, &secret)
}

/// The normalised base URL and version of a typed Data Center address, trusting what the
/// check of the form would trust.
#[tauri::command]
#[specta::specta]
pub async fn inspect_server(
    state: State<'_, AppState>,
    server: String,
    ca_file: Option<String>,
    trust_fingerprint: Option<String>,
    allow_http: bool,
) -> Result<ServerCheck, AppError> {
    let ca = ca_file.filter(|p| !p.is_empty()).map(PathBuf::from);
    let pinned = trust_fingerprint.filter(|f| !f.trim().is_empty());
    let env = state.env()?;
    Ok(check::check_server(&server, ca.as_deref(), pinned.as_deref(), allow_http, env).await)
}

/// Asks for a certificate file (PEM) in the system's file dialog, for a connection's CA file.
/// The page gets the chosen path only: it has no access to files itself. `None` when the person
/// closed the dialog without choosing.
#[tauri::command]
#[specta::specta]
pub async fn choose_certificate_file<R: tauri::Runtime>(app: tauri::AppHandle<R>) -> Option<String> {
    use tauri_plugin_dialog::DialogExt;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Choose the certificate file (PEM)")
        .add_filter("Certificates (PEM)", &["pem", "crt", "cer"])
        .add_filter("All files", &["*"])
        .pick_file(move |chosen| {
            let _ = sender.send(chosen.and_then(|path| path.into_path().ok()));
        });
    let path = receiver.await.ok().flatten()?;
    Some(path.display().to_string())
}

/// Checks a credential. Cancellable with `cancel_check(check_id)`; a usable result is kept here
/// for `save_connection`.
#[tauri::command]
#[specta::specta]
pub async fn check_credential(
    state: State<'_, AppState>,
    check_id: u32,
    request: CheckRequest,
) -> Result<CheckView, AppError> {
    run_check(&state, check_id, request, None).await
}

/// Checks a saved connection's own secret with the values edited in the form (an edit that
/// keeps the secret): the secret is read from the keychain here and never goes to the page.
/// Cancellable and kept for `save_connection` like `check_credential`; nothing is saved yet.
#[tauri::command]
#[specta::specta]
pub async fn check_saved(
    state: State<'_, AppState>,
    check_id: u32,
    name: String,
    edits: SavedEdits,
) -> Result<CheckView, AppError> {
    let registry = state.registry()?;
    renew_if_due(registry.clone(), state.env()?.clone(), name.clone()).await?;
    let the_name = name.clone();
    let saved = blocking(move || Ok(flows::saved_request(&registry, &the_name, edits)?)).await?;
    run_check(&state, check_id, saved.request, Some((name, saved.secret_key))).await
}

/// Runs a check as `check_id` (cancellable) and keeps it when usable; `saved` as in [`Kept`].
async fn run_check(
    state: &AppState,
    check_id: u32,
    request: CheckRequest,
    saved: Option<(String, String)>,
) -> Result<CheckView, AppError> {
    let env = state.env()?.clone();
    run_job(state, check_id, saved, async move {
        Ok(check::check_and_keep(request, &env).await)
    })
    .await
}

/// Runs `job` (a check, or a sign-in then its check) as `check_id`: cancellable with
/// `cancel_check`, and its result kept when usable, for `save_connection`.
pub(crate) async fn run_job(
    state: &AppState,
    check_id: u32,
    saved: Option<(String, String)>,
    job: impl std::future::Future<Output = Result<Checked, AppError>> + Send + 'static,
) -> Result<CheckView, AppError> {
    let handle = tauri::async_runtime::spawn(job);
    let checks = &state.checks;
    checks
        .running
        .lock()
        .unwrap()
        .insert(check_id, handle.inner().abort_handle());
    let result = handle.await;
    checks.running.lock().unwrap().remove(&check_id);
    let checked = result.map_err(|_| AppError::new(ShellCode::Cancelled, "The check was cancelled."))??;
    let view = CheckView::new(checked.report.clone());
    // Only the latest check is kept, and only when it works: earlier secrets do not linger.
    *checks.usable.lock().unwrap() = checked.report.ok.then_some(Kept {
        id: check_id,
        checked,
        saved,
    });
    Ok(view)
}

/// Every repository the latest working check's credential reaches (across every workspace or
/// project unless the credential is tied to one), for the dialog's picker. The secret stays here.
#[tauri::command]
#[specta::specta]
pub async fn reach_repositories(
    state: State<'_, AppState>,
    check_id: u32,
    filter: Option<String>,
) -> Result<Reach, AppError> {
    let env = state.env()?.clone();
    let request = state.checked_request(check_id)?;
    let options = ReachOptions {
        filter,
        ..ReachOptions::default()
    };
    Ok(reach::reach(reach::narrowed(request, None, None), &options, &env).await)
}

/// The effective default reviewers of one repository, with the latest working check's credential.
#[tauri::command]
#[specta::specta]
pub async fn repository_reviewers(
    state: State<'_, AppState>,
    check_id: u32,
    owner: String,
    repository: String,
) -> Result<Vec<Reviewer>, AppError> {
    let env = state.env()?.clone();
    let request = state.checked_request(check_id)?;
    reach::default_reviewers(request, &owner, &repository, &env)
        .await
        .map_err(|problems| {
            let first = problems.into_iter().next();
            AppError::new(
                ShellCode::ReviewersUnavailable,
                first
                    .as_ref()
                    .map(|p| p.message.clone())
                    .unwrap_or_else(|| "The default reviewers could not be read.".to_owned()),
            )
            .with_fix(first.map(|p| p.fix).unwrap_or_default())
        })
}

/// Stops a running check.
#[tauri::command]
#[specta::specta]
pub fn cancel_check(state: State<'_, AppState>, check_id: u32) {
    if let Some(handle) = state.checks.running.lock().unwrap().remove(&check_id) {
        handle.abort();
    }
}

/// Saves the credential of a usable check: as a new connection named `name`, or, with
/// `replacing`, as an edit of that connection, which then takes `name` (a rename when it
/// differs). A check of the connection's saved secret (`check_saved`) keeps that secret; a new
/// one replaces it.
#[tauri::command]
#[specta::specta]
pub async fn save_connection(
    state: State<'_, AppState>,
    check_id: u32,
    name: String,
    expires_on: Option<String>,
    replacing: Option<String>,
) -> Result<ConnectionView, AppError> {
    let expires = expires_on
        .filter(|d| !d.trim().is_empty())
        .map(|d| flows::parse_expiry(&d))
        .transpose()?;
    let policy = state.env()?.policy.clone();
    // Kept until saved: a refused save (a name taken, an expiry the policy forbids) can be retried.
    let kept = match &*state.checks.usable.lock().unwrap() {
        // A saved connection's secret is saved with that connection only, never copied to another.
        Some(kept)
            if kept.id == check_id
                && kept
                    .saved
                    .as_ref()
                    .is_none_or(|(of, _)| Some(of) == replacing.as_ref()) =>
        {
            kept.clone()
        }
        _ => {
            return Err(AppError::new(
                ShellCode::NotChecked,
                "Only a working credential is saved, and this one has not passed a check.",
            )
            .with_fix("Press Test, and save once the check says it works."));
        }
    };
    let registry = state.registry()?;
    let saved = blocking(move || {
        let Kept { checked, saved, .. } = kept;
        let saved = match &replacing {
            Some(existing) => {
                let secret = match &saved {
                    Some((_, secret_key)) => EditSecret::Saved { secret_key },
                    None => EditSecret::New,
                };
                let edit = Edit {
                    name: existing,
                    new_name: &name,
                    secret,
                };
                flows::update_checked(&registry, &edit, &checked, expires, &policy)
            }
            None => flows::save_checked(&registry, &name, &checked, expires, &policy),
        }?;
        Ok(saved.map(|c| ConnectionView::new(c, today())))
    })
    .await?
    .ok_or_else(|| AppError::new(ShellCode::NotChecked, "Only a working credential is saved."))?;
    // Saved: the secret is in the keychain now, and leaves this process's memory too.
    state.checks.usable.lock().unwrap().take();
    Ok(saved)
}

/// What is wrong with a connection name as it is typed (the store's rule, names taken), and a
/// free name like it. `keeping`: the name of the connection being edited.
#[tauri::command]
#[specta::specta]
pub async fn check_connection_name(
    state: State<'_, AppState>,
    name: String,
    keeping: Option<String>,
) -> Result<NameCheck, AppError> {
    let registry = state.registry()?;
    blocking(move || {
        let taken: Vec<String> = registry.list()?.into_iter().map(|c| c.name).collect();
        Ok(naming::name_check(&name, &taken, keeping.as_deref()))
    })
    .await
}

/// The saved connections, as `repoconn list --json` prints them.
#[tauri::command]
#[specta::specta]
pub async fn list_connections(state: State<'_, AppState>) -> Result<Vec<ConnectionView>, AppError> {
    let registry = state.registry()?;
    blocking(move || {
        let today = today();
        Ok(registry
            .list()?
            .into_iter()
            .map(|c| ConnectionView::new(c, today))
            .collect())
    })
    .await
}

/// Checks a saved connection again with its stored secret. A network failure never marks it
/// invalid.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(state: State<'_, AppState>, name: String) -> Result<Retest, AppError> {
    let env = state.env()?.clone();
    let registry = state.registry()?;
    renew_if_due(registry.clone(), env.clone(), name.clone()).await?;
    let (reader, the_name) = (registry.clone(), name.clone());
    let tested = blocking(move || Ok(flows::retest_request(&reader, &the_name)?)).await?;
    let report = check::check(tested.request, &env).await;
    let verdict = report.clone();
    let secret_key = tested.secret_key;
    // `None` when the connection's secret was replaced while the check ran: nothing recorded.
    let updated =
        blocking(move || Ok(flows::record_retest(&registry, &name, &secret_key, &verdict)?)).await?;
    Ok(Retest {
        report,
        connection: updated.map(|c| ConnectionView::new(c, today())),
    })
}

/// Deletes a saved connection and its secret.
#[tauri::command]
#[specta::specta]
pub async fn delete_connection(state: State<'_, AppState>, name: String) -> Result<(), AppError> {
    let registry = state.registry()?;
    blocking(move || {
        registry.remove(&name)?;
        Ok(())
    })
    .await
}

/// Whether the connections file and the keychain agree (what an interrupted change leaves
/// behind). Changes nothing; the page asks after its first paint.
#[tauri::command]
#[specta::specta]
pub async fn saved_health(state: State<'_, AppState>) -> Result<Health, AppError> {
    let registry = state.registry()?;
    blocking(move || Ok(registry.doctor()?)).await
}

/// Deletes the keychain items that belong to no connection. Connections whose secret is missing
/// are kept: the person replaces (Edit) or deletes them.
#[tauri::command]
#[specta::specta]
pub async fn repair_saved(state: State<'_, AppState>) -> Result<Health, AppError> {
    let registry = state.registry()?;
    blocking(move || Ok(registry.repair()?)).await
}

/// A signed-in OAuth connection gets a fresh access token before use, under the lock every
/// process shares (the CLI and git's helper do the same); other connections are left as they are.
/// Runs on a worker thread: it reads and writes the keychain.
async fn renew_if_due(registry: Arc<Registry>, env: CheckEnv, name: String) -> Result<(), AppError> {
    blocking(move || {
        tauri::async_runtime::block_on(oauth::refresh::fresh(&registry, &name, &env)).map_err(renew_failed)
    })
    .await
}

fn renew_failed(err: OauthError) -> AppError {
    match err {
        OauthError::Storage(err) => err.into(),
        OauthError::SignInAgain { name } => AppError::new(
            ShellCode::SignInAgain,
            format!("The sign-in of \"{name}\" has ended: Bitbucket refused to renew it."),
        )
        .with_fix(format!(
            "Sign in again in a terminal (this window cannot sign in yet): repoconn remove \"{name}\", then repoconn add \"{name}\" --cloud --method oauth."
        )),
        other if other.is_unverified() => AppError::new(
            ShellCode::RenewFailed,
            format!("The access token could not be renewed: {other}."),
        )
        .with_fix("Check the network, then press Re-test again."),
        other => AppError::new(
            ShellCode::RenewFailed,
            format!("The access token could not be renewed: {other}."),
        ),
    }
}
