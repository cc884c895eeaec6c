//! Everything that can be decided before any request: tidy the pasted secret, sort out which field
//! holds what (an email typed as username, `user:token` pasted whole, a repository URL as the
//! server), and refuse what cannot work (a retired app password, a missing field).

use std::path::PathBuf;

use url::Url;

use super::CheckRequest;
use super::report::Findings;
use crate::domain::catalogue::{Fault, Notice};
use crate::domain::method::{Field, Method, Need};
use crate::domain::scopes::{Profile, normalise_requirements};
use crate::domain::secret::Secret;
use crate::domain::sniff::{self, SecretShape};

/// A request after tidying: what the probes work with.
#[derive(Debug)]
pub struct Prepared {
    pub method: Method,
    pub secret: Secret,
    pub shape: SecretShape,
    pub email: Option<String>,
    pub username: Option<String>,
    pub workspace: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub profile: Profile,
    /// Extra needs, already in the method's vocabulary.
    pub require: Vec<String>,
    /// Cloud's API root, or the Data Center base URL with its context path.
    pub base: Url,
    /// The connection's own CA file (the policy's applies when there is none).
    pub ca_file: Option<PathBuf>,
    /// The one server certificate to trust, normalised to `AB:CD:...`.
    pub trust_fingerprint: Option<String>,
    pub allow_http: bool,
}

impl Prepared {
    /// The tidied request, as it should be saved.
    pub fn into_request(self) -> CheckRequest {
        let server =
            (self.method.provider() == crate::ProviderKind::DataCenter).then(|| self.base.to_string());
        CheckRequest {
            method: self.method,
            server,
            email: self.email,
            username: self.username,
            workspace: self.workspace,
            project: self.project,
            repository: self.repository,
            profile: self.profile,
            require: self.require,
            ca_file: self.ca_file,
            trust_fingerprint: self.trust_fingerprint,
            allow_http: self.allow_http,
            secret: self.secret,
        }
    }
}

