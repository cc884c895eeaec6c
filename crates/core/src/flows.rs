//! The flows that combine a check with the store: add, test, rotate and change. A connection is
//! only saved, or its secret only replaced, after the credential passed a check, and what is saved
//! is exactly what was checked ([`Checked`]).
//!
//! Store calls (file and keychain) block; the async flows here suit the CLI. The app runs the
//! blocking steps (`retest_request`, `saved_request`, `record_retest`, `save_checked`,
//! `update_checked`) on a worker thread and only the check itself on the async runtime.

use std::path::PathBuf;

use serde::Deserialize;
use specta::Type;
use time::Date;

use crate::check::report::{Outcome, ValidationReport};
use crate::check::{CheckEnv, CheckRequest, Checked, check_and_keep};
use crate::domain::catalogue::{StorageError, StorageFault};
use crate::domain::dates::{self, format_date, now, parse_date, today};
use crate::domain::method::{Method, ProviderKind};
use crate::domain::scopes::Profile;
use crate::domain::secret::Secret;
use crate::domain::tokens::OauthTokens;
use crate::expiry::effective_expiry;
use crate::policy::PolicyState;
use crate::store::connection::{Connection, LastCheck, Status};
use crate::store::registry::{Registry, check_name};

/// The result of a flow: the check's report, and the connection when it was saved or updated.
#[derive(Debug)]
pub struct Saved {
    pub report: ValidationReport,
    pub connection: Option<Connection>,
}

/// Checks `request` and, only when usable, saves it as `name`. `expires_on` defaults to a year
/// from today for Cloud API tokens.
pub async fn add(
    registry: &Registry,
    name: &str,
    request: CheckRequest,
    expires_on: Option<Date>,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    if registry.list()?.iter().any(|c| c.name == name) {
        return Err(StorageFault::NameTaken {
            name: name.to_owned(),
        }
        .into());
    }
    let checked = check_and_keep(request, env).await;
    let connection = save_checked(registry, name, &checked, expires_on, &env.policy)?;
    Ok(Saved {
        report: checked.report,
        connection,
    })
}

/// Checks the access token a sign-in with Bitbucket gave and, only when usable, saves the
/// connection with all its tokens (access, refresh, expiry, consumer) as its one keychain item.
/// `request` carries the access token as its secret.
pub async fn add_signed_in(
    registry: &Registry,
    name: &str,
    request: CheckRequest,
    tokens: &OauthTokens,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    if registry.list()?.iter().any(|c| c.name == name) {
        return Err(StorageFault::NameTaken {
            name: name.to_owned(),
        }
        .into());
    }
    let checked = check_and_keep(request, env).await;
    let connection = match describe_usable(name, &checked, None, &env.policy)? {
        Some(connection) => Some(registry.add(connection, &tokens.to_secret())?),
        None => None,
    };
    Ok(Saved {
        report: checked.report,
        connection,
    })
}

/// Saves what a check found usable (the dialog checks first, then the user names it and saves).
/// Nothing is saved unless the report says usable.
pub fn save_checked(
    registry: &Registry,
    name: &str,
    checked: &Checked,
    expires_on: Option<Date>,
    policy: &PolicyState,
) -> Result<Option<Connection>, StorageError> {
    let Some(connection) = describe_usable(name, checked, expires_on, policy)? else {
        return Ok(None);
    };
    registry.add(connection, &checked.request.secret).map(Some)
}

/// What re-testing a saved connection needs: its request with the stored secret, and the
/// keychain item that secret was read from, so that the verdict lands on that secret only.
#[derive(Debug, Clone)]
pub struct RetestRequest {
    pub request: CheckRequest,
    pub secret_key: String,
}

/// Reads what re-testing a saved connection needs.
pub fn retest_request(registry: &Registry, name: &str) -> Result<RetestRequest, StorageError> {
    let connection = registry.get(name)?;
    let secret = registry.secret(&connection)?;
    Ok(RetestRequest {
        request: request_for(&connection, secret),
        secret_key: connection.secret_key,
    })
}

