//! [`SqlStore`]: the one implementation of the store, generic over the
//! database. The statements are written once, in the dialect Postgres and
//! SQLite share (`$n` placeholders, `returning`, `on conflict`); what differs
//! is the [`Backend`] trait, and how a timestamp is encoded (`timestamp`).
//!
//! Each entity's statements sit beside the code that runs them:
//! `client_tokens`, `accounts` (accounts and API keys), `notifications`,
//! and `outbox` (events and deliveries, written with the change they report).
//! Each `impl` names what it needs of the database in its `where` clause:
//! the types it binds and the rows it reads.

use async_trait::async_trait;
use sqlx::database::HasStatementCache;
use sqlx::{Database, Executor, Pool};

use super::bounded::BoundedRead;
use super::group_commit::GroupCommit;
use super::read_batch::ReadBatch;
use super::token_cache::TokenCache;
use super::{PoolStats, Store, StoreError};
use crate::domain::Direction;

/// What a database provides beyond what sqlx offers for any database.
pub trait Backend: Database + HasStatementCache {
    /// How many rows a statement changed (sqlx has this per driver only).
    fn rows_affected(result: &Self::QueryResult) -> u64;

    /// Rows per multi-row insert: far below the database's limit on bound
    /// values.
    const ROWS_PER_INSERT: usize = 500;

    /// After this many new tokens, the store refreshes the planner's
    /// statistics of `client_tokens` with `ANALYZE_STATEMENT` (see Postgres).
    const ANALYZE_EVERY: Option<u64> = None;

    /// Run first in a transaction that reads several tables, so that they
    /// are read as of one instant (an account's export). SQLite's read
    /// transactions are snapshots already.
    const SNAPSHOT: Option<&'static str> = None;

    /// How long a read on the request path may wait for its answer, where
    /// a network can lose it (Postgres; see `bounded`).
    const READ_BOUND: Option<std::time::Duration> = None;
}

/// `insert` followed by `values ($1, $2, ..), ..`: `rows` rows of `columns`
/// placeholders. (sqlx's `QueryBuilder` can't be executed from code generic
/// over the database: its arguments' lifetime can't be shortened there.)
/// Its text is fixed words and counts, never input: callers pass it to sqlx
/// as `AssertSqlSafe`, as they do the texts [`keyset`] completes.
pub(super) fn values_statement(insert: &str, rows: usize, columns: usize) -> String {
    let mut statement = String::with_capacity(insert.len() + 8 + rows * columns * 6);
    statement.push_str(insert);
    statement.push_str("values ");
    for row in 0..rows {
        statement.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            let separator = if column == 0 { "" } else { ", " };
            statement.push_str(&format!("{separator}${}", row * columns + column + 1));
        }
        statement.push(')');
    }
    statement
}

/// A page's keyset condition on `column`, where the page follows a cursor
/// bound as `$cursor` (` and id > $6`; nothing for a first page), and its
/// order. First and later pages are two texts, so that a plan made without
/// the cursor's value still searches the index from it (`paging_plans`).
pub(super) fn keyset(
    direction: Direction,
    column: &str,
    cursor: Option<usize>,
) -> (String, &'static str) {
    let (after, order) = match direction {
        Direction::Ascending => (">", "asc"),
        Direction::Descending => ("<", "desc"),
    };
    let condition = cursor.map_or_else(String::new, |n| format!(" and {column} {after} ${n}"));
    (condition, order)
}

/// Postgres plans from statistics that are refreshed here, see [`Backend::ANALYZE_EVERY`].
pub(super) const ANALYZE_STATEMENT: &str = "analyze client_tokens";

