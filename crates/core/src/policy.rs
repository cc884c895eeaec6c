//! Managed deployments: an administrator's policy file that pre-defines connection templates,
//! restricts the ways to connect, caps token lifetimes, and sets a CA file and a proxy. The app,
//! the CLI and git's helper all read it through here, so all three obey the same rules.
//!
//! The file is optional. What Windows editors write is accepted (a byte-order mark, UTF-16,
//! CRLF line ends). It is read setting by setting, so one bad setting leaves the others in force,
//! and a file that cannot be read never widens what is allowed: a restriction that cannot be read
//! applies at its strictest for checks and saves (no way to connect allowed, no save, no request
//! without the proxy, no check of a template's server), and a file that is not JSON at all, or
//! larger than [`MAX_POLICY_BYTES`], cannot be read in any setting. Git's helper keeps serving
//! what was saved before: it filters by the allowed ways to connect only when that setting was
//! read. Every problem is reported with what is wrong and where (line and column, or the setting).

use std::io::Read;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use specta::Type;
use url::Url;

pub use crate::domain::catalogue::PolicySetting as Setting;
use crate::domain::catalogue::{Fault, Problem, StorageError, StorageFault};
use crate::domain::method::{Method, ProviderKind};
use crate::domain::scopes::Profile;

/// Points at another policy file (tests, or a per-user trial of a policy).
pub const POLICY_ENV: &str = "REPOCONN_POLICY_FILE";

/// A policy file larger than this is damaged (nobody writes a megabyte of settings by hand).
pub const MAX_POLICY_BYTES: usize = 1024 * 1024;

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
    /// The OAuth consumers people sign in with ("Sign in with Bitbucket"), so that nobody has
    /// to copy a key and secret. Bitbucket Cloud needs the consumer's secret too.
    #[serde(default)]
    pub oauth_clients: Vec<OauthClient>,
    /// Whether the app looks for new versions of itself. Leave out to let each person decide.
    #[serde(default)]
    pub updates: Option<Updates>,
}

/// How the app looks for new versions on this computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Type)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    pub check: UpdateCheck,
}

/// "off": never (managed machines, updated by their administrators); "manual": only when the
/// person presses Check for updates; "automatic": also once a day by itself. Installing is
/// always the person's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Type)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateCheck {
    Off,
    Manual,
    Automatic,
}

/// An OAuth consumer (Bitbucket Cloud) or incoming application link (Data Center).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema, Type)]
#[serde(deny_unknown_fields)]
pub struct OauthClient {
    pub provider: ProviderKind,
    /// The Data Center base URL the link belongs to; leave out for Bitbucket Cloud.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The consumer's key (Cloud) or the link's client ID (Data Center).
    pub client_id: String,
    /// The consumer's secret. Never sent to the app's window.
    #[serde(default, skip_serializing)]
    #[specta(skip)]
    pub client_secret: Option<String>,
    /// Data Center: the redirect URL the link is registered with, when not
    /// "http://127.0.0.1:47613/repoconn/callback" (an http address on 127.0.0.1 with a port).
    #[serde(default)]
    pub redirect_uri: Option<String>,
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

/// A setting the file holds but that cannot be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Unreadable {
    pub setting: Setting,
    /// What is wrong, with the line and column or the setting it is about.
    pub problem: String,
}

/// The policy in force and where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Type)]
pub struct PolicyState {
    /// The settings that could be read. A restriction that cannot be read holds its strictest
    /// value here where it has one (`allowed_methods`: only the ways that could be read, or none).
    pub policy: Policy,
    /// The file it was read from, when there is one.
    pub path: Option<String>,
    /// Set when the file exists but cannot be used as written: every problem, with its place.
    pub error: Option<PolicyError>,
    /// The settings that cannot be read (all of them when the file itself cannot be read).
    pub unreadable: Vec<Unreadable>,
    /// The servers of templates that cannot be read in full, with why: checks against them are
    /// refused.
    #[serde(skip)]
    damaged_templates: Vec<(Target, String)>,
}

/// The server a template is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Cloud,
    /// A Data Center base URL, normalised.
    Server(String),
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

/// The policy file in use: `REPOCONN_POLICY_FILE` when set, else the system location.
pub fn file_path() -> PathBuf {
    std::env::var_os(POLICY_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(system_path)
}

/// The policy file as written, as JSON, read as [`PolicyState::load_from`] reads it (any
/// editor's encoding, at most [`MAX_POLICY_BYTES`]): `Ok(None)` when there is no file, `Err`
/// with why when it is not JSON. It may hold secrets (`client_secret`): callers remove them.
pub fn read_document(path: &Path) -> Result<Option<Value>, String> {
    let Some(bytes) = read_bounded(path)? else {
        return Ok(None);
    };
    let text = decode(&bytes)?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|err| located(&err, None))
}

