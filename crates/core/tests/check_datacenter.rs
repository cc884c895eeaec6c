//! Bitbucket Data Center checks against the fake server (context path /bitbucket).

mod support;

use std::time::Duration;

use fake_bitbucket::datacenter::{self, FakeDataCenter};
use fake_bitbucket::{Api, Behaviour, Call, Credentials, Logged, Reply, Server, start};
use repoconn_core::Method as K;
use repoconn_core::check::report::IdentityKind;
use repoconn_core::domain::catalogue::WarningCode;
use support::*;

#[tokio::test]
async fn a_personal_token_is_usable_and_names_its_owner_and_level() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert!(report.ok, "{:?}", report.problems);
    let identity = report.identity.as_ref().unwrap();
    assert_eq!(identity.username.as_deref(), Some("ada"));
    assert_eq!(identity.display_name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(identity.email.as_deref(), Some("ada@example.com"));
    assert_eq!(report.git_username.as_deref(), Some("ada"));
    assert_eq!(report.server.as_ref().unwrap().version, "9.2.1");
    assert_eq!(report.permission.as_deref(), Some("REPO_WRITE"));
    assert_eq!(report.scopes.verified, ["REPO_WRITE"]);
    assert!(report.base_url.ends_with("/bitbucket"), "{}", report.base_url);
    // The token's own expiry, read from the access-tokens API.
    assert_eq!(report.expires_at.as_deref(), Some("2027-05-26"));
    assert!(!report.has_warning(WarningCode::ExpiryUnknown));
    assert_no_secret(&report, datacenter::PERSONAL_TOKEN);
    // The version question goes out without credentials.
    let properties = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("application-properties"))
        .unwrap();
    assert!(properties.authorization.is_none());
}

#[tokio::test]
async fn a_personal_token_with_a_username_goes_as_basic() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.username = Some("ada".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(server.requests().iter().any(|r| {
        r.authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
    }));
}

#[tokio::test]
async fn a_read_token_is_not_enough_for_pull_requests() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::READ_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["insufficient_permission"]);
    assert_eq!(report.permission.as_deref(), Some("REPO_READ"));
    // This token has no expiry date on the server.
    assert_eq!(report.expires_at, None);
    assert!(report.has_warning(WarningCode::ExpiryUnknown));
    assert_eq!(report.scopes.missing, ["REPO_WRITE"]);
    assert!(
        report.problems[0].message.contains("REPO_READ") && report.problems[0].message.contains("REPO_WRITE")
    );
}

#[tokio::test]
async fn a_required_admin_level_is_checked_too() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.require = vec!["REPO_ADMIN".into()];
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(report.scopes.missing, ["REPO_ADMIN"]);
}

#[tokio::test]
async fn a_password_works_with_a_warning() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::Basic, datacenter::PASSWORD);
    r.username = Some("ada".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(report.has_warning(WarningCode::PasswordDiscouraged));
}

#[tokio::test]
async fn a_wrong_password_costs_exactly_one_login_attempt() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::Basic, "wrong password");
    r.username = Some("ada".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
    assert_eq!(authenticated(&server), 1, "{:?}", server.requests());
}

#[tokio::test]
async fn an_email_as_the_username_is_explained_after_the_refusal() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::Basic, datacenter::PASSWORD);
    r.username = Some("ada@example.com".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["invalid_credentials", "username_expected"]);
}

#[tokio::test]
async fn a_captcha_lock_is_recognised() {
    let fake = FakeDataCenter {
        captcha_after: 1,
        ..FakeDataCenter::standard()
    };
    let server = start(fake, Behaviour::default(), None).await;
    let mut wrong = request(K::Basic, "wrong password");
    wrong.username = Some("ada".into());
    assert_eq!(
        codes(&run_dc(&server, "/bitbucket", wrong).await),
        ["invalid_credentials"]
    );
    let mut right = request(K::Basic, datacenter::PASSWORD);
    right.username = Some("ada".into());
    let report = run_dc(&server, "/bitbucket", right).await;
    assert_eq!(codes(&report), ["captcha_required"]);
    assert!(report.problems[0].fix.contains("browser"));
}

