//! The only way the core talks to a server. It enforces the network rules in one place: a secret
//! only ever goes to the origin it belongs to, plain http only when allowed, bounded time and
//! body size, bounded retries on 429 and 5xx, and readable answers whatever the server sends.

mod tls;

use std::path::Path;
use std::time::Duration;

use base64::Engine;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use url::Url;

use crate::domain::catalogue::TlsReason;
use crate::domain::secret::Secret;
use crate::domain::sniff::fingerprint_bytes;

/// The network limits of one check: time and size bounds, and the proxy. Tests shorten them; the
/// defaults suit real servers.
#[derive(Debug, Clone)]
pub struct NetLimits {
    /// Longest wait for one answer.
    pub request_timeout: Duration,
    /// Longest a whole check may take, every probe and retry included.
    pub deadline: Duration,
    /// Longest `Retry-After` we are willing to wait on a 429 before reporting `rate_limited`.
    pub max_retry_wait: Duration,
    /// Pause before the single retry of a 5xx answer.
    pub server_error_pause: Duration,
    /// Largest body we read; a bigger one is an unexpected answer.
    pub body_limit: usize,
    /// A proxy for every request (from the administrator's policy); `None` uses the environment's.
    pub proxy: Option<String>,
}

impl Default for NetLimits {
    fn default() -> Self {
        Self {
            request_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(30),
            max_retry_wait: Duration::from_secs(10),
            server_error_pause: Duration::from_millis(500),
            body_limit: 1024 * 1024,
            proxy: None,
        }
    }
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    Anonymous,
    Basic { user: &'a str, secret: &'a Secret },
    Bearer(&'a Secret),
}

/// A server's answer, read whole (up to the body limit).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Body,
}

#[derive(Debug, Clone)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    /// A web page: a login, SSO or proxy page where an API answer was expected. Holds the start
    /// of its visible text (tags left out), for the few answers that are meant as pages.
    Html(String),
    Text(String),
    /// Claimed to be JSON but was not.
    Malformed(String),
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Option<&serde_json::Value> {
        match &self.body {
            Body::Json(value) => Some(value),
            _ => None,
        }
    }
}

/// Why no usable answer came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NetFailure {
    Timeout {
        seconds: u64,
    },
    Unreachable {
        reason: String,
    },
    /// The certificate presented in this request's handshake was refused: its SHA-256 and why.
    TlsUntrusted {
        fingerprint: Option<String>,
        reason: TlsReason,
    },
    RateLimited {
        retry_after: Option<Duration>,
    },
    ServerError {
        status: u16,
    },
    /// A redirect to another origin: not followed, the credential not sent there.
    Redirected {
        location: String,
    },
    /// A redirect of a request that carried a Basic login: not followed, so the login went once,
    /// to `from`, and not to `location` (a failed one counts toward the server's CAPTCHA lock).
    LoginRedirected {
        from: String,
        location: String,
    },
    /// Same-origin redirects beyond [`MAX_REDIRECTS`]: `hops` received, the last to `location`.
    TooManyRedirects {
        location: String,
        hops: u32,
    },
    TooLarge,
}

/// Same-origin redirects followed for one request (never for a Basic login).
pub const MAX_REDIRECTS: u32 = 3;

/// An HTTP client bound to one origin (scheme, host, port).
pub struct Http {
    client: reqwest::Client,
    origin: url::Origin,
    limits: NetLimits,
    retry_basic: bool,
}

/// Why a client could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    InsecureHttp,
    CaFile { reason: String },
    Fingerprint { value: String },
    Client(String),
}

/// Which server certificates a client trusts beyond the system's: a CA file's (which may hold the
/// server's own certificate, then trusted as exactly that certificate), or only the one with a
/// given SHA-256 fingerprint. A pinned fingerprint narrows trust; it never turns checking off.
#[derive(Debug, Clone, Copy, Default)]
pub struct Trust<'a> {
    pub ca_file: Option<&'a Path>,
    pub fingerprint: Option<&'a str>,
}

