//! `repoconn add | list | test | rotate | remove | doctor`: saved connections from the terminal.

use std::process::ExitCode;

use clap::Args;
use repoconn_core::manage::{self, Expiry, Saved};
use repoconn_core::problems::StorageError;
use repoconn_core::registry::{Connection, Registry};
use repoconn_core::validate::CheckEnv;
use serde_json::json;

use crate::check::{self, CheckOptions, Target};

/// Exit code when the keychain or the connections file refused an operation.
pub const STORAGE_ERROR: u8 = 4;

#[derive(Args)]
pub struct AddArgs {
    /// A name for the connection (letters, digits, spaces, . _ -).
    pub name: String,
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub options: CheckOptions,
    /// When the token expires (YYYY-MM-DD). Default for Cloud API tokens: a year from today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
}

#[derive(Args)]
pub struct NameArgs {
    pub name: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct RotateArgs {
    pub name: String,
    /// When the new token expires (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub expires: Option<String>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct DoctorArgs {
    /// Delete keychain items that belong to no connection (left by an interrupted change).
    #[arg(long)]
    pub repair: bool,
    #[arg(long)]
    pub json: bool,
}

fn storage_failure(err: StorageError) -> ExitCode {
    let code = serde_json::to_value(err.code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    eprintln!("repoconn: [{code}] {}\n  fix: {}", err.message, err.fix);
    ExitCode::from(STORAGE_ERROR)
}

fn open_registry() -> Result<Registry, ExitCode> {
    Registry::open_default().map_err(storage_failure)
}

fn expires(text: Option<&str>) -> Result<Option<time::Date>, ExitCode> {
    text.map(manage::parse_date)
        .transpose()
        .map_err(|err| check::usage(&format!("--expires: {}", err.message)))
}

/// Prints the check and, when saved, the connection; the exit code follows the check.
fn finish(saved: Saved, json: bool, verb: &str) -> ExitCode {
    if json {
        let out = json!({"report": saved.report, "connection": saved.connection});
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        check::print_report(&saved.report, false);
        match &saved.connection {
            Some(c) => println!(
                "{verb} \"{}\" ({}).",
                c.name,
                Expiry::of(c, manage::today()).describe()
            ),
            None => println!("Nothing was saved."),
        }
    }
    ExitCode::from(saved.report.exit_code())
}

pub fn add(args: AddArgs) -> ExitCode {
    let expires_on = match expires(args.expires.as_deref()) {
        Ok(date) => date,
        Err(code) => return code,
    };
    let json = args.options.json;
    let (request, env) = match check::prepare(args.target, &args.options) {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let registry = match open_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let runtime = match check::runtime() {
        Ok(runtime) => runtime,
        Err(code) => return code,
    };
    match runtime.block_on(manage::add(&registry, &args.name, request, expires_on, &env)) {
        Ok(saved) => finish(saved, json, "Saved"),
        Err(err) => storage_failure(err),
    }
}

pub fn list(json: bool) -> ExitCode {
    let registry = match open_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let connections = match registry.list() {
        Ok(list) => list,
        Err(err) => return storage_failure(err),
    };
    let today = manage::today();
    if json {
        let rows: Vec<_> = connections
            .iter()
            .map(|c| json!({"connection": c, "expiry": Expiry::of(c, today)}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
        return ExitCode::SUCCESS;
    }
    if connections.is_empty() {
        println!(
            "No saved connections. Add one with `repoconn add NAME --cloud --method api-token --email ...`."
        );
        return ExitCode::SUCCESS;
    }
    println!(
        "{:<20} {:<28} {:<24} {:<18} {:<16} EXPIRY",
        "NAME", "SERVER", "METHOD", "USER", "STATUS"
    );
    for c in &connections {
        let user = c.git_username.clone().or(c.email.clone()).unwrap_or_default();
        let status = serde_json::to_value(c.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        println!(
            "{:<20} {:<28} {:<24} {:<18} {:<16} {}",
            c.name,
            c.git_host(),
            c.method.id(),
            user,
            status,
            Expiry::of(c, today).describe()
        );
    }
    for c in &connections {
        if let Some(line) = expiry_notice(c, today) {
            println!("{line}");
        }
    }
    ExitCode::SUCCESS
}

/// A line about a connection that expires within 30 days or has expired, with what to do.
fn expiry_notice(c: &Connection, today: time::Date) -> Option<String> {
    match Expiry::of(c, today) {
        Expiry::Soon { .. } => Some(format!(
            "warning: \"{}\" {}: create a new token and run `repoconn rotate {}`.",
            c.name,
            Expiry::of(c, today).describe(),
            quote(&c.name)
        )),
        Expiry::Expired { .. } => Some(format!(
            "warning: \"{}\" has {}: create a new token (`repoconn link` shows where) and run `repoconn rotate {}`.",
            c.name,
            Expiry::of(c, today).describe(),
            quote(&c.name)
        )),
        _ => None,
    }
}

fn quote(name: &str) -> String {
    if name.contains(' ') {
        format!("\"{name}\"")
    } else {
        name.to_owned()
    }
}

pub fn test(args: NameArgs) -> ExitCode {
    let (registry, env, runtime) = match setup() {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    match runtime.block_on(manage::test(&registry, &args.name, &env)) {
        Ok(saved) => finish(saved, args.json, "Updated"),
        Err(err) => storage_failure(err),
    }
}

pub fn rotate(args: RotateArgs) -> ExitCode {
    let expires_on = match expires(args.expires.as_deref()) {
        Ok(date) => date,
        Err(code) => return code,
    };
    let (registry, env, runtime) = match setup() {
        Ok(ready) => ready,
        Err(code) => return code,
    };
    let method = match registry.get(&args.name) {
        Ok(c) => c.method,
        Err(err) => return storage_failure(err),
    };
    let secret = match check::read_secret(method) {
        Ok(secret) => secret,
        Err(message) => return check::usage(&message),
    };
    match runtime.block_on(manage::rotate(&registry, &args.name, secret, expires_on, &env)) {
        Ok(saved) => finish(saved, args.json, "Rotated"),
        Err(err) => storage_failure(err),
    }
}

fn setup() -> Result<(Registry, CheckEnv, tokio::runtime::Runtime), ExitCode> {
    let registry = open_registry()?;
    let env = check::environment()?;
    Ok((registry, env, check::runtime()?))
}

pub fn remove(args: NameArgs) -> ExitCode {
    let registry = match open_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    match registry.remove(&args.name) {
        Ok((removed, true)) => {
            println!("Removed \"{}\" and its secret.", removed.name);
            ExitCode::SUCCESS
        }
        Ok((removed, false)) => {
            println!(
                "Removed \"{}\"; its secret could not be deleted from the keychain: run `repoconn doctor`.",
                removed.name
            );
            ExitCode::SUCCESS
        }
        Err(err) => storage_failure(err),
    }
}

pub fn doctor(args: DoctorArgs) -> ExitCode {
    let registry = match open_registry() {
        Ok(registry) => registry,
        Err(code) => return code,
    };
    let health = match if args.repair {
        registry.repair()
    } else {
        registry.doctor()
    } {
        Ok(health) => health,
        Err(err) => return storage_failure(err),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&health).unwrap_or_default());
    } else {
        println!(
            "{} connection(s) in {}",
            health.connections,
            registry.file_path().display()
        );
        for name in &health.missing_secrets {
            println!(
                "problem: \"{name}\" has no secret in the keychain: `repoconn rotate {}` stores a new one.",
                quote(name)
            );
        }
        for account in &health.orphan_secrets {
            println!(
                "problem: keychain item {account} belongs to no connection: `repoconn doctor --repair` deletes it."
            );
        }
        if !health.keychain_listable {
            println!("note: this keychain cannot list its items, so stray secrets cannot be found.");
        }
        if health.is_consistent() {
            println!("Everything is consistent.");
        }
    }
    if health.is_consistent() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
