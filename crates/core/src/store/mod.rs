//! Saved connections: the connection record, the metadata file (atomic, locked, migrated), the OS
//! keychain, and the registry that keeps the two consistent whatever happens in between.

pub mod connection;
pub mod file;
pub mod keychain;
pub mod paths;
pub mod registry;
