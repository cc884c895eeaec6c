//! `repoconn repos`: every repository a credential can reach, with the caller's own permission on
//! each. The credential is a saved connection (its secret from the keychain) or given as for
//! `check` (the secret on standard input).

use clap::{ArgGroup, Args};
use repoconn_core::reach::{Reach, ReachOptions, narrowed, reach};
use repoconn_core::store::registry::Registry;
use repoconn_core::{Method, ProviderKind, flows};

use crate::args::{self, CREDENTIAL_ONLY, Credential};
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::signed_in;

/// Either a saved connection's NAME or the credential flags of `check`, never both.
#[derive(Args)]
#[command(group(ArgGroup::new("source").required(true).args(["name", "cloud", "server"])))]
#[command(
    override_usage = "repoconn repos NAME [--workspace W | --project KEY] [--filter TEXT] [--json]\n       \
    repoconn repos (--cloud | --server URL) --method KIND [the credential flags of `check`]\n                      \
    [--workspace W | --project KEY] [--filter TEXT] [--json]   (secret on standard input)"
)]
pub struct ReposArgs {
    /// A saved connection, whose secret is read from the keychain. Without it, give the
    /// credential as for `check` (--cloud or --server, --method, ...; the secret on standard input).
    #[arg(value_name = "NAME", conflicts_with_all = CREDENTIAL_ONLY)]
    pub name: Option<String>,
    #[command(flatten)]
    pub credential: Credential,
    /// Only this Cloud workspace (default: every workspace the credential belongs to).
    #[arg(long, value_name = "W")]
    pub workspace: Option<String>,
    /// Only this Data Center project (default: every project). A Cloud project access token
    /// takes its project here, beside --workspace.
    #[arg(long, value_name = "KEY")]
    pub project: Option<String>,
    /// Only repositories whose name contains TEXT (letter case ignored).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ReposArgs) -> CliResult {
    let ReposArgs {
        name,
        credential,
        workspace,
        project,
        filter,
        json,
    } = args;
    let (request, env) = match name {
        Some(name) => {
            let registry = Registry::open_default()?;
            let method = registry.get(&name)?.method;
            fits(method, workspace.is_some(), project.is_some())?;
            let env = context::environment()?;
            signed_in::refresh(&registry, &name, &env)?;
            let saved = flows::retest_request(&registry, &name)?.request;
            (narrowed(saved, workspace, project), env)
        }
        None => {
            let (target, options) = credential.into_target(workspace, project, json)?;
            fits(
                target.method(),
                target.workspace.is_some(),
                target.project.is_some(),
            )?;
            args::prepare(target, &options)?
        }
    };
    let provider = request.method.provider();
    let options = ReachOptions {
        filter,
        ..ReachOptions::default()
    };
    let found = context::runtime()?.block_on(reach(request, &options, &env));
    if json {
        output::print_json(serde_json::to_string_pretty(&found))?;
    } else {
        print!("{}", render(&found, provider));
    }
    Ok(found.exit_code())
}

/// --workspace and --project fit the way of connecting, or the usage error that says why not.
fn fits(method: Method, workspace: bool, project: bool) -> Result<(), CliError> {
    match misplaced(method, workspace, project) {
        Some(message) => Err(CliError::usage(message)),
        None => Ok(()),
    }
}

/// Why --workspace or --project does not fit this way of connecting, if it does not: a workspace
/// is Cloud's, a project Data Center's, and only a Cloud project access token takes both.
fn misplaced(method: Method, workspace: bool, project: bool) -> Option<String> {
    match method.provider() {
        ProviderKind::DataCenter if workspace => Some(format!(
            "--workspace is for Bitbucket Cloud; --method {method} is for Data Center, where --project KEY narrows the list"
        )),
        ProviderKind::Cloud if project && method != Method::ProjectAccessToken => Some(format!(
            "--project narrows Data Center listings (and names a project access token's project); with --method {method} give --workspace W"
        )),
        _ => None,
    }
}

/// The table for a person at a terminal: where each repository lives, its slug, the permission
/// and the clone address; then a line when the list was cut short, and the problems as `check`
/// prints them.
fn render(found: &Reach, provider: ProviderKind) -> String {
    let owner_title = match provider {
        ProviderKind::Cloud => "WORKSPACE",
        ProviderKind::DataCenter => "PROJECT",
    };
    let rows: Vec<[&str; 4]> = found
        .repositories
        .iter()
        .map(|r| {
            let owner = r.workspace.as_deref().or(r.project.as_deref()).unwrap_or("");
            [owner, r.slug.as_str(), r.permission.id(), r.clone_url.as_str()]
        })
        .collect();
    let mut out = String::new();
    if rows.is_empty() {
        if found.problems.is_empty() {
            out.push_str("No repositories.\n");
        }
    } else {
        let header = [owner_title, "SLUG", "PERMISSION", "CLONE URL"];
        let width = |column: usize| {
            rows.iter()
                .map(|row| row[column].chars().count())
                .chain([header[column].len()])
                .max()
                .unwrap_or(0)
        };
        let (owner_width, slug_width, permission_width) = (width(0), width(1), width(2));
        for row in std::iter::once(&header).chain(rows.iter()) {
            out.push_str(&format!(
                "{:<owner_width$}  {:<slug_width$}  {:<permission_width$}  {}\n",
                row[0], row[1], row[2], row[3]
            ));
        }
        let count = rows.len();
        out.push_str(&format!(
            "{count} {}.\n",
            if count == 1 { "repository" } else { "repositories" }
        ));
    }
    if found.truncated {
        out.push_str(&format!(
            "Only the first {} repositories are listed: narrow the list with --workspace, --project or --filter.\n",
            rows.len()
        ));
    }
    out.push_str(&output::render_problems(&found.problems, &found.warnings));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use repoconn_core::reach::{ReachableRepository, RepoPermission};

    #[test]
    fn the_table_lines_up_and_says_when_it_was_cut_short() {
        let repo = |slug: &str, permission| ReachableRepository {
            workspace: Some("acme".into()),
            project: None,
            slug: slug.into(),
            name: slug.into(),
            permission,
            clone_url: format!("https://bitbucket.org/acme/{slug}.git"),
            web_url: format!("https://bitbucket.org/acme/{slug}"),
        };
        let found = Reach {
            repositories: vec![
                repo("models", RepoPermission::Admin),
                repo("a-much-longer-name", RepoPermission::Read),
            ],
            truncated: true,
            problems: vec![],
            warnings: vec![],
        };
        assert_eq!(
            render(&found, ProviderKind::Cloud),
            "WORKSPACE  SLUG                PERMISSION  CLONE URL\n\
             acme       models              admin       https://bitbucket.org/acme/models.git\n\
             acme       a-much-longer-name  read        https://bitbucket.org/acme/a-much-longer-name.git\n\
             2 repositories.\n\
             Only the first 2 repositories are listed: narrow the list with --workspace, --project or --filter.\n"
        );
        let empty = Reach {
            repositories: vec![],
            truncated: false,
            problems: vec![],
            warnings: vec![],
        };
        assert_eq!(render(&empty, ProviderKind::DataCenter), "No repositories.\n");
    }

    #[test]
    fn a_workspace_is_cloud_s_and_a_project_data_center_s() {
        assert!(misplaced(Method::PersonalToken, true, false).is_some());
        assert!(misplaced(Method::PersonalToken, false, true).is_none());
        assert!(misplaced(Method::ApiToken, false, true).is_some());
        assert!(misplaced(Method::ApiToken, true, false).is_none());
        assert!(misplaced(Method::ProjectAccessToken, true, true).is_none());
    }
}
