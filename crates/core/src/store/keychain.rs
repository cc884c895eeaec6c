//! The OS keychain: the only place a secret is ever written. One store per OS, chosen at compile
//! time (Secret Service, macOS Keychain, Windows Credential Manager). Trouble with it is reported
//! with a code and a fix, never worked around with a plain file.

use std::collections::HashMap;
use std::sync::Arc;

use keyring_core::{Entry, Error as KeyringError};

use crate::domain::catalogue::{StorageError, StorageFault};
use crate::domain::secret::Secret;

/// The keychain service our items are filed under; `REPOCONN_KEYCHAIN_SERVICE` overrides it
/// (tests, or several independent profiles on one account).
pub const SERVICE: &str = "repoconn";
pub const SERVICE_ENV: &str = "REPOCONN_KEYCHAIN_SERVICE";

/// Windows Credential Manager holds at most 2,560 bytes per item, stored as UTF-16: secrets
/// longer than this many characters (OAuth tokens can be) are split across several items.
const WINDOWS_CHUNK_CHARS: usize = 1200;
/// Marks an item whose secret is split: `repoconn-chunks:v1:N`, the parts in `ACCOUNT#1`…`ACCOUNT#N`.
const CHUNK_MARKER: &str = "repoconn-chunks:v1:";

/// A place that keeps secrets by account name. The OS keychain in the product; tests may use
/// another implementation.
pub trait SecretStore: Send + Sync {
    fn set(&self, account: &str, value: &Secret) -> Result<(), StorageError>;
    fn get(&self, account: &str) -> Result<Option<Secret>, StorageError>;
    /// True when there was something to delete.
    fn delete(&self, account: &str) -> Result<bool, StorageError>;
    /// Every account we have an item for, or `None` where the OS store cannot list them.
    fn accounts(&self) -> Result<Option<Vec<String>>, StorageError>;
}

/// Secrets in the OS keychain, split into parts where the OS limits their size.
pub struct Keychain {
    store: Box<dyn SecretStore>,
    chunk_chars: usize,
}

impl Keychain {
    /// The OS keychain, under `service`.
    pub fn open(service: &str) -> Result<Self, StorageError> {
        let chunk_chars = if cfg!(target_os = "windows") {
            WINDOWS_CHUNK_CHARS
        } else {
            usize::MAX
        };
        Ok(Self {
            store: Box::new(OsKeychain::open(service)?),
            chunk_chars,
        })
    }

    /// The OS keychain under the service named by the environment, or ours.
    pub fn open_default() -> Result<Self, StorageError> {
        let service = std::env::var(SERVICE_ENV).ok().filter(|s| !s.is_empty());
        Self::open(service.as_deref().unwrap_or(SERVICE))
    }

    /// Any store, with a chosen split size (tests of the splitting run on every OS this way).
    pub fn with_store(store: Box<dyn SecretStore>, chunk_chars: usize) -> Self {
        Self {
            store,
            chunk_chars: chunk_chars.max(1),
        }
    }

    /// Saves `secret` under `account`, replacing what was there. Parts are written before the
    /// item that points at them, so a reader never finds a pointer to missing parts.
    pub fn store(&self, account: &str, secret: &Secret) -> Result<(), StorageError> {
        let value = secret.expose();
        let previous_parts = self.part_count(account)?;
        if value.chars().count() <= self.chunk_chars && !value.starts_with(CHUNK_MARKER) {
            self.store.set(account, secret)?;
        } else {
            let chars: Vec<char> = value.chars().collect();
            let parts: Vec<String> = chars
                .chunks(self.chunk_chars)
                .map(|c| c.iter().collect())
                .collect();
            for (index, part) in parts.iter().enumerate() {
                self.store
                    .set(&part_name(account, index + 1), &Secret::new(part.as_str()))?;
            }
            let marker = Secret::new(format!("{CHUNK_MARKER}{}", parts.len()));
            self.store.set(account, &marker)?;
            for index in parts.len()..previous_parts {
                self.store.delete(&part_name(account, index + 1))?;
            }
            return Ok(());
        }
        for index in 0..previous_parts {
            self.store.delete(&part_name(account, index + 1))?;
        }
        Ok(())
    }

