//! The probe kit both providers use: turning an answer that is neither success nor a known
//! refusal, or a network failure, into the matching problem, and naming what a credential does
//! reach when what was asked for is not there.

use url::Url;

use super::http::{Answer, Body, NetFailure};
use super::report::Findings;
use crate::domain::catalogue::Fault;
use crate::domain::similar::{MAX_SUGGESTIONS, closest};

/// The host named in messages.
pub fn host_of(url: &Url) -> &str {
    url.host_str().unwrap_or("the server")
}

/// Records a network failure talking to `base` as the matching problem.
pub fn net_problem(findings: &mut Findings, failure: &NetFailure, base: &Url) {
    let host = host_of(base).to_owned();
    findings.problem(match failure {
        NetFailure::Timeout { seconds } => Fault::Timeout {
            host,
            seconds: *seconds,
        },
        NetFailure::Unreachable { reason } => Fault::Unreachable {
            host,
            reason: reason.clone(),
        },
        NetFailure::TlsUntrusted { fingerprint, reason } => Fault::TlsUntrusted {
            host,
            fingerprint: fingerprint.clone(),
            reason: reason.clone(),
        },
        NetFailure::RateLimited { retry_after } => Fault::RateLimited {
            retry_after: *retry_after,
        },
        NetFailure::ServerError { status } => Fault::ServerError { status: *status },
        NetFailure::Redirected { location } => Fault::UnexpectedRedirect {
            location: location.clone(),
        },
        NetFailure::LoginRedirected { from, location } => Fault::LoginRedirected {
            from: from.clone(),
            location: location.clone(),
        },
        NetFailure::TooManyRedirects { location, hops } => Fault::TooManyRedirects {
            location: location.clone(),
            hops: *hops,
        },
        NetFailure::TooLarge => Fault::UnexpectedAnswer {
            detail: "the answer was larger than 1 MiB".to_owned(),
        },
    })
}

/// An answer from `url` that is neither success nor a known refusal.
pub fn unexpected(answer: &Answer, url: &Url, findings: &mut Findings) {
    findings.problem(match &answer.body {
        Body::Html(_) => Fault::LoginPage { url: url.to_string() },
        Body::Malformed(reason) => Fault::UnexpectedAnswer {
            detail: format!("malformed JSON: {reason}"),
        },
        _ => Fault::UnexpectedAnswer {
            detail: format!("HTTP {}", answer.status),
        },
    })
}

/// States that `resource` was not found, naming the closest of `names` (what the credential does
/// reach) to `wanted`. Replaces the bare statement a probe recorded first.
pub fn not_found_with_suggestions(findings: &mut Findings, resource: String, wanted: &str, names: &[String]) {
    let suggestions = closest(wanted, names.iter().map(String::as_str), MAX_SUGGESTIONS);
    findings.restate(Fault::ResourceNotFound {
        resource,
        suggestions,
    });
}
