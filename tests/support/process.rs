//! The `paddock` binary as a child process, shared by the CLI and API test
//! crates (each includes this file by path): a clean environment, output
//! read line by line on threads of their own, readiness from the log (never
//! a sleep), timeouts, and a child killed when its test drops it or panics.

// Each test crate uses part of this.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a server may take to listen, and to stop after SIGTERM.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a one-shot command (`keys ...`, a failing start) may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// A `paddock` command with a clean environment: no `PADDOCK_*` or
/// `DATABASE_URL` inherited from whoever runs the tests, info-level logs,
/// standard output and error piped.
pub fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paddock"));
    for (name, _) in std::env::vars_os() {
        let inherited = name.to_string_lossy();
        if inherited.starts_with("PADDOCK_") || inherited == "DATABASE_URL" {
            command.env_remove(&name);
        }
    }
    command
        .env_remove("DATABASE_URL")
        .env_remove("PADDOCK_API_KEYS")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// The lines of one of a child's output pipes, read on a thread of its own
/// so the pipe never fills, and handed over as they arrive.
pub struct Lines {
    pub receiver: Receiver<String>,
    pub seen: Vec<String>,
    pub reader: Option<JoinHandle<()>>,
}

impl Lines {
    pub fn new(pipe: impl Read + Send + 'static) -> Self {
        let (sender, receiver) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            receiver,
            seen: Vec::new(),
            reader: Some(reader),
        }
    }

    /// Waits for a line `pick` accepts and returns what it picked; `None`
    /// when the pipe closes (the process ended) or `until` passes first.
    pub fn wait_for<T>(
        &mut self,
        until: Instant,
        mut pick: impl FnMut(&str) -> Option<T>,
    ) -> Option<T> {
        if let Some(found) = self.seen.iter().find_map(|line| pick(line)) {
            return Some(found);
        }
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => {
                    let found = pick(&line);
                    self.seen.push(line);
                    if found.is_some() {
                        return found;
                    }
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Everything, once the process has exited and the pipe is closed.
    pub fn finish(mut self, until: Instant) -> String {
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.receiver.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "the output pipe stayed open after the process exited; so far:\n{}",
                    self.text()
                ),
            }
        }
        if let Some(reader) = self.reader.take() {
            reader.join().expect("the pipe reader doesn't panic");
        }
        self.text()
    }

    pub fn text(&self) -> String {
        self.seen.iter().map(|line| format!("{line}\n")).collect()
    }
}

/// A child process that is killed when dropped, so a failing test leaves
/// nothing running.
pub struct Guard(Child);

impl Guard {
    pub fn spawn(mut command: Command) -> Self {
        Self(command.spawn().expect("the paddock binary starts"))
    }

    pub fn take_stdout(&mut self) -> impl Read + Send + 'static {
        self.0.stdout.take().expect("stdout is piped")
    }

    pub fn take_stderr(&mut self) -> impl Read + Send + 'static {
        self.0.stderr.take().expect("stderr is piped")
    }

    pub fn id(&self) -> u32 {
        self.0.id()
    }

    /// Polls for exit until `until`; `None` if it is still running.
    pub fn wait_until(&mut self, until: Instant) -> Option<ExitStatus> {
        loop {
            if let Some(status) = self.0.try_wait().expect("try_wait works") {
                return Some(status);
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

/// What a process left behind.
#[derive(Debug)]
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a command that is expected to end by itself, within a timeout.
pub fn run(mut command: Command) -> Finished {
    let mut child = Guard(command.spawn().expect("the paddock binary starts"));
    let stdout = Lines::new(child.0.stdout.take().unwrap());
    let stderr = Lines::new(child.0.stderr.take().unwrap());
    let until = Instant::now() + COMMAND_TIMEOUT;
    let Some(status) = child.wait_until(until) else {
        drop(child);
        panic!(
            "paddock still runs after {COMMAND_TIMEOUT:?}; stderr:\n{}",
            stderr.text()
        );
    };
    let until = Instant::now() + STOP_TIMEOUT;
    Finished {
        status,
        stdout: stdout.finish(until),
        stderr: stderr.finish(until),
    }
}

/// A serving `paddock`, started on port 0 and found by its log line.
pub struct Server {
    pub child: Guard,
    pub stdout: Lines,
    pub stderr: Lines,
    pub base: String,
}

impl Server {
    /// Runs `command` (a [`command`] that serves on 127.0.0.1:0);
    /// returns once it logs where it listens.
    pub fn spawn(mut command: Command) -> Self {
        let mut child = Guard(command.spawn().expect("the paddock binary starts"));
        let stdout = Lines::new(child.0.stdout.take().unwrap());
        let mut stderr = Lines::new(child.0.stderr.take().unwrap());
        let port = stderr.wait_for(Instant::now() + START_TIMEOUT, listening_port);
        let Some(port) = port else {
            let status = child.wait_until(Instant::now());
            drop(child);
            panic!(
                "paddock didn't log `listening on http://127.0.0.1:<port>` (exit: {status:?}); stderr:\n{}",
                stderr.text()
            );
        };
        Self {
            child,
            stdout,
            stderr,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A server started by hand, once it serves at `base`.
    pub fn adopt(child: Guard, stdout: Lines, stderr: Lines, base: String) -> Self {
        Self {
            child,
            stdout,
            stderr,
            base,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The first line of standard output that `pick` accepts, waiting for
    /// it; panics if it doesn't come.
    pub fn stdout_line<T>(&mut self, pick: impl FnMut(&str) -> Option<T>) -> T {
        match self.stdout.wait_for(Instant::now() + START_TIMEOUT, pick) {
            Some(found) => found,
            None => panic!("not on stdout:\n{}", self.stdout.text()),
        }
    }

    /// SIGKILL: no shutdown, no cleanup.
    pub fn kill(mut self) {
        self.child.0.kill().expect("the child can be killed");
        self.child.0.wait().expect("the child is reaped");
    }

    /// SIGTERM, then waits for the process to exit by itself.
    pub fn terminate(mut self) -> Finished {
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("`kill` runs");
        assert!(sent.success(), "kill -TERM failed: {sent}");
        let until = Instant::now() + STOP_TIMEOUT;
        let Some(status) = self.child.wait_until(until) else {
            panic!(
                "paddock still runs {STOP_TIMEOUT:?} after SIGTERM; stderr:\n{}",
                self.stderr.text()
            );
        };
        Finished {
            status,
            stdout: self.stdout.finish(until),
            stderr: self.stderr.finish(until),
        }
    }
}

/// The port of `listening on http://127.0.0.1:<port>`, if `line` says so.
pub fn listening_port(line: &str) -> Option<u16> {
    let rest = line.split("listening on http://127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|port| *port != 0)
}
