//! `repoconn git scan` and `repoconn git setup`: what git would use for Bitbucket, and making it
//! use only a saved connection. The rules are the core's (`git::scan`, `git::setup`); this file
//! prints them and turns them into exit statuses: 0 done, 1 nothing to do or refused (for
//! `scan`: something needs fixing), 2 usage.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use repoconn_core::domain::catalogue::StorageCode;
use repoconn_core::domain::dates::today;
use repoconn_core::git::live;
use repoconn_core::git::plain_text::Home;
use repoconn_core::git::program::{Git, Scope};
use repoconn_core::git::scan::{self, ScanReport};
use repoconn_core::git::setup;
use repoconn_core::store::registry::Registry;

use crate::context;
use crate::error::{CliError, CliResult, NOT_USABLE};
use crate::output::{self, quote, render_problems};

#[derive(Args)]
pub struct GitArgs {
    #[command(subcommand)]
    pub command: GitCommand,
}

#[derive(Subcommand)]
pub enum GitCommand {
    /// What git would send to Bitbucket, and whether it still works.
    ///
    /// For bitbucket.org, each saved Data Center server and each Bitbucket remote of --repo: the
    /// credential helpers git asks, in order, and what each holds (asked alone, never with a
    /// prompt); the netrc file (~/.netrc, or $NETRC), which git's HTTP library reads without any
    /// helper; lines left in ~/.git-credentials or $XDG_CONFIG_HOME/git/credentials that no
    /// configured `store` helper reads any more (with the command that erases them); and
    /// passwords written into remote URLs (with the `git remote set-url` that takes them out).
    /// Each credential found is then checked, read-only, with its own server only (bitbucket.org's
    /// with Bitbucket Cloud's API, a Data Center server's with that server): it works (as whom),
    /// expires soon, was rejected (and why, when the server says), or could not be checked.
    /// --offline skips that check. Secrets are never shown. Exit status 1 when something needs
    /// fixing.
    Scan(ScanArgs),
    /// Make git ask the saved connection NAME first and only it for its server (shows the
    /// `git config` commands before running them).
    Setup(SetupArgs),
}

#[derive(Args)]
pub struct ScanArgs {
    /// Also scan this repository's remotes (and its own git configuration).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Judge what git holds without sending anything to any server.
    #[arg(long)]
    pub offline: bool,
    /// Print the report as JSON (never a secret).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct SetupArgs {
    /// The saved connection git should use.
    pub name: String,
    /// In your own git configuration, for every repository (the default).
    #[arg(long, conflicts_with = "repo")]
    pub global: bool,
    /// Only in this repository's configuration.
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
    /// Then erase the old credentials the other helpers hold for that server, each helper asked
    /// alone.
    #[arg(long, conflicts_with = "undo")]
    pub forget_old: bool,
    /// Print the commands and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Remove exactly what setup added.
    #[arg(long)]
    pub undo: bool,
}

pub fn run(args: GitArgs) -> CliResult {
    match args.command {
        GitCommand::Scan(args) => run_scan(args),
        GitCommand::Setup(args) => run_setup(args),
    }
}

fn repository(dir: &Path) -> Result<Git, CliError> {
    let git = Git::new(Some(dir.to_path_buf()));
    let ran = git
        .run(&["rev-parse", "--git-dir"], "")
        .map_err(|e| CliError::failed(e.to_string()))?;
    if ran.ok {
        Ok(git)
    } else {
        Err(CliError::usage(format!(
            "--repo {}: not a git repository",
            dir.display()
        )))
    }
}

