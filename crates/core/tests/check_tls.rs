//! Certificates a client meets: each refusal names the fingerprint of the certificate the failed
//! handshake presented and the real reason, with a fix that fits it; a self-signed certificate is
//! trusted from a CA file that holds it, and a pinned fingerprint trusts exactly one certificate.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, EXPIRED_ON, ServerCert, TestCa, start, start_on};
use repoconn_core::Method as K;
use repoconn_core::check::report::ValidationReport;
use support::*;

fn token() -> repoconn_core::check::CheckRequest {
    request(K::PersonalToken, datacenter::PERSONAL_TOKEN)
}

/// Writes `pem` to a temporary CA file.
fn ca_file(pem: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, pem).unwrap();
    (dir, path)
}

/// The one problem of a refused certificate, as (message, fix).
fn untrusted(report: &ValidationReport) -> (&str, &str) {
    assert_eq!(codes(report), ["tls_untrusted"], "{:?}", report.problems);
    assert_eq!(report.exit_code(), 3);
    (&report.problems[0].message, &report.problems[0].fix)
}

/// A TLS server that presents `first` in its first handshake and `later` in every other: a
/// second connection would see another certificate than the one refused.
async fn switching_server(first: &TestCa, later: &TestCa) -> (url::Url, tokio::task::JoinHandle<()>) {
    #[derive(Debug)]
    struct Switching {
        first: Arc<rustls::sign::CertifiedKey>,
        later: Arc<rustls::sign::CertifiedKey>,
        handshakes: AtomicUsize,
    }
    impl rustls::server::ResolvesServerCert for Switching {
        fn resolve(
            &self,
            _hello: rustls::server::ClientHello<'_>,
        ) -> Option<Arc<rustls::sign::CertifiedKey>> {
            match self.handshakes.fetch_add(1, Ordering::SeqCst) {
                0 => Some(self.first.clone()),
                _ => Some(self.later.clone()),
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Switching {
            first: first.certified_key(),
            later: later.certified_key(),
            handshakes: AtomicUsize::new(0),
        }));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("https://{}", listener.local_addr().unwrap())).unwrap();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            // The client refuses the certificate: the handshake is all there is.
            tokio::spawn(async move {
                let _ = acceptor.accept(stream).await;
            });
        }
    });
    (url, task)
}

#[tokio::test]
async fn the_fingerprint_is_the_one_the_refused_handshake_presented() {
    let (refused, other) = (TestCa::new(), TestCa::new());
    let (url, task) = switching_server(&refused, &other).await;
    let mut r = token();
    r.server = Some(format!("{url}bitbucket"));
    let report = repoconn_core::check::check(r, &env_for(&url)).await;
    task.abort();
    let (message, fix) = untrusted(&report);
    assert!(message.contains(&refused.server_fingerprint), "{message}");
    assert!(!message.contains(&other.server_fingerprint), "{message}");
    assert!(fix.contains(&refused.server_fingerprint), "{fix}");
}

#[tokio::test]
async fn a_certificate_from_an_unknown_authority_says_so_and_how_to_trust_it() {
    let ca = TestCa::new();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await;
    let report = run_dc(&server, "/bitbucket", token()).await;
    let (message, fix) = untrusted(&report);
    assert!(
        message.contains("no certificate authority this computer trusts signed it"),
        "{message}"
    );
    assert!(message.contains(&ca.server_fingerprint), "{message}");
    assert!(fix.contains("`--ca-file`"), "{fix}");
    assert!(
        fix.contains(&format!("`--trust-fingerprint {}`", ca.server_fingerprint)),
        "{fix}"
    );
    assert_eq!(authenticated(&server), 0);
}

#[tokio::test]
async fn a_self_signed_certificate_is_named_self_signed() {
    let ca = TestCa::self_signed();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await;
    let report = run_dc(&server, "/bitbucket", token()).await;
    let (message, fix) = untrusted(&report);
    assert!(message.contains("self-signed"), "{message}");
    assert!(message.contains(&ca.server_fingerprint), "{message}");
    assert!(fix.contains("`--ca-file`"), "{fix}");
    assert!(fix.contains("`--trust-fingerprint"), "{fix}");
    assert_eq!(authenticated(&server), 0);
}

