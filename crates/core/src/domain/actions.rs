//! What the dialog can do about a problem, right beside it: each [`ProblemAction`] is a button
//! there (the CLI names its flags in the problem's `fix` instead). Which problems offer which
//! actions is decided here, from the values the [`Fault`] carries, so the window and the JSON of
//! `repoconn check` agree.

use serde::Serialize;
use specta::Type;

use crate::domain::catalogue::{Fault, TlsReason};
use crate::domain::method::{Field, Method};

/// One thing the dialog does for the user, in place of a fix they would have to carry out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemAction {
    /// Choose a PEM file (the server's certificate or the company's root) to trust for this
    /// connection, and check again (`--ca-file`).
    ChooseCaFile,
    /// Trust exactly the certificate with this SHA-256 fingerprint for this server, and check
    /// again (`--trust-fingerprint`).
    TrustCertificate { fingerprint: String },
    /// Allow unencrypted http for this server, and check again (`--allow-http`).
    AllowHttp,
    /// Switch to this way to connect and open the page that creates its credential.
    GenerateToken { method: Method },
    /// Switch to this way to connect (what was pasted is one of those, or the server needs it).
    UseMethod { method: Method },
    /// Put a new secret in place of this one (the form's secret field, or Edit in the list).
    ReplaceSecret,
    /// Correct what was typed in this field.
    EditField { field: Field },
    /// Correct the server address.
    EditServer,
    /// The trouble may pass: check again.
    CheckAgain,
}

impl Fault {
    /// The buttons the dialog shows beside this problem, most useful first (often none).
    pub fn actions(&self) -> Vec<ProblemAction> {
        use ProblemAction as A;
        match self {
            Self::InvalidCredentials { .. }
            | Self::CredentialExpired { .. }
            | Self::MissingScopes { .. }
            | Self::InsufficientPermission { .. } => vec![A::ReplaceSecret],
            Self::EmailExpected { .. } => vec![A::EditField { field: Field::Email }],
            Self::UsernameExpected { .. } => vec![A::EditField {
                field: Field::Username,
            }],
            Self::TokenKindMismatch { suggested, .. } => vec![switch_to(*suggested)],
            Self::AppPasswordDisabled => vec![A::GenerateToken {
                method: Method::ApiToken,
            }],
            Self::ServerTooOld { .. } => vec![A::UseMethod {
                method: Method::Basic,
            }],
            Self::SsoOnly => vec![A::GenerateToken {
                method: Method::PersonalToken,
            }],
            Self::MissingField { field, .. } | Self::InvalidValue { field, .. } => {
                edit_named(field).into_iter().collect()
            }
            Self::NotBitbucket { .. } | Self::LoginPage { .. } => vec![A::EditServer],
            Self::InsecureHttp { .. } => vec![A::AllowHttp],
            Self::CaFileInvalid { .. } => vec![A::ChooseCaFile],
            Self::TlsUntrusted {
                fingerprint, reason, ..
            } => certificate_actions(fingerprint.as_deref(), reason),
            Self::Unreachable { .. }
            | Self::Timeout { .. }
            | Self::RateLimited { .. }
            | Self::ServerError { .. } => vec![A::CheckAgain],
            Self::ResourceNotFound { .. }
            | Self::CaptchaRequired
            | Self::ForbiddenByPolicy { .. }
            | Self::PolicyUnreadable { .. }
            | Self::TemplateMismatch { .. }
            | Self::FingerprintInvalid { .. }
            | Self::UnexpectedRedirect { .. }
            | Self::LoginRedirected { .. }
            | Self::TooManyRedirects { .. }
            | Self::UnexpectedAnswer { .. }
            | Self::PasswordInRemoteUrl { .. } => vec![],
        }
    }
}

/// A pasted secret of another kind: switch to it, unless that kind is retired (an app password),
/// where the way out is a new API token.
fn switch_to(suggested: Method) -> ProblemAction {
    if suggested == Method::AppPassword {
        ProblemAction::GenerateToken {
            method: Method::ApiToken,
        }
    } else {
        ProblemAction::UseMethod { method: suggested }
    }
}

/// What can be done about a refused certificate depends on why it was refused: one nobody this
/// computer trusts vouches for can be trusted here; an expired one or one for another host is
/// the administrators' to fix, and trusting it would hide that.
fn certificate_actions(fingerprint: Option<&str>, reason: &TlsReason) -> Vec<ProblemAction> {
    let trust = fingerprint.map(|fp| ProblemAction::TrustCertificate {
        fingerprint: fp.to_owned(),
    });
    match reason {
        TlsReason::UnknownIssuer | TlsReason::SelfSigned | TlsReason::Other { .. } => {
            std::iter::once(ProblemAction::ChooseCaFile)
                .chain(trust)
                .collect()
        }
        TlsReason::NotPinned => trust.into_iter().collect(),
        TlsReason::Expired { .. } | TlsReason::NotYetValid { .. } | TlsReason::WrongHost { .. } => vec![],
    }
}

