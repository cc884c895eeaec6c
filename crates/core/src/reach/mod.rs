//! What a credential reaches: every repository it can open, with the caller's own permission on
//! each and its clone and web addresses ([`reach`]); and who is added as a reviewer to every pull
//! request of one of them ([`default_reviewers`]).
//!
//! Nothing here runs a check first: the listing requests authenticate themselves, and a refusal of
//! the first one becomes the problems a check reports. Everything else is the check's: the same
//! preparation (tidied secret, fields, policy), the same client and network rules, the same
//! deadline, and on Data Center the same care with a Basic login (one request first, nothing more
//! unless it succeeded). [`cloud`] and [`datacenter`] read their provider's listings; this file
//! holds what they share.

mod cloud;
mod datacenter;

pub use datacenter::DEFAULT_REVIEWERS;

use std::collections::BTreeMap;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::check::http::{Answer, Auth, Http, NetFailure};
use crate::check::probe::host_of;
use crate::check::report::{Findings, Outcome};
use crate::check::{CheckEnv, CheckRequest, begin, connect};
use crate::domain::catalogue::{Fault, Problem, Severity, Warning};
use crate::domain::method::ProviderKind;
use crate::domain::sniff::printable;

/// The most repositories one listing returns; beyond it the listing says it was cut short.
pub const MAX_REPOSITORIES: usize = 5_000;

/// Requests of one listing in flight at once: enough to fetch the pages of a large workspace in
/// one round trip, few enough to stay polite.
const IN_FLIGHT: usize = 10;

/// The caller's own permission on a repository, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum RepoPermission {
    Read,
    Write,
    Admin,
}

impl RepoPermission {
    pub fn id(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

/// One repository a credential reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ReachableRepository {
    /// Cloud: the workspace's slug. `None` on Data Center.
    pub workspace: Option<String>,
    /// The project's key, where the listing tells it (always on Data Center).
    pub project: Option<String>,
    pub slug: String,
    pub name: String,
    pub permission: RepoPermission,
    /// The https clone address, without any user name in it (git's credential helper gives that).
    pub clone_url: String,
    /// The repository's page in the browser.
    pub web_url: String,
}

/// Every repository a credential reaches, sorted by workspace (Cloud) or project (Data Center),
/// then name. Its JSON form is `repoconn repos --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Reach {
    pub repositories: Vec<ReachableRepository>,
    /// More repositories were reachable than the limit: the list holds the first ones only.
    pub truncated: bool,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl Reach {
    /// Listed (problems none), proven not to work, or could not find out: as a check's verdict.
    pub fn outcome(&self) -> Outcome {
        if self
            .problems
            .iter()
            .any(|p| p.code.severity() == Severity::Unusable)
        {
            Outcome::NotUsable
        } else if self.problems.is_empty() {
            Outcome::Usable
        } else {
            Outcome::Unverified
        }
    }

    /// The CLI's exit code: 0 listed (also when empty), 1 the credential does not work, 3 could
    /// not verify.
    pub fn exit_code(&self) -> u8 {
        match self.outcome() {
            Outcome::Usable => 0,
            Outcome::NotUsable => 1,
            Outcome::Unverified => 3,
        }
    }
}

/// What to list: repositories whose name contains `filter` (letter case ignored), at most `limit`.
#[derive(Debug, Clone)]
pub struct ReachOptions {
    pub filter: Option<String>,
    pub limit: usize,
}

impl Default for ReachOptions {
    fn default() -> Self {
        Self {
            filter: None,
            limit: MAX_REPOSITORIES,
        }
    }
}

impl ReachOptions {
    /// The filter, trimmed; `None` when empty.
    fn filter(&self) -> Option<&str> {
        self.filter.as_deref().map(str::trim).filter(|f| !f.is_empty())
    }
}

/// A user added as a reviewer to every new pull request of a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Reviewer {
    pub display_name: String,
    /// Data Center: the user name. Cloud: the nickname (Cloud no longer shows usernames of others).
    pub username: Option<String>,
}

/// Where a saved connection's credential should look: everywhere it reaches, or the workspace or
/// project given. Tokens tied to one workspace, project or repository keep theirs (they reach
/// nothing else, and their listing needs it).
pub fn narrowed(
    mut request: CheckRequest,
    workspace: Option<String>,
    project: Option<String>,
) -> CheckRequest {
    if !request.method.is_tied_to_place() {
        request.workspace = workspace;
        request.project = project;
        request.repository = None;
    }
    request
}

