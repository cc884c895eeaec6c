//! The registry of saved connections: metadata in the connections file, the secret in the OS
//! keychain, and the two kept consistent whatever happens in between.
//!
//! Secrets are written before the metadata that refers to them and removed after it no longer
//! does, so a crash leaves at worst an orphan secret, which `doctor` reports.

use std::path::PathBuf;

use serde::Serialize;
use specta::Type;

use super::connection::Connection;
use super::file::{Lock, MetadataFile};
use super::keychain::Keychain;
use crate::domain::catalogue::{StorageError, StorageFault};
use crate::domain::secret::Secret;
use crate::domain::tokens::access_secret;

/// Makes the process stop dead at a named step (fault-injection tests of consistency).
pub const FAILPOINT_ENV: &str = "REPOCONN_FAILPOINT";

/// What `doctor` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct Health {
    pub connections: u32,
    /// Keychain items of ours that no connection refers to (left by an interrupted change).
    pub orphan_secrets: Vec<String>,
    /// Connections whose secret is not in the keychain.
    pub missing_secrets: Vec<String>,
    /// False where the OS keychain cannot list items, so orphan secrets cannot be found.
    pub keychain_listable: bool,
}

impl Health {
    pub fn is_consistent(&self) -> bool {
        self.orphan_secrets.is_empty() && self.missing_secrets.is_empty()
    }
}

/// The saved connections of one data folder and keychain service.
pub struct Registry {
    file: MetadataFile,
    keychain: Keychain,
}

impl Registry {
    pub fn new(dir: PathBuf, keychain: Keychain) -> Self {
        Self {
            file: MetadataFile::new(dir),
            keychain,
        }
    }

    /// The user's registry: the data folder (`REPOCONN_DATA_DIR`) and the OS keychain.
    pub fn open_default() -> Result<Self, StorageError> {
        let dir = super::paths::data_dir().ok_or_else(|| StorageFault::DataDirUnavailable {
            reason: "the system reports no home folder".to_owned(),
        })?;
        Ok(Self::new(dir, Keychain::open_default()?))
    }

    pub fn file_path(&self) -> PathBuf {
        self.file.path()
    }

    /// Every saved connection, in the order they were added.
    pub fn list(&self) -> Result<Vec<Connection>, StorageError> {
        Ok(self.file.read()?.connections)
    }

    pub fn get(&self, name: &str) -> Result<Connection, StorageError> {
        self.list()?
            .into_iter()
            .find(|c| c.name == name)
            .ok_or_else(|| not_found(name))
    }

    /// The secret to use for the connection: what the keychain holds, or for a signed-in OAuth
    /// connection the access token among its tokens (`oauth` refreshes them before use).
    pub fn secret(&self, connection: &Connection) -> Result<Secret, StorageError> {
        let stored = self.stored_secret(connection)?;
        Ok(if connection.method.is_oauth() {
            access_secret(stored)
        } else {
            stored
        })
    }

    /// Held while an OAuth connection's tokens are refreshed: the one refresh token may be used
    /// once, so every process that needs a fresh access token takes turns. Separate from the
    /// connections file's lock, which the refresh takes to save what it got.
    pub fn tokens_lock(&self, connection: &Connection) -> Result<Lock, StorageError> {
        self.file.lock_named(&format!("tokens-{}.lock", connection.id))
    }

    /// Exactly what the connection's keychain item holds.
    pub fn stored_secret(&self, connection: &Connection) -> Result<Secret, StorageError> {
        self.keychain.load(&connection.secret_key)?.ok_or_else(|| {
            StorageFault::SecretMissing {
                name: connection.name.clone(),
            }
            .into()
        })
    }

    /// Saves a new connection: the secret first, then the metadata; if the metadata cannot be
    /// written the secret is taken back out, so nothing is left half-saved.
    pub fn add(&self, mut connection: Connection, secret: &Secret) -> Result<Connection, StorageError> {
        check_name(&connection.name)?;
        let _lock = self.file.lock()?;
        let mut file = self.file.read()?;
        if file.connections.iter().any(|c| c.name == connection.name) {
            return Err(StorageFault::NameTaken {
                name: connection.name.clone(),
            }
            .into());
        }
        connection.id = new_id();
        connection.secret_key = format!("conn-{}", connection.id);
        self.keychain.store(&connection.secret_key, secret)?;
        failpoint("add:secret-stored");
        file.connections.push(connection.clone());
        if let Err(err) = self.file.write(&file) {
            let _ = self.keychain.remove(&connection.secret_key);
            return Err(err);
        }
        Ok(connection)
    }

