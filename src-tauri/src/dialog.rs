//! The Repository Connections dialog's commands: thin wrappers over `repoconn-core`. Rules,
//! texts and links come from the core; the page only renders them.
//!
//! A checked credential stays in this process (keyed by the page's check id) until it is saved
//! or replaced, so the secret does not travel back and forth; once saved it never returns to the
//! page: no command here answers with a secret.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use repoconn_core::form::{self, FormOptions};
use repoconn_core::links::{self, CredentialLink, LinkTarget};
use repoconn_core::manage::{self, Expiry};
use repoconn_core::model::CredentialKind;
use repoconn_core::registry::{Connection, Registry};
use repoconn_core::report::ValidationReport;
use repoconn_core::scopes::Profile;
use repoconn_core::sniff::{self, SecretShape};
use repoconn_core::validate::{CheckEnv, CheckRequest, ServerCheck};
use repoconn_core::{Secret, problems::StorageError};
use serde::{Deserialize, Serialize};
use specta::Type;
use tauri::State;

use crate::commands::AppError;

/// What the form sends to check a credential.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct CredentialInput {
    pub kind: CredentialKind,
    pub server: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub profile: Profile,
    pub ca_file: Option<String>,
    pub allow_http: bool,
    pub secret: String,
}

impl CredentialInput {
    fn into_request(self) -> CheckRequest {
        CheckRequest {
            kind: self.kind,
            server: self.server,
            email: self.email,
            username: self.username,
            workspace: self.workspace,
            project: self.project,
            repository: self.repository,
            profile: self.profile,
            require: Vec::new(),
            ca_file: self.ca_file.filter(|p| !p.is_empty()).map(PathBuf::from),
            allow_http: self.allow_http,
            secret: Secret::new(self.secret),
        }
    }
}

/// What a Generate link is built from.
#[derive(Debug, Clone, Deserialize, Type)]
pub struct LinkInput {
    pub kind: CredentialKind,
    pub profile: Profile,
    pub server: Option<String>,
    pub server_version: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
}

/// Hints about a pasted secret, shown while the user pastes.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SecretHints {
    /// "an Atlassian API token"..., when recognised.
    pub recognised: Option<String>,
    /// The kind it looks like, when that contradicts the chosen kind.
    pub suggested_kind: Option<CredentialKind>,
    pub message: Option<String>,
    /// What will be removed before use ("a \"Bearer \" prefix").
    pub removed: Vec<String>,
}

/// A saved connection as the list shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ConnectionView {
    pub connection: Connection,
    pub expiry: Expiry,
    pub expiry_text: String,
    /// The status in words ("Valid, expires in 5 days", "Rejected by git"...).
    pub status_text: String,
    /// "Bitbucket Cloud" or the server's host.
    pub server_label: String,
}

/// A check's result after a re-test of a saved connection.
#[derive(Debug, Clone, Serialize, Type)]
pub struct Retest {
    pub report: ValidationReport,
    pub connection: Option<ConnectionView>,
}

/// Checks in flight (to cancel them) and the latest usable check, waiting to be saved.
#[derive(Default)]
pub struct Checks {
    running: Mutex<HashMap<u32, tokio::task::AbortHandle>>,
    usable: Mutex<HashMap<u32, (CheckRequest, ValidationReport)>>,
}

fn storage(err: StorageError) -> AppError {
    let code = serde_json::to_value(err.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    AppError {
        code,
        message: err.message,
        fix: err.fix,
    }
}

fn env() -> Result<CheckEnv, AppError> {
    CheckEnv::from_env().map_err(|message| AppError::new("configuration", message))
}

/// Runs blocking keychain and file work off the async runtime's threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|err| AppError::new("internal", format!("the operation stopped: {err}")))?
}

fn view(connection: Connection) -> ConnectionView {
    let today = manage::today();
    let expiry = Expiry::of(&connection, today);
    let status_text = manage::status_text(&connection, today);
    let server_label = match connection.provider {
        repoconn_core::ProviderKind::Cloud => "Bitbucket Cloud".to_owned(),
        repoconn_core::ProviderKind::DataCenter => connection.git_host(),
    };
    ConnectionView {
        expiry_text: expiry.describe(),
        expiry,
        status_text,
        server_label,
        connection,
    }
}

/// Providers, ways to connect, fields and profiles.
#[tauri::command]
#[specta::specta]
pub fn form_options() -> FormOptions {
    form::options(&repoconn_core::policy::PolicyState::load())
}

/// The page where the chosen credential is created, the steps and the checklist.
#[tauri::command]
#[specta::specta]
pub fn credential_link(input: LinkInput) -> CredentialLink {
    let base = input
        .server
        .as_deref()
        .and_then(|s| sniff::server_address(s).ok())
        .map(|a| a.base);
    let target = LinkTarget {
        server: base.as_ref(),
        server_version: input.server_version.as_deref(),
        username: input.username.as_deref(),
        workspace: input.workspace.as_deref(),
        project: input.project.as_deref(),
        repository: input.repository.as_deref(),
    };
    links::link(input.kind, input.profile, &target)
}

/// Opens that page in the browser. The address is built here, never taken from the page, and
/// only Atlassian's hosts and the connection's own server are opened.
#[tauri::command]
#[specta::specta]
pub fn open_credential_link(input: LinkInput) -> Result<String, AppError> {
    let base = input
        .server
        .as_deref()
        .and_then(|s| sniff::server_address(s).ok())
        .map(|a| a.base);
    let link = credential_link(input);
    let url = link
        .url
        .ok_or_else(|| AppError::new("no_link", "No page creates this kind of credential."))?;
    links::open(&url, base.as_ref()).map_err(|message| AppError::new("link_not_opened", message))?;
    Ok(url)
}