/// Loopback addresses never leave the machine, so plain http to them is allowed (tests, tunnels).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl Http {
    /// A client for `base`'s origin. Plain http is refused unless allowed or loopback.
    pub fn new(
        base: &Url,
        ca_file: Option<&Path>,
        allow_http: bool,
        limits: NetLimits,
    ) -> Result<Self, SetupError> {
        let trust = Trust {
            ca_file,
            fingerprint: None,
        };
        Self::with_trust(base, trust, allow_http, limits)
    }

    /// A client for `base`'s origin that trusts what `trust` says on top of the system's roots,
    /// or, with a fingerprint, exactly that one certificate.
    pub fn with_trust(
        base: &Url,
        trust: Trust<'_>,
        allow_http: bool,
        limits: NetLimits,
    ) -> Result<Self, SetupError> {
        if base.scheme() == "http" && !allow_http && !is_loopback(base) {
            return Err(SetupError::InsecureHttp);
        }
        let mut builder = reqwest::Client::builder()
            // Redirects are handled by hand: never follow one to another origin with credentials.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(limits.request_timeout)
            .connect_timeout(limits.request_timeout)
            .user_agent(concat!("repoconn/", env!("CARGO_PKG_VERSION")));
        if let Some(proxy) = &limits.proxy {
            // The proxy address may carry a password: it never goes into a message.
            let proxy = reqwest::Proxy::all(proxy.as_str()).map_err(|_| {
                SetupError::Client(format!(
                    "the proxy {} cannot be used",
                    crate::domain::sniff::without_credentials(proxy)
                ))
            })?;
            builder = builder.proxy(proxy);
        }
        let ca_certs = match trust.ca_file {
            Some(path) => read_ca_file(path)?,
            None => Vec::new(),
        };
        let pin = match trust.fingerprint {
            Some(typed) => Some(fingerprint_bytes(typed).ok_or_else(|| SetupError::Fingerprint {
                value: typed.to_owned(),
            })?),
            None => None,
        };
        let tls = tls::client_config(ca_certs, pin).map_err(SetupError::Client)?;
        let client = builder
            .tls_backend_preconfigured(tls)
            .build()
            .map_err(|err| SetupError::Client(err.to_string()))?;
        Ok(Self {
            client,
            origin: base.origin(),
            limits,
            retry_basic: true,
        })
    }

    /// Never repeat a request that carries a Basic login: on Data Center every failed one counts
    /// toward the account's CAPTCHA lock.
    pub fn without_basic_retries(mut self) -> Self {
        self.retry_basic = false;
        self
    }

    /// GET `url` (which must be on this client's origin), following same-origin redirects (except
    /// for a Basic login, which is never sent twice), waiting out a short 429 and retrying one 5xx
    /// (unless Basic retries are off).
    pub async fn get(&self, url: Url, auth: Auth<'_>) -> Result<Answer, NetFailure> {
        assert!(
            url.origin() == self.origin,
            "a request left its connection's origin"
        );
        let mut url = url;
        let may_retry = self.retry_basic || !matches!(auth, Auth::Basic { .. });
        let (mut redirects, mut waited_429, mut retried_5xx) = (0, !may_retry, !may_retry);
        loop {
            let response = self.send(&url, auth).await?;
            let status = response.status().as_u16();
            match status {
                300..=399 => {
                    let location = response
                        .headers()
                        .get(LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    let target = url.join(location).map_err(|_| NetFailure::Redirected {
                        location: location.to_owned(),
                    })?;
                    if matches!(auth, Auth::Basic { .. }) {
                        // Following would send the login a second time in this check.
                        return Err(NetFailure::LoginRedirected {
                            from: url.to_string(),
                            location: target.to_string(),
                        });
                    }
                    if target.origin() != self.origin {
                        return Err(NetFailure::Redirected {
                            location: target.to_string(),
                        });
                    }
                    if redirects >= MAX_REDIRECTS {
                        return Err(NetFailure::TooManyRedirects {
                            location: target.to_string(),
                            hops: redirects + 1,
                        });
                    }
                    redirects += 1;
                    url = target;
                }
                429 => {
                    let wait = retry_after(response.headers());
                    match wait {
                        Some(wait) if !waited_429 && wait <= self.limits.max_retry_wait => {
                            waited_429 = true;
                            tokio::time::sleep(wait).await;
                        }
                        _ => return Err(NetFailure::RateLimited { retry_after: wait }),
                    }
                }
                500..=599 if !retried_5xx => {
                    retried_5xx = true;
                    tokio::time::sleep(self.limits.server_error_pause).await;
                }
                500..=599 => return Err(NetFailure::ServerError { status }),
                _ => return self.read(response).await,
            }
        }
    }

    /// POST a form to `url` (on this client's origin), once: no redirect followed, no retry. An
    /// OAuth grant must never be repeated, since a refresh token works only once.
    pub async fn post_form(
        &self,
        url: Url,
        auth: Auth<'_>,
        form: &[(&str, &str)],
    ) -> Result<Answer, NetFailure> {
        assert!(
            url.origin() == self.origin,
            "a request left its connection's origin"
        );
        let mut request = self
            .client
            .post(url.clone())
            .header(ACCEPT, "application/json")
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(form)
                    .finish(),
            );
        if let Auth::Basic { user, secret } = auth {
            let pair =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", secret.expose()));
            request = request.header(AUTHORIZATION, format!("Basic {pair}"));
        }
        match request.send().await {
            Ok(response) => {
                tracing::debug!(%url, status = response.status().as_u16(), "POST");
                self.read(response).await
            }
            Err(err) => Err(self.classify(&err).await),
        }
    }

    async fn send(&self, url: &Url, auth: Auth<'_>) -> Result<reqwest::Response, NetFailure> {
        let mut request = self.client.get(url.clone()).header(ACCEPT, "application/json");
        match auth {
            Auth::Anonymous => {}
            Auth::Basic { user, secret } => {
                let pair =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", secret.expose()));
                request = request.header(AUTHORIZATION, format!("Basic {pair}"));
            }
            Auth::Bearer(secret) => {
                request = request.header(AUTHORIZATION, format!("Bearer {}", secret.expose()))
            }
        }
        // The address and the way of authenticating, never the header itself.
        let how = match auth {
            Auth::Anonymous => "anonymous",
            Auth::Basic { .. } => "basic",
            Auth::Bearer(_) => "bearer",
        };
        let started = std::time::Instant::now();
        let result = request.send().await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(response) => {
                tracing::debug!(%url, auth = how, status = response.status().as_u16(), elapsed_ms, "GET");
                Ok(response)
            }
            Err(err) => {
                let failure = self.classify(&err).await;
                tracing::debug!(%url, auth = how, ?failure, elapsed_ms, "GET failed");
                Err(failure)
            }
        }
    }

    async fn classify(&self, err: &reqwest::Error) -> NetFailure {
        if err.is_timeout() {
            return NetFailure::Timeout {
                seconds: self.limits.request_timeout.as_secs(),
            };
        }
        // The refusal travels in the failed handshake's own error: its fingerprint is the one of
        // the certificate this very handshake presented.
        if let Some(refusal) = tls::refusal_in(err) {
            return NetFailure::TlsUntrusted {
                fingerprint: Some(refusal.fingerprint),
                reason: refusal.reason,
            };
        }
        if is_certificate_error(err) {
            return NetFailure::TlsUntrusted {
                fingerprint: None,
                reason: TlsReason::Other {
                    detail: root_cause(err),
                },
            };
        }
        NetFailure::Unreachable {
            reason: root_cause(err),
        }
    }

    async fn read(&self, mut response: reqwest::Response) -> Result<Answer, NetFailure> {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut bytes = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > self.limits.body_limit {
                        return Err(NetFailure::TooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) => return Err(self.classify(&err).await),
            }
        }
        Ok(Answer {
            status,
            body: parse_body(&headers, &bytes),
            headers,
        })
    }
}

