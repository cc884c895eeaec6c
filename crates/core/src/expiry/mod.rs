//! Expiry: which date to record for a credential (the one given, what the server said, the
//! method's default, capped by the administrator's policy), how close a connection is to it, and
//! the reminders before it ([`reminders`]).

pub mod calendar;
pub mod reminders;

use serde::Serialize;
use specta::Type;
use time::{Date, Duration};

use crate::domain::catalogue::{StorageError, StorageFault};
use crate::domain::dates::{format_date, parse_date};
use crate::domain::method::Method;
use crate::policy::PolicyState;
use crate::store::connection::Connection;

/// Cloud API tokens live at most a year, and Bitbucket does not say when one expires.
const API_TOKEN_DAYS: i64 = 365;
/// Days before expiry from which a connection counts as expiring soon (lists warn from then).
pub const SOON_DAYS: i32 = 30;

/// The expiry a method gets when none is given (Cloud API tokens: a year).
pub fn default_expiry(method: Method, today: Date) -> Option<Date> {
    (method == Method::ApiToken).then(|| today + Duration::days(API_TOKEN_DAYS))
}

/// The expiry date to record: the one given, else the method's default; never later than the
/// policy's longest token lifetime (which also becomes the default). An error when the date is
/// beyond the cap, or the cap cannot be read from the policy file.
pub fn effective_expiry(
    method: Method,
    given: Option<Date>,
    policy: &PolicyState,
    today: Date,
) -> Result<Option<Date>, StorageError> {
    // Nothing is saved while the policy's cap cannot be read.
    let max_days = policy.max_token_lifetime_days()?;
    let latest = max_days.map(|days| today + Duration::days(i64::from(days)));
    let chosen = given.or_else(|| default_expiry(method, today));
    match (chosen, latest, max_days) {
        (Some(date), Some(latest), Some(days)) if date > latest => Err(StorageFault::ExpiryBeyondPolicy {
            days,
            latest: format_date(latest),
            value: format_date(date),
        }
        .into()),
        (None, Some(latest), _) => Ok(Some(latest)),
        (chosen, _, _) => Ok(chosen),
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
    /// Within `SOON_DAYS` (30 days).
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
        } else if days <= SOON_DAYS {
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
    use time::macros::date;

    fn with_expiry(date: Option<&str>) -> Connection {
        Connection {
            expires_on: date.map(str::to_owned),
            ..Connection::sample("x")
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
    fn the_policy_caps_token_lifetimes() {
        let today = date!(2026 - 11 - 26);
        let mut policy = PolicyState::default();
        policy.policy.max_token_lifetime_days = Some(90);
        // An API token's year is too long; a date within 90 days is fine; no date means the cap.
        let err = effective_expiry(Method::ApiToken, None, &policy, today).unwrap_err();
        assert_eq!(
            err.code,
            crate::domain::catalogue::StorageCode::ExpiryBeyondPolicy
        );
        assert!(err.message.contains("2027-02-24"), "{}", err.message);
        let fine = effective_expiry(Method::ApiToken, Some(date!(2027 - 01 - 01)), &policy, today).unwrap();
        assert_eq!(fine, Some(date!(2027 - 01 - 01)));
        let capped = effective_expiry(Method::PersonalToken, None, &policy, today).unwrap();
        assert_eq!(capped, Some(date!(2027 - 02 - 24)));
        assert_eq!(
            effective_expiry(Method::PersonalToken, None, &PolicyState::default(), today).unwrap(),
            None
        );
    }

    #[test]
    fn api_tokens_default_to_a_year() {
        let today = date!(2026 - 11 - 26);
        assert_eq!(
            default_expiry(Method::ApiToken, today),
            Some(date!(2027 - 11 - 26))
        );
        assert_eq!(default_expiry(Method::PersonalToken, today), None);
    }
}
