//! The Postgres store, for deployments that keep their data.

use std::time::Duration;

use sqlx::postgres::{PgPoolOptions, PgQueryResult};
use sqlx::{Connection, Postgres};

use super::group_commit::GroupCommit;
use super::{Backend, ConnectError, SqlStore};

/// How long a pooled connection may sit idle before it is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// The Postgres store.
pub type PostgresStore = SqlStore<Postgres>;

impl Backend for Postgres {
    fn rows_affected(result: &PgQueryResult) -> u64 {
        result.rows_affected()
    }

    /// Postgres plans queries from table statistics, which autovacuum refreshes
    /// about once a minute. A table that grows by thousands of rows in seconds
    /// (a test suite's burst) is planned meanwhile as if nearly empty: a list
    /// page then sorts every token of the owner instead of walking the index
    /// (400 ms instead of 0.1 ms at 170,000 tokens). So the store refreshes the
    /// statistics itself after this many new tokens.
    const ANALYZE_EVERY: Option<u64> = Some(10_000);
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
        // Postgres runs concurrent writers itself, and flushes their commits
        // together: one pool for reads and writes alike, two committers.
        let creations = GroupCommit::start(pool.clone(), 2);
        Ok(Self::new(pool, None, creations))
    }
}
