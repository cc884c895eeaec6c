//! What the connection form shows, decided here so that the dialog only renders: the providers,
//! the ways to connect each offers, the fields each way needs in Atlassian's words, and the
//! profiles. The CLI's flags follow the same rules (`Method::fields`).

use serde::Serialize;
use specta::Type;

use crate::check::report::{Outcome, ValidationReport};
use crate::domain::catalogue::WarningCode;
use crate::domain::dates::today;
use crate::domain::method::{Field, Method, Need, ProviderKind};
use crate::domain::scopes::Profile;
use crate::domain::secret::Secret;
use crate::domain::sniff::{SecretShape, paste_secret};
use crate::domain::version;
use crate::expiry::reminders::HELPER_WARNING_DAYS;
use crate::expiry::{SOON_DAYS, default_expiry};
use crate::oauth::DATA_CENTER_REDIRECT;
use crate::policy::{PolicyError, PolicyState, Template};

#[derive(Debug, Clone, Serialize, Type)]
pub struct FormOptions {
    pub providers: Vec<ProviderOption>,
    pub profiles: Vec<ProfileOption>,
    /// Connections the administrator pre-defined: their provider, server and profile are locked.
    pub templates: Vec<Template>,
    /// The longest token lifetime the policy allows, in days.
    pub max_token_lifetime_days: Option<u32>,
    /// Set when a policy file exists but cannot be used as written.
    pub policy_error: Option<PolicyError>,
    /// The hint under the expiry date: from when the list marks it, and the policy's cap.
    pub expiry_hint: String,
    /// The key of the administrator's OAuth consumer for Bitbucket Cloud, when the policy has one
    /// with its secret (the form then signs in with it and asks for neither).
    pub oauth_consumer: Option<String>,
    /// The Data Center application links the administrator's policy names, without secrets: the
    /// form signs in to that server with the link's client ID and asks for nothing.
    pub oauth_links: Vec<OauthLink>,
    /// The redirect URL a Data Center application link is registered with by default.
    pub oauth_redirect: String,
}

/// A Data Center application link from the policy, as the form shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct OauthLink {
    /// The server's base URL, as the core normalises it.
    pub base_url: String,
    pub client_id: String,
    /// The redirect URL the link is registered with.
    pub redirect_uri: String,
}

/// Hints about a pasted secret, shown while the user pastes, before anything goes over the network.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SecretHints {
    /// "an Atlassian API token"..., when recognised.
    pub recognised: Option<String>,
    /// The method it looks like, when that contradicts the chosen one.
    pub suggested_method: Option<Method>,
    pub message: Option<String>,
    /// What will be removed before use ("a \"Bearer \" prefix").
    pub removed: Vec<String>,
}

impl SecretHints {
    pub fn of(method: Method, secret: &Secret) -> Self {
        let pasted = paste_secret(secret.expose(), method);
        let suggested = pasted.shape.contradicts(method);
        Self {
            recognised: (pasted.shape != SecretShape::Unknown).then(|| pasted.shape.label().to_owned()),
            suggested_method: suggested,
            message: suggested.map(|s| shape_hint(pasted.shape, method, s)),
            removed: pasted.removed.iter().map(|r| r.to_string()).collect(),
        }
    }
}

/// What to say when the pasted text is another kind of credential than the one chosen. A retired
/// app password is never offered as the way out: it cannot be chosen.
fn shape_hint(shape: SecretShape, chosen: Method, suggested: Method) -> String {
    if suggested == Method::AppPassword {
        return format!(
            "This looks like {}: app passwords stopped working on 28 July 2026. Create an API token with scopes instead (Generate opens the page).",
            shape.label()
        );
    }
    format!(
        "This looks like {}, but you chose \"{}\": choose \"{}\" as the way to connect.",
        shape.label(),
        chosen.label(),
        suggested.label()
    )
}

