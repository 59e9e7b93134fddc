//! Shared test harness: a real paddock server on a random port, over a fresh
//! database per test, with API keys of every kind the contract talks about.

use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Once};
use std::time::Duration;

use paddock::app::ServeOptions;
use paddock::domain::{ApiKey, DEFAULT_ACCOUNT, Environment, Permission, Timestamp};
use paddock::http::AdminToken;
use paddock::store::{self, Store};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::proxy::Proxy;

/// Which storage backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: an SQLite file in a temporary directory.
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` once per backend, as
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::helpers::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::helpers::Backend::Postgres).await
            })*
        }
    };
}

/// Where the storage of one test lives; kept across restarts, dropped
/// (database and files) at the end of the test.
pub enum Database {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Database {
    /// A fresh database, or `None` when the backend is Postgres and it isn't
    /// available (and not required).
    pub async fn create(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::Sqlite(tempfile::tempdir().unwrap())),
            Backend::Postgres => {
                if !postgres_available() {
                    return None;
                }
                use sqlx::Connection;
                let admin_url = postgres_admin_url();
                let name = format!("paddock_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                sqlx::query(&format!("create database \"{name}\""))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                Some(Self::Postgres { admin_url, name })
            }
        }
    }

    pub fn url(&self) -> String {
        match self {
            Self::Sqlite(dir) => {
                format!("sqlite:{}", dir.path().join("paddock.sqlite3").display())
            }
            Self::Postgres { admin_url, name } => {
                let (server, _) = admin_url.rsplit_once('/').expect("a database URL");
                format!("{server}/{name}")
            }
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside any runtime we may block: use a thread of our own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                        let sql = format!("drop database if exists \"{name}\" with (force)");
                        let _ = sqlx::query(&sql).execute(&mut admin).await;
                    }
                });
            })
            .join();
        }
    }
}

/// The Postgres server tests use: `PADDOCK_TEST_POSTGRES_URL`, by default
/// the local one with trust auth.
pub fn postgres_admin_url() -> String {
    std::env::var("PADDOCK_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// The host and port of [`postgres_admin_url`].
fn postgres_address() -> SocketAddr {
    let url = postgres_admin_url();
    let host = url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("127.0.0.1:5432");
    host.parse().unwrap_or_else(|_| {
        panic!("PADDOCK_TEST_POSTGRES_URL must name an IP address and port, not {host}")
    })
}

/// Whether Postgres tests can run. When Postgres is required
/// (`PADDOCK_REQUIRE_POSTGRES=1`, or `CI` is set) and down, that's a failure.
fn postgres_available() -> bool {
    static NOTICE: Once = Once::new();
    let address = postgres_address();
    let reachable = TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok();
    let required = std::env::var_os("CI").is_some()
        || std::env::var("PADDOCK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    if !reachable {
        assert!(
            !required,
            "Postgres is required but not reachable at {address}"
        );
        NOTICE.call_once(|| {
            // Written past the test harness's capture, so it is always seen.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "\nNOTE: Postgres is not reachable at {address}: Postgres tests were NOT run \
                 (they passed vacuously). Set PADDOCK_REQUIRE_POSTGRES=1 to make this an error.\n"
            );
        });
    }
    reachable
}

/// The admin API's token in tests.
pub const ADMIN_TOKEN: &str = "admin-token-for-tests";

/// Options with the admin API on.
pub fn default_options() -> ServeOptions {
    ServeOptions {
        admin_token: Some(AdminToken::new(ADMIN_TOKEN)),
        ..ServeOptions::default()
    }
}

/// Keys of every kind, as the plaintext a client would send.
pub struct Keys {
    /// Sandbox, read and write.
    pub sandbox: String,
    /// Live, read and write.
    pub live: String,
    /// Sandbox, `client_token.read` only.
    pub read_only: String,
    /// Sandbox, `client_token.write` only.
    pub write_only: String,
    /// Sandbox, revoked.
    pub revoked: String,
    /// Sandbox, expired.
    pub expired: String,
    /// Well-formed, never stored.
    pub unknown: String,
}

/// A running paddock server and what a test needs to talk to it.
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    pub keys: Keys,
    pub store: Arc<dyn Store>,
    database: Database,
    /// Between the server and Postgres, when the test wants to cut it.
    pub proxy: Option<Proxy>,
    options: ServeOptions,
    server: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl TestApp {
    /// Starts paddock on `backend`, or returns `None` when that backend is
    /// Postgres and Postgres isn't available (and not required).
    /// The admin API is on, with [`ADMIN_TOKEN`].
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, default_options()).await
    }

    /// As [`TestApp::spawn`], with the given server options.
    pub async fn spawn_with(backend: Backend, options: ServeOptions) -> Option<Self> {
        Self::start_new(backend, options, false).await
    }

    /// Starts paddock on Postgres reached through a [`Proxy`] the test can sever.
    pub async fn spawn_behind_proxy() -> Option<Self> {
        Self::start_new(Backend::Postgres, default_options(), true).await
    }

    async fn start_new(
        backend: Backend,
        options: ServeOptions,
        behind_proxy: bool,
    ) -> Option<Self> {
        let database = Database::create(backend).await?;
        let proxy = match behind_proxy {
            true => Some(Proxy::start(postgres_address()).await),
            false => None,
        };
        let url = store_url(&database, proxy.as_ref());
        let store = store::connect(Some(&url), std::path::Path::new("unused"))
            .await
            .unwrap();
        let keys = provision_keys(store.as_ref()).await;
        let mut app = Self {
            address: "0.0.0.0:0".parse().unwrap(),
            client: reqwest::Client::new(),
            keys,
            store,
            database,
            proxy,
            options,
            server: None,
        };
        app.start().await;
        Some(app)
    }

    async fn start(&mut self) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        self.address = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let store = self.store.clone();
        let options = self.options.clone();
        let handle = tokio::spawn(async move {
            paddock::app::serve(listener, store, options, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        self.server = Some((stop, handle));
    }

    /// A second paddock process, in effect: its own server and store over
    /// the same database, with the same options. Runs until the test ends.
    pub async fn replica(&self) -> SocketAddr {
        let url = store_url(&self.database, self.proxy.as_ref());
        let store = store::connect(Some(&url), std::path::Path::new("unused"))
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(paddock::app::serve(
            listener,
            store,
            self.options.clone(),
            std::future::pending(),
        ));
        address
    }

    /// Signals the server to shut down; the handle completes when it has.
    pub fn begin_shutdown(&mut self) -> JoinHandle<()> {
        let (stop, handle) = self.server.take().expect("a running server");
        let _ = stop.send(());
        handle
    }

    /// Stops the server gracefully, closes the store, and starts a new server
    /// with a new store over the same database: what a process restart does.
    pub async fn restart(&mut self) {
        if let Some((stop, handle)) = self.server.take() {
            let _ = stop.send(());
            handle.await.unwrap();
        }
        self.store.close().await;
        let url = store_url(&self.database, self.proxy.as_ref());
        self.store = store::connect(Some(&url), std::path::Path::new("unused"))
            .await
            .unwrap();
        self.start().await;
    }

    /// Runs SQL on the test's database directly, bypassing paddock; picks the
    /// statement for the backend in use.
    pub async fn execute(&self, postgres: &str, sqlite: &str) {
        use sqlx::Connection;
        match &self.database {
            Database::Sqlite(_) => {
                let mut connection = sqlx::SqliteConnection::connect(&self.database.url())
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlite)
                    .execute(&mut connection)
                    .await
                    .unwrap();
            }
            Database::Postgres { .. } => {
                let mut connection = sqlx::PgConnection::connect(&self.database.url())
                    .await
                    .unwrap();
                sqlx::raw_sql(postgres)
                    .execute(&mut connection)
                    .await
                    .unwrap();
            }
        }
    }

    /// Runs a query returning one text column on the test's database directly.
    pub async fn query_strings(&self, sql: &str) -> Vec<String> {
        use sqlx::Connection;
        match &self.database {
            Database::Sqlite(_) => {
                let mut connection = sqlx::SqliteConnection::connect(&self.database.url())
                    .await
                    .unwrap();
                sqlx::query_scalar(sql)
                    .fetch_all(&mut connection)
                    .await
                    .unwrap()
            }
            Database::Postgres { .. } => {
                let mut connection = sqlx::PgConnection::connect(&self.database.url())
                    .await
                    .unwrap();
                sqlx::query_scalar(sql)
                    .fetch_all(&mut connection)
                    .await
                    .unwrap()
            }
        }
    }

    /// Whether `needle` appears anywhere in the stored data: in the SQLite
    /// files' bytes, or in any text column of any Postgres table.
    pub async fn database_contains(&self, needle: &str) -> bool {
        match &self.database {
            Database::Sqlite(dir) => std::fs::read_dir(dir.path()).unwrap().any(|entry| {
                let bytes = std::fs::read(entry.unwrap().path()).unwrap();
                bytes
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes())
            }),
            Database::Postgres { .. } => {
                let tables = self
                    .query_strings(
                        "select table_name::text from information_schema.tables where table_schema = 'public'",
                    )
                    .await;
                for table in tables {
                    let rows = self
                        .query_strings(&format!("select (t.*)::text from \"{table}\" as t"))
                        .await;
                    if rows.iter().any(|row| row.contains(needle)) {
                        return true;
                    }
                }
                false
            }
        }
    }

    /// The SQLite database file, for tests that read or damage it directly.
    pub fn sqlite_path(&self) -> std::path::PathBuf {
        match &self.database {
            Database::Sqlite(dir) => dir.path().join("paddock.sqlite3"),
            Database::Postgres { .. } => panic!("not an SQLite test"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A request with `Authorization: Bearer <key>`.
    pub fn request(&self, method: Method, path: &str, key: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {key}"))
    }

    /// A request to the admin API, with the admin token.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.request(method, &format!("/__paddock{path}"), ADMIN_TOKEN)
    }

    /// Makes a key for `account` through the admin API; returns the key.
    pub async fn account_key(
        &self,
        account: &str,
        environment: &str,
        permissions: &[&str],
    ) -> String {
        let response = self
            .admin(Method::POST, &format!("/accounts/{account}/api-keys"))
            .json(&json!({ "environment": environment, "permissions": permissions }))
            .send()
            .await
            .unwrap();
        let key = expect_data(response, StatusCode::CREATED).await;
        key["key"].as_str().unwrap().to_owned()
    }

    /// Creates a token with the sandbox key; returns the entity.
    pub async fn create(&self, name: &str) -> Value {
        self.create_with(&self.keys.sandbox, json!({ "name": name }))
            .await
    }

    /// Creates a token; panics unless the answer is 201.
    pub async fn create_with(&self, key: &str, body: Value) -> Value {
        let response = self
            .request(Method::POST, "/client-tokens", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_data(response, StatusCode::CREATED).await
    }

    /// Revokes a token with the sandbox key; returns the response.
    pub async fn revoke(&self, id: &str) -> Response {
        self.request(
            Method::PATCH,
            &format!("/client-tokens/{id}"),
            &self.keys.sandbox,
        )
        .json(&json!({ "status": "revoked" }))
        .send()
        .await
        .unwrap()
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.request(Method::GET, path, key).send().await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((stop, handle)) = self.server.take() {
            let _ = stop.send(());
            handle.abort();
        }
    }
}

/// The database URL the server uses: through the proxy, if there is one.
fn store_url(database: &Database, proxy: Option<&Proxy>) -> String {
    let url = database.url();
    match proxy {
        Some(proxy) => url.replace(&postgres_address().to_string(), &proxy.address.to_string()),
        None => url,
    }
}

async fn provision_keys(store: &dyn Store) -> Keys {
    use Permission::*;
    async fn add(
        store: &dyn Store,
        environment: Environment,
        permissions: &[Permission],
        expires_at: Option<Timestamp>,
    ) -> (ApiKey, String) {
        let (key, secret) = ApiKey::generate(
            DEFAULT_ACCOUNT,
            environment,
            permissions.to_vec(),
            expires_at,
        );
        store.insert_api_key(&key).await.unwrap();
        (key, secret.expose().to_owned())
    }
    let (_, sandbox) = add(
        store,
        Environment::Sandbox,
        &[ClientTokenRead, ClientTokenWrite],
        None,
    )
    .await;
    let (_, live) = add(
        store,
        Environment::Live,
        &[ClientTokenRead, ClientTokenWrite],
        None,
    )
    .await;
    let (_, read_only) = add(store, Environment::Sandbox, &[ClientTokenRead], None).await;
    let (_, write_only) = add(store, Environment::Sandbox, &[ClientTokenWrite], None).await;
    let (revoked_key, revoked) = add(store, Environment::Sandbox, &Permission::ALL, None).await;
    store.revoke_api_key(&revoked_key.id).await.unwrap();
    let past = Timestamp::now().checked_add(time::Duration::seconds(-1));
    let (_, expired) = add(store, Environment::Sandbox, &Permission::ALL, past).await;
    let (never_stored, _) = ApiKey::generate(DEFAULT_ACCOUNT, Environment::Sandbox, vec![], None);
    let unknown = format!(
        "pdl_sdbx_apikey_{}_NeverStoredSecret",
        &never_stored.id.as_str()[7..]
    );
    Keys {
        sandbox,
        live,
        read_only,
        write_only,
        revoked,
        expired,
        unknown,
    }
}

/// The request id a response carries in its `Request-Id` header.
pub fn request_id(response: &Response) -> String {
    let id = response.headers()["request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.headers()["x-request-id"], id.as_str());
    id
}

/// Asserts status and JSON content type; returns `data`, checking that
/// `meta.request_id` matches the header.
pub async fn expect_data(response: Response, status: StatusCode) -> Value {
    let body = expect_json(response, status).await;
    assert!(body["meta"]["request_id"].is_string(), "{body}");
    body["data"].clone()
}

/// Asserts status and JSON content type; returns the whole body, checking
/// that `meta.request_id` matches the header.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let id = request_id(&response);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "every response is JSON"
    );
    let actual = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(actual, status, "{body}");
    assert_eq!(body["meta"]["request_id"], id.as_str());
    body
}

/// Asserts the exact error body Paddle would send.
pub async fn expect_error(
    response: Response,
    status: StatusCode,
    kind: &str,
    code: &str,
    detail: &str,
) -> Value {
    expect_error_with(response, status, kind, code, detail, None).await
}

/// As [`expect_error`], with `errors[]` field errors.
pub async fn expect_error_with(
    response: Response,
    status: StatusCode,
    kind: &str,
    code: &str,
    detail: &str,
    errors: Option<Value>,
) -> Value {
    let id = request_id(&response);
    let body = expect_json(response, status).await;
    let mut error = json!({
        "type": kind,
        "code": code,
        "detail": detail,
        "documentation_url": format!("https://developer.paddle.com/errors/shared/{code}"),
    });
    if let Some(errors) = errors {
        error["errors"] = errors;
    }
    assert_eq!(
        body,
        json!({ "error": error, "meta": { "request_id": id } })
    );
    body
}

/// Asserts Paddle's 404 `not_found` for the entity named.
pub async fn expect_not_found(response: Response, entity: &str) -> Value {
    let detail = format!("Entity {entity} not found");
    expect_error(
        response,
        StatusCode::NOT_FOUND,
        "request_error",
        "not_found",
        &detail,
    )
    .await
}

/// Asserts a 400 `invalid_field` with exactly these field errors.
pub async fn expect_invalid_fields(response: Response, errors: Value) -> Value {
    expect_error_with(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "invalid_field",
        "Request does not pass validation.",
        Some(errors),
    )
    .await
}

/// Asserts that `token` is a well-formed entity in `environment`.
pub fn assert_entity_shape(token: &Value, prefix: &str) {
    let object = token.as_object().expect("an object");
    let mut fields: Vec<_> = object.keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "created_at",
            "description",
            "id",
            "name",
            "revoked_at",
            "status",
            "token",
            "updated_at"
        ]
    );
    let id = token["id"].as_str().unwrap();
    let ulid = id.strip_prefix("ctkn_").unwrap();
    assert!(
        ulid.len() == 26
            && ulid
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()),
        "{id}"
    );
    let value = token["token"].as_str().unwrap();
    let hex = value
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{value} starts with {prefix}"));
    assert!(
        hex.len() == 27 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{value}"
    );
    for field in ["created_at", "updated_at"] {
        assert_timestamp(&token[field]);
    }
    if !token["revoked_at"].is_null() {
        assert_timestamp(&token["revoked_at"]);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exactly.
pub fn assert_timestamp(value: &Value) {
    let text = value
        .as_str()
        .unwrap_or_else(|| panic!("{value} is a string"));
    let shape: String = text
        .chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect();
    assert_eq!(shape, "dddd-dd-ddTdd:dd:dd.ddddddZ", "{text}");
}

/// Captures what is logged on the current thread, at every level. A
/// `#[tokio::test]` runs the server's tasks on its own thread, so that is
/// everything the server logs for the test.
///
/// One global subscriber serves every test and routes each thread's lines to
/// that thread's capture, if any: per-thread subscribers would race over
/// tracing's cached per-callsite interest.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<std::sync::Mutex<Vec<u8>>>);

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<LogCapture>> = const { std::cell::RefCell::new(None) };
}

/// Stops capturing when dropped.
pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| capture.borrow_mut().take());
    }
}

impl LogCapture {
    pub fn start() -> (Self, CaptureGuard) {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            tracing_subscriber::fmt()
                .with_max_level(tracing::Level::TRACE)
                .with_ansi(false)
                .with_writer(|| ThreadWriter)
                .init();
        });
        let capture = Self::default();
        CAPTURE.with(|slot| *slot.borrow_mut() = Some(capture.clone()));
        (capture, CaptureGuard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Writes to the current thread's capture, or nowhere.
struct ThreadWriter;

impl std::io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(capture) = capture.borrow().as_ref() {
                capture.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
