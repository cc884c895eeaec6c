//! The one error type of the app's commands. Its `code` is typed in the generated TypeScript
//! (the storage codes of the core's catalogue, or one of the shell's own), so the page branches
//! on codes, never on message text; `message` and `fix` are shown as they are.

use repoconn_core::domain::catalogue::{StorageCode, StorageError};
use serde::Serialize;
use specta::Type;

/// What went wrong in the shell itself (the core's storage failures carry their own codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ShellCode {
    /// `REPOCONN_CLOUD_API_URL` or another setting of the environment is unusable.
    Configuration,
    Cancelled,
    /// Save was pressed without a working check to save.
    NotChecked,
    NoLink,
    LinkNotOpened,
    PreferencesUnreadable,
    PreferencesNotSaved,
    /// A repository's default reviewers could not be read (the message says why).
    ReviewersUnavailable,
    /// The `git` program could not be run or answered with an error.
    GitFailed,
    /// A signed-in (OAuth) connection's refresh was refused: the person must sign in again.
    SignInAgain,
    /// A signed-in connection's access token could not be renewed (the network, most often).
    RenewFailed,
    /// Signing in with Bitbucket did not give tokens (consent denied, a refused consumer...).
    SignInRefused,
    /// The support bundle could not be written where the person chose.
    DiagnosticsNotSaved,
    /// Add to calendar was asked of a connection saved without an expiry date.
    NoExpiryDate,
    /// The calendar file could not be written where the person chose.
    CalendarNotSaved,
    /// The administrator's policy decides about updates, and it does not allow this.
    UpdatesManaged,
    /// The update server could not be asked, or the update could not be downloaded.
    UpdateUnavailable,
    /// The downloaded update's signature is not the release key's: it was not installed.
    UpdateRefused,
    /// The update was verified but installing it failed.
    UpdateNotInstalled,
    /// The login entry (start at login) could not be written or removed.
    AutostartFailed,
    /// A worker thread stopped: a bug, reported rather than hidden.
    Internal,
}

/// Either family of codes; in TypeScript `StorageCode | ShellCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(untagged)]
pub enum ErrorCode {
    Storage(StorageCode),
    Shell(ShellCode),
}

/// A failure the page shows: a typed `code`, a plain `message`, and what to do (`fix`, empty when
/// there is nothing to add).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    pub fix: String,
}

impl AppError {
    pub fn new(code: ShellCode, message: impl Into<String>) -> Self {
        Self {
            code: ErrorCode::Shell(code),
            message: message.into(),
            fix: String::new(),
        }
    }

    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }
}

impl From<StorageError> for AppError {
    fn from(err: StorageError) -> Self {
        Self {
            code: ErrorCode::Storage(err.code),
            message: err.message,
            // The window's own words: its buttons, not the CLI's commands.
            fix: err.fix_in_dialog.unwrap_or(err.fix),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repoconn_core::domain::catalogue::StorageFault;

    #[test]
    fn both_families_serialise_as_their_plain_code() {
        let storage = AppError::from(StorageError::from(StorageFault::NotFound { name: "w".into() }));
        let value = serde_json::to_value(storage).unwrap();
        assert_eq!(value["code"], "not_found");
        let shell = AppError::new(ShellCode::NotChecked, "Test first.");
        assert_eq!(serde_json::to_value(shell).unwrap()["code"], "not_checked");
    }
}
