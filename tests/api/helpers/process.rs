//! The real `paddock` binary as a child process, for what only a process
//! can show: being killed, restarted, asked for its health. The harness is
//! the CLI tests' own (`tests/support/process.rs`).

use std::process::Command;

#[path = "../../support/process.rs"]
mod support;
pub use support::{Finished, Server as Paddock};

impl Paddock {
    /// Starts `paddock` with `env` on a free port; returns once it listens.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let mut command = support::command();
        command
            .args(["--listen", "127.0.0.1:0"])
            .envs(env.iter().copied());
        Self::spawn(command)
    }
}

/// Runs `paddock` with `args` to its end, within the harness's timeout.
pub fn run_paddock(args: &[&str]) -> Finished {
    let mut command: Command = support::command();
    command.args(args);
    support::run(command)
}
