//! Calendar dates as the connections file and the servers give them: `YYYY-MM-DD`, UTC.

use time::{Date, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description};

/// A date that is not `YYYY-MM-DD`, or not in the calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{value}\" is not a date (YYYY-MM-DD)")]
pub struct DateError {
    pub value: String,
}

pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Now, to the second, as RFC 3339 (`2026-11-26T10:20:01Z`).
pub fn now() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::now_utc())
        .format(&Rfc3339)
        .unwrap_or_default()
}

pub fn parse_date(text: &str) -> Result<Date, DateError> {
    Date::parse(text.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| DateError {
        value: text.to_owned(),
    })
}

pub fn format_date(date: Date) -> String {
    date.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// The UTC date of a Unix time in milliseconds (how Data Center gives dates).
pub fn date_of_unix_millis(millis: i64) -> Option<Date> {
    OffsetDateTime::from_unix_timestamp(millis.div_euclid(1000))
        .ok()
        .map(|t| t.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn dates_round_trip_and_refuse_what_is_not_in_the_calendar() {
        assert_eq!(format_date(parse_date(" 2027-02-28 ").unwrap()), "2027-02-28");
        assert_eq!(parse_date("2027-02-30").unwrap_err().value, "2027-02-30");
        assert_eq!(
            date_of_unix_millis(1_795_000_000_000),
            Some(date!(2026 - 11 - 18))
        );
    }
}