/// What the pasted secret looks like, before anything goes over the network.
#[tauri::command]
#[specta::specta]
pub fn inspect_secret(kind: CredentialKind, secret: String) -> SecretHints {
    let pasted = sniff::paste_secret(&secret, kind);
    let suggested = pasted.shape.contradicts(kind);
    SecretHints {
        recognised: (pasted.shape != SecretShape::Unknown).then(|| pasted.shape.label().to_owned()),
        suggested_kind: suggested,
        message: suggested.map(|s| {
            format!(
                "This looks like {}, not a {}: choose \"{}\".",
                pasted.shape.label(),
                kind.label().to_lowercase(),
                s.label()
            )
        }),
        removed: pasted.removed.iter().map(|r| r.to_string()).collect(),
    }
}

/// The normalised base URL and version of a typed Data Center address.
#[tauri::command]
#[specta::specta]
pub async fn inspect_server(
    server: String,
    ca_file: Option<String>,
    allow_http: bool,
) -> Result<ServerCheck, AppError> {
    let env = env()?;
    let ca = ca_file.filter(|p| !p.is_empty()).map(PathBuf::from);
    Ok(repoconn_core::validate::check_server(&server, ca.as_deref(), allow_http, &env).await)
}

/// Checks a credential. Cancellable with `cancel_check(check_id)`; a usable result is kept here
/// for `save_connection`.
#[tauri::command]
#[specta::specta]
pub async fn check_credential(
    checks: State<'_, Checks>,
    check_id: u32,
    input: CredentialInput,
) -> Result<ValidationReport, AppError> {
    let env = env()?;
    let request = input.into_request();
    let task_request = request.clone();
    let handle =
        tauri::async_runtime::spawn(async move { repoconn_core::validate::check(task_request, &env).await });
    checks
        .running
        .lock()
        .unwrap()
        .insert(check_id, handle.inner().abort_handle());
    let result = handle.await;
    checks.running.lock().unwrap().remove(&check_id);
    let report = result.map_err(|_| AppError::new("cancelled", "The check was cancelled."))?;
    if report.ok {
        // Only the latest working check is kept: earlier secrets do not linger in memory.
        let mut usable = checks.usable.lock().unwrap();
        usable.clear();
        usable.insert(check_id, (request, report.clone()));
    }
    Ok(report)
}

/// Stops a running check.
#[tauri::command]
#[specta::specta]
pub fn cancel_check(checks: State<'_, Checks>, check_id: u32) {
    if let Some(handle) = checks.running.lock().unwrap().remove(&check_id) {
        handle.abort();
    }
}

/// Saves the credential of a usable check: as a new connection named `name`, or, with
/// `replacing`, in place of that connection's credential (rotation or a change of kind).
#[tauri::command]
#[specta::specta]
pub async fn save_connection(
    checks: State<'_, Checks>,
    check_id: u32,
    name: String,
    expires_on: Option<String>,
    replacing: Option<String>,
) -> Result<ConnectionView, AppError> {
    let expires = expires_on
        .filter(|d| !d.trim().is_empty())
        .map(|d| manage::parse_date(&d))
        .transpose()
        .map_err(storage)?;
    let managed = repoconn_core::policy::PolicyState::load();
    // Kept until saved: a refused save (a name taken, an expiry the policy forbids) can be retried.
    let Some((request, report)) = checks.usable.lock().unwrap().get(&check_id).cloned() else {
        return Err(AppError::new(
            "not_checked",
            "Test the credential first: only a working credential is saved.",
        ));
    };
    let saved = blocking(move || {
        let registry = Registry::open_default().map_err(storage)?;
        let saved = match &replacing {
            Some(existing) => {
                manage::replace_checked(&registry, existing, &request, &report, expires, &managed)
            }
            None => manage::save_checked(&registry, &name, &request, &report, expires, &managed),
        };
        saved
            .map_err(storage)?
            .map(view)
            .ok_or_else(|| AppError::new("not_usable", "Only a working credential is saved."))
    })
    .await?;
    // Saved: the secret is in the keychain now, and leaves this process's memory too.
    checks.usable.lock().unwrap().remove(&check_id);
    Ok(saved)
}

/// The saved connections.
#[tauri::command]
#[specta::specta]
pub async fn list_connections() -> Result<Vec<ConnectionView>, AppError> {
    blocking(|| {
        let registry = Registry::open_default().map_err(storage)?;
        Ok(registry.list().map_err(storage)?.into_iter().map(view).collect())
    })
    .await
}

/// Checks a saved connection again with its stored secret.
#[tauri::command]
#[specta::specta]
pub async fn test_connection(name: String) -> Result<Retest, AppError> {
    let env = env()?;
    let registry = blocking(|| Registry::open_default().map_err(storage)).await?;
    let saved = manage::test(&registry, &name, &env).await.map_err(storage)?;
    Ok(Retest {
        report: saved.report,
        connection: saved.connection.map(view),
    })
}

/// Deletes a saved connection and its secret.
#[tauri::command]
#[specta::specta]
pub async fn delete_connection(name: String) -> Result<(), AppError> {
    blocking(move || {
        let registry = Registry::open_default().map_err(storage)?;
        registry.remove(&name).map_err(storage)?;
        Ok(())
    })
    .await
}
