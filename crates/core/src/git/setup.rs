//! `repoconn git setup NAME`: makes git ask the saved connection first and only it for its
//! server, `credential.<url>.helper` set to `""` (which empties the list so far) then
//! `repoconn git-credential`, plus `credential.<url>.useHttpPath true` for a connection bound to
//! a repository, project or workspace. Everything goes through the `git` program. Setup records
//! what it added in the same configuration file (`repoconn.<url>.addedHelpers`,
//! `repoconn.<url>.addedUseHttpPath`), so that `undo` removes exactly that and nothing the user
//! had set before.

use crate::ProviderKind;
use crate::domain::method::Method;
use crate::git::credential::git_username;
use crate::git::program::{Git, GitError, Scope};
use crate::git::scan::is_plain_text;
use crate::store::connection::Connection;

/// Our helper, as configured.
pub const HELPER: &str = "repoconn git-credential";

/// The git URL (`scheme://host[:port]`) a connection answers for.
pub fn url_of(connection: &Connection) -> String {
    // Git always reaches Bitbucket Cloud over https, whatever API address was used to check.
    let scheme = match connection.provider {
        ProviderKind::Cloud => "https".to_owned(),
        ProviderKind::DataCenter => url::Url::parse(&connection.base_url)
            .map(|u| u.scheme().to_owned())
            .unwrap_or_else(|_| "https".into()),
    };
    format!("{scheme}://{}", connection.git_host())
}

/// Whether git needs the path to pick this connection (a token bound to a resource).
pub fn needs_path(connection: &Connection) -> bool {
    connection.method.is_cloud_access_token()
        || matches!(connection.method, Method::ProjectToken | Method::RepositoryToken)
}

/// One `git config` command: its arguments after `git`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub scope: Scope,
    pub args: Vec<String>,
}

impl Change {
    /// The command as a person would type it.
    pub fn display(&self) -> String {
        let mut words = vec!["git".to_owned()];
        if let Scope::Repository(dir) = &self.scope {
            words.push("-C".into());
            words.push(quote(&dir.display().to_string()));
        }
        words.extend(self.args.iter().map(|a| quote(a)));
        words.join(" ")
    }

    fn apply(&self, git: &Git) -> Result<(), GitError> {
        let runner = match &self.scope {
            Scope::Global => git.clone(),
            Scope::Repository(dir) => Git::new(Some(dir.clone())),
        };
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let ran = runner.run(&args, "")?;
        if ran.ok {
            Ok(())
        } else {
            Err(GitError(format!(
                "{} failed: {}",
                self.display(),
                ran.stderr.trim()
            )))
        }
    }
}