    /// The secret under `account`, or `None`.
    pub fn load(&self, account: &str) -> Result<Option<Secret>, StorageError> {
        let Some(value) = self.store.get(account)? else {
            return Ok(None);
        };
        let Some(count) = value
            .expose()
            .strip_prefix(CHUNK_MARKER)
            .and_then(|n| n.parse::<usize>().ok())
        else {
            return Ok(Some(value));
        };
        let mut joined = String::new();
        for index in 1..=count {
            match self.store.get(&part_name(account, index))? {
                Some(part) => joined.push_str(part.expose()),
                None => {
                    return Err(StorageFault::KeychainFailure {
                        reason: format!("part {index} of {count} of a stored secret is missing"),
                    }
                    .into());
                }
            }
        }
        Ok(Some(Secret::new(joined)))
    }

    /// Whether an item is stored under `account`. Asks the keychain for it, so it fails as a
    /// deletion would where the keychain is missing or locked; a damaged split secret still
    /// counts as there.
    pub fn holds(&self, account: &str) -> Result<bool, StorageError> {
        Ok(self.store.get(account)?.is_some())
    }

    /// Deletes the secret and its parts; true when there was one.
    pub fn remove(&self, account: &str) -> Result<bool, StorageError> {
        for index in 0..self.part_count(account)? {
            self.store.delete(&part_name(account, index + 1))?;
        }
        self.store.delete(account)
    }

    /// Accounts holding a secret (parts left out), or `None` where the OS cannot list them.
    pub fn accounts(&self) -> Result<Option<Vec<String>>, StorageError> {
        Ok(self
            .store
            .accounts()?
            .map(|all| all.into_iter().filter(|a| !a.contains('#')).collect()))
    }

    fn part_count(&self, account: &str) -> Result<usize, StorageError> {
        Ok(self
            .store
            .get(account)?
            .and_then(|v| v.expose().strip_prefix(CHUNK_MARKER).and_then(|n| n.parse().ok()))
            .unwrap_or(0))
    }
}

fn part_name(account: &str, index: usize) -> String {
    format!("{account}#{index}")
}

/// The platform store through the `keyring-core` crates, connected on first use: listing saved
/// connections needs no keychain, and the app starts faster without the D-Bus round trip.
struct OsKeychain {
    store: std::sync::OnceLock<Arc<keyring_core::CredentialStore>>,
    service: String,
}

impl OsKeychain {
    fn open(service: &str) -> Result<Self, StorageError> {
        Ok(Self {
            store: std::sync::OnceLock::new(),
            service: service.to_owned(),
        })
    }

    fn platform(&self) -> Result<&Arc<keyring_core::CredentialStore>, StorageError> {
        if let Some(store) = self.store.get() {
            return Ok(store);
        }
        let created = platform_store().map_err(storage_error)?;
        Ok(self.store.get_or_init(|| created))
    }

    fn entry(&self, account: &str) -> Result<Entry, StorageError> {
        Entry::new_in_store(self.platform()?, &self.service, account).map_err(storage_error)
    }
}

#[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(zbus_secret_service_keyring_store::Store::new()?)
}

#[cfg(target_os = "macos")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(apple_native_keyring_store::keychain::Store::new()?)
}

#[cfg(target_os = "windows")]
fn platform_store() -> keyring_core::Result<Arc<keyring_core::CredentialStore>> {
    Ok(windows_native_keyring_store::Store::new()?)
}

impl SecretStore for OsKeychain {
    fn set(&self, account: &str, value: &Secret) -> Result<(), StorageError> {
        self.entry(account)?
            .set_password(value.expose())
            .map_err(storage_error)
    }

    fn get(&self, account: &str) -> Result<Option<Secret>, StorageError> {
        match self.entry(account)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(err) => Err(storage_error(err)),
        }
    }

    fn delete(&self, account: &str) -> Result<bool, StorageError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KeyringError::NoEntry) => Ok(false),
            Err(err) => Err(storage_error(err)),
        }
    }

    fn accounts(&self) -> Result<Option<Vec<String>>, StorageError> {
        let spec = HashMap::from([("service", self.service.as_str())]);
        match Entry::search_in_store(self.platform()?, &spec) {
            Ok(entries) => Ok(Some(
                entries
                    .iter()
                    .filter_map(|e| e.get_specifiers())
                    .filter(|(s, _)| *s == self.service)
                    .map(|(_, a)| a)
                    .collect(),
            )),
            Err(KeyringError::NotSupportedByStore(_)) => Ok(None),
            Err(err) => Err(storage_error(err)),
        }
    }
}

