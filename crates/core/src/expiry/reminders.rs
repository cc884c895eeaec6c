//! Reminders before a connection expires: 30, 7 and 1 day before its expiry date, and once it
//! has expired. Each is given once per expiry date, and the record of what was given lives with
//! the connection in the connections file (`ReminderLog`), so a replaced token with a new date
//! starts afresh. A reminder missed while the app was not running is never given late once a
//! more urgent one is due: only the most urgent one whose day has come is given.
//!
//! Git's helper has its own, shorter rule: from 7 days before (and after expiry) it warns on
//! standard error at most once a day per connection.

use time::Date;

use crate::domain::catalogue::StorageError;
use crate::domain::dates::{format_date, parse_date};
use crate::store::connection::{Connection, Reminder};
use crate::store::registry::Registry;

/// From how many days before its expiry git's helper warns about a connection.
pub const HELPER_WARNING_DAYS: i64 = 7;

impl Reminder {
    /// Least urgent first.
    pub const ALL: [Reminder; 4] = [Self::ThirtyDays, Self::SevenDays, Self::OneDay, Self::Expired];

    /// Whether this reminder's day has come with `days_left` until the expiry date.
    fn reached(self, days_left: i64) -> bool {
        match self {
            Self::ThirtyDays => days_left <= 30,
            Self::SevenDays => days_left <= 7,
            Self::OneDay => days_left <= 1,
            Self::Expired => days_left < 0,
        }
    }
}

/// A reminder to give now, with what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReminder {
    pub name: String,
    /// The expiry date it is about (`YYYY-MM-DD`).
    pub expires_on: String,
    pub reminder: Reminder,
    pub title: String,
    pub body: String,
}

/// The connection's expiry date (as saved) and the days from `today` until it.
fn expiry_of(connection: &Connection, today: Date) -> Option<(String, i64)> {
    let text = connection.expires_on.as_deref()?;
    let date = parse_date(text).ok()?;
    Some((format_date(date), (date - today).whole_days()))
}

/// The reminder due for `connection` on `today`: the most urgent one whose day has come, unless
/// it (or a more urgent one) was already given for this expiry date.
pub fn due(connection: &Connection, today: Date) -> Option<Reminder> {
    let (expires_on, days_left) = expiry_of(connection, today)?;
    let most_urgent = Reminder::ALL.into_iter().rev().find(|r| r.reached(days_left))?;
    let log = connection.reminders.for_expiry(&expires_on);
    (log.shown < Some(most_urgent)).then_some(most_urgent)
}

/// Every reminder due on `today`, in the order of the connections.
pub fn due_reminders(connections: &[Connection], today: Date) -> Vec<DueReminder> {
    connections
        .iter()
        .filter_map(|connection| {
            let reminder = due(connection, today)?;
            let (expires_on, days_left) = expiry_of(connection, today)?;
            let (title, body) = notification_text(&connection.name, &expires_on, days_left);
            Some(DueReminder {
                name: connection.name.clone(),
                expires_on,
                reminder,
                title,
                body,
            })
        })
        .collect()
}

/// Records that `shown` was given, under the file's lock. False (and nothing written) when the
/// connection's expiry date changed meanwhile or that reminder was already recorded.
pub fn record_shown(registry: &Registry, shown: &DueReminder) -> Result<bool, StorageError> {
    let mut recorded = false;
    registry.update(&shown.name, |c| {
        let current = c
            .expires_on
            .as_deref()
            .and_then(|d| parse_date(d).ok())
            .map(format_date);
        if current.as_deref() != Some(shown.expires_on.as_str()) {
            return;
        }
        let mut log = c.reminders.for_expiry(&shown.expires_on);
        if log.shown < Some(shown.reminder) {
            log.shown = Some(shown.reminder);
            c.reminders = log;
            recorded = true;
        }
    })?;
    Ok(recorded)
}

/// The desktop notification's title and text.
fn notification_text(name: &str, expires_on: &str, days_left: i64) -> (String, String) {
    let what_to_do = "In Repository Connections choose Edit beside it, then Generate… to create a new token.";
    let title = match days_left {
        ..0 => format!("\"{name}\" has expired"),
        0 => format!("\"{name}\" expires today"),
        1 => format!("\"{name}\" expires tomorrow"),
        days => format!("\"{name}\" expires in {days} days"),
    };
    let body = if days_left < 0 {
        format!("It expired on {expires_on}: git and the app can no longer use it. {what_to_do}")
    } else {
        format!("Its token stops working on {expires_on}. {what_to_do}")
    };
    (title, body)
}

