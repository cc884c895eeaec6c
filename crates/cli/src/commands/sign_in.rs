//! `repoconn add NAME --cloud --method oauth`: sign in with Bitbucket Cloud in the browser (or
//! paste back what the browser ended on), check the access token, and save the connection with
//! its tokens. Nothing is saved unless the check says usable.

use std::io::{BufRead, IsTerminal, Read};
use std::time::Duration;

use repoconn_core::Secret;
use repoconn_core::check::CheckEnv;
use repoconn_core::domain::catalogue::StorageFault;
use repoconn_core::flows::{self, Saved};
use repoconn_core::oauth::authorize::Authorization;
use repoconn_core::oauth::loopback::Loopback;
use repoconn_core::oauth::{self, CALLBACK_PATH, Consumer, OauthError, token};
use repoconn_core::policy::PolicyState;
use repoconn_core::store::registry::Registry;

use crate::args::{CheckOptions, Target};
use crate::context;
use crate::error::{CliError, CliResult};
use crate::output;

/// The longest line read from standard input: a consumer secret or a pasted address is far shorter.
const MAX_LINE_BYTES: u64 = 64 * 1024;
/// How long the browser may take to come back (the person reads the page and decides).
const BROWSER_WAIT: Duration = Duration::from_secs(10 * 60);

/// What `add` hands over for a sign-in.
pub struct SignIn {
    pub name: String,
    pub target: Target,
    pub options: CheckOptions,
    pub client_id: Option<String>,
    pub no_browser: bool,
}

pub fn run(sign_in: SignIn) -> CliResult {
    sign_in.target.validate()?;
    let env = context::environment()?;
    let web = oauth::cloud_web().map_err(|err| CliError::usage(err.to_string()))?;
    let mut stdin = std::io::stdin().lock();
    let (consumer, given) = consumer(sign_in.client_id.clone(), &env.policy, &mut stdin)?;
    let registry = Registry::open_default()?;
    if registry.list()?.iter().any(|c| c.name == sign_in.name) {
        // Found before the browser opens, not after the person signed in.
        let taken = StorageFault::NameTaken {
            name: sign_in.name.clone(),
        };
        return Err(CliError::storage(taken.into()));
    }
    let runtime = context::runtime()?;
    let mut tokens = runtime
        .block_on(sign_in_tokens(
            &env,
            &web,
            &consumer,
            sign_in.no_browser,
            &mut stdin,
        ))
        .map_err(refusal)?;
    // Kept only when the person gave it: the policy's stays in the policy file.
    tokens.client_secret = given.then(|| consumer.client_secret.expose().to_owned());
    // The access token is checked like any other (Method::Oauth, which `add` routed here).
    let request = sign_in.target.into_request(&sign_in.options, tokens.access());
    let saved: Saved = runtime.block_on(flows::add_signed_in(
        &registry,
        &sign_in.name,
        request,
        &tokens,
        &env,
    ))?;
    output::print_saved(&saved, sign_in.options.json, "Saved")
}

/// The consumer, and whether the person gave it: its key from --client-id and its secret on
/// standard input (its first line), or both from the administrator's policy.
fn consumer(
    client_id: Option<String>,
    policy: &PolicyState,
    stdin: &mut impl BufRead,
) -> Result<(Consumer, bool), CliError> {
    let Some(client_id) = client_id.filter(|id| !id.trim().is_empty()) else {
        return from_policy(policy).map(|consumer| (consumer, false));
    };
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("OAuth consumer secret (input hidden): ")
            .map_err(|err| CliError::usage(format!("cannot read the consumer secret: {err}")))?
    } else {
        read_line(stdin)?.unwrap_or_default()
    };
    if secret.trim().is_empty() {
        return Err(CliError::usage(
            "no consumer secret on standard input: pipe it in on the first line, e.g. `repoconn add NAME --cloud --method oauth --client-id KEY < secret.txt`",
        ));
    }
    let consumer = Consumer {
        client_id: client_id.trim().to_owned(),
        client_secret: Secret::new(secret.trim()),
    };
    Ok((consumer, true))
}

