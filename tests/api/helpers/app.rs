//! A real paddock server on a random port, over a fresh database, with API
//! keys of every kind the contract talks about.

use std::net::SocketAddr;
use std::sync::Arc;

use paddock::app::ServeOptions;
use paddock::http::AdminToken;
use paddock::store::{self, Access, Store};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::keys::provision_keys;
use super::{Backend, Database, Keys, Proxy, expect_data, postgres_address};

/// How the tests open a store: as a server does, with its lock and cache.
pub const SERVER: Access = Access::Serve {
    cached_tokens: store::DEFAULT_CACHED_TOKENS,
};

/// The admin API's token in tests.
pub const ADMIN_TOKEN: &str = "admin-token-for-tests";

/// Options with the admin API on.
pub fn default_options() -> ServeOptions {
    ServeOptions {
        admin_token: Some(AdminToken::new(ADMIN_TOKEN)),
        ..ServeOptions::default()
    }
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
    /// The database URL's host instead of the address, and its query
    /// (`sslmode=require`).
    url_host: Option<String>,
    url_params: String,
    options: ServeOptions,
    server: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl TestApp {
    /// Starts paddock on `backend`, with the admin API on, with
    /// [`ADMIN_TOKEN`]. (Whether a Postgres test runs at all is decided
    /// before it starts: see [`crate::on_both_backends!`].)
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, default_options()).await
    }

    /// As [`TestApp::spawn`], with the given server options.
    pub async fn spawn_with(backend: Backend, options: ServeOptions) -> Self {
        Self::start_new(backend, options, false, Default::default()).await
    }

    /// Starts paddock on Postgres reached through a [`Proxy`] the test can sever.
    pub async fn spawn_behind_proxy() -> Self {
        Self::start_new(
            Backend::Postgres,
            default_options(),
            true,
            Default::default(),
        )
        .await
    }

    /// [`TestApp::spawn_behind_proxy`] without TLS, so that the proxy sees
    /// what goes by (a [`super::Trap`]'s marker).
    pub async fn spawn_behind_proxy_in_plain_text() -> Self {
        let url = (None, "sslmode=disable".to_owned());
        Self::start_new(Backend::Postgres, default_options(), true, url).await
    }

    /// Starts paddock on Postgres with `params` as the database URL's query
    /// (`sslmode=require`), and `host` (a name for it) if given.
    pub async fn spawn_on_postgres_with(host: Option<&str>, params: &str) -> Self {
        let url = (host.map(str::to_owned), params.to_owned());
        Self::start_new(Backend::Postgres, default_options(), false, url).await
    }

    async fn start_new(
        backend: Backend,
        options: ServeOptions,
        behind_proxy: bool,
        (url_host, url_params): (Option<String>, String),
    ) -> Self {
        let database = Database::create(backend).await;
        let proxy = match behind_proxy {
            true => Some(Proxy::start(postgres_address()).await),
            false => None,
        };
        let url = store_url(&database, proxy.as_ref(), url_host.as_deref(), &url_params);
        let store = store::connect(Some(&url), std::path::Path::new("unused"), SERVER)
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
            url_host,
            url_params,
            options,
            server: None,
        };
        app.start().await;
        app
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
        let url = store_url(
            &self.database,
            self.proxy.as_ref(),
            self.url_host.as_deref(),
            &self.url_params,
        );
        let store = store::connect(Some(&url), std::path::Path::new("unused"), SERVER)
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
        let url = store_url(
            &self.database,
            self.proxy.as_ref(),
            self.url_host.as_deref(),
            &self.url_params,
        );
        self.store = store::connect(Some(&url), std::path::Path::new("unused"), SERVER)
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
                sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite))
                    .execute(&mut connection)
                    .await
                    .unwrap();
            }
            Database::Postgres { .. } => {
                let mut connection = sqlx::PgConnection::connect(&self.database.url())
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(postgres))
                    .execute(&mut connection)
                    .await
                    .unwrap();
            }
        }
    }

    /// Runs a query returning one text column on the test's database directly.
    pub async fn query_strings(&self, sql: &str) -> Vec<String> {
        self.database.query_strings(sql).await
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

    /// Makes a key for `account` from an admin API body; returns the admin
    /// API's view of it, with `key` (the secret) and `id`.
    pub async fn make_key(&self, account: &str, body: Value) -> Value {
        let response = self
            .admin(Method::POST, &format!("/accounts/{account}/api-keys"))
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_data(response, StatusCode::CREATED).await
    }

    /// A notification setting of `account`'s sandbox sending `events` to
    /// `destination`, made through the admin API.
    pub async fn make_setting(&self, account: &str, destination: &str, events: &[&str]) -> Value {
        let body = json!({ "destination": destination, "subscribed_events": events });
        let path = format!("/accounts/{account}/notification-settings");
        let response = self
            .admin(Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_data(response, StatusCode::CREATED).await
    }

    /// The events recorded for `account`, oldest first, through the admin API.
    pub async fn events(&self, account: &str) -> Vec<Value> {
        let path = format!("/accounts/{account}/events");
        let response = self.admin(Method::GET, &path).send().await.unwrap();
        let events = expect_data(response, StatusCode::OK).await;
        events.as_array().unwrap().clone()
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

/// The database URL the server uses: through the proxy, if there is one,
/// by `host`, with `params` as its query.
fn store_url(
    database: &Database,
    proxy: Option<&Proxy>,
    host: Option<&str>,
    params: &str,
) -> String {
    let mut url = database.url();
    if let Some(proxy) = proxy {
        url = url.replace(&postgres_address().to_string(), &proxy.address.to_string());
    }
    if let Some(host) = host {
        url = url.replace(&postgres_address().ip().to_string(), host);
    }
    match params {
        "" => url,
        params => format!("{url}?{params}"),
    }
}
