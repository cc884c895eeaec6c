//! What commands print on standard output: JSON for scripts, and the check report (and its
//! problems, which `repos` prints too) as text for a person at a terminal.

use repoconn_core::ValidationReport;
use repoconn_core::check::report::Outcome;
use repoconn_core::domain::catalogue::{Problem, Warning};
use repoconn_core::domain::dates::today;
use repoconn_core::expiry::Expiry;
use repoconn_core::flows::Saved;

use crate::error::{CliError, CliResult};

/// Prints JSON the caller encoded with `serde_json::to_string_pretty`: this crate depends on
/// serde_json only, so it cannot name serde's `Serialize` to take the value itself.
pub fn print_json(encoded: serde_json::Result<String>) -> Result<(), CliError> {
    let text = encoded.map_err(|err| CliError::failed(format!("cannot encode the answer as JSON: {err}")))?;
    println!("{text}");
    Ok(())
}

pub fn print_report(report: &ValidationReport, json: bool) -> Result<(), CliError> {
    if json {
        print_json(serde_json::to_string_pretty(report))
    } else {
        print!("{}", render(report));
        Ok(())
    }
}

/// The report for a person reading a terminal.
pub fn render(report: &ValidationReport) -> String {
    let mut out = String::new();
    let verdict = match report.outcome {
        Outcome::Usable => "Usable",
        Outcome::NotUsable => "Not usable",
        Outcome::Unverified => "Could not verify",
    };
    out.push_str(&format!(
        "{verdict}: {} ({})\n",
        report.method.label(),
        report.base_url
    ));
    if let Some(identity) = &report.identity {
        let name = identity.display_name.clone().or(identity.username.clone());
        if let Some(name) = name {
            out.push_str(&format!("  acts as:      {name}\n"));
        }
    }
    if let Some(user) = &report.git_username {
        out.push_str(&format!("  git username: {user}\n"));
    }
    if let Some(server) = &report.server {
        out.push_str(&format!("  server:       Bitbucket {}\n", server.version));
    }
    if let Some(permission) = &report.permission {
        out.push_str(&format!("  permission:   {permission}\n"));
    }
    let scopes = &report.scopes;
    for (mark, list) in [
        ("ok", &scopes.verified),
        ("missing", &scopes.missing),
        ("unverified", &scopes.unverified),
    ] {
        for item in list {
            out.push_str(&format!("  {mark:<10}    {item}\n"));
        }
    }
    out.push_str(&render_problems(&report.problems, &report.warnings));
    out
}

/// Problems with their fixes, then warnings, one `[code]` each: as `check` prints them.
pub fn render_problems(problems: &[Problem], warnings: &[Warning]) -> String {
    let mut out = String::new();
    for problem in problems {
        out.push_str(&format!(
            "problem [{}]: {}\n  fix: {}\n",
            problem.code.as_str(),
            problem.message,
            problem.fix
        ));
    }
    for warning in warnings {
        out.push_str(&format!(
            "warning [{}]: {}\n",
            warning.code.as_str(),
            warning.message
        ));
    }
    out
}

/// What `add`, `test` and `rotate` print: the check and, when saved, the connection. The exit
/// status follows the check, so that scripts read the verdict the same way as from `check`.
pub fn print_saved(saved: &Saved, json: bool, verb: &str) -> CliResult {
    if json {
        let out = serde_json::json!({"report": saved.report, "connection": saved.connection});
        print_json(serde_json::to_string_pretty(&out))?;
    } else {
        print_report(&saved.report, false)?;
        match &saved.connection {
            Some(c) => println!("{verb} \"{}\" ({}).", c.name, Expiry::of(c, today()).describe()),
            None => println!("Nothing was saved."),
        }
    }
    Ok(saved.report.exit_code())
}

/// A connection name as it must be typed in a suggested command.
pub fn quote(name: &str) -> String {
    if name.contains(' ') {
        format!("\"{name}\"")
    } else {
        name.to_owned()
    }
}