/// Where to correct the value a fault's sentence names ("The workspace" → the workspace field,
/// "The token or password" → a new secret), when the form has such a control.
fn edit_named(text: &str) -> Option<ProblemAction> {
    let text = text.to_lowercase();
    if text.contains("token or password") {
        return Some(ProblemAction::ReplaceSecret);
    }
    [
        ("email", Field::Email),
        ("username", Field::Username),
        ("workspace", Field::Workspace),
        ("project", Field::Project),
        ("repository", Field::Repository),
    ]
    .into_iter()
    .find(|(word, _)| text.contains(word))
    .map(|(_, field)| ProblemAction::EditField { field })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::catalogue::Problem;

    fn untrusted(reason: TlsReason, fingerprint: Option<&str>) -> Problem {
        Problem::from(Fault::TlsUntrusted {
            host: "git.example.com".into(),
            fingerprint: fingerprint.map(str::to_owned),
            reason,
        })
    }

    #[test]
    fn an_unknown_certificate_offers_a_ca_file_and_trusting_its_fingerprint() {
        let problem = untrusted(TlsReason::UnknownIssuer, Some("AB:CD"));
        assert_eq!(
            problem.actions,
            [
                ProblemAction::ChooseCaFile,
                ProblemAction::TrustCertificate {
                    fingerprint: "AB:CD".into()
                }
            ]
        );
        // Without a fingerprint there is nothing to trust exactly.
        let problem = untrusted(TlsReason::SelfSigned, None);
        assert_eq!(problem.actions, [ProblemAction::ChooseCaFile]);
    }

    #[test]
    fn a_certificate_only_administrators_can_fix_offers_no_way_around_it() {
        for reason in [
            TlsReason::Expired { on: None },
            TlsReason::NotYetValid { from: None },
            TlsReason::WrongHost {
                names: vec!["other.example.com".into()],
            },
        ] {
            assert!(untrusted(reason, Some("AB:CD")).actions.is_empty());
        }
        assert_eq!(
            untrusted(TlsReason::NotPinned, Some("AB:CD")).actions,
            [ProblemAction::TrustCertificate {
                fingerprint: "AB:CD".into()
            }]
        );
    }

    #[test]
    fn plain_http_offers_to_allow_it() {
        let problem = Problem::from(Fault::InsecureHttp {
            url: "http://git.example.com/".into(),
        });
        assert_eq!(problem.actions, [ProblemAction::AllowHttp]);
    }

    #[test]
    fn an_app_password_leads_to_a_new_api_token() {
        let retired = Problem::from(Fault::AppPasswordDisabled);
        let pasted = Problem::from(Fault::TokenKindMismatch {
            detected: "an app password".into(),
            chosen: Method::ApiToken,
            suggested: Method::AppPassword,
        });
        for problem in [retired, pasted] {
            assert_eq!(
                problem.actions,
                [ProblemAction::GenerateToken {
                    method: Method::ApiToken
                }]
            );
        }
        let access = Problem::from(Fault::TokenKindMismatch {
            detected: "a Bitbucket Cloud access token".into(),
            chosen: Method::ApiToken,
            suggested: Method::RepositoryAccessToken,
        });
        assert_eq!(
            access.actions,
            [ProblemAction::UseMethod {
                method: Method::RepositoryAccessToken
            }]
        );
    }

    #[test]
    fn a_refused_or_short_credential_is_replaced_and_a_wrong_field_edited() {
        let refused = Problem::from(Fault::InvalidCredentials {
            method: Method::PersonalToken,
        });
        assert_eq!(refused.actions, [ProblemAction::ReplaceSecret]);
        let email = Problem::from(Fault::EmailExpected { value: "ada".into() });
        assert_eq!(email.actions, [ProblemAction::EditField { field: Field::Email }]);
        let missing = Problem::from(Fault::MissingField {
            field: "The workspace".into(),
            chosen: Method::WorkspaceAccessToken,
        });
        assert_eq!(
            missing.actions,
            [ProblemAction::EditField {
                field: Field::Workspace
            }]
        );
        let login = Problem::from(Fault::LoginPage {
            url: "https://git.example.com/".into(),
        });
        assert_eq!(login.actions, [ProblemAction::EditServer]);
    }

    #[test]
    fn network_trouble_offers_to_check_again() {
        let problem = Problem::from(Fault::Timeout {
            host: "git.example.com".into(),
            seconds: 10,
        });
        assert_eq!(problem.actions, [ProblemAction::CheckAgain]);
    }

    #[test]
    fn the_actions_serialise_with_their_kind() {
        let value = serde_json::to_value(ProblemAction::TrustCertificate {
            fingerprint: "AB:CD".into(),
        })
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"kind": "trust_certificate", "fingerprint": "AB:CD"})
        );
        let value = serde_json::to_value(ProblemAction::GenerateToken {
            method: Method::ApiToken,
        })
        .unwrap();
        assert_eq!(
            value,
            serde_json::json!({"kind": "generate_token", "method": "api-token"})
        );
    }
}
