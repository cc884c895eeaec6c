//! What a credential reaches, against the fake servers over real HTTP: every page of every
//! listing once, the caller's own permission on each repository, filters, access-token scopes, the
//! limit, and refusals worded as a check words them.

mod support;

use std::collections::{BTreeMap, HashSet};

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, Server, start};
use repoconn_core::Method as K;
use repoconn_core::check::CheckRequest;
use repoconn_core::check::report::Outcome;
use repoconn_core::reach::{
    MAX_REPOSITORIES, Reach, ReachOptions, RepoPermission, Reviewer, default_reviewers, reach,
};
use support::*;
use url::Url;

fn api_token(workspace: Option<&str>) -> CheckRequest {
    let mut r = request(K::ApiToken, cloud::TOKEN_FULL);
    r.email = Some(cloud::EMAIL.into());
    r.workspace = workspace.map(str::to_owned);
    r
}

fn dc(server: &Server, method: K, secret: &str) -> CheckRequest {
    let mut r = request(method, secret);
    r.server = Some(format!("{}bitbucket", server.url));
    r
}

async fn list(server: &Server, request: CheckRequest, options: ReachOptions) -> Reach {
    reach(request, &options, &env_for(&server.url)).await
}

fn everything() -> ReachOptions {
    ReachOptions::default()
}

fn filtered(text: &str) -> ReachOptions {
    ReachOptions {
        filter: Some(text.into()),
        ..ReachOptions::default()
    }
}

fn codes_of(reach: &Reach) -> Vec<&'static str> {
    reach.problems.iter().map(|p| p.code.as_str()).collect()
}

/// Each repository once, by where it lives and its slug.
fn assert_unique(reach: &Reach) {
    let mut seen = HashSet::new();
    for r in &reach.repositories {
        let owner = r.workspace.clone().or(r.project.clone()).unwrap();
        assert!(seen.insert((owner, r.slug.clone())), "{} twice", r.slug);
    }
}

/// Sorted by workspace (or project), then name, letter case ignored.
fn assert_sorted(reach: &Reach) {
    let keys: Vec<(String, String)> = reach
        .repositories
        .iter()
        .map(|r| {
            let owner = r.workspace.clone().or(r.project.clone()).unwrap();
            (owner.to_lowercase(), r.name.to_lowercase())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

/// Paths (with their queries) the server received, in order.
fn sent(server: &Server, path: &str) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.query)
        .collect()
}

fn page_of(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "page")
        .map(|(_, v)| v.into_owned())
}

/// What the fake says the account may do in `ws`.
fn expected_cloud(fake: &FakeCloud, ws: &str) -> BTreeMap<String, RepoPermission> {
    fake.repos
        .iter()
        .filter(|r| r.workspace == ws)
        .filter_map(|r| {
            let permission = match r.permission? {
                cloud::Permission::Read => RepoPermission::Read,
                cloud::Permission::Write => RepoPermission::Write,
                cloud::Permission::Admin => RepoPermission::Admin,
            };
            Some((r.slug.clone(), permission))
        })
        .collect()
}

fn found(reach: &Reach, ws: &str) -> BTreeMap<String, RepoPermission> {
    reach
        .repositories
        .iter()
        .filter(|r| r.workspace.as_deref() == Some(ws))
        .map(|r| (r.slug.clone(), r.permission))
        .collect()
}

#[tokio::test]
async fn an_api_token_lists_every_repository_of_a_workspace_from_every_page_once() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let listed = list(&server, api_token(Some("acme")), everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 230);
    assert!(!listed.truncated);
    assert_unique(&listed);
    assert_sorted(&listed);
    assert_eq!(
        found(&listed, "acme"),
        expected_cloud(&FakeCloud::large(), "acme")
    );
    assert_eq!(listed.outcome(), Outcome::Usable);
    assert_eq!(listed.exit_code(), 0);

    // The permissions listing has no clone links: the addresses are derived from the slug.
    let models = listed.repositories.iter().find(|r| r.slug == "models").unwrap();
    assert_eq!(models.permission, RepoPermission::Admin);
    assert_eq!(models.clone_url, "https://bitbucket.org/acme/models.git");
    assert_eq!(models.web_url, "https://bitbucket.org/acme/models");
    let billing = listed
        .repositories
        .iter()
        .find(|r| r.slug == "billing-001")
        .unwrap();
    assert_eq!(billing.name, "Billing 001");

    // Page one, then pages two and three (at once: the first page told the total).
    let queries = sent(&server, "/2.0/user/workspaces/acme/permissions/repositories");
    let pages: Vec<Option<String>> = queries.iter().map(|q| page_of(q)).collect();
    assert_eq!(pages.len(), 3, "{queries:?}");
    assert_eq!(pages[0], None);
    let mut later: Vec<_> = pages[1..].iter().flatten().cloned().collect();
    later.sort();
    assert_eq!(later, ["2", "3"]);
    assert!(queries.iter().all(|q| q.contains("pagelen=100")), "{queries:?}");
    assert!(
        !server.requests().iter().any(|r| r.path == "/2.0/user"),
        "no check first"
    );
}