/// Whether the form asks when the credential expires, and which answers it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ExpiryAnswers {
    /// Not asked: a password, or a credential that is renewed on its own (OAuth).
    NotAsked,
    /// A date is required: the page that creates it always sets one (or the policy requires one).
    Date,
    /// A date, or "No expiry": the page that creates it offers that choice.
    DateOrNever,
}

/// The expiry question of one way to connect. Bitbucket never tells a token's expiry, so the
/// form asks the person, and never fills in a date they did not give.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ExpiryQuestion {
    pub answers: ExpiryAnswers,
    /// "When does this token expire?"
    pub question: String,
    /// Where the answer is found.
    pub hint: String,
}

fn expiry_question(method: Method, policy: &PolicyState) -> ExpiryQuestion {
    use Method as K;
    let capped = policy.policy.max_token_lifetime_days.is_some();
    let (answers, page) = match method {
        K::Basic | K::AppPassword | K::Oauth | K::DataCenterOauth => (ExpiryAnswers::NotAsked, ""),
        K::ApiToken => (ExpiryAnswers::Date, "Atlassian's page"),
        K::RepositoryAccessToken | K::ProjectAccessToken | K::WorkspaceAccessToken => {
            (ExpiryAnswers::DateOrNever, "Bitbucket's page")
        }
        K::PersonalToken | K::ProjectToken | K::RepositoryToken => {
            (ExpiryAnswers::DateOrNever, "your server's page")
        }
    };
    // Under a cap on token lifetimes, "No expiry" is not an answer the policy accepts.
    let answers = match answers {
        ExpiryAnswers::DateOrNever if capped => ExpiryAnswers::Date,
        other => other,
    };
    let hint = match answers {
        ExpiryAnswers::NotAsked => String::new(),
        ExpiryAnswers::Date => {
            format!("The date you chose on {page} when you created it. Bitbucket does not tell it.")
        }
        ExpiryAnswers::DateOrNever => format!(
            "The date you chose on {page} when you created it, or \"No expiry\" if you chose that. Bitbucket does not tell it."
        ),
    };
    ExpiryQuestion {
        answers,
        question: "When does this token expire?".to_owned(),
        hint,
    }
}

/// A finished check as the form shows it: the report, the verdict in words for the status line,
/// the connection name to suggest, and the catch of a credential that works but is discouraged.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CheckView {
    pub report: ValidationReport,
    pub verdict: String,
    pub suggested_name: String,
    /// Set when it works with a catch: the dialog says so apart from "It works" and asks the
    /// person to accept it before saving.
    pub catch: Option<Catch>,
}

/// Why a working credential is still a poor choice, and the consent asked before saving it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct Catch {
    pub text: String,
    /// The checkbox's words.
    pub consent: String,
}

impl CheckView {
    pub fn new(report: ValidationReport) -> Self {
        let catch = catch(&report);
        Self {
            verdict: verdict(&report, catch.is_some()),
            suggested_name: suggested_name(&report),
            catch,
            report,
        }
    }
}

/// The catch of a usable credential: a Data Center project or repository token acts as a user the
/// server made for it (not a person: reviews and approvals are not yours), a password opens the
/// whole account.
fn catch(report: &ValidationReport) -> Option<Catch> {
    if report.outcome != Outcome::Usable {
        return None;
    }
    if report
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::SyntheticIdentity)
    {
        return Some(Catch {
            text: "It works, but as a user the server made for this token, not as you: pull requests, comments and approvals made with it do not count as yours, so it is not recommended for reviews. A personal HTTP access token acts as you.".into(),
            consent: "Save it anyway: my tools act as the token's own user".into(),
        });
    }
    if report
        .warnings
        .iter()
        .any(|w| w.code == WarningCode::PasswordDiscouraged)
    {
        return Some(Catch {
            text: "It works, but a password opens your whole account, cannot be limited to what your tools need, and stops working when you change it. A personal HTTP access token can be limited and revoked on its own.".into(),
            consent: "Save the password anyway".into(),
        });
    }
    None
}