    /// Replaces a connection's secret (rotation, or a change of credential kind): the new secret
    /// is stored under a new item, the metadata switched to it, and only then the old one removed.
    /// `update` may rename the connection: a name that is invalid or taken refuses the whole
    /// change before anything is stored.
    pub fn replace_secret(
        &self,
        name: &str,
        secret: &Secret,
        update: impl FnOnce(&mut Connection),
    ) -> Result<Connection, StorageError> {
        let _lock = self.file.lock()?;
        let mut file = self.file.read()?;
        let index = position(&file.connections, name)?;
        let mut updated = file.connections[index].clone();
        update(&mut updated);
        check_rename(&file.connections, name, &updated.name)?;
        let old_key = updated.secret_key.clone();
        let new_key = next_key(&updated.id, &old_key);
        self.keychain.store(&new_key, secret)?;
        failpoint("rotate:new-secret-stored");
        updated.secret_key = new_key.clone();
        file.connections[index] = updated.clone();
        if let Err(err) = self.file.write(&file) {
            let _ = self.keychain.remove(&new_key);
            return Err(err);
        }
        failpoint("rotate:metadata-written");
        // The connection no longer refers to the old item; if removing it fails, doctor finds it.
        let _ = self.keychain.remove(&old_key);
        Ok(updated)
    }

    /// Changes a connection's metadata (check results, git's verdicts, an edit). The secret is
    /// untouched; a change that changes nothing writes nothing. `change` may rename the
    /// connection: a name that is invalid or taken refuses it, and nothing is written.
    pub fn update(
        &self,
        name: &str,
        change: impl FnOnce(&mut Connection),
    ) -> Result<Connection, StorageError> {
        self.update_if(name, None, change)
    }

    /// [`Registry::update`], only while the connection's secret is still the keychain item
    /// `secret_key` (the one a check just used): when another process replaced it meanwhile, the
    /// change is refused (`secret_changed`), since it was checked with the old secret.
    pub fn update_keeping_secret(
        &self,
        name: &str,
        secret_key: &str,
        change: impl FnOnce(&mut Connection),
    ) -> Result<Connection, StorageError> {
        self.update_if(name, Some(secret_key), change)
    }

    fn update_if(
        &self,
        name: &str,
        secret_key: Option<&str>,
        change: impl FnOnce(&mut Connection),
    ) -> Result<Connection, StorageError> {
        let _lock = self.file.lock()?;
        let mut file = self.file.read()?;
        let index = position(&file.connections, name)?;
        let before = &file.connections[index];
        if secret_key.is_some_and(|key| key != before.secret_key) {
            return Err(StorageFault::SecretChanged {
                name: name.to_owned(),
            }
            .into());
        }
        let mut updated = before.clone();
        change(&mut updated);
        check_rename(&file.connections, name, &updated.name)?;
        if updated != file.connections[index] {
            file.connections[index] = updated.clone();
            // One atomic write: the rename and every other change land together, or none does.
            failpoint("update:before-write");
            self.file.write(&file)?;
        }
        Ok(updated)
    }

    /// Removes a connection: the metadata, then the secret. Returns the connection and whether
    /// the keychain held a secret for it (none at all is fine: there is nothing left to delete).
    ///
    /// The keychain is asked first whether it can be reached and opened (reading the item
    /// needs the same access as deleting it): if not, nothing changes and the error says why.
    /// Only then does the metadata go, and the secret after it, so a crash in between leaves at
    /// worst an orphan secret. Should the keychain still refuse the deletion, the connection is
    /// put back and the error returned: a connection is never dropped while its secret stays.
    pub fn remove(&self, name: &str) -> Result<(Connection, bool), StorageError> {
        let _lock = self.file.lock()?;
        let mut file = self.file.read()?;
        let index = position(&file.connections, name)?;
        let had_secret = self.keychain.holds(&file.connections[index].secret_key)?;
        let removed = file.connections.remove(index);
        self.file.write(&file)?;
        failpoint("remove:metadata-written");
        if let Err(err) = self.keychain.remove(&removed.secret_key) {
            file.connections.insert(index, removed);
            // If even this fails, the secret is an orphan that doctor finds.
            let _ = self.file.write(&file);
            return Err(err);
        }
        Ok((removed, had_secret))
    }