/// The store over one database. Reads go to `reader`; writes to `writer`,
/// which is the same pool where the database runs writers side by side.
#[derive(Debug)]
pub struct SqlStore<DB: Backend> {
    pub(super) reader: Pool<DB>,
    /// `None`: `reader` takes the writes too.
    writer: Option<Pool<DB>>,
    /// Creations and revocations wait here to be committed in groups.
    pub(super) writes: GroupCommit,
    /// Client tokens kept in memory: only where this process owns the
    /// database (an SQLite file it has locked), so nothing changes them
    /// behind its back.
    pub(super) tokens: Option<TokenCache>,
    /// Reads by id, coalesced, where there is no cache (Postgres).
    pub(super) reads: Option<ReadBatch>,
    /// Tokens this process has created, for [`Backend::ANALYZE_EVERY`].
    created: std::sync::atomic::AtomicU64,
    /// The server's lock on its SQLite file, released on closing.
    lock: std::sync::Mutex<Option<std::fs::File>>,
}

impl<DB: Backend> SqlStore<DB> {
    /// A store over migrated pools, its token writes committed by `writes`.
    pub(super) fn new(
        reader: Pool<DB>,
        writer: Option<Pool<DB>>,
        writes: GroupCommit,
        tokens: Option<TokenCache>,
    ) -> Self {
        Self {
            reader,
            writer,
            writes,
            tokens,
            reads: None,
            created: Default::default(),
            lock: Default::default(),
        }
    }

    /// Reads tokens by id through `reads`.
    pub(super) fn reading_in_batches(self, reads: ReadBatch) -> Self {
        Self {
            reads: Some(reads),
            ..self
        }
    }

    /// Keeps `lock` until the store is closed or dropped.
    pub(super) fn holding(self, lock: Option<std::fs::File>) -> Self {
        Self {
            lock: std::sync::Mutex::new(lock),
            ..self
        }
    }

    pub(super) fn writer(&self) -> &Pool<DB> {
        self.writer.as_ref().unwrap_or(&self.reader)
    }

    fn pools(&self) -> impl Iterator<Item = &Pool<DB>> {
        std::iter::once(&self.reader).chain(&self.writer)
    }

    /// Counts new tokens, and refreshes the table's statistics in the
    /// background each time the count passes a multiple of
    /// [`Backend::ANALYZE_EVERY`].
    pub(super) fn note_creations(&self, count: u64)
    where
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    {
        use std::sync::atomic::Ordering;
        let Some(every) = DB::ANALYZE_EVERY else {
            return;
        };
        let before = self.created.fetch_add(count, Ordering::Relaxed);
        if (before + count) / every > before / every {
            let pool = self.writer().clone();
            tokio::spawn(async move {
                if let Err(error) = pool.execute(ANALYZE_STATEMENT).await {
                    tracing::warn!(%error, "could not refresh the statistics of client_tokens");
                }
            });
        }
    }
}

#[async_trait]
impl<DB: Backend> Store for SqlStore<DB>
where
    Self: super::ClientTokenStore
        + super::AccountStore
        + super::ApiKeyStore
        + super::ApiKeyRotationStore
        + super::ApiKeyEventStore
        + super::NotificationStore
        + super::AccountStateStore
        + super::CatalogStore
        + super::RevealStore
        + super::CheckoutStore,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        // `/readyz` answers within the bound too.
        self.reader.execute("select 1").bounded::<DB>().await?;
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        let pools = || self.pools();
        PoolStats {
            connections: pools().map(Pool::size).sum(),
            idle: pools().map(Pool::num_idle).sum(),
            max: pools()
                .map(|pool| pool.options().get_max_connections())
                .sum(),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn close(&self) {
        self.writes.close();
        if let Some(reads) = &self.reads {
            reads.close();
        }
        for pool in self.pools() {
            pool.close().await;
        }
        // Another server may take the file now.
        self.lock.lock().unwrap_or_else(|e| e.into_inner()).take();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn values_statements_number_their_placeholders() {
        assert_eq!(
            super::values_statement("insert into t (a, b) ", 2, 2),
            "insert into t (a, b) values ($1, $2), ($3, $4)"
        );
    }
}
