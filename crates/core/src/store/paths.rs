//! Where Repository Connections keeps its files. The desktop app, the CLI and git's credential
//! helper must agree on one folder, so the rule lives here and nowhere else.

use std::path::PathBuf;

/// Environment variable that overrides the data folder (tests, portable setups, several profiles).
pub const DATA_DIR_ENV: &str = "REPOCONN_DATA_DIR";

/// The folder name under the OS's per-user data folder.
const APP_DIR_NAME: &str = "repoconn";

/// The folder that holds the connection metadata and the app's preferences (never a secret):
/// `$REPOCONN_DATA_DIR` when set and not empty, else the OS's per-user data folder + `repoconn`
/// (`~/.local/share/repoconn`, `~/Library/Application Support/repoconn`, `%APPDATA%\repoconn`).
/// `None` only when the OS reports no home folder at all.
pub fn data_dir() -> Option<PathBuf> {
    data_dir_from(std::env::var_os(DATA_DIR_ENV), dirs::data_dir())
}

fn data_dir_from(overridden: Option<std::ffi::OsString>, os_data_dir: Option<PathBuf>) -> Option<PathBuf> {
    match overridden {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => os_data_dir.map(|dir| dir.join(APP_DIR_NAME)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_wins_over_the_os_folder() {
        let dir = data_dir_from(Some("/tmp/rc-test".into()), Some("/home/u/.local/share".into()));
        assert_eq!(dir, Some(PathBuf::from("/tmp/rc-test")));
    }

    #[test]
    fn an_empty_override_is_ignored() {
        let dir = data_dir_from(Some("".into()), Some("/home/u/.local/share".into()));
        assert_eq!(dir, Some(PathBuf::from("/home/u/.local/share/repoconn")));
    }

    #[test]
    fn no_home_and_no_override_means_no_folder() {
        assert_eq!(data_dir_from(None, None), None);
    }
}