#[tokio::test]
async fn an_expired_certificate_names_its_date_and_whom_to_tell() {
    let ca = TestCa::expired();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await;
    let (_dir, path) = ca_file(&ca.ca_pem);
    let mut r = token();
    r.ca_file = Some(path);
    let report = run_dc(&server, "/bitbucket", r).await;
    let (message, fix) = untrusted(&report);
    assert!(message.contains(&format!("expired on {EXPIRED_ON}")), "{message}");
    assert!(message.contains(&ca.server_fingerprint), "{message}");
    assert!(
        fix.contains(&format!("expired on {EXPIRED_ON}: tell your administrators")),
        "{fix}"
    );
    assert!(!fix.contains("--trust-fingerprint"), "{fix}");
    assert_eq!(authenticated(&server), 0);
}

#[tokio::test]
async fn a_certificate_for_another_host_names_the_host_it_is_for() {
    let ca = TestCa::for_names(&["bitbucket.example.com"]);
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await;
    let (_dir, path) = ca_file(&ca.ca_pem);
    let mut r = token();
    r.ca_file = Some(path);
    let report = run_dc(&server, "/bitbucket", r).await;
    let (message, fix) = untrusted(&report);
    assert!(
        message.contains("it is for bitbucket.example.com, not 127.0.0.1"),
        "{message}"
    );
    assert!(
        fix.contains("The certificate is for bitbucket.example.com: use that address"),
        "{fix}"
    );
    assert_eq!(authenticated(&server), 0);
}

#[tokio::test]
async fn an_ipv6_address_gets_the_fingerprint_too() {
    let ca = TestCa::new();
    let Some(server) = start_on(
        "::1".parse().unwrap(),
        FakeDataCenter::standard(),
        Behaviour::default(),
        Some(&ca),
    )
    .await
    else {
        eprintln!(
            "SKIPPED an_ipv6_address_gets_the_fingerprint_too: this machine has no IPv6 loopback (::1)"
        );
        return;
    };
    assert!(
        server.url.as_str().starts_with("https://[::1]:"),
        "{}",
        server.url
    );
    let report = run_dc(&server, "/bitbucket", token()).await;
    let (message, _) = untrusted(&report);
    assert!(message.contains(&ca.server_fingerprint), "{message}");
    assert!(message.starts_with("[::1] presented"), "{message}");

    // With the CA file, the same server is trusted: its certificate names ::1.
    let (_dir, path) = ca_file(&ca.ca_pem);
    let mut r = token();
    r.ca_file = Some(path);
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(report.ok, "{:?}", report.problems);
}

#[tokio::test]
async fn a_self_signed_certificate_given_as_the_ca_file_is_trusted() {
    let cert = TestCa::self_signed();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&cert)).await;
    // Refused without help...
    let report = run_dc(&server, "/bitbucket", token()).await;
    assert_eq!(codes(&report), ["tls_untrusted"]);
    // ...trusted with its own PEM as the CA file, as curl --cacert and Python do.
    let (_dir, path) = ca_file(&cert.server_pem);
    let mut r = token();
    r.ca_file = Some(path);
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(report.ok, "{:?}", report.problems);
}

#[tokio::test]
async fn a_certificate_trusted_from_the_ca_file_must_still_be_for_this_host_and_in_date() {
    for (cert, expected) in [
        (
            TestCa::with(ServerCert {
                names: vec!["bitbucket.example.com".into()],
                self_signed: true,
                ..ServerCert::default()
            }),
            "it is for bitbucket.example.com, not 127.0.0.1",
        ),
        (
            TestCa::with(ServerCert {
                expired: true,
                self_signed: true,
                ..ServerCert::default()
            }),
            "it expired on 2021-01-01",
        ),
    ] {
        let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&cert)).await;
        let (_dir, path) = ca_file(&cert.server_pem);
        let mut r = token();
        r.ca_file = Some(path);
        let report = run_dc(&server, "/bitbucket", r).await;
        let (message, _) = untrusted(&report);
        assert!(message.contains(expected), "{message}");
        assert!(message.contains(&cert.server_fingerprint), "{message}");
        assert_eq!(authenticated(&server), 0);
    }
}