fn verdict(report: &ValidationReport, with_catch: bool) -> String {
    match (report.outcome, report.problems.len()) {
        (Outcome::Usable, _) if with_catch => "Check finished: it works, with a catch.".to_owned(),
        (Outcome::Usable, _) => "Check finished: it works.".to_owned(),
        (_, 1) => "Check finished: 1 problem.".to_owned(),
        (_, count) => format!("Check finished: {count} problems."),
    }
}

/// "<username> on <host>", within what a connection name may hold (letters, digits, space . _ -,
/// at most 64 characters: the store's rule).
pub fn suggested_name(report: &ValidationReport) -> String {
    let place = match report.provider {
        ProviderKind::Cloud => "Bitbucket Cloud".to_owned(),
        ProviderKind::DataCenter => url::Url::parse(&report.base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "Bitbucket".to_owned()),
    };
    let text = match report.identity.as_ref().and_then(|i| i.username.as_deref()) {
        Some(user) => format!("{user} on {place}"),
        None => place,
    };
    let tidy: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " ._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    tidy.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(64)
        .collect()
}

fn suggested_expiry_days(method: Method, policy: &PolicyState) -> Option<i32> {
    let default = default_expiry(method, today()).map(|d| (d - today()).whole_days() as i32);
    let cap = policy
        .policy
        .max_token_lifetime_days
        .map(|days| i32::try_from(days).unwrap_or(i32::MAX));
    match (default, cap) {
        (Some(days), Some(cap)) => Some(days.min(cap)),
        (None, cap) => cap,
        (days, None) => days,
    }
}

