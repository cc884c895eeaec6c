//! The connections file: one JSON document with a schema version, shared by the app, the CLI and
//! git's helper. Every change runs under an exclusive lock on `connections.lock` and replaces the
//! file atomically (temporary file, fsync, rename), so concurrent processes never see half a
//! file. Older formats are migrated when read; a newer one is left untouched.
//!
//! A file this version cannot read (not an object, a `schema_version` that is not a format
//! number, cut short) is reported and never rewritten. What a newer version added (fields of the
//! file or of a connection this version does not know) is kept through every change.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// Fields this version does not know (written by a newer one): kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
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
        self.lock_named(LOCK_NAME)
    }

    /// Waits for the exclusive lock on the file `name` of the data folder, shared by every
    /// process of this user (the app, the CLI, each git helper).
    pub fn lock_named(&self, name: &str) -> Result<Lock, StorageError> {
        create_private_dir(&self.dir).map_err(|err| self.write_error(err))?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(name))
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
                    extra: Map::new(),
                });
            }
            Err(err) => return Err(self.read_error(err.to_string())),
        };
        let value: Value = serde_json::from_slice(&bytes).map_err(|err| self.read_error(syntax(&err)))?;
        let Value::Object(mut object) = value else {
            return Err(self.read_error(format!(
                "it holds {} where an object with \"schema_version\" and \"connections\" belongs",
                kind(&value)
            )));
        };
        // No version at all is format 0 (development builds); anything else must be a format number.
        let version = match object.get("schema_version") {
            None => 0,
            Some(found) => found.as_u64().ok_or_else(|| {
                self.read_error(format!(
                    "its schema_version is {}, not a format number",
                    kind(found)
                ))
            })?,
        };
        if version > SCHEMA_VERSION {
            return Err(StorageFault::MetadataTooNew {
                path: path.display().to_string(),
                version,
            }
            .into());
        }
        migrate(&mut object, version);
        let connections = match object.remove("connections") {
            Some(Value::Array(items)) => items
                .into_iter()
                .enumerate()
                .map(|(index, item)| {
                    serde_json::from_value::<Connection>(item).map_err(|err| {
                        self.read_error(format!("its connection number {} is damaged: {err}", index + 1))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return Err(self.read_error(format!("its \"connections\" is {}, not a list", kind(&other))));
            }
            None => return Err(self.read_error("it has no \"connections\" list".to_owned())),
        };
        object.remove("schema_version");
        Ok(Contents {
            schema_version: SCHEMA_VERSION,
            connections,
            extra: object,
        })
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

/// What a JSON syntax error means for the file, with where it is.
fn syntax(err: &serde_json::Error) -> String {
    let (line, column) = (err.line(), err.column());
    if err.classify() == serde_json::error::Category::Eof {
        if line == 1 && column == 0 {
            return "it is empty".to_owned();
        }
        return format!("it ends too early, at line {line}, column {column} (the file was cut short)");
    }
    err.to_string()
}

/// A JSON value described by its kind, with the value itself when it is short.
fn kind(value: &Value) -> String {
    let text = value.to_string();
    let shown = if text.chars().count() <= 20 {
        format!(" ({text})")
    } else {
        String::new()
    };
    let kind = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    format!("{kind}{shown}")
}

/// Brings an older file up to `SCHEMA_VERSION`, one step at a time.
fn migrate(value: &mut Map<String, Value>, from: u64) {
    if from < 1 {
        // Format 0 (development builds) had no version and no per-connection status.
        if let Some(connections) = value.get_mut("connections").and_then(Value::as_array_mut) {
            for connection in connections.iter_mut().filter_map(Value::as_object_mut) {
                if connection.get("status").is_none() {
                    let retired = connection.get("method").and_then(Value::as_str) == Some("app-password");
                    connection.insert(
                        "status".to_owned(),
                        Value::from(if retired { "needs_migration" } else { "unverified" }),
                    );
                }
            }
        }
    }
    value.insert("schema_version".to_owned(), Value::from(SCHEMA_VERSION));
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
