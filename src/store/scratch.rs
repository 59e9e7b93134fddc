//! A Postgres database of a test's own, made on the server of
//! `PADDOCK_TEST_POSTGRES_URL` (the local one by default) and dropped after.
//! Without a server a test using it passes without running, unless
//! `PADDOCK_REQUIRE_POSTGRES=1` (or `CI`) requires one.

use sqlx::{Connection, PgConnection};

/// A database dropped when this is.
pub(crate) struct Scratch {
    admin_url: String,
    name: String,
    pub url: String,
}

impl Scratch {
    pub async fn create() -> Option<Self> {
        let admin_url = std::env::var("PADDOCK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let required = std::env::var_os("CI").is_some()
            || std::env::var("PADDOCK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let mut admin = match PgConnection::connect(&admin_url).await {
            Ok(admin) => admin,
            Err(error) if !required => {
                eprintln!("NOTE: Postgres unreachable ({error}): this test did NOT run");
                return None;
            }
            Err(error) => panic!("Postgres is required: {error}"),
        };
        let name = format!("paddock_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(sqlx::AssertSqlSafe(format!("create database \"{name}\"")))
            .execute(&mut admin)
            .await
            .unwrap();
        let (server, _) = admin_url.rsplit_once('/').expect("a database URL");
        let url = format!("{server}/{name}");
        Some(Self {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Not on the test's runtime, which may be the one dropping this.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
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
