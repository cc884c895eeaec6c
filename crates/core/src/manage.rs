//! The flows that combine a check with the registry: add, test and rotate. A connection is only
//! saved, or its secret only replaced, after the credential passed a check.

use std::path::PathBuf;

use serde::Serialize;
use specta::Type;
use time::{
    Date, Duration, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description,
};

use crate::model::{CredentialKind, ProviderKind};
use crate::policy::PolicyState;
use crate::problems::{StorageCode, StorageError};
use crate::registry::{Connection, Registry, Status};
use crate::report::{Outcome, ValidationReport};
use crate::secret::Secret;
use crate::validate::{CheckEnv, CheckRequest, check};

/// Cloud API tokens live at most a year, and Bitbucket does not say when one expires.
const API_TOKEN_DAYS: i64 = 365;
/// Days before expiry at which a warning starts.
pub const EXPIRY_WARNINGS: [i32; 3] = [30, 7, 1];

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
        return Err(StorageError::new(StorageCode::NameTaken, &[("name", name)]));
    }
    let report = check(request.clone(), env).await;
    let connection = save_checked(registry, name, &request, &report, expires_on, &env.managed)?;
    Ok(Saved { report, connection })
}

/// Saves a request that was just checked (the dialog checks first, then the user names it and
/// saves). Nothing is saved unless the report says usable.
pub fn save_checked(
    registry: &Registry,
    name: &str,
    request: &CheckRequest,
    report: &ValidationReport,
    expires_on: Option<Date>,
    managed: &PolicyState,
) -> Result<Option<Connection>, StorageError> {
    let Some(connection) = describe_usable(name, request, report, expires_on, managed)? else {
        return Ok(None);
    };
    registry
        .add(connection, &clean_secret(&request.secret, request.kind))
        .map(Some)
}

/// The metadata to save for a usable check (`None` when it is not usable), its expiry decided
/// by what was given, what the server said and the policy's cap.
fn describe_usable(
    name: &str,
    request: &CheckRequest,
    report: &ValidationReport,
    expires_on: Option<Date>,
    managed: &PolicyState,
) -> Result<Option<Connection>, StorageError> {
    if report.outcome != Outcome::Usable {
        return Ok(None);
    }
    let given = expires_on.or_else(|| reported_expiry(report));
    let expires_on = effective_expiry(request.kind, given, managed, today())?;
    Ok(Some(describe(name, request, report, expires_on)))
}

/// Checks a saved connection again with its stored secret. A network failure or a server error
/// never marks it invalid: only a definite answer changes its status.
pub async fn test(registry: &Registry, name: &str, env: &CheckEnv) -> Result<Saved, StorageError> {
    let connection = registry.get(name)?;
    let secret = registry.secret(&connection)?;
    let report = check(request_for(&connection, secret), env).await;
    let updated = registry.update(name, |c| record(c, &report))?;
    Ok(Saved {
        report,
        connection: Some(updated),
    })
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
    let connection = registry.get(name)?;
    let request = request_for(&connection, secret.clone());
    let report = check(request.clone(), env).await;
    if report.outcome != Outcome::Usable {
        return Ok(Saved {
            report,
            connection: None,
        });
    }
    let expires_on = effective_expiry(
        connection.method,
        expires_on.or_else(|| reported_expiry(&report)),
        &env.managed,
        today(),
    )?;
    let updated = registry.replace_secret(name, &clean_secret(&secret, connection.method), |c| {
        record(c, &report);
        c.expires_on = expires_on.map(format_date);
        c.rejected_at = None;
    })?;
    Ok(Saved {
        report,
        connection: Some(updated),
    })
}

/// Changes how a saved connection authenticates (another credential kind, another account or
/// server): the new credential is checked first, stored next, and the old secret removed only
/// once the connection refers to the new one.
pub async fn change_credential(
    registry: &Registry,
    name: &str,
    request: CheckRequest,
    expires_on: Option<Date>,
    env: &CheckEnv,
) -> Result<Saved, StorageError> {
    registry.get(name)?;
    let report = check(request.clone(), env).await;
    let connection = replace_checked(registry, name, &request, &report, expires_on, &env.managed)?;
    Ok(Saved { report, connection })
}