/// Tidies `request` and records what is wrong with it. `None` when there is not even an address
/// to check (a Data Center address that is not one).
pub fn prepare(request: &CheckRequest, cloud_base: Option<Url>, findings: &mut Findings) -> Option<Prepared> {
    let method = request.method;
    let pasted = sniff::paste_secret(request.secret.expose(), method);
    if !pasted.removed.is_empty() {
        findings.warning(Notice::SecretCleaned {
            removed: pasted.removed.iter().map(|r| r.to_string()).collect(),
        });
    }
    let mut email = filled(&request.email);
    let mut username = filled(&request.username);
    if let Some(user) = pasted.pair_user {
        if method == Method::ApiToken && email.is_none() && sniff::looks_like_email(&user) {
            email = Some(user);
        } else if username.is_none() {
            username = Some(user);
        }
    }
    if method == Method::ApiToken
        && email.is_none()
        && username.as_deref().is_some_and(sniff::looks_like_email)
    {
        email = username.take();
        findings.warning(Notice::EmailInUsernameField {
            value: email.clone().unwrap_or_default(),
        });
    }

    let (base, project, repository) = match cloud_base {
        Some(api) => (api, filled(&request.project), filled(&request.repository)),
        None => {
            let typed = request.server.clone().unwrap_or_default();
            match sniff::server_address(&typed) {
                Ok(address) => {
                    if address.changed {
                        findings.warning(Notice::BaseUrlNormalised {
                            base_url: address.base.to_string(),
                        });
                    }
                    (
                        address.base,
                        filled(&request.project).or(address.project),
                        filled(&request.repository).or(address.repository),
                    )
                }
                Err(reason) => {
                    findings.problem(Fault::NotBitbucket {
                        url: format!("\"{typed}\" ({reason})"),
                    });
                    return None;
                }
            }
        }
    };
    let workspace = filled(&request.workspace);

    if method == Method::AppPassword {
        // Retired: sending it would only earn a 401 and teach nothing.
        findings.problem(Fault::AppPasswordDisabled);
    }
    if method == Method::ApiToken
        && let Some(value) = email.as_deref().or(username.as_deref())
        && !sniff::looks_like_email(value)
    {
        findings.problem(Fault::EmailExpected {
            value: value.to_owned(),
        });
    }
    if method == Method::AppPassword
        && let Some(value) = username.as_deref().filter(|u| sniff::looks_like_email(u))
    {
        findings.problem(Fault::UsernameExpected {
            value: value.to_owned(),
        });
    }
    let values = [
        (Field::Email, email.is_some()),
        (Field::Username, username.is_some()),
        (Field::Workspace, workspace.is_some()),
        (Field::Project, project.is_some()),
        (Field::Repository, repository.is_some()),
    ];
    for (field, is_filled) in values {
        let email_problem = findings.has(crate::domain::catalogue::ProblemCode::EmailExpected);
        if method.needs(field) == Some(Need::Required) && !is_filled && !email_problem {
            findings.problem(Fault::MissingField {
                field: field_label(field).to_owned(),
                chosen: method,
            });
        }
    }
    let names = [
        (Field::Workspace, &workspace),
        (Field::Project, &project),
        (Field::Repository, &repository),
    ];
    for (field, value) in names {
        if let Some(Err(reason)) = value.as_deref().map(sniff::check_name) {
            findings.problem(Fault::InvalidValue {
                field: field_label(field).to_owned(),
                reason: reason.to_string(),
            });
        }
    }
    for (field, value) in [(Field::Email, &email), (Field::Username, &username)] {
        if value.as_deref().is_some_and(|v| v.chars().any(char::is_control)) {
            findings.problem(Fault::InvalidValue {
                field: field_label(field).to_owned(),
                reason: sniff::NameError::ControlCharacter.to_string(),
            });
        }
    }
    if pasted.secret.expose().chars().any(char::is_control) {
        // A header cannot carry it, and git's protocol would take it for the end of a line.
        findings.problem(Fault::InvalidValue {
            field: "The token or password".to_owned(),
            reason: sniff::NameError::ControlCharacter.to_string(),
        });
    }
    if pasted.secret.is_empty() {
        findings.problem(Fault::MissingField {
            field: "The token or password".to_owned(),
            chosen: method,
        });
    }
    let trust_fingerprint = match filled(&request.trust_fingerprint) {
        Some(typed) => match sniff::fingerprint(&typed) {
            Ok(fingerprint) => Some(fingerprint),
            Err(err) => {
                findings.problem(Fault::FingerprintInvalid { value: err.value });
                Some(typed)
            }
        },
        None => None,
    };
    let require = normalise_requirements(method, &request.require).unwrap_or_default();
    Some(Prepared {
        method,
        secret: pasted.secret,
        shape: pasted.shape,
        email,
        username,
        workspace,
        project,
        repository,
        profile: request.profile,
        require,
        base,
        ca_file: request.ca_file.clone(),
        trust_fingerprint,
        allow_http: request.allow_http,
    })
}