/// Lists every repository the credential reaches (see [`ReachOptions`]). Never fails: every
/// outcome, network trouble included, is in the answer.
pub async fn reach(request: CheckRequest, options: &ReachOptions, env: &CheckEnv) -> Reach {
    let mut findings = Findings::new(request.method);
    let mut listing = Listing::default();
    if let Some(p) = begin(&request, env, &mut findings)
        && findings.problems.is_empty()
        && let Some(http) = connect(&p, env, &mut findings)
    {
        let deadline = env.limits.deadline;
        let work = async {
            match p.method.provider() {
                ProviderKind::Cloud => cloud::list(&http, &p, options, &mut findings).await,
                ProviderKind::DataCenter => datacenter::list(&http, &p, options, &mut findings).await,
            }
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(found) => listing = found,
            Err(_) => findings.problem(Fault::Timeout {
                host: host_of(&p.base).to_owned(),
                seconds: deadline.as_secs(),
            }),
        }
    }
    findings.make_printable();
    let (repositories, truncated) = listing.finish(options);
    Reach {
        repositories,
        truncated,
        problems: findings.problems,
        warnings: findings.warnings,
    }
}

/// The default reviewers of one repository: on Cloud its effective default reviewers (its own and
/// its project's), on Data Center everyone named by its default-reviewer conditions. `owner` is the
/// workspace (Cloud) or the project key (Data Center). The problems when they cannot be read.
pub async fn default_reviewers(
    request: CheckRequest,
    owner: &str,
    repository: &str,
    env: &CheckEnv,
) -> Result<Vec<Reviewer>, Vec<Problem>> {
    let mut findings = Findings::new(request.method);
    let mut reviewers = Vec::new();
    if let Some(p) = begin(&request, env, &mut findings)
        && findings.problems.is_empty()
        && let Some(http) = connect(&p, env, &mut findings)
    {
        let deadline = env.limits.deadline;
        let work = async {
            match p.method.provider() {
                ProviderKind::Cloud => cloud::reviewers(&http, &p, owner, repository, &mut findings).await,
                ProviderKind::DataCenter => {
                    datacenter::reviewers(&http, &p, owner, repository, &mut findings).await
                }
            }
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(found) => reviewers = found,
            Err(_) => findings.problem(Fault::Timeout {
                host: host_of(&p.base).to_owned(),
                seconds: deadline.as_secs(),
            }),
        }
    }
    findings.make_printable();
    if !findings.problems.is_empty() {
        return Err(findings.problems);
    }
    let mut unique: Vec<Reviewer> = Vec::new();
    for reviewer in reviewers {
        let reviewer = Reviewer {
            display_name: printable(&reviewer.display_name),
            username: reviewer.username.as_deref().map(printable),
        };
        if !unique.contains(&reviewer) {
            unique.push(reviewer);
        }
    }
    Ok(unique)
}

/// What a provider's listing found, before it is narrowed, sorted and cut to the limit.
#[derive(Debug, Default)]
struct Listing {
    repositories: Vec<ReachableRepository>,
    /// The server had more than the limit.
    truncated: bool,
}

impl Listing {
    /// Narrowed by the filter (the server's filter may match differently), each repository once at
    /// its highest permission, sorted, printable, at most `limit`.
    fn finish(self, options: &ReachOptions) -> (Vec<ReachableRepository>, bool) {
        let wanted = options.filter().map(str::to_lowercase);
        let mut unique: BTreeMap<(String, String, String, String), ReachableRepository> = BTreeMap::new();
        for repo in self.repositories {
            if wanted
                .as_deref()
                .is_some_and(|w| !repo.name.to_lowercase().contains(w))
            {
                continue;
            }
            let owner = repo
                .workspace
                .clone()
                .or(repo.project.clone())
                .unwrap_or_default();
            let key = (
                owner.to_lowercase(),
                repo.name.to_lowercase(),
                owner,
                repo.slug.clone(),
            );
            match unique.get_mut(&key) {
                Some(seen) if seen.permission >= repo.permission => {}
                Some(seen) => *seen = repo,
                None => {
                    unique.insert(key, repo);
                }
            }
        }
        let truncated = self.truncated || unique.len() > options.limit;
        let repositories = unique
            .into_values()
            .take(options.limit)
            .map(|r| ReachableRepository {
                workspace: r.workspace.as_deref().map(printable),
                project: r.project.as_deref().map(printable),
                slug: printable(&r.slug),
                name: printable(&r.name),
                permission: r.permission,
                clone_url: printable(&r.clone_url),
                web_url: printable(&r.web_url),
            })
            .collect();
        (repositories, truncated)
    }
}

