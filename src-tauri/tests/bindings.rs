//! `ui/src/bindings.ts` is generated from the Rust commands and committed. This test fails when it
//! is stale; `npm run bindings` (which sets REPOCONN_WRITE_BINDINGS=1) rewrites it.

use std::path::PathBuf;

#[test]
fn committed_typescript_bindings_match_the_rust_commands() {
    let committed_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh_path = fresh_dir.path().join("bindings.ts");
    repoconn_app::export_bindings(&fresh_path).expect("bindings export");
    let fresh = std::fs::read_to_string(&fresh_path).unwrap();

    if std::env::var_os("REPOCONN_WRITE_BINDINGS").is_some() {
        std::fs::write(&committed_path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/bindings.ts is stale: run `npm run bindings` and commit the result.\n--- fresh export ---\n{fresh}"
    );
}

#[test]
fn bindings_expose_every_command_and_shared_type() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    repoconn_app::export_bindings(&path).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    for name in [
        "appInfo",
        "getPreferences",
        "setPreferences",
        "AppInfo",
        "KeychainBackend",
        "Preferences",
        "AppError",
    ] {
        assert!(text.contains(name), "bindings lack {name}:\n{text}");
    }
}

/// The mocked backend of the UI tests and the browser end-to-end test answers `form_options`
/// and `credential_link` with what the core really says, from this generated file.
#[test]
fn committed_ui_fixtures_match_the_core() {
    use repoconn_core::guide::form::{options, options_for_server};

    let mut capped = repoconn_core::policy::PolicyState::default();
    capped.policy.max_token_lifetime_days = Some(90);
    let mut by_version = serde_json::Map::new();
    // An old server (no tokens), one before project and repository tokens, and a current one.
    for version in ["5.4.0", "7.10.0", "9.2.1"] {
        let options = options_for_server(&Default::default(), Some(version));
        by_version.insert(version.to_owned(), serde_json::to_value(options).unwrap());
    }
    let (links, links_missing) = link_fixtures();
    let fixtures = serde_json::json!({
        "form_options": options(&Default::default()),
        "form_options_capped_at_90_days": options(&capped),
        "form_options_by_server_version": by_version,
        "links": links,
        "links_missing": links_missing,
        "samples": samples(),
    });
    let fresh = serde_json::to_string_pretty(&fixtures).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/mock/fixtures.json");
    if std::env::var_os("REPOCONN_WRITE_BINDINGS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ui/src/mock/fixtures.json is stale: run `npm run bindings` and commit the result"
    );
}

/// The Generate links by method and profile: with every value filled in, and with each
/// combination of the values their address needs left out (keyed by the missing values joined
/// with ","), so that the mock answers as the core does whatever the form lacks.
fn link_fixtures() -> (serde_json::Value, serde_json::Value) {
    use repoconn_core::domain::method::Method;
    use repoconn_core::domain::scopes::Profile;
    use repoconn_core::guide::links::{LinkTarget, LinkValue, link, needs};

    let server = repoconn_core::domain::sniff::server_address("https://git.example.com/bitbucket")
        .unwrap()
        .base;
    let filled = LinkTarget {
        server: Some(&server),
        workspace: Some("acme"),
        project: Some("DATA"),
        repository: Some("models"),
        ..Default::default()
    };
    let without = |left_out: &[LinkValue]| {
        let keep = |value: LinkValue| !left_out.contains(&value);
        LinkTarget {
            server: filled.server.filter(|_| keep(LinkValue::Server)),
            workspace: filled.workspace.filter(|_| keep(LinkValue::Workspace)),
            project: filled.project.filter(|_| keep(LinkValue::Project)),
            repository: filled.repository.filter(|_| keep(LinkValue::Repository)),
            ..Default::default()
        }
    };
    let mut links = serde_json::Map::new();
    let mut missing = serde_json::Map::new();
    for method in Method::ALL {
        let needed = needs(method);
        let mut by_profile = serde_json::Map::new();
        let mut missing_by_profile = serde_json::Map::new();
        for profile in Profile::ALL {
            by_profile.insert(
                profile.id().to_owned(),
                serde_json::to_value(link(method, profile, &filled)).unwrap(),
            );
            let mut by_missing = serde_json::Map::new();
            for mask in 1..(1u32 << needed.len()) {
                let left_out: Vec<LinkValue> = (0..needed.len())
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| needed[i])
                    .collect();
                let answer = link(method, profile, &without(&left_out));
                assert_eq!(answer.missing, left_out);
                let key: Vec<String> = serde_json::to_value(&left_out)
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_owned())
                    .collect();
                by_missing.insert(key.join(","), serde_json::to_value(answer).unwrap());
            }
            missing_by_profile.insert(profile.id().to_owned(), by_missing.into());
        }
        links.insert(method.id().to_owned(), by_profile.into());
        missing.insert(method.id().to_owned(), missing_by_profile.into());
    }
    (links.into(), missing.into())
}

