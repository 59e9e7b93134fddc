//! The Postgres store, for deployments that keep their data.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgQueryResult, PgSslMode};
use sqlx::{Connection, Postgres};

use super::bounded;
use super::group_commit::GroupCommit;
use super::postgres_tls::{connect_options, tls_failure};
use super::read_batch::{ReadBatch, ReadTokens};
use super::rows::OwnedClientTokenRow;
use super::{Backend, ConnectError, SqlStore, StoreError};
use crate::domain::{ClientToken, Owner};

/// How long a pooled connection may sit idle before it is pinged before use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// How long a query waits for a connection. While the database refuses
/// connections sqlx retries until then, so in an outage this is how long a
/// request waits for its 503: under the 2 s paddock promises.
const ACQUIRE_TIMEOUT: Duration = Duration::from_millis(1500);

/// How long the start-up probe waits for the database to answer.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

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

    /// Read committed (the default) takes a new snapshot per statement.
    const SNAPSHOT: Option<&'static str> =
        Some("set transaction isolation level repeatable read, read only");

    const READ_BOUND: Option<Duration> = Some(bounded::READ_BOUND);
}

/// Tokens by id, with their owners: one statement for a batch of reads.
const SELECT_CLIENT_TOKENS_BY_ID: &str = "select account, environment, id, token, name, \
     description, status, revoked_at, created_at, updated_at from client_tokens where id = any($1)";

impl ReadTokens for sqlx::Pool<Postgres> {
    /// Within [`bounded::READ_BOUND`]; a connection cut off mid-read is closed.
    async fn read_tokens(&self, ids: &[&str]) -> Result<Vec<(Owner, ClientToken)>, StoreError> {
        let deadline = tokio::time::Instant::now() + bounded::READ_BOUND;
        let mut connection = bounded::by(deadline, self.acquire()).await?;
        let read = sqlx::query_as(SELECT_CLIENT_TOKENS_BY_ID)
            .bind(ids)
            .fetch_all(&mut *connection);
        let rows: Vec<OwnedClientTokenRow> = match bounded::by(deadline, read).await {
            Err(error @ StoreError::Unavailable(_)) => {
                connection.close_on_drop();
                return Err(error);
            }
            read => read?,
        };
        rows.into_iter()
            .map(OwnedClientTokenRow::into_owned)
            .collect()
    }
}

impl PostgresStore {
    /// Connects and applies `migrations/postgres`.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let store = Self::open(url)?;
        store.migrate().await?;
        Ok(store)
    }

    /// A store whose connections are made on first use: nothing is asked of
    /// the database yet. [`PostgresStore::migrate`] before serving from it.
    pub fn open(url: &str) -> Result<Self, ConnectError> {
        let options = connect_options(url)?;
        super::error::note_database_address(options.get_host(), options.get_port());
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
            .after_release(|connection, _| {
                Box::pin(async move { Ok(bounded::release(connection).await) })
            })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_lazy_with(options);
        // Postgres runs concurrent writers itself, and flushes their commits
        // together: one pool for reads and writes alike, two committers.
        let writes = GroupCommit::start(pool.clone(), 2);
        // Reads by id, coalesced: four batches in flight at most.
        let reads = ReadBatch::start(pool.clone(), 4);
        Ok(Self::new(pool, None, writes, None).reading_in_batches(reads))
    }

    /// Applies `migrations/postgres`. A database that can't be reached is
    /// [`ConnectError::Unreachable`], naming where and why; one that refuses
    /// paddock, or whose TLS fails, ends the start
    /// ([`ConnectError::Refused`], [`ConnectError::Tls`]). With
    /// `sslmode=prefer`, a server whose TLS fails is used in plain text, as
    /// libpq does.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        // The pool would only say "timed out" of a refused connection; one
        // connection made here says why.
        let options = self.reader.connect_options();
        let (host, port) = (options.get_host().to_owned(), options.get_port());
        let mut probed = probe(&options).await;
        let failed = match &probed {
            Some(Err(error)) => Some(error.to_string()),
            _ => None,
        };
        if let Some(cause) = failed.filter(|_| matches!(options.get_ssl_mode(), PgSslMode::Prefer))
        {
            let plain = (*options).clone().ssl_mode(PgSslMode::Disable);
            if let Some(Ok(connection)) = probe(&plain).await {
                tracing::warn!(
                    database = %format!("{host}:{port}"),
                    %cause,
                    "TLS to the database failed; connecting without it, as sslmode=prefer allows"
                );
                self.reader.set_connect_options(plain);
                probed = Some(Ok(connection));
            }
        }
        let connection = match probed {
            None => {
                let cause = format!("no answer within {PROBE_TIMEOUT:?}");
                return Err(ConnectError::Unreachable { host, port, cause });
            }
            Some(Ok(connection)) => connection,
            // A TLS failure is the configuration's (a wrong root, say): waiting won't mend it.
            Some(Err(error)) => {
                return Err(match tls_failure(&error) {
                    Some(cause) => ConnectError::Tls { host, port, cause },
                    None if StoreError::is_unavailable(&error) => {
                        let cause = error.to_string();
                        ConnectError::Unreachable { host, port, cause }
                    }
                    None => {
                        let cause = error.to_string();
                        ConnectError::Refused { host, port, cause }
                    }
                });
            }
        };
        let _ = connection.close().await;
        // Migrations may take longer than a request's statement: on a
        // connection of their own, without the statement timeout.
        let options = (*self.reader.connect_options())
            .clone()
            .options([("statement_timeout", "0")]);
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        let migrated = sqlx::migrate!("migrations/postgres").run(&pool).await;
        pool.close().await;
        Ok(migrated?)
    }
}

/// One connection made with `options`; `None` if there was no answer in time.
async fn probe(options: &PgConnectOptions) -> Option<Result<PgConnection, sqlx::Error>> {
    tokio::time::timeout(PROBE_TIMEOUT, PgConnection::connect_with(options))
        .await
        .ok()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::PostgresStore;
    use crate::store::StoreError;
    use crate::store::scratch::Scratch;

    #[tokio::test]
    async fn a_statement_is_cancelled_before_the_outage_bound_and_answered_as_unavailable() {
        let Some(database) = Scratch::create().await else {
            return;
        };
        let store = PostgresStore::connect(&database.url).await.unwrap();
        let started = Instant::now();
        let error = sqlx::query("select pg_sleep(5)")
            .execute(&store.reader)
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(2), "{took:?}");
        assert!(
            matches!(StoreError::from(error), StoreError::Unavailable(_)),
            "a 503, not a 500"
        );
        store.reader.close().await;
    }
}