#[tokio::test]
async fn without_a_workspace_every_workspace_of_the_account_is_listed_and_no_other() {
    let fake = FakeCloud::large();
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let listed = list(&server, api_token(None), everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    let total: usize = cloud::LARGE_WORKSPACES.iter().map(|(_, n)| n).sum();
    assert_eq!(listed.repositories.len(), total);
    assert_unique(&listed);
    assert_sorted(&listed);
    for (ws, _) in cloud::LARGE_WORKSPACES {
        assert_eq!(found(&listed, ws), expected_cloud(&fake, ws), "{ws}");
    }
    assert!(
        !listed
            .repositories
            .iter()
            .any(|r| r.workspace.as_deref() == Some(cloud::FOREIGN_WORKSPACE))
    );
    assert_eq!(listed.repositories[0].workspace.as_deref(), Some("acme"));
    assert_eq!(
        listed.repositories.last().unwrap().workspace.as_deref(),
        Some("widgets")
    );
}

#[tokio::test]
async fn without_the_total_the_pages_are_followed_one_after_the_other() {
    let fake = FakeCloud {
        omit_size: true,
        ..FakeCloud::large()
    };
    let server = start(fake, Behaviour::default(), None).await;
    let listed = list(&server, api_token(Some("acme")), everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 230);
    assert_unique(&listed);
    let pages: Vec<Option<String>> = sent(&server, "/2.0/user/workspaces/acme/permissions/repositories")
        .iter()
        .map(|q| page_of(q))
        .collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);
}

#[tokio::test]
async fn an_oauth_token_lists_like_a_person_with_its_legacy_scopes() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let mut r = request(K::Oauth, cloud::OAUTH_TOKEN);
    r.workspace = Some("widgets".into());
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 5);
}

#[tokio::test]
async fn a_filter_narrows_the_listing_on_the_server_and_here() {
    let fake = FakeCloud::large();
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let listed = list(&server, api_token(Some("acme")), filtered("BILLing")).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    let expected = fake
        .repos
        .iter()
        .filter(|r| r.workspace == "acme" && r.name.to_lowercase().contains("billing"))
        .count();
    assert!(expected > 30, "the fake has enough to page: {expected}");
    assert_eq!(listed.repositories.len(), expected);
    assert!(
        listed
            .repositories
            .iter()
            .all(|r| r.name.to_lowercase().contains("billing"))
    );
    let queries = sent(&server, "/2.0/user/workspaces/acme/permissions/repositories");
    assert_eq!(queries.len(), 1, "one page holds them: {queries:?}");
    let q: String = url::form_urlencoded::parse(queries[0].as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    assert_eq!(q, "repository.name~\"BILLing\"");

    // Across workspaces too, and a filter that matches nothing lists nothing (and is no problem).
    let listed = list(&server, api_token(None), filtered("etl")).await;
    assert!(listed.repositories.is_empty() && listed.problems.is_empty());
    assert_eq!(listed.exit_code(), 0);
}

#[tokio::test]
async fn access_tokens_take_their_permission_from_their_scopes() {
    let fake = FakeCloud::large();
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;

    let mut r = request(K::WorkspaceAccessToken, cloud::WORKSPACE_TOKEN);
    r.workspace = Some("acme".into());
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 230);
    assert_unique(&listed);
    assert!(
        listed
            .repositories
            .iter()
            .all(|r| r.permission == RepoPermission::Read)
    );
    // Its clone links come from the answer, without the user name Bitbucket writes into them.
    let models = listed.repositories.iter().find(|r| r.slug == "models").unwrap();
    assert_eq!(models.clone_url, "https://bitbucket.org/acme/models.git");
    assert_eq!(models.project.as_deref(), Some("DATA"));
    assert!(
        !server.requests().iter().any(|r| r.path.starts_with("/2.0/user")),
        "access tokens cannot call /user"
    );

    let mut r = request(K::ProjectAccessToken, cloud::PROJECT_TOKEN);
    r.workspace = Some("acme".into());
    r.project = Some("ML".into());
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    let in_ml = fake
        .repos
        .iter()
        .filter(|r| r.workspace == "acme" && r.project == "ML")
        .count();
    assert_eq!(listed.repositories.len(), in_ml);
    assert!(
        listed
            .repositories
            .iter()
            .all(|r| r.permission == RepoPermission::Admin && r.project.as_deref() == Some("ML"))
    );

    let mut r = request(K::RepositoryAccessToken, cloud::REPO_TOKEN);
    r.workspace = Some("acme".into());
    r.repository = Some("models".into());
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    let slugs: Vec<(&str, RepoPermission)> = listed
        .repositories
        .iter()
        .map(|r| (r.slug.as_str(), r.permission))
        .collect();
    assert_eq!(slugs, [("models", RepoPermission::Write)]);
}