impl PolicyState {
    /// Reads the policy from `REPOCONN_POLICY_FILE` or the system location.
    pub fn load() -> Self {
        Self::load_from(&file_path())
    }

    pub fn load_from(path: &Path) -> Self {
        let shown = path.display().to_string();
        let bytes = match read_bounded(path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Self::default(),
            Err(problem) => return Self::unusable(&shown, problem),
        };
        let text = match decode(&bytes) {
            Ok(text) => text,
            Err(problem) => return Self::unusable(&shown, problem),
        };
        let value: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(err) => return Self::unusable(&shown, located(&err, None)),
        };
        let Value::Object(object) = value else {
            return Self::unusable(
                &shown,
                format!("it holds {} where an object of settings belongs", kind(&value)),
            );
        };
        let mut reader = Reader {
            text: &text,
            object: &object,
            policy: Policy::default(),
            problems: Vec::new(),
            unreadable: Vec::new(),
            damaged_templates: Vec::new(),
        };
        reader.read_all();
        let Reader {
            policy,
            mut problems,
            unreadable,
            damaged_templates,
            ..
        } = reader;
        // In the order of the file; problems without a place (a whole setting) last.
        problems.sort_by_key(|problem| place_of(problem));
        Self {
            policy,
            error: (!problems.is_empty()).then(|| PolicyError {
                path: shown.clone(),
                message: problems.join("; "),
            }),
            path: Some(shown),
            unreadable,
            damaged_templates,
        }
    }

    /// A file that cannot be read at all: every setting is unreadable, so every restriction
    /// applies at its strictest.
    fn unusable(path: &str, message: String) -> Self {
        Self {
            policy: Policy {
                allowed_methods: Some(Vec::new()),
                ..Policy::default()
            },
            path: Some(path.to_owned()),
            error: Some(PolicyError {
                path: path.to_owned(),
                message: message.clone(),
            }),
            unreadable: Setting::ALL
                .into_iter()
                .map(|setting| Unreadable {
                    setting,
                    problem: message.clone(),
                })
                .collect(),
            damaged_templates: Vec::new(),
        }
    }

    /// Why `setting` cannot be read, when it cannot.
    pub fn unreadable(&self, setting: Setting) -> Option<&str> {
        self.unreadable
            .iter()
            .find(|u| u.setting == setting)
            .map(|u| u.problem.as_str())
    }

    fn damage(&self, setting: Setting) -> Option<Fault> {
        self.unreadable(setting).map(|detail| Fault::PolicyUnreadable {
            path: self.path.clone().unwrap_or_default(),
            setting,
            detail: detail.to_owned(),
        })
    }

    /// Whether the policy lets checks and saves use this way to connect. Where the list of
    /// allowed ways cannot be read, only those of its entries that can be read are allowed.
    pub fn allows(&self, method: Method) -> bool {
        match &self.policy.allowed_methods {
            Some(allowed) => allowed.contains(&method),
            None => self.unreadable(Setting::AllowedMethods).is_none(),
        }
    }

    /// Whether git's helper may hand out a saved connection made this way: what was saved before
    /// keeps working while the list of allowed ways cannot be read.
    pub fn git_allows(&self, method: Method) -> bool {
        self.unreadable(Setting::AllowedMethods).is_some() || self.allows(method)
    }

    /// Why the policy refuses any check made this way, before anything is sent: the way is not
    /// allowed, the list of allowed ways cannot be read, or the proxy every request must use
    /// cannot be read.
    pub fn refusal(&self, method: Method) -> Option<Fault> {
        if let Some(fault) = self.proxy_refusal() {
            return Some(fault);
        }
        if self.allows(method) {
            return None;
        }
        self.damage(Setting::AllowedMethods).or_else(|| {
            Some(Fault::ForbiddenByPolicy {
                chosen: method,
                reason: format!(
                    "Not allowed by your organisation's policy ({}).",
                    self.path.as_deref().unwrap_or("the policy file")
                ),
            })
        })
    }

    /// Why nothing may be sent to any server: the policy sets a proxy that cannot be read, and
    /// no request goes around it.
    pub fn proxy_refusal(&self) -> Option<Fault> {
        self.damage(Setting::Proxy)
    }

    /// The sentence shown beside a way to connect the policy refuses.
    pub fn forbidden_reason(&self, method: Method) -> Option<String> {
        self.refusal(method).map(|fault| match fault {
            Fault::ForbiddenByPolicy { reason, .. } => reason,
            other => Problem::from(other).message,
        })
    }

    /// Why the policy refuses a check of `server` (the normalised base URL the check would use)
    /// made this way for this profile: a template for that server fixes another way or profile,
    /// or a template that may be about it cannot be read.
    pub fn template_refusal(&self, method: Method, profile: Profile, server: &Url) -> Option<Fault> {
        let provider = method.provider();
        let about = |target: &Target| match target {
            Target::Cloud => provider == ProviderKind::Cloud,
            Target::Server(base) => provider == ProviderKind::DataCenter && same_server(base, server),
        };
        if let Some((_, detail)) = self.damaged_templates.iter().find(|(target, _)| about(target)) {
            return Some(Fault::PolicyUnreadable {
                path: self.path.clone().unwrap_or_default(),
                setting: Setting::Templates,
                detail: detail.clone(),
            });
        }
        if let Some(fault) = self.damage(Setting::Templates) {
            return Some(fault);
        }
        let matching: Vec<&Template> = self
            .policy
            .templates
            .iter()
            .filter(|t| target_of(t).is_some_and(|target| about(&target)))
            .collect();
        let fits =
            |t: &&Template| t.method.is_none_or(|m| m == method) && t.profile.is_none_or(|p| p == profile);
        if matching.is_empty() || matching.iter().any(fits) {
            return None;
        }
        let template = matching[0];
        Some(Fault::TemplateMismatch {
            template: template.name.clone(),
            method: template.method,
            profile: template.profile,
        })
    }

    /// The Bitbucket Cloud consumer the policy gives, if any.
    pub fn cloud_oauth_client(&self) -> Option<&OauthClient> {
        self.policy
            .oauth_clients
            .iter()
            .find(|c| c.provider == ProviderKind::Cloud)
    }

    /// The Data Center application link the policy gives for the server at `base`, if any.
    pub fn data_center_oauth_client(&self, base: &url::Url) -> Option<&OauthClient> {
        let wanted = base.as_str().trim_end_matches('/');
        self.policy.oauth_clients.iter().find(|c| {
            c.provider == ProviderKind::DataCenter
                && c.base_url
                    .as_deref()
                    .and_then(|b| crate::domain::sniff::server_address(b).ok())
                    .is_some_and(|a| a.base.as_str().trim_end_matches('/') == wanted)
        })
    }

    /// What the policy decides about looking for new versions: `None` leaves it to the person.
    /// A setting that cannot be read counts as "off" (nothing is fetched or installed then).
    pub fn update_check(&self) -> Option<UpdateCheck> {
        if self.unreadable(Setting::Updates).is_some() {
            return Some(UpdateCheck::Off);
        }
        self.policy.updates.map(|updates| updates.check)
    }

    /// The longest a token may live, in days, for saves; an error when that setting cannot be
    /// read (nothing may be saved then).
    pub fn max_token_lifetime_days(&self) -> Result<Option<u32>, StorageError> {
        match self.unreadable(Setting::MaxTokenLifetimeDays) {
            Some(detail) => Err(StorageFault::PolicyUnreadable {
                path: self.path.clone().unwrap_or_default(),
                setting: Setting::MaxTokenLifetimeDays,
                detail: detail.to_owned(),
            }
            .into()),
            None => Ok(self.policy.max_token_lifetime_days),
        }
    }
}

