//! `repoconn-core`: everything Repository Connections knows about Bitbucket credentials, with no GUI
//! dependency. The desktop app (`src-tauri`) and the `repoconn` command line are thin shells over it,
//! so both always apply the same rules.
//!
//! The folders are the layers, lowest first; a module only uses those above it in this list:
//! - [`domain`]: the vocabulary (methods, secrets, scopes, what was pasted, dates, the catalogue);
//! - [`policy`]: the administrator's policy file;
//! - [`check`]: one check against Bitbucket's REST API, from the prepared request to the report;
//! - [`reach`]: what a credential reaches: every repository with its permission, default reviewers;
//! - [`store`]: saved connections (the metadata file and the keychain, kept consistent);
//! - [`expiry`]: how close a connection is to its expiry date, and which date to record;
//! - [`oauth`]: signing in with Bitbucket Cloud (OAuth 2.0) and refreshing its tokens before use;
//! - [`git`]: git's credential-helper protocol over the saved connections;
//! - [`guide`]: what the dialog and the CLI show: the form, the Generate links, the list;
//! - [`flows`]: add, test, rotate and change: a check, then the store;
//! - [`about`]: what this build is, and the support bundle that describes an installation.

pub mod about;
pub mod check;
pub mod domain;
pub mod expiry;
pub mod flows;
pub mod git;
pub mod guide;
pub mod oauth;
pub mod policy;
pub mod reach;
pub mod store;

pub use about::AppInfo;
pub use check::report::ValidationReport;
pub use domain::method::{Method, ProviderKind};
pub use domain::secret::{KeychainBackend, Secret};
