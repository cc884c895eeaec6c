//! The vocabulary every layer uses: providers and ways to connect, the secret that cannot leak,
//! scope profiles and permission levels, what a pasted secret or address looks like, dates, the
//! catalogue of every message, and which names are close to a mistyped one. Nothing here reaches
//! the network, the disk or the keychain.

pub mod actions;
pub mod catalogue;
pub mod dates;
pub mod method;
pub mod scopes;
pub mod secret;
pub mod similar;
pub mod sniff;