    /// Compares the metadata with the keychain. Changes nothing.
    pub fn doctor(&self) -> Result<Health, StorageError> {
        let file = self.file.read()?;
        let mut health = Health {
            connections: u32::try_from(file.connections.len()).unwrap_or(u32::MAX),
            ..Health::default()
        };
        for connection in &file.connections {
            if self.keychain.load(&connection.secret_key)?.is_none() {
                health.missing_secrets.push(connection.name.clone());
            }
        }
        if let Some(accounts) = self.keychain.accounts()? {
            health.keychain_listable = true;
            health.orphan_secrets = accounts
                .into_iter()
                .filter(|a| !file.connections.iter().any(|c| &c.secret_key == a))
                .collect();
            health.orphan_secrets.sort();
        }
        Ok(health)
    }

    /// Deletes the orphan secrets `doctor` found (they belong to no connection). Connections
    /// whose secret is missing are kept: the user decides to rotate or remove them.
    pub fn repair(&self) -> Result<Health, StorageError> {
        let _lock = self.file.lock()?;
        let health = self.doctor()?;
        for account in &health.orphan_secrets {
            self.keychain.remove(account)?;
        }
        Ok(Health {
            orphan_secrets: Vec::new(),
            ..health
        })
    }
}

/// Whether `name` can name a connection: 1 to 64 letters, digits, spaces, dots, dashes or underscores.
pub fn check_name(name: &str) -> Result<(), StorageError> {
    let ok = !name.trim().is_empty()
        && name.chars().count() <= 64
        && name.chars().all(|c| c.is_alphanumeric() || " ._-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(StorageFault::InvalidName {
            name: name.to_owned(),
        }
        .into())
    }
}

/// A connection renamed from `old` to `new` must take a valid name that no other one has.
fn check_rename(connections: &[Connection], old: &str, new: &str) -> Result<(), StorageError> {
    if new == old {
        return Ok(());
    }
    check_name(new)?;
    if connections.iter().any(|c| c.name == new) {
        return Err(StorageFault::NameTaken { name: new.to_owned() }.into());
    }
    Ok(())
}

fn position(connections: &[Connection], name: &str) -> Result<usize, StorageError> {
    connections
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| not_found(name))
}

fn not_found(name: &str) -> StorageError {
    StorageFault::NotFound {
        name: name.to_owned(),
    }
    .into()
}

/// 16 hex digits from the standard library's per-process random hasher keys, the clock and a
/// counter: unique enough for names of keychain items, no extra dependency.
fn new_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}

/// `conn-ID` → `conn-ID.2` → `conn-ID.3`…
fn next_key(id: &str, current: &str) -> String {
    let generation = current
        .rsplit_once('.')
        .and_then(|(_, n)| n.parse::<u32>().ok())
        .unwrap_or(1);
    format!("conn-{id}.{}", generation + 1)
}