/// Replaces a saved connection's credential with a request that was just checked, when usable.
pub fn replace_checked(
    registry: &Registry,
    name: &str,
    request: &CheckRequest,
    report: &ValidationReport,
    expires_on: Option<Date>,
    managed: &PolicyState,
) -> Result<Option<Connection>, StorageError> {
    let Some(fresh) = describe_usable(name, request, report, expires_on, managed)? else {
        return Ok(None);
    };
    registry
        .replace_secret(name, &clean_secret(&request.secret, request.kind), |c| {
            *c = Connection {
                id: c.id.clone(),
                created_at: c.created_at.clone(),
                secret_key: c.secret_key.clone(),
                ..fresh
            };
        })
        .map(Some)
}

/// The request that checks a saved connection with `secret`.
pub fn request_for(connection: &Connection, secret: Secret) -> CheckRequest {
    CheckRequest {
        kind: connection.method,
        server: (connection.provider == ProviderKind::DataCenter).then(|| connection.base_url.clone()),
        email: connection.email.clone(),
        username: match connection.method {
            // Data Center personal tokens were checked as Basic only when a username was given.
            CredentialKind::PersonalToken | CredentialKind::Basic | CredentialKind::AppPassword => {
                connection.bitbucket_username.clone()
            }
            _ => None,
        },
        workspace: connection.workspace.clone(),
        project: connection.project.clone(),
        repository: connection.repository.clone(),
        profile: connection.profile,
        require: Vec::new(),
        ca_file: connection.ca_file.as_ref().map(PathBuf::from),
        allow_http: connection.allow_http,
        secret,
    }
}

/// Builds the metadata of a connection from a usable check.
fn describe(
    name: &str,
    request: &CheckRequest,
    report: &ValidationReport,
    expires_on: Option<Date>,
) -> Connection {
    let identity = report.identity.as_ref();
    let mut connection = Connection {
        id: String::new(),
        name: name.to_owned(),
        provider: request.kind.provider(),
        base_url: report.base_url.clone(),
        method: request.kind,
        email: identity
            .and_then(|i| i.email.clone())
            .or_else(|| request.email.clone()),
        bitbucket_username: match request.kind {
            CredentialKind::Basic | CredentialKind::AppPassword => request.username.clone(),
            CredentialKind::PersonalToken => request.username.clone(),
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
        secret_key: String::new(),
    };
    record(&mut connection, report);
    connection
}

/// Writes a check's verdict into a connection.
fn record(connection: &mut Connection, report: &ValidationReport) {
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
        Outcome::NotUsable => connection.status = Status::Invalid,
        // Unreachable, rate limited, server error: say nothing new about the credential.
        Outcome::Unverified => {}
    }
    if connection.method == CredentialKind::AppPassword {
        connection.status = Status::NeedsMigration;
    }
}

/// Whitespace and a pasted `Bearer ` prefix are not part of the secret that gets stored.
fn clean_secret(secret: &Secret, kind: CredentialKind) -> Secret {
    crate::sniff::paste_secret(secret.expose(), kind).secret
}

/// The expiry date to record: the one given, else the kind's default; never later than the
/// managed policy's longest token lifetime (which also becomes the default).
pub fn effective_expiry(
    kind: CredentialKind,
    given: Option<Date>,
    managed: &PolicyState,
    today: Date,
) -> Result<Option<Date>, StorageError> {
    let latest = managed
        .policy
        .max_token_lifetime_days
        .map(|days| today + Duration::days(i64::from(days)));
    let chosen = given.or_else(|| default_expiry(kind, today));
    match (chosen, latest) {
        (Some(date), Some(latest)) if date > latest => Err(StorageError::new(
            StorageCode::ExpiryBeyondPolicy,
            &[
                (
                    "days",
                    &managed
                        .policy
                        .max_token_lifetime_days
                        .unwrap_or_default()
                        .to_string(),
                ),
                ("latest", &format_date(latest)),
                ("value", &format_date(date)),
            ],
        )),
        (None, Some(latest)) => Ok(Some(latest)),
        (chosen, _) => Ok(chosen),
    }
}

/// The expiry the server reported during the check (Data Center personal tokens).
fn reported_expiry(report: &ValidationReport) -> Option<Date> {
    report.expires_at.as_deref().and_then(|d| parse_date(d).ok())
}

pub fn default_expiry(kind: CredentialKind, today: Date) -> Option<Date> {
    (kind == CredentialKind::ApiToken).then(|| today + Duration::days(API_TOKEN_DAYS))
}

pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

pub fn now() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc())
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn parse_date(text: &str) -> Result<Date, StorageError> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| StorageError::new(StorageCode::InvalidDate, &[("value", text)]))
}

pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The status a person reads in the list: the last verdict, and the expiry when it matters more.
pub fn status_text(connection: &Connection, today: Date) -> String {
    match (connection.status, Expiry::of(connection, today)) {
        (Status::NeedsMigration, _) => "Needs migration to an API token".to_owned(),
        (Status::RejectedByGit, _) => "Rejected by git".to_owned(),
        (Status::Invalid, _) => "Not working".to_owned(),
        (_, Expiry::Expired { .. }) => "Expired".to_owned(),
        (Status::Unverified, _) => "Not verified".to_owned(),
        (Status::Valid, Expiry::Soon { days_left: 0 }) => "Valid, expires today".to_owned(),
        (Status::Valid, Expiry::Soon { days_left: 1 }) => "Valid, expires tomorrow".to_owned(),
        (Status::Valid, Expiry::Soon { days_left }) => format!("Valid, expires in {days_left} days"),
        (Status::Valid, _) => "Valid".to_owned(),
    }
}

/// How close a connection is to its expiry date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Expiry {
    Unknown,
    Fine {
        days_left: i32,
    },
    /// Within one of the warning thresholds (30, 7 or 1 days).
    Soon {
        days_left: i32,
    },
    Expired {
        days_ago: i32,
    },
}

impl Expiry {
    pub fn of(connection: &Connection, today: Date) -> Self {
        let Some(date) = connection.expires_on.as_deref().and_then(|d| parse_date(d).ok()) else {
            return Self::Unknown;
        };
        let days = (date - today)
            .whole_days()
            .clamp(i32::MIN as i64, i32::MAX as i64) as i32;
        if days < 0 {
            Self::Expired { days_ago: -days }
        } else if days <= EXPIRY_WARNINGS[0] {
            Self::Soon { days_left: days }
        } else {
            Self::Fine { days_left: days }
        }
    }

