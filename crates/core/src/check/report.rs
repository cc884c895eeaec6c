//! The result of a check: who the credential is, what it may do, and every problem and warning.
//! Its JSON form is the CLI's stable `--json` contract and what the dialog renders.

use serde::Serialize;
use specta::Type;

use crate::domain::catalogue::{Fault, Notice, Problem, ProblemCode, Severity, Warning, WarningCode};
use crate::domain::method::{Method, ProviderKind};
use crate::domain::sniff::printable;

/// The verdict, from which the CLI's exit code follows (0, 1, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Works for everything the profile needs (write scopes may be unverified: see warnings).
    Usable,
    /// Proven not to work, or not for what is needed.
    NotUsable,
    /// Could not find out: the server was unreachable, slow, rate limiting or failing.
    Unverified,
}

/// Who the credential acts as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct Identity {
    pub kind: IdentityKind,
    /// Bitbucket username (Cloud) or user name / slug (Data Center).
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// Cloud's stable account id, or Data Center's numeric user id.
    pub account_id: Option<String>,
    pub uuid: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    /// A person's account.
    #[default]
    Person,
    /// A Cloud access token, which acts as itself.
    AccessToken,
    /// A Data Center project or repository token's system-generated user.
    SystemUser,
}

/// A Data Center server, as `application-properties` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ServerInfo {
    pub version: String,
    pub build_number: Option<String>,
    pub display_name: Option<String>,
}

/// Needed scopes (Cloud) or permission levels (Data Center) against what was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct ScopeReport {
    pub required: Vec<String>,
    /// Everything the credential holds, when the server told us (`null` when it did not).
    pub granted: Option<Vec<String>>,
    /// Proven by a successful read.
    pub verified: Vec<String>,
    pub missing: Vec<String>,
    /// Neither proven nor disproven (write scopes, without side effects).
    pub unverified: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct ValidationReport {
    pub ok: bool,
    pub outcome: Outcome,
    pub provider: ProviderKind,
    pub method: Method,
    /// The API root that was checked (Cloud) or the normalised server base URL (Data Center).
    pub base_url: String,
    pub identity: Option<Identity>,
    /// The username git must use with this credential (never the email).
    pub git_username: Option<String>,
    pub server: Option<ServerInfo>,
    pub scopes: ScopeReport,
    /// Data Center: the highest permission level found. Cloud: the workspace role, if read.
    pub permission: Option<String>,
    pub expires_at: Option<String>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl ValidationReport {
    /// The CLI's exit code: 0 usable, 1 not usable, 3 could not verify.
    pub fn exit_code(&self) -> u8 {
        match self.outcome {
            Outcome::Usable => 0,
            Outcome::NotUsable => 1,
            Outcome::Unverified => 3,
        }
    }

    /// Whether this report proves the credential unusable, so that a saved connection may be
    /// marked invalid: not usable, with at least one problem that judges the credential (see
    /// [`ProblemCode::judges_the_credential`]). A login page, a redirect elsewhere or a server
    /// that does not answer like Bitbucket (a captive portal, a proxy asking to log in) proves
    /// nothing about it, nor does the administrator's policy.
    pub fn proves_unusable(&self) -> bool {
        self.outcome == Outcome::NotUsable
            && self
                .problems
                .iter()
                .any(|p| p.code.severity() == Severity::Unusable && p.code.judges_the_credential())
    }

    pub fn has_problem(&self, code: ProblemCode) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }

    pub fn has_warning(&self, code: WarningCode) -> bool {
        self.warnings.iter().any(|w| w.code == code)
    }
}

/// What the probes found, collected while they run, turned into a report at the end.
#[derive(Debug)]
pub struct Findings {
    pub method: Method,
    pub identity: Option<Identity>,
    pub git_username: Option<String>,
    pub server: Option<ServerInfo>,
    pub scopes: ScopeReport,
    pub permission: Option<String>,
    pub expires_at: Option<String>,
    pub problems: Vec<Problem>,
    pub warnings: Vec<Warning>,
}

impl Findings {
    /// Makes every text a server could have sent printable (see `into_report`).
    pub fn make_printable(&mut self) {
        let clean = |text: &mut String| *text = printable(text);
        let clean_opt = |text: &mut Option<String>| {
            if let Some(text) = text {
                *text = printable(text);
            }
        };
        if let Some(identity) = self.identity.as_mut() {
            clean_opt(&mut identity.username);
            clean_opt(&mut identity.display_name);
            clean_opt(&mut identity.email);
            clean_opt(&mut identity.account_id);
            clean_opt(&mut identity.uuid);
        }
        clean_opt(&mut self.git_username);
        if let Some(server) = self.server.as_mut() {
            clean(&mut server.version);
            clean_opt(&mut server.build_number);
            clean_opt(&mut server.display_name);
        }
        clean_opt(&mut self.permission);
        clean_opt(&mut self.expires_at);
        for problem in &mut self.problems {
            clean(&mut problem.message);
            clean(&mut problem.fix);
        }
        for warning in &mut self.warnings {
            clean(&mut warning.message);
        }
        for list in [
            &mut self.scopes.required,
            &mut self.scopes.verified,
            &mut self.scopes.missing,
            &mut self.scopes.unverified,
        ] {
            list.iter_mut().for_each(clean);
        }
        if let Some(granted) = self.scopes.granted.as_mut() {
            granted.iter_mut().for_each(clean);
        }
    }

    pub fn new(method: Method) -> Self {
        Self {
            method,
            identity: None,
            git_username: None,
            server: None,
            scopes: ScopeReport::default(),
            permission: None,
            expires_at: None,
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Adds a problem from the catalogue, once per code.
    pub fn problem(&mut self, fault: Fault) {
        if !self.has(fault.code()) {
            self.problems.push(Problem::from(fault));
        }
    }

    /// Replaces the problem of the same code with this fuller statement of it (a "did you mean"
    /// learnt later), or adds it.
    pub fn restate(&mut self, fault: Fault) {
        let problem = Problem::from(fault);
        match self.problems.iter_mut().find(|p| p.code == problem.code) {
            Some(existing) => *existing = problem,
            None => self.problems.push(problem),
        }
    }

    /// Adds a warning from the catalogue, once per code.
    pub fn warning(&mut self, notice: Notice) {
        if !self.warnings.iter().any(|w| w.code == notice.code()) {
            self.warnings.push(Warning::from(notice));
        }
    }

    pub fn drop_warning(&mut self, code: WarningCode) {
        self.warnings.retain(|w| w.code != code);
    }

    pub fn has(&self, code: ProblemCode) -> bool {
        self.problems.iter().any(|p| p.code == code)
    }

    /// The report. Every text a server could have sent (names, headers, error bodies quoted in
    /// messages) is made printable here, once, so no terminal escape reaches a terminal or page.
    pub fn into_report(mut self, base_url: String) -> ValidationReport {
        self.make_printable();
        let outcome = if self
            .problems
            .iter()
            .any(|p| p.code.severity() == Severity::Unusable)
        {
            Outcome::NotUsable
        } else if self.problems.is_empty() {
            Outcome::Usable
        } else {
            Outcome::Unverified
        };
        ValidationReport {
            ok: outcome == Outcome::Usable,
            outcome,
            provider: self.method.provider(),
            method: self.method,
            base_url,
            identity: self.identity,
            git_username: self.git_username,
            server: self.server,
            scopes: self.scopes,
            permission: self.permission,
            expires_at: self.expires_at,
            problems: self.problems,
            warnings: self.warnings,
        }
    }
}
