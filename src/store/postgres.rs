//! The Postgres store, for deployments that keep their data.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgQueryResult, PgSslMode};
use sqlx::{Connection, Postgres};

use super::group_commit::GroupCommit;
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
}

/// Tokens by id, with their owners: one statement for a batch of reads.
const SELECT_CLIENT_TOKENS_BY_ID: &str = "select account, environment, id, token, name, \
     description, status, revoked_at, created_at, updated_at from client_tokens where id = any($1)";

impl ReadTokens for sqlx::Pool<Postgres> {
    async fn read_tokens(&self, ids: &[&str]) -> Result<Vec<(Owner, ClientToken)>, StoreError> {
        let rows: Vec<OwnedClientTokenRow> = sqlx::query_as(SELECT_CLIENT_TOKENS_BY_ID)
            .bind(ids)
            .fetch_all(self)
            .await?;
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
    /// [`ConnectError::Unreachable`], naming where and why.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        // The pool would only say "timed out" of a refused connection; one
        // connection made here says why.
        let options = self.reader.connect_options();
        let (host, port) = (options.get_host().to_owned(), options.get_port());
        let unreachable = |cause: String| ConnectError::Unreachable {
            host: host.clone(),
            port,
            cause,
        };
        let probe = tokio::time::timeout(PROBE_TIMEOUT, PgConnection::connect_with(&options));
        match probe.await {
            Err(_) => return Err(unreachable(format!("no answer within {PROBE_TIMEOUT:?}"))),
            // A TLS failure is the configuration's (a wrong root, say): waiting won't mend it.
            Ok(Err(error))
                if super::StoreError::is_unavailable(&error)
                    && !matches!(error, sqlx::Error::Tls(_)) =>
            {
                return Err(unreachable(error.to_string()));
            }
            Ok(Err(error)) => {
                let cause = error.to_string();
                return Err(ConnectError::Refused { host, port, cause });
            }
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
            }
        }
        sqlx::migrate!("migrations/postgres")
            .run(&self.reader)
            .await?;
        Ok(())
    }
}

/// The URL's options, TLS as libpq takes it: `sslmode` (`disable`, `prefer`
/// by default, `require`, `verify-ca`, `verify-full`) and `sslrootcert`,
/// which sqlx reads. Two gaps are closed here: as in libpq, `require` with a
/// root certificate given verifies the chain like `verify-ca`; and a root
/// certificate file that can't be read is named now, not met later as a bare
/// "No such file" on the first connection.
fn connect_options(url: &str) -> Result<PgConnectOptions, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    let Some(root_cert) = root_cert_path(url) else {
        return Ok(options);
    };
    if let Err(error) = std::fs::metadata(&root_cert) {
        return Err(sqlx::Error::Configuration(
            format!("can't read the sslrootcert file {root_cert}: {error}").into(),
        ));
    }
    Ok(match options.get_ssl_mode() {
        PgSslMode::Require => options.ssl_mode(PgSslMode::VerifyCa),
        _ => options,
    })
}

/// `sslrootcert` from the URL (or its aliases), else `PGSSLROOTCERT`, when
/// it names a file rather than holding a PEM certificate itself.
fn root_cert_path(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let from_url = url.query_pairs().find_map(|(name, value)| {
        matches!(&*name, "sslrootcert" | "ssl-root-cert" | "ssl-ca").then(|| value.into_owned())
    });
    from_url
        .or_else(|| std::env::var("PGSSLROOTCERT").ok())
        .filter(|value| !value.is_empty() && !value.starts_with("-----BEGIN"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_with_a_root_certificate_verifies_the_chain_as_libpq_does() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let path = file.path().display();
        let url = format!("postgres://app@db/paddock?sslmode=require&sslrootcert={path}");
        let options = connect_options(&url).unwrap();
        assert!(matches!(options.get_ssl_mode(), PgSslMode::VerifyCa));
        let options = connect_options("postgres://app@db/paddock?sslmode=require").unwrap();
        assert!(matches!(options.get_ssl_mode(), PgSslMode::Require));
    }

    #[test]
    fn an_unreadable_root_certificate_is_named_and_the_password_is_not() {
        let url =
            "postgres://app:hunter2@db/paddock?sslmode=verify-ca&sslrootcert=/nonexistent/root.crt";
        let error = connect_options(url).unwrap_err().to_string();
        assert!(
            error.contains("sslrootcert file /nonexistent/root.crt"),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
    }
}
