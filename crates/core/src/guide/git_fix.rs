//! "Fix git for Bitbucket" and "Let git use this connection", as the dialog shows them: what
//! setting git up for a saved connection would change (the commands, the old credentials other
//! helpers hold and would be erased, git's version), and doing it once the person agreed. The
//! rules are `git::setup`'s; this only gathers what a person needs to decide, in one answer.

use serde::Serialize;
use specta::Type;

use crate::domain::method::ProviderKind;
use crate::git::credential::git_username;
use crate::git::program::{Git, GitError, Scope};
use crate::git::scan::is_plain_text;
use crate::git::setup::{self, Plan};
use crate::store::connection::Connection;

/// What `git setup` would do for one connection, everywhere git runs for this user.
#[derive(Debug, Clone, Serialize, Type)]
pub struct GitSetupPreview {
    pub connection: String,
    /// The git URL the connection will answer for (`https://bitbucket.org`).
    pub url: String,
    /// The `git config` commands, as a person would type them; empty when git is set up already.
    pub commands: Vec<String>,
    /// The credentials other helpers hold for that URL today (what "erase" would remove).
    pub old_credentials: Vec<OldCredential>,
    /// Said before anything changes (an old git that cannot send a Bearer token).
    pub warnings: Vec<String>,
    /// Why git cannot use this connection at all; nothing can be set up then.
    pub refusal: Option<String>,
    /// `git --version`, or `None` when git is not installed.
    pub git_version: Option<String>,
    /// The username git will send (never the email).
    pub git_username: Option<String>,
}

/// A credential another helper holds for the URL: never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct OldCredential {
    pub helper: String,
    pub username: Option<String>,
    /// The helper keeps it as plain text on disk (git's `store`).
    pub plain_text: bool,
}

/// What setting git up did.
#[derive(Debug, Clone, Serialize, Type)]
pub struct GitSetupDone {
    pub connection: String,
    pub url: String,
    /// The commands that ran.
    pub ran: Vec<String>,
    /// The old credentials erased (only when the person asked for it).
    pub erased: Vec<OldCredential>,
    /// The command that puts git's configuration back as it was.
    pub undo_command: String,
}

/// The https address git clones the connection's repository from: Cloud's
/// `https://bitbucket.org/WORKSPACE/REPO.git`, Data Center's `BASE/scm/PROJECT/REPO.git`.
pub fn clone_url(connection: &Connection) -> Option<String> {
    let repository = connection.repository.as_deref().filter(|r| !r.is_empty())?;
    match connection.provider {
        ProviderKind::Cloud => {
            let workspace = connection.workspace.as_deref().filter(|w| !w.is_empty())?;
            Some(format!("https://bitbucket.org/{workspace}/{repository}.git"))
        }
        ProviderKind::DataCenter => {
            let project = connection.project.as_deref().filter(|p| !p.is_empty())?;
            let base = connection.base_url.trim_end_matches('/');
            Some(format!(
                "{base}/scm/{}/{repository}.git",
                project.to_ascii_lowercase()
            ))
        }
    }
}

/// Why git cannot be set up for a connection, in words for any screen.
pub fn refusal(connection: &Connection) -> Option<String> {
    setup::refusal(connection).map(|_| {
        format!(
            "Git cannot use \"{}\": it holds {}, which Bitbucket no longer accepts. Replace it with an API token first (Edit).",
            connection.name,
            connection.method.label()
        )
    })
}

fn version_text(git: &Git) -> Option<String> {
    let ran = git.run(&["--version"], "").ok()?;
    ran.ok.then(|| ran.stdout.trim().to_owned())
}

/// Asks each old helper, alone and without a prompt, what it holds for the plan's URL. Reads only.
fn old_credentials(git: &Git, plan: &Plan) -> Result<Vec<OldCredential>, GitError> {
    let url = url::Url::parse(&format!("{}/", plan.url)).map_err(|e| GitError(e.to_string()))?;
    let host = &url[url::Position::BeforeHost..url::Position::AfterPort];
    let query = format!("protocol={}\nhost={host}\n\n", url.scheme());
    let mut found = Vec::new();
    for helper in &plan.old_helpers {
        let ran = git.credential_through(helper, "fill", &query)?;
        if !ran.ok || !ran.stdout.lines().any(|l| l.starts_with("password=")) {
            continue;
        }
        found.push(OldCredential {
            helper: helper.clone(),
            username: ran
                .stdout
                .lines()
                .find_map(|l| l.strip_prefix("username="))
                .map(str::to_owned),
            plain_text: is_plain_text(helper),
        });
    }
    Ok(found)
}

