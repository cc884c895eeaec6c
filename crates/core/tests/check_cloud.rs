//! Bitbucket Cloud checks against the fake Cloud API: one test per outcome the user can meet.

mod support;

use fake_bitbucket::cloud::{self, FakeCloud};
use fake_bitbucket::{Behaviour, start};
use repoconn_core::Method as K;
use repoconn_core::check::report::{IdentityKind, Outcome};
use repoconn_core::domain::catalogue::{ProblemCode, WarningCode};
use repoconn_core::domain::scopes::Profile;
use support::*;

fn api_token(secret: &str, email: &str) -> repoconn_core::check::CheckRequest {
    let mut r = request(K::ApiToken, secret);
    r.email = Some(email.into());
    r
}

fn in_repo(mut r: repoconn_core::check::CheckRequest) -> repoconn_core::check::CheckRequest {
    r.workspace = Some(cloud::WORKSPACE.into());
    r.repository = Some(cloud::REPO.into());
    r
}

#[tokio::test]
async fn a_full_api_token_is_usable_and_learns_the_git_username() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(&server, in_repo(api_token(cloud::TOKEN_FULL, cloud::EMAIL))).await;

    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.exit_code(), 0);
    let identity = report.identity.as_ref().unwrap();
    assert_eq!(identity.username.as_deref(), Some(cloud::USERNAME));
    assert_eq!(identity.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(identity.email.as_deref(), Some(cloud::EMAIL));
    assert_eq!(report.git_username.as_deref(), Some(cloud::USERNAME));
    assert_eq!(report.permission.as_deref(), Some("member"));
    assert_eq!(
        report.scopes.verified,
        [
            "read:user:bitbucket",
            "read:workspace:bitbucket",
            "read:repository:bitbucket",
            "read:pullrequest:bitbucket"
        ]
    );
    // Writing cannot be proven without side effects: unverified, never granted.
    assert_eq!(
        report.scopes.unverified,
        ["write:repository:bitbucket", "write:pullrequest:bitbucket"]
    );
    assert!(report.has_warning(WarningCode::WriteScopeUnverified));
    assert!(report.has_warning(WarningCode::ExpiryUnknown));
    assert_no_secret(&report, cloud::TOKEN_FULL);

    // REST was given the email, every probe in one round.
    let requests = server.requests();
    assert_eq!(requests.len(), 4, "{requests:?}");
    let basic = format!("{}:{}", cloud::EMAIL, cloud::TOKEN_FULL);
    use base64::Engine;
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(basic)
    );
    assert!(
        requests
            .iter()
            .all(|r| r.authorization.as_deref() == Some(expected.as_str()))
    );
}

#[tokio::test]
async fn without_a_workspace_the_check_looks_into_the_first_one() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(&server, api_token(cloud::TOKEN_FULL, cloud::EMAIL)).await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(
        report
            .scopes
            .verified
            .contains(&"read:pullrequest:bitbucket".to_owned())
    );
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert!(paths.contains(&"/2.0/repositories/acme".to_owned()), "{paths:?}");
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("/2.0/workspaces/acme/pullrequests/")),
        "{paths:?}"
    );
}

#[tokio::test]
async fn an_unscoped_token_is_refused_with_the_four_causes() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(&server, in_repo(api_token(cloud::TOKEN_UNSCOPED, cloud::EMAIL))).await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
    assert_eq!(report.outcome, Outcome::NotUsable);
    assert_eq!(report.exit_code(), 1);
    let message = &report.problems[0].message;
    for cause in ["email", "without scopes", "expired", "revoked"] {
        assert!(message.contains(cause), "{message}");
    }
}

#[tokio::test]
async fn a_wrong_email_and_an_expired_token_are_refused() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(&server, api_token(cloud::TOKEN_FULL, "someone.else@example.com")).await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
    let report = run_cloud(&server, api_token(cloud::TOKEN_EXPIRED, cloud::EMAIL)).await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
}

/// Bitbucket names the reason for an OAuth token ("Access token expired."), so the report does;
/// for an API token its message names several, so the report keeps all four causes.
#[tokio::test]
async fn a_refusal_that_names_expiry_says_the_credential_expired() {
    let mut fake = FakeCloud::standard();
    fake.oauth_tokens[0].expired = true;
    let server = start(fake, Behaviour::default(), None).await;
    let report = run_cloud(&server, request(K::Oauth, cloud::OAUTH_TOKEN)).await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
    let message = &report.problems[0].message;
    assert!(message.contains("said why: it has expired"), "{message}");
    let report = run_cloud(&server, api_token(cloud::TOKEN_EXPIRED, cloud::EMAIL)).await;
    assert!(!report.problems[0].message.contains("said why"));
}

