//! Git and the saved connections: the credential-helper protocol (which connection answers, what
//! git is told, and what git's `store` and `erase` may change).

pub mod credential;
