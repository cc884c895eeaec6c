//! Git and the saved connections: the credential-helper protocol (which connection answers, what
//! git is told, and what git's `store` and `erase` may change), and the scan and set-up of the
//! user's git configuration (with the live check of what git holds, and the plain-text places
//! git reads besides its helpers).

pub mod credential;
pub mod live;
pub mod plain_text;
pub mod program;
pub mod scan;
pub mod setup;