#[tokio::test]
async fn a_single_sign_on_server_gets_no_password_at_all() {
    let fake = FakeDataCenter {
        login_form: false,
        ..FakeDataCenter::standard()
    };
    let server = start(fake, Behaviour::default(), None).await;
    let mut r = request(K::Basic, datacenter::PASSWORD);
    r.username = Some("ada".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["sso_only"]);
    assert_eq!(authenticated(&server), 0);
}

#[tokio::test]
async fn an_old_server_cannot_take_tokens() {
    let fake = FakeDataCenter {
        version: "5.4.2".into(),
        ..FakeDataCenter::standard()
    };
    let server = start(fake, Behaviour::default(), None).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["server_too_old"]);
    assert!(report.problems[0].message.contains("5.4.2"));
    only_the_probe_carried_the_token(&server);
}

#[tokio::test]
async fn a_wrong_context_path_is_not_bitbucket() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let report = run_dc(
        &server,
        "/jira",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["not_bitbucket"]);
    only_the_probe_carried_the_token(&server);
}

#[tokio::test]
async fn a_project_token_acts_as_a_system_user() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::ProjectToken, datacenter::PROJECT_TOKEN);
    r.project = Some("DATA".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert!(report.ok, "{:?}", report.problems);
    let identity = report.identity.as_ref().unwrap();
    assert_eq!(identity.kind, IdentityKind::SystemUser);
    assert_eq!(identity.username.as_deref(), Some("project-token-data-1a2b3c"));
    assert!(report.has_warning(WarningCode::SyntheticIdentity));
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.message.contains("project-token-data-1a2b3c"))
    );
    assert!(report.git_username.is_none());
    assert!(
        server
            .requests()
            .iter()
            .filter(|r| r.authorization.is_some())
            .all(|r| r.authorization.as_deref().unwrap().starts_with("Bearer "))
    );
}

#[tokio::test]
async fn a_project_token_outside_its_project_sees_nothing() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::ProjectToken, datacenter::PROJECT_TOKEN);
    r.project = Some("WEB".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["resource_not_found"]);
}

#[tokio::test]
async fn a_browser_url_is_turned_into_the_base_url_and_its_repository() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let report = run_dc(
        &server,
        "/bitbucket/projects/DATA/repos/models/browse?at=refs/heads/main",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(report.base_url.ends_with("/bitbucket"), "{}", report.base_url);
    assert!(report.has_warning(WarningCode::BaseUrlNormalised));
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/bitbucket/rest/api/1.0/projects/DATA/repos/models")
    );
}

#[tokio::test]
async fn an_unknown_repository_is_named() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let mut r = request(K::PersonalToken, datacenter::PERSONAL_TOKEN);
    r.project = Some("DATA".into());
    r.repository = Some("nope".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["resource_not_found"]);
    assert!(report.problems[0].message.contains("nope"));
}

#[tokio::test]
async fn links_to_another_host_reveal_a_wrong_server_base_url() {
    let fake = FakeDataCenter {
        link_host: Some("localhost:7990".into()),
        ..FakeDataCenter::standard()
    };
    let server = start(fake, Behaviour::default(), None).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert!(report.ok, "{:?}", report.problems);
    assert!(report.has_warning(WarningCode::BaseUrlMismatch));
    assert!(report.warnings.iter().any(|w| w.message.contains("localhost")));
}

#[tokio::test]
async fn a_basic_login_is_never_repeated_but_a_token_request_is() {
    let failing_once = Behaviour {
        authenticated_server_errors: 1,
        ..Default::default()
    };
    let server = start(FakeDataCenter::standard(), failing_once.clone(), None).await;
    let mut r = request(K::Basic, datacenter::PASSWORD);
    r.username = Some("ada".into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["server_error"]);
    assert_eq!(authenticated(&server), 1);

    let server = start(FakeDataCenter::standard(), failing_once, None).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert!(report.ok, "{:?}", report.problems);
}

