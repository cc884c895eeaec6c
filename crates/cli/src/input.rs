//! Reading the secret. It comes from standard input only, never from arguments, which other users
//! of the machine can see and shells keep in their history.

use std::io::{IsTerminal, Read};

use repoconn_core::{Method, Secret};
use zeroize::Zeroizing;

/// OAuth tokens are the longest secrets (a few KiB); nothing real comes near this.
const MAX_SECRET_BYTES: usize = 64 * 1024;

use crate::error::CliError;

/// The secret: hidden when typed, whole when piped. Nothing on standard input is a usage error.
pub fn read_secret(method: Method) -> Result<Secret, CliError> {
    let stdin = std::io::stdin();
    let text = if stdin.is_terminal() {
        let prompt = format!("{} (input hidden): ", method.label());
        rpassword::prompt_password(prompt)
            .map_err(|err| CliError::usage(format!("cannot read the secret: {err}")))?
    } else {
        // Bounded: a file piped in by mistake must not fill memory, nor travel in a header.
        let mut bytes = Zeroizing::new(Vec::new());
        stdin
            .lock()
            .take(MAX_SECRET_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| CliError::usage(format!("cannot read the secret from standard input: {err}")))?;
        if bytes.len() > MAX_SECRET_BYTES {
            return Err(CliError::usage(format!(
                "standard input holds more than {MAX_SECRET_BYTES} bytes: that is not a token or password"
            )));
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| CliError::usage("the secret on standard input is not UTF-8 text"))?;
        text.to_owned()
    };
    let secret = Secret::new(text);
    if secret.expose().trim().is_empty() {
        return Err(CliError::usage(
            "no secret on standard input: pipe the token or password in, e.g. `repoconn check ... < token.txt`",
        ));
    }
    // Surrounding whitespace and the final newline are tidied later; anything else invisible is
    // a mistake (a pasted second line, a NUL) that no server would accept.
    if secret.expose().trim().chars().any(char::is_control) {
        return Err(CliError::usage(
            "the secret contains a line break or another control character: put only the token or password on standard input",
        ));
    }
    Ok(secret)
}