/// What the core says in the cases the mock plays, so that the mock never words anything itself:
/// list rows (status, expiry, tone) on a fixed day, the verdict and suggested name of a few
/// reports, and the catalogue's problems and warnings the mock's reports carry.
fn samples() -> serde_json::Value {
    use repoconn_core::Method;
    use repoconn_core::check::report::{Findings, Identity};
    use repoconn_core::domain::catalogue::{Fault, Notice, Problem, TlsReason, Warning};
    use repoconn_core::guide::naming;
    const FINGERPRINT: &str =
        "3F:0A:5B:11:C2:7D:E4:98:21:6C:0F:AA:93:5E:71:B2:4D:08:E6:1C:9A:37:F5:62:8B:D0:14:7E:C9:53:2A:6F";
    use repoconn_core::guide::form::CheckView;
    use repoconn_core::guide::listing::ConnectionView;
    use repoconn_core::store::connection::Connection;
    use serde_json::json;

    let today = time::macros::date!(2026 - 11 - 26);
    let connection = |expires_on: Option<&str>, status: &str| -> Connection {
        serde_json::from_value(json!({
            "id": "1", "name": "work", "provider": "cloud", "base_url": "https://api.bitbucket.org/",
            "method": "api-token", "profile": "pull-requests", "created_at": "2026-11-26T10:00:00Z",
            "status": status, "expires_on": expires_on, "secret_key": "conn-1"
        }))
        .unwrap()
    };
    let mut views = serde_json::Map::new();
    for (case, expires_on, status) in [
        ("a_year_left", Some("2027-11-26"), "valid"),
        ("expiry_unknown", None, "valid"),
        ("five_days_left", Some("2026-12-01"), "valid"),
        ("expired", Some("2026-11-01"), "valid"),
        ("rejected_by_git", Some("2027-11-26"), "rejected_by_git"),
        ("sign_in_again", None, "sign_in_again"),
    ] {
        let mut view =
            serde_json::to_value(ConnectionView::new(connection(expires_on, status), today)).unwrap();
        view.as_object_mut().unwrap().remove("connection");
        views.insert(case.to_owned(), view);
    }
    let report = |method: Method, base: &str, user: Option<&str>, faults: Vec<Fault>| {
        let mut findings = Findings::new(method);
        findings.identity = user.map(|u| Identity {
            username: Some(u.to_owned()),
            ..Default::default()
        });
        for fault in faults {
            findings.problem(fault);
        }
        CheckView::new(findings.into_report(base.to_owned()))
    };
    let check_views = vec![
        report(
            Method::ApiToken,
            "https://api.bitbucket.org/",
            Some("ada_lovelace"),
            vec![],
        ),
        report(
            Method::PersonalToken,
            "https://git.example.com:8443/bitbucket",
            Some("ada/lovelace"),
            vec![],
        ),
        report(
            Method::ApiToken,
            "https://api.bitbucket.org/",
            None,
            vec![Fault::AppPasswordDisabled],
        ),
        report(
            Method::ApiToken,
            "https://api.bitbucket.org/",
            None,
            vec![Fault::AppPasswordDisabled, Fault::SsoOnly],
        ),
    ];
    let problem = |fault: Fault| serde_json::to_value(Problem::from(fault)).unwrap();
    let warning = |notice: Notice| serde_json::to_value(Warning::from(notice)).unwrap();
    // A working credential with a catch: the warning its report carries and the view's catch.
    let with_catch = |method: Method, notice: Notice| {
        let mut findings = Findings::new(method);
        findings.warning(notice.clone());
        let view = CheckView::new(findings.into_report("https://git.example.com/".to_owned()));
        json!({ "warning": warning(notice), "catch": view.catch, "verdict": view.verdict })
    };
    json!({
        "today": "2026-11-26",
        "views": views,
        "check_views": check_views,
        "catches": {
            "synthetic_identity": with_catch(Method::ProjectToken, Notice::SyntheticIdentity {
                name: "project-data-token".into(),
            }),
            "password_discouraged": with_catch(Method::Basic, Notice::PasswordDiscouraged),
        },
        "problems": {
            "missing_scopes": problem(Fault::MissingScopes { scopes: vec!["write:pullrequest:bitbucket".into()] }),
            "invalid_credentials": problem(Fault::InvalidCredentials { method: Method::ApiToken }),
            "unreachable": problem(Fault::Unreachable {
                host: "api.bitbucket.org".into(),
                reason: "network unreachable".into(),
            }),
            "app_password_disabled": problem(Fault::AppPasswordDisabled),
            "tls_untrusted": problem(Fault::TlsUntrusted {
                host: "git.example.com".into(),
                fingerprint: Some(FINGERPRINT.into()),
                reason: TlsReason::UnknownIssuer,
            }),
            "insecure_http": problem(Fault::InsecureHttp { url: "http://git.example.com/".into() }),
            "app_password_pasted": problem(Fault::TokenKindMismatch {
                detected: "a Bitbucket app password".into(),
                chosen: Method::ApiToken,
                suggested: Method::AppPassword,
            }),
        },
        "names": {
            "taken": naming::name_check("work", &["work".to_owned()], None),
            "invalid": naming::name_check("a/b", &[], None),
        },
        "warnings": {
            "write_scope_unverified": serde_json::to_value(Warning::from(Notice::WriteScopeUnverified {
                scopes: vec!["write:pullrequest:bitbucket".into()],
            }))
            .unwrap(),
            "plain_text_helper": serde_json::to_value(Warning::from(Notice::PlainTextHelper {
                helper: "store".into(),
            }))
            .unwrap(),
        },
    })
}