fn run_scan(args: ScanArgs) -> CliResult {
    let git = match &args.repo {
        Some(dir) => repository(dir)?,
        None => Git::default(),
    };
    // The scan works without saved connections; it only learns fewer servers.
    let saved = match Registry::open_default().and_then(|r| r.list()) {
        Ok(saved) => saved,
        Err(err) => {
            eprintln!("repoconn: warning: saved connections not read: {}", err.message);
            Vec::new()
        }
    };
    let found = scan::scan(&git, &saved, args.repo.is_some(), &Home::from_env())
        .map_err(|e| CliError::failed(e.to_string()))?;
    let report = if args.offline {
        found.offline()
    } else {
        let env = context::environment()?;
        context::runtime()?.block_on(live::check_all(found, &env, today()))
    };
    if args.json {
        output::print_json(serde_json::to_string_pretty(&report))?;
    } else {
        print!("{}", render_scan(&report));
    }
    Ok(if report.has_problems() { NOT_USABLE } else { 0 })
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

fn render_scan(report: &ScanReport) -> String {
    let mut out = String::new();
    if !report.checked_live {
        out.push_str("Offline: nothing was sent to any server; what each credential is was judged from what git holds.\n");
    }
    for host in &report.hosts {
        out.push_str(&format!("{} ({})\n", host.host, host.url));
        if host.helpers.is_empty() {
            out.push_str("  git asks no credential helper for it.\n");
        } else {
            out.push_str(&format!(
                "  git asks these helpers, in order: {}\n",
                host.helpers.join(", ")
            ));
        }
        for held in &host.credentials {
            let user = held.username.as_deref().unwrap_or("no username");
            let verdict = if held.ok { "" } else { " that does not work" };
            out.push_str(&format!(
                "  {} holds a credential for {user}{verdict}.\n",
                held.helper
            ));
            if let Some(live) = &held.live {
                let said = live.describe();
                out.push_str(&format!("    Its server: {}.\n", said.trim_end_matches('.')));
            }
            out.push_str(&indent(&render_problems(&held.problems, &held.warnings), "    "));
        }
        for remote in &host.remotes {
            out.push_str(&format!("  remote {}: {}\n", remote.name, remote.url));
            out.push_str(&indent(
                &render_problems(&remote.problems, &remote.warnings),
                "    ",
            ));
        }
    }
    out
}

fn run_setup(args: SetupArgs) -> CliResult {
    let (git, scope) = match &args.repo {
        Some(dir) => (repository(dir)?, Scope::Repository(dir.clone())),
        None => (Git::default(), Scope::Global),
    };
    let registry = Registry::open_default()?;
    let connection = registry.get(&args.name).map_err(|err| {
        if err.code == StorageCode::NotFound {
            CliError::failed(format!("{} ({})", err.message, err.fix))
        } else {
            CliError::storage(err)
        }
    })?;
    let failed = |e: repoconn_core::git::program::GitError| CliError::failed(e.to_string());
    if args.undo {
        let plan = setup::plan_undo(&git, &connection, &scope).map_err(failed)?;
        if plan.changes.is_empty() {
            println!(
                "Nothing to undo: git is not set up to use \"{}\" for {} here.",
                connection.name, plan.url
            );
            return Ok(NOT_USABLE);
        }
        show(&plan, args.dry_run);
        if !args.dry_run {
            setup::apply(&git, &plan).map_err(failed)?;
            println!(
                "Done: git no longer asks \"{}\" for {}.",
                connection.name, plan.url
            );
        }
        return Ok(0);
    }
    if let Some(reason) = setup::refusal(&connection) {
        println!("{reason}");
        return Ok(NOT_USABLE);
    }
    let plan = setup::plan_setup(&git, &connection, &scope).map_err(failed)?;
    for warning in &plan.warnings {
        eprintln!("repoconn: warning: {warning}");
    }
    let forget = args.forget_old && !plan.old_helpers.is_empty();
    if plan.changes.is_empty() && !forget {
        println!(
            "Nothing to do: git already asks only \"{}\" for {}.",
            connection.name, plan.url
        );
        return Ok(NOT_USABLE);
    }
    show(&plan, args.dry_run);
    if forget {
        println!(
            "{} erase what {} hold(s) for {}, each helper asked alone.",
            if args.dry_run { "Would then" } else { "Then" },
            plan.old_helpers.join(", "),
            plan.url
        );
    }
    if args.dry_run {
        return Ok(0);
    }
    setup::apply(&git, &plan).map_err(failed)?;
    println!(
        "Done: git asks only \"{}\" for {}. Undo with `repoconn git setup {} --undo{}`.",
        connection.name,
        plan.url,
        quote(&connection.name),
        match &args.repo {
            Some(dir) => format!(" --repo {}", dir.display()),
            None => String::new(),
        }
    );
    if forget {
        let forgotten = setup::forget_old(&git, &plan).map_err(failed)?;
        if forgotten.is_empty() {
            println!("The other helpers held nothing for {}.", plan.url);
        }
        for f in forgotten {
            println!(
                "Erased the credential {} held for {}.",
                f.helper,
                f.username.as_deref().unwrap_or("no username")
            );
        }
    }
    Ok(0)
}

fn show(plan: &setup::Plan, dry_run: bool) {
    println!(
        "{}",
        if dry_run {
            "Would run (nothing is changed):"
        } else {
            "Running:"
        }
    );
    for change in &plan.changes {
        println!("  {}", change.display());
    }
}
