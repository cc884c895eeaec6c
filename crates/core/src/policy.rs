//! Managed deployments: an administrator's policy file that pre-defines connection templates,
//! restricts the ways to connect, caps token lifetimes, and sets a CA file and a proxy. The app,
//! the CLI and git's helper all read it through here, so all three obey the same rules.
//!
//! The file is optional. A broken one never stops the app: it is reported (what is wrong, and
//! where in the file) and the built-in defaults apply.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::domain::method::{Method, ProviderKind};
use crate::domain::scopes::Profile;

/// Points at another policy file (tests, or a per-user trial of a policy).
pub const POLICY_ENV: &str = "REPOCONN_POLICY_FILE";

/// The administrator's policy. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Type)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "Repository Connections policy",
    description = "Settings an administrator imposes on every user of this computer."
)]
pub struct Policy {
    /// Connections offered ready-made in the dialog: provider, server and profile fixed.
    #[serde(default)]
    pub templates: Vec<Template>,
    /// When present, only these ways to connect may be used (e.g. leave out "basic" to forbid
    /// usernames and passwords).
    #[serde(default)]
    pub allowed_methods: Option<Vec<Method>>,
    /// The longest a token may live, in days: expiry dates further out are refused.
    #[serde(default)]
    #[schemars(range(min = 1, max = 3650))]
    pub max_token_lifetime_days: Option<u32>,
    /// A PEM file with the company's root certificate(s), trusted for every connection.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// The HTTP(S) proxy for every request, e.g. "http://proxy.example.com:3128".
    #[serde(default)]
    pub proxy: Option<String>,
}

/// A pre-defined connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Type)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// What the dialog calls it, e.g. "Example Corp Bitbucket".
    pub name: String,
    pub provider: ProviderKind,
    /// The Data Center base URL (with its context path); leave out for Bitbucket Cloud.
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub profile: Option<Profile>,
    /// The way to connect this template uses, if fixed.
    #[serde(default)]
    pub method: Option<Method>,
}

/// Why the policy file could not be used, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct PolicyError {
    pub path: String,
    /// What is wrong, with the line and column or the setting it is about.
    pub message: String,
}

/// The policy in force and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct PolicyState {
    pub policy: Policy,
    /// The file it was read from, when there is one.
    pub path: Option<String>,
    /// Set when the file exists but cannot be used; the built-in defaults apply then.
    pub error: Option<PolicyError>,
}

/// Where administrators put the policy file on this OS.
pub fn system_path() -> PathBuf {
    if cfg!(target_os = "windows") {
        let base = std::env::var_os("ProgramData")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(r"C:\ProgramData"));
        base.join("repoconn").join("policy.json")
    } else if cfg!(target_os = "macos") {
        PathBuf::from("/Library/Application Support/repoconn/policy.json")
    } else {
        PathBuf::from("/etc/repoconn/policy.json")
    }
}

impl PolicyState {
    /// Reads the policy from `REPOCONN_POLICY_FILE` or the system location.
    pub fn load() -> Self {
        let path = std::env::var_os(POLICY_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(system_path);
        Self::load_from(&path)
    }

    pub fn load_from(path: &Path) -> Self {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Self::default(),
            Err(err) => return Self::broken(&shown, format!("it cannot be read: {err}")),
        };
        let policy: Policy = match serde_json::from_str(&text) {
            Ok(policy) => policy,
            Err(err) => {
                return Self::broken(
                    &shown,
                    format!("line {}, column {}: {}", err.line(), err.column(), describe(&err)),
                );
            }
        };
        if let Err(message) = validate(&policy) {
            return Self::broken(&shown, message);
        }
        Self {
            policy,
            path: Some(shown),
            error: None,
        }
    }

    fn broken(path: &str, message: String) -> Self {
        Self {
            policy: Policy::default(),
            path: Some(path.to_owned()),
            error: Some(PolicyError {
                path: path.to_owned(),
                message,
            }),
        }
    }

    /// Whether the policy lets people connect this way.
    pub fn allows(&self, method: Method) -> bool {
        self.policy
            .allowed_methods
            .as_ref()
            .is_none_or(|allowed| allowed.contains(&method))
    }

