//! The embedded SQLite store: zero setup, one file, or memory for a
//! throwaway run.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::ConnectError;

#[derive(Clone, Debug)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens an `sqlite:` URL; `sqlite::memory:` is a database that lives as
    /// long as the process.
    pub async fn connect(url: &str) -> Result<Self, ConnectError> {
        let options = SqliteConnectOptions::from_str(url)?;
        Self::open(options).await
    }

    /// Opens (creating if need be) the database file at `path`.
    pub async fn open_file(path: &Path) -> Result<Self, ConnectError> {
        Self::open(SqliteConnectOptions::new().filename(path)).await
    }

    async fn open(options: SqliteConnectOptions) -> Result<Self, ConnectError> {
        let in_memory = options.get_filename() == Path::new(":memory:");
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            // WAL lets readers run beside the one writer; FULL syncs every
            // commit, so an acknowledged write survives a power cut.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = if in_memory {
            // Every connection to `:memory:` is a separate database: keep
            // exactly one, forever.
            SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            SqlitePoolOptions::new().max_connections(8)
        }
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(Self { pool })
    }
}

super::queries::impl_store!(SqliteStore, sqlx::Sqlite);
super::outbox::impl_notification_store!(SqliteStore, sqlx::Sqlite);
