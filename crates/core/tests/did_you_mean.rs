//! A workspace, project or repository that a check does not find is named with the closest ones
//! the credential does reach ("Did you mean ...?"), learnt in the next round from the fake
//! servers' own listings, and only when something was not found.

mod support;

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Behaviour, start};
use repoconn_core::Method as K;
use repoconn_core::check::report::ValidationReport;
use support::*;

fn api_token(workspace: &str, repository: Option<&str>) -> repoconn_core::check::CheckRequest {
    let mut r = request(K::ApiToken, cloud::TOKEN_FULL);
    r.email = Some(cloud::EMAIL.into());
    r.workspace = Some(workspace.into());
    r.repository = repository.map(str::to_owned);
    r
}

fn the_problem(report: &ValidationReport) -> &str {
    assert_eq!(codes(report), ["resource_not_found"], "{:?}", report.problems);
    &report.problems[0].message
}

#[tokio::test]
async fn a_wrong_cloud_workspace_names_the_workspaces_the_account_is_in() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let report = run_cloud(&server, api_token("acme-dat", Some("models"))).await;
    assert_eq!(
        the_problem(&report),
        "The workspace acme-dat was not found, or this credential may not see it. Did you mean acme-data, acme?"
    );

    // Without a repository the next round asks for the workspaces instead of looking inside.
    let before = server.request_count();
    let report = run_cloud(&server, api_token("Widgets", None)).await;
    assert!(
        the_problem(&report).ends_with("Did you mean widgets?"),
        "{}",
        the_problem(&report)
    );
    let sent: Vec<String> = server.requests()[before..]
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert!(sent.contains(&"/2.0/user/workspaces".to_owned()), "{sent:?}");
    assert!(!sent.iter().any(|p| p.contains("pullrequests")), "{sent:?}");
}

#[tokio::test]
async fn a_wrong_cloud_repository_names_the_closest_repositories_of_the_workspace() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let report = run_cloud(&server, api_token("acme", Some("model"))).await;
    assert_eq!(
        the_problem(&report),
        "The repository acme/model was not found, or this credential may not see it. Did you mean models?"
    );
    // A typo among 230 repositories, most beyond the first page: found by their first letters.
    let report = run_cloud(&server, api_token("acme", Some("billing-0007"))).await;
    assert!(
        the_problem(&report).contains("Did you mean billing-007"),
        "{}",
        the_problem(&report)
    );
}

#[tokio::test]
async fn a_repository_access_token_names_its_own_repository() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut r = request(K::RepositoryAccessToken, cloud::REPO_TOKEN);
    r.workspace = Some(cloud::WORKSPACE.into());
    r.repository = Some("modles".into());
    let report = run_cloud(&server, r).await;
    assert!(
        the_problem(&report).ends_with("Did you mean models?"),
        "{}",
        the_problem(&report)
    );
}

#[tokio::test]
async fn a_found_workspace_costs_no_extra_round() {
    let server = start(FakeCloud::large(), Behaviour::default(), None).await;
    let report = run_cloud(&server, api_token("acme", Some("models"))).await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(
        !server.requests().iter().any(|r| r.path == "/2.0/user/workspaces"),
        "no suggestions are fetched when nothing is missing"
    );
}

#[tokio::test]
async fn a_wrong_data_center_project_names_the_projects_the_token_sees() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.project = Some("DAT".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(
        the_problem(&report),
        "The project DAT was not found, or this credential may not see it. Did you mean DATA?"
    );

    // The hidden project is never suggested, even to a name close to it.
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.project = Some("OPZ".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(!the_problem(&report).contains("OPS"), "{}", the_problem(&report));

    // With a repository in a wrong project, the project is what is named.
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.project = Some("data".into());
    r.repository = Some("models".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(
        the_problem(&report),
        "The project data was not found, or this credential may not see it. Did you mean DATA?"
    );
}

#[tokio::test]
async fn a_wrong_data_center_repository_names_the_closest_of_its_project() {
    let server = start(FakeDataCenter::large(), Behaviour::default(), None).await;
    let mut r = request(K::Basic, datacenter::PASSWORD);
    r.username = Some(datacenter::USER.into());
    r.project = Some("DATA".into());
    r.repository = Some("modles".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(
        the_problem(&report),
        "The repository modles in project DATA was not found, or this credential may not see it. Did you mean models?"
    );
    // Every request after the password's first one went only because that one succeeded.
    let authenticated: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.authorization.is_some())
        .collect();
    assert_eq!(authenticated[0].path, "/bitbucket/rest/api/1.0/repos");
}