    /// The sentence shown beside a way to connect the policy forbids.
    pub fn forbidden_reason(&self, method: Method) -> Option<String> {
        (!self.allows(method)).then(|| {
            format!(
                "Not allowed by your organisation's policy ({}).",
                self.path.as_deref().unwrap_or("the policy file")
            )
        })
    }
}

fn describe(err: &serde_json::Error) -> String {
    // serde's message already names the field ("unknown field `x`, expected one of ...").
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// Checks what JSON types cannot: every value in range, every template complete.
fn validate(policy: &Policy) -> Result<(), String> {
    if let Some(days) = policy.max_token_lifetime_days
        && !(1..=3650).contains(&days)
    {
        return Err(format!(
            "max_token_lifetime_days: {days} is not between 1 and 3650"
        ));
    }
    if policy.allowed_methods.as_ref().is_some_and(Vec::is_empty) {
        return Err("allowed_methods: the list is empty, so nobody could connect at all".into());
    }
    if let Some(proxy) = &policy.proxy
        && url::Url::parse(proxy)
            .map(|u| !matches!(u.scheme(), "http" | "https" | "socks5"))
            .unwrap_or(true)
    {
        return Err(format!(
            "proxy: \"{proxy}\" is not an http://, https:// or socks5:// address"
        ));
    }
    for (index, template) in policy.templates.iter().enumerate() {
        let at = format!("templates[{index}] (\"{}\")", template.name);
        match (template.provider, &template.base_url) {
            (ProviderKind::DataCenter, None) => {
                return Err(format!("{at}: a Data Center template needs base_url"));
            }
            (ProviderKind::DataCenter, Some(url)) if crate::domain::sniff::server_address(url).is_err() => {
                return Err(format!("{at}: base_url \"{url}\" is not a web address"));
            }
            (ProviderKind::Cloud, Some(_)) => {
                return Err(format!("{at}: Bitbucket Cloud templates take no base_url"));
            }
            _ => {}
        }
        if let Some(method) = template.method
            && method.provider() != template.provider
        {
            return Err(format!(
                "{at}: method \"{method}\" is not a way to connect to this provider"
            ));
        }
    }
    Ok(())
}

/// The JSON Schema of the policy file, as published in docs/policy.schema.json.
pub fn json_schema() -> String {
    serde_json::to_string_pretty(&schemars::schema_for!(Policy)).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> PolicyState {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(&path, text).unwrap();
        PolicyState::load_from(&path)
    }

    #[test]
    fn no_file_means_no_restrictions() {
        let state = PolicyState::load_from(Path::new("/nonexistent/policy.json"));
        assert_eq!(state, PolicyState::default());
        assert!(state.allows(Method::Basic));
    }

    #[test]
    fn a_valid_policy_restricts_methods() {
        let state = load(
            r#"{"allowed_methods": ["personal-token", "api-token"], "max_token_lifetime_days": 90,
                "templates": [{"name": "Corp", "provider": "data-center", "base_url": "https://git.example.com/bitbucket"}]}"#,
        );
        assert!(state.error.is_none(), "{:?}", state.error);
        assert!(state.allows(Method::PersonalToken));
        assert!(!state.allows(Method::Basic));
        assert!(
            state
                .forbidden_reason(Method::Basic)
                .unwrap()
                .contains("policy.json")
        );
    }

    #[test]
    fn a_broken_file_names_the_problem_and_its_place_and_applies_defaults() {
        let state = load("{\n  \"allowed_methods\": [\"basic\",]\n}");
        let error = state.error.unwrap();
        assert!(error.message.starts_with("line 2, column"), "{}", error.message);
        assert_eq!(state.policy, Policy::default());

        let state = load(r#"{"allowed_method": ["basic"]}"#);
        assert!(
            state
                .error
                .unwrap()
                .message
                .contains("unknown field `allowed_method`")
        );

        let state = load(r#"{"allowed_methods": ["password"]}"#);
        assert!(
            state
                .error
                .unwrap()
                .message
                .contains("unknown variant `password`")
        );

        let state = load(r#"{"templates": [{"name": "Corp", "provider": "data-center"}]}"#);
        assert_eq!(
            state.error.unwrap().message,
            "templates[0] (\"Corp\"): a Data Center template needs base_url"
        );

        let state = load(r#"{"max_token_lifetime_days": 0}"#);
        assert!(
            state
                .error
                .unwrap()
                .message
                .starts_with("max_token_lifetime_days")
        );
    }
}