#[tokio::test]
async fn a_typed_address_is_normalised_and_its_version_read_without_credentials() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let typed = format!("{}bitbucket/projects/DATA/repos/models/browse", server.url);
    let env = env_for(&"http://127.0.0.1:9".parse().unwrap());
    let result = repoconn_core::check::check_server(&typed, None, None, false, &env).await;
    assert_eq!(
        result.base_url.as_deref(),
        Some(format!("{}bitbucket", server.url).as_str())
    );
    assert_eq!(result.project.as_deref(), Some("DATA"));
    assert_eq!(result.server.unwrap().version, "9.2.1");
    assert!(result.problems.is_empty());
    assert_eq!(authenticated(&server), 0);

    let wrong =
        repoconn_core::check::check_server(&format!("{}jira", server.url), None, None, false, &env).await;
    assert!(wrong.server.is_none());
    assert_eq!(
        serde_json::to_value(wrong.problems[0].code).unwrap(),
        "not_bitbucket"
    );
}

/// Long enough that the requests of one round arrive well before any of them is answered.
const ROUND_TRIP: Duration = Duration::from_millis(200);

fn slow() -> Behaviour {
    Behaviour {
        latency: ROUND_TRIP,
        ..Default::default()
    }
}

fn the<'a>(log: &'a [Logged], what: &str, pick: impl Fn(&Logged) -> bool) -> &'a Logged {
    let mut found = log.iter().filter(|r| pick(r));
    let first = found.next().unwrap_or_else(|| panic!("no {what} in {log:?}"));
    assert!(found.next().is_none(), "more than one {what} in {log:?}");
    first
}

fn properties(log: &[Logged]) -> &Logged {
    the(log, "application-properties", |r| {
        r.path.ends_with("/application-properties")
    })
}

/// The first authenticated probe, `repos?limit=1`.
fn probe(log: &[Logged]) -> &Logged {
    the(log, "authenticated repos?limit=1", |r| {
        r.authorization.is_some() && r.path.ends_with("/rest/api/1.0/repos") && r.query == "limit=1"
    })
}

#[tokio::test]
async fn a_token_check_takes_two_rounds_its_first_probe_beside_the_server_question() {
    for (method, secret, project) in [
        (K::PersonalToken, datacenter::PERSONAL_TOKEN, None),
        (K::ProjectToken, datacenter::PROJECT_TOKEN, Some("DATA")),
    ] {
        let server = start(FakeDataCenter::standard(), slow(), None).await;
        let mut r = request(method, secret);
        r.project = project.map(str::to_owned);
        let report = run_dc(&server, "/bitbucket", r).await;
        assert!(report.ok, "{method:?}: {:?}", report.problems);
        let log = server.requests();
        let properties = properties(&log);
        let probe = probe(&log);
        assert!(properties.authorization.is_none());
        assert!(
            probe.received < properties.answered.unwrap(),
            "{method:?}: the token's probe waited for the server's answer: {log:?}"
        );
        // Then one more round: the user, the token's expiry, the levels, the project.
        assert_eq!(server.rounds(), 2, "{method:?}: {log:?}");
        assert!(log.iter().filter(|r| r.authorization.is_some()).count() > 1);
    }
    // The expiry lookup is part of the second round, not a third.
    let server = start(FakeDataCenter::standard(), slow(), None).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(report.expires_at.as_deref(), Some("2027-05-26"));
    let log = server.requests();
    let tokens = the(&log, "access-tokens", |r| r.path.contains("/rest/access-tokens/"));
    assert!(tokens.received >= probe(&log).answered.unwrap());
    assert_eq!(server.rounds(), 2, "{log:?}");
}