fn from_policy(policy: &PolicyState) -> Result<Consumer, CliError> {
    let Some(client) = policy.cloud_oauth_client() else {
        return Err(CliError::usage(
            "--method oauth needs the OAuth consumer: give its key with --client-id and its secret on standard input",
        ));
    };
    let Some(secret) = client.client_secret.as_deref().filter(|s| !s.trim().is_empty()) else {
        return Err(CliError::usage(
            "the policy's OAuth consumer for Bitbucket Cloud has no client_secret: give --client-id KEY and the secret on standard input, or ask your administrators",
        ));
    };
    Ok(Consumer {
        client_id: client.client_id.clone(),
        client_secret: Secret::new(secret),
    })
}

/// Signs in and exchanges the code: through the loopback listener and the browser, or by
/// pasting back the address the browser ended on (or the code).
async fn sign_in_tokens(
    env: &CheckEnv,
    web: &url::Url,
    consumer: &Consumer,
    no_browser: bool,
    stdin: &mut impl BufRead,
) -> Result<repoconn_core::domain::tokens::OauthTokens, OauthError> {
    let (authorization, code) = if no_browser {
        // No listener: the browser ends on an address that does not load, which holds the code.
        let redirect = format!("http://127.0.0.1{CALLBACK_PATH}");
        let authorization = Authorization::new(web, &consumer.client_id, &redirect);
        eprintln!(
            "Open this address in a browser and allow access:\n{}",
            authorization.url
        );
        eprintln!(
            "Then paste here the address the browser ended on (it starts with {redirect}), or the code in it:"
        );
        let pasted = read_line(stdin).map_err(|err| OauthError::BadAnswer {
            detail: err.to_string(),
        })?;
        let code = authorization.code_from_paste(&pasted.unwrap_or_default())?;
        (authorization, code)
    } else {
        let loopback = Loopback::bind().await?;
        let authorization = Authorization::new(web, &consumer.client_id, &loopback.redirect_uri);
        eprintln!(
            "Sign in with Bitbucket in your browser. If it does not open, open this address:\n{}",
            authorization.url
        );
        if let Err(err) = oauth::open_in_browser(&authorization.url) {
            eprintln!("repoconn: {err}; run again with --no-browser to paste the address back instead");
        }
        let code = tokio::time::timeout(BROWSER_WAIT, loopback.wait(&authorization))
            .await
            .map_err(|_| OauthError::Unreachable {
                detail: "the browser did not come back within 10 minutes; run again, or with --no-browser"
                    .to_owned(),
            })??;
        (authorization, code)
    };
    token::exchange_code(
        env,
        web,
        consumer,
        &code,
        &authorization.redirect_uri,
        &authorization.verifier,
    )
    .await
}

/// One line of standard input, without its line break; `None` at its end.
fn read_line(stdin: &mut impl BufRead) -> Result<Option<String>, CliError> {
    let mut line = String::new();
    // Bounded: a file piped in by mistake must not fill memory.
    let read = Read::take(stdin.by_ref(), MAX_LINE_BYTES)
        .read_line(&mut line)
        .map_err(|err| CliError::usage(format!("cannot read standard input: {err}")))?;
    Ok((read > 0).then(|| line.trim_end_matches(['\r', '\n']).to_owned()))
}

/// A sign-in that ended without tokens: 3 when no verdict could be reached, else 1.
fn refusal(err: OauthError) -> CliError {
    let fix = match &err {
        OauthError::ConsentDenied => "run the command again and choose Grant access on Bitbucket's page",
        OauthError::StateMismatch => "run the command again and finish the sign-in in the browser it opens",
        OauthError::InvalidConsumer { .. } => {
            "check the consumer's key (--client-id) and secret in the workspace settings, OAuth consumers"
        }
        OauthError::Unreachable { .. } => "check the network and run the command again",
        _ => "run the command again",
    };
    let message = format!("{err}. Nothing was saved.");
    let error = if err.is_unverified() {
        CliError::unverified(message)
    } else {
        CliError::failed(message)
    };
    error.with_fix(fix)
}
