//! `repoconn-core`: everything Repository Connections knows about Bitbucket credentials, with no GUI
//! dependency. The desktop app (`src-tauri`) and the `repoconn` command line are thin shells over it,
//! so both always apply the same rules.

pub mod about;
pub mod cloud;
pub mod datacenter;
pub mod form;
pub mod git_credential;
pub mod http;
pub mod keychain;
pub mod links;
pub mod manage;
pub mod model;
pub mod paths;
pub mod policy;
pub mod problems;
pub mod registry;
pub mod report;
pub mod scopes;
pub mod secret;
pub mod sniff;
pub mod validate;

pub use about::AppInfo;
pub use keychain::KeychainBackend;
pub use model::{CredentialKind, ProviderKind};
pub use report::ValidationReport;
pub use secret::Secret;