/// The line git's helper writes to standard error when `connection` expires within
/// [`HELPER_WARNING_DAYS`] or has expired, unless it already warned today. Says nothing else.
pub fn helper_warning(connection: &Connection, today: Date) -> Option<String> {
    let (expires_on, days_left) = expiry_of(connection, today)?;
    if days_left > HELPER_WARNING_DAYS {
        return None;
    }
    let log = connection.reminders.for_expiry(&expires_on);
    if log.helper_warned_on.as_deref() == Some(format_date(today).as_str()) {
        return None;
    }
    let when = match days_left {
        ..0 => format!("expired on {expires_on}"),
        0 => format!("expires today ({expires_on})"),
        1 => format!("expires in 1 day ({expires_on})"),
        days => format!("expires in {days} days ({expires_on})"),
    };
    let name = &connection.name;
    let argument = if name.contains(' ') {
        format!("\"{name}\"")
    } else {
        name.clone()
    };
    Some(format!(
        "repoconn: \"{name}\" {when}; create a new token and save it with `repoconn rotate {argument}` (or Edit in the Repository Connections app)"
    ))
}

/// [`helper_warning`] for the saved connection `name`, recorded under the file's lock so that
/// of several git processes at once only one warns. `None` when nothing is due.
pub fn claim_helper_warning(
    registry: &Registry,
    name: &str,
    today: Date,
) -> Result<Option<String>, StorageError> {
    let mut warning = None;
    registry.update(name, |c| {
        let Some(line) = helper_warning(c, today) else {
            return;
        };
        let Some((expires_on, _)) = expiry_of(c, today) else {
            return;
        };
        let mut log = c.reminders.for_expiry(&expires_on);
        log.helper_warned_on = Some(format_date(today));
        c.reminders = log;
        warning = Some(line);
    })?;
    Ok(warning)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secret::Secret;
    use crate::store::connection::ReminderLog;
    use crate::store::keychain::Keychain;
    use crate::store::keychain::memory::MemoryStore;
    use time::Duration;
    use time::macros::date;

    const EXPIRY: Date = date!(2027 - 03 - 31);

    fn expiring(on: Date) -> Connection {
        Connection {
            expires_on: Some(format_date(on)),
            ..Connection::sample("work")
        }
    }

    fn days_before(days: i64) -> Date {
        EXPIRY - Duration::days(days)
    }

    /// What a running app would show on each of `days` (days before the expiry, in order),
    /// recording each as shown.
    fn shown_on(days: &[i64]) -> Vec<(i64, Reminder)> {
        let mut connection = expiring(EXPIRY);
        let mut shown = Vec::new();
        for &day in days {
            if let Some(reminder) = due(&connection, days_before(day)) {
                connection.reminders = ReminderLog {
                    expires_on: Some(format_date(EXPIRY)),
                    shown: Some(reminder),
                    ..ReminderLog::default()
                };
                shown.push((day, reminder));
            }
        }
        shown
    }

    #[test]
    fn an_app_running_every_day_reminds_at_30_7_1_days_and_at_expiry_each_once() {
        let every_day: Vec<i64> = (-5..=40).rev().collect();
        assert_eq!(
            shown_on(&every_day),
            [
                (30, Reminder::ThirtyDays),
                (7, Reminder::SevenDays),
                (1, Reminder::OneDay),
                (-1, Reminder::Expired),
            ]
        );
    }

    #[test]
    fn a_missed_reminder_is_not_given_late_when_a_closer_one_is_due() {
        // The app ran 40 days before, then not until 5 days before: only the 7-day one comes.
        assert_eq!(shown_on(&[40, 5, 4, 3]), [(5, Reminder::SevenDays)]);
        // Not run at all until after the expiry: only "expired", once.
        assert_eq!(shown_on(&[60, -10, -11]), [(-10, Reminder::Expired)]);
        // Started the day before: the 1-day reminder, and then the expiry.
        assert_eq!(
            shown_on(&[1, 0, -1]),
            [(1, Reminder::OneDay), (-1, Reminder::Expired)]
        );
    }

    #[test]
    fn nothing_is_due_far_from_expiry_or_without_a_date() {
        assert_eq!(due(&expiring(EXPIRY), days_before(31)), None);
        let unknown = Connection {
            expires_on: None,
            ..Connection::sample("x")
        };
        assert_eq!(due(&unknown, days_before(0)), None);
    }

    #[test]
    fn a_new_expiry_date_starts_the_reminders_afresh() {
        let mut connection = expiring(EXPIRY);
        connection.reminders = ReminderLog {
            expires_on: Some(format_date(EXPIRY)),
            shown: Some(Reminder::Expired),
            helper_warned_on: Some("2027-04-01".into()),
            ..ReminderLog::default()
        };
        assert_eq!(due(&connection, days_before(-1)), None);
        // Rotated to a token that expires 3 days from that day: its own 7-day reminder is due.
        connection.expires_on = Some(format_date(EXPIRY + Duration::days(4)));
        assert_eq!(due(&connection, days_before(-1)), Some(Reminder::SevenDays));
        assert!(helper_warning(&connection, days_before(-1)).is_some());
    }

    #[test]
    fn notifications_name_the_connection_the_date_and_what_to_do() {
        let today = days_before(7);
        let due = due_reminders(&[expiring(EXPIRY), Connection::sample("later")], today);
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!(due[0].title, "\"work\" expires in 7 days");
        assert!(due[0].body.contains("2027-03-31"), "{}", due[0].body);
        assert!(due[0].body.contains("Edit"), "{}", due[0].body);
        let expired = due_reminders(&[expiring(EXPIRY)], days_before(-2));
        assert_eq!(expired[0].title, "\"work\" has expired");
        assert!(expired[0].body.starts_with("It expired on 2027-03-31"));
    }

    #[test]
    fn the_helper_warns_from_seven_days_in_the_contracts_words() {
        let connection = expiring(EXPIRY);
        assert_eq!(helper_warning(&connection, days_before(8)), None);
        assert_eq!(
            helper_warning(&connection, days_before(7)).unwrap(),
            "repoconn: \"work\" expires in 7 days (2027-03-31); create a new token and save it with `repoconn rotate work` (or Edit in the Repository Connections app)"
        );
        assert!(
            helper_warning(&connection, days_before(-3))
                .unwrap()
                .starts_with("repoconn: \"work\" expired on 2027-03-31; ")
        );
        let spaced = Connection {
            name: "my work".into(),
            ..connection
        };
        assert!(helper_warning(&spaced, days_before(1)).unwrap().contains(
            "expires in 1 day (2027-03-31); create a new token and save it with `repoconn rotate \"my work\"`"
        ));
    }

    fn registry_with(connection: Connection) -> (tempfile::TempDir, Registry) {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(
            dir.path().join("data"),
            Keychain::with_store(Box::new(MemoryStore::default()), 1000),
        );
        registry.add(connection, &Secret::new("s")).unwrap();
        (dir, registry)
    }

    #[test]
    fn the_helper_warns_once_a_day_and_the_file_remembers_it() {
        let (_dir, registry) = registry_with(expiring(EXPIRY));
        let today = days_before(3);
        assert!(claim_helper_warning(&registry, "work", today).unwrap().is_some());
        assert_eq!(claim_helper_warning(&registry, "work", today).unwrap(), None);
        assert!(
            claim_helper_warning(&registry, "work", today + Duration::days(1))
                .unwrap()
                .is_some(),
            "again the next day"
        );
        let file = std::fs::read_to_string(registry.file_path()).unwrap();
        assert!(file.contains("\"helper_warned_on\": \"2027-03-29\""), "{file}");
    }

    #[test]
    fn a_shown_reminder_is_recorded_once_in_the_connections_file() {
        let (_dir, registry) = registry_with(expiring(EXPIRY));
        let today = days_before(7);
        let due = due_reminders(&registry.list().unwrap(), today);
        assert!(record_shown(&registry, &due[0]).unwrap());
        assert!(!record_shown(&registry, &due[0]).unwrap(), "recorded once");
        assert!(due_reminders(&registry.list().unwrap(), today).is_empty());
        let file: serde_json::Value =
            serde_json::from_slice(&std::fs::read(registry.file_path()).unwrap()).unwrap();
        assert_eq!(
            file["connections"][0]["reminders"],
            serde_json::json!({"expires_on": "2027-03-31", "shown": "7_days"})
        );
        // Once the date changes (a rotation), the old reminder is not recorded against it.
        registry
            .update("work", |c| c.expires_on = Some("2027-09-30".into()))
            .unwrap();
        assert!(!record_shown(&registry, &due[0]).unwrap());
    }
}
