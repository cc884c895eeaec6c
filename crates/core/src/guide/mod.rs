//! What the dialog and the CLI show a person: the form's choices and words, the "Generate" pages
//! with their checklists, the list of saved connections, and setting git up for one of them.

pub mod form;
pub mod git_fix;
pub mod links;
pub mod listing;
pub mod naming;
