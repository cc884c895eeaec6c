//! `repoconn-core`: everything Repository Connections knows about Bitbucket credentials, with no GUI
//! dependency. The desktop app (`src-tauri`) and the `repoconn` command line are thin shells over it,
//! so both always apply the same rules.

pub mod about;
pub mod keychain;
pub mod paths;

pub use about::AppInfo;
pub use keychain::KeychainBackend;