fn expiry_hint(policy: &PolicyState) -> String {
    // Only what the product does: the app's reminders (while it runs), git's helper's warning
    // and the list (and `repoconn list`), which marks it from this many days.
    let remind = format!(
        "While the app is open it reminds you 30, 7 and 1 days before and when it expires; git warns from {HELPER_WARNING_DAYS} days before, and your connections list marks it from {SOON_DAYS} days before."
    );
    match policy.policy.max_token_lifetime_days {
        Some(max) => format!("{remind} Your organisation allows at most {max} days."),
        None => remind,
    }
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ProviderOption {
    pub provider: ProviderKind,
    pub label: String,
    /// Cloud's fixed host, shown but not editable; `None` for Data Center (the user types it).
    pub fixed_host: Option<String>,
    pub methods: Vec<MethodOption>,
    /// The way to connect the form chooses for this provider: the first that can be chosen (the
    /// list goes from the usual choice to the last resort); `None` when none can.
    pub preferred: Option<Method>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct MethodOption {
    pub method: Method,
    pub label: String,
    /// One sentence: what this way of connecting is and when to pick it.
    pub description: String,
    /// Why this way cannot be chosen (retired, not allowed by the policy, or the server's
    /// version cannot issue it), shown beside it.
    pub unavailable: Option<String>,
    /// The secret field's label ("API token", "Password"...).
    pub secret_label: String,
    pub fields: Vec<FieldOption>,
    /// Tied to one workspace, project or repository (see `Method::is_tied_to_place`).
    pub tied_to_place: bool,
    /// Days until the expiry date the form suggests: the method's default (Cloud API tokens: 365),
    /// never past the policy's longest lifetime, which is also the default where the method has
    /// none. The form offers it as a suggestion, so what it suggests can always be saved.
    pub default_expiry_days: Option<i32>,
    /// Whether and how the form asks when the credential expires.
    pub expiry: ExpiryQuestion,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct FieldOption {
    pub field: Field,
    pub required: bool,
    pub label: String,
    pub hint: String,
    pub placeholder: String,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct ProfileOption {
    pub profile: Profile,
    pub label: String,
    pub description: String,
}

/// What the form offers under the administrator's `policy`, before any server has answered.
pub fn options(policy: &PolicyState) -> FormOptions {
    options_for_server(policy, None)
}

/// What the form offers once the Data Center server said its version: the ways to connect it
/// cannot issue are marked unavailable, with the release they need.
pub fn options_for_server(policy: &PolicyState, server_version: Option<&str>) -> FormOptions {
    let provider = |provider: ProviderKind, label: &str, fixed_host: Option<&str>| {
        let methods: Vec<MethodOption> = Method::ALL
            .into_iter()
            .filter(|k| k.provider() == provider)
            .map(|k| method_option(k, policy, server_version))
            .collect();
        ProviderOption {
            provider,
            label: label.to_owned(),
            fixed_host: fixed_host.map(str::to_owned),
            preferred: methods.iter().find(|m| m.unavailable.is_none()).map(|m| m.method),
            methods,
        }
    };
    FormOptions {
        providers: vec![
            provider(ProviderKind::Cloud, "Bitbucket Cloud", Some("bitbucket.org")),
            // Atlassian's own name for the self-hosted product, with the name many still know.
            provider(ProviderKind::DataCenter, "Bitbucket Data Center (Server)", None),
        ],
        profiles: vec![
            ProfileOption {
                profile: Profile::PullRequests,
                label: "Pull requests".into(),
                description: "Browse, clone, push, and create, review and merge pull requests.".into(),
            },
            ProfileOption {
                profile: Profile::ReadOnly,
                label: "Read only".into(),
                description: "Browse and clone, and read pull requests.".into(),
            },
        ],
        templates: policy.policy.templates.clone(),
        max_token_lifetime_days: policy.policy.max_token_lifetime_days,
        policy_error: policy.error.clone(),
        expiry_hint: expiry_hint(policy),
        oauth_consumer: policy
            .cloud_oauth_client()
            .filter(|c| c.client_secret.as_deref().is_some_and(|s| !s.trim().is_empty()))
            .map(|c| c.client_id.clone()),
        oauth_links: policy
            .policy
            .oauth_clients
            .iter()
            .filter(|c| c.provider == ProviderKind::DataCenter)
            .filter_map(|c| {
                let base = crate::domain::sniff::server_address(c.base_url.as_deref()?)
                    .ok()?
                    .base;
                Some(OauthLink {
                    base_url: base.to_string(),
                    client_id: c.client_id.clone(),
                    redirect_uri: c
                        .redirect_uri
                        .clone()
                        .unwrap_or_else(|| DATA_CENTER_REDIRECT.to_owned()),
                })
            })
            .collect(),
        oauth_redirect: DATA_CENTER_REDIRECT.to_owned(),
    }
}

fn method_option(method: Method, policy: &PolicyState, server_version: Option<&str>) -> MethodOption {
    use Method as K;
    let description = match method {
        K::ApiToken => {
            "A token of your Atlassian account, limited to the scopes you choose. The usual choice."
        }
        K::RepositoryAccessToken => "A token for one repository, not tied to a person.",
        K::ProjectAccessToken => "A token for one project's repositories (Bitbucket Premium).",
        K::WorkspaceAccessToken => "A token for a whole workspace (Bitbucket Premium).",
        K::AppPassword => "The old way: Bitbucket stopped accepting app passwords on 28 July 2026.",
        K::Oauth => {
            "Sign in with Bitbucket in your browser, through an OAuth consumer; its access token is renewed for you."
        }
        K::DataCenterOauth => {
            "Sign in with the server in your browser, through an application link your administrators set up (Bitbucket 7.20 or newer); its access token is renewed for you."
        }
        K::PersonalToken => {
            "A token of your account, limited to the permission you choose. The usual choice."
        }
        K::ProjectToken => {
            "A token for one project, acting as a user the server makes for it: not recommended for reviews."
        }
        K::RepositoryToken => {
            "A token for one repository, acting as a user the server makes for it: not recommended for reviews."
        }
        K::Basic => "Your login. It works where the server allows password logins, but a token is safer.",
    };
    let retired = (method == K::AppPassword).then(|| {
        "Retired: create an API token with scopes instead (choose \"API token\"), then remove the app password.".to_owned()
    });
    let too_old = server_version.and_then(|version| version::cannot_issue(method, version));
    let unavailable = retired.or_else(|| policy.forbidden_reason(method)).or(too_old);
    let secret_label = match method {
        K::Basic => "Password",
        K::AppPassword => "App password",
        K::Oauth | K::DataCenterOauth => "Access token",
        K::ApiToken => "API token",
        _ => "Token",
    };
    MethodOption {
        method,
        label: method.label().to_owned(),
        description: description.to_owned(),
        unavailable,
        secret_label: secret_label.to_owned(),
        fields: method
            .fields()
            .iter()
            .map(|(field, need)| field_option(method, *field, *need))
            .collect(),
        tied_to_place: method.is_tied_to_place(),
        default_expiry_days: suggested_expiry_days(method, policy),
        expiry: expiry_question(method, policy),
    }
}

fn field_option(method: Method, field: Field, need: Need) -> FieldOption {
    let (label, hint, placeholder) = match field {
        Field::Email => (
            "Atlassian account email",
            "The email you log in to Atlassian with. Bitbucket checks API tokens with it; git gets your username instead.",
            "ada@example.com",
        ),
        Field::Username if method == Method::PersonalToken => (
            "Username (optional)",
            "Your Bitbucket username. Leave it empty to send the token on its own (Bearer).",
            "ada",
        ),
        Field::Username => (
            "Username",
            "Your username on this server, not your email address.",
            "ada",
        ),
        Field::Workspace => (
            "Workspace",
            "The workspace ID from the address bar: bitbucket.org/WORKSPACE/repository.",
            "acme",
        ),
        Field::Project => ("Project key", "The project's short key, such as DATA.", "DATA"),
        Field::Repository => (
            "Repository",
            "The repository's slug from the address bar (lower case, dashes).",
            "models",
        ),
    };
    FieldOption {
        field,
        required: need == Need::Required,
        label: label.to_owned(),
        hint: hint.to_owned(),
        placeholder: placeholder.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_offered_once_under_its_provider() {
        let options = options(&PolicyState::default());
        let count: usize = options.providers.iter().map(|p| p.methods.len()).sum();
        assert_eq!(count, Method::ALL.len());
        for provider in &options.providers {
            assert!(
                provider
                    .methods
                    .iter()
                    .all(|k| k.method.provider() == provider.provider)
            );
        }
    }

    #[test]
    fn the_policy_marks_forbidden_ways_and_offers_its_templates() {
        let mut policy = PolicyState::default();
        policy.policy.allowed_methods = Some(vec![Method::PersonalToken]);
        policy.path = Some("/etc/repoconn/policy.json".into());
        let options = options(&policy);
        let basic = options.providers[1]
            .methods
            .iter()
            .find(|k| k.method == Method::Basic)
            .unwrap();
        assert!(
            basic
                .unavailable
                .as_deref()
                .unwrap()
                .contains("/etc/repoconn/policy.json")
        );
        let personal = options.providers[1]
            .methods
            .iter()
            .find(|k| k.method == Method::PersonalToken)
            .unwrap();
        assert!(personal.unavailable.is_none());
    }

    #[test]
    fn a_known_server_version_greys_out_what_it_cannot_issue_and_prefers_the_best_left() {
        let policy = PolicyState::default();
        let data_center = |version: Option<&str>| {
            options_for_server(&policy, version)
                .providers
                .into_iter()
                .find(|p| p.provider == ProviderKind::DataCenter)
                .unwrap()
        };
        let unavailable = |option: &ProviderOption, method: Method| {
            option
                .methods
                .iter()
                .find(|m| m.method == method)
                .unwrap()
                .unavailable
                .clone()
        };
        let unknown = data_center(None);
        assert_eq!(unknown.label, "Bitbucket Data Center (Server)");
        assert_eq!(unknown.preferred, Some(Method::PersonalToken));

        let old = data_center(Some("5.4.0"));
        assert_eq!(
            unavailable(&old, Method::PersonalToken).as_deref(),
            Some("Needs Bitbucket 5.5 or newer; this server runs 5.4.0.")
        );
        assert!(unavailable(&old, Method::ProjectToken).is_some());
        assert!(unavailable(&old, Method::RepositoryToken).is_some());
        assert_eq!(unavailable(&old, Method::Basic), None);
        assert_eq!(old.preferred, Some(Method::Basic));

        let middle = data_center(Some("7.10.3"));
        assert_eq!(unavailable(&middle, Method::PersonalToken), None);
        assert!(
            unavailable(&middle, Method::RepositoryToken)
                .unwrap()
                .contains("7.17")
        );
        assert_eq!(middle.preferred, Some(Method::PersonalToken));

        let new = data_center(Some("9.2.1"));
        assert!(new.methods.iter().all(|m| m.unavailable.is_none()));
        // Cloud does not depend on a server's version.
        let cloud = &options_for_server(&policy, Some("5.4.0")).providers[0];
        assert_eq!(cloud.preferred, Some(Method::ApiToken));
    }

    #[test]
    fn the_policy_and_the_version_together_may_leave_nothing_to_prefer() {
        let mut policy = PolicyState::default();
        policy.policy.allowed_methods = Some(vec![Method::PersonalToken]);
        let options = options_for_server(&policy, Some("5.0.0"));
        assert_eq!(options.providers[1].preferred, None);
    }

    #[test]
    fn the_api_token_asks_for_the_email_and_expires_in_a_year() {
        let options = options(&PolicyState::default());
        let api = options.providers[0]
            .methods
            .iter()
            .find(|k| k.method == Method::ApiToken)
            .unwrap();
        assert_eq!(api.fields[0].field, Field::Email);
        assert!(api.fields[0].required);
        assert_eq!(api.default_expiry_days, Some(365));
        let retired = options.providers[0]
            .methods
            .iter()
            .find(|k| k.method == Method::AppPassword)
            .unwrap();
        assert!(retired.unavailable.as_deref().unwrap().contains("API token"));
    }

    fn expiry_of(options: &FormOptions, method: Method) -> ExpiryAnswers {
        options
            .providers
            .iter()
            .flat_map(|p| &p.methods)
            .find(|m| m.method == method)
            .unwrap()
            .expiry
            .answers
    }

    #[test]
    fn the_expiry_is_asked_of_tokens_only_and_no_expiry_where_the_page_offers_it() {
        let free = options(&PolicyState::default());
        assert_eq!(expiry_of(&free, Method::ApiToken), ExpiryAnswers::Date);
        for method in [
            Method::RepositoryAccessToken,
            Method::PersonalToken,
            Method::ProjectToken,
        ] {
            assert_eq!(expiry_of(&free, method), ExpiryAnswers::DateOrNever, "{method}");
        }
        for method in [Method::Basic, Method::AppPassword, Method::Oauth] {
            assert_eq!(expiry_of(&free, method), ExpiryAnswers::NotAsked, "{method}");
        }
        // Under a cap, a token must have a date.
        let mut policy = PolicyState::default();
        policy.policy.max_token_lifetime_days = Some(90);
        let capped = options(&policy);
        assert_eq!(expiry_of(&capped, Method::PersonalToken), ExpiryAnswers::Date);
        assert_eq!(expiry_of(&capped, Method::Basic), ExpiryAnswers::NotAsked);
    }

    #[test]
    fn a_pasted_app_password_is_never_told_to_choose_app_passwords() {
        let pasted = Secret::new("ATBBa1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6".to_owned());
        let hints = SecretHints::of(Method::ApiToken, &pasted);
        let message = hints.message.unwrap();
        assert!(message.contains("stopped working on 28 July 2026"), "{message}");
        assert!(!message.contains("choose \"App password"), "{message}");
        let access = Secret::new("ATCTT3xFfGN0abcdefghijklmnopqrstuvwxyz".to_owned());
        let message = SecretHints::of(Method::ApiToken, &access).message.unwrap();
        assert!(!message.contains("a api token"), "{message}");
        assert!(message.contains("you chose \"API token\""), "{message}");
    }

    #[test]
    fn a_project_token_and_a_password_work_with_a_catch_and_a_personal_token_without() {
        use crate::check::report::Findings;
        use crate::domain::catalogue::Notice;
        let mut project = Findings::new(Method::ProjectToken);
        project.warning(Notice::SyntheticIdentity {
            name: "project-data-token".into(),
        });
        let view = CheckView::new(project.into_report("https://git.example.com/".into()));
        assert!(view.report.ok);
        let catch = view.catch.expect("a catch");
        assert!(
            catch.text.contains("not recommended for reviews"),
            "{}",
            catch.text
        );
        assert_eq!(view.verdict, "Check finished: it works, with a catch.");

        let mut password = Findings::new(Method::Basic);
        password.warning(Notice::PasswordDiscouraged);
        let view = CheckView::new(password.into_report("https://git.example.com/".into()));
        assert!(view.catch.expect("a catch").consent.contains("password"));

        let personal = Findings::new(Method::PersonalToken).into_report("https://git.example.com/".into());
        assert_eq!(CheckView::new(personal).catch, None);
        // A credential that does not work has problems, not a catch.
        let mut refused = Findings::new(Method::ProjectToken);
        refused.warning(Notice::SyntheticIdentity { name: "t".into() });
        refused.problem(crate::domain::catalogue::Fault::InvalidCredentials {
            method: Method::ProjectToken,
        });
        assert_eq!(
            CheckView::new(refused.into_report("https://git.example.com/".into())).catch,
            None
        );
    }

    #[test]
    fn the_suggested_name_is_a_valid_connection_name() {
        let report = crate::check::report::Findings::new(Method::PersonalToken)
            .into_report("https://git.example.com:8443/bitbucket".to_owned());
        assert_eq!(suggested_name(&report), "git.example.com");
        let mut report = report;
        report.identity = Some(crate::check::report::Identity {
            username: Some("ada/lovelace".into()),
            ..Default::default()
        });
        assert_eq!(suggested_name(&report), "ada-lovelace on git.example.com");
        assert_eq!(CheckView::new(report).verdict, "Check finished: it works.");
    }

    #[test]
    fn the_expiry_hint_names_the_reminders_and_the_cap() {
        let mut policy = PolicyState::default();
        assert_eq!(
            options(&policy).expiry_hint,
            "While the app is open it reminds you 30, 7 and 1 days before and when it expires; git warns from 7 days before, and your connections list marks it from 30 days before."
        );
        policy.policy.max_token_lifetime_days = Some(90);
        assert!(
            options(&policy)
                .expiry_hint
                .ends_with("Your organisation allows at most 90 days.")
        );
    }

    #[test]
    fn the_suggested_expiry_can_always_be_saved_under_the_policy() {
        let mut policy = PolicyState::default();
        policy.policy.max_token_lifetime_days = Some(90);
        let options = options(&policy);
        let days = |method: Method| {
            options
                .providers
                .iter()
                .flat_map(|p| &p.methods)
                .find(|m| m.method == method)
                .unwrap()
                .default_expiry_days
        };
        assert_eq!(days(Method::ApiToken), Some(90));
        assert_eq!(days(Method::PersonalToken), Some(90));
        for method in [Method::ApiToken, Method::PersonalToken] {
            let date = today() + time::Duration::days(i64::from(days(method).unwrap()));
            assert!(crate::expiry::effective_expiry(method, Some(date), &policy, today()).is_ok());
        }
    }
}
