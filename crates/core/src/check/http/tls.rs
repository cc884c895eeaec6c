//! Which server certificates a client trusts, and why one was refused. The platform's verifier
//! (the system's roots plus the connection's CA file) decides, with two narrow additions: a CA file
//! that holds the very certificate the server presents trusts it as that certificate (a
//! self-signed server certificate, which the platform refuses as "a CA used as an end entity"),
//! its host name and dates still checked; and a pinned SHA-256 fingerprint trusts exactly that one
//! certificate and nothing else. A wrapper around the verifier records the certificate the server
//! presented, so that a refusal names the fingerprint of the very certificate that handshake saw,
//! and the reason in words a person can act on.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::domain::catalogue::TlsReason;
use crate::domain::dates;

/// A refused certificate: its SHA-256 and why. It travels inside the handshake's own error, so
/// what is reported always belongs to the handshake that failed.
#[derive(Debug, Clone)]
pub(super) struct Refusal {
    pub fingerprint: String,
    pub reason: TlsReason,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "certificate {} refused: {:?}", self.fingerprint, self.reason)
    }
}

impl std::error::Error for Refusal {}

/// The TLS set-up of one client: the platform's roots plus `ca_certs` (the CA file), or only the
/// certificate whose SHA-256 is `pin`.
pub(super) fn client_config(
    ca_certs: Vec<CertificateDer<'static>>,
    pin: Option<[u8; 32]>,
) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    // A pinned certificate needs no roots: a system without any must not keep it from working.
    let inner: Option<Arc<dyn ServerCertVerifier>> =
        match platform_verifier(ca_certs.clone(), provider.clone()) {
            Ok(verifier) => Some(Arc::new(verifier)),
            Err(_) if pin.is_some() => None,
            Err(err) => return Err(err.to_string()),
        };
    let verifier = Recording {
        inner,
        ca_certs,
        pin,
        algorithms: provider.signature_verification_algorithms,
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(any(all(unix, not(target_os = "android")), target_os = "windows"))]
fn platform_verifier(
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider)
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots, provider)
    }
}

#[cfg(not(any(all(unix, not(target_os = "android")), target_os = "windows")))]
fn platform_verifier(
    extra_roots: Vec<CertificateDer<'static>>,
    provider: Arc<CryptoProvider>,
) -> Result<rustls_platform_verifier::Verifier, rustls::Error> {
    if extra_roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider)
    } else {
        Err(rustls::Error::General(
            "a CA file cannot be added on this platform".into(),
        ))
    }
}

/// The platform's verifier with the CA file's and the fingerprint's pins, recording what it
/// refuses.
#[derive(Debug)]
struct Recording {
    /// The platform's verifier; `None` only when pinned and the system has no roots.
    inner: Option<Arc<dyn ServerCertVerifier>>,
    /// The CA file's certificates: one byte-identical to the server's is trusted as such.
    ca_certs: Vec<CertificateDer<'static>>,
    /// Trust only the certificate with this SHA-256.
    pin: Option<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Recording {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let refuse = |reason| {
            refused(Refusal {
                fingerprint: sha256_hex(end_entity),
                reason,
            })
        };
        if let Some(pin) = self.pin {
            // Exactly this certificate, whoever issued it: its dates still apply. The handshake's
            // signature (verified below with its key) proves the server holds that certificate.
            if sha256(end_entity) != pin {
                return Err(refuse(TlsReason::NotPinned));
            }
            return match CertFacts::read(end_entity) {
                Some(facts) => match facts.dates_refusal(now) {
                    Some(reason) => Err(refuse(reason)),
                    None => Ok(ServerCertVerified::assertion()),
                },
                None => Err(refuse(unreadable())),
            };
        }
        let Some(inner) = &self.inner else {
            return Err(refuse(TlsReason::Other {
                detail: "this computer has no certificate authorities to check it with".into(),
            }));
        };
        let err = match inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Ok(verified) => return Ok(verified),
            Err(err) => err,
        };
        if self.ca_certs.iter().any(|ca| ca.as_ref() == end_entity.as_ref()) {
            // The CA file holds this very certificate: trust it as itself, if it is for this host
            // and within its dates.
            return match CertFacts::read(end_entity) {
                Some(facts) => match facts
                    .dates_refusal(now)
                    .or_else(|| facts.host_refusal(end_entity, server_name))
                {
                    Some(reason) => Err(refuse(reason)),
                    None => Ok(ServerCertVerified::assertion()),
                },
                None => Err(refuse(unreadable())),
            };
        }
        Err(refuse(reason_of(&err, end_entity)))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

fn refused(refusal: Refusal) -> rustls::Error {
    rustls::Error::InvalidCertificate(CertificateError::Other(rustls::OtherError(Arc::new(refusal))))
}

/// The refusal carried by a failed request's error, if a certificate was refused.
pub(super) fn refusal_in(err: &(dyn std::error::Error + 'static)) -> Option<Refusal> {
    causes(err).find_map(|e| {
        if let Some(refusal) = e.downcast_ref::<Refusal>() {
            return Some(refusal.clone());
        }
        match e.downcast_ref::<rustls::Error>() {
            Some(rustls::Error::InvalidCertificate(CertificateError::Other(other))) => {
                other.0.downcast_ref::<Refusal>().cloned()
            }
            _ => None,
        }
    })
}

/// An error and its causes. An `io::Error`'s own `source()` skips the error it wraps (it returns
/// that error's source), so it is opened by hand: that is where the TLS error sits.
pub(super) fn causes<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |e| match e.downcast_ref::<std::io::Error>() {
        Some(io) => match io.get_ref() {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => None,
        },
        None => e.source(),
    })
}

