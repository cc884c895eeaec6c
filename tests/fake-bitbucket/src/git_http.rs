//! Git over HTTP in front of the fake Data Center: `{context}/scm/...` is served by the machine's
//! real `git http-backend` (as CGI) after the fake checks the Basic or Bearer credentials, and
//! everything else goes to the fake REST API. This is what `git clone` talks to in the tests of
//! the credential helper.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

use crate::datacenter::FakeDataCenter;
use crate::{Api, Call, Reply};

pub struct GitHosting {
    pub dc: Arc<FakeDataCenter>,
    /// Holds bare repositories as `{project}/{repo}.git` (lower case, as in clone URLs).
    pub root: PathBuf,
}

impl Api for GitHosting {
    fn answer(&self, call: &Call) -> Reply {
        let prefix = format!("{}/scm/", self.dc.context);
        let Some(path_info) = call.path.strip_prefix(&prefix) else {
            return self.dc.answer(call);
        };
        match self.dc.authenticated_user(&call.credentials) {
            Some(user) => self.cgi(path_info, &user, call),
            None => Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header("www-authenticate", "Basic realm=\"Atlassian Bitbucket\"")
                .body(Full::new(Bytes::from_static(b"Authentication failed")))
                .unwrap(),
        }
    }
}

impl GitHosting {
    fn cgi(&self, path_info: &str, user: &str, call: &Call) -> Reply {
        let exec_path = Command::new("git")
            .arg("--exec-path")
            .output()
            .expect("git is installed");
        let backend =
            PathBuf::from(String::from_utf8_lossy(&exec_path.stdout).trim()).join("git-http-backend");
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&call.query)
            .finish();
        let mut child = Command::new(backend)
            .env("GIT_PROJECT_ROOT", &self.root)
            .env("GIT_HTTP_EXPORT_ALL", "1")
            .env("PATH_INFO", format!("/{path_info}"))
            .env("QUERY_STRING", query)
            .env("REQUEST_METHOD", &call.method)
            .env("CONTENT_TYPE", call.content_type.as_deref().unwrap_or(""))
            .env("CONTENT_LENGTH", call.body.len().to_string())
            .env("REMOTE_USER", user)
            .env("REMOTE_ADDR", "127.0.0.1")
            .env("GATEWAY_INTERFACE", "CGI/1.1")
            .env("SERVER_PROTOCOL", "HTTP/1.1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("git http-backend starts");
        child.stdin.take().unwrap().write_all(&call.body).unwrap();
        let output = child.wait_with_output().unwrap();
        cgi_reply(&output.stdout)
    }
}

/// Turns CGI output (headers, blank line, body) into an HTTP answer.
fn cgi_reply(output: &[u8]) -> Reply {
    let split = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4))
        .or_else(|| output.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2)))
        .unwrap_or((output.len(), output.len()));
    let head = String::from_utf8_lossy(&output[..split.0]).into_owned();
    let mut builder = Response::builder().status(StatusCode::OK);
    for line in head.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            let code = value
                .split_whitespace()
                .next()
                .and_then(|c| c.parse::<u16>().ok())
                .unwrap_or(500);
            builder = builder.status(code);
        } else {
            builder = builder.header(name.trim(), value);
        }
    }
    builder
        .body(Full::new(Bytes::copy_from_slice(&output[split.1..])))
        .unwrap()
}
