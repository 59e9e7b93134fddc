//! Running the binary (the shared child-process harness of
//! `tests/support/process.rs`) on a data directory of the test's own, and
//! what the CLI tests check in what it prints and stores.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[path = "../support/process.rs"]
mod process;
pub use process::*;

use reqwest::StatusCode;
use serde_json::{Value, json};

/// The fixed key of `PADDOCK_API_KEYS` tests.
pub const FIXED_KEY: &str = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_fixedSecret1";
pub const FIXED_KEY_ID: &str = "apikey_01hv8gz6y0m8m5f8q2y9f7kj3x";

/// A [`command`] on `data_dir`.
pub fn paddock(data_dir: &Path) -> Command {
    let mut command = command();
    command.env("PADDOCK_DATA_DIR", data_dir);
    command
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
