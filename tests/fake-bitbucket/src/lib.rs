//! Fake Bitbucket servers for the test suite: real HTTP(S) on 127.0.0.1 that answer as Atlassian's
//! OpenAPI descriptions and ../shared/bitbucket.md say (status codes, headers, JSON and plain-text
//! bodies), with switchable misbehaviour (latency, 429, 5xx, HTML login pages, redirects, huge or
//! malformed bodies, hanging). Every request is logged, Authorization header included, so tests
//! can prove what was sent where.

// Fakes answer with whole `Response`s as errors; their size does not matter in tests.
#![allow(clippy::result_large_err)]

pub mod cloud;
pub mod cloud_oauth;
pub mod datacenter;
pub mod datacenter_oauth;
pub mod git_http;
pub mod oauth_server;
mod tls;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use url::Url;

pub use hyper::StatusCode;
pub use tls::{EXPIRED_ON, ServerCert, TestCa};

pub type Reply = Response<Full<Bytes>>;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Logged {
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    /// When the request arrived.
    pub received: Instant,
    /// When its answer was handed to the connection; `None` while it is still being worked on.
    pub answered: Option<Instant>,
}

/// How the server misbehaves, applied to every request before the fake API answers.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Added before every answer.
    pub latency: Duration,
    /// Added, on top of `latency`, before every answer to a request without credentials, so
    /// that an authenticated request sent at the same time is answered first.
    pub anonymous_latency: Duration,
    /// The first N requests answer 429 with `retry_after` (if any) as `Retry-After`.
    pub rate_limited: u32,
    pub retry_after: Option<String>,
    /// The next N requests answer 500.
    pub server_errors: u32,
    /// The first N requests that carry credentials answer 500.
    pub authenticated_server_errors: u32,
    /// Every answer is an HTML login page (an SSO or proxy page in front of the API).
    pub html: bool,
    /// Every request is redirected (302) to this URL.
    pub redirect_to: Option<String>,
    /// Every answer is a 2 MiB JSON body.
    pub huge: bool,
    /// Every answer claims JSON but is not.
    pub malformed: bool,
    /// Never answer.
    pub hang: bool,
}

/// Credentials as sent in the Authorization header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    None,
    Basic { user: String, secret: String },
    Bearer(String),
    Unreadable,
}

/// A request, decoded for the fake APIs.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// "http" or "https": how the request came, as links in answers are built from it.
    pub scheme: &'static str,
    /// The Host header, as links in answers are built from it.
    pub host: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub credentials: Credentials,
}

impl Call {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Path segments after `prefix` (percent-decoded), or `None` when the path does not start with it.
    pub fn segments_after(&self, prefix: &str) -> Option<Vec<String>> {
        let rest = self.path.strip_prefix(prefix)?;
        Some(
            rest.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| {
                    url::form_urlencoded::parse(s.as_bytes())
                        .map(|(k, _)| k.into_owned())
                        .collect()
                })
                .collect(),
        )
    }
}

/// A fake API: answers one decoded call.
pub trait Api: Send + Sync + 'static {
    fn answer(&self, call: &Call) -> Reply;
}

/// A test keeps its own handle on a fake it wants to change while it runs.
impl<T: Api> Api for Arc<T> {
    fn answer(&self, call: &Call) -> Reply {
        self.as_ref().answer(call)
    }
}

/// A running fake server; stops when dropped.
pub struct Server {
    pub url: Url,
    log: Arc<Mutex<Vec<Logged>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Every request received so far.
    pub fn requests(&self) -> Vec<Logged> {
        self.log.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// How many rounds the client needed, one after the other: the longest chain of requests in
    /// which each arrived only after the one before it had been answered. Requests sent at the
    /// same time share a round. Meaningful when `Behaviour::latency` is well above the time a
    /// client takes to send the requests of one round.
    pub fn rounds(&self) -> usize {
        rounds_of(&self.requests())
    }
}

/// The longest chain of `log` in which each request arrived after the previous was answered.
pub fn rounds_of(log: &[Logged]) -> usize {
    let mut sorted: Vec<&Logged> = log.iter().collect();
    sorted.sort_by_key(|r| r.received);
    let mut depth: Vec<usize> = Vec::with_capacity(sorted.len());
    for (i, request) in sorted.iter().enumerate() {
        let before = (0..i)
            .filter(|&j| sorted[j].answered.is_some_and(|a| a <= request.received))
            .map(|j| depth[j])
            .max()
            .unwrap_or(0);
        depth.push(before + 1);
    }
    depth.into_iter().max().unwrap_or(0)
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Shared {
    api: Box<dyn Api>,
    scheme: &'static str,
    behaviour: Behaviour,
    log: Arc<Mutex<Vec<Logged>>>,
    rate_limited: AtomicU32,
    server_errors: AtomicU32,
    authenticated_server_errors: AtomicU32,
}

/// Starts `api` on a free port of 127.0.0.1, over TLS when `tls` is given.
pub async fn start(api: impl Api, behaviour: Behaviour, tls: Option<&TestCa>) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1");
    serve(listener, api, behaviour, tls)
}

/// Starts `api` on a free port of `ip` (a loopback address, e.g. `::1`), over TLS when `tls` is
/// given. `None` when that address cannot be bound (a machine without IPv6 loopback).
pub async fn start_on(
    ip: std::net::IpAddr,
    api: impl Api,
    behaviour: Behaviour,
    tls: Option<&TestCa>,
) -> Option<Server> {
    let listener = tokio::net::TcpListener::bind((ip, 0)).await.ok()?;
    Some(serve(listener, api, behaviour, tls))
}

fn serve(
    listener: tokio::net::TcpListener,
    api: impl Api,
    behaviour: Behaviour,
    tls: Option<&TestCa>,
) -> Server {
    let addr: SocketAddr = listener.local_addr().unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let scheme = if tls.is_some() { "https" } else { "http" };
    let shared = Arc::new(Shared {
        api: Box::new(api),
        scheme,
        rate_limited: AtomicU32::new(behaviour.rate_limited),
        server_errors: AtomicU32::new(behaviour.server_errors),
        authenticated_server_errors: AtomicU32::new(behaviour.authenticated_server_errors),
        behaviour,
        log: log.clone(),
    });
    let acceptor = tls.map(TestCa::acceptor);
    // An IPv6 address displays in brackets, as a URL wants it: https://[::1]:port.
    let url = Url::parse(&format!("{scheme}://{addr}")).unwrap();
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let shared = shared.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(shared.clone(), req));
                let http = hyper::server::conn::http1::Builder::new();
                match acceptor {
                    Some(acceptor) => {
                        if let Ok(tls) = acceptor.accept(stream).await {
                            let _ = http
                                .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                                .await;
                        }
                    }
                    None => {
                        let _ = http
                            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                            .await;
                    }
                }
            });
        }
    });
    Server { url, log, task }
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let index = {
        let mut log = shared.log.lock().unwrap();
        log.push(Logged {
            path: request.uri().path().to_owned(),
            query: request.uri().query().unwrap_or("").to_owned(),
            authorization: request
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            received: Instant::now(),
            answered: None,
        });
        log.len() - 1
    };
    let reply = respond(&shared, request).await;
    shared.log.lock().unwrap()[index].answered = Some(Instant::now());
    Ok(reply)
}

