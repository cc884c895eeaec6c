//! Runs a fake Bitbucket as a process, for the end-to-end tests of the desktop app:
//!
//!   fake-bitbucket cloud|datacenter
//!   fake-bitbucket cloud-oauth                 Cloud with its OAuth 2.0 authorization server
//!                                              (consumer fakeConsumerKey123 / fakeConsumerSecret456)
//!   fake-bitbucket datacenter-oauth            Data Center with an incoming OAuth 2.0 application link
//!                                              (client 3f1c2a9b8d7e6f50a4b3c2d1e0f9a8b7, secret
//!                                              dcLinkSecret-0123456789abcdef)
//!   fake-bitbucket datacenter-old              a Data Center 5.4.0 (too old for access tokens)
//!   fake-bitbucket datacenter-tls CA_FILE      over https, with a certificate from a private CA
//!                                              whose PEM it writes to CA_FILE
//!
//! It listens on a free port of 127.0.0.1, prints its URL on the first line of standard output,
//! and serves until it is killed.

use std::io::Write;

use fake_bitbucket::cloud::FakeCloud;
use fake_bitbucket::cloud_oauth::FakeCloudOauth;
use fake_bitbucket::datacenter::FakeDataCenter;
use fake_bitbucket::datacenter_oauth::FakeDataCenterOauth;
use fake_bitbucket::{Behaviour, TestCa, start};

#[tokio::main]
async fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let server = match which.as_str() {
        "cloud" => start(FakeCloud::standard(), Behaviour::default(), None).await,
        "cloud-oauth" => start(FakeCloudOauth::default(), Behaviour::default(), None).await,
        "datacenter" => start(FakeDataCenter::standard(), Behaviour::default(), None).await,
        "datacenter-oauth" => start(FakeDataCenterOauth::default(), Behaviour::default(), None).await,
        "datacenter-old" => {
            let mut old = FakeDataCenter::standard();
            old.version = "5.4.0".into();
            start(old, Behaviour::default(), None).await
        }
        "datacenter-tls" => {
            let ca = TestCa::new();
            let path = std::env::args()
                .nth(2)
                .expect("usage: fake-bitbucket datacenter-tls CA_FILE");
            std::fs::write(&path, &ca.ca_pem).expect("the CA file is written");
            start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await
        }
        _ => {
            eprintln!(
                "usage: fake-bitbucket cloud|cloud-oauth|datacenter|datacenter-oauth|datacenter-old|datacenter-tls CA_FILE"
            );
            std::process::exit(2);
        }
    };
    println!("{}", server.url);
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
}