/// The words of a web page, roughly: tags dropped, spaces collapsed, the first 500 characters.
fn visible_text(page: &str) -> String {
    let mut words = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                words.push(' ');
            }
            _ if !in_tag => words.push(c),
            _ => {}
        }
    }
    words
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(500)
        .collect()
}

fn parse_body(headers: &HeaderMap, bytes: &[u8]) -> Body {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim_start();
    if trimmed.is_empty() {
        return Body::Empty;
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.contains("html") || trimmed.starts_with('<') {
        return Body::Html(visible_text(trimmed));
    }
    let claims_json = content_type.contains("json") || trimmed.starts_with('{') || trimmed.starts_with('[');
    match serde_json::from_slice(bytes) {
        Ok(value) => Body::Json(value),
        Err(err) if claims_json => Body::Malformed(err.to_string()),
        Err(_) => Body::Text(trimmed.chars().take(500).collect()),
    }
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

fn is_certificate_error(err: &reqwest::Error) -> bool {
    tls::causes(err).any(|e| {
        matches!(
            e.downcast_ref::<rustls::Error>(),
            Some(rustls::Error::InvalidCertificate(_))
        ) || e.to_string().contains("invalid peer certificate")
    })
}

fn root_cause(err: &reqwest::Error) -> String {
    tls::causes(err)
        .last()
        .map(|e| e.to_string())
        .unwrap_or_else(|| err.to_string())
}

/// The certificates of a CA file (PEM, one or more).
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, SetupError> {
    let pem = std::fs::read(path).map_err(|err| SetupError::CaFile {
        reason: err.to_string(),
    })?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| SetupError::CaFile {
            reason: err.to_string(),
        })?;
    if certs.is_empty() {
        return Err(SetupError::CaFile {
            reason: "it holds no certificate".into(),
        });
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn bodies_are_classified_whatever_the_server_claims() {
        let json = headers(&[("content-type", "application/json")]);
        assert!(matches!(parse_body(&json, br#"{"a":1}"#), Body::Json(_)));
        assert!(matches!(parse_body(&json, b"{not json"), Body::Malformed(_)));
        assert!(matches!(
            parse_body(&json, b"<!DOCTYPE html><html>"),
            Body::Html(_)
        ));
        match parse_body(
            &json,
            b"<html><body><h1>Invalid</h1>\n<p>URL  must use https.</p></body></html>",
        ) {
            Body::Html(words) => assert_eq!(words, "Invalid URL must use https."),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_body(&HeaderMap::new(), b"  "), Body::Empty));
        assert!(matches!(
            parse_body(&headers(&[("content-type", "text/plain")]), b"Login failed"),
            Body::Text(_)
        ));
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(
            retry_after(&headers(&[("retry-after", "3")])),
            Some(Duration::from_secs(3))
        );
        let past = httpdate::fmt_http_date(std::time::SystemTime::now() - Duration::from_secs(60));
        assert_eq!(
            retry_after(&headers(&[("retry-after", &past)])),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")])), None);
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback_or_when_allowed() {
        let policy = NetLimits::default;
        let remote = Url::parse("http://git.example.com").unwrap();
        assert_eq!(
            Http::new(&remote, None, false, policy()).err(),
            Some(SetupError::InsecureHttp)
        );
        assert!(Http::new(&remote, None, true, policy()).is_ok());
        for local in [
            "http://127.0.0.1:7990",
            "http://localhost:7990",
            "http://[::1]:7990",
        ] {
            assert!(
                Http::new(&Url::parse(local).unwrap(), None, false, policy()).is_ok(),
                "{local}"
            );
        }
    }

    #[test]
    fn a_ca_file_that_is_not_pem_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "hello").unwrap();
        let base = Url::parse("https://git.example.com").unwrap();
        let err = Http::new(&base, Some(&path), false, NetLimits::default())
            .err()
            .unwrap();
        assert!(matches!(err, SetupError::CaFile { .. }), "{err:?}");
        let missing = dir.path().join("missing.pem");
        assert!(matches!(
            Http::new(&base, Some(&missing), false, NetLimits::default()),
            Err(SetupError::CaFile { .. })
        ));
    }
}
