//! What this build is: shown in the app's About line and by `repoconn info`; and the support
//! bundle ([`bundle`]) that describes this installation to whoever helps its user.

pub mod bundle;
mod scrub;
pub mod system;

use serde::Serialize;
use specta::Type;

use crate::domain::secret::KeychainBackend;

/// Facts about this build that help a user (or a bug report) know what they are running.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The product name, "Repository Connections".
    pub name: String,
    /// The release version, e.g. "0.1.0" (the workspace version; app, CLI and core ship together).
    pub version: String,
    /// The operating system family this build targets: "linux", "macos", "windows"...
    pub os: String,
    /// The CPU architecture: "x86_64", "aarch64"...
    pub arch: String,
    /// Where secrets are kept on this OS.
    pub keychain: KeychainBackend,
    /// `keychain`'s human name, so that no shell has to keep its own table of names.
    pub keychain_name: String,
    /// The folder holding connection metadata and preferences (never secrets), if the OS has one.
    pub data_dir: Option<String>,
}

/// The product name, used in window titles, messages and the keychain service prefix.
pub const PRODUCT_NAME: &str = "Repository Connections";

impl AppInfo {
    /// Describes the running build.
    pub fn current() -> Self {
        let keychain = KeychainBackend::current();
        Self {
            name: PRODUCT_NAME.to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            os: std::env::consts::OS.to_owned(),
            arch: std::env::consts::ARCH.to_owned(),
            keychain,
            keychain_name: keychain.display_name().to_owned(),
            data_dir: crate::store::paths::data_dir().map(|dir| dir.display().to_string()),
        }
    }
}

/// Replaces Rust's panic message with one that leaves out the payload: a panic message can hold
/// any value the code was looking at, a secret included. It still says where, for a bug report.
pub fn install_panic_hook(program: &'static str) {
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "{program}: internal error{place}. Its details are left out because they could contain a secret; please report this line and what you did."
        );
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_this_build() {
        let info = AppInfo::current();
        assert_eq!(info.name, "Repository Connections");
        assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(info.os, std::env::consts::OS);
        assert_eq!(info.keychain, KeychainBackend::current());
        assert_eq!(info.keychain_name, info.keychain.display_name());
    }

    #[test]
    fn serialises_with_camel_case_keys_for_the_web_page() {
        let value = serde_json::to_value(AppInfo::current()).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(keys.contains(&"keychainName"), "{keys:?}");
        assert!(!keys.contains(&"keychain_name"), "{keys:?}");
    }
}
