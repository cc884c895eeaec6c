//! The one way this crate's integration tests start a process: the real `repoconn` binary (or
//! `git`), its arguments, what it reads on standard input and its environment, giving back its
//! status, standard output and standard error.
//!
//! The caller's proxy settings are removed first: a developer's proxy would otherwise carry the
//! requests meant for the fake servers on 127.0.0.1, or refuse them.

// Each test crate compiles its own copy and uses only part of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Proxy variables, in both spellings, that must not reach the process under test.
const PROXY_VARIABLES: [&str; 4] = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"];

/// A process to run once: build it up, then take its output.
pub struct Run {
    command: Command,
    stdin: String,
}

impl Run {
    /// The `repoconn` binary this test crate was built with.
    pub fn repoconn<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Self {
        Self::program(env!("CARGO_BIN_EXE_repoconn"), args)
    }

    /// Any program, such as `git` cloning through our credential helper.
    pub fn program<S: AsRef<OsStr>>(program: impl AsRef<Path>, args: impl IntoIterator<Item = S>) -> Self {
        let mut command = Command::new(program.as_ref());
        command.args(args);
        for name in PROXY_VARIABLES {
            command.env_remove(name).env_remove(name.to_lowercase());
        }
        Self {
            command,
            stdin: String::new(),
        }
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.command.args(args);
        self
    }

    /// What the process reads on standard input (then end of file). Nothing by default.
    pub fn stdin(mut self, text: &str) -> Self {
        text.clone_into(&mut self.stdin);
        self
    }

    pub fn env(mut self, name: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.command.env(name, value);
        self
    }

    /// More environment, applied after everything set so far (so it can override it).
    pub fn envs<K: AsRef<OsStr>, V: AsRef<OsStr>>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self {
        self.command.envs(vars);
        self
    }

    pub fn env_remove(mut self, name: impl AsRef<OsStr>) -> Self {
        self.command.env_remove(name);
        self
    }

    /// Sets `name` to `value`, or removes it when `value` is `None`, so that the caller's own
    /// setting never leaks in.
    pub fn env_or_remove(self, name: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.env(name, value),
            None => self.env_remove(name),
        }
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.command.current_dir(dir);
        self
    }

    /// Runs the process to its end on this thread; a program that does not start fails the test.
    pub fn output(self) -> Output {
        let program = self.command.get_program().to_string_lossy().into_owned();
        self.try_output()
            .unwrap_or_else(|err| panic!("{program} does not run: {err}"))
    }

    /// Same, for a program the test can do without (`Err` when it does not start).
    pub fn try_output(mut self) -> std::io::Result<Output> {
        self.command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.command.spawn()?;
        // A usage error exits before reading standard input: a broken pipe is expected then.
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(self.stdin.as_bytes());
        }
        child.wait_with_output()
    }

    /// Runs the process off the async runtime, so that the fake servers keep serving meanwhile.
    pub async fn output_async(self) -> Output {
        tokio::task::spawn_blocking(move || self.output())
            .await
            .expect("the process runner does not panic")
    }
}