/// The answer to one request: the misbehaviour asked for, else the fake API's.
async fn respond(shared: &Shared, request: Request<Incoming>) -> Reply {
    let authorization = request
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = request.uri().path().to_owned();
    let method = request.method().as_str().to_owned();
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let host = request
        .headers()
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let query_text = request.uri().query().unwrap_or("").to_owned();
    let b = &shared.behaviour;
    if !b.latency.is_zero() {
        tokio::time::sleep(b.latency).await;
    }
    if authorization.is_none() && !b.anonymous_latency.is_zero() {
        tokio::time::sleep(b.anonymous_latency).await;
    }
    if b.hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if let Some(target) = &b.redirect_to {
        return Response::builder()
            .status(302)
            .header("location", target)
            .body(Full::default())
            .unwrap();
    }
    if take_one(&shared.rate_limited) {
        let mut reply = json(
            StatusCode::TOO_MANY_REQUESTS,
            serde_json::json!({"type": "error", "error": {"message": "Rate limit for this resource has been exceeded"}}),
        );
        if let Some(after) = &b.retry_after {
            reply.headers_mut().insert("retry-after", after.parse().unwrap());
        }
        return reply;
    }
    if take_one(&shared.server_errors)
        || (authorization.is_some() && take_one(&shared.authenticated_server_errors))
    {
        return json(
            StatusCode::INTERNAL_SERVER_ERROR,
            serde_json::json!({"type": "error", "error": {"message": "Something went wrong"}}),
        );
    }
    if b.html {
        return html(StatusCode::OK, LOGIN_PAGE);
    }
    if b.huge {
        let body = format!("{{\"values\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
        return raw(StatusCode::OK, "application/json", body);
    }
    if b.malformed {
        return raw(StatusCode::OK, "application/json", "{\"values\": [oops".into());
    }
    use http_body_util::BodyExt;
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let call = Call {
        method,
        scheme: shared.scheme,
        host,
        content_type,
        body,
        path,
        query: url::form_urlencoded::parse(query_text.as_bytes())
            .into_owned()
            .collect(),
        credentials: credentials(authorization.as_deref()),
    };
    shared.api.answer(&call)
}

fn take_one(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn credentials(header: Option<&str>) -> Credentials {
    let Some(header) = header else {
        return Credentials::None;
    };
    if let Some(token) = header.strip_prefix("Bearer ") {
        return Credentials::Bearer(token.to_owned());
    }
    let decoded = header
        .strip_prefix("Basic ")
        .and_then(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    match decoded.as_deref().and_then(|pair| pair.split_once(':')) {
        Some((user, secret)) => Credentials::Basic {
            user: user.to_owned(),
            secret: secret.to_owned(),
        },
        None => Credentials::Unreadable,
    }
}

const LOGIN_PAGE: &str = "<!DOCTYPE html><html><head><title>Log in - Example Corp SSO</title></head><body><form action=\"/login\"><input name=\"username\"><input type=\"password\" name=\"password\"></form></body></html>";

pub fn json(status: StatusCode, value: serde_json::Value) -> Reply {
    raw(status, "application/json;charset=UTF-8", value.to_string())
}

pub fn html(status: StatusCode, body: &str) -> Reply {
    raw(status, "text/html;charset=UTF-8", body.to_owned())
}

pub fn raw(status: StatusCode, content_type: &str, body: String) -> Reply {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
