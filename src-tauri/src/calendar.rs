//! Add to calendar: a saved connection's expiry as an iCalendar file (the core builds it: an
//! all-day event on the date, an alarm a week before), written where the person chooses in the
//! system's save dialog. The dialog runs here: the page gets no file access, only the path.

use std::path::{Path, PathBuf};

use repoconn_core::expiry::calendar::{expiry_event, file_name};
use repoconn_core::store::registry::Registry;
use tauri::{AppHandle, Runtime, State};
use time::OffsetDateTime;

use crate::dialog::{AppState, blocking};
use crate::error::{AppError, ShellCode};

/// Asks where to save the calendar file of the connection `name`'s expiry, then writes it and
/// answers its path. `None` when the person closed the dialog without choosing.
#[tauri::command]
#[specta::specta]
pub async fn save_expiry_calendar<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    name: String,
) -> Result<Option<String>, AppError> {
    let registry = state.registry()?;
    // Built before the dialog opens: a connection without a date is refused without asking.
    let (suggested, ics) =
        blocking(move || expiry_calendar(&registry, &name, OffsetDateTime::now_utc())).await?;
    let Some(path) = ask_where(&app, suggested).await else {
        return Ok(None);
    };
    blocking(move || write_calendar(&path, &ics)).await.map(Some)
}

/// The suggested file name and the `.ics` text of the saved connection `name`'s expiry.
fn expiry_calendar(
    registry: &Registry,
    name: &str,
    now: OffsetDateTime,
) -> Result<(String, String), AppError> {
    let connection = registry.get(name)?;
    let ics = expiry_event(&connection, now).ok_or_else(|| {
        AppError::new(
            ShellCode::NoExpiryDate,
            format!("\"{name}\" has no expiry date to put in a calendar."),
        )
        .with_fix(format!(
            "Choose Edit beside \"{name}\", enter the date its token expires, and save; then add it to your calendar."
        ))
    })?;
    Ok((file_name(&connection), ics))
}

async fn ask_where<R: Runtime>(app: &AppHandle<R>, suggested: String) -> Option<PathBuf> {
    use tauri_plugin_dialog::DialogExt;
    let (sender, receiver) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Save the expiry reminder")
        .set_file_name(suggested)
        .add_filter("Calendar (iCalendar)", &["ics"])
        .save_file(move |chosen| {
            let _ = sender.send(chosen.and_then(|path| path.into_path().ok()));
        });
    receiver.await.ok().flatten()
}

/// Writes the file (no secret in it: the name, the date and what to do).
fn write_calendar(path: &Path, ics: &str) -> Result<String, AppError> {
    std::fs::write(path, ics).map_err(|err| {
        AppError::new(
            ShellCode::CalendarNotSaved,
            format!("The reminder could not be saved to {}: {err}.", path.display()),
        )
        .with_fix(
            "Press Add to calendar again and choose a folder you can write to, such as your home folder.",
        )
    })?;
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use repoconn_core::domain::catalogue::StorageError;
    use repoconn_core::domain::secret::Secret;
    use repoconn_core::store::keychain::{Keychain, SecretStore};
    use time::macros::datetime;

    /// The calendar file needs no secret: any use of the keychain fails the test.
    struct Untouchable;
    impl SecretStore for Untouchable {
        fn set(&self, _: &str, _: &Secret) -> Result<(), StorageError> {
            panic!("the keychain was written")
        }
        fn get(&self, _: &str) -> Result<Option<Secret>, StorageError> {
            panic!("the keychain was read")
        }
        fn delete(&self, _: &str) -> Result<bool, StorageError> {
            panic!("the keychain was changed")
        }
        fn accounts(&self) -> Result<Option<Vec<String>>, StorageError> {
            panic!("the keychain was listed")
        }
    }

    /// A data folder with two saved connections: one with an expiry date, one without.
    fn registry() -> (tempfile::TempDir, Registry) {
        let dir = tempfile::tempdir().unwrap();
        let connection = |id: &str, name: &str, expires_on: Option<&str>| {
            serde_json::json!({
                "id": id, "name": name, "provider": "cloud", "base_url": "https://api.bitbucket.org/",
                "method": "api-token", "email": "ada@example.com", "profile": "read-only",
                "expires_on": expires_on, "created_at": "2026-11-26T10:00:00Z", "status": "valid",
                "secret_key": format!("conn-{id}")
            })
        };
        let file = serde_json::json!({
            "schema_version": 1,
            "connections": [connection("a1", "team work", Some("2027-03-31")), connection("b2", "forever", None)],
        });
        std::fs::write(dir.path().join("connections.json"), file.to_string()).unwrap();
        let registry = Registry::new(
            dir.path().to_owned(),
            Keychain::with_store(Box::new(Untouchable), 1000),
        );
        (dir, registry)
    }

    #[test]
    fn the_event_is_on_the_saved_expiry_date_with_its_alarm() {
        let (_dir, registry) = registry();
        let (suggested, ics) =
            expiry_calendar(&registry, "team work", datetime!(2026-11-26 10:00 UTC)).unwrap();
        assert_eq!(suggested, "team-work-expires.ics");
        assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20270331\r\n"), "{ics}");
        assert!(ics.contains("\r\nBEGIN:VALARM\r\n"), "{ics}");

        let out = tempfile::tempdir().unwrap();
        let path = out.path().join(&suggested);
        assert_eq!(write_calendar(&path, &ics).unwrap(), path.display().to_string());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), ics);
    }

    #[test]
    fn a_connection_without_a_date_or_unknown_is_refused_with_what_to_do() {
        let (_dir, registry) = registry();
        let now = datetime!(2026-11-26 10:00 UTC);
        let err = expiry_calendar(&registry, "forever", now).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::Shell(ShellCode::NoExpiryDate));
        assert!(err.fix.contains("Edit beside \"forever\""), "{}", err.fix);
        let err = expiry_calendar(&registry, "gone", now).unwrap_err();
        assert_eq!(serde_json::to_value(err.code).unwrap(), "not_found");
    }

    #[test]
    fn an_unwritable_place_says_so_and_what_to_do() {
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("missing-folder/work.ics");
        let err = write_calendar(&path, "BEGIN:VCALENDAR\r\n").unwrap_err();
        assert_eq!(
            err.code,
            crate::error::ErrorCode::Shell(ShellCode::CalendarNotSaved)
        );
        assert!(err.message.contains("missing-folder/work.ics"), "{}", err.message);
        assert!(err.fix.contains("Add to calendar again"), "{}", err.fix);
    }
}
