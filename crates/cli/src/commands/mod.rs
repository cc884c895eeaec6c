//! One file per subcommand. Each parses nothing itself (clap did), does its one job through the
//! core, prints its answer and returns its exit status or a `CliError`.

pub mod add;
pub mod change;
pub mod check;
pub mod doctor;
pub mod git;
pub mod git_credential;
pub mod info;
pub mod link;
pub mod list;
pub mod remove;
pub mod repos;
pub mod rotate;
pub mod sign_in;
pub mod test;
