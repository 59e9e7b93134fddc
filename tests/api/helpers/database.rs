//! Where a test's data lives: a fresh SQLite file or Postgres database per
//! test, and the macros that run a test on both, or on Postgres only.
//!
//! Whether Postgres tests run is decided in one place, [`postgres_available`],
//! which the macros consult before a Postgres test starts: a test body never
//! checks, and [`Database::create`] (so `TestApp::spawn`) always succeeds.

use std::net::{SocketAddr, TcpStream};
use std::sync::Once;
use std::time::Duration;

/// Which storage backend a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: an SQLite file in a temporary directory.
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Backend)` once per backend, as
/// `sqlite::name` and `postgres::name`. The Postgres one passes without
/// running when Postgres is unavailable and not required.
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
                if !$crate::helpers::postgres_available() {
                    return;
                }
                super::$name($crate::helpers::Backend::Postgres).await
            })*
        }
    };
}

/// Runs each named `async fn()`, a test that needs Postgres itself, as
/// `postgres_only::name`; it passes without running when Postgres is
/// unavailable and not required.
#[macro_export]
macro_rules! postgres_only {
    ($($name:ident),* $(,)?) => {
        mod postgres_only {
            $(#[tokio::test]
            async fn $name() {
                if !$crate::helpers::postgres_available() {
                    return;
                }
                super::$name().await
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
    /// Runs a query returning one text column on the test's database directly.
    pub async fn query_strings(&self, sql: &str) -> Vec<String> {
        use sqlx::Connection;
        match self {
            Database::Sqlite(_) => {
                let mut connection = sqlx::SqliteConnection::connect(&self.url()).await.unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut connection)
                    .await
                    .unwrap()
            }
            Database::Postgres { .. } => {
                let mut connection = sqlx::PgConnection::connect(&self.url()).await.unwrap();
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_all(&mut connection)
                    .await
                    .unwrap()
            }
        }
    }

    /// A fresh database. A Postgres test runs only through
    /// [`on_both_backends!`] or [`postgres_only!`], which skip it when
    /// Postgres is unavailable; so here Postgres is there, or required.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::Sqlite(tempfile::tempdir().unwrap()),
            Backend::Postgres => {
                assert!(
                    postgres_available(),
                    "Postgres is unavailable: declare Postgres tests with on_both_backends! \
                     or postgres_only!, which skip them then"
                );
                use sqlx::Connection;
                let admin_url = postgres_admin_url();
                let name = format!("paddock_test_{}", uuid::Uuid::new_v4().simple());
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{name}\"")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                Self::Postgres { admin_url, name }
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
                        let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .execute(&mut admin)
                            .await;
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
pub fn postgres_address() -> SocketAddr {
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

/// Whether Postgres tests can run: the one place that decides. When
/// Postgres is required (`PADDOCK_REQUIRE_POSTGRES=1`, or `CI` is set) and
/// down, that's a failure.
pub fn postgres_available() -> bool {
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