/// Reads the file, at most [`MAX_POLICY_BYTES`]; `None` when there is none.
fn read_bounded(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(format!("it cannot be read: {err}")),
    };
    let mut bytes = Vec::new();
    file.take(MAX_POLICY_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| format!("it cannot be read: {err}"))?;
    if bytes.len() > MAX_POLICY_BYTES {
        return Err(format!(
            "it is larger than {} KiB, far more than any policy needs",
            MAX_POLICY_BYTES / 1024
        ));
    }
    Ok(Some(bytes))
}

/// The text of the file: UTF-8 with or without a byte-order mark, or UTF-16 with one (what
/// Windows editors and PowerShell write).
fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |rest: &[u8], read: fn([u8; 2]) -> u16| {
        if !rest.len().is_multiple_of(2) {
            return Err("it is not valid UTF-16 text (an odd number of bytes)".to_owned());
        }
        let units: Vec<u16> = rest.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
        String::from_utf16(&units).map_err(|err| format!("it is not valid UTF-16 text: {err}"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => utf8(bytes),
    }
}

fn utf8(bytes: &[u8]) -> Result<String, String> {
    String::from_utf8(bytes.to_vec()).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(&bytes[..at]);
        let line = text.matches('\n').count() + 1;
        let column = text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        format!("line {line}, column {column}: this is not UTF-8 text (save the file as UTF-8)")
    })
}

