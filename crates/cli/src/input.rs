//! Reading the secret. It comes from standard input only, never from arguments, which other users
//! of the machine can see and shells keep in their history.

use std::io::{IsTerminal, Read};

use repoconn_core::{Method, Secret};

use crate::error::CliError;

/// The secret: hidden when typed, whole when piped. Nothing on standard input is a usage error.
pub fn read_secret(method: Method) -> Result<Secret, CliError> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        let prompt = format!("{} (input hidden): ", method.label());
        rpassword::prompt_password(prompt)
            .map_err(|err| CliError::usage(format!("cannot read the secret: {err}")))?
    } else {
        let mut text = String::new();
        stdin
            .lock()
            .read_to_string(&mut text)
            .map_err(|err| CliError::usage(format!("cannot read the secret from standard input: {err}")))?;
        text
    };
    if text.trim().is_empty() {
        return Err(CliError::usage(
            "no secret on standard input: pipe the token or password in, e.g. `repoconn check ... < token.txt`",
        ));
    }
    Ok(Secret::new(text))
}