fn quote(word: &str) -> String {
    if word.is_empty() {
        "\"\"".into()
    } else if word
        .chars()
        .any(|c| c.is_whitespace() || "\"'$`\\*?;&|<>()".contains(c))
    {
        format!("\"{}\"", word.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        word.to_owned()
    }
}

/// What setting up (or undoing) would change.
#[derive(Debug, Clone)]
pub struct Plan {
    pub url: String,
    pub changes: Vec<Change>,
    /// The helpers that answered for the URL before, other than ours (for `--forget-old`).
    pub old_helpers: Vec<String>,
    /// Said to the user before anything is changed.
    pub warnings: Vec<String>,
}

fn config_change(scope: &Scope, args: &[&str]) -> Change {
    let mut all = vec!["config".to_owned(), scope.flag().to_owned()];
    all.extend(args.iter().map(|a| (*a).to_owned()));
    Change {
        scope: scope.clone(),
        args: all,
    }
}

fn values(git: &Git, scope: &Scope, key: &str) -> Result<Vec<String>, GitError> {
    let ran = git.config(scope, &["--null", "--get-all", key])?;
    Ok(ran
        .stdout
        .split('\0')
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .split_last()
        .map(|(_, rest)| rest.to_vec())
        .unwrap_or_default())
}

/// Where our pair (`""` then ours) starts in `list`.
fn our_pair(list: &[String]) -> Option<usize> {
    list.windows(2).position(|w| w[0].is_empty() && w[1] == HELPER)
}

/// Why a connection cannot be given to git.
pub fn refusal(connection: &Connection) -> Option<String> {
    let bearer = matches!(connection.method, Method::ProjectToken | Method::RepositoryToken);
    (git_username(connection).is_none() && !bearer).then(|| {
        format!(
            "\"{}\" is {}, which git cannot use: replace it first (`repoconn rotate`).",
            connection.name,
            connection.method.label()
        )
    })
}

/// The key that records, beside the user's settings, that setup added `what` for `url`.
fn marker(url: &str, what: &str) -> String {
    format!("repoconn.{url}.{what}")
}

const ADDED_HELPERS: &str = "addedHelpers";
const ADDED_USE_HTTP_PATH: &str = "addedUseHttpPath";

/// The commands that make git ask only `connection` for its server in `scope`.
pub fn plan_setup(git: &Git, connection: &Connection, scope: &Scope) -> Result<Plan, GitError> {
    let url = url_of(connection);
    let key = format!("credential.{url}.helper");
    let current = values(git, scope, &key)?;
    let mut changes = Vec::new();
    if our_pair(&current).is_none() {
        changes.push(config_change(scope, &["--add", &key, ""]));
        changes.push(config_change(scope, &["--add", &key, HELPER]));
        changes.push(config_change(scope, &[&marker(&url, ADDED_HELPERS), "true"]));
    }
    if needs_path(connection) {
        let path_key = format!("credential.{url}.useHttpPath");
        let set = values(git, scope, &path_key)?;
        if set.last().map(String::as_str) != Some("true") {
            // Appended, so that a value the user had stays underneath and comes back on undo.
            changes.push(config_change(scope, &["--add", &path_key, "true"]));
            changes.push(config_change(
                scope,
                &[&marker(&url, ADDED_USE_HTTP_PATH), "true"],
            ));
        }
    }
    let parsed = url::Url::parse(&format!("{url}/")).map_err(|e| GitError(e.to_string()))?;
    let old_helpers = git
        .helpers_for(&parsed)?
        .into_iter()
        .filter(|h| h != HELPER)
        .collect();
    let mut warnings = Vec::new();
    if matches!(connection.method, Method::ProjectToken | Method::RepositoryToken)
        && git.version().is_some_and(|v| v < (2, 46))
    {
        warnings.push(format!(
            "This git is older than 2.46: it cannot send {} as the Bearer header the server needs, so git will still ask for a password. Update git.",
            connection.method.label()
        ));
    }
    Ok(Plan {
        url,
        changes,
        old_helpers,
        warnings,
    })
}

/// The commands that remove what setup recorded adding for `connection`'s server in `scope`:
/// our helper entry and the empty entry right before it, the `useHttpPath` value it appended,
/// and its own records. What the user set, before or by hand, stays.
pub fn plan_undo(git: &Git, connection: &Connection, scope: &Scope) -> Result<Plan, GitError> {
    let url = url_of(connection);
    let mut changes = Vec::new();
    let added = |what: &str| -> Result<bool, GitError> {
        Ok(values(git, scope, &marker(&url, what))?
            .last()
            .map(String::as_str)
            == Some("true"))
    };
    let key = format!("credential.{url}.helper");
    let mut current = values(git, scope, &key)?;
    if added(ADDED_HELPERS)?
        && let Some(at) = our_pair(&current)
    {
        current.drain(at..at + 2);
        changes.extend(rewrite(scope, &key, &current));
    }
    let path_key = format!("credential.{url}.useHttpPath");
    let mut path_values = values(git, scope, &path_key)?;
    if added(ADDED_USE_HTTP_PATH)? && path_values.last().map(String::as_str) == Some("true") {
        path_values.pop();
        changes.extend(rewrite(scope, &path_key, &path_values));
    }
    if !values(git, scope, &marker(&url, ADDED_HELPERS))?.is_empty()
        || !values(git, scope, &marker(&url, ADDED_USE_HTTP_PATH))?.is_empty()
    {
        changes.push(config_change(
            scope,
            &["--remove-section", &format!("repoconn.{url}")],
        ));
    }
    Ok(Plan {
        url,
        changes,
        old_helpers: Vec::new(),
        warnings: Vec::new(),
    })
}

/// `key` emptied, then given `values` again in order (git cannot remove one of several values
/// by position).
fn rewrite(scope: &Scope, key: &str, values: &[String]) -> Vec<Change> {
    let mut changes = vec![config_change(scope, &["--unset-all", key])];
    changes.extend(values.iter().map(|v| config_change(scope, &["--add", key, v])));
    changes
}

/// Carries out a plan's commands, in order.
pub fn apply(git: &Git, plan: &Plan) -> Result<(), GitError> {
    plan.changes.iter().try_for_each(|c| c.apply(git))
}

/// What `forget_old` removed: the helper and the username whose credential it erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forgotten {
    pub helper: String,
    pub username: Option<String>,
    pub plain_text: bool,
}

/// Asks each old helper, alone, what it holds for the URL and tells it, alone, to erase that:
/// `git credential reject` through one helper at a time, never through the user's whole list.
pub fn forget_old(git: &Git, plan: &Plan) -> Result<Vec<Forgotten>, GitError> {
    let parsed = url::Url::parse(&format!("{}/", plan.url)).map_err(|e| GitError(e.to_string()))?;
    let host = parsed[url::Position::BeforeHost..url::Position::AfterPort].to_owned();
    let query = format!("protocol={}\nhost={host}\n\n", parsed.scheme());
    let mut forgotten = Vec::new();
    for helper in &plan.old_helpers {
        // A helper may hold several; a bound keeps a helper that ignores erase from looping.
        for _ in 0..8 {
            let held = git.credential_through(helper, "fill", &query)?;
            if !held.ok || !held.stdout.contains("password=") {
                break;
            }
            let username = held
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("username="))
                .map(str::to_owned);
            let erased = git.credential_through(helper, "reject", &held.stdout)?;
            if !erased.ok {
                break;
            }
            forgotten.push(Forgotten {
                helper: helper.clone(),
                username,
                plain_text: is_plain_text(helper),
            });
        }
    }
    Ok(forgotten)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_shown_as_typed() {
        let change = config_change(
            &Scope::Global,
            &["--add", "credential.https://bitbucket.org.helper", ""],
        );
        assert_eq!(
            change.display(),
            "git config --global --add credential.https://bitbucket.org.helper \"\""
        );
        let ours = config_change(&Scope::Global, &["--add", "k", HELPER]);
        assert!(ours.display().ends_with("k \"repoconn git-credential\""));
    }

    #[test]
    fn our_pair_is_the_empty_entry_right_before_ours() {
        let list = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(our_pair(&list(&["store", "", HELPER])), Some(1));
        assert_eq!(our_pair(&list(&["", "store", HELPER])), None);
    }
}