#[tokio::test]
async fn a_basic_login_waits_for_the_servers_answers_and_goes_alone() {
    for (method, secret) in [
        (K::Basic, datacenter::PASSWORD),
        // A personal token with a username goes as Basic: the same rule.
        (K::PersonalToken, datacenter::PERSONAL_TOKEN),
    ] {
        let server = start(FakeDataCenter::standard(), slow(), None).await;
        let mut r = request(method, secret);
        r.username = Some(datacenter::USER.into());
        let report = run_dc(&server, "/bitbucket", r).await;
        assert!(report.ok, "{method:?}: {:?}", report.problems);
        let log = server.requests();
        let anonymous: Vec<&Logged> = log.iter().filter(|r| r.authorization.is_none()).collect();
        let asked: Vec<&str> = anonymous.iter().map(|r| r.path.as_str()).collect();
        if method == K::Basic {
            assert!(asked.iter().any(|p| p.ends_with("/login-options")), "{asked:?}");
        }
        let login = probe(&log);
        assert!(login.authorization.as_deref().unwrap().starts_with("Basic "));
        for question in &anonymous {
            assert!(
                question.answered.unwrap() <= login.received,
                "{method:?}: the login went before {} was answered: {log:?}",
                question.path
            );
        }
        let alongside = log
            .iter()
            .filter(|r| r.authorization.is_some() && r.received < login.answered.unwrap())
            .count();
        assert_eq!(alongside, 1, "{method:?}: the login did not go alone: {log:?}");
        assert_eq!(server.rounds(), 3, "{method:?}: {log:?}");
    }
    // A refused login: that one request, nothing after it.
    let server = start(FakeDataCenter::standard(), slow(), None).await;
    let mut r = request(K::Basic, "wrong password");
    r.username = Some(datacenter::USER.into());
    let report = run_dc(&server, "/bitbucket", r).await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
    let log = server.requests();
    let login = probe(&log);
    assert!(properties(&log).answered.unwrap() <= login.received);
    assert_eq!(authenticated(&server), 1, "{log:?}");
}

/// The standard fake Data Center with two twists: `application-properties` can answer as a server
/// that is not Bitbucket (404), and the first probe can be answered as to an anonymous visitor.
struct Twisted {
    dc: FakeDataCenter,
    not_bitbucket: bool,
    ignores_credentials: bool,
}

impl Twisted {
    fn new(dc: FakeDataCenter) -> Self {
        Self {
            dc,
            not_bitbucket: false,
            ignores_credentials: false,
        }
    }
}

impl Api for Twisted {
    fn answer(&self, call: &Call) -> Reply {
        if self.not_bitbucket && call.path.ends_with("/application-properties") {
            let elsewhere = Call {
                path: "/not-here".into(),
                ..call.clone()
            };
            return self.dc.answer(&elsewhere);
        }
        if self.ignores_credentials && call.path.ends_with("/rest/api/1.0/repos") {
            let anonymous = Call {
                credentials: Credentials::None,
                ..call.clone()
            };
            let mut reply = self.dc.answer(&anonymous);
            reply
                .headers_mut()
                .insert("x-ausername", "anonymous".parse().unwrap());
            return reply;
        }
        self.dc.answer(call)
    }
}

/// The server question answers 300 ms after the token's probe: the probe is back first.
async fn probe_answers_first(api: impl Api) -> Server {
    start(
        api,
        Behaviour {
            anonymous_latency: Duration::from_millis(300),
            ..Default::default()
        },
        None,
    )
    .await
}

/// The probe was sent and answered before the server question was; nothing else was sent.
fn only_the_probe_went_and_came_back_first(server: &Server) {
    let log = server.requests();
    let probe = probe(&log);
    assert!(
        probe.answered.unwrap() < properties(&log).answered.unwrap(),
        "{log:?}"
    );
    assert_eq!(authenticated(server), 1, "{log:?}");
}

