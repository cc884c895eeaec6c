//! The one type that holds a credential's secret part. It cannot be printed, logged or serialised
//! by accident, and its memory is wiped when it is dropped.

use serde::Serialize;
use specta::Type;
use zeroize::Zeroizing;

/// A token or password. `Debug` and `Display` print a redaction marker; there is no `Serialize`,
/// so it cannot travel back to the web page or into a file. It can be read from the page
/// (`Deserialize`), which is how the dialog hands over what was pasted.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The secret itself: only for building an `Authorization` header or writing to the keychain.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

/// A string in the generated TypeScript: what the page sends when it hands over a pasted secret.
impl specta::Type for Secret {
    fn definition(types: &mut specta::Types) -> specta::datatype::DataType {
        <String as specta::Type>::definition(types)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

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
    fn never_prints_its_value() {
        let secret = Secret::new("ATATT3xFfGF0-very-secret");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(format!("{secret}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(&secret)), "Some(Secret(<redacted>))");
        assert_eq!(secret.expose(), "ATATT3xFfGF0-very-secret");
    }

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
    }
}