/// Writes a re-test's verdict into the saved connection, if it still uses the secret that was
/// tested (`tested_secret_key`): a rotation or a change of credential while the check ran makes
/// the verdict stale, and then nothing is written and `None` returned. Only a definite answer
/// from Bitbucket itself changes the status (see [`ValidationReport::proves_unusable`]): a
/// network failure, a server error, a proxy's or captive portal's login page or a redirect
/// elsewhere never marks a connection invalid.
pub fn record_retest(
    registry: &Registry,
    name: &str,
    tested_secret_key: &str,
    report: &ValidationReport,
) -> Result<Option<Connection>, StorageError> {
    let mut stale = false;
    let connection = registry.update(name, |c| {
        if c.secret_key == tested_secret_key {
            record(c, report);
        } else {
            stale = true;
        }
    })?;
    Ok((!stale).then_some(connection))
}

/// Checks a saved connection again with its stored secret. `connection` is `None` when the
/// connection's secret was replaced while the check ran (the verdict was about the old one).
pub async fn test(registry: &Registry, name: &str, env: &CheckEnv) -> Result<Saved, StorageError> {
    let RetestRequest { request, secret_key } = retest_request(registry, name)?;
    let report = check_and_keep(request, env).await.report;
    let connection = record_retest(registry, name, &secret_key, &report)?;
    Ok(Saved { report, connection })
}

/// Checks a new secret for a saved connection and, only when usable, stores it in place of the
/// old one (which stays until the new one is saved).
pub async fn rotate(
    registry: &Registry,
    name: &str,
    secret: Secret,
    expires_on: Option<Date>,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    replace_checked(registry, name, secret, None, expires_on, env).await
}

/// A new sign-in for a saved OAuth connection (its refresh was refused, or the person signs in
/// again): the new access token is checked as the connection is, and only when usable do the new
/// tokens replace the old ones. The connection keeps its name, place and history.
pub async fn rotate_signed_in(
    registry: &Registry,
    name: &str,
    tokens: &OauthTokens,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    replace_checked(
        registry,
        name,
        tokens.access(),
        Some(tokens.to_secret()),
        None,
        env,
    )
    .await
}

/// Checks `secret` for the saved connection `name` and, only when usable, stores `stored` (or
/// the secret itself) in place of its old one.
async fn replace_checked(
    registry: &Registry,
    name: &str,
    secret: Secret,
    stored: Option<Secret>,
    expires_on: Option<Date>,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    let connection = registry.get(name)?;
    let checked = check_and_keep(request_for(&connection, secret), env).await;
    if checked.report.outcome != Outcome::Usable {
        return Ok(Saved {
            report: checked.report,
            connection: None,
        });
    }
    let given = expires_on.or_else(|| reported_expiry(&checked.report));
    let expires_on = effective_expiry(connection.method, given, &env.policy, today())?;
    let stored = stored.unwrap_or_else(|| checked.request.secret.clone());
    let updated = registry.replace_secret(name, &stored, |c| {
        record(c, &checked.report);
        c.expires_on = expires_on.map(format_date);
        c.rejected_at = None;
    })?;
    Ok(Saved {
        report: checked.report,
        connection: Some(updated),
    })
}

/// Changes how a saved connection authenticates (another method, another account or server):
/// the new credential is checked first, stored next, and the old secret removed only once the
/// connection refers to the new one.
pub async fn change_credential(
    registry: &Registry,
    name: &str,
    request: CheckRequest,
    expires_on: Option<Date>,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    registry.get(name)?;
    let checked = check_and_keep(request, env).await;
    let edit = Edit {
        name,
        new_name: name,
        secret: EditSecret::New,
    };
    let connection = update_checked(registry, &edit, &checked, expires_on, &env.policy)?;
    Ok(Saved {
        report: checked.report,
        connection,
    })
}

/// What an edit of a saved connection may change while it keeps its secret: everything but the
/// way to connect and the server, which the saved secret belongs to. The dialog sends this to
/// check the saved secret with the values edited; the secret never goes to the page.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Type)]
pub struct SavedEdits {
    pub email: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub profile: Profile,
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub trust_fingerprint: Option<String>,
    pub allow_http: bool,
}

