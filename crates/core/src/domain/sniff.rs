//! Looks at what a person pasted before anything goes over the network: tidies the secret,
//! recognises which kind of credential it is, and turns any Data Center URL into the base URL.

use url::Url;

use crate::domain::method::Method;
use crate::domain::secret::Secret;

/// What a secret's prefix says it is. Atlassian's Cloud credentials carry recognisable prefixes;
/// Data Center tokens and passwords do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretShape {
    ApiToken,
    AccessToken,
    AppPassword,
    Unknown,
}

impl SecretShape {
    fn of(secret: &str) -> Self {
        if secret.starts_with("ATATT") {
            Self::ApiToken
        } else if secret.starts_with("ATCTT") {
            Self::AccessToken
        } else if secret.starts_with("ATBB") {
            Self::AppPassword
        } else {
            Self::Unknown
        }
    }

    /// How the shape is named in messages ("an Atlassian API token").
    pub fn label(self) -> &'static str {
        match self {
            Self::ApiToken => "an Atlassian API token",
            Self::AccessToken => "a Bitbucket Cloud access token",
            Self::AppPassword => "a Bitbucket app password",
            Self::Unknown => "an unrecognised secret",
        }
    }

    /// The kind to suggest instead, when the shape contradicts the chosen kind.
    pub fn contradicts(self, method: Method) -> Option<Method> {
        match self {
            Self::ApiToken if method != Method::ApiToken => Some(Method::ApiToken),
            Self::AccessToken if !method.is_cloud_access_token() => Some(Method::RepositoryAccessToken),
            Self::AppPassword if method != Method::AppPassword => Some(Method::AppPassword),
            _ => None,
        }
    }
}

/// The pasted secret after tidying, and what we noticed about it.
#[derive(Debug)]
pub struct PastedSecret {
    pub secret: Secret,
    pub shape: SecretShape,
    /// The user part of a pasted `user:token` pair.
    pub pair_user: Option<String>,
    /// What was removed, for the `secret_cleaned` warning ("a \"Bearer \" prefix").
    pub removed: Vec<&'static str>,
}

/// Tidies a pasted secret: surrounding whitespace and line breaks, a `Bearer ` prefix copied with
/// a header, and a `user:token` pair (not for passwords, which may contain colons).
pub fn paste_secret(raw: &str, method: Method) -> PastedSecret {
    // Surrounding whitespace (a piped newline, a copied space) is dropped without comment.
    let mut removed = Vec::new();
    let mut text = raw.trim();
    if text.len() > 7 && text[..7].eq_ignore_ascii_case("bearer ") {
        text = text[7..].trim_start();
        removed.push("a \"Bearer \" prefix");
    }
    let mut pair_user = None;
    if method != Method::Basic
        && let Some((user, token)) = text.split_once(':')
        && !user.is_empty()
        && !user.contains(char::is_whitespace)
        && token.len() >= 16
        && !token.contains(':')
    {
        pair_user = Some(user.to_owned());
        text = token;
        removed.push("the \"user:\" in front of the token");
    }
    PastedSecret {
        shape: SecretShape::of(text),
        secret: Secret::new(text),
        pair_user,
        removed,
    }
}

/// Whether a string looks like an email address (enough to tell it from a username).
pub fn looks_like_email(value: &str) -> bool {
    match value.trim().split_once('@') {
        Some((local, domain)) => !local.is_empty() && domain.contains('.') && !domain.starts_with('.'),
        None => false,
    }
}

/// A SHA-256 certificate fingerprint as typed: `AB:CD:…`, plain hex, any case, with spaces, or as
/// `openssl x509 -fingerprint -sha256` prints it (`sha256 Fingerprint=AB:CD:…`). Normalised to the
/// `AB:CD:…` form (32 upper-case pairs).
pub fn fingerprint(typed: &str) -> Result<String, FingerprintError> {
    let bytes = fingerprint_bytes(typed).ok_or_else(|| FingerprintError {
        value: typed.trim().to_owned(),
    })?;
    Ok(bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":"))
}

