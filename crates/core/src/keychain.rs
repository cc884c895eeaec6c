//! Which operating-system keychain holds secrets on this platform.
//!
//! Secrets never go to a plain file: on every supported OS there is exactly one store we use, chosen
//! at compile time, so what the app reports here is what it will actually write to.

use serde::Serialize;
use specta::Type;

/// The OS credential store that the core writes secrets to on the platform it was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "kebab-case")]
pub enum KeychainBackend {
    /// The freedesktop Secret Service (GNOME Keyring, KWallet) over D-Bus: Linux and the BSDs.
    SecretService,
    /// The macOS login keychain.
    MacosKeychain,
    /// The Windows Credential Manager.
    WindowsCredentialManager,
}

impl KeychainBackend {
    /// The store used on the platform this binary was compiled for.
    pub const fn current() -> Self {
        if cfg!(target_os = "macos") {
            Self::MacosKeychain
        } else if cfg!(target_os = "windows") {
            Self::WindowsCredentialManager
        } else {
            Self::SecretService
        }
    }

    /// The name people know the store by, for messages and the About panel.
    pub const fn display_name(self) -> &'static str {
        match self {
            Self::SecretService => "Secret Service (GNOME Keyring / KWallet)",
            Self::MacosKeychain => "macOS Keychain",
            Self::WindowsCredentialManager => "Windows Credential Manager",
        }
    }
}

impl std::fmt::Display for KeychainBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_matches_the_target_os() {
        let expected = match std::env::consts::OS {
            "macos" => KeychainBackend::MacosKeychain,
            "windows" => KeychainBackend::WindowsCredentialManager,
            _ => KeychainBackend::SecretService,
        };
        assert_eq!(KeychainBackend::current(), expected);
    }

    #[test]
    fn the_backend_serialises_as_a_stable_kebab_case_id() {
        let json = serde_json::to_string(&KeychainBackend::WindowsCredentialManager).unwrap();
        assert_eq!(json, "\"windows-credential-manager\"");
        let json = serde_json::to_string(&KeychainBackend::SecretService).unwrap();
        assert_eq!(json, "\"secret-service\"");
    }
}
