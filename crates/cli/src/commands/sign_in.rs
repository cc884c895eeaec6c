//! `repoconn add NAME --cloud|--server URL --method oauth`: sign in with Bitbucket in the browser
//! (or paste back what the browser ended on), check the access token, and save the connection
//! with its tokens; `repoconn rotate NAME` of a signed-in connection signs in again. Nothing is
//! saved unless the check says usable.

use std::io::{BufRead, IsTerminal, Read};
use std::time::Duration;

use repoconn_core::Secret;
use repoconn_core::check::{CheckEnv, CheckRequest};
use repoconn_core::domain::catalogue::StorageFault;
use repoconn_core::domain::scopes::normalise_requirements;
use repoconn_core::domain::tokens::OauthTokens;
use repoconn_core::flows::{self, Saved};
use repoconn_core::oauth::authorize::Authorization;
use repoconn_core::oauth::loopback::Loopback;
use repoconn_core::oauth::server::{AuthServer, HTTP_REDIRECT_PROPERTY};
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
    pub redirect_uri: Option<String>,
}

pub fn run(sign_in: SignIn) -> CliResult {
    sign_in.target.validate()?;
    normalise_requirements(sign_in.target.method(), &sign_in.options.require)?;
    let env = context::environment()?;
    // The request as the check will see it; the access token takes the secret's place later.
    let request = sign_in.target.into_request(&sign_in.options, Secret::new(""));
    let server = AuthServer::for_request(&request).map_err(|err| CliError::usage(err.to_string()))?;
    let mut stdin = std::io::stdin().lock();
    let (consumer, given) = consumer(&server, sign_in.client_id.clone(), &env.policy, &mut stdin)?;
    let redirect = oauth::registered_redirect(&server, sign_in.redirect_uri.as_deref(), &env.policy)
        .map_err(|err| CliError::usage(err.to_string()))?;
    let registry = Registry::open_default()?;
    if registry.list()?.iter().any(|c| c.name == sign_in.name) {
        // Found before the browser opens, not after the person signed in.
        let taken = StorageFault::NameTaken {
            name: sign_in.name.clone(),
        };
        return Err(CliError::storage(taken.into()));
    }
    let scopes = server.scopes_for(&request);
    let runtime = context::runtime()?;
    let attempt = Attempt {
        env: &env,
        server: &server,
        consumer: &consumer,
        redirect: redirect.as_ref(),
        scopes: &scopes,
    };
    let mut tokens = runtime
        .block_on(attempt.tokens(sign_in.no_browser, &mut stdin))
        .map_err(|err| refusal(err, &server))?;
    // Kept only when the person gave it: the policy's stays in the policy file.
    tokens.client_secret = given
        .then(|| consumer.client_secret.as_ref().map(|s| s.expose().to_owned()))
        .flatten();
    // The access token is checked like any other (Method::Oauth or DataCenterOauth).
    let request = CheckRequest {
        secret: tokens.access(),
        ..request
    };
    let saved: Saved = runtime.block_on(flows::add_signed_in(
        &registry,
        &sign_in.name,
        request,
        &tokens,
        &env,
    ))?;
    output::print_saved(&saved, sign_in.options.json, "Saved")
}

/// `repoconn rotate NAME` of a signed-in connection: the same sign-in with the consumer it used
/// (its secret as saved, else the policy's), the new tokens checked and stored in place of the old.
pub fn again(registry: &Registry, name: &str, no_browser: bool, json: bool) -> CliResult {
    let connection = registry.get(name)?;
    let env = context::environment()?;
    let server = AuthServer::of(&connection).map_err(|err| CliError::usage(err.to_string()))?;
    let saved = registry
        .stored_secret(&connection)
        .ok()
        .and_then(|s| OauthTokens::read(&s));
    let mut stdin = std::io::stdin().lock();
    let (client_id, client_secret) = match &saved {
        Some(tokens) => (
            Some(tokens.client_id.clone()),
            tokens.client_secret.as_deref().map(Secret::new),
        ),
        None => (None, None),
    };
    let (consumer, given) = oauth::choose_consumer(&server, client_id, client_secret, &env.policy)
        .map_err(|err| refusal(err, &server))?;
    // The redirect address signed in with before, which the link is registered with.
    let signed_in_with = saved.as_ref().and_then(|t| t.redirect_uri.as_deref());
    let redirect = oauth::registered_redirect(&server, signed_in_with, &env.policy)
        .map_err(|err| CliError::usage(err.to_string()))?;
    let scopes = server.scopes_for(&flows::request_for(&connection, Secret::new("")));
    let runtime = context::runtime()?;
    let attempt = Attempt {
        env: &env,
        server: &server,
        consumer: &consumer,
        redirect: redirect.as_ref(),
        scopes: &scopes,
    };
    let mut tokens = runtime
        .block_on(attempt.tokens(no_browser, &mut stdin))
        .map_err(|err| refusal(err, &server))?;
    tokens.client_secret = given
        .then(|| consumer.client_secret.as_ref().map(|s| s.expose().to_owned()))
        .flatten();
    let saved = runtime.block_on(flows::rotate_signed_in(registry, name, &tokens, &env))?;
    output::print_saved(&saved, json, "Signed in again")
}