impl SavedEdits {
    /// The values a saved connection is checked with: where an edit starts from.
    pub fn of(connection: &Connection) -> Self {
        let request = request_for(connection, Secret::new(""));
        Self {
            email: request.email,
            username: request.username,
            workspace: request.workspace,
            project: request.project,
            repository: request.repository,
            profile: request.profile,
            ca_file: request.ca_file,
            trust_fingerprint: request.trust_fingerprint,
            allow_http: request.allow_http,
        }
    }

    /// `request` (a saved connection's) with these values instead of its own.
    fn apply(self, request: CheckRequest) -> CheckRequest {
        CheckRequest {
            email: self.email,
            username: self.username,
            workspace: self.workspace,
            project: self.project,
            repository: self.repository,
            profile: self.profile,
            ca_file: self.ca_file,
            trust_fingerprint: self.trust_fingerprint,
            allow_http: self.allow_http,
            ..request
        }
    }
}

/// What checking a saved connection's own secret with edited values needs: the request, and the
/// keychain item the secret was read from (the change it was checked for is saved only while
/// the connection still uses that item).
pub fn saved_request(
    registry: &Registry,
    name: &str,
    edits: SavedEdits,
) -> Result<RetestRequest, StorageError> {
    let RetestRequest { request, secret_key } = retest_request(registry, name)?;
    Ok(RetestRequest {
        request: edits.apply(request),
        secret_key,
    })
}

/// Checks a saved connection's own secret with edited values. Nothing is saved: pass the result
/// to [`update_checked`] with [`EditSecret::Saved`].
pub async fn check_saved_with(
    registry: &Registry,
    name: &str,
    edits: SavedEdits,
    env: &CheckEnv,
) -> Result<(Checked, String), StorageError> {
    let RetestRequest { request, secret_key } = saved_request(registry, name, edits)?;
    Ok((check_and_keep(request, env).await, secret_key))
}

/// Changes a saved connection while it keeps its secret (`repoconn change`): another name, expiry
/// or any of [`SavedEdits`]. A new name that cannot be used is refused before anything is sent;
/// then the saved secret is checked with the new values, and the change saved only if that check
/// passes. `expires_on`: `None` keeps the saved date.
pub async fn change(
    registry: &Registry,
    name: &str,
    new_name: &str,
    edits: SavedEdits,
    expires_on: Option<Date>,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    let saved = registry.get(name)?;
    if new_name != name {
        check_name(new_name)?;
        if registry.list()?.iter().any(|c| c.name == new_name) {
            return Err(StorageFault::NameTaken {
                name: new_name.to_owned(),
            }
            .into());
        }
    }
    let expires_on = match expires_on {
        Some(date) => Some(date),
        None => saved.expires_on.as_deref().map(parse_expiry).transpose()?,
    };
    let (checked, secret_key) = check_saved_with(registry, name, edits, env).await?;
    let edit = Edit {
        name,
        new_name,
        secret: EditSecret::Saved {
            secret_key: &secret_key,
        },
    };
    let connection = update_checked(registry, &edit, &checked, expires_on, &env.policy)?;
    Ok(Saved {
        report: checked.report,
        connection,
    })
}

/// Where the secret of an edit comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditSecret<'a> {
    /// Pasted and checked: it replaces the saved one, which goes only once the new one is saved.
    New,
    /// The saved one, read from the keychain item `secret_key` for the check: it stays there.
    Saved { secret_key: &'a str },
}

/// One edit of a saved connection: which one, the name it gets, and where its secret comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit<'a> {
    pub name: &'a str,
    /// The same as `name` unless the connection is renamed.
    pub new_name: &'a str,
    pub secret: EditSecret<'a>,
}

/// Saves an edit of a saved connection once its check passed: every value as checked, the
/// expiry (within the policy's cap) and the name; a new secret replaces the saved one, a saved
/// one stays in its keychain item. `None` when the check did not pass: nothing changes. All or
/// nothing: a name that is taken or invalid, an expiry the policy refuses, a keychain or file
/// failure, or a secret replaced since the check leave the connection and its secret as they were.
pub fn update_checked(
    registry: &Registry,
    edit: &Edit<'_>,
    checked: &Checked,
    expires_on: Option<Date>,
    policy: &PolicyState,
) -> Result<Option<Connection>, StorageError> {
    let Some(fresh) = describe_usable(edit.new_name, checked, expires_on, policy)? else {
        return Ok(None);
    };
    // Same connection, checked again: what a newer version recorded about it stays too.
    let keep_identity = |c: &mut Connection| {
        *c = Connection {
            id: c.id.clone(),
            created_at: c.created_at.clone(),
            secret_key: c.secret_key.clone(),
            // Reminders already given for this expiry date are not given again.
            reminders: std::mem::take(&mut c.reminders),
            extra: std::mem::take(&mut c.extra),
            ..fresh
        };
    };
    let updated = match edit.secret {
        EditSecret::New => registry.replace_secret(edit.name, &checked.request.secret, keep_identity)?,
        EditSecret::Saved { secret_key } => {
            registry.update_keeping_secret(edit.name, secret_key, keep_identity)?
        }
    };
    Ok(Some(updated))
}

