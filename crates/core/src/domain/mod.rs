//! The vocabulary every layer uses: providers and ways to connect, the secret that cannot leak,
//! scope profiles and permission levels, what a pasted secret or address looks like, dates, the
//! catalogue of every message, which names are close to a mistyped one, and what a Data Center
//! version can issue. Nothing here reaches the network, the disk or the keychain.

pub mod actions;
pub mod catalogue;
pub mod dates;
pub mod method;
pub mod scopes;
pub mod secret;
pub mod similar;
pub mod sniff;
pub mod tokens;
pub mod version;
