//! Server certificates for the fake servers. By default a throwaway certificate authority and a
//! server certificate it signed for 127.0.0.1, localhost and ::1, as a company's private CA would
//! be: the client does not trust it until given the CA file. [`ServerCert`] makes the other kinds
//! a client meets: expired, made for another host, or self-signed the way `openssl req -x509`
//! makes one (CA:TRUE and its own issuer).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    date_time_ymd,
};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// What the server certificate is like.
#[derive(Debug, Clone)]
pub struct ServerCert {
    /// Its subject alternative names (IP addresses or DNS names); none leaves the extension out,
    /// as plain `openssl req -x509 -subj /CN=...` does.
    pub names: Vec<String>,
    /// Its subject's common name.
    pub common_name: String,
    /// Valid from 2020-01-01 to [`EXPIRED_ON`] only.
    pub expired: bool,
    /// Its own issuer and marked CA:TRUE, as `openssl req -x509` makes one: no CA signed it.
    pub self_signed: bool,
}

/// When an `expired` certificate stopped being valid.
pub const EXPIRED_ON: &str = "2021-01-01";

impl Default for ServerCert {
    fn default() -> Self {
        Self {
            names: vec!["127.0.0.1".into(), "localhost".into(), "::1".into()],
            common_name: "bitbucket.example.test".into(),
            expired: false,
            self_signed: false,
        }
    }
}

pub struct TestCa {
    /// The issuing CA certificate in PEM: what a user would save as the connection's CA file.
    /// For a self-signed server certificate it is that certificate itself.
    pub ca_pem: String,
    /// The server certificate in PEM.
    pub server_pem: String,
    /// SHA-256 of the server certificate, as `AB:CD:...`.
    pub server_fingerprint: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivatePkcs8KeyDer<'static>,
}

impl TestCa {
    /// A private CA and a server certificate it signed for 127.0.0.1, localhost and ::1.
    pub fn new() -> Self {
        Self::with(ServerCert::default())
    }

    /// A self-signed CA:TRUE server certificate for 127.0.0.1, localhost and ::1.
    pub fn self_signed() -> Self {
        Self::with(ServerCert {
            self_signed: true,
            ..ServerCert::default()
        })
    }

    /// A CA-signed server certificate that expired on [`EXPIRED_ON`].
    pub fn expired() -> Self {
        Self::with(ServerCert {
            expired: true,
            ..ServerCert::default()
        })
    }

    /// A CA-signed server certificate for `names` only.
    pub fn for_names(names: &[&str]) -> Self {
        Self::with(ServerCert {
            names: names.iter().map(|n| n.to_string()).collect(),
            ..ServerCert::default()
        })
    }

    pub fn with(cert: ServerCert) -> Self {
        let server_key = KeyPair::generate().unwrap();
        let mut server_params = CertificateParams::new(cert.names.clone()).unwrap();
        server_params
            .distinguished_name
            .push(DnType::CommonName, cert.common_name.as_str());
        if cert.expired {
            server_params.not_before = date_time_ymd(2020, 1, 1);
            server_params.not_after = date_time_ymd(2021, 1, 1);
        }
        let (server, ca_pem) = if cert.self_signed {
            server_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let server = server_params.self_signed(&server_key).unwrap();
            let pem = server.pem();
            (server, pem)
        } else {
            let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
            ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            ca_params
                .distinguished_name
                .push(DnType::CommonName, "Example Corp Test Root CA");
            ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
            (server_params.signed_by(&server_key, &ca).unwrap(), ca.pem())
        };
        Self {
            ca_pem,
            server_pem: server.pem(),
            server_fingerprint: sha256_hex(server.der()),
            chain: vec![server.der().clone()],
            key: PrivatePkcs8KeyDer::from(server_key.serialize_der()),
        }
    }

    /// The server's certificate and key, for a test's own TLS server.
    pub fn certified_key(&self) -> Arc<CertifiedKey> {
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        Arc::new(
            CertifiedKey::from_der(
                self.chain.clone(),
                PrivateKeyDer::Pkcs8(self.key.clone_key()),
                &provider,
            )
            .unwrap(),
        )
    }

    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), PrivateKeyDer::Pkcs8(self.key.clone_key()))
            .unwrap();
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

/// SHA-256 in the `AB:CD:…` form browsers show.
fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
