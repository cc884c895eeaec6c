//! Bitbucket Data Center versions as `application-properties` reports them ("9.2.1"), and which
//! ways to connect a version can issue: features arrived in a release, so an older server has
//! no page that creates them.

use crate::domain::method::Method;

/// A release, major and minor ("7.17").
pub type Release = (u64, u64);

/// Whether `version` is `release` or later. Parts that are not numbers count as 0, so an odd
/// version ("8.0-SNAPSHOT") compares by what can be read of it.
pub fn at_least(version: &str, (major, minor): Release) -> bool {
    let mut parts = version
        .trim()
        .split('.')
        .map(|p| p.trim().parse::<u64>().unwrap_or(0));
    let have = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    have >= (major, minor)
}

/// The first release a Data Center credential kind can be created in, and that release's product
/// name; `None` for Cloud kinds and passwords (every server takes those).
///
/// Personal tokens arrived in Bitbucket Server 5.5 (the 5.5 release notes). Project and
/// repository tokens appear in the 7.17 documentation, the earliest that describes them. Incoming
/// OAuth 2.0 application links arrived in 7.20.
pub fn first_release(method: Method) -> Option<(Release, &'static str)> {
    match method {
        Method::PersonalToken => Some(((5, 5), "Bitbucket 5.5")),
        Method::ProjectToken | Method::RepositoryToken => Some(((7, 17), "Bitbucket 7.17")),
        Method::DataCenterOauth => Some(((7, 20), "Bitbucket 7.20")),
        _ => None,
    }
}

/// Why a server of `version` cannot issue `method` ("Needs Bitbucket 5.5 or newer; this server
/// runs 5.4.0."), or `None` when it can.
pub fn cannot_issue(method: Method, version: &str) -> Option<String> {
    let (release, name) = first_release(method)?;
    (!at_least(version, release))
        .then(|| format!("Needs {name} or newer; this server runs {}.", version.trim()))
}

/// Per-user token pages (`…/access-tokens/users/{slug}/manage`) exist from 8.0.
pub const PER_USER_TOKEN_PAGES: Release = (8, 0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(at_least("5.5.0", (5, 5)));
        assert!(at_least("10.0.1", (5, 5)));
        assert!(!at_least("5.4.9", (5, 5)));
        assert!(!at_least("4.14", (5, 5)));
        assert!(at_least("8.0-SNAPSHOT", (8, 0)));
        assert!(!at_least("", (5, 5)));
    }

    #[test]
    fn old_servers_cannot_issue_tokens_that_came_later() {
        assert_eq!(
            cannot_issue(Method::PersonalToken, "5.4.0").as_deref(),
            Some("Needs Bitbucket 5.5 or newer; this server runs 5.4.0.")
        );
        assert_eq!(cannot_issue(Method::PersonalToken, "5.5.0"), None);
        assert!(
            cannot_issue(Method::ProjectToken, "7.16.2")
                .unwrap()
                .starts_with("Needs Bitbucket 7.17 or newer")
        );
        assert!(cannot_issue(Method::RepositoryToken, "7.16.2").is_some());
        assert_eq!(cannot_issue(Method::RepositoryToken, "9.2.1"), None);
        // Passwords and Cloud kinds do not depend on a server version.
        assert_eq!(cannot_issue(Method::Basic, "4.0.0"), None);
        assert_eq!(cannot_issue(Method::ApiToken, "1.0"), None);
    }
}