/// Parses a `YYYY-MM-DD` expiry typed by the user.
pub fn parse_expiry(text: &str) -> Result<Date, StorageError> {
    parse_date(text).map_err(|err: dates::DateError| StorageFault::InvalidDate { value: err.value }.into())
}

/// The request that checks a saved connection with `secret`.
pub fn request_for(connection: &Connection, secret: Secret) -> CheckRequest {
    CheckRequest {
        method: connection.method,
        server: (connection.provider == ProviderKind::DataCenter).then(|| connection.base_url.clone()),
        email: connection.email.clone(),
        username: match connection.method {
            // Data Center personal tokens were checked as Basic only when a username was given.
            Method::PersonalToken | Method::Basic | Method::AppPassword => {
                connection.bitbucket_username.clone()
            }
            _ => None,
        },
        workspace: connection.workspace.clone(),
        project: connection.project.clone(),
        repository: connection.repository.clone(),
        profile: connection.profile,
        require: Vec::new(),
        ca_file: connection.ca_file.as_ref().map(Into::into),
        trust_fingerprint: connection.trusted_fingerprint.clone(),
        allow_http: connection.allow_http,
        secret,
    }
}

/// The metadata to save for a usable check (`None` when it is not usable), its expiry decided
/// by what was given, what the server said and the policy's cap.
fn describe_usable(
    name: &str,
    checked: &Checked,
    expires_on: Option<Date>,
    policy: &PolicyState,
) -> Result<Option<Connection>, StorageError> {
    if checked.report.outcome != Outcome::Usable {
        return Ok(None);
    }
    let given = expires_on.or_else(|| reported_expiry(&checked.report));
    let expires_on = effective_expiry(checked.request.method, given, policy, today())?;
    Ok(Some(describe(name, checked, expires_on)))
}

/// Builds the metadata of a connection from a usable check.
fn describe(name: &str, checked: &Checked, expires_on: Option<Date>) -> Connection {
    let Checked { request, report } = checked;
    let identity = report.identity.as_ref();
    let mut connection = Connection {
        id: String::new(),
        name: name.to_owned(),
        provider: request.method.provider(),
        base_url: report.base_url.clone(),
        method: request.method,
        email: identity
            .and_then(|i| i.email.clone())
            .or_else(|| request.email.clone()),
        bitbucket_username: match request.method {
            Method::Basic | Method::AppPassword | Method::PersonalToken => request.username.clone(),
            _ => identity.and_then(|i| i.username.clone()),
        },
        git_username: report.git_username.clone(),
        workspace: request.workspace.clone(),
        project: request.project.clone(),
        repository: request.repository.clone(),
        profile: request.profile,
        scopes: Vec::new(),
        permission: None,
        server_version: None,
        expires_on: expires_on.map(format_date),
        created_at: now(),
        validated_at: None,
        rejected_at: None,
        status: Status::Valid,
        allow_http: request.allow_http,
        ca_file: request.ca_file.as_ref().map(|p| p.display().to_string()),
        trusted_fingerprint: request.trust_fingerprint.clone(),
        secret_key: String::new(),
        last_check: None,
        reminders: Default::default(),
        extra: Default::default(),
    };
    record(&mut connection, report);
    connection
}