/// What setting git up for `connection` in the user's own (global) configuration would change.
pub fn preview(git: &Git, connection: &Connection) -> Result<GitSetupPreview, GitError> {
    let git_version = version_text(git);
    let mut preview = GitSetupPreview {
        connection: connection.name.clone(),
        url: setup::url_of(connection),
        commands: Vec::new(),
        old_credentials: Vec::new(),
        warnings: Vec::new(),
        refusal: refusal(connection),
        git_username: git_username(connection),
        git_version,
    };
    if preview.git_version.is_none() {
        preview.refusal =
            Some("Git is not installed on this computer (the `git` program was not found).".into());
    }
    if preview.refusal.is_some() {
        return Ok(preview);
    }
    let plan = setup::plan_setup(git, connection, &Scope::Global)?;
    preview.commands = plan.changes.iter().map(|c| c.display()).collect();
    preview.old_credentials = old_credentials(git, &plan)?;
    preview.warnings = plan.warnings;
    Ok(preview)
}

/// Sets git up for `connection` globally, then, when `erase_old`, erases what the other helpers
/// hold for its URL (each helper asked alone).
pub fn set_up(git: &Git, connection: &Connection, erase_old: bool) -> Result<GitSetupDone, GitError> {
    if let Some(reason) = refusal(connection) {
        return Err(GitError(reason));
    }
    let plan = setup::plan_setup(git, connection, &Scope::Global)?;
    setup::apply(git, &plan)?;
    let erased = if erase_old {
        setup::forget_old(git, &plan)?
            .into_iter()
            .map(|f| OldCredential {
                helper: f.helper,
                username: f.username,
                plain_text: f.plain_text,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(GitSetupDone {
        connection: connection.name.clone(),
        url: plan.url,
        ran: plan.changes.iter().map(|c| c.display()).collect(),
        erased,
        undo_command: format!(
            "repoconn git setup {} --undo",
            if connection.name.contains(' ') {
                format!("\"{}\"", connection.name)
            } else {
                connection.name.clone()
            }
        ),
    })
}

/// Puts the user's (global) git configuration back as it was before `set_up` for `connection`:
/// removes exactly what set-up added. Returns the commands that ran (none when nothing was set up).
pub fn undo(git: &Git, connection: &Connection) -> Result<Vec<String>, GitError> {
    let plan = setup::plan_undo(git, connection, &Scope::Global)?;
    setup::apply(git, &plan)?;
    Ok(plan.changes.iter().map(|c| c.display()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_addresses_follow_each_provider() {
        let mut cloud = Connection::sample("work");
        cloud.workspace = Some("acme".into());
        cloud.repository = Some("models".into());
        assert_eq!(
            clone_url(&cloud).as_deref(),
            Some("https://bitbucket.org/acme/models.git")
        );
        cloud.repository = None;
        assert_eq!(clone_url(&cloud), None);

        let mut dc = Connection::sample("work");
        dc.provider = ProviderKind::DataCenter;
        dc.base_url = "https://git.example.com/bitbucket/".into();
        dc.project = Some("DATA".into());
        dc.repository = Some("warehouse".into());
        assert_eq!(
            clone_url(&dc).as_deref(),
            Some("https://git.example.com/bitbucket/scm/data/warehouse.git")
        );
    }

    #[test]
    fn a_retired_app_password_is_refused_in_words_that_name_the_edit_button() {
        let mut old = Connection::sample("work");
        old.method = crate::domain::method::Method::AppPassword;
        let reason = refusal(&old).expect("refused");
        assert!(reason.contains("Edit"), "{reason}");
        assert!(!reason.contains("repoconn"), "{reason}");
        assert!(refusal(&Connection::sample("work")).is_none());
    }
}
