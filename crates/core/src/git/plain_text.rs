//! Credentials git finds in plain-text files, outside any helper: the netrc file, which git's
//! HTTP library (libcurl, with `CURLOPT_NETRC` optional) reads on its own, and the files of the
//! `store` helper (`~/.git-credentials`, then `$XDG_CONFIG_HOME/git/credentials`), which stay on
//! disk after `store` is no longer configured. Read only to be judged; never written.

use std::path::{Path, PathBuf};

use crate::domain::secret::Secret;

/// Where the user's files are: from the environment, or set by tests.
#[derive(Debug, Clone, Default)]
pub struct Home {
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    /// `$NETRC`, which libcurl 8.16 and later read instead of `~/.netrc`.
    pub netrc: Option<PathBuf>,
}

impl Home {
    pub fn from_env() -> Self {
        let path = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            home: path("HOME").or_else(|| path("USERPROFILE")),
            xdg_config_home: path("XDG_CONFIG_HOME"),
            netrc: path("NETRC"),
        }
    }

    /// The netrc file libcurl reads: `$NETRC`, else `~/.netrc`; on Windows `~/_netrc` when there
    /// is no `~/.netrc`.
    pub fn netrc_file(&self) -> Option<PathBuf> {
        if let Some(path) = &self.netrc {
            return Some(path.clone());
        }
        let home = self.home.as_ref()?;
        let dotted = home.join(".netrc");
        if cfg!(windows) && !dotted.exists() {
            return Some(home.join("_netrc"));
        }
        Some(dotted)
    }

    /// The files git's `store` helper reads and writes when given no `--file`.
    pub fn store_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        if let Some(home) = &self.home {
            files.push(home.join(".git-credentials"));
        }
        match (&self.xdg_config_home, &self.home) {
            (Some(xdg), _) => files.push(xdg.join("git").join("credentials")),
            (None, Some(home)) => files.push(home.join(".config").join("git").join("credentials")),
            (None, None) => {}
        }
        files
    }
}

/// One credential found in a file.
pub struct FileCredential {
    pub path: PathBuf,
    /// The netrc entry's name (`default` for the catch-all entry); the URL for a store line.
    pub label: String,
    pub username: Option<String>,
    pub secret: Secret,
    /// The repository path of a store line written with `useHttpPath`.
    pub path_in_url: Option<String>,
}

/// The netrc entries libcurl would use for `host` (no port: netrc names machines only): every
/// `machine` entry for it, or else the `default` entry. Only entries with a password count.
pub fn netrc_credentials(file: &Path, host: &str) -> Vec<FileCredential> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let entries = parse_netrc(&text);
    let named: Vec<&NetrcEntry> = entries
        .iter()
        .filter(|e| e.machine.as_deref().is_some_and(|m| m.eq_ignore_ascii_case(host)))
        .collect();
    let chosen: Vec<&NetrcEntry> = if named.is_empty() {
        entries.iter().filter(|e| e.machine.is_none()).take(1).collect()
    } else {
        named
    };
    chosen
        .into_iter()
        .filter_map(|entry| {
            Some(FileCredential {
                path: file.to_owned(),
                label: entry.machine.clone().unwrap_or_else(|| "default".to_owned()),
                username: entry.login.clone(),
                secret: Secret::new(entry.password.clone()?),
                path_in_url: None,
            })
        })
        .collect()
}

/// One `machine` (or `default`, with `machine` `None`) entry of a netrc file.
#[derive(Debug, Default)]
struct NetrcEntry {
    machine: Option<String>,
    login: Option<String>,
    password: Option<String>,
}