/// Why the platform's verifier refused `cert`, completed with what the certificate says (the
/// platforms' own errors do not all carry dates or names).
fn reason_of(err: &rustls::Error, cert: &CertificateDer<'_>) -> TlsReason {
    let facts = CertFacts::read(cert);
    let self_signed = facts.as_ref().is_some_and(|f| f.self_signed);
    let rustls::Error::InvalidCertificate(problem) = err else {
        return TlsReason::Other {
            detail: err.to_string(),
        };
    };
    match problem {
        CertificateError::ExpiredContext { not_after, .. } => TlsReason::Expired {
            on: day(not_after.as_secs() as i64),
        },
        CertificateError::Expired => TlsReason::Expired {
            on: facts.as_ref().and_then(|f| day(f.not_after)),
        },
        CertificateError::NotValidYetContext { not_before, .. } => TlsReason::NotYetValid {
            from: day(not_before.as_secs() as i64),
        },
        CertificateError::NotValidYet => TlsReason::NotYetValid {
            from: facts.as_ref().and_then(|f| day(f.not_before)),
        },
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
            TlsReason::WrongHost {
                names: facts.map(|f| f.names).unwrap_or_default(),
            }
        }
        // webpki refuses a self-signed CA:TRUE certificate as "a CA used as an end entity"
        // before it looks for an issuer: either way, nobody but the server vouches for it.
        _ if self_signed => TlsReason::SelfSigned,
        CertificateError::UnknownIssuer => TlsReason::UnknownIssuer,
        _ => TlsReason::Other {
            detail: err.to_string(),
        },
    }
}

fn unreadable() -> TlsReason {
    TlsReason::Other {
        detail: "its certificate could not be read".into(),
    }
}

/// `YYYY-MM-DD` of a Unix time in seconds.
fn day(secs: i64) -> Option<String> {
    dates::date_of_unix_millis(secs.saturating_mul(1000)).map(dates::format_date)
}

/// What a certificate says about itself, as far as trusting a pinned one and the messages need.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct CertFacts {
    /// Its issuer is its subject.
    pub self_signed: bool,
    /// Validity, in seconds since 1970.
    pub not_before: i64,
    pub not_after: i64,
    /// The host names and addresses it is for: its subject alternative names, else its common
    /// name.
    pub names: Vec<String>,
    /// Whether `names` come from subject alternative names (which alone count when present).
    pub has_alt_names: bool,
}

impl CertFacts {
    pub fn read(cert: &CertificateDer<'_>) -> Option<Self> {
        use x509_parser::extensions::GeneralName;
        let (_, parsed) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
        let mut names = Vec::new();
        if let Ok(Some(san)) = parsed.subject_alternative_name() {
            for name in &san.value.general_names {
                match name {
                    GeneralName::DNSName(dns) => names.push((*dns).to_owned()),
                    GeneralName::IPAddress(bytes) => {
                        if let Some(ip) = ip_of(bytes) {
                            names.push(ip.to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        let has_alt_names = !names.is_empty();
        if names.is_empty() {
            names.extend(
                parsed
                    .subject()
                    .iter_common_name()
                    .filter_map(|cn| cn.as_str().ok())
                    .map(str::to_owned),
            );
        }
        Some(Self {
            self_signed: parsed.issuer().as_raw() == parsed.subject().as_raw(),
            not_before: parsed.validity().not_before.timestamp(),
            not_after: parsed.validity().not_after.timestamp(),
            names,
            has_alt_names,
        })
    }

    /// Why the certificate is not valid at `now`, if it is not.
    fn dates_refusal(&self, now: UnixTime) -> Option<TlsReason> {
        let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        if now < self.not_before {
            Some(TlsReason::NotYetValid {
                from: day(self.not_before),
            })
        } else if now > self.not_after {
            Some(TlsReason::Expired {
                on: day(self.not_after),
            })
        } else {
            None
        }
    }

    /// Why the certificate is not for `server_name`, if it is not. Its subject alternative names
    /// decide as webpki reads them; without any, its common name must be the host (as curl and
    /// Python still allow); a certificate that names no host at all cannot be checked for one.
    fn host_refusal(&self, cert: &CertificateDer<'_>, server_name: &ServerName<'_>) -> Option<TlsReason> {
        let wrong_host = || TlsReason::WrongHost {
            names: self.names.clone(),
        };
        if self.has_alt_names {
            let parsed = rustls::server::ParsedCertificate::try_from(cert).ok()?;
            return rustls::client::verify_server_name(&parsed, server_name)
                .err()
                .map(|_| wrong_host());
        }
        if self.names.is_empty() {
            return None;
        }
        let matches = |name: &String| match server_name {
            ServerName::DnsName(dns) => name.eq_ignore_ascii_case(dns.as_ref()),
            ServerName::IpAddress(ip) => name
                .parse::<std::net::IpAddr>()
                .is_ok_and(|named| std::net::IpAddr::from(*ip) == named),
            _ => false,
        };
        (!self.names.iter().any(matches)).then(wrong_host)
    }
}

fn sha256(der: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(der).into()
}

fn ip_of(bytes: &[u8]) -> Option<std::net::IpAddr> {
    match bytes.len() {
        4 => Some(<[u8; 4]>::try_from(bytes).ok()?.into()),
        16 => Some(<[u8; 16]>::try_from(bytes).ok()?.into()),
        _ => None,
    }
}

/// SHA-256 of a certificate's DER, in the `AB:CD:…` form browsers and `openssl x509 -fingerprint`
/// show.
pub(super) fn sha256_hex(der: &[u8]) -> String {
    sha256(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}
