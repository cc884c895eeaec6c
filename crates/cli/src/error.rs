//! The one error type of the command line: what to print on standard error and the exit status
//! to end with (the shape cargo uses). Commands return it; `main` prints it once.
//!
//! Exit statuses are a contract with scripts: 0 usable, 1 not usable (or doctor found something
//! out of step), 2 usage error, 3 could not verify, 4 the keychain or the connections file refused.

use std::fmt;

use repoconn_core::check::EnvError;
use repoconn_core::domain::catalogue::StorageError;
use repoconn_core::domain::scopes::RequirementError;
use repoconn_core::domain::sniff::AddressError;

/// Not usable: the check found problems, doctor found something out of step, or what was asked
/// could not be done (a browser that did not start).
pub const NOT_USABLE: u8 = 1;
/// The command line cannot be carried out as written.
pub const USAGE: u8 = 2;
/// No verdict could be reached (the network, or the program itself, could not run the check).
pub const UNVERIFIED: u8 = 3;
/// The keychain or the connections file refused an operation.
pub const STORAGE: u8 = 4;

/// What a command ends with when it cannot finish: `main` prints it and exits with `exit`.
#[derive(Debug)]
pub struct CliError {
    message: String,
    fix: Option<String>,
    /// The catalogue's code, printed first so that scripts and searches can match it.
    code: Option<&'static str>,
    exit: u8,
}

/// What every command returns: its exit status when it ran to the end.
pub type CliResult = Result<u8, CliError>;

impl CliError {
    pub fn usage(message: impl Into<String>) -> Self {
        Self::plain(message, USAGE)
    }

    /// A refusal of the keychain or the connections file, with its code and what to do.
    pub fn storage(err: StorageError) -> Self {
        Self {
            message: err.message,
            fix: Some(err.fix),
            code: Some(err.code.as_str()),
            exit: STORAGE,
        }
    }

    /// The command could not even try (e.g. the async runtime did not start): no verdict.
    pub fn unverified(message: impl Into<String>) -> Self {
        Self::plain(message, UNVERIFIED)
    }

    /// Anything else that stops a command, such as a browser that would not start.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::plain(message, NOT_USABLE)
    }

    /// The same error, with what to do about it (printed below it).
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    fn plain(message: impl Into<String>, exit: u8) -> Self {
        Self {
            message: message.into(),
            fix: None,
            code: None,
            exit,
        }
    }

    pub fn exit_code(&self) -> u8 {
        self.exit
    }

    /// Prints the error as the one thing this run says about it on standard error.
    pub fn print(&self) {
        eprintln!("repoconn: {self}");
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = self.code {
            write!(f, "[{code}] ")?;
        }
        f.write_str(&self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

impl From<StorageError> for CliError {
    fn from(err: StorageError) -> Self {
        Self::storage(err)
    }
}

impl From<EnvError> for CliError {
    fn from(err: EnvError) -> Self {
        Self::usage(err.to_string())
    }
}

impl From<RequirementError> for CliError {
    fn from(err: RequirementError) -> Self {
        Self::usage(err.to_string())
    }
}

impl From<AddressError> for CliError {
    fn from(err: AddressError) -> Self {
        Self::usage(err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use repoconn_core::domain::catalogue::StorageCode;

    #[test]
    fn a_storage_error_prints_its_code_and_fix_and_exits_4() {
        let err = CliError::storage(StorageError {
            code: StorageCode::KeychainUnavailable,
            message: "No keychain.".into(),
            fix: "Start one.".into(),
            fix_in_dialog: None,
        });
        assert_eq!(
            err.to_string(),
            "[keychain_unavailable] No keychain.\n  fix: Start one."
        );
        assert_eq!(err.exit_code(), STORAGE);
    }

    #[test]
    fn a_usage_error_is_its_message_and_exits_2() {
        let err: CliError = AddressError::Empty.into();
        assert_eq!(err.to_string(), "the server address is empty");
        assert_eq!(err.exit_code(), USAGE);
    }
}