/// Reads one setting after another from a file that is a JSON object.
struct Reader<'a> {
    text: &'a str,
    object: &'a serde_json::Map<String, Value>,
    policy: Policy,
    problems: Vec<String>,
    unreadable: Vec<Unreadable>,
    damaged_templates: Vec<(Target, String)>,
}

impl Reader<'_> {
    fn read_all(&mut self) {
        self.read_allowed_methods();
        self.read_max_token_lifetime_days();
        self.read_ca_file();
        self.read_proxy();
        self.read_templates();
        self.read_oauth_clients();
        self.read_updates();
        self.read_unknown_keys();
    }

    /// Records a problem that makes `setting` unreadable.
    fn damaged(&mut self, setting: Setting, problem: String) {
        self.problems.push(problem.clone());
        match self.unreadable.iter_mut().find(|u| u.setting == setting) {
            Some(known) => {
                known.problem.push_str("; ");
                known.problem.push_str(&problem);
            }
            None => self.unreadable.push(Unreadable { setting, problem }),
        }
    }

    /// The setting as `T`, `None` when absent; a problem (with its line and column) when it
    /// cannot be read as `T`.
    fn typed<T: DeserializeOwned>(&self, setting: Setting) -> Result<Option<T>, String> {
        read_setting::<T>(self.text, setting.key()).map_err(|err| located(&err, Some(setting)))
    }

    fn read_allowed_methods(&mut self) {
        let setting = Setting::AllowedMethods;
        match self.typed::<Option<Vec<Method>>>(setting) {
            Ok(Some(Some(methods))) if methods.is_empty() => {
                self.policy.allowed_methods = Some(methods);
                self.damaged(
                    setting,
                    "allowed_methods: the list is empty, so nobody could connect at all".to_owned(),
                );
            }
            Ok(found) => self.policy.allowed_methods = found.flatten(),
            Err(problem) => {
                // Only the entries that can be read are allowed: never more than was meant.
                let readable = self.object[setting.key()]
                    .as_array()
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|item| serde_json::from_value::<Method>(item.clone()).ok())
                            .collect()
                    })
                    .unwrap_or_default();
                self.policy.allowed_methods = Some(readable);
                self.damaged(setting, problem);
            }
        }
    }

    fn read_max_token_lifetime_days(&mut self) {
        let setting = Setting::MaxTokenLifetimeDays;
        match self.typed::<Option<u32>>(setting) {
            Ok(Some(Some(days))) if !(1..=3650).contains(&days) => self.damaged(
                setting,
                format!("max_token_lifetime_days: {days} is not between 1 and 3650"),
            ),
            Ok(found) => self.policy.max_token_lifetime_days = found.flatten(),
            Err(problem) => self.damaged(setting, problem),
        }
    }

    fn read_ca_file(&mut self) {
        match self.typed::<Option<String>>(Setting::CaFile) {
            Ok(found) => self.policy.ca_file = found.flatten(),
            // Not trusting an extra certificate is the strict side.
            Err(problem) => self.damaged(Setting::CaFile, problem),
        }
    }

    fn read_proxy(&mut self) {
        let setting = Setting::Proxy;
        match self.typed::<Option<String>>(setting) {
            Ok(Some(Some(proxy)))
                if Url::parse(&proxy)
                    .map(|u| !matches!(u.scheme(), "http" | "https" | "socks5"))
                    .unwrap_or(true) =>
            {
                // The value is not repeated: a proxy address may hold a password.
                self.damaged(
                    setting,
                    "proxy: it is not an http://, https:// or socks5:// address".to_owned(),
                );
            }
            Ok(found) => self.policy.proxy = found.flatten(),
            Err(problem) => self.damaged(setting, problem),
        }
    }

    fn read_templates(&mut self) {
        let setting = Setting::Templates;
        let items = match self.typed::<Option<Vec<Value>>>(setting) {
            Ok(found) => found.flatten().unwrap_or_default(),
            Err(problem) => return self.damaged(setting, problem),
        };
        // Where the first template that serde refuses is, for its message.
        let mut first_refusal = read_setting::<Option<Vec<Template>>>(self.text, setting.key()).err();
        for (index, item) in items.into_iter().enumerate() {
            let name = item["name"].as_str().unwrap_or("").to_owned();
            let at = format!("templates[{index}] (\"{name}\")");
            let read = serde_json::from_value::<Template>(item.clone())
                .map_err(|err| match first_refusal.take() {
                    // The same refusal, read from the text: with its line and column.
                    Some(located) if located.line() > 0 => format!(
                        "line {}, column {}: {at}: {}",
                        located.line(),
                        located.column(),
                        describe(&located)
                    ),
                    _ => format!("{at}: {err}"),
                })
                .and_then(|template| validate_template(&template, &at).map(|()| template));
            match read {
                Ok(template) => self.policy.templates.push(template),
                Err(problem) => match loose_target(&item) {
                    // Known server: only checks of that server are refused.
                    Some(target) => {
                        self.problems.push(problem.clone());
                        self.damaged_templates.push((target, problem));
                    }
                    // Which server it is about is unknown: every check is refused.
                    None => self.damaged(setting, problem),
                },
            }
        }
    }

    fn read_oauth_clients(&mut self) {
        let setting = Setting::OauthClients;
        match self.typed::<Option<Vec<OauthClient>>>(setting) {
            Ok(Some(Some(clients))) if clients.iter().any(|c| c.client_id.trim().is_empty()) => {
                self.damaged(setting, "oauth_clients: a client_id is empty".to_owned());
            }
            Ok(found) => self.policy.oauth_clients = found.flatten().unwrap_or_default(),
            // No consumer from a list that cannot be read: people give their own.
            Err(problem) => self.damaged(setting, problem),
        }
    }

    fn read_updates(&mut self) {
        match self.typed::<Option<Updates>>(Setting::Updates) {
            Ok(found) => self.policy.updates = found.flatten(),
            // PolicyState::update_check counts it as "off".
            Err(problem) => self.damaged(Setting::Updates, problem),
        }
    }

    fn read_unknown_keys(&mut self) {
        let known: Vec<&str> = Setting::ALL.iter().map(|s| s.key()).collect();
        let unknown: Vec<String> = self
            .object
            .keys()
            .filter(|key| !known.contains(&key.as_str()) && key.as_str() != "$schema")
            .cloned()
            .collect();
        for key in unknown {
            let place = position_of_key(self.text, &key);
            let problem = format!("{place}unknown setting `{key}`");
            // A misspelt setting must not lift its restriction: the setting it resembles, when
            // the file does not also have it, counts as unreadable.
            let meant: Vec<Setting> = Setting::ALL
                .into_iter()
                .filter(|s| !self.object.contains_key(s.key()) && resembles(&key, s.key()))
                .collect();
            if meant.is_empty() {
                self.problems.push(problem);
                continue;
            }
            for setting in meant {
                if setting == Setting::AllowedMethods {
                    self.policy.allowed_methods = Some(Vec::new());
                }
                self.damaged(setting, format!("{problem} (is it {}?)", setting.key()));
            }
        }
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

/// "line 2, column 31: allowed_methods: unknown variant ..." (the setting when it is known).
fn located(err: &serde_json::Error, setting: Option<Setting>) -> String {
    let about = setting.map(|s| format!("{}: ", s.key())).unwrap_or_default();
    if err.line() == 0 {
        return format!("{about}{}", describe(err));
    }
    format!(
        "line {}, column {}: {about}{}",
        err.line(),
        err.column(),
        describe(err)
    )
}

/// The line and column a problem starts with ("line 2, column 31: ..."), for sorting.
fn place_of(problem: &str) -> (usize, usize) {
    let number = |text: Option<&str>| text.and_then(|t| t.trim().parse().ok());
    let place = problem.strip_prefix("line ").and_then(|rest| {
        let (line, rest) = rest.split_once(", column ")?;
        let (column, _) = rest.split_once(':')?;
        Some((number(Some(line))?, number(Some(column))?))
    });
    place.unwrap_or((usize::MAX, usize::MAX))
}

/// A JSON value described by its kind.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Reads the top-level setting `key` of `text` (a JSON object) as `T`, passing over the others,
/// straight from the text so that an error carries its line and column. `None` when absent; a
/// setting given twice is an error (which one was meant is unknown).
fn read_setting<T: DeserializeOwned>(text: &str, key: &'static str) -> Result<Option<T>, serde_json::Error> {
    struct OneSetting<T> {
        key: &'static str,
        wanted: PhantomData<T>,
    }
    impl<'de, T: Deserialize<'de>> Visitor<'de> for OneSetting<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object of settings")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<T>, A::Error> {
            let mut found = None;
            while let Some(key) = map.next_key::<String>()? {
                if key != self.key {
                    map.next_value::<IgnoredAny>()?;
                } else if found.is_some() {
                    return Err(serde::de::Error::custom(format_args!(
                        "the setting is given twice"
                    )));
                } else {
                    found = Some(map.next_value::<T>()?);
                }
            }
            Ok(found)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let found = serde::Deserializer::deserialize_map(
        &mut de,
        OneSetting {
            key,
            wanted: PhantomData,
        },
    )?;
    de.end()?;
    Ok(found)
}

/// "line 4, column 3: " for the first place `"key"` appears, or nothing.
fn position_of_key(text: &str, key: &str) -> String {
    let quoted = serde_json::to_string(key).unwrap_or_default();
    let Some(at) = text.find(&quoted) else {
        return String::new();
    };
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}: ")
}