#[tokio::test]
async fn an_old_server_decides_even_when_the_token_probe_answers_first() {
    let fake = FakeDataCenter {
        version: "5.4.2".into(),
        // A probe's answer read by mistake would show as a base-URL warning.
        link_host: Some("localhost:7990".into()),
        ..FakeDataCenter::standard()
    };
    let server = probe_answers_first(fake).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["server_too_old"]);
    assert_eq!(report.server.as_ref().unwrap().version, "5.4.2");
    assert!(report.identity.is_none(), "{:?}", report.identity);
    assert!(report.git_username.is_none());
    assert!(report.permission.is_none());
    assert!(warning_codes(&report).is_empty(), "{:?}", report.warnings);
    only_the_probe_went_and_came_back_first(&server);
}

#[tokio::test]
async fn nothing_of_the_token_probe_is_used_when_the_server_is_not_bitbucket() {
    let mut twisted = Twisted::new(FakeDataCenter {
        link_host: Some("localhost:7990".into()),
        ..FakeDataCenter::standard()
    });
    twisted.not_bitbucket = true;
    let server = probe_answers_first(twisted).await;
    for method in [K::PersonalToken, K::ProjectToken] {
        let before = server.request_count();
        let secret = match method {
            K::PersonalToken => datacenter::PERSONAL_TOKEN,
            _ => datacenter::PROJECT_TOKEN,
        };
        let mut r = request(method, secret);
        if method == K::ProjectToken {
            r.project = Some("DATA".into());
        }
        let report = run_dc(&server, "/bitbucket", r).await;
        assert_eq!(codes(&report), ["not_bitbucket"], "{method:?}");
        assert!(report.server.is_none());
        assert!(report.identity.is_none(), "{:?}", report.identity);
        assert!(report.git_username.is_none());
        assert!(report.permission.is_none());
        assert!(report.expires_at.is_none());
        assert!(warning_codes(&report).is_empty(), "{:?}", report.warnings);
        assert_no_secret(&report, secret);
        let log = server.requests().split_off(before);
        assert!(
            probe(&log).answered.unwrap() < properties(&log).answered.unwrap(),
            "{log:?}"
        );
        let sent = log.iter().filter(|r| r.authorization.is_some()).count();
        assert_eq!(sent, 1, "{method:?}: {log:?}");
    }
}

#[tokio::test]
async fn a_refused_or_ignored_token_is_reported_with_the_servers_version() {
    let server = start(FakeDataCenter::standard(), slow(), None).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, "NjQ5MjcxNTM0OTk2OnNotATokenOfThisServer00"),
    )
    .await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
    assert_eq!(report.server.as_ref().unwrap().version, "9.2.1");
    assert_eq!(authenticated(&server), 1);
    assert_eq!(server.rounds(), 1, "{:?}", server.requests());

    // Answered as to an anonymous visitor (`X-AUSERNAME: anonymous`): the token was ignored.
    let mut twisted = Twisted::new(FakeDataCenter::standard());
    twisted.ignores_credentials = true;
    let server = probe_answers_first(twisted).await;
    let report = run_dc(
        &server,
        "/bitbucket",
        request(K::PersonalToken, datacenter::PERSONAL_TOKEN),
    )
    .await;
    assert_eq!(codes(&report), ["invalid_credentials"]);
    assert!(report.identity.is_none());
    only_the_probe_went_and_came_back_first(&server);
}

#[tokio::test]
async fn a_password_goes_only_to_a_server_that_said_it_is_bitbucket() {
    let html = Behaviour {
        html: true,
        ..Default::default()
    };
    for (behaviour, path, expected) in [
        (Behaviour::default(), "/jira", "not_bitbucket"),
        (html, "/bitbucket", "login_page"),
    ] {
        let server = start(FakeDataCenter::standard(), behaviour, None).await;
        for (method, secret) in [
            (K::Basic, datacenter::PASSWORD),
            (K::PersonalToken, datacenter::PERSONAL_TOKEN),
        ] {
            let mut r = request(method, secret);
            r.username = Some(datacenter::USER.into());
            let report = run_dc(&server, path, r).await;
            assert_eq!(codes(&report), [expected], "{method:?} at {path}");
        }
        assert_eq!(authenticated(&server), 0, "{:?}", server.requests());
    }
}
