//! The record of one saved connection: everything but the secret, which stays in the keychain
//! under the item named by `secret_key`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use specta::Type;

use crate::domain::method::{Method, ProviderKind};
use crate::domain::scopes::Profile;

/// What the last check or use said about a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Valid,
    Invalid,
    /// The last check could not reach a verdict (network trouble): the credential is kept as is.
    Unverified,
    /// Git reported the credential as refused (`git credential reject`).
    RejectedByGit,
    /// An app password: it must be replaced by an API token.
    NeedsMigration,
    /// Bitbucket refused to renew an OAuth sign-in: the person signs in again (the connection
    /// and its settings are kept).
    SignInAgain,
}

/// What the latest check of a connection's credential found, kept so that a person (or a
/// support bundle) can tell why the connection is in its state. Codes are kept as text: a code
/// a newer version wrote must never make the connections file unreadable for this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct LastCheck {
    /// When the check ended (RFC 3339, UTC).
    pub at: String,
    /// `usable`, `not_usable` or `unverified`.
    pub outcome: String,
    /// The problem codes the check reported (`missing_scopes`, `unreachable`...).
    #[serde(default)]
    pub problems: Vec<String>,
    /// The warning codes it reported.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// A saved connection. Never holds the secret: `secret_key` names its keychain item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Connection {
    pub id: String,
    pub name: String,
    pub provider: ProviderKind,
    /// Cloud: the API root; Data Center: the base URL with its context path.
    pub base_url: String,
    pub method: Method,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub bitbucket_username: Option<String>,
    #[serde(default)]
    pub git_username: Option<String>,
    #[serde(default)]
    pub workspace: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub repository: Option<String>,
    pub profile: Profile,
    /// Scopes (Cloud) or permission levels (Data Center) seen at the last check.
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub permission: Option<String>,
    #[serde(default)]
    pub server_version: Option<String>,
    /// `YYYY-MM-DD`, when known or given.
    #[serde(default)]
    pub expires_on: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub validated_at: Option<String>,
    #[serde(default)]
    pub rejected_at: Option<String>,
    pub status: Status,
    #[serde(default)]
    pub allow_http: bool,
    #[serde(default)]
    pub ca_file: Option<String>,
    /// The SHA-256 (`AB:CD:...`) of the one server certificate this connection trusts, if pinned.
    #[serde(default)]
    pub trusted_fingerprint: Option<String>,
    /// The keychain account holding the secret.
    pub secret_key: String,
    /// What the latest check of the saved credential found (none before this field existed).
    #[serde(default)]
    pub last_check: Option<LastCheck>,
    /// What was already said about the expiry date (the app's reminders, git's helper's
    /// warnings), so that each is said once. Bookkeeping of the app and the helper: not part of
    /// the app's types.
    #[serde(default, skip_serializing_if = "ReminderLog::is_empty")]
    #[specta(skip)]
    pub reminders: ReminderLog,
    /// Fields this version does not know (written by a newer one): kept through every change so
    /// that reading and saving with this version never drops them. Not part of the app's types.
    #[serde(flatten)]
    #[specta(skip)]
    pub extra: Map<String, Value>,
}

/// A reminder before (or at) a connection's expiry, least urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Reminder {
    #[serde(rename = "30_days")]
    ThirtyDays,
    #[serde(rename = "7_days")]
    SevenDays,
    #[serde(rename = "1_day")]
    OneDay,
    #[serde(rename = "expired")]
    Expired,
}

/// What was said about one expiry date of a connection. A record made for another date (the
/// token was replaced by one with a new date) no longer counts: the reminders start afresh.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderLog {
    /// The expiry date (`YYYY-MM-DD`) this record is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<String>,
    /// The most urgent reminder the app has shown; every less urgent one counts as done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shown: Option<Reminder>,
    /// The day (`YYYY-MM-DD`, UTC) git's helper last warned about the expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helper_warned_on: Option<String>,
    /// Fields of a newer version, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ReminderLog {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The record for `expires_on`: this one if it is about that date, else a fresh one.
    pub fn for_expiry(&self, expires_on: &str) -> Self {
        if self.expires_on.as_deref() == Some(expires_on) {
            self.clone()
        } else {
            Self {
                expires_on: Some(expires_on.to_owned()),
                extra: self.extra.clone(),
                ..Self::default()
            }
        }
    }
}

impl Connection {
    /// The host git sees for this connection: bitbucket.org for Cloud, the server's host[:port].
    pub fn git_host(&self) -> String {
        match self.provider {
            ProviderKind::Cloud => "bitbucket.org".to_owned(),
            ProviderKind::DataCenter => url::Url::parse(&self.base_url)
                .ok()
                .map(|u| match u.port() {
                    Some(port) => format!("{}:{port}", u.host_str().unwrap_or_default()),
                    None => u.host_str().unwrap_or_default().to_owned(),
                })
                .unwrap_or_default(),
        }
    }
}
#[cfg(test)]
impl Connection {
    /// A valid Cloud API-token connection named `name`, for tests to adjust.
    pub(crate) fn sample(name: &str) -> Self {
        Self {
            id: "1".into(),
            name: name.to_owned(),
            provider: ProviderKind::Cloud,
            base_url: "https://api.bitbucket.org/".into(),
            method: Method::ApiToken,
            email: Some("ada@example.com".into()),
            bitbucket_username: Some("ada".into()),
            git_username: Some("ada".into()),
            workspace: None,
            project: None,
            repository: None,
            profile: Profile::PullRequests,
            scopes: vec![],
            permission: None,
            server_version: None,
            expires_on: Some("2027-11-26".into()),
            created_at: "2026-11-26T10:00:00Z".into(),
            validated_at: None,
            rejected_at: None,
            status: Status::Valid,
            allow_http: false,
            ca_file: None,
            trusted_fingerprint: None,
            secret_key: "conn-1".into(),
            last_check: None,
            reminders: ReminderLog::default(),
            extra: Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_saved_before_pinned_fingerprints_reads_as_unpinned() {
        let mut json = serde_json::to_value(Connection::sample("work")).unwrap();
        json.as_object_mut().unwrap().remove("trusted_fingerprint");
        let read: Connection = serde_json::from_value(json).unwrap();
        assert_eq!(read.trusted_fingerprint, None);
        assert_eq!(read, Connection::sample("work"));
    }

    #[test]
    fn a_last_check_with_codes_this_version_does_not_know_still_reads() {
        let mut json = serde_json::to_value(Connection::sample("work")).unwrap();
        json["last_check"] = serde_json::json!({
            "at": "2027-01-02T03:04:05Z", "outcome": "some_new_outcome",
            "problems": ["a_code_from_the_future"], "warnings": []
        });
        let read: Connection = serde_json::from_value(json).unwrap();
        let last = read.last_check.unwrap();
        assert_eq!(last.outcome, "some_new_outcome");
        assert_eq!(last.problems, vec!["a_code_from_the_future".to_owned()]);
    }

    #[test]
    fn the_reminder_record_keeps_what_a_newer_version_added_and_is_left_out_when_empty() {
        let text = serde_json::to_value(Connection::sample("work")).unwrap();
        assert!(
            text.get("reminders").is_none(),
            "no record until something was said"
        );
        let mut json = text;
        json["reminders"] = serde_json::json!({"expires_on": "2027-11-26", "shown": "30_days", "snoozed_until": "2027-11-01"});
        let read: Connection = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(read.reminders.shown, Some(Reminder::ThirtyDays));
        assert_eq!(serde_json::to_value(&read).unwrap(), json);
    }
}