/// Reads netrc's tokens: `machine NAME`, `default`, `login`, `password`, `account`, and `macdef`
/// (skipped to the next empty line). Values may be double-quoted, as libcurl allows.
fn parse_netrc(text: &str) -> Vec<NetrcEntry> {
    let mut entries: Vec<NetrcEntry> = Vec::new();
    let mut lines = text.lines();
    let mut pending_key: Option<String> = None;
    while let Some(line) = lines.next() {
        for token in netrc_tokens(line) {
            if let Some(key) = pending_key.take() {
                let Some(entry) = entries.last_mut() else { continue };
                match key.as_str() {
                    "machine" => entry.machine = Some(token),
                    "login" => entry.login = Some(token),
                    "password" => entry.password = Some(token),
                    _ => {}
                }
                continue;
            }
            match token.as_str() {
                "machine" => {
                    entries.push(NetrcEntry::default());
                    pending_key = Some(token);
                }
                "default" => entries.push(NetrcEntry::default()),
                "login" | "password" | "account" => pending_key = Some(token),
                "macdef" => {
                    // A macro runs to the next empty line; nothing in it is a credential.
                    for rest in lines.by_ref() {
                        if rest.trim().is_empty() {
                            break;
                        }
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    entries
}

fn netrc_tokens(line: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '#' && tokens.is_empty() {
            break;
        }
        let mut token = String::new();
        if c == '"' {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => token.extend(chars.next()),
                    c => token.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                token.push(c);
                chars.next();
            }
        }
        tokens.push(token);
    }
    tokens
}

/// The lines of a `store` file for `url`'s protocol, host and port, as git's `store` matches
/// them (`https://user:pass@host[:port][/path]`, percent-encoded).
pub fn store_file_credentials(file: &Path, url: &url::Url) -> Vec<FileCredential> {
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|line| url::Url::parse(line.trim()).ok())
        .filter(|line| {
            line.scheme() == url.scheme()
                && line.host_str().is_some_and(|h| Some(h) == url.host_str())
                && line.port_or_known_default() == url.port_or_known_default()
        })
        .filter_map(|line| {
            let secret = percent_decode(line.password()?);
            let path = line.path().trim_start_matches('/');
            Some(FileCredential {
                path: file.to_owned(),
                label: format!("{}://{}", url.scheme(), crate::git::scan::host_of(url)),
                username: (!line.username().is_empty()).then(|| percent_decode(line.username())),
                secret: Secret::new(secret),
                path_in_url: (!path.is_empty()).then(|| path.to_owned()),
            })
        })
        .collect()
}

/// The files a configured `store` helper reads: its `--file`, or the default ones.
pub fn files_read_by(helper: &str, home: &Home) -> Vec<PathBuf> {
    let words: Vec<&str> = helper.split_whitespace().collect();
    let named = words.iter().enumerate().find_map(|(i, word)| {
        word.strip_prefix("--file=")
            .map(str::to_owned)
            .or_else(|| (*word == "--file").then(|| words.get(i + 1).map(|w| (*w).to_owned()))?)
    });
    match named {
        Some(path) => vec![expand_home(&path, home)],
        None => home.store_files(),
    }
}

fn expand_home(path: &str, home: &Home) -> PathBuf {
    match (path.strip_prefix("~/"), &home.home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// The command that erases every line for `url` from `file`, through git's own `store` helper.
pub fn erase_command(file: &Path, url: &url::Url) -> String {
    format!(
        "printf 'protocol={}\\nhost={}\\n\\n' | git credential-store --file {} erase",
        url.scheme(),
        crate::git::scan::host_of(url),
        shell_quote(&file.display().to_string())
    )
}

fn shell_quote(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-~+".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(Ok(b)) = text.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16))
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn netrc_entries_for_a_host_or_else_the_default_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            ".netrc",
            "# CI\nmachine example.com login x password y\n\
             macdef init\nmachine bitbucket.org login evil password no\n\n\
             machine Bitbucket.org\n  login ada\n  password \"ATBB with space\"\n\
             default login anon password guest\n",
        );
        let found = netrc_credentials(&file, "bitbucket.org");
        assert_eq!(found.len(), 1, "the macro's text is not an entry");
        assert_eq!(found[0].username.as_deref(), Some("ada"));
        assert_eq!(found[0].secret.expose(), "ATBB with space");
        assert_eq!(found[0].label, "Bitbucket.org");
        let other = netrc_credentials(&file, "git.example.org");
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].label, "default");
        assert_eq!(other[0].secret.expose(), "guest");
    }

    #[test]
    fn store_lines_match_scheme_host_and_port_and_are_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let file = write(
            dir.path(),
            "creds",
            "https://ada:p%40ss%2Fword@bitbucket.org\nhttp://ada:other@bitbucket.org\n\
             https://x-token-auth:ATCTT1@bitbucket.org/acme/models.git\nhttps://ada:z@git.example.com:8443\n",
        );
        let url = url::Url::parse("https://bitbucket.org/").unwrap();
        let found = store_file_credentials(&file, &url);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].secret.expose(), "p@ss/word");
        assert_eq!(found[1].path_in_url.as_deref(), Some("acme/models.git"));
        let dc = url::Url::parse("https://git.example.com:8443/").unwrap();
        assert_eq!(store_file_credentials(&file, &dc).len(), 1);
        assert!(erase_command(&file, &dc).starts_with(
            "printf 'protocol=https\\nhost=git.example.com:8443\\n\\n' | git credential-store --file "
        ));
    }

    #[test]
    fn a_store_helper_reads_its_file_or_the_default_ones() {
        let home = Home {
            home: Some(PathBuf::from("/h")),
            xdg_config_home: None,
            netrc: None,
        };
        assert_eq!(
            files_read_by("store", &home),
            [
                PathBuf::from("/h/.git-credentials"),
                PathBuf::from("/h/.config/git/credentials")
            ]
        );
        assert_eq!(files_read_by("store --file=~/x", &home), [PathBuf::from("/h/x")]);
        assert_eq!(files_read_by("store --file /y", &home), [PathBuf::from("/y")]);
    }
}