/// The consumer, and whether the person gave it: its key from --client-id and its secret on
/// standard input (its first line; a Data Center link may have none), or both from the
/// administrator's policy. The core chooses, with the same rule as the app's.
fn consumer(
    server: &AuthServer,
    client_id: Option<String>,
    policy: &PolicyState,
    stdin: &mut impl BufRead,
) -> Result<(Consumer, bool), CliError> {
    let typed_id = client_id.filter(|id| !id.trim().is_empty());
    let secret = match &typed_id {
        None => None,
        Some(_) if std::io::stdin().is_terminal() => {
            let prompt = if server.is_data_center() {
                "Client secret of the application link (input hidden; Enter if it has none): "
            } else {
                "OAuth consumer secret (input hidden): "
            };
            Some(
                rpassword::prompt_password(prompt)
                    .map_err(|err| CliError::usage(format!("cannot read the consumer secret: {err}")))?,
            )
        }
        Some(_) => read_line(stdin)?,
    };
    oauth::choose_consumer(server, typed_id, secret.map(Secret::new), policy).map_err(|err| {
        let hint = if server.is_data_center() {
            "give the application link's client ID with --client-id (its secret, if it has one, on the first line of standard input), or ask your administrators to add the link to the policy file"
        } else {
            "give the consumer's key with --client-id and its secret on the first line of standard input, e.g. `repoconn add NAME --cloud --method oauth --client-id KEY < secret.txt`, or ask your administrators to add the consumer to the policy file"
        };
        CliError::usage(format!("{err}: {hint}"))
    })
}

/// One sign-in: where, with which consumer, coming back where, asking for what.
struct Attempt<'a> {
    env: &'a CheckEnv,
    server: &'a AuthServer,
    consumer: &'a Consumer,
    /// The registered redirect address (Data Center); Cloud takes any port of 127.0.0.1.
    redirect: Option<&'a url::Url>,
    scopes: &'a [&'static str],
}

impl Attempt<'_> {
    /// Signs in and exchanges the code: through the loopback listener and the browser, or by
    /// pasting back the address the browser ended on (or the code).
    async fn tokens(&self, no_browser: bool, stdin: &mut impl BufRead) -> Result<OauthTokens, OauthError> {
        let client_id = &self.consumer.client_id;
        let (authorization, code) = if no_browser {
            // No listener: the browser ends on an address that does not load, which holds the code.
            let redirect = match self.redirect {
                Some(url) => url.to_string(),
                None => format!("http://127.0.0.1{CALLBACK_PATH}"),
            };
            let authorization = Authorization::new(self.server, client_id, &redirect, self.scopes);
            self.server
                .preflight(self.env, &authorization.url, &redirect)
                .await?;
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
            let loopback = match self.redirect {
                Some(url) => Loopback::bind_to(url).await?,
                None => Loopback::bind().await?,
            };
            let authorization =
                Authorization::new(self.server, client_id, &loopback.redirect_uri, self.scopes);
            self.server
                .preflight(self.env, &authorization.url, &loopback.redirect_uri)
                .await?;
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
                    detail:
                        "the browser did not come back within 10 minutes; run again, or with --no-browser"
                            .to_owned(),
                })??;
            (authorization, code)
        };
        token::exchange_code(
            self.env,
            self.server,
            self.consumer,
            &code,
            &authorization.redirect_uri,
            &authorization.verifier,
        )
        .await
    }
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
fn refusal(err: OauthError, server: &AuthServer) -> CliError {
    let fix = match &err {
        OauthError::ConsentDenied => "run the command again and allow access on Bitbucket's page".to_owned(),
        OauthError::StateMismatch => {
            "run the command again and finish the sign-in in the browser it opens".to_owned()
        }
        OauthError::InvalidConsumer { .. } if server.is_data_center() => {
            "check the client ID (--client-id) and secret against the application link (Administration, Application links)".to_owned()
        }
        OauthError::InvalidConsumer { .. } => {
            "check the consumer's key (--client-id) and secret in the workspace settings, OAuth consumers".to_owned()
        }
        OauthError::RedirectRefused { redirect_uri, .. } => format!(
            "ask your Bitbucket administrators to start the server with -D{HTTP_REDIRECT_PROPERTY}=true and to register {redirect_uri} as the application link's redirect URL; until then connect with a personal HTTP access token: `repoconn add NAME --server {} --method personal-token`",
            server.root
        ),
        OauthError::NotOffered => format!(
            "connect with a personal HTTP access token instead: `repoconn add NAME --server {} --method personal-token`",
            server.root
        ),
        OauthError::Unreachable { .. } => {
            "check the network and run the command again; where the browser cannot come back to this computer, add --no-browser".to_owned()
        }
        _ => "run the command again".to_owned(),
    };
    let message = format!("{err}. Nothing was saved.");
    let error = if err.is_unverified() {
        CliError::unverified(message)
    } else {
        CliError::failed(message)
    };
    error.with_fix(fix)
}
