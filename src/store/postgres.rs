//! The Postgres store, for deployments that keep their data.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::ConnectError;
use super::group_commit::GroupCommit;

/// How many groups of creations commit side by side: Postgres runs
/// concurrent writers itself, and flushes their commits together.
const COMMITTERS: usize = 2;

#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    creations: GroupCommit,
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
        let creations = GroupCommit::start(pool.clone(), COMMITTERS);
        Ok(Self { pool, creations })
    }
}

impl PostgresStore {
    // Postgres runs concurrent writers itself: one pool for everything.
    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    fn stats(&self) -> super::PoolStats {
        super::PoolStats {
            connections: self.pool.size(),
            idle: self.pool.num_idle(),
            max: self.pool.options().get_max_connections(),
        }
    }

    async fn close_pools(&self) {
        self.pool.close().await;
    }
}

super::queries::impl_store!(PostgresStore, sqlx::Postgres);
super::outbox::impl_notification_store!(PostgresStore, sqlx::Postgres);