/// Whether an unknown key looks like a slip for `known`: nearly the same letters (case, `-`
/// and `_` aside), or a long word in common ("allowed", "lifetime", "proxy").
fn resembles(unknown: &str, known: &str) -> bool {
    let words = |key: &str| -> Vec<String> {
        let mut snake = String::new();
        for c in key.chars() {
            if c.is_uppercase() {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        }
        snake
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (unknown, known) = (words(unknown), words(known));
    if edit_distance(&unknown.concat(), &known.concat()) <= 2 {
        return true;
    }
    let long = |w: &&String| w.chars().count() >= 5;
    unknown.iter().filter(long).any(|u| {
        known
            .iter()
            .filter(long)
            .any(|k| k.starts_with(u.as_str()) || u.starts_with(k.as_str()))
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Checks what JSON types cannot: a template complete and consistent.
fn validate_template(template: &Template, at: &str) -> Result<(), String> {
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
    Ok(())
}

/// The server a readable template is about.
fn target_of(template: &Template) -> Option<Target> {
    match template.provider {
        ProviderKind::Cloud => Some(Target::Cloud),
        ProviderKind::DataCenter => server_of(template.base_url.as_deref()?),
    }
}

/// The server a template that cannot be read is about, when its provider and address can be
/// read.
fn loose_target(item: &Value) -> Option<Target> {
    let provider: ProviderKind = serde_json::from_value(item.get("provider")?.clone()).ok()?;
    match provider {
        ProviderKind::Cloud => Some(Target::Cloud),
        ProviderKind::DataCenter => server_of(item.get("base_url")?.as_str()?),
    }
}

fn server_of(base_url: &str) -> Option<Target> {
    crate::domain::sniff::server_address(base_url)
        .ok()
        .map(|address| Target::Server(address.base.to_string()))
}

/// Whether two normalised base URLs name the same server.
fn same_server(a: &str, b: &Url) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.as_str().trim_end_matches('/'))
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

    fn load_bytes(bytes: &[u8]) -> PolicyState {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(&path, bytes).unwrap();
        PolicyState::load_from(&path)
    }

    fn message(state: &PolicyState) -> String {
        state
            .error
            .as_ref()
            .expect("a problem is reported")
            .message
            .clone()
    }

    fn refusal_code(fault: Option<Fault>) -> Option<&'static str> {
        fault.map(|f| match f {
            Fault::ForbiddenByPolicy { .. } => "not allowed",
            Fault::PolicyUnreadable { setting, .. } => setting.key(),
            Fault::TemplateMismatch { .. } => "template",
            _ => "other",
        })
    }

    #[test]
    fn what_windows_editors_write_is_read() {
        let text =
            "{\r\n  \"allowed_methods\": [\"personal-token\"],\r\n  \"max_token_lifetime_days\": 90\r\n}\r\n";
        let mut with_bom = vec![0xEF, 0xBB, 0xBF];
        with_bom.extend_from_slice(text.as_bytes());
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        for bytes in [text.as_bytes().to_vec(), with_bom, utf16] {
            let state = load_bytes(&bytes);
            assert!(state.error.is_none(), "{:?}", state.error);
            assert!(state.allows(Method::PersonalToken));
            assert!(!state.allows(Method::Basic));
            assert_eq!(state.max_token_lifetime_days().unwrap(), Some(90));
        }
    }

    #[test]
    fn oauth_clients_give_the_cloud_consumer_and_never_serialise_its_secret() {
        let state = load(
            r#"{"oauth_clients": [
                {"provider": "data-center", "base_url": "https://git.example.com", "client_id": "dc"},
                {"provider": "cloud", "client_id": "key", "client_secret": "shh"}
            ]}"#,
        );
        assert!(state.error.is_none(), "{:?}", state.error);
        let cloud = state.cloud_oauth_client().unwrap();
        assert_eq!(
            (cloud.client_id.as_str(), cloud.client_secret.as_deref()),
            ("key", Some("shh"))
        );
        let sent = serde_json::to_string(&state).unwrap();
        assert!(sent.contains("\"key\"") && !sent.contains("shh"), "{sent}");
        let damaged = load(r#"{"oauth_clients": [{"provider": "cloud"}]}"#);
        assert!(damaged.cloud_oauth_client().is_none());
        assert!(damaged.unreadable(Setting::OauthClients).is_some());
    }

    #[test]
    fn a_file_that_is_not_json_applies_every_restriction_at_its_strictest() {
        for text in [
            "{\n  \"allowed_methods\": [\"basic\",]\n}",
            "[\"personal-token\"]",
            "\"allowed_methods\"",
            "",
        ] {
            let state = load(text);
            let problem = message(&state);
            for method in Method::ALL {
                assert!(!state.allows(method), "{text:?}: {method}");
                assert_eq!(refusal_code(state.refusal(method)), Some("proxy"), "{text:?}");
                // Git keeps what was saved: it only filters by a list it could read.
                assert!(state.git_allows(method));
            }
            assert_eq!(
                state.max_token_lifetime_days().unwrap_err().code,
                crate::domain::catalogue::StorageCode::PolicyUnreadable
            );
            assert!(!problem.is_empty(), "{text:?}");
        }
        let state = load("{\n  \"allowed_methods\": [\"basic\",]\n}");
        assert!(
            message(&state).starts_with("line 2, column"),
            "{}",
            message(&state)
        );

        let mut huge = String::from("{\"templates\": [], \"x\": \"");
        huge.push_str(&"a".repeat(MAX_POLICY_BYTES));
        huge.push_str("\"}");
        let state = load(&huge);
        assert!(message(&state).contains("larger than 1024 KiB"));
        assert!(!state.allows(Method::ApiToken));

        let state = load_bytes(b"{\"proxy\": \"http://p\xff\"}");
        assert!(message(&state).contains("not UTF-8"), "{}", message(&state));
        assert!(!state.allows(Method::ApiToken));
    }

    #[test]
    fn one_bad_setting_leaves_the_others_in_force() {
        let state = load(
            r#"{"allowed_methods": ["personal-token"], "max_token_lifetime_days": "ninety",
                "ca_file": 7, "proxy": "http://proxy.example.com:3128"}"#,
        );
        assert!(state.allows(Method::PersonalToken));
        assert!(!state.allows(Method::Basic));
        assert!(
            !state.git_allows(Method::Basic),
            "the list was read: git obeys it"
        );
        assert_eq!(
            state.policy.proxy.as_deref(),
            Some("http://proxy.example.com:3128")
        );
        assert!(state.refusal(Method::PersonalToken).is_none());
        let err = state.max_token_lifetime_days().unwrap_err();
        assert!(err.message.contains("max_token_lifetime_days"), "{}", err.message);
        assert!(err.message.contains("line 1, column"), "{}", err.message);
        assert_eq!(state.policy.ca_file, None, "an unreadable CA file is not trusted");
        let problem = message(&state);
        assert!(problem.contains("ca_file"), "{problem}");
    }

    #[test]
    fn the_update_check_is_the_persons_choice_unless_the_policy_decides() {
        assert_eq!(load("{}").update_check(), None);
        for (value, check) in [
            ("off", UpdateCheck::Off),
            ("manual", UpdateCheck::Manual),
            ("automatic", UpdateCheck::Automatic),
        ] {
            let state = load(&format!(r#"{{"updates": {{"check": "{value}"}}}}"#));
            assert!(state.error.is_none(), "{:?}", state.error);
            assert_eq!(state.update_check(), Some(check));
        }
        // A setting that cannot be read, or a slip in its name, never lets the app fetch updates.
        for text in [
            r#"{"updates": {"check": "daily"}}"#,
            r#"{"updates": "off"}"#,
            r#"{"update": {"check": "automatic"}}"#,
            "not json",
        ] {
            let state = load(text);
            assert_eq!(state.update_check(), Some(UpdateCheck::Off), "{text}");
            assert!(state.unreadable(Setting::Updates).is_some(), "{text}");
        }
        // The other settings stay in force beside an unreadable one.
        let state = load(r#"{"updates": {"check": 1}, "proxy": "http://proxy.example.com:3128"}"#);
        assert_eq!(
            state.policy.proxy.as_deref(),
            Some("http://proxy.example.com:3128")
        );
    }

    #[test]
    fn a_slip_in_a_restriction_never_lifts_it() {
        // A misspelt key: the restriction it stands for allows nothing.
        let state = load(r#"{"allowed_method": ["personal-token"], "max_token_lifetime_days": 90}"#);
        assert!(message(&state).contains("line 1, column 2: unknown setting `allowed_method`"));
        for method in Method::ALL {
            assert!(!state.allows(method));
        }
        let Some(Fault::PolicyUnreadable { setting, detail, .. }) = state.refusal(Method::PersonalToken)
        else {
            panic!("refused as unreadable")
        };
        assert_eq!(setting, Setting::AllowedMethods);
        assert!(detail.contains("allowed_method"), "{detail}");
        assert_eq!(state.max_token_lifetime_days().unwrap(), Some(90));

        // A misspelt way to connect: only the ways that can be read are allowed.
        let state = load("{\n  \"allowed_methods\": [\"api-token\", \"pasword\"]\n}");
        assert!(state.allows(Method::ApiToken));
        assert!(!state.allows(Method::Basic));
        assert!(
            message(&state).starts_with("line 2, column"),
            "{}",
            message(&state)
        );
        assert!(message(&state).contains("unknown variant `pasword`"));
        let reason = state.forbidden_reason(Method::Basic).unwrap();
        assert!(
            reason.contains("policy.json") && reason.contains("pasword"),
            "{reason}"
        );

        // Out of range, wrong type, given twice, empty.
        for text in [
            r#"{"max_token_lifetime_days": 0}"#,
            r#"{"max_token_lifetime_days": -5}"#,
            r#"{"max_token_lifetime_days": 9.5}"#,
            r#"{"max_token_lifetime_days": 90, "max_token_lifetime_days": 900}"#,
            r#"{"max_token_lifetime": 90}"#,
        ] {
            assert!(load(text).max_token_lifetime_days().is_err(), "{text}");
        }
        let state = load(r#"{"allowed_methods": []}"#);
        assert!(!state.allows(Method::ApiToken));
        assert!(state.git_allows(Method::ApiToken));

        // A proxy that cannot be read: nothing is sent at all, and its value is not repeated.
        let state = load(r#"{"proxy": "proxy.example.com:3128"}"#);
        assert_eq!(refusal_code(state.refusal(Method::ApiToken)), Some("proxy"));
        assert!(!message(&state).contains("proxy.example.com"));

        // What is not a setting at all is reported and changes nothing.
        let state = load(r#"{"$schema": "./policy.schema.json", "comment": "IT"}"#);
        assert!(message(&state).contains("unknown setting `comment`"));
        assert!(!message(&state).contains("$schema"));
        assert!(state.allows(Method::Basic) && state.unreadable.is_empty());
    }

    #[test]
    fn templates_fix_the_way_and_profile_for_their_server() {
        let state = load(
            r#"{"templates": [
                {"name": "Corp", "provider": "data-center", "base_url": "https://git.example.com/bitbucket/",
                 "method": "personal-token", "profile": "read-only"},
                {"name": "Cloud", "provider": "cloud", "method": "api-token"}
            ]}"#,
        );
        assert!(state.error.is_none(), "{:?}", state.error);
        let corp = Url::parse("https://git.example.com/bitbucket").unwrap();
        let other = Url::parse("https://other.example.com/").unwrap();
        let cloud = Url::parse("https://api.bitbucket.org/").unwrap();
        assert!(
            state
                .template_refusal(Method::PersonalToken, Profile::ReadOnly, &corp)
                .is_none()
        );
        assert_eq!(
            state.template_refusal(Method::Basic, Profile::ReadOnly, &corp),
            Some(Fault::TemplateMismatch {
                template: "Corp".into(),
                method: Some(Method::PersonalToken),
                profile: Some(Profile::ReadOnly),
            })
        );
        assert_eq!(
            refusal_code(state.template_refusal(Method::PersonalToken, Profile::PullRequests, &corp)),
            Some("template")
        );
        assert!(
            state
                .template_refusal(Method::Basic, Profile::PullRequests, &other)
                .is_none()
        );
        assert_eq!(
            refusal_code(state.template_refusal(Method::Oauth, Profile::PullRequests, &cloud)),
            Some("template")
        );

        // A template that cannot be read refuses checks of its server only, when it names one;
        // of every server when it does not.
        let state = load(
            r#"{"templates": [{"name": "Corp", "provider": "data-center", "base_url": "https://git.example.com/bitbucket",
                               "methd": "personal-token"}]}"#,
        );
        assert!(message(&state).contains("templates[0]"), "{}", message(&state));
        assert_eq!(
            refusal_code(state.template_refusal(Method::PersonalToken, Profile::ReadOnly, &corp)),
            Some("templates")
        );
        assert!(
            state
                .template_refusal(Method::PersonalToken, Profile::ReadOnly, &other)
                .is_none()
        );
        let state = load(r#"{"templates": [{"name": "Corp", "provider": "data-center"}]}"#);
        assert_eq!(
            message(&state),
            "templates[0] (\"Corp\"): a Data Center template needs base_url"
        );
        assert_eq!(
            refusal_code(state.template_refusal(Method::ApiToken, Profile::ReadOnly, &cloud)),
            Some("templates")
        );
    }
}