/// The policy file's JSON Schema (docs/policy.schema.json) is generated from the core's types.
#[test]
fn committed_policy_schema_matches_the_core() {
    let fresh = repoconn_core::policy::json_schema();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/policy.schema.json");
    if std::env::var_os("REPOCONN_WRITE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "docs/policy.schema.json is stale: run `npm run bindings` and commit the result"
    );
}

/// `COMMANDS` is the one list of commands: the invoke handler (seen through the generated
/// bindings) registers exactly these, and the capability file grants exactly `allow-<name>`.
#[test]
fn the_command_list_the_handler_and_the_capability_agree() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bindings.ts");
    repoconn_app::export_bindings(&path).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let block = text
        .split("export const commands = {")
        .nth(1)
        .and_then(|rest| rest.split("\n};").next())
        .expect("the bindings export a commands object");
    let mut exported: Vec<String> = block
        .lines()
        .filter_map(|line| line.trim().split_once(": ("))
        .map(|(name, _)| name)
        .filter(|name| name.chars().all(char::is_alphanumeric))
        .map(|camel| {
            camel.chars().fold(String::new(), |mut snake, c| {
                if c.is_uppercase() {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
                snake
            })
        })
        .collect();
    exported.sort();
    let mut listed: Vec<String> = repoconn_app::COMMANDS.iter().map(|c| c.to_string()).collect();
    listed.sort();
    assert_eq!(exported, listed, "the invoke handler and COMMANDS differ");

    let capability: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("capabilities/main-window.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut granted: Vec<String> = capability["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    granted.sort();
    let mut expected: Vec<String> = listed
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.sort();
    assert_eq!(
        granted, expected,
        "capabilities/main-window.json grants other commands than COMMANDS"
    );
}
