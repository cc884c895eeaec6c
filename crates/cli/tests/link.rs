//! `repoconn link` as people and scripts use it: the real binary, the fake Data Center on
//! 127.0.0.1 for the server's version, and the exit codes. It never prints an address that may
//! not exist: a missing value is a usage error (2), and a Data Center page waits for the server's
//! version (1 when the server cannot say it).

mod support;

use std::process::Output;

use fake_bitbucket::datacenter::FakeDataCenter;
use fake_bitbucket::{Behaviour, start};
use serde_json::Value;
use support::Run;

async fn repoconn(args: &[&str]) -> Output {
    Run::repoconn(args).output_async().await
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("stdout is not JSON ({err}): {}", stdout(output)))
}

#[tokio::test]
async fn a_missing_workspace_exits_2_naming_its_flag_and_prints_no_address() {
    let output = repoconn(&[
        "link",
        "--cloud",
        "--method",
        "repository-access-token",
        "--repo",
        "models",
    ])
    .await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("--workspace"), "{}", stderr(&output));
    assert!(
        !stderr(&output).contains("--repo"),
        "only what is missing is named"
    );
    assert_eq!(stdout(&output), "", "no address is printed");

    // Said before anything goes over the network: nothing listens on this address.
    let data_center = repoconn(&[
        "link",
        "--server",
        "http://127.0.0.1:9/bitbucket",
        "--method",
        "repository-token",
    ])
    .await;
    assert_eq!(data_center.status.code(), Some(2));
    let text = stderr(&data_center);
    assert!(text.contains("needs --project and --repo"), "{text}");
}

#[tokio::test]
async fn json_gives_each_item_the_label_of_atlassians_page_beside_its_name() {
    let output = repoconn(&[
        "link",
        "--cloud",
        "--method",
        "repository-access-token",
        "--workspace",
        "acme",
        "--repo",
        "models",
        "--json",
    ])
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let link = json_of(&output);
    assert_eq!(
        link["url"],
        "https://bitbucket.org/acme/models/admin/access-tokens"
    );
    assert_eq!(link["missing"], serde_json::json!([]));
    let items = link["checklist"].as_array().unwrap();
    let pairs: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["label"].as_str().unwrap(),
                i["name"].as_str().unwrap(),
                i["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("Repositories: Read", "repository", "checkbox"),
            ("Pull requests: Read", "pullrequest", "checkbox"),
            ("Repositories: Write", "repository:write", "checkbox"),
            ("Pull requests: Write", "pullrequest:write", "checkbox"),
        ]
    );

    let text = repoconn(&[
        "link",
        "--cloud",
        "--method",
        "repository-access-token",
        "--workspace",
        "acme",
        "--repo",
        "models",
    ])
    .await;
    assert!(
        stdout(&text).contains("[ ] Repositories: Write (repository:write)"),
        "{}",
        stdout(&text)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_version_the_data_center_is_asked_and_says_so() {
    let server = start(FakeDataCenter::standard(), Behaviour::default(), None).await;
    let base = format!("{}bitbucket", server.url);
    let output = repoconn(&[
        "link",
        "--server",
        &base,
        "--method",
        "personal-token",
        "--username",
        "ada",
        "--json",
    ])
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("for its version") && stderr(&output).contains("9.2.1"),
        "{}",
        stderr(&output)
    );
    let link = json_of(&output);
    // 9.2.1 has per-user token pages.
    assert_eq!(
        link["url"],
        format!("{base}/plugins/servlet/access-tokens/users/ada/manage")
    );
    assert_eq!(link["checklist"][1]["label"], "Repository permissions: Write");
    assert_eq!(link["checklist"][1]["kind"], "drop_down");
    let asked = server.requests();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].path, "/bitbucket/rest/api/1.0/application-properties");
    assert_eq!(
        asked[0].authorization, None,
        "the version is asked without credentials"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_too_old_for_the_kind_exits_1_and_names_what_it_can_issue() {
    let mut old = FakeDataCenter::standard();
    old.version = "5.4.0".into();
    let server = start(old, Behaviour::default(), None).await;
    let output = repoconn(&[
        "link",
        "--server",
        &format!("{}bitbucket", server.url),
        "--method",
        "personal-token",
    ])
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(
        text.contains("Needs Bitbucket 5.5 or newer; this server runs 5.4.0."),
        "{text}"
    );
    assert!(text.contains("--method basic"), "{text}");
    assert_eq!(stdout(&output), "");
}

#[tokio::test]
async fn an_unreachable_server_exits_1_and_tells_how_to_give_the_version() {
    // Nothing listens on port 9 (discard) of the loopback address.
    let output = repoconn(&[
        "link",
        "--server",
        "http://127.0.0.1:9/bitbucket",
        "--method",
        "project-token",
        "--project",
        "DATA",
    ])
    .await;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let text = stderr(&output);
    assert!(text.contains("could not ask"), "{text}");
    assert!(text.contains("--server-version"), "{text}");
    assert_eq!(stdout(&output), "", "no link that may not exist");

    // Given the version, nothing is asked and the link follows it.
    let given = repoconn(&[
        "link",
        "--server",
        "http://127.0.0.1:9/bitbucket",
        "--method",
        "project-token",
        "--project",
        "DATA",
        "--server-version",
        "7.21.0",
    ])
    .await;
    assert_eq!(given.status.code(), Some(0), "{}", stderr(&given));
    assert!(
        stdout(&given)
            .starts_with("http://127.0.0.1:9/bitbucket/plugins/servlet/access-tokens/projects/DATA/manage\n"),
        "{}",
        stdout(&given)
    );
    let too_old = repoconn(&[
        "link",
        "--server",
        "http://127.0.0.1:9/bitbucket",
        "--method",
        "project-token",
        "--project",
        "DATA",
        "--server-version",
        "7.6.0",
    ])
    .await;
    assert_eq!(too_old.status.code(), Some(1));
    assert!(stderr(&too_old).contains("Needs Bitbucket 7.17 or newer"));
}