#[tokio::test]
async fn a_plain_text_refusal_is_understood_too() {
    let fake = FakeCloud {
        plain_text_401: true,
        ..FakeCloud::standard()
    };
    let server = start(fake, Behaviour::default(), None).await;
    let report = run_cloud(&server, api_token(cloud::TOKEN_UNSCOPED, cloud::EMAIL)).await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
}

#[tokio::test]
async fn a_username_where_the_email_belongs_is_caught_before_any_request() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(&server, api_token(cloud::TOKEN_FULL, cloud::USERNAME)).await;
    assert_eq!(codes(&report), ["email_expected"]);
    assert!(report.problems[0].message.contains(cloud::USERNAME));
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn an_email_typed_as_username_is_used_as_the_email() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut r = request(K::ApiToken, cloud::TOKEN_FULL);
    r.username = Some(cloud::EMAIL.into());
    let report = run_cloud(&server, in_repo(r)).await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(report.has_warning(WarningCode::EmailInUsernameField));
}

#[tokio::test]
async fn a_pasted_bearer_prefix_and_newline_are_removed() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let secret = format!("Bearer {}\n", cloud::TOKEN_FULL);
    let report = run_cloud(&server, in_repo(api_token(&secret, cloud::EMAIL))).await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(report.has_warning(WarningCode::SecretCleaned));
}

#[tokio::test]
async fn a_missing_scope_is_named_and_the_403_reveals_every_granted_scope() {
    let fake = FakeCloud::standard().with_api_token_scopes(
        cloud::TOKEN_FULL,
        &[
            "read:user:bitbucket",
            "read:workspace:bitbucket",
            "read:repository:bitbucket",
            "write:repository:bitbucket",
        ],
    );
    let server = start(fake, Behaviour::default(), None).await;
    let mut r = in_repo(api_token(cloud::TOKEN_FULL, cloud::EMAIL));
    r.require = vec!["read:pipeline:bitbucket".into()];
    let report = run_cloud(&server, r).await;
    assert_eq!(codes(&report), ["missing_scopes"]);
    assert_eq!(
        report.scopes.missing,
        [
            "read:pullrequest:bitbucket",
            "write:pullrequest:bitbucket",
            "read:pipeline:bitbucket"
        ]
    );
    // The granted list proves the write scope that reads alone could not.
    assert!(
        report
            .scopes
            .verified
            .contains(&"write:repository:bitbucket".to_owned())
    );
    assert!(report.scopes.unverified.is_empty());
    assert!(report.problems[0].message.contains("read:pullrequest:bitbucket"));
}

#[tokio::test]
async fn an_access_token_pasted_as_an_api_token_is_recognised() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(&server, in_repo(api_token(cloud::REPO_TOKEN, cloud::EMAIL))).await;
    assert_eq!(codes(&report), ["token_kind_mismatch"]);
    // The CLI is told the flag, the dialog the choice and a button that makes it.
    let problem = &report.problems[0];
    assert!(
        problem.fix.contains("--method repository-access-token"),
        "{}",
        problem.fix
    );
    let in_dialog = problem.fix_in_dialog.as_deref().unwrap();
    assert!(in_dialog.contains("\"Repository access token\""), "{in_dialog}");
    assert_eq!(
        problem.actions,
        [repoconn_core::domain::actions::ProblemAction::UseMethod {
            method: repoconn_core::Method::RepositoryAccessToken
        }]
    );
}

#[tokio::test]
async fn app_passwords_are_reported_retired_and_never_sent() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut r = request(K::AppPassword, "ATBB3xFfGF0appPasswordXXXXXXXXXXXX");
    r.username = Some(cloud::USERNAME.into());
    let report = run_cloud(&server, r).await;
    assert_eq!(codes(&report), ["app_password_disabled"]);
    assert!(report.problems[0].fix.contains("API token"));
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_repository_access_token_reads_its_scopes_from_the_headers() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(
        &server,
        in_repo(request(K::RepositoryAccessToken, cloud::REPO_TOKEN)),
    )
    .await;
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.git_username.as_deref(), Some("x-token-auth"));
    assert_eq!(report.identity.as_ref().unwrap().kind, IdentityKind::AccessToken);
    assert_eq!(
        report.scopes.required,
        [
            "repository",
            "repository:write",
            "pullrequest",
            "pullrequest:write"
        ]
    );
    assert_eq!(report.scopes.missing, Vec::<String>::new());
    assert!(report.scopes.unverified.is_empty());
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {}", cloud::REPO_TOKEN)))
    );
}

