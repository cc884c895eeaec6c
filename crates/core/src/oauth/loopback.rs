//! The listener on 127.0.0.1 that the browser is sent back to. For Cloud it takes a free port (a
//! fixed one may be taken or blocked); for a Data Center link, whose redirect address is matched
//! exactly, the port and path it is registered with. It answers only that path, and tells the
//! person in the page that they can close it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::authorize::Authorization;
use super::{CALLBACK_PATH, OauthError};

/// The largest request head we read from a browser.
const MAX_HEAD: usize = 16 * 1024;
/// How long one browser connection may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A listener on 127.0.0.1.
pub struct Loopback {
    listener: TcpListener,
    path: String,
    pub redirect_uri: String,
}

impl Loopback {
    /// On a free port, at our callback path.
    pub async fn bind() -> Result<Self, OauthError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|err| unreachable(format!("cannot listen on 127.0.0.1: {err}")))?;
        let port = listener
            .local_addr()
            .map_err(|err| unreachable(err.to_string()))?
            .port();
        Ok(Self {
            listener,
            path: CALLBACK_PATH.to_owned(),
            redirect_uri: format!("http://127.0.0.1:{port}{CALLBACK_PATH}"),
        })
    }

    /// On the port and path of a registered redirect address (`http://127.0.0.1:PORT/PATH`).
    pub async fn bind_to(redirect: &url::Url) -> Result<Self, OauthError> {
        let port = redirect.port().unwrap_or(80);
        let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|err| {
            unreachable(format!(
                "cannot listen on 127.0.0.1:{port}, where the application link sends the browser back ({err}); close the program using that port and sign in again"
            ))
        })?;
        Ok(Self {
            listener,
            path: redirect.path().to_owned(),
            redirect_uri: redirect.to_string(),
        })
    }

    /// Waits for the browser to come back to our path, answers it with a short page, and gives
    /// the code (or why there is none). Other paths (a favicon) get a 404 and the wait goes on.
    pub async fn wait(self, authorization: &Authorization) -> Result<String, OauthError> {
        loop {
            let Ok((mut stream, _)) = self.listener.accept().await else {
                continue;
            };
            let Some(target) = read_target(&mut stream).await else {
                continue;
            };
            let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
            if path != self.path {
                respond(&mut stream, "404 Not Found", "Not found.").await;
                continue;
            }
            let result = authorization.code_from_query(query);
            respond(&mut stream, "200 OK", &page(&result)).await;
            return result;
        }
    }
}

fn unreachable(detail: String) -> OauthError {
    OauthError::Unreachable { detail }
}

/// The request target of `GET <target> HTTP/1.1`, or `None` for anything else.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    let read = async {
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
            let n = stream.read(&mut buffer).await.ok()?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buffer[..n]);
        }
        Some(())
    };
    tokio::time::timeout(READ_TIMEOUT, read).await.ok()??;
    let text = String::from_utf8_lossy(&head);
    let mut words = text.lines().next()?.split(' ');
    (words.next()? == "GET").then_some(())?;
    words.next().map(str::to_owned)
}

/// The page the browser shows, in our words.
fn page(result: &Result<String, OauthError>) -> String {
    let first = match result {
        Ok(_) => "You are signed in with Bitbucket.".to_owned(),
        Err(err) => format!("Sign-in did not finish: {err}."),
    };
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Repository Connections</title></head>\
         <body><p>{}</p><p>You can close this page and go back to Repository Connections.</p></body></html>",
        escape(&first)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cloud() -> crate::oauth::server::AuthServer {
        let mut server =
            crate::oauth::server::AuthServer::data_center(url::Url::parse("https://bitbucket.org").unwrap());
        server.provider = crate::domain::method::ProviderKind::Cloud;
        server
    }

    /// Sends `GET target` to the listener as a browser would; the answer's text.
    async fn browse(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        answer
    }

    #[tokio::test]
    async fn answers_only_our_path_and_says_the_page_can_be_closed() {
        let loopback = Loopback::bind().await.unwrap();
        let port = url::Url::parse(&loopback.redirect_uri).unwrap().port().unwrap();
        assert!(loopback.redirect_uri.ends_with(CALLBACK_PATH));
        let attempt = Authorization::new(&cloud(), "key", &loopback.redirect_uri, &[]);
        let state: String = attempt
            .url
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        let waiting = tokio::spawn(async move { loopback.wait(&attempt).await });
        let other = browse(port, "/favicon.ico").await;
        assert!(other.starts_with("HTTP/1.1 404"), "{other}");
        let page = browse(port, &format!("{CALLBACK_PATH}?code=c0de&state={state}")).await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(
            page.contains("You can close this page and go back to Repository Connections."),
            "{page}"
        );
        assert_eq!(waiting.await.unwrap().unwrap(), "c0de");
    }

    #[tokio::test]
    async fn a_wrong_state_is_refused_in_the_page_too() {
        let loopback = Loopback::bind().await.unwrap();
        let port = url::Url::parse(&loopback.redirect_uri).unwrap().port().unwrap();
        let attempt = Authorization::new(&cloud(), "key", &loopback.redirect_uri, &[]);
        let waiting = tokio::spawn(async move { loopback.wait(&attempt).await });
        let page = browse(port, &format!("{CALLBACK_PATH}?code=c0de&state=forged")).await;
        assert!(page.contains("Sign-in did not finish"), "{page}");
        assert!(matches!(waiting.await.unwrap(), Err(OauthError::StateMismatch)));
    }

    #[tokio::test]
    async fn a_registered_redirect_is_listened_on_at_its_port_and_path() {
        let free = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = free.local_addr().unwrap().port();
        drop(free);
        let registered = url::Url::parse(&format!("http://127.0.0.1:{port}/links/back")).unwrap();
        let loopback = Loopback::bind_to(&registered).await.unwrap();
        assert_eq!(loopback.redirect_uri, registered.as_str());
        let attempt = Authorization::new(&cloud(), "key", &loopback.redirect_uri, &[]);
        let state: String = attempt
            .url
            .query_pairs()
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        // A second sign-in cannot take the same port: it says which and what to do.
        match Loopback::bind_to(&registered).await {
            Err(OauthError::Unreachable { detail }) => {
                assert!(detail.contains(&format!("127.0.0.1:{port}")) && detail.contains("close the program"))
            }
            other => panic!("{:?}", other.map(|l| l.redirect_uri)),
        }
        let waiting = tokio::spawn(async move { loopback.wait(&attempt).await });
        let ours = browse(port, CALLBACK_PATH).await;
        assert!(
            ours.starts_with("HTTP/1.1 404"),
            "only the registered path: {ours}"
        );
        browse(port, &format!("/links/back?code=c0de&state={state}")).await;
        assert_eq!(waiting.await.unwrap().unwrap(), "c0de");
    }
}