    /// One line for lists and warnings.
    pub fn describe(self) -> String {
        match self {
            Self::Unknown => "expiry unknown".to_owned(),
            Self::Fine { days_left } => format!("{days_left} days left"),
            Self::Soon { days_left: 0 } => "expires today".to_owned(),
            Self::Soon { days_left: 1 } => "expires tomorrow".to_owned(),
            Self::Soon { days_left } => format!("expires in {days_left} days"),
            Self::Expired { days_ago } => format!("expired {days_ago} days ago"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keychain::{Keychain, memory::MemoryStore};
    use crate::scopes::Profile;
    use fake_bitbucket::cloud::{self, FakeCloud};
    use fake_bitbucket::{Behaviour, start};
    use time::macros::date;

    fn request(kind: CredentialKind, secret: &str) -> CheckRequest {
        CheckRequest {
            kind,
            server: None,
            email: Some(cloud::EMAIL.into()),
            username: None,
            workspace: Some(cloud::WORKSPACE.into()),
            project: None,
            repository: Some(cloud::REPO.into()),
            profile: Profile::PullRequests,
            require: vec![],
            ca_file: None,
            allow_http: false,
            secret: Secret::new(secret),
        }
    }

    #[tokio::test]
    async fn switching_the_credential_kind_keeps_the_old_secret_until_the_new_one_is_saved() {
        let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
        let env = CheckEnv {
            cloud_api: server.url.clone(),
            policy: Default::default(),
            managed: Default::default(),
        };
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let registry = Registry::new(
            dir.path().to_owned(),
            Keychain::with_store(Box::new(store.clone()), 10_000),
        );

        let saved = add(
            &registry,
            "work",
            request(CredentialKind::ApiToken, cloud::TOKEN_FULL),
            None,
            &env,
        )
        .await
        .unwrap();
        let first = saved.connection.unwrap();
        assert_eq!(
            first.expires_on,
            Some(format_date(
                default_expiry(CredentialKind::ApiToken, today()).unwrap()
            ))
        );

        // A refused new credential changes nothing.
        let refused = request(CredentialKind::RepositoryAccessToken, "ATCTT-not-a-real-token");
        let outcome = change_credential(&registry, "work", refused, None, &env)
            .await
            .unwrap();
        assert!(outcome.connection.is_none());
        assert_eq!(
            registry.secret(&registry.get("work").unwrap()).unwrap().expose(),
            cloud::TOKEN_FULL
        );

        // A usable one replaces kind, identity and secret; the old item is gone.
        let switched = request(CredentialKind::RepositoryAccessToken, cloud::REPO_TOKEN);
        let changed = change_credential(&registry, "work", switched, None, &env)
            .await
            .unwrap()
            .connection
            .unwrap();
        assert_eq!(changed.method, CredentialKind::RepositoryAccessToken);
        assert_eq!(changed.git_username.as_deref(), Some("x-token-auth"));
        assert_eq!(changed.id, first.id);
        assert_eq!(changed.created_at, first.created_at);
        assert_eq!(changed.expires_on, None);
        assert_eq!(registry.secret(&changed).unwrap().expose(), cloud::REPO_TOKEN);
        assert_eq!(store.items.lock().unwrap().len(), 1);
    }

    fn with_expiry(date: Option<&str>) -> Connection {
        Connection {
            id: "1".into(),
            name: "x".into(),
            provider: ProviderKind::Cloud,
            base_url: String::new(),
            method: CredentialKind::ApiToken,
            email: None,
            bitbucket_username: None,
            git_username: None,
            workspace: None,
            project: None,
            repository: None,
            profile: Default::default(),
            scopes: vec![],
            permission: None,
            server_version: None,
            expires_on: date.map(str::to_owned),
            created_at: String::new(),
            validated_at: None,
            rejected_at: None,
            status: Status::Valid,
            allow_http: false,
            ca_file: None,
            secret_key: String::new(),
        }
    }

    #[test]
    fn expiry_counts_days_and_warns_from_thirty() {
        let today = date!(2026 - 11 - 26);
        assert_eq!(Expiry::of(&with_expiry(None), today), Expiry::Unknown);
        assert_eq!(
            Expiry::of(&with_expiry(Some("2027-11-26")), today),
            Expiry::Fine { days_left: 365 }
        );
        assert_eq!(
            Expiry::of(&with_expiry(Some("2026-12-26")), today),
            Expiry::Soon { days_left: 30 }
        );
        assert_eq!(
            Expiry::of(&with_expiry(Some("2026-11-27")), today).describe(),
            "expires tomorrow"
        );
        assert_eq!(
            Expiry::of(&with_expiry(Some("2026-11-20")), today),
            Expiry::Expired { days_ago: 6 }
        );
    }

    #[test]
    fn the_status_text_says_what_matters_most() {
        let today = date!(2026 - 11 - 26);
        let mut c = with_expiry(Some("2026-12-01"));
        assert_eq!(status_text(&c, today), "Valid, expires in 5 days");
        c.expires_on = Some("2026-11-01".into());
        assert_eq!(status_text(&c, today), "Expired");
        c.status = Status::RejectedByGit;
        assert_eq!(status_text(&c, today), "Rejected by git");
    }

    #[test]
    fn the_policy_caps_token_lifetimes() {
        let today = date!(2026 - 11 - 26);
        let mut managed = PolicyState::default();
        managed.policy.max_token_lifetime_days = Some(90);
        // An API token's year is too long; a date within 90 days is fine; no date means the cap.
        let err = effective_expiry(CredentialKind::ApiToken, None, &managed, today).unwrap_err();
        assert_eq!(err.code, StorageCode::ExpiryBeyondPolicy);
        assert!(err.message.contains("2027-02-24"), "{}", err.message);
        let fine = effective_expiry(
            CredentialKind::ApiToken,
            Some(date!(2027 - 01 - 01)),
            &managed,
            today,
        )
        .unwrap();
        assert_eq!(fine, Some(date!(2027 - 01 - 01)));
        let capped = effective_expiry(CredentialKind::PersonalToken, None, &managed, today).unwrap();
        assert_eq!(capped, Some(date!(2027 - 02 - 24)));
        assert_eq!(
            effective_expiry(
                CredentialKind::PersonalToken,
                None,
                &PolicyState::default(),
                today
            )
            .unwrap(),
            None
        );
    }

    #[test]
    fn api_tokens_default_to_a_year() {
        let today = date!(2026 - 11 - 26);
        assert_eq!(
            default_expiry(CredentialKind::ApiToken, today),
            Some(date!(2027 - 11 - 26))
        );
        assert_eq!(default_expiry(CredentialKind::PersonalToken, today), None);
        assert_eq!(
            parse_date("2027-02-30").unwrap_err().code,
            StorageCode::InvalidDate
        );
        assert_eq!(format_date(parse_date(" 2027-02-28 ").unwrap()), "2027-02-28");
    }
}
