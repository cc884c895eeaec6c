//! `repoconn list`: the saved connections with their status and days to expiry, and a warning
//! with what to do for each one that expires soon or has expired.

use clap::Args;
use repoconn_core::domain::dates::today;
use repoconn_core::expiry::Expiry;
use repoconn_core::guide::listing::ConnectionView;
use repoconn_core::store::connection::{Connection, Status};
use repoconn_core::store::registry::Registry;
use time::Date;

use crate::error::CliResult;
use crate::output::{self, quote};

#[derive(Args)]
pub struct ListArgs {
    // JSON rows are the desktop app's list rows, so both shells show the same status and expiry.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: ListArgs) -> CliResult {
    let connections = Registry::open_default()?.list()?;
    let today = today();
    if args.json {
        let rows: Vec<ConnectionView> = connections
            .into_iter()
            .map(|c| ConnectionView::new(c, today))
            .collect();
        output::print_json(serde_json::to_string_pretty(&rows))?;
        return Ok(0);
    }
    if connections.is_empty() {
        println!(
            "No saved connections. Add one with `repoconn add NAME --cloud --method api-token --email ...`."
        );
        return Ok(0);
    }
    println!(
        "{:<20} {:<28} {:<24} {:<18} {:<16} EXPIRY",
        "NAME", "SERVER", "METHOD", "USER", "STATUS"
    );
    for c in &connections {
        let user = c.git_username.clone().or(c.email.clone()).unwrap_or_default();
        println!(
            "{:<20} {:<28} {:<24} {:<18} {:<16} {}",
            c.name,
            c.git_host(),
            c.method.id(),
            user,
            status_id(c.status),
            Expiry::of(c, today).describe()
        );
    }
    for c in &connections {
        if let Some(line) = expiry_notice(c, today) {
            println!("{line}");
        }
    }
    Ok(0)
}

/// The status as the connections file and `--json` spell it, so the columns match what scripts
/// read.
fn status_id(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A line about a connection that expires within 30 days or has expired, with what to do.
fn expiry_notice(c: &Connection, today: Date) -> Option<String> {
    let expiry = Expiry::of(c, today);
    match expiry {
        Expiry::Soon { .. } => Some(format!(
            "warning: \"{}\" {}: create a new token and run `repoconn rotate {}`.",
            c.name,
            expiry.describe(),
            quote(&c.name)
        )),
        Expiry::Expired { .. } => Some(format!(
            "warning: \"{}\" has {}: create a new token (`repoconn link` shows where) and run `repoconn rotate {}`.",
            c.name,
            expiry.describe(),
            quote(&c.name)
        )),
        _ => None,
    }
}