/// The 32 bytes of a fingerprint written in any form [`fingerprint`] accepts.
pub fn fingerprint_bytes(typed: &str) -> Option<[u8; 32]> {
    let text = typed.trim();
    // openssl's "sha256 Fingerprint=" (or "SHA256 Fingerprint="), or a bare "sha256:" prefix.
    let text = match text.split_once('=') {
        Some((label, rest)) if label.to_ascii_lowercase().contains("sha256") => rest,
        _ => text,
    };
    let text = match text.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("sha256:") => &text[7..],
        _ => text,
    };
    let hex: Vec<u8> = text
        .bytes()
        .filter(|b| !matches!(b, b':' | b' ' | b'\t'))
        .collect();
    if hex.len() != 64 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks(2)) {
        let pair = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(bytes)
}

/// A fingerprint that is not 64 hexadecimal digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{value}\" is not a SHA-256 fingerprint (64 hexadecimal digits, in pairs separated by colons or not)"
)]
pub struct FingerprintError {
    pub value: String,
}

/// A Data Center address turned into its base URL, with any project and repository it named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerAddress {
    pub base: Url,
    pub project: Option<String>,
    pub repository: Option<String>,
    /// True when the base differs from what was typed (beyond a trailing slash).
    pub changed: bool,
}

/// Why a typed server address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the server address is empty")]
    Empty,
    #[error("'{typed}' is not a web address: {reason}")]
    NotAnAddress { typed: String, reason: String },
    #[error("'{0}' is not an http(s) address")]
    NotHttp(String),
}

/// First path segments of Bitbucket Data Center's own pages and APIs: whatever comes before one
/// of these is the context path (`https://host/bitbucket/projects/...` → `https://host/bitbucket`).
const SERVER_ROUTES: &[&str] = &[
    "projects",
    "repos",
    "rest",
    "scm",
    "plugins",
    "users",
    "dashboard",
    "login",
    "logout",
    "account",
    "profile",
    "admin",
    "mvc",
    "getting-started",
    "setup",
    "status",
    "git",
    "s",
];

/// Normalises anything pasted as a Data Center address: a base URL, a browser URL of a repository
/// or pull request, a REST URL or a clone URL. A missing scheme means https.
pub fn server_address(input: &str) -> Result<ServerAddress, AddressError> {
    let typed = input.trim();
    if typed.is_empty() {
        return Err(AddressError::Empty);
    }
    let with_scheme = if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("https://{typed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|err| AddressError::NotAnAddress {
        typed: typed.to_owned(),
        reason: err.to_string(),
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(AddressError::NotHttp(typed.to_owned()));
    }
    let segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_owned).collect())
        .unwrap_or_default();
    let cut = segments
        .iter()
        .position(|s| SERVER_ROUTES.contains(&s.as_str()))
        .unwrap_or(segments.len());
    let (project, repository) = project_and_repository(&segments[cut..]);
    let context: Vec<&str> = segments[..cut]
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();

    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_query(None);
    url.set_fragment(None);
    url.set_path(&context.join("/"));
    let as_typed = with_scheme.trim_end_matches('/');
    let changed = url.as_str().trim_end_matches('/') != as_typed;
    Ok(ServerAddress {
        base: url,
        project,
        repository,
        changed,
    })
}

