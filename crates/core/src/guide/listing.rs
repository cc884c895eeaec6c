//! The list of saved connections as people read it, in the dialog and in `repoconn list --json`
//! alike: each connection with its expiry, its status in words and a tone for its badge.

use serde::Serialize;
use specta::Type;
use time::Date;

use crate::domain::method::ProviderKind;
use crate::expiry::Expiry;
use crate::store::connection::{Connection, Status};

/// How a connection's status should look: fine, needing attention soon, or not working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Good,
    Warn,
    Bad,
}

/// A saved connection as the list shows it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ConnectionView {
    pub connection: Connection,
    pub expiry: Expiry,
    /// "12 days left", "expires tomorrow", "expiry unknown"...
    pub expiry_text: String,
    /// The status in words ("Valid, expires in 5 days", "Rejected by git"...).
    pub status_text: String,
    pub tone: Tone,
    /// "Bitbucket Cloud" or the server's host.
    pub server_label: String,
    /// The https address git clones the connection's repository from, when it has one.
    pub clone_url: Option<String>,
    /// What the connection is tied to: "acme", "acme/models", "project DATA", "DATA/warehouse".
    pub place: Option<String>,
}

impl ConnectionView {
    pub fn new(connection: Connection, today: Date) -> Self {
        let expiry = Expiry::of(&connection, today);
        let server_label = match connection.provider {
            ProviderKind::Cloud => "Bitbucket Cloud".to_owned(),
            ProviderKind::DataCenter => connection.git_host(),
        };
        Self {
            clone_url: crate::guide::git_fix::clone_url(&connection),
            place: place(&connection),
            expiry_text: expiry.describe(),
            status_text: status_text(connection.status, expiry),
            tone: tone(connection.status, expiry),
            expiry,
            server_label,
            connection,
        }
    }
}

/// The last verdict, and the expiry when it matters more.
fn status_text(status: Status, expiry: Expiry) -> String {
    match (status, expiry) {
        (Status::NeedsMigration, _) => "Needs migration to an API token".to_owned(),
        (Status::RejectedByGit, _) => "Rejected by git".to_owned(),
        (Status::SignInAgain, _) => "Sign in again".to_owned(),
        (Status::Invalid, _) => "Not working".to_owned(),
        (_, Expiry::Expired { .. }) => "Expired".to_owned(),
        (Status::Unverified, _) => "Not verified".to_owned(),
        (Status::Valid, Expiry::Soon { days_left: 0 }) => "Valid, expires today".to_owned(),
        (Status::Valid, Expiry::Soon { days_left: 1 }) => "Valid, expires tomorrow".to_owned(),
        (Status::Valid, Expiry::Soon { days_left }) => format!("Valid, expires in {days_left} days"),
        (Status::Valid, _) => "Valid".to_owned(),
    }
}

fn tone(status: Status, expiry: Expiry) -> Tone {
    match (status, expiry) {
        (Status::Valid, Expiry::Expired { .. }) => Tone::Bad,
        (Status::Valid, Expiry::Soon { .. }) => Tone::Warn,
        (Status::Valid, _) => Tone::Good,
        _ => Tone::Bad,
    }
}

/// The workspace or project, and repository, a connection is tied to, as the list shows it.
fn place(connection: &Connection) -> Option<String> {
    let filled = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let owner = match connection.provider {
        ProviderKind::Cloud => filled(&connection.workspace),
        ProviderKind::DataCenter => filled(&connection.project),
    };
    match (owner, filled(&connection.repository)) {
        (Some(owner), Some(repository)) => Some(format!("{owner}/{repository}")),
        (Some(owner), None) if connection.provider == ProviderKind::DataCenter => {
            Some(format!("project {owner}"))
        }
        (Some(owner), None) => Some(owner),
        (None, repository) => repository,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_status_says_what_matters_most_and_its_tone_follows() {
        let today = date!(2026 - 11 - 26);
        let mut c = Connection {
            expires_on: Some("2026-12-01".into()),
            ..Connection::sample("work")
        };
        let view = ConnectionView::new(c.clone(), today);
        assert_eq!(view.status_text, "Valid, expires in 5 days");
        assert_eq!(view.tone, Tone::Warn);
        assert_eq!(view.server_label, "Bitbucket Cloud");
        c.expires_on = Some("2027-06-01".into());
        assert_eq!(ConnectionView::new(c.clone(), today).tone, Tone::Good);
        c.expires_on = Some("2026-11-01".into());
        let view = ConnectionView::new(c.clone(), today);
        assert_eq!((view.status_text.as_str(), view.tone), ("Expired", Tone::Bad));
        c.status = Status::RejectedByGit;
        assert_eq!(ConnectionView::new(c, today).status_text, "Rejected by git");
    }

    #[test]
    fn the_place_names_the_project_for_a_data_center_token() {
        let mut c = Connection::sample("t");
        assert_eq!(place(&c), None);
        c.workspace = Some("acme".into());
        assert_eq!(place(&c).as_deref(), Some("acme"));
        c.repository = Some("models".into());
        assert_eq!(place(&c).as_deref(), Some("acme/models"));
        c.provider = ProviderKind::DataCenter;
        c.repository = None;
        c.project = Some("DATA".into());
        assert_eq!(place(&c).as_deref(), Some("project DATA"));
    }
}
