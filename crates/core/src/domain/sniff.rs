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
    // `get` and not `[..7]`: the first bytes of a secret may be part of a multi-byte character,
    // and a panic there would print the secret.
    if let Some(rest) = text
        .get(..7)
        .filter(|prefix| prefix.eq_ignore_ascii_case("bearer "))
        .and_then(|_| text.get(7..))
        .filter(|rest| !rest.trim().is_empty())
    {
        text = rest.trim_start();
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

/// The longest server address we read: far longer than any real one, short enough that a pasted
/// document is refused rather than sent around.
pub const MAX_ADDRESS_CHARS: usize = 2048;

/// Why a typed server address cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("the server address is empty")]
    Empty,
    #[error("the server address is {0} characters long; a Bitbucket address has at most {MAX_ADDRESS_CHARS}")]
    TooLong(usize),
    #[error("the server address contains a line break or another control character")]
    ControlCharacter,
    #[error("'{typed}' is not a web address: {reason}")]
    NotAnAddress { typed: String, reason: String },
    #[error("'{0}' is not an http(s) address")]
    NotHttp(String),
}

/// `text` with any `user:password@` before a host removed, for messages: a URL may carry a
/// credential, and messages end up in terminals, logs and bug reports.
pub fn without_credentials(text: &str) -> String {
    match Url::parse(text) {
        Ok(mut url) if !url.username().is_empty() || url.password().is_some() => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Ok(_) => text.to_owned(),
        // Not a URL: still cut anything between "://" and an "@" that looks like a userinfo.
        Err(_) => match (text.find("://"), text.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => {
                format!("{}://{}", &text[..scheme_end], &text[at + 1..])
            }
            _ => text.to_owned(),
        },
    }
}

/// Why a workspace, project or repository name cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("\".\" and \"..\" are not names: they would lead to another address")]
    Dots,
    #[error("it contains a line break, a tab or another control character")]
    ControlCharacter,
    #[error("it is longer than {MAX_NAME_CHARS} characters")]
    TooLong,
}

/// Bitbucket's names are short; a longer value is a paste gone wrong.
pub const MAX_NAME_CHARS: usize = 256;

/// Checks a workspace, project key or repository slug before it becomes part of an address. Each
/// value becomes one encoded path segment, so only these could still change where a request goes
/// or be silently altered on the way.
pub fn check_name(value: &str) -> Result<(), NameError> {
    let value = value.trim();
    if value == "." || value == ".." {
        Err(NameError::Dots)
    } else if value.chars().any(char::is_control) {
        Err(NameError::ControlCharacter)
    } else if value.chars().count() > MAX_NAME_CHARS {
        Err(NameError::TooLong)
    } else {
        Ok(())
    }
}

/// Text a server sent (a display name, an error body, a header), made safe to print: terminal
/// escape sequences and other control characters removed, line breaks and tabs made spaces.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape_sequence(&mut chars),
            // The 8-bit Control Sequence Introducer starts a sequence too.
            '\u{9b}' => skip_until_final_byte(&mut chars),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            // Bidirectional overrides can make printed text read differently from what it is.
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final_byte(chars),
        // Operating system command: up to BEL or ESC \.
        Some(']') | Some('P') | Some('_') | Some('^') => {
            while let Some(c) = chars.next() {
                if c == '\u{7}' || (c == '\u{1b}' && chars.peek() == Some(&'\\')) {
                    if c == '\u{1b}' {
                        chars.next();
                    }
                    break;
                }
            }
        }
        _ => {}
    }
}

fn skip_until_final_byte(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
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
    let length = typed.chars().count();
    if length > MAX_ADDRESS_CHARS {
        return Err(AddressError::TooLong(length));
    }
    // The URL parser would silently drop tabs and line breaks: refuse them instead.
    if typed.chars().any(char::is_control) {
        return Err(AddressError::ControlCharacter);
    }
    let with_scheme = if typed.contains("://") {
        typed.to_owned()
    } else {
        format!("https://{typed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|err| AddressError::NotAnAddress {
        typed: without_credentials(typed),
        reason: err.to_string(),
    })?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(AddressError::NotHttp(without_credentials(typed)));
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

    #[test]
    fn secrets_that_start_with_non_ascii_letters_are_kept_whole() {
        for secret in [
            "тайный-пароль",
            "pässwort-mit-umlaut",
            "bearer\u{e9}x",
            "Bearer тайный-токен-1234567890",
        ] {
            let pasted = paste_secret(secret, Method::Basic);
            assert!(!pasted.secret.is_empty());
            assert!(secret.ends_with(pasted.secret.expose()), "{secret}");
        }
    }

    #[test]
    fn server_text_is_printed_without_terminal_escapes() {
        assert_eq!(printable("Ada\u{1b}[31m Lovelace\u{1b}[0m"), "Ada Lovelace");
        assert_eq!(printable("x\u{1b}]0;owned\u{7}y"), "xy");
        assert_eq!(printable("a\nb\tc\u{0}d\u{9b}2Je"), "a b cde");
        assert_eq!(printable("left\u{202e}thgir"), "leftthgir");
    }

    #[test]
    fn names_that_would_change_the_address_are_refused() {
        assert_eq!(check_name(".."), Err(NameError::Dots));
        assert_eq!(check_name(" . "), Err(NameError::Dots));
        assert_eq!(check_name("mod\tels"), Err(NameError::ControlCharacter));
        assert_eq!(check_name(&"a".repeat(300)), Err(NameError::TooLong));
        assert_eq!(check_name("models.v2"), Ok(()));
    }

    #[test]
    fn addresses_are_bounded_and_never_echo_a_password() {
        let long = format!("https://git.example.com/{}", "a".repeat(100_000));
        assert!(matches!(server_address(&long), Err(AddressError::TooLong(_))));
        assert_eq!(
            server_address("https://git.example.com/\nbitbucket"),
            Err(AddressError::ControlCharacter)
        );
        let err = server_address("ftp://ada:hunter2@git.example.com")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
        assert_eq!(
            without_credentials("http://ada:hunter2@proxy.example.com:3128"),
            "http://proxy.example.com:3128/"
        );
    }
}