#[tokio::test]
async fn the_limit_cuts_the_listing_and_says_so() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let options = ReachOptions {
        limit: 150,
        ..ReachOptions::default()
    };
    let listed = list(&server, api_token(Some("acme")), options).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 150);
    assert!(listed.truncated);
    assert_unique(&listed);
    // Only the pages the limit needs.
    assert_eq!(
        sent(&server, "/2.0/user/workspaces/acme/permissions/repositories").len(),
        2
    );
}

#[tokio::test]
async fn five_thousand_repositories_at_most() {
    let fake = FakeCloud::standard().with_repositories("acme", MAX_REPOSITORIES + 100);
    let server = start(fake, Behaviour::default(), None).await;
    let mut r = request(K::WorkspaceAccessToken, cloud::WORKSPACE_TOKEN);
    r.workspace = Some("acme".into());
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), MAX_REPOSITORIES);
    assert!(listed.truncated);
    assert_unique(&listed);
    assert_eq!(
        sent(&server, "/2.0/repositories/acme").len(),
        MAX_REPOSITORIES / 100
    );
}

#[tokio::test]
async fn a_refused_credential_is_worded_as_a_check_words_it() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let mut r = api_token(None);
    r.secret = repoconn_core::Secret::new(cloud::TOKEN_EXPIRED);
    let listed = list(&server, r, everything()).await;
    assert_eq!(codes_of(&listed), ["invalid_credentials"]);
    assert!(listed.repositories.is_empty());
    assert_eq!(listed.exit_code(), 1);
    assert_eq!(server.request_count(), 1, "nothing more after a refusal");
    let json = serde_json::to_string(&listed).unwrap();
    assert!(!json.contains(cloud::TOKEN_EXPIRED));

    // An access token sent as an API token is recognised by its shape when refused, as in a check.
    let mut r = api_token(Some("acme"));
    r.secret = repoconn_core::Secret::new(cloud::WORKSPACE_TOKEN);
    let listed = list(&server, r, everything()).await;
    assert_eq!(codes_of(&listed), ["token_kind_mismatch"]);
}

#[tokio::test]
async fn a_missing_scope_is_named() {
    let fake = FakeCloud::large().with_api_token_scopes(
        cloud::TOKEN_READ_ONLY,
        &["read:user:bitbucket", "read:workspace:bitbucket"],
    );
    let server = start(fake, Behaviour::default(), None).await;
    let mut r = api_token(None);
    r.secret = repoconn_core::Secret::new(cloud::TOKEN_READ_ONLY);
    let listed = list(&server, r, everything()).await;
    assert_eq!(codes_of(&listed), ["missing_scopes"]);
    assert!(
        listed.problems[0].message.contains("read:repository:bitbucket"),
        "{}",
        listed.problems[0].message
    );
}

#[tokio::test]
async fn a_wrong_workspace_names_the_closest_ones() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let listed = list(&server, api_token(Some("acme-dat")), everything()).await;
    assert_eq!(codes_of(&listed), ["resource_not_found"]);
    assert!(
        listed.problems[0]
            .message
            .ends_with("Did you mean acme-data, acme?"),
        "{}",
        listed.problems[0].message
    );
    // A workspace the account is not in is not there for it either.
    let listed = list(&server, api_token(Some(cloud::FOREIGN_WORKSPACE)), everything()).await;
    assert_eq!(codes_of(&listed), ["resource_not_found"]);
}

#[tokio::test]
async fn an_unreachable_server_cannot_be_verified() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let env = env_for(&server.url);
    drop(server);
    let listed = reach(api_token(None), &everything(), &env).await;
    assert_eq!(codes_of(&listed), ["unreachable"]);
    assert_eq!(listed.outcome(), Outcome::Unverified);
    assert_eq!(listed.exit_code(), 3);
}

