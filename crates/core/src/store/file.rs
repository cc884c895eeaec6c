//! The connections file: one JSON document with a schema version, shared by the app, the CLI and
//! git's helper. Every change runs under an exclusive lock on `connections.lock` and replaces the
//! file atomically (temporary file, fsync, rename), so concurrent processes never see half a
//! file. Older formats are migrated when read; a newer one is left untouched.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::connection::Connection;
use crate::domain::catalogue::{StorageError, StorageFault};

pub const FILE_NAME: &str = "connections.json";
const LOCK_NAME: &str = "connections.lock";
/// The metadata format written by this version. Older files are migrated when read.
pub const SCHEMA_VERSION: u64 = 1;

/// What the file holds.
#[derive(Debug, Serialize, Deserialize)]
pub struct Contents {
    pub schema_version: u64,
    pub connections: Vec<Connection>,
}

/// The connections file of one data folder.
#[derive(Debug, Clone)]
pub struct MetadataFile {
    dir: PathBuf,
}

/// Held while a change is made; dropping it releases the lock.
pub struct Lock(#[allow(dead_code)] File);

impl MetadataFile {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    /// Waits for the exclusive lock that every change holds.
    pub fn lock(&self) -> Result<Lock, StorageError> {
        create_private_dir(&self.dir).map_err(|err| self.write_error(err))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK_NAME))
            .map_err(|err| self.write_error(err))?;
        file.lock().map_err(|err| self.write_error(err))?;
        Ok(Lock(file))
    }

    /// The contents, migrated to this version's format; empty when there is no file yet.
    pub fn read(&self) -> Result<Contents, StorageError> {
        let path = self.path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Contents {
                    schema_version: SCHEMA_VERSION,
                    connections: Vec::new(),
                });
            }
            Err(err) => return Err(self.read_error(err.to_string())),
        };
        let mut value: Value =
            serde_json::from_slice(&bytes).map_err(|err| self.read_error(err.to_string()))?;
        let version = value.get("schema_version").and_then(Value::as_u64).unwrap_or(0);
        if version > SCHEMA_VERSION {
            return Err(StorageFault::MetadataTooNew {
                path: path.display().to_string(),
                version,
            }
            .into());
        }
        migrate(&mut value, version);
        serde_json::from_value(value).map_err(|err| self.read_error(err.to_string()))
    }

    /// Replaces the file atomically (call with the lock held).
    pub fn write(&self, contents: &Contents) -> Result<(), StorageError> {
        let bytes = serde_json::to_vec_pretty(contents)
            .map_err(|err| self.write_error(std::io::Error::other(err)))?;
        write_atomically(&self.dir, &self.path(), &bytes).map_err(|err| self.write_error(err))
    }

    fn read_error(&self, reason: String) -> StorageError {
        StorageFault::MetadataUnreadable {
            path: self.path().display().to_string(),
            reason,
        }
        .into()
    }

    fn write_error(&self, err: std::io::Error) -> StorageError {
        StorageFault::MetadataWriteFailed {
            path: self.path().display().to_string(),
            reason: err.to_string(),
        }
        .into()
    }
}

/// Brings an older file up to `SCHEMA_VERSION`, one step at a time.
fn migrate(value: &mut Value, from: u64) {
    if from < 1 {
        // Format 0 (development builds) had no version and no per-connection status.
        if let Some(connections) = value.get_mut("connections").and_then(Value::as_array_mut) {
            for connection in connections {
                if connection.get("status").is_none() {
                    let retired = connection.get("method").and_then(Value::as_str) == Some("app-password");
                    connection["status"] =
                        Value::from(if retired { "needs_migration" } else { "unverified" });
                }
            }
        }
    }
    value["schema_version"] = Value::from(SCHEMA_VERSION);
}

fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_private_dir(dir)?;
    let temp = dir.join(format!(".{FILE_NAME}.{}.tmp", std::process::id()));
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)?;
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