/// GETs every URL, at most [`IN_FLIGHT`] at once, answers in the order of the URLs.
async fn get_all(http: &Http, urls: Vec<url::Url>, auth: Auth<'_>) -> Vec<Result<Answer, NetFailure>> {
    futures_util::stream::iter(urls)
        .map(|url| http.get(url, auth))
        .buffered(IN_FLIGHT)
        .collect()
        .await
}

/// An address a server sent (a clone link), without any user name or password in it.
fn without_userinfo(href: &str) -> String {
    match url::Url::parse(href) {
        Ok(mut url) => {
            let _ = url.set_username("");
            let _ = url.set_password(None);
            url.to_string()
        }
        Err(_) => href.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::method::Method;

    fn repo(workspace: &str, slug: &str, name: &str, permission: RepoPermission) -> ReachableRepository {
        ReachableRepository {
            workspace: Some(workspace.into()),
            project: None,
            slug: slug.into(),
            name: name.into(),
            permission,
            clone_url: format!("https://bitbucket.org/{workspace}/{slug}.git"),
            web_url: format!("https://bitbucket.org/{workspace}/{slug}"),
        }
    }

    #[test]
    fn a_listing_is_filtered_sorted_unique_and_cut_to_the_limit() {
        use RepoPermission::*;
        let listing = Listing {
            repositories: vec![
                repo("widgets", "zeta", "Zeta", Read),
                repo("acme", "models", "models", Read),
                repo("acme", "models", "models", Admin),
                repo("acme", "api", "API", Write),
                repo("acme", "site", "site\u{1b}[31m", Write),
            ],
            truncated: false,
        };
        let options = ReachOptions {
            filter: None,
            limit: 3,
        };
        let (repos, truncated) = listing.finish(&options);
        let names: Vec<(&str, &str, RepoPermission)> = repos
            .iter()
            .map(|r| (r.workspace.as_deref().unwrap(), r.slug.as_str(), r.permission))
            .collect();
        assert_eq!(
            names,
            [
                ("acme", "api", Write),
                ("acme", "models", Admin),
                ("acme", "site", Write)
            ]
        );
        assert!(truncated, "four were found and three shown");
        assert_eq!(repos[2].name, "site", "printable: no escape reaches a terminal");

        let listing = Listing {
            repositories: vec![
                repo("acme", "models", "Models", Read),
                repo("acme", "site", "site", Read),
            ],
            truncated: false,
        };
        let options = ReachOptions {
            filter: Some(" MOD ".into()),
            ..ReachOptions::default()
        };
        let (repos, truncated) = listing.finish(&options);
        assert_eq!(repos.len(), 1);
        assert_eq!(repos[0].slug, "models");
        assert!(!truncated);
    }

    #[test]
    fn permissions_read_as_words_in_json() {
        assert_eq!(serde_json::to_value(RepoPermission::Admin).unwrap(), "admin");
        assert_eq!(RepoPermission::Write.id(), "write");
        assert!(
            RepoPermission::Admin > RepoPermission::Write && RepoPermission::Write > RepoPermission::Read
        );
    }

    #[test]
    fn clone_links_lose_the_user_name_bitbucket_puts_in_them() {
        assert_eq!(
            without_userinfo("https://ada_lovelace@bitbucket.org/acme/models.git"),
            "https://bitbucket.org/acme/models.git"
        );
    }

    #[test]
    fn a_saved_connection_looks_everywhere_unless_tied_to_one_place() {
        let mut request = crate::check::CheckRequest {
            method: Method::ApiToken,
            server: None,
            email: Some("ada@example.com".into()),
            username: None,
            workspace: Some("acme".into()),
            project: None,
            repository: Some("models".into()),
            profile: crate::domain::scopes::Profile::PullRequests,
            require: vec![],
            ca_file: None,
            trust_fingerprint: None,
            allow_http: false,
            secret: crate::Secret::new("t"),
        };
        let open = narrowed(request.clone(), None, None);
        assert_eq!((open.workspace, open.repository), (None, None));
        let given = narrowed(request.clone(), Some("widgets".into()), None);
        assert_eq!(given.workspace.as_deref(), Some("widgets"));
        request.method = Method::RepositoryAccessToken;
        let tied = narrowed(request, None, None);
        assert_eq!(tied.workspace.as_deref(), Some("acme"));
        assert_eq!(tied.repository.as_deref(), Some("models"));
    }
}