/// A text field's value, trimmed; `None` when empty.
fn filled(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

fn field_label(field: Field) -> &'static str {
    match field {
        Field::Email => "Your Atlassian account email",
        Field::Username => "Your username",
        Field::Workspace => "The workspace",
        Field::Project => "The project key",
        Field::Repository => "The repository",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::{ProblemCode, WarningCode};

    fn request(method: Method, secret: &str) -> CheckRequest {
        CheckRequest {
            method,
            server: None,
            email: None,
            username: None,
            workspace: None,
            project: None,
            repository: None,
            profile: Profile::PullRequests,
            require: vec![],
            ca_file: None,
            trust_fingerprint: None,
            allow_http: false,
            secret: Secret::new(secret),
        }
    }

    fn cloud() -> Option<Url> {
        Some(Url::parse("https://api.bitbucket.org").unwrap())
    }

    #[test]
    fn an_email_typed_as_username_becomes_the_email_with_a_warning() {
        let mut findings = Findings::new(Method::ApiToken);
        let mut r = request(Method::ApiToken, "ATATT3x-token");
        r.username = Some("  ada@example.com ".into());
        let p = prepare(&r, cloud(), &mut findings).unwrap();
        assert_eq!(p.email.as_deref(), Some("ada@example.com"));
        assert_eq!(p.username, None);
        assert!(
            findings
                .warnings
                .iter()
                .any(|w| w.code == WarningCode::EmailInUsernameField)
        );
        assert!(findings.problems.is_empty(), "{:?}", findings.problems);
    }

    #[test]
    fn a_pasted_user_and_token_pair_is_split_and_the_secret_tidied() {
        let mut findings = Findings::new(Method::ApiToken);
        let r = request(Method::ApiToken, " ada@example.com:ATATT3xFfGF0-pasted-token \n");
        let p = prepare(&r, cloud(), &mut findings).unwrap();
        assert_eq!(p.email.as_deref(), Some("ada@example.com"));
        assert_eq!(p.secret.expose(), "ATATT3xFfGF0-pasted-token");
        assert!(
            findings
                .warnings
                .iter()
                .any(|w| w.code == WarningCode::SecretCleaned)
        );
        // What is saved is what was checked: the tidied secret, the email in its field.
        let saved = p.into_request();
        assert_eq!(saved.secret.expose(), "ATATT3xFfGF0-pasted-token");
        assert_eq!(saved.email.as_deref(), Some("ada@example.com"));
    }

    #[test]
    fn a_repository_url_gives_the_base_url_project_and_repository() {
        let mut findings = Findings::new(Method::RepositoryToken);
        let mut r = request(Method::RepositoryToken, "BBDC-token");
        r.server = Some("https://git.example.com/bitbucket/projects/DATA/repos/models/browse".into());
        let p = prepare(&r, None, &mut findings).unwrap();
        assert_eq!(p.base.as_str(), "https://git.example.com/bitbucket");
        assert_eq!(p.project.as_deref(), Some("DATA"));
        assert_eq!(p.repository.as_deref(), Some("models"));
        assert!(findings.problems.is_empty(), "{:?}", findings.problems);
        assert_eq!(
            p.into_request().server.as_deref(),
            Some("https://git.example.com/bitbucket")
        );
    }

    #[test]
    fn what_cannot_work_is_refused_before_any_request() {
        let mut findings = Findings::new(Method::WorkspaceAccessToken);
        prepare(
            &request(Method::WorkspaceAccessToken, "  "),
            cloud(),
            &mut findings,
        )
        .unwrap();
        let missing: Vec<_> = findings
            .problems
            .iter()
            .filter(|p| p.code == ProblemCode::MissingField)
            .collect();
        assert_eq!(missing.len(), 1, "one problem per code: {missing:?}");
        assert!(
            missing[0].message.contains("The workspace"),
            "{}",
            missing[0].message
        );

        let mut findings = Findings::new(Method::AppPassword);
        let mut r = request(Method::AppPassword, "secret");
        r.username = Some("ada@example.com".into());
        prepare(&r, cloud(), &mut findings).unwrap();
        assert!(findings.has(ProblemCode::AppPasswordDisabled));
        assert!(findings.has(ProblemCode::UsernameExpected));

        let mut findings = Findings::new(Method::PersonalToken);
        let mut r = request(Method::PersonalToken, "t");
        r.server = Some("ftp://git.example.com".into());
        assert!(prepare(&r, None, &mut findings).is_none());
        assert!(findings.has(ProblemCode::NotBitbucket));
    }

    #[test]
    fn names_and_secrets_that_would_mislead_a_request_are_refused_before_it() {
        let mut findings = Findings::new(Method::RepositoryAccessToken);
        let mut r = request(Method::RepositoryAccessToken, "ATCTT3xFfGF0-token\nX-Injected: 1");
        r.workspace = Some("acme".into());
        r.repository = Some("..".into());
        prepare(&r, cloud(), &mut findings).unwrap();
        let messages: Vec<&str> = findings.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(findings.has(ProblemCode::InvalidValue), "{messages:?}");
        assert!(messages.iter().all(|m| !m.contains("X-Injected")), "{messages:?}");
    }
}