/// Says what went wrong in the user's terms, keeping the OS's own words as the reason.
fn storage_error(err: KeyringError) -> StorageError {
    let reason = err.to_string();
    match &err {
        KeyringError::NoStorageAccess(_) => StorageFault::KeychainLocked { reason },
        KeyringError::PlatformFailure(_) | KeyringError::NoDefaultStore => {
            StorageFault::KeychainUnavailable { reason }
        }
        _ => StorageFault::KeychainFailure { reason },
    }
    .into()
}

#[cfg(test)]
pub(crate) mod memory {
    //! An in-memory store with fault injection, for tests of what is built on the keychain.

    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use super::SecretStore;
    use crate::domain::catalogue::{StorageError, StorageFault};
    use crate::domain::secret::Secret;

    #[derive(Clone, Default)]
    pub struct MemoryStore {
        pub items: Arc<Mutex<BTreeMap<String, String>>>,
        /// The next `set` fails.
        pub fail_next_set: Arc<Mutex<bool>>,
        /// Every call fails, as a locked keychain refuses access.
        pub locked: Arc<Mutex<bool>>,
        /// Every `delete` fails (reading still works).
        pub refuse_delete: Arc<Mutex<bool>>,
    }

    impl MemoryStore {
        fn refuse(&self, also: &Mutex<bool>) -> Result<(), StorageError> {
            if *self.locked.lock().unwrap() || *also.lock().unwrap() {
                return Err(StorageFault::KeychainLocked {
                    reason: "locked".into(),
                }
                .into());
            }
            Ok(())
        }
    }

    impl SecretStore for MemoryStore {
        fn set(&self, account: &str, value: &Secret) -> Result<(), StorageError> {
            let once = Mutex::new(std::mem::take(&mut *self.fail_next_set.lock().unwrap()));
            self.refuse(&once)?;
            self.items
                .lock()
                .unwrap()
                .insert(account.to_owned(), value.expose().to_owned());
            Ok(())
        }
        fn get(&self, account: &str) -> Result<Option<Secret>, StorageError> {
            self.refuse(&Mutex::new(false))?;
            Ok(self
                .items
                .lock()
                .unwrap()
                .get(account)
                .map(|v| Secret::new(v.as_str())))
        }
        fn delete(&self, account: &str) -> Result<bool, StorageError> {
            self.refuse(&self.refuse_delete)?;
            Ok(self.items.lock().unwrap().remove(account).is_some())
        }
        fn accounts(&self) -> Result<Option<Vec<String>>, StorageError> {
            self.refuse(&Mutex::new(false))?;
            Ok(Some(self.items.lock().unwrap().keys().cloned().collect()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::memory::MemoryStore;
    use super::*;
    use crate::domain::catalogue::StorageCode;

    #[test]
    fn long_secrets_are_split_and_joined_back() {
        let store = MemoryStore::default();
        let keychain = Keychain::with_store(Box::new(store.clone()), 4);
        keychain.store("conn", &Secret::new("abcdefghij")).unwrap();
        assert_eq!(store.items.lock().unwrap().len(), 4, "marker + 3 parts");
        assert_eq!(keychain.load("conn").unwrap().unwrap().expose(), "abcdefghij");
        assert_eq!(keychain.accounts().unwrap().unwrap(), ["conn"]);

        // A shorter secret replaces it and leaves no stale part behind.
        keychain.store("conn", &Secret::new("xyz")).unwrap();
        assert_eq!(keychain.load("conn").unwrap().unwrap().expose(), "xyz");
        assert_eq!(store.items.lock().unwrap().len(), 1);

        keychain.store("conn", &Secret::new("0123456789")).unwrap();
        assert!(keychain.remove("conn").unwrap());
        assert!(store.items.lock().unwrap().is_empty());
        assert!(keychain.load("conn").unwrap().is_none());
    }

    #[test]
    fn a_missing_part_is_an_error_not_a_truncated_secret() {
        let store = MemoryStore::default();
        let keychain = Keychain::with_store(Box::new(store.clone()), 4);
        keychain.store("conn", &Secret::new("abcdefghij")).unwrap();
        store.items.lock().unwrap().remove("conn#2");
        assert_eq!(
            keychain.load("conn").unwrap_err().code,
            StorageCode::KeychainFailure
        );
    }
}
