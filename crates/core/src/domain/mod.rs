//! The vocabulary every layer uses: providers and ways to connect, the secret that cannot leak,
//! scope profiles and permission levels, what a pasted secret or address looks like, dates, and
//! the catalogue of every message. Nothing here reaches the network, the disk or the keychain.

pub mod catalogue;
pub mod dates;
pub mod method;
pub mod scopes;
pub mod secret;
pub mod sniff;