#[tokio::test]
async fn a_slow_server_is_cut_off_at_the_deadline() {
    let behaviour = Behaviour {
        latency: std::time::Duration::from_millis(400),
        ..Behaviour::default()
    };
    let server = start(FakeCloud::large(), behaviour, None).await;
    let mut env = env_for(&server.url);
    env.limits.deadline = std::time::Duration::from_millis(600);
    let listed = reach(api_token(None), &everything(), &env).await;
    assert_eq!(codes_of(&listed), ["timeout"]);
    assert!(listed.repositories.is_empty());
}

#[tokio::test]
async fn cloud_default_reviewers_are_the_repository_s_and_its_project_s() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let env = env_for(&server.url);
    let reviewers = default_reviewers(api_token(None), "acme", "models", &env)
        .await
        .unwrap();
    assert_eq!(
        reviewers,
        [
            Reviewer {
                display_name: "Grace Hopper".into(),
                username: Some("grace".into())
            },
            Reviewer {
                display_name: "Alan Turing".into(),
                username: Some("alan".into())
            },
        ]
    );
    assert!(
        default_reviewers(api_token(None), "acme", "site", &env)
            .await
            .unwrap()
            .is_empty()
    );
    let problems = default_reviewers(api_token(None), "acme", "nope", &env)
        .await
        .unwrap_err();
    assert_eq!(problems[0].code.as_str(), "resource_not_found");
}

// Data Center.

fn expected_dc(fake: &FakeDataCenter, cap: RepoPermission) -> BTreeMap<(String, String), RepoPermission> {
    let mut expected = BTreeMap::new();
    for (key, count) in datacenter::LARGE_PROJECTS {
        let slugs: Vec<String> = fake
            .projects
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, s)| s.clone())
            .unwrap_or_default();
        assert!(slugs.len() >= count);
        for slug in slugs {
            let level = match (key, slug.as_str()) {
                ("OPS", _) => continue,
                ("ML", _) => RepoPermission::Admin,
                ("SEC", "sec-000") => RepoPermission::Write,
                ("SEC", _) => RepoPermission::Read,
                _ => RepoPermission::Write,
            };
            expected.insert((key.to_owned(), slug), level.min(cap));
        }
    }
    expected
}

fn found_dc(reach: &Reach) -> BTreeMap<(String, String), RepoPermission> {
    reach
        .repositories
        .iter()
        .map(|r| ((r.project.clone().unwrap(), r.slug.clone()), r.permission))
        .collect()
}

#[tokio::test]
async fn data_center_lists_every_repository_at_its_highest_level_from_every_page() {
    let fake = FakeDataCenter::large();
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let listed = list(
        &server,
        dc(&server, K::PersonalToken, datacenter::ADMIN_TOKEN),
        everything(),
    )
    .await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_unique(&listed);
    assert_sorted(&listed);
    assert!(!listed.truncated);
    assert_eq!(found_dc(&listed), expected_dc(&fake, RepoPermission::Admin));
    assert!(
        !listed
            .repositories
            .iter()
            .any(|r| r.project.as_deref() == Some("OPS"))
    );

    let models = listed.repositories.iter().find(|r| r.slug == "models").unwrap();
    assert_eq!(models.workspace, None);
    assert_eq!(
        models.clone_url,
        format!("http://{}/bitbucket/scm/data/models.git", server.url.authority())
    );
    assert_eq!(
        models.web_url,
        format!(
            "http://{}/bitbucket/projects/DATA/repos/models/browse",
            server.url.authority()
        )
    );

    // The server gives at most 100 a page: every page of every level, each once.
    let queries = sent(&server, "/bitbucket/rest/api/1.0/repos");
    let read_starts: Vec<String> = queries
        .iter()
        .filter(|q| q.contains("permission=REPO_READ"))
        .filter_map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "start")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(read_starts, ["0", "100", "200", "300"]);

    // A personal token cannot do more than it was created for.
    let listed = list(
        &server,
        dc(&server, K::PersonalToken, datacenter::PERSONAL_TOKEN),
        everything(),
    )
    .await;
    assert_eq!(found_dc(&listed), expected_dc(&fake, RepoPermission::Write));
}

