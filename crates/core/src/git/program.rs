//! Running the `git` program for the scan and the set-up: never a prompt (no terminal, no
//! askpass, `credential.interactive=false`, standard input closed after the query) and never
//! longer than a bound, so that a helper waiting for a person cannot hang us.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one git command may take before it is stopped.
const LIMIT: Duration = Duration::from_secs(20);

/// Where git's configuration is read and written: the user's (`--global`) or one repository's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Global,
    Repository(PathBuf),
}

/// What one git command printed, and whether it succeeded.
pub struct Ran {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Why git could not be run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct GitError(pub String);

/// The `git` program, run in `dir` when given.
#[derive(Debug, Clone, Default)]
pub struct Git {
    pub dir: Option<PathBuf>,
}

impl Git {
    pub fn new(dir: Option<PathBuf>) -> Self {
        Self { dir }
    }

    /// Runs `git ARGS`, writing `stdin` then closing it.
    pub fn run(&self, args: &[&str], stdin: &str) -> Result<Ran, GitError> {
        let mut command = Command::new("git");
        if let Some(dir) = &self.dir {
            command.arg("-C").arg(dir);
        }
        command
            .args(["-c", "credential.interactive=false", "-c", "core.askPass="])
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GCM_INTERACTIVE", "never")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command
            .spawn()
            .map_err(|err| GitError(format!("cannot run git: {err}")))?;
        if let Some(mut input) = child.stdin.take() {
            let _ = input.write_all(stdin.as_bytes());
        }
        let reader = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_string(&mut text);
                }
                text
            })
        };
        let out = reader(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let err = reader(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let start = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if start.elapsed() > LIMIT => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(GitError(format!(
                        "git {} did not finish within {} seconds and was stopped",
                        args.first().copied().unwrap_or_default(),
                        LIMIT.as_secs()
                    )));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(e) => return Err(GitError(format!("cannot wait for git: {e}"))),
            }
        };
        Ok(Ran {
            ok: status.success(),
            stdout: out.join().unwrap_or_default(),
            stderr: err.join().unwrap_or_default(),
        })
    }

    /// `git config` in `scope` with `args`.
    pub fn config(&self, scope: &Scope, args: &[&str]) -> Result<Ran, GitError> {
        let mut all = vec!["config", scope.flag()];
        all.extend_from_slice(args);
        self.for_scope(scope).run(&all, "")
    }

    fn for_scope(&self, scope: &Scope) -> Git {
        match scope {
            Scope::Global => self.clone(),
            Scope::Repository(dir) => Git::new(Some(dir.clone())),
        }
    }

    /// `(major, minor)` of this git.
    pub fn version(&self) -> Option<(u32, u32)> {
        let ran = self.run(&["--version"], "").ok()?;
        let text = ran.stdout.trim().strip_prefix("git version ")?.to_owned();
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts
            .next()?
            .split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()?;
        Some((major, minor))
    }

    /// Every credential helper git asks for `url`, in order, as git computes the list:
    /// `credential.helper` and each `credential.<pattern>.helper` whose pattern matches, in
    /// config order, an empty value emptying the list so far.
    pub fn helpers_for(&self, url: &url::Url) -> Result<Vec<String>, GitError> {
        let ran = self.run(
            &["config", "--null", "--get-regexp", r"^credential\..*helper$"],
            "",
        )?;
        let mut helpers = Vec::new();
        for entry in ran.stdout.split('\0').filter(|e| !e.is_empty()) {
            let (key, value) = entry.split_once('\n').unwrap_or((entry, ""));
            let Some(middle) = key.strip_prefix("credential.") else {
                continue;
            };
            let Some(pattern) = middle.strip_suffix("helper") else {
                continue;
            };
            let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
            if !pattern.is_empty() && !url_matches(pattern, url) {
                continue;
            }
            if value.is_empty() {
                helpers.clear();
            } else {
                helpers.push(value.to_owned());
            }
        }
        Ok(helpers)
    }

    /// Runs `git credential ACTION` through `helper` alone (never the user's whole list).
    pub fn credential_through(&self, helper: &str, action: &str, input: &str) -> Result<Ran, GitError> {
        let only = format!("credential.helper={helper}");
        self.run(
            &["-c", "credential.helper=", "-c", &only, "credential", action],
            input,
        )
    }
}

impl Scope {
    pub fn flag(&self) -> &'static str {
        match self {
            Scope::Global => "--global",
            Scope::Repository(_) => "--local",
        }
    }
}

/// Git's URL matching for configuration: same scheme, host (a `*` matches one label), port and
/// user when the pattern names one, and the pattern's path a prefix of the URL's by segments.
pub fn url_matches(pattern: &str, url: &url::Url) -> bool {
    let Ok(p) = url::Url::parse(pattern) else {
        return false;
    };
    if p.scheme() != url.scheme() || p.port_or_known_default() != url.port_or_known_default() {
        return false;
    }
    if !p.username().is_empty() && p.username() != url.username() {
        return false;
    }
    let (Some(ph), Some(uh)) = (p.host_str(), url.host_str()) else {
        return false;
    };
    let plabels: Vec<&str> = ph.split('.').collect();
    let ulabels: Vec<&str> = uh.split('.').collect();
    if plabels.len() != ulabels.len()
        || !plabels
            .iter()
            .zip(&ulabels)
            .all(|(a, b)| *a == "*" || a.eq_ignore_ascii_case(b))
    {
        return false;
    }
    let ppath = p.path().trim_end_matches('/');
    let upath = url.path();
    ppath.is_empty()
        || upath == ppath
        || upath
            .strip_prefix(ppath)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_patterns_match_as_git_matches_them() {
        let u = url::Url::parse("https://bitbucket.org/acme/models.git").unwrap();
        assert!(url_matches("https://bitbucket.org", &u));
        assert!(url_matches("https://*.org", &u));
        assert!(url_matches("https://bitbucket.org/acme", &u));
        assert!(!url_matches("https://bitbucket.org/acm", &u));
        assert!(!url_matches("http://bitbucket.org", &u));
        assert!(!url_matches("https://bitbucket.org:8443", &u));
        assert!(!url_matches("https://alice@bitbucket.org", &u));
        assert!(!url_matches("https://example.com", &u));
    }
}
