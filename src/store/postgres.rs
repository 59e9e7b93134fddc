//! The Postgres store, for deployments that keep their data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool};

use super::ConnectError;
use super::group_commit::GroupCommit;

/// How long a pooled connection may sit idle before it is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How many groups of creations commit side by side: Postgres runs
/// concurrent writers itself, and flushes their commits together.
const COMMITTERS: usize = 2;

/// Postgres plans queries from table statistics, which autovacuum refreshes
/// about once a minute. A table that grows by thousands of rows in seconds
/// (a test suite's burst) is planned meanwhile as if nearly empty: a list
/// page then sorts every token of the owner instead of walking the index
/// (400 ms instead of 0.1 ms at 170,000 tokens). So the store refreshes the
/// statistics itself after this many new tokens.
const ANALYZE_EVERY: u64 = 10_000;

#[derive(Clone, Debug)]
pub struct PostgresStore {
    pool: PgPool,
    creations: GroupCommit,
    /// Tokens this process has created, for [`ANALYZE_EVERY`].
    created: Arc<AtomicU64>,
}

impl PostgresStore {
    /// Connects and applies `migrations/postgres`.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            // sqlx pings a connection before every use by default: a round
            // trip per query. Ping only one that has sat idle (as through an
            // outage); a busy one proves itself, and one that fails is
            // dropped when it is released.
            .test_before_acquire(false)
            .before_acquire(|connection, meta| {
                Box::pin(async move {
                    if meta.idle_for > IDLE_BEFORE_PING {
                        connection.ping().await?;
                    }
                    Ok(true)
                })
            })
            // Short enough that an outage is answered with a 503 promptly.
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await?;
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let creations = GroupCommit::start(pool.clone(), COMMITTERS);
        Ok(Self {
            pool,
            creations,
            created: Arc::default(),
        })
    }
}

impl PostgresStore {
    /// Counts new tokens, and refreshes the table's statistics in the
    /// background each time the count passes a multiple of [`ANALYZE_EVERY`].
    fn note_creations(&self, count: u64) {
        let before = self.created.fetch_add(count, Ordering::Relaxed);
        if (before + count) / ANALYZE_EVERY > before / ANALYZE_EVERY {
            let pool = self.pool.clone();
            tokio::spawn(async move {
                if let Err(error) = sqlx::query("analyze client_tokens").execute(&pool).await {
                    tracing::warn!(%error, "could not refresh the statistics of client_tokens");
                }
            });
        }
    }

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
