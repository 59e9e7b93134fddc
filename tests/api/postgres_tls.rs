//! TLS to Postgres as libpq takes it: `sslmode` and `sslrootcert` in the
//! database URL. The test server accepts TLS with Debian's self-signed
//! "snakeoil" certificate (the file `show ssl_cert_file` names; made for
//! the name `localhost`), which these tests use as the root to trust.

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use paddock::store;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    Backend, Database, Paddock, SERVER, TestApp, TestCa, expect_data, postgres_address,
    postgres_admin_url,
};
use crate::postgres_only;

postgres_only!(
    the_api_works_over_sslmode_require,
    the_api_works_over_verify_ca_with_the_servers_certificate_as_root,
    sslmode_disable_connects_without_tls,
    verify_ca_with_a_wrong_root_is_refused_with_a_clear_error,
    verify_full_checks_the_host_name_too,
    a_certificate_that_cannot_verify_ends_the_start_with_the_cause,
    prefer_falls_back_to_plain_text_when_the_servers_tls_fails,
);

/// The server's certificate file. The tests need Postgres with TLS on.
async fn server_certificate() -> PathBuf {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(&postgres_admin_url())
        .await
        .unwrap();
    let ssl: String = sqlx::query_scalar("show ssl")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    assert_eq!(ssl, "on", "the test Postgres must accept TLS (ssl = on)");
    let file: String = sqlx::query_scalar("show ssl_cert_file")
        .fetch_one(&mut admin)
        .await
        .unwrap();
    let file = PathBuf::from(file);
    if let Err(error) = std::fs::read(&file) {
        panic!(
            "can't read the server's certificate {}: {error}",
            file.display()
        );
    }
    file
}

/// Whether each of paddock's open connections to its database uses TLS.
async fn tls_of_connections(app: &TestApp) -> Vec<String> {
    app.query_strings(
        "select s.ssl::text from pg_stat_ssl s join pg_stat_activity a using (pid) \
         where a.datname = current_database() and a.pid <> pg_backend_pid()",
    )
    .await
}

/// Creates, reads and lists a token: the API works over this connection.
async fn assert_the_api_works(app: &TestApp) {
    let token = app.create("Over TLS to Postgres").await;
    let id = token["id"].as_str().unwrap();
    let response = app
        .get(&format!("/client-tokens/{id}"), &app.keys.sandbox)
        .await;
    assert_eq!(expect_data(response, StatusCode::OK).await, token);
    let response = app.get("/client-tokens", &app.keys.sandbox).await;
    assert_eq!(expect_data(response, StatusCode::OK).await[0], token);
}

/// The database URL of `database` with `host`, a password, and `params`.
fn url_with(database: &Database, host: &str, params: &str) -> String {
    let mut url = url::Url::parse(&database.url()).unwrap();
    url.set_host(Some(host)).unwrap();
    // Trust auth ignores it; it is here to be kept out of errors.
    url.set_password(Some("hunter2")).unwrap();
    format!("{url}?{params}")
}

/// Connects a store to a fresh database with `params`, as paddock starts;
/// returns the error's text, if any.
async fn connect_error(host: &str, params: &str) -> Option<String> {
    let database = Database::create(Backend::Postgres).await;
    let url = url_with(&database, host, params);
    match store::connect(Some(&url), Path::new("unused"), SERVER).await {
        Ok(store) => {
            store.close().await;
            None
        }
        Err(error) => Some(error.to_string()),
    }
}

async fn the_api_works_over_sslmode_require() {
    let app = TestApp::spawn_on_postgres_with(None, "sslmode=require").await;
    assert_the_api_works(&app).await;
    let connections = tls_of_connections(&app).await;
    assert!(
        !connections.is_empty() && connections.iter().all(|ssl| ssl == "true"),
        "{connections:?}"
    );
}

async fn the_api_works_over_verify_ca_with_the_servers_certificate_as_root() {
    let root = server_certificate().await;
    let params = format!("sslmode=verify-ca&sslrootcert={}", root.display());
    // By an address the certificate (for `localhost`) doesn't name:
    // verify-ca checks the chain only.
    let app = TestApp::spawn_on_postgres_with(Some("127.0.0.1"), &params).await;
    assert_the_api_works(&app).await;
    let connections = tls_of_connections(&app).await;
    assert!(
        !connections.is_empty() && connections.iter().all(|ssl| ssl == "true"),
        "{connections:?}"
    );
}

async fn sslmode_disable_connects_without_tls() {
    let app = TestApp::spawn_on_postgres_with(None, "sslmode=disable").await;
    assert_the_api_works(&app).await;
    // The checking connection itself uses TLS (`prefer`): only paddock's are listed.
    let connections = tls_of_connections(&app).await;
    assert!(
        !connections.is_empty() && connections.iter().all(|ssl| ssl == "false"),
        "{connections:?}"
    );
}