#[tokio::test]
async fn a_read_only_workspace_token_lacks_the_write_scopes() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut r = request(K::WorkspaceAccessToken, cloud::WORKSPACE_TOKEN);
    r.workspace = Some(cloud::WORKSPACE.into());
    let report = run_cloud(&server, r).await;
    assert_eq!(codes(&report), ["missing_scopes"]);
    assert_eq!(report.scopes.missing, ["repository:write", "pullrequest:write"]);

    let mut r = request(K::WorkspaceAccessToken, cloud::WORKSPACE_TOKEN);
    r.workspace = Some(cloud::WORKSPACE.into());
    r.profile = Profile::ReadOnly;
    assert!(run_cloud(&server, r).await.ok);
}

#[tokio::test]
async fn the_announced_credential_type_catches_a_wrong_choice() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut r = request(K::WorkspaceAccessToken, cloud::REPO_TOKEN);
    r.workspace = Some(cloud::WORKSPACE.into());
    r.repository = Some(cloud::REPO.into());
    let report = run_cloud(&server, r).await;
    assert!(
        report.has_problem(ProblemCode::TokenKindMismatch),
        "{:?}",
        report.problems
    );
}

#[tokio::test]
async fn an_oauth_token_uses_legacy_scopes_and_the_token_git_user() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let report = run_cloud(&server, in_repo(request(K::Oauth, cloud::OAUTH_TOKEN))).await;
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.git_username.as_deref(), Some("x-token-auth"));
    assert_eq!(
        report.identity.as_ref().unwrap().username.as_deref(),
        Some(cloud::USERNAME)
    );
}

#[tokio::test]
async fn an_unknown_repository_is_named() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut r = in_repo(api_token(cloud::TOKEN_FULL, cloud::EMAIL));
    r.repository = Some("no-such-repo".into());
    let report = run_cloud(&server, r).await;
    assert_eq!(codes(&report), ["resource_not_found"]);
    assert!(report.problems[0].message.contains("acme/no-such-repo"));
}

#[tokio::test]
async fn a_missing_required_field_is_reported_without_a_request() {
    let server = start(FakeCloud::standard(), Behaviour::default(), None).await;
    let mut r = request(K::RepositoryAccessToken, cloud::REPO_TOKEN);
    r.workspace = Some(cloud::WORKSPACE.into());
    let report = run_cloud(&server, r).await;
    assert_eq!(codes(&report), ["missing_field"]);
    assert!(
        report.problems[0].message.contains("repository"),
        "{}",
        report.problems[0].message
    );
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn a_project_access_token_is_checked_within_its_project() {
    let mut fake = FakeCloud::standard();
    fake.access_tokens.push(cloud::AccessToken {
        token: "ATCTT3xFfGN0projectPROJECT00".into(),
        target: cloud::Target::Project {
            workspace: cloud::WORKSPACE.into(),
            project: cloud::PROJECT.into(),
        },
        scopes: vec!["project".into(), "repository".into(), "pullrequest".into()],
    });
    let server = start(fake, Behaviour::default(), None).await;
    let project_token = |profile| {
        let mut r = request(K::ProjectAccessToken, "ATCTT3xFfGN0projectPROJECT00");
        r.workspace = Some(cloud::WORKSPACE.into());
        r.project = Some(cloud::PROJECT.into());
        r.profile = profile;
        r
    };
    let report = run_cloud(&server, project_token(Profile::ReadOnly)).await;
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.scopes.verified, ["repository", "pullrequest"]);
    // The pull requests of a repository found in the project were read.
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/2.0/repositories/acme/models/pullrequests")
    );

    let report = run_cloud(&server, project_token(Profile::PullRequests)).await;
    assert_eq!(report.scopes.missing, ["repository:write", "pullrequest:write"]);
}

#[tokio::test]
async fn terminal_escapes_a_server_sends_never_reach_the_report() {
    let mut fake = FakeCloud::standard();
    fake.accounts[0].display_name = "Ada\u{1b}]0;pwned\u{7} \u{1b}[31mLovelace\u{1b}[0m\r\n".into();
    let server = start(fake, Behaviour::default(), None).await;
    let report = run_cloud(&server, in_repo(api_token(cloud::TOKEN_FULL, cloud::EMAIL))).await;
    let name = report.identity.as_ref().unwrap().display_name.clone().unwrap();
    assert_eq!(name.trim(), "Ada Lovelace");
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("\\u001b") && !json.contains("pwned"), "{json}");
}