/// Writes a check's verdict into a connection.
fn record(connection: &mut Connection, report: &ValidationReport) {
    connection.last_check = Some(last_check_of(report));
    match report.outcome {
        Outcome::Usable => {
            connection.status = Status::Valid;
            connection.validated_at = Some(now());
            connection.rejected_at = None;
            connection.scopes = report
                .scopes
                .granted
                .clone()
                .unwrap_or_else(|| report.scopes.verified.clone());
            connection.permission = report.permission.clone();
            connection.server_version = report.server.as_ref().map(|s| s.version.clone());
            if let Some(user) = &report.git_username {
                connection.git_username = Some(user.clone());
            }
        }
        Outcome::NotUsable if report.proves_unusable() => connection.status = Status::Invalid,
        // Unreachable, rate limited, server error, or an answer that did not come from Bitbucket
        // (a login page, a redirect elsewhere) or the policy's refusal: nothing new about the
        // credential.
        Outcome::NotUsable | Outcome::Unverified => {}
    }
    if connection.method == Method::AppPassword {
        connection.status = Status::NeedsMigration;
    }
}

/// What is kept of a check: its outcome and codes, never its texts (they may quote the server).
fn last_check_of(report: &ValidationReport) -> LastCheck {
    let outcome = match report.outcome {
        Outcome::Usable => "usable",
        Outcome::NotUsable => "not_usable",
        Outcome::Unverified => "unverified",
    };
    LastCheck {
        at: now(),
        outcome: outcome.to_owned(),
        problems: report
            .problems
            .iter()
            .map(|p| p.code.as_str().to_owned())
            .collect(),
        warnings: report
            .warnings
            .iter()
            .map(|w| w.code.as_str().to_owned())
            .collect(),
    }
}