async fn verify_ca_with_a_wrong_root_is_refused_with_a_clear_error() {
    let wrong = TestCa::new();
    let wrong_file = wrong.pem_file();
    for params in [
        format!(
            "sslmode=verify-ca&sslrootcert={}",
            wrong_file.path().display()
        ),
        // As in libpq, `require` with a root given checks the chain too.
        format!(
            "sslmode=require&sslrootcert={}",
            wrong_file.path().display()
        ),
    ] {
        let error = connect_error("127.0.0.1", &params)
            .await
            .unwrap_or_else(|| panic!("{params} connected"));
        assert!(
            error.contains("invalid peer certificate: UnknownIssuer"),
            "{params}: {error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
    }
    let error = connect_error(
        "127.0.0.1",
        "sslmode=verify-ca&sslrootcert=/nonexistent/root.crt",
    )
    .await
    .expect("a missing root file is refused");
    assert!(
        error.contains("sslrootcert file /nonexistent/root.crt"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}

async fn verify_full_checks_the_host_name_too() {
    let root = server_certificate().await;
    let params = format!("sslmode=verify-full&sslrootcert={}", root.display());
    // The certificate is for `localhost`, not for the address.
    let error = connect_error("127.0.0.1", &params)
        .await
        .expect("verify-full refuses a certificate for another name");
    assert!(error.contains("certificate not valid for name"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
    assert_eq!(connect_error("localhost", &params).await, None);
}

/// Runs `paddock serve` on `url` until it ends by itself (killed after
/// 20 s); returns how long it ran and its log.
fn start_until_it_ends(url: &str) -> (Duration, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_paddock"))
        .env_clear()
        .env("PADDOCK_LISTEN", "127.0.0.1:0")
        .env("PADDOCK_DATA_DIR", dir.path())
        .env("DATABASE_URL", url)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the paddock binary starts");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let ran = started.elapsed();
    let _ = child.kill();
    let status = child.wait().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(!status.success(), "{status}: {log}");
    (ran, log)
}

async fn a_certificate_that_cannot_verify_ends_the_start_with_the_cause() {
    let wrong = TestCa::new();
    let wrong_file = wrong.pem_file();
    let root = server_certificate().await;
    let database = Database::create(Backend::Postgres).await;
    for (host, params, cause) in [
        (
            "127.0.0.1",
            format!(
                "sslmode=verify-ca&sslrootcert={}",
                wrong_file.path().display()
            ),
            "UnknownIssuer",
        ),
        (
            "127.0.0.1",
            format!("sslmode=verify-full&sslrootcert={}", root.display()),
            "not valid for name",
        ),
    ] {
        let url = url_with(&database, host, &params);
        let (ran, log) = tokio::task::spawn_blocking(move || start_until_it_ends(&url))
            .await
            .unwrap();
        assert!(
            ran < Duration::from_secs(10),
            "{params}: ran {ran:?}: {log}"
        );
        assert!(
            log.contains("TLS to the database at 127.0.0.1:5432 failed") && log.contains(cause),
            "{params}: {log}"
        );
        assert!(!log.contains("waiting for the database"), "{log}");
        assert!(!log.contains("hunter2"), "{log}");
    }
}

/// A key given to paddock at start.
const KEY: &str = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_tlsFallbackKey1";

/// Postgres's SSLRequest: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// A Postgres whose TLS is broken: it answers the TLS request with `S`
/// ("go ahead"), then hangs up mid-handshake. A plain connection is passed
/// to the real server.
async fn postgres_with_broken_tls() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut first = [0u8; 8];
                if client.read_exact(&mut first).await.is_err() {
                    return;
                }
                if first == SSL_REQUEST {
                    let _ = client.write_all(b"S").await;
                    return;
                }
                let Ok(mut server) = tokio::net::TcpStream::connect(postgres_address()).await
                else {
                    return;
                };
                if server.write_all(&first).await.is_ok() {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    });
    address
}

async fn prefer_falls_back_to_plain_text_when_the_servers_tls_fails() {
    let database = Database::create(Backend::Postgres).await;
    let broken = postgres_with_broken_tls().await;
    let url = database
        .url()
        .replace(&postgres_address().to_string(), &broken.to_string());
    // The proxy does break TLS: `require` can't connect through it.
    let required = store::connect(
        Some(&format!("{url}?sslmode=require")),
        Path::new("unused"),
        SERVER,
    )
    .await;
    assert!(required.is_err(), "require connected through broken TLS");

    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().display().to_string();
    // `prefer` said, and by default.
    for url in [format!("{url}?sslmode=prefer"), url.clone()] {
        let env = [
            ("DATABASE_URL".to_owned(), url.clone()),
            ("PADDOCK_DATA_DIR".to_owned(), data_dir.clone()),
            (
                "PADDOCK_API_KEYS".to_owned(),
                format!("{KEY}=client_token.write"),
            ),
        ];
        // Blocking while it starts; the proxy runs meanwhile.
        let paddock = tokio::task::spawn_blocking(move || {
            let env: Vec<_> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            Paddock::start(&env)
        })
        .await
        .unwrap();
        let response = reqwest::Client::new()
            .post(paddock.url("/client-tokens"))
            .bearer_auth(KEY)
            .json(&serde_json::json!({ "name": "Without TLS" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{url}");
        let ssl = database
            .query_strings(
                "select s.ssl::text from pg_stat_ssl s join pg_stat_activity a using (pid) \
                 where a.datname = current_database() and a.pid <> pg_backend_pid()",
            )
            .await;
        assert!(
            !ssl.is_empty() && ssl.iter().all(|ssl| ssl == "false"),
            "{url}: {ssl:?}"
        );
        tokio::task::spawn_blocking(move || paddock.terminate())
            .await
            .unwrap();
    }
}
