//! TLS to Postgres as libpq takes it: `sslmode` and `sslrootcert` in the
//! database URL. The test server accepts TLS with Debian's self-signed
//! "snakeoil" certificate (the file `show ssl_cert_file` names; made for
//! the name `localhost`), which these tests use as the root to trust.

use std::path::{Path, PathBuf};

use paddock::store;
use reqwest::StatusCode;

use crate::helpers::{Backend, Database, SERVER, TestApp, TestCa, expect_data, postgres_admin_url};
use crate::postgres_only;

postgres_only!(
    the_api_works_over_sslmode_require,
    the_api_works_over_verify_ca_with_the_servers_certificate_as_root,
    sslmode_disable_connects_without_tls,
    verify_ca_with_a_wrong_root_is_refused_with_a_clear_error,
    verify_full_checks_the_host_name_too,
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
    // By the name the certificate is for: sqlx 0.8 checks the name even for
    // verify-ca (launchbadge/sqlx#3793, fixed in sqlx 0.9).
    let app = TestApp::spawn_on_postgres_with(Some("localhost"), &params).await;
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