#[tokio::test]
async fn data_center_narrows_by_project_and_by_name() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let mut r = dc(&server, K::PersonalToken, datacenter::ADMIN_TOKEN);
    r.project = Some("ML".into());
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 40);
    assert!(
        listed
            .repositories
            .iter()
            .all(|r| r.project.as_deref() == Some("ML") && r.permission == RepoPermission::Admin)
    );
    assert!(
        sent(&server, "/bitbucket/rest/api/1.0/repos")
            .iter()
            .all(|q| q.contains("projectkey=ML"))
    );

    let r = dc(&server, K::PersonalToken, datacenter::ADMIN_TOKEN);
    let listed = list(&server, r, filtered("ETL")).await;
    let slugs: Vec<&str> = listed.repositories.iter().map(|r| r.slug.as_str()).collect();
    assert_eq!(slugs, ["etl"]);
    assert!(
        sent(&server, "/bitbucket/rest/api/1.0/repos")
            .iter()
            .any(|q| q.contains("name=ETL"))
    );
}

#[tokio::test]
async fn a_data_center_password_goes_once_and_no_further_when_refused() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let mut r = dc(&server, K::Basic, "wrong password");
    r.username = Some(datacenter::USER.into());
    let listed = list(&server, r, everything()).await;
    assert_eq!(codes_of(&listed), ["invalid_credentials"]);
    let authenticated = server
        .requests()
        .iter()
        .filter(|r| r.authorization.is_some())
        .count();
    assert_eq!(authenticated, 1, "exactly one login attempt");

    let mut r = dc(&server, K::Basic, datacenter::PASSWORD);
    r.username = Some(datacenter::USER.into());
    let before = server.request_count();
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(
        listed.repositories.len(),
        expected_dc(&FakeDataCenter::large(), RepoPermission::Admin).len()
    );
    let first = &server.requests()[before];
    assert!(first.query.contains("permission=REPO_READ") && first.query.contains("start=0"));
}

#[tokio::test]
async fn a_project_token_reaches_its_project_only() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let mut r = dc(&server, K::ProjectToken, datacenter::PROJECT_TOKEN);
    r.project = Some("DATA".into());
    let listed = list(&server, r, everything()).await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 230);
    assert!(
        listed
            .repositories
            .iter()
            .all(|r| r.project.as_deref() == Some("DATA") && r.permission == RepoPermission::Write)
    );
}

#[tokio::test]
async fn a_wrong_data_center_project_names_the_closest() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let mut r = dc(&server, K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.project = Some("DAT".into());
    let listed = list(&server, r, everything()).await;
    assert_eq!(codes_of(&listed), ["resource_not_found"]);
    assert!(
        listed.problems[0].message.ends_with("Did you mean DATA?"),
        "{}",
        listed.problems[0].message
    );
    // A project that is there but empty is simply empty.
    let mut r = dc(&server, K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.project = Some("WEB".into());
    let listed = list(&server, r, filtered("no-such-name")).await;
    assert!(
        listed.repositories.is_empty() && listed.problems.is_empty(),
        "{:?}",
        listed.problems
    );
}

#[tokio::test]
async fn the_data_center_limit_cuts_the_listing_and_says_so() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let options = ReachOptions {
        limit: 120,
        ..ReachOptions::default()
    };
    let listed = list(
        &server,
        dc(&server, K::PersonalToken, datacenter::ADMIN_TOKEN),
        options,
    )
    .await;
    assert!(listed.problems.is_empty(), "{:?}", listed.problems);
    assert_eq!(listed.repositories.len(), 120);
    assert!(listed.truncated);
    let reads = sent(&server, "/bitbucket/rest/api/1.0/repos")
        .into_iter()
        .filter(|q| q.contains("permission=REPO_READ"))
        .count();
    assert_eq!(reads, 2, "no page beyond the limit");
}

#[tokio::test]
async fn data_center_default_reviewers_come_from_the_conditions() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let unused = Url::parse("http://127.0.0.1:9").unwrap();
    let env = env_for(&unused);
    let r = dc(&server, K::PersonalToken, datacenter::PERSONAL_TOKEN);
    let reviewers = default_reviewers(r.clone(), "DATA", "models", &env)
        .await
        .unwrap();
    let names: Vec<(&str, Option<&str>)> = reviewers
        .iter()
        .map(|r| (r.display_name.as_str(), r.username.as_deref()))
        .collect();
    assert_eq!(
        names,
        [("Grace Hopper", Some("grace")), ("Alan Turing", Some("alan"))]
    );
    assert!(
        default_reviewers(r.clone(), "DATA", "etl", &env)
            .await
            .unwrap()
            .is_empty()
    );
    let problems = default_reviewers(r, "OPS", "ops-000", &env).await.unwrap_err();
    assert_eq!(problems[0].code.as_str(), "resource_not_found");
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/bitbucket/rest/default-reviewers/1.0/projects/DATA/repos/models/conditions")
    );
}
