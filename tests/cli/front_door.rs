//! What a first start says: a banner on stderr (version, store, where to
//! go), the key alone on stdout; `paddock healthcheck --listen`; and a data
//! directory paddock can't write, reported with its path and uid.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::Instant;

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::*;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The text banner's lines, from `paddock <version>` to its `metrics` line.
fn text_banner(stderr: &str) -> Vec<&str> {
    let lines: Vec<&str> = stderr.lines().collect();
    let start = (lines.iter())
        .position(|line| *line == format!("paddock {VERSION}"))
        .unwrap_or_else(|| panic!("no banner in:\n{stderr}"));
    lines[start..].iter().take(6).copied().collect()
}

#[tokio::test]
async fn a_first_start_says_where_everything_is_and_prints_only_the_key_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let base = server.base.clone();
    let finished = server.terminate();
    let banner = text_banner(&finished.stderr);
    let file = dir.path().join("paddock.sqlite3");
    assert_eq!(
        banner,
        [
            format!("paddock {VERSION}"),
            format!("  store      SQLite {}", file.display()),
            format!("  API        {base}/"),
            "  dashboard  off: set PADDOCK_ADMIN_TOKEN (--admin-token) to turn it on".into(),
            format!("  OpenAPI    {base}/openapi.json"),
            format!("  metrics    {base}/metrics"),
        ],
        "{}",
        finished.stderr
    );
    // Before the server says it is ready; and stdout holds the key alone.
    let banner_at = finished.stderr.find("paddock ").unwrap();
    assert!(banner_at < finished.stderr.find("listening on").unwrap());
    assert_eq!(the_bootstrap_key(&finished.stdout), key);
    let stdout: Vec<&str> = finished.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        stdout.len(),
        3,
        "the key's message and nothing else: {stdout:?}"
    );

    // With the admin API on, the dashboard's URL; and every URL is served.
    let mut server = Server::start(dir.path(), &[("PADDOCK_ADMIN_TOKEN", "local-admin")]);
    let dashboard = format!("  dashboard  {}/__paddock/ui/", server.base);
    let found = server
        .stderr
        .wait_for(Instant::now() + START_TIMEOUT, |line| {
            (line == dashboard).then_some(())
        });
    assert!(found.is_some(), "{}", server.stderr.text());
    let client = client();
    for path in ["/__paddock/ui/", "/openapi.json", "/metrics"] {
        let response = client.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let finished = server.terminate();
    assert!(!finished.stdout.contains("pdl_"), "{}", finished.stdout);
}

/// A start on a Postgres that isn't there yet, so the banner comes and the
/// server waits: its stderr up to the "waiting" line, then killed.
fn banner_on_postgres(format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut command = paddock(dir.path());
    command
        .args(["--listen", "127.0.0.1:0"])
        .env("PADDOCK_LOG_FORMAT", format)
        .env(
            "DATABASE_URL",
            "postgres://paddock:s3cretPassw0rd@127.0.0.1:1/shopdb?sslmode=disable",
        );
    let mut child = Guard::spawn(command);
    let mut stderr = Lines::new(child.take_stderr());
    let waiting = stderr.wait_for(Instant::now() + START_TIMEOUT, |line| {
        line.contains("waiting for the database").then_some(())
    });
    drop(child);
    let text = stderr.text();
    assert!(waiting.is_some(), "{text}");
    assert!(
        !text.contains("s3cretPassw0rd"),
        "the password is logged:\n{text}"
    );
    text
}

#[test]
fn the_banner_names_postgres_by_host_and_database_never_its_password() {
    let text = banner_on_postgres("text");
    let banner = text_banner(&text);
    assert_eq!(
        banner[1], "  store      Postgres at 127.0.0.1:1, database shopdb",
        "{text}"
    );
    assert!(
        banner[2].starts_with("  API        http://127.0.0.1:"),
        "{text}"
    );

    let json = banner_on_postgres("json");
    let lines: Vec<Value> = (json.lines())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let banner = (lines.iter())
        .find(|line| line["message"] == format!("paddock {VERSION}"))
        .unwrap_or_else(|| panic!("no banner event in {json}"));
    assert_eq!(banner["level"], "INFO");
    assert_eq!(banner["version"], VERSION);
    assert_eq!(banner["store"], "Postgres at 127.0.0.1:1, database shopdb");
    let api = banner["api"].as_str().unwrap();
    assert!(
        api.starts_with("http://127.0.0.1:") && api.ends_with('/'),
        "{banner}"
    );
    assert_eq!(banner["openapi"], format!("{api}openapi.json"));
    assert_eq!(banner["metrics"], format!("{api}metrics"));
    assert_eq!(
        banner["dashboard"],
        "off: set PADDOCK_ADMIN_TOKEN (--admin-token) to turn it on"
    );
}

#[test]
fn healthcheck_probes_the_listen_address_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let address = server.base.trim_start_matches("http://").to_owned();
    let probe = |args: &[&str]| {
        let mut command = paddock(dir.path());
        command.args(args);
        run(command)
    };
    for args in [
        ["healthcheck", "--listen", &address],
        ["--listen", &address, "healthcheck"],
    ] {
        let ready = probe(&args);
        assert!(ready.status.success(), "{args:?}: {ready:?}");
    }
    // A wildcard address is probed on loopback.
    let port = address.rsplit(':').next().unwrap();
    let ready = probe(&["healthcheck", "--listen", &format!("0.0.0.0:{port}")]);
    assert!(ready.status.success(), "{ready:?}");
    drop(server);

    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap().to_string();
    drop(closed);
    let down = probe(&["healthcheck", "--listen", &address]);
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    assert!(
        down.stderr.contains(&format!("http://{address}/readyz")),
        "{}",
        down.stderr
    );
}

/// The effective uid of this process, as `id -u` says.
fn own_uid() -> u32 {
    let output = Command::new("id").arg("-u").output().expect("`id` runs");
    String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_data_directory_paddock_cant_write_is_named_with_the_uid_it_runs_as() {
    // A directory owned by someone else, as a bind mount owned by root is
    // for the container's user. Root may write anywhere, so as root paddock
    // runs as nobody (setpriv); otherwise the directory is made read-only.
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let mut command = paddock(&data);
    command.args(["--listen", "127.0.0.1:0"]);
    let uid = if own_uid() == 0 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut setpriv = Command::new("setpriv");
        setpriv
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(command.get_program());
        setpriv.args(command.get_args());
        for (name, value) in command.get_envs() {
            match value {
                Some(value) => setpriv.env(name, value),
                None => setpriv.env_remove(name),
            };
        }
        setpriv
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command = setpriv;
        65534
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        own_uid()
    };
    let failed = run(command);
    assert!(!failed.status.success(), "{failed:?}");
    assert!(
        failed.stderr.contains(&format!(
            "can't write to the data directory {} (paddock runs as uid {uid}): Permission denied",
            data.display()
        )),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("PADDOCK_DATA_DIR"),
        "{}",
        failed.stderr
    );
    assert!(!failed.stdout.contains("pdl_"), "{}", failed.stdout);
    assert_eq!(
        std::fs::read_dir(&data).unwrap().count(),
        0,
        "nothing was left"
    );
}