/// The expiry the server reported during the check (Data Center personal tokens).
fn reported_expiry(report: &ValidationReport) -> Option<Date> {
    report.expires_at.as_deref().and_then(|d| parse_date(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::StorageCode;
    use crate::expiry::default_expiry;
    use crate::store::keychain::{Keychain, memory::MemoryStore};
    use fake_bitbucket::cloud::{self, FakeCloud};
    use fake_bitbucket::{Behaviour, start};

    fn request(method: Method, secret: &str) -> CheckRequest {
        CheckRequest {
            method,
            server: None,
            email: Some(cloud::EMAIL.into()),
            username: None,
            workspace: Some(cloud::WORKSPACE.into()),
            project: None,
            repository: Some(cloud::REPO.into()),
            profile: Profile::PullRequests,
            require: vec![],
            ca_file: None,
            trust_fingerprint: None,
            allow_http: false,
            secret: Secret::new(secret),
        }
    }

    #[tokio::test]
    async fn switching_the_method_keeps_the_old_secret_until_the_new_one_is_saved() {
        let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
        let env = CheckEnv::with_cloud_api(server.url.clone(), Default::default());
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let registry = Registry::new(
            dir.path().to_owned(),
            Keychain::with_store(Box::new(store.clone()), 10_000),
        );

        // A pasted secret with a newline and a "Bearer " prefix is saved tidied.
        let pasted = format!("Bearer {}\n", cloud::TOKEN_FULL);
        let saved = add(&registry, "work", request(Method::ApiToken, &pasted), None, &env)
            .await
            .unwrap();
        let first = saved.connection.unwrap();
        assert_eq!(
            first.expires_on,
            Some(format_date(default_expiry(Method::ApiToken, today()).unwrap()))
        );
        assert_eq!(registry.secret(&first).unwrap().expose(), cloud::TOKEN_FULL);

        // What a newer version recorded about the connection stays through a change of credential.
        let path = registry.file_path();
        let mut file: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        file["connections"][0]["colour"] = "teal".into();
        std::fs::write(&path, file.to_string()).unwrap();

        // A refused new credential changes nothing.
        let refused = request(Method::RepositoryAccessToken, "ATCTT-not-a-real-token");
        let outcome = change_credential(&registry, "work", refused, None, &env)
            .await
            .unwrap();
        assert!(outcome.connection.is_none());
        assert_eq!(
            registry.secret(&registry.get("work").unwrap()).unwrap().expose(),
            cloud::TOKEN_FULL
        );

        // A usable one replaces method, identity and secret; the old item is gone.
        let switched = request(Method::RepositoryAccessToken, cloud::REPO_TOKEN);
        let changed = change_credential(&registry, "work", switched, None, &env)
            .await
            .unwrap()
            .connection
            .unwrap();
        assert_eq!(changed.method, Method::RepositoryAccessToken);
        assert_eq!(changed.git_username.as_deref(), Some("x-token-auth"));
        assert_eq!(changed.id, first.id);
        assert_eq!(changed.created_at, first.created_at);
        assert_eq!(changed.expires_on, None);
        assert_eq!(registry.secret(&changed).unwrap().expose(), cloud::REPO_TOKEN);
        assert_eq!(store.items.lock().unwrap().len(), 1);
        assert_eq!(changed.extra["colour"], "teal");
    }

    /// A registry in a temporary folder over an in-memory keychain, and the fake Cloud's check
    /// environment.
    struct World {
        dir: tempfile::TempDir,
        store: MemoryStore,
        registry: Registry,
        env: CheckEnv,
        _server: fake_bitbucket::Server,
    }

    /// "work" saved with the full API token for acme/models, and "home" beside it.
    async fn two_saved() -> World {
        let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
        let env = CheckEnv::with_cloud_api(server.url.clone(), Default::default());
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let registry = Registry::new(
            dir.path().to_owned(),
            Keychain::with_store(Box::new(store.clone()), 10_000),
        );
        for name in ["work", "home"] {
            let saved = add(
                &registry,
                name,
                request(Method::ApiToken, cloud::TOKEN_FULL),
                None,
                &env,
            )
            .await
            .unwrap();
            assert!(saved.connection.is_some(), "{:?}", saved.report.problems);
        }
        World {
            dir,
            store,
            registry,
            env,
            _server: server,
        }
    }

    /// The connections file and every keychain item, to prove that nothing changed.
    fn snapshot(world: &World) -> (Vec<u8>, std::collections::BTreeMap<String, String>) {
        (
            std::fs::read(world.registry.file_path()).unwrap(),
            world.store.items.lock().unwrap().clone(),
        )
    }

    fn date(text: &str) -> Date {
        parse_expiry(text).unwrap()
    }

    #[tokio::test]
    async fn an_edit_without_a_new_secret_renames_and_keeps_the_keychain_item() {
        let world = two_saved().await;
        let before = world.registry.get("work").unwrap();
        let (_, items_before) = snapshot(&world);
        let edits = SavedEdits {
            repository: Some("site".into()),
            ..SavedEdits::of(&before)
        };
        let (checked, secret_key) = check_saved_with(&world.registry, "work", edits, &world.env)
            .await
            .unwrap();
        assert!(checked.report.ok, "{:?}", checked.report.problems);
        assert_eq!(secret_key, before.secret_key);
        let edit = Edit {
            name: "work",
            new_name: "acme site",
            secret: EditSecret::Saved {
                secret_key: &secret_key,
            },
        };
        let expires = today() + time::Duration::days(60);
        let renamed = update_checked(&world.registry, &edit, &checked, Some(expires), &world.env.policy)
            .unwrap()
            .unwrap();

        assert_eq!(renamed.name, "acme site");
        assert_eq!(renamed.repository.as_deref(), Some("site"));
        assert_eq!(renamed.expires_on, Some(format_date(expires)));
        assert_eq!(
            (&renamed.id, &renamed.created_at),
            (&before.id, &before.created_at)
        );
        assert_eq!(renamed.secret_key, before.secret_key, "the same keychain item");
        assert_eq!(
            *world.store.items.lock().unwrap(),
            items_before,
            "the keychain untouched"
        );
        assert_eq!(
            world.registry.get("work").unwrap_err().code,
            StorageCode::NotFound
        );
        assert_eq!(
            world.registry.secret(&renamed).unwrap().expose(),
            cloud::TOKEN_FULL
        );
        let names: Vec<String> = world
            .registry
            .list()
            .unwrap()
            .into_iter()
            .map(|c| c.name)
            .collect();
        assert_eq!(names, ["acme site", "home"], "it keeps its place in the list");
    }

    #[tokio::test]
    async fn a_name_that_is_taken_is_refused_and_nothing_changes() {
        let world = two_saved().await;
        let before = snapshot(&world);
        // From the command line: refused before anything is checked.
        let edits = SavedEdits::of(&world.registry.get("work").unwrap());
        let err = change(&world.registry, "work", "home", edits.clone(), None, &world.env)
            .await
            .unwrap_err();
        assert_eq!(err.code, StorageCode::NameTaken);
        assert_eq!(
            change(&world.registry, "work", "a/b", edits.clone(), None, &world.env)
                .await
                .unwrap_err()
                .code,
            StorageCode::InvalidName
        );
        // From the dialog, after the check passed, with the saved secret or a new one.
        let (checked, key) = check_saved_with(&world.registry, "work", edits, &world.env)
            .await
            .unwrap();
        for secret in [EditSecret::Saved { secret_key: &key }, EditSecret::New] {
            let edit = Edit {
                name: "work",
                new_name: "home",
                secret,
            };
            let err = update_checked(&world.registry, &edit, &checked, None, &world.env.policy).unwrap_err();
            assert_eq!(err.code, StorageCode::NameTaken, "{secret:?}");
            assert_eq!(snapshot(&world), before, "{secret:?}");
        }
    }

    #[tokio::test]
    async fn an_expiry_beyond_the_policy_is_refused_and_nothing_changes() {
        let mut world = two_saved().await;
        let policy_file = world.dir.path().join("policy.json");
        std::fs::write(&policy_file, r#"{"max_token_lifetime_days": 90}"#).unwrap();
        world.env.policy = PolicyState::load_from(&policy_file);
        let before = snapshot(&world);
        let edits = SavedEdits::of(&world.registry.get("work").unwrap());
        let too_late = today() + time::Duration::days(200);
        let err = change(
            &world.registry,
            "work",
            "renamed",
            edits,
            Some(too_late),
            &world.env,
        )
        .await
        .unwrap_err();
        assert_eq!(err.code, StorageCode::ExpiryBeyondPolicy);
        assert_eq!(snapshot(&world), before);
        // Within the cap it goes through.
        let edits = SavedEdits::of(&world.registry.get("work").unwrap());
        let within = today() + time::Duration::days(90);
        let changed = change(
            &world.registry,
            "work",
            "renamed",
            edits,
            Some(within),
            &world.env,
        )
        .await
        .unwrap()
        .connection
        .unwrap();
        assert_eq!(changed.expires_on, Some(format_date(within)));
    }

    #[tokio::test]
    async fn a_failed_check_of_the_saved_secret_saves_nothing() {
        let world = two_saved().await;
        let before = snapshot(&world);
        let edits = SavedEdits {
            workspace: Some("nowhere".into()),
            ..SavedEdits::of(&world.registry.get("work").unwrap())
        };
        let changed = change(
            &world.registry,
            "work",
            "renamed",
            edits,
            Some(date("2027-01-01")),
            &world.env,
        )
        .await
        .unwrap();
        assert!(!changed.report.ok);
        assert!(changed.connection.is_none());
        assert_eq!(snapshot(&world), before);
    }

    #[tokio::test]
    async fn a_secret_replaced_after_the_check_refuses_the_change() {
        let world = two_saved().await;
        let edits = SavedEdits::of(&world.registry.get("work").unwrap());
        let (checked, key) = check_saved_with(&world.registry, "work", edits, &world.env)
            .await
            .unwrap();
        // Another process rotates the secret meanwhile.
        rotate(
            &world.registry,
            "work",
            Secret::new(cloud::TOKEN_READ_ONLY),
            None,
            &world.env,
        )
        .await
        .unwrap()
        .connection
        .unwrap();
        let before = snapshot(&world);
        let edit = Edit {
            name: "work",
            new_name: "renamed",
            secret: EditSecret::Saved { secret_key: &key },
        };
        let err = update_checked(&world.registry, &edit, &checked, None, &world.env.policy).unwrap_err();
        assert_eq!(err.code, StorageCode::SecretChanged);
        assert_eq!(snapshot(&world), before);
    }

    #[tokio::test]
    async fn an_edit_with_a_new_secret_replaces_it_and_may_rename() {
        let world = two_saved().await;
        let before = world.registry.get("work").unwrap();
        let read_only = CheckRequest {
            profile: Profile::ReadOnly,
            ..request(Method::ApiToken, cloud::TOKEN_READ_ONLY)
        };
        let checked = check_and_keep(read_only, &world.env).await;
        assert!(checked.report.ok, "{:?}", checked.report.problems);
        let edit = Edit {
            name: "work",
            new_name: "reader",
            secret: EditSecret::New,
        };
        let saved = update_checked(&world.registry, &edit, &checked, None, &world.env.policy)
            .unwrap()
            .unwrap();
        assert_eq!(saved.name, "reader");
        assert_eq!(saved.id, before.id);
        assert_ne!(saved.secret_key, before.secret_key);
        assert_eq!(
            world.registry.secret(&saved).unwrap().expose(),
            cloud::TOKEN_READ_ONLY
        );
        assert!(!world.store.items.lock().unwrap().contains_key(&before.secret_key));
    }

    #[test]
    fn only_an_answer_from_bitbucket_marks_a_connection_invalid() {
        use crate::check::report::Findings;
        use crate::domain::catalogue::Fault;
        let cases = [
            (
                Fault::LoginPage {
                    url: "https://api.bitbucket.org/".into(),
                },
                Status::Valid,
            ),
            (
                Fault::UnexpectedRedirect {
                    location: "https://portal.example.net/".into(),
                },
                Status::Valid,
            ),
            (
                Fault::NotBitbucket {
                    url: "https://git.example.com/".into(),
                },
                Status::Valid,
            ),
            (
                Fault::ForbiddenByPolicy {
                    chosen: Method::ApiToken,
                    reason: "not allowed.".into(),
                },
                Status::Valid,
            ),
            (
                Fault::InvalidCredentials {
                    method: Method::ApiToken,
                },
                Status::Invalid,
            ),
            (
                Fault::MissingScopes {
                    scopes: vec!["read:user:bitbucket".into()],
                },
                Status::Invalid,
            ),
        ];
        for (fault, expected) in cases {
            let code = fault.code();
            let mut findings = Findings::new(Method::ApiToken);
            findings.problem(fault);
            let report = findings.into_report(String::new());
            assert_eq!(report.outcome, Outcome::NotUsable, "{code}");
            let mut connection = Connection::sample("work");
            record(&mut connection, &report);
            assert_eq!(connection.status, expected, "{code}");
            // Whatever the verdict, the check's outcome and codes are kept (no texts).
            let last = connection.last_check.expect("the check is recorded");
            assert_eq!(last.outcome, "not_usable");
            assert_eq!(last.problems, vec![code.as_str().to_owned()]);
        }
    }

    #[tokio::test]
    async fn a_trusted_fingerprint_is_saved_normalised_and_used_again() {
        use fake_bitbucket::datacenter::{self, FakeDataCenter};
        let cert = fake_bitbucket::TestCa::self_signed();
        let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&cert)).await;
        let env = CheckEnv::with_cloud_api(server.url.clone(), Default::default());
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(
            dir.path().to_owned(),
            Keychain::with_store(Box::new(MemoryStore::default()), 10_000),
        );
        let mut r = request(Method::PersonalToken, datacenter::PERSONAL_TOKEN);
        r.server = Some(format!("{}bitbucket", server.url));
        r.email = None;
        r.workspace = None;
        r.repository = None;
        r.trust_fingerprint = Some(cert.server_fingerprint.replace(':', "").to_lowercase());
        let saved = add(&registry, "dc", r, None, &env).await.unwrap();
        assert!(saved.report.ok, "{:?}", saved.report.problems);
        let connection = saved.connection.unwrap();
        assert_eq!(
            connection.trusted_fingerprint.as_deref(),
            Some(cert.server_fingerprint.as_str())
        );
        let again = retest_request(&registry, "dc").unwrap();
        assert_eq!(
            again.request.trust_fingerprint.as_deref(),
            Some(cert.server_fingerprint.as_str())
        );
        let tested = test(&registry, "dc", &env).await.unwrap();
        assert!(tested.report.ok, "{:?}", tested.report.problems);
    }

    #[test]
    fn a_typed_expiry_that_is_not_a_date_is_refused_with_the_catalogue_text() {
        let err = parse_expiry("2027-02-30").unwrap_err();
        assert_eq!(err.code, crate::domain::catalogue::StorageCode::InvalidDate);
        assert!(err.message.contains("2027-02-30"));
    }
}
