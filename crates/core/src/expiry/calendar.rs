//! A calendar file (iCalendar, RFC 5545) with a connection's expiry date, for people who live in
//! their calendar: one all-day event on the date, with an alarm a week before.

use time::{Date, Duration, OffsetDateTime};

use crate::domain::dates::{format_date, parse_date};
use crate::store::connection::Connection;

/// Longest line in octets, without its line break (RFC 5545 §3.1).
const LINE_OCTETS: usize = 75;

/// The `.ics` text for `connection`'s expiry, or `None` when it has no expiry date. `now` stamps
/// the event (DTSTAMP).
pub fn expiry_event(connection: &Connection, now: OffsetDateTime) -> Option<String> {
    let date = parse_date(connection.expires_on.as_deref()?).ok()?;
    let name = &connection.name;
    let what_to_do = format!(
        "Create a new token before then: in Repository Connections choose Edit beside \"{name}\", then Generate…; or run: repoconn rotate {name}"
    );
    let lines = [
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Repository Connections//repoconn//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}-{}@repoconn", connection.id, compact(date)),
        format!("DTSTAMP:{}", stamp(now)),
        format!("DTSTART;VALUE=DATE:{}", compact(date)),
        format!("DTEND;VALUE=DATE:{}", compact(date + Duration::days(1))),
        format!(
            "SUMMARY:{}",
            escape(&format!("\"{name}\" expires (Bitbucket credential)"))
        ),
        format!(
            "DESCRIPTION:{}",
            escape(&format!(
                "The credential of the connection \"{name}\" stops working on {}.\n{what_to_do}",
                format_date(date)
            ))
        ),
        "TRANSP:TRANSPARENT".to_owned(),
        "BEGIN:VALARM".to_owned(),
        "ACTION:DISPLAY".to_owned(),
        "TRIGGER:-P7D".to_owned(),
        format!(
            "DESCRIPTION:{}",
            escape(&format!("\"{name}\" expires in a week. {what_to_do}"))
        ),
        "END:VALARM".to_owned(),
        "END:VEVENT".to_owned(),
        "END:VCALENDAR".to_owned(),
    ];
    Some(lines.iter().map(|line| fold(line)).collect())
}

/// A file name for the event: the connection's name, with what file systems dislike replaced.
pub fn file_name(connection: &Connection) -> String {
    let safe: String = connection
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{safe}-expires.ics")
}

/// `20270331`.
fn compact(date: Date) -> String {
    format_date(date).replace('-', "")
}

/// `20261126T101500Z`.
fn stamp(now: OffsetDateTime) -> String {
    let utc = now.to_offset(time::UtcOffset::UTC);
    format!(
        "{}T{:02}{:02}{:02}Z",
        compact(utc.date()),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded at 75 octets (never inside a UTF-8 character), ended with CRLF;
/// each continuation starts with a space.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / LINE_OCTETS * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let size = c.len_utf8();
        if used + size > LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += size;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn connection(name: &str) -> Connection {
        Connection {
            name: name.to_owned(),
            expires_on: Some("2027-03-31".into()),
            ..Connection::sample(name)
        }
    }

    /// The content lines, unfolded as a calendar reads them.
    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "")
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn an_all_day_event_on_the_expiry_date_with_an_alarm_a_week_before() {
        let ics = expiry_event(&connection("work"), datetime!(2026-11-26 10:15:00 UTC)).unwrap();
        let lines = unfolded(&ics);
        for expected in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "DTSTART;VALUE=DATE:20270331",
            "DTEND;VALUE=DATE:20270401",
            "DTSTAMP:20261126T101500Z",
            "UID:1-20270331@repoconn",
            "SUMMARY:\"work\" expires (Bitbucket credential)",
            "BEGIN:VALARM",
            "TRIGGER:-P7D",
            "ACTION:DISPLAY",
            "END:VCALENDAR",
        ] {
            assert!(lines.iter().any(|l| l == expected), "{expected} in {ics}");
        }
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "only CRLF line breaks");
        assert_eq!(
            expiry_event(
                &Connection {
                    expires_on: None,
                    ..connection("x")
                },
                datetime!(2026-11-26 0:00 UTC)
            ),
            None
        );
    }

    #[test]
    fn lines_are_folded_at_75_octets_and_text_is_escaped() {
        let ics = expiry_event(&connection("ü-work, team; main"), datetime!(2026-11-26 0:00 UTC)).unwrap();
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let lines = unfolded(&ics);
        let description = lines.iter().find(|l| l.starts_with("DESCRIPTION:The")).unwrap();
        assert!(
            description
                .contains("\"ü-work\\, team\\; main\" stops working on 2027-03-31.\\nCreate a new token"),
            "{description}"
        );
        assert_eq!(escape("a\\b"), "a\\\\b");
        // A fold never splits a character: every piece is valid UTF-8 on its own.
        assert_eq!(
            fold(&"é".repeat(50)).split("\r\n").map(|l| l.len()).max(),
            Some(74)
        );
    }

    #[test]
    fn the_file_is_named_after_the_connection() {
        assert_eq!(file_name(&connection("my work/acme")), "my-work-acme-expires.ics");
    }
}
