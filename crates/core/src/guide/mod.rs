//! What the dialog and the CLI show a person: the form's choices and words, the "Generate" pages
//! with their checklists, and the list of saved connections.

pub mod form;
pub mod links;
pub mod listing;
pub mod naming;