fn project_and_repository(route: &[String]) -> (Option<String>, Option<String>) {
    let at = |i: usize| route.get(i).map(String::as_str);
    // Skip a REST prefix: rest/api/1.0/projects/K/repos/S
    let start = if at(0) == Some("rest") {
        route.iter().position(|s| s == "projects")
    } else {
        Some(0)
    };
    let Some(start) = start else { return (None, None) };
    match (at(start), at(start + 1), at(start + 2), at(start + 3)) {
        (Some("projects"), Some(key), Some("repos"), Some(slug)) => {
            (Some(key.to_owned()), Some(slug.to_owned()))
        }
        (Some("projects"), Some(key), _, _) => (Some(key.to_owned()), None),
        (Some("scm"), Some(key), Some(slug), _) => (
            Some(key.to_uppercase()),
            Some(slug.trim_end_matches(".git").to_owned()),
        ),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_normalised_whatever_their_form() {
        let canonical = (0..32u8)
            .map(|b| format!("{:02X}", b * 7))
            .collect::<Vec<_>>()
            .join(":");
        let plain = canonical.replace(':', "").to_lowercase();
        for typed in [
            canonical.clone(),
            canonical.to_lowercase(),
            plain.clone(),
            format!("  {plain}\n"),
            format!("sha256 Fingerprint={canonical}"),
            format!("SHA256:{plain}"),
            canonical.replace(':', " "),
        ] {
            assert_eq!(
                fingerprint(&typed).as_deref(),
                Ok(canonical.as_str()),
                "{typed:?}"
            );
        }
        for wrong in [
            "",
            "AB:CD",
            &plain[..62],
            &format!("{plain}00"),
            &plain.replace('a', "g"),
            &format!("+{}", &plain[1..]),
        ] {
            assert!(fingerprint(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn tidies_whitespace_bearer_and_pairs() {
        let pasted = paste_secret("  Bearer ATCTT3xFfGN0abc\n", Method::RepositoryAccessToken);
        assert_eq!(pasted.secret.expose(), "ATCTT3xFfGN0abc");
        assert_eq!(pasted.shape, SecretShape::AccessToken);
        assert_eq!(pasted.removed, ["a \"Bearer \" prefix"]);

        let pasted = paste_secret("alice:ATATT3xFfGF0abcdefghijkl", Method::ApiToken);
        assert_eq!(pasted.pair_user.as_deref(), Some("alice"));
        assert_eq!(pasted.secret.expose(), "ATATT3xFfGF0abcdefghijkl");

        // A password may contain a colon: never split it.
        let pasted = paste_secret("pa:ss-word-long-enough", Method::Basic);
        assert_eq!(pasted.secret.expose(), "pa:ss-word-long-enough");
        assert!(pasted.removed.is_empty());
    }

    #[test]
    fn recognises_shapes_that_contradict_the_chosen_kind() {
        assert_eq!(
            SecretShape::of("ATCTT3xFfGN0").contradicts(Method::ApiToken),
            Some(Method::RepositoryAccessToken)
        );
        assert_eq!(SecretShape::of("ATATT3x").contradicts(Method::ApiToken), None);
        assert_eq!(
            SecretShape::of("ATBB1234").contradicts(Method::ApiToken),
            Some(Method::AppPassword)
        );
        assert_eq!(
            SecretShape::of("NjQ5Mjc2").contradicts(Method::PersonalToken),
            None
        );
    }

    #[test]
    fn tells_emails_from_usernames() {
        assert!(looks_like_email("ada@example.com"));
        assert!(!looks_like_email("ada"));
        assert!(!looks_like_email("ada@localhost"));
    }

    #[test]
    fn turns_any_pasted_server_url_into_the_base_url() {
        let cases = [
            (
                "bitbucket.example.com",
                "https://bitbucket.example.com/",
                None,
                None,
            ),
            (
                "https://git.example.com/bitbucket/",
                "https://git.example.com/bitbucket",
                None,
                None,
            ),
            (
                "https://git.example.com/bitbucket/projects/DATA/repos/models/browse?at=main",
                "https://git.example.com/bitbucket",
                Some("DATA"),
                Some("models"),
            ),
            (
                "https://git.example.com:8443/rest/api/1.0/projects/DATA/repos/models/pull-requests",
                "https://git.example.com:8443/",
                Some("DATA"),
                Some("models"),
            ),
            (
                "https://git.example.com/bb/scm/data/models.git",
                "https://git.example.com/bb",
                Some("DATA"),
                Some("models"),
            ),
            (
                "https://git.example.com/plugins/servlet/access-tokens/manage",
                "https://git.example.com/",
                None,
                None,
            ),
        ];
        for (input, base, project, repo) in cases {
            let address = server_address(input).unwrap();
            assert_eq!(address.base.as_str(), base, "{input}");
            assert_eq!(address.project.as_deref(), project, "{input}");
            assert_eq!(address.repository.as_deref(), repo, "{input}");
        }
        assert!(
            !server_address("https://git.example.com/bitbucket")
                .unwrap()
                .changed
        );
        assert!(
            server_address("https://git.example.com/bitbucket/projects/X")
                .unwrap()
                .changed
        );
        assert!(server_address("ftp://x").is_err());
        assert!(server_address(" ").is_err());
    }

    #[test]
    fn strips_credentials_typed_into_the_url() {
        let address = server_address("https://ada:hunter2@git.example.com/bitbucket").unwrap();
        assert_eq!(address.base.as_str(), "https://git.example.com/bitbucket");
    }
}
