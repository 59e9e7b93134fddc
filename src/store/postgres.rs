//! The Postgres store, for deployments that keep their data.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::ConnectError;

#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects and applies `migrations/postgres`.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // Short enough that an outage is answered with a 503 promptly.
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self { pool })
    }
}

super::queries::impl_store!(PostgresStore, sqlx::Postgres);
super::outbox::impl_notification_store!(PostgresStore, sqlx::Postgres);
