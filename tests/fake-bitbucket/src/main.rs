//! Runs a fake Bitbucket as a process, for the end-to-end tests of the desktop app:
//!
//!   fake-bitbucket cloud|datacenter
//!
//! It listens on a free port of 127.0.0.1, prints its URL on the first line of standard output,
//! and serves until it is killed.

use std::io::Write;

use fake_bitbucket::cloud::FakeCloud;
use fake_bitbucket::datacenter::FakeDataCenter;
use fake_bitbucket::{Behaviour, start};

#[tokio::main]
async fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let server = match which.as_str() {
        "cloud" => start(FakeCloud::standard(), Behaviour::default(), None).await,
        "datacenter" => start(FakeDataCenter::standard(), Behaviour::default(), None).await,
        _ => {
            eprintln!("usage: fake-bitbucket cloud|datacenter");
            std::process::exit(2);
        }
    };
    println!("{}", server.url);
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
}
