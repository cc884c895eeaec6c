//! The connection name as the person types it in the dialog: what is wrong with it (the store's
//! own rule, and names already taken), and a free name like it to suggest.

use serde::Serialize;
use specta::Type;

use crate::domain::catalogue::{StorageError, StorageFault};
use crate::store::registry::check_name;

/// The longest connection name (the store's rule).
const MAX_CHARS: usize = 64;

/// What the form shows under the name field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Type)]
pub struct NameCheck {
    /// What is wrong with the name and how to put it right, in the dialog's words; `None` when it
    /// can be saved.
    pub problem: Option<String>,
    /// A name like it that is free, when this one is taken.
    pub suggestion: Option<String>,
}

/// Checks `name` against the store's rule and the `taken` names. `keeping` is the name of the
/// connection being edited, which may keep its own name.
pub fn name_check(name: &str, taken: &[String], keeping: Option<&str>) -> NameCheck {
    let name = name.trim();
    if let Err(err) = check_name(name) {
        return NameCheck {
            problem: Some(shown(err)),
            suggestion: None,
        };
    }
    let is_taken = |candidate: &str| keeping != Some(candidate) && taken.iter().any(|t| t == candidate);
    if !is_taken(name) {
        return NameCheck {
            problem: None,
            suggestion: None,
        };
    }
    let suggestion = (2..)
        .map(|n| numbered(name, n))
        .find(|candidate| !is_taken(candidate));
    NameCheck {
        problem: Some(shown(
            StorageFault::NameTaken {
                name: name.to_owned(),
            }
            .into(),
        )),
        suggestion,
    }
}

/// "work 2": the name with a number, shortened so that it stays within the longest name.
fn numbered(name: &str, n: u32) -> String {
    let tail = format!(" {n}");
    let keep = MAX_CHARS - tail.chars().count();
    let head: String = name.chars().take(keep).collect();
    format!("{}{tail}", head.trim_end())
}

fn shown(err: StorageError) -> String {
    format!("{} {}", err.message, err.fix_in_dialog.unwrap_or(err.fix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn a_free_valid_name_has_no_problem() {
        let check = name_check("ada on Bitbucket Cloud", &taken(&["work"]), None);
        assert_eq!(check.problem, None);
        assert_eq!(check.suggestion, None);
    }

    #[test]
    fn a_name_with_a_slash_breaks_the_stores_rule() {
        let check = name_check("a/b", &[], None);
        let problem = check.problem.unwrap();
        assert!(
            problem.contains("\"a/b\" cannot be a connection name"),
            "{problem}"
        );
        assert!(problem.contains("letters, digits"), "{problem}");
        assert!(name_check("   ", &[], None).problem.is_some());
        assert!(name_check(&"x".repeat(65), &[], None).problem.is_some());
    }

    #[test]
    fn a_taken_name_gets_the_first_free_number() {
        let check = name_check("work", &taken(&["work", "work 2"]), None);
        let problem = check.problem.unwrap();
        assert!(
            problem.contains("already a connection named \"work\""),
            "{problem}"
        );
        assert!(!problem.contains("rotate"), "{problem}");
        assert_eq!(check.suggestion.as_deref(), Some("work 3"));
        // The connection being edited keeps its own name.
        assert_eq!(name_check("work", &taken(&["work"]), Some("work")).problem, None);
    }

    #[test]
    fn a_suggestion_stays_within_64_characters() {
        let long = "n".repeat(64);
        let check = name_check(&long, &taken(&[&long]), None);
        let suggestion = check.suggestion.unwrap();
        assert_eq!(suggestion.chars().count(), 64);
        assert!(suggestion.ends_with(" 2"));
        assert_eq!(name_check(&suggestion, &[], None).problem, None);
    }
}
