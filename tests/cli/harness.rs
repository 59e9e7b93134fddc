//! Running the binary: a clean environment, output read line by line on
//! threads of their own, readiness from the log, timeouts, cleanup.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

/// How long a server may take to listen, and to stop after SIGTERM.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
pub const STOP_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a one-shot command (`keys ...`, a failing start) may run.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

/// The fixed key of `PADDOCK_API_KEYS` tests.
pub const FIXED_KEY: &str = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_fixedSecret1";
pub const FIXED_KEY_ID: &str = "apikey_01hv8gz6y0m8m5f8q2y9f7kj3x";

/// A `paddock` command with a clean environment: no `PADDOCK_*` or
/// `DATABASE_URL` inherited from whoever runs the tests, info-level logs,
/// and the given data directory.
pub fn paddock(data_dir: &Path) -> Command {
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
        .env("PADDOCK_DATA_DIR", data_dir)
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

pub fn run_keys<I, S>(data_dir: &Path, args: I) -> Finished
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut command = paddock(data_dir);
    command.arg("keys").args(args);
    run(command)
}

/// A serving `paddock`, started on port 0 and found by its log line.
pub struct Server {
    pub child: Guard,
    pub stdout: Lines,
    pub stderr: Lines,
    pub base: String,
}

impl Server {
    /// Starts `paddock --listen 127.0.0.1:0` on `data_dir` with `env`;
    /// returns once it logs where it listens.
    pub fn start(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_with(data_dir, &[], env)
    }

    /// [`Server::start`] with more arguments after `--listen 127.0.0.1:0`.
    pub fn start_with(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = paddock(data_dir);
        command
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied());
        Self::spawn(command)
    }

    /// Runs `command` (a [`paddock`] command that serves on 127.0.0.1:0);
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

/// An API key `pdl_<env>_apikey_<26 lowercase alnum>_<secret>` with the
/// given environment segment, standing alone in `line` (leading spaces
/// aside); `None` otherwise.
pub fn api_key_in(line: &str, environment: &str) -> Option<String> {
    let key = line.trim_start_matches(' ');
    let rest = key.strip_prefix(&format!("pdl_{environment}_apikey_"))?;
    let (ulid, secret) = (rest.get(..26)?, rest.get(26..)?.strip_prefix('_')?);
    let ulid_ok = ulid
        .bytes()
        .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase());
    let secret_ok = !secret.is_empty() && secret.bytes().all(|b| b.is_ascii_alphanumeric());
    (ulid_ok && secret_ok).then(|| key.to_owned())
}

/// `apikey_<ulid>` of a key.
pub fn key_id(key: &str) -> String {
    let ulid = key.split('_').nth(3).expect("a key has a ulid");
    format!("apikey_{ulid}")
}

/// The part of a key after its id: what must never be written down.
pub fn key_secret(key: &str) -> &str {
    let ulid = key.split('_').nth(3).expect("a key has a ulid");
    let (_, secret) = key.split_once(&format!("_{ulid}_")).unwrap();
    secret
}

/// Every file of `dir`, concatenated as bytes (the database, its WAL and
/// shared-memory files, the secret key file).
pub fn bytes_of_files(dir: &Path) -> (Vec<u8>, Vec<String>) {
    let mut bytes = Vec::new();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
            bytes.extend(std::fs::read(entry.path()).unwrap());
        }
    }
    names.sort();
    (bytes, names)
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

pub async fn create_token(server: &Server, key: &str, name: &str) -> (StatusCode, Value) {
    let response = client()
        .post(server.url("/client-tokens"))
        .bearer_auth(key)
        .header("Content-Type", "application/json")
        .body(json!({ "name": name }).to_string())
        .send()
        .await
        .expect("POST /client-tokens answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

pub async fn list_tokens(server: &Server, key: &str) -> (StatusCode, Value) {
    let response = client()
        .get(server.url("/client-tokens"))
        .bearer_auth(key)
        .send()
        .await
        .expect("GET /client-tokens answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// The sandbox key a first start prints, checking it is printed once.
pub fn the_bootstrap_key(stdout: &str) -> String {
    let keys: Vec<String> = stdout
        .lines()
        .filter_map(|line| api_key_in(line, "sdbx"))
        .collect();
    assert_eq!(keys.len(), 1, "one key on stdout:\n{stdout}");
    assert_eq!(
        stdout.matches("pdl_").count(),
        1,
        "the key, once, and no other:\n{stdout}"
    );
    keys.into_iter().next().unwrap()
}