fn failpoint(name: &str) {
    if std::env::var(FAILPOINT_ENV).as_deref() == Ok(name) {
        // Simulates a crash or a kill at exactly this step: no destructors, no cleanup.
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::StorageCode;
    use crate::store::connection::Status;
    use crate::store::keychain::memory::MemoryStore;

    fn sample(name: &str) -> Connection {
        Connection {
            id: String::new(),
            secret_key: String::new(),
            ..Connection::sample(name)
        }
    }

    fn registry() -> (tempfile::TempDir, MemoryStore, Registry) {
        let dir = tempfile::tempdir().unwrap();
        let store = MemoryStore::default();
        let registry = Registry::new(
            dir.path().join("data"),
            Keychain::with_store(Box::new(store.clone()), 1000),
        );
        (dir, store, registry)
    }

    #[test]
    fn add_keeps_the_secret_out_of_the_file_and_in_the_keychain() {
        let (_dir, store, registry) = registry();
        let saved = registry
            .add(sample("work"), &Secret::new("ATATT-secret-value"))
            .unwrap();
        let text = std::fs::read_to_string(registry.file_path()).unwrap();
        assert!(!text.contains("ATATT-secret-value"));
        assert!(text.contains("\"schema_version\": 1"));
        assert_eq!(
            store.items.lock().unwrap().get(&saved.secret_key).unwrap(),
            "ATATT-secret-value"
        );
        assert_eq!(registry.secret(&saved).unwrap().expose(), "ATATT-secret-value");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(registry.file_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn names_are_unique_and_sane() {
        let (_dir, _store, registry) = registry();
        registry.add(sample("work"), &Secret::new("a")).unwrap();
        assert_eq!(
            registry.add(sample("work"), &Secret::new("b")).unwrap_err().code,
            StorageCode::NameTaken
        );
        assert_eq!(
            registry.add(sample("a/b"), &Secret::new("b")).unwrap_err().code,
            StorageCode::InvalidName
        );
    }

    #[test]
    fn a_keychain_failure_saves_nothing() {
        let (_dir, store, registry) = registry();
        *store.fail_next_set.lock().unwrap() = true;
        let err = registry.add(sample("work"), &Secret::new("a")).unwrap_err();
        assert_eq!(err.code, StorageCode::KeychainLocked);
        assert!(registry.list().unwrap().is_empty());
        assert!(store.items.lock().unwrap().is_empty());
    }

    #[test]
    fn a_metadata_write_failure_takes_the_secret_back_out() {
        let (dir, store, _) = registry();
        // The data "folder" is a file: the metadata cannot be written there.
        let blocked = dir.path().join("blocked");
        std::fs::write(&blocked, "").unwrap();
        let registry = Registry::new(blocked, Keychain::with_store(Box::new(store.clone()), 1000));
        let err = registry.add(sample("work"), &Secret::new("a")).unwrap_err();
        assert_eq!(err.code, StorageCode::MetadataWriteFailed);
        assert!(store.items.lock().unwrap().is_empty());
    }

    #[test]
    fn rotation_switches_items_and_removes_the_old_one_last() {
        let (_dir, store, registry) = registry();
        let first = registry.add(sample("work"), &Secret::new("old")).unwrap();
        let rotated = registry
            .replace_secret("work", &Secret::new("new"), |c| c.status = Status::Valid)
            .unwrap();
        assert_ne!(rotated.secret_key, first.secret_key);
        assert_eq!(registry.secret(&rotated).unwrap().expose(), "new");
        let items = store.items.lock().unwrap().clone();
        assert_eq!(items.len(), 1, "{items:?}");
        assert!(registry.doctor().unwrap().is_consistent());
    }

    #[test]
    fn a_rename_to_a_taken_or_invalid_name_changes_nothing() {
        let (_dir, store, registry) = registry();
        registry.add(sample("work"), &Secret::new("a")).unwrap();
        registry.add(sample("home"), &Secret::new("b")).unwrap();
        let file = std::fs::read(registry.file_path()).unwrap();
        let items = store.items.lock().unwrap().clone();
        for (taken, code) in [
            ("home", StorageCode::NameTaken),
            ("a/b", StorageCode::InvalidName),
        ] {
            let rename = |c: &mut Connection| c.name = taken.to_owned();
            assert_eq!(registry.update("work", rename).unwrap_err().code, code);
            let err = registry
                .replace_secret("work", &Secret::new("c"), rename)
                .unwrap_err();
            assert_eq!(err.code, code);
            assert_eq!(std::fs::read(registry.file_path()).unwrap(), file);
            assert_eq!(*store.items.lock().unwrap(), items, "no new secret stored");
        }
        let renamed = registry.update("work", |c| c.name = "office".into()).unwrap();
        assert_eq!(renamed.name, "office");
        assert_eq!(registry.secret(&renamed).unwrap().expose(), "a");
    }

    #[test]
    fn doctor_reports_orphans_and_repair_removes_only_them() {
        let (_dir, store, registry) = registry();
        let kept = registry.add(sample("work"), &Secret::new("a")).unwrap();
        store
            .items
            .lock()
            .unwrap()
            .insert("conn-deadbeef".into(), "stray".into());
        registry.add(sample("gone"), &Secret::new("b")).unwrap();
        let gone_key = registry.get("gone").unwrap().secret_key;
        store.items.lock().unwrap().remove(&gone_key);

        let health = registry.doctor().unwrap();
        assert_eq!(health.orphan_secrets, ["conn-deadbeef"]);
        assert_eq!(health.missing_secrets, ["gone"]);
        assert!(!health.is_consistent());

        let repaired = registry.repair().unwrap();
        assert!(repaired.orphan_secrets.is_empty());
        assert_eq!(
            repaired.missing_secrets,
            ["gone"],
            "metadata is never deleted silently"
        );
        assert!(store.items.lock().unwrap().contains_key(&kept.secret_key));
        assert_eq!(registry.list().unwrap().len(), 2);
    }

    #[test]
    fn remove_deletes_metadata_and_secret() {
        let (_dir, store, registry) = registry();
        registry.add(sample("work"), &Secret::new("a")).unwrap();
        let (removed, secret_removed) = registry.remove("work").unwrap();
        assert_eq!(removed.name, "work");
        assert!(secret_removed);
        assert!(store.items.lock().unwrap().is_empty());
        assert_eq!(registry.remove("work").unwrap_err().code, StorageCode::NotFound);
    }

    #[test]
    fn remove_changes_nothing_while_the_keychain_refuses() {
        let (_dir, store, registry) = registry();
        let saved = registry.add(sample("work"), &Secret::new("a")).unwrap();
        let before = std::fs::read(registry.file_path()).unwrap();

        *store.locked.lock().unwrap() = true;
        let err = registry.remove("work").unwrap_err();
        assert_eq!(err.code, StorageCode::KeychainLocked);
        assert_eq!(std::fs::read(registry.file_path()).unwrap(), before);
        *store.locked.lock().unwrap() = false;

        // The keychain opens but refuses the deletion itself: the connection is put back.
        *store.refuse_delete.lock().unwrap() = true;
        assert_eq!(
            registry.remove("work").unwrap_err().code,
            StorageCode::KeychainLocked
        );
        assert_eq!(registry.list().unwrap(), std::slice::from_ref(&saved));
        assert!(store.items.lock().unwrap().contains_key(&saved.secret_key));
        *store.refuse_delete.lock().unwrap() = false;

        // A secret that is already gone does not stop the removal.
        store.items.lock().unwrap().clear();
        let (removed, had_secret) = registry.remove("work").unwrap();
        assert_eq!(removed.name, "work");
        assert!(!had_secret);
        assert!(registry.list().unwrap().is_empty());
    }

    #[test]
    fn a_damaged_file_of_any_shape_is_reported_and_left_as_it_is() {
        let (_dir, _store, registry) = registry();
        std::fs::create_dir_all(registry.file_path().parent().unwrap()).unwrap();
        let damaged = [
            ("[]", "a list"),
            ("42", "a number"),
            ("\"connections\"", "a string"),
            ("null", "null"),
            ("", "it is empty"),
            (
                r#"{"schema_version": 1, "connections": [{"id": "1", "na"#,
                "cut short",
            ),
            (
                r#"{"schema_version": "1", "connections": []}"#,
                "not a format number",
            ),
            (
                r#"{"schema_version": -1, "connections": []}"#,
                "not a format number",
            ),
            (
                r#"{"schema_version": 1.5, "connections": []}"#,
                "not a format number",
            ),
            (
                r#"{"schema_version": null, "connections": []}"#,
                "not a format number",
            ),
            (r#"{"schema_version": 1, "connections": {}}"#, "not a list"),
            (r#"{"schema_version": 1}"#, "no \"connections\""),
            (
                r#"{"schema_version": 1, "connections": [7]}"#,
                "connection number 1",
            ),
        ];
        for (text, reason) in damaged {
            std::fs::write(registry.file_path(), text).unwrap();
            let err = registry.list().unwrap_err();
            assert_eq!(err.code, StorageCode::MetadataUnreadable, "{text}");
            assert!(err.message.contains(reason), "{text}: {}", err.message);
            assert_eq!(
                registry.add(sample("x"), &Secret::new("a")).unwrap_err().code,
                StorageCode::MetadataUnreadable
            );
            assert!(registry.remove("x").is_err());
            assert!(registry.update("x", |_| {}).is_err());
            assert_eq!(std::fs::read_to_string(registry.file_path()).unwrap(), text);
        }
    }

    #[test]
    fn fields_of_a_newer_version_survive_every_change() {
        let (_dir, _store, registry) = registry();
        registry.add(sample("work"), &Secret::new("a")).unwrap();
        let mut file: serde_json::Value =
            serde_json::from_slice(&std::fs::read(registry.file_path()).unwrap()).unwrap();
        file["sync"] = serde_json::json!({"enabled": true});
        file["connections"][0]["colour"] = "teal".into();
        file["connections"][0]["labels"] = serde_json::json!(["ml", "prod"]);
        std::fs::write(registry.file_path(), file.to_string()).unwrap();

        registry.update("work", |c| c.status = Status::Invalid).unwrap();
        registry
            .replace_secret("work", &Secret::new("b"), |c| c.status = Status::Valid)
            .unwrap();
        registry.add(sample("home"), &Secret::new("c")).unwrap();

        let after: serde_json::Value =
            serde_json::from_slice(&std::fs::read(registry.file_path()).unwrap()).unwrap();
        assert_eq!(after["sync"], serde_json::json!({"enabled": true}));
        assert_eq!(after["connections"][0]["colour"], "teal");
        assert_eq!(
            after["connections"][0]["labels"],
            serde_json::json!(["ml", "prod"])
        );
        assert_eq!(after["connections"][0]["status"], "valid");
        assert!(after["connections"][1].get("colour").is_none());
    }

    #[test]
    fn an_old_file_is_migrated_and_a_newer_one_left_alone() {
        let (_dir, _store, registry) = registry();
        std::fs::create_dir_all(registry.file_path().parent().unwrap()).unwrap();
        let mut old = serde_json::to_value(sample("legacy")).unwrap();
        old.as_object_mut().unwrap().remove("status");
        old["method"] = "app-password".into();
        old["secret_key"] = "conn-1".into();
        std::fs::write(
            registry.file_path(),
            serde_json::json!({"connections": [old]}).to_string(),
        )
        .unwrap();
        let list = registry.list().unwrap();
        assert_eq!(list[0].status, Status::NeedsMigration);

        std::fs::write(
            registry.file_path(),
            r#"{"schema_version": 99, "connections": []}"#,
        )
        .unwrap();
        assert_eq!(registry.list().unwrap_err().code, StorageCode::MetadataTooNew);
        assert_eq!(
            registry.add(sample("x"), &Secret::new("a")).unwrap_err().code,
            StorageCode::MetadataTooNew
        );
        assert!(
            std::fs::read_to_string(registry.file_path())
                .unwrap()
                .contains("99")
        );
    }

    #[test]
    fn an_unreadable_file_is_reported_not_overwritten() {
        let (_dir, _store, registry) = registry();
        std::fs::create_dir_all(registry.file_path().parent().unwrap()).unwrap();
        std::fs::write(registry.file_path(), "{ not json").unwrap();
        assert_eq!(registry.list().unwrap_err().code, StorageCode::MetadataUnreadable);
        assert_eq!(
            registry.add(sample("x"), &Secret::new("a")).unwrap_err().code,
            StorageCode::MetadataUnreadable
        );
        assert_eq!(
            std::fs::read_to_string(registry.file_path()).unwrap(),
            "{ not json"
        );
    }

    #[test]
    fn concurrent_writers_from_many_threads_lose_nothing() {
        let (_dir, _store, registry) = registry();
        let registry = std::sync::Arc::new(registry);
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let registry = registry.clone();
                std::thread::spawn(move || registry.add(sample(&format!("c{i}")), &Secret::new("s")).unwrap())
            })
            .collect();
        for handle in handles {
            handle.join().unwrap();
        }
        assert_eq!(registry.list().unwrap().len(), 8);
    }
}