#[tokio::test]
async fn a_trusted_fingerprint_accepts_that_certificate_in_any_spelling() {
    let cert = TestCa::self_signed();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&cert)).await;
    for spelling in [
        cert.server_fingerprint.clone(),
        cert.server_fingerprint.replace(':', "").to_lowercase(),
    ] {
        let mut r = token();
        r.trust_fingerprint = Some(spelling);
        let report = run_dc(&server, "/bitbucket", r).await;
        assert!(report.ok, "{:?}", report.problems);
    }
}

#[tokio::test]
async fn a_trusted_fingerprint_refuses_every_other_certificate() {
    let cert = TestCa::self_signed();
    let other = TestCa::self_signed();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&cert)).await;
    let mut r = token();
    r.trust_fingerprint = Some(other.server_fingerprint.clone());
    let report = run_dc(&server, "/bitbucket", r).await;
    let (message, fix) = untrusted(&report);
    assert!(message.contains(&cert.server_fingerprint), "{message}");
    assert!(
        message.contains("not the one certificate this connection trusts"),
        "{message}"
    );
    assert!(fix.contains("intercepting"), "{fix}");
    assert_eq!(authenticated(&server), 0);

    // A pin narrows trust: a certificate the CA file would vouch for is refused too.
    let ca = TestCa::new();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await;
    let (_dir, path) = ca_file(&ca.ca_pem);
    let mut r = token();
    r.ca_file = Some(path);
    r.trust_fingerprint = Some(other.server_fingerprint.clone());
    let report = run_dc(&server, "/bitbucket", r).await;
    untrusted(&report);
    assert_eq!(authenticated(&server), 0);
}

#[tokio::test]
async fn a_fingerprint_that_is_not_one_is_refused_before_any_request() {
    let cert = TestCa::self_signed();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&cert)).await;
    let mut r = token();
    r.trust_fingerprint = Some("AB:CD:EF".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["fingerprint_invalid"]);
    assert!(report.problems[0].message.contains("AB:CD:EF"));
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_certificate_with_only_a_common_name_is_checked_against_it() {
    // What `openssl req -x509 -subj /CN=host` makes: no subject alternative names at all.
    let only_cn = |cn: &str| {
        TestCa::with(ServerCert {
            names: vec![],
            common_name: cn.into(),
            self_signed: true,
            ..ServerCert::default()
        })
    };
    let right = only_cn("127.0.0.1");
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&right)).await;
    let (_dir, path) = ca_file(&right.server_pem);
    let mut r = token();
    r.ca_file = Some(path);
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(report.ok, "{:?}", report.problems);

    let wrong = only_cn("bitbucket.example.test");
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&wrong)).await;
    let (_dir, path) = ca_file(&wrong.server_pem);
    let mut r = token();
    r.ca_file = Some(path);
    let report = run_dc(&server, "/bitbucket", r).await;
    let (message, _) = untrusted(&report);
    assert!(
        message.contains("it is for bitbucket.example.test, not 127.0.0.1"),
        "{message}"
    );
}

#[tokio::test]
async fn the_server_detection_trusts_the_policys_ca_file_like_the_check_does() {
    let ca = TestCa::new();
    let server = start(FakeDataCenter::standard(), Behaviour::default(), Some(&ca)).await;
    let typed = format!("{}bitbucket", server.url);
    let mut env = env_for(&server.url);
    let detected = repoconn_core::check::check_server(&typed, None, None, false, &env).await;
    assert_eq!(
        detected
            .problems
            .iter()
            .map(|p| p.code.as_str())
            .collect::<Vec<_>>(),
        ["tls_untrusted"]
    );
    // With the administrator's CA file in the policy, the same address is Bitbucket, as the
    // check itself finds (one network environment for every request).
    let (_dir, path) = ca_file(&ca.ca_pem);
    env.policy.policy.ca_file = Some(path.display().to_string());
    let detected = repoconn_core::check::check_server(&typed, None, None, false, &env).await;
    assert!(detected.problems.is_empty(), "{:?}", detected.problems);
    assert!(detected.server.is_some());
    let mut r = token();
    r.server = Some(typed);
    let report = repoconn_core::check::check(r, &env).await;
    assert!(report.ok, "{:?}", report.problems);
}
