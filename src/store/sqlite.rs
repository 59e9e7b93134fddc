//! The embedded SQLite store: zero setup, one file, or memory for a
//! throwaway run.

use std::fs::File;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};

use super::group_commit::GroupCommit;
use super::sqlite_commit::SqliteWriter;
use super::token_cache::TokenCache;
use super::{Access, Backend, ConnectError, SqlStore};

/// The embedded store. SQLite allows one writer at a time; writers that race
/// each other spin on the lock. So writes go through a pool of one
/// connection, in turn, and reads through another pool, beside them (WAL).
/// Creations and revocations are committed in groups (see `group_commit`).
///
/// A server owns its file: it locks it, so a second server is refused, and
/// then answers reads of client tokens from memory (`token_cache`). A
/// one-shot command (`paddock keys`) takes no lock and keeps no cache.
pub type SqliteStore = SqlStore<Sqlite>;

impl Backend for Sqlite {
    fn rows_affected(result: &SqliteQueryResult) -> u64 {
        result.rows_affected()
    }

    // sqlx finds each bound value's placeholder by name, and SQLite looks a
    // name up by walking the statement's list of them: binding costs the
    // square of the values in one statement, so statements stay short.
    const ROWS_PER_INSERT: usize = 64;

    // SQLite plans without statistics unless asked to keep them: nothing to
    // refresh (see Postgres).
}

impl SqliteStore {
    /// Opens an `sqlite:` URL; `sqlite::memory:` is a database that lives as
    /// long as the process.
    pub async fn connect(url: &str, access: Access) -> Result<Self, ConnectError> {
        let options = SqliteConnectOptions::from_str(url)?;
        Self::open(options, is_in_memory_url(url), access).await
    }

    /// Opens (creating if need be) the database file at `path`.
    pub async fn open_file(path: &Path, access: Access) -> Result<Self, ConnectError> {
        let options = SqliteConnectOptions::new().filename(path);
        Self::open(options, false, access).await
    }

    async fn open(
        options: SqliteConnectOptions,
        in_memory: bool,
        access: Access,
    ) -> Result<Self, ConnectError> {
        let cached_tokens = match access {
            Access::Serve { cached_tokens } => cached_tokens,
            Access::Command => 0,
        };
        let options = options
            .create_if_missing(true)
            .foreign_keys(true)
            // WAL lets readers run beside the one writer; FULL syncs every
            // commit, so an acknowledged write survives a power cut. (Groups
            // of token writes are synced just after, by `wal_sync`.)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            // A lock held by another process (`paddock keys`) is waited
            // for this long at most: a request answers within 2 s.
            .busy_timeout(Duration::from_millis(1500))
            // 512 KiB of page cache per connection rather than SQLite's 2 MB:
            // the operating system caches the file too, and five connections'
            // worth of 2 MB made most of paddock's memory.
            .pragma("cache_size", "-512")
            // A statement that may fail part-way inside a transaction (a
            // group's many-row insert) keeps a journal to undo just itself:
            // in memory, not in a file created and deleted for each group.
            .pragma("temp_store", "memory");
        let connect = |max| {
            SqlitePoolOptions::new()
                .max_connections(max)
                .acquire_timeout(Duration::from_secs(5))
                // A file can't hang up: don't ping before every query.
                .test_before_acquire(false)
        };
        if in_memory {
            // The database lives as long as one connection to it does: keep
            // exactly one, forever, for reads and writes alike.
            let pool = connect(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .connect_with(options)
                .await?;
            sqlx::migrate!("migrations/sqlite").run(&pool).await?;
            let writes = GroupCommit::start(SqliteWriter::in_memory(pool.clone()), 1);
            let tokens = TokenCache::new(cached_tokens);
            return Ok(Self::new(pool, None, writes, tokens).holding(None));
        }
        create_private(options.get_filename());
        let writer = connect(1).connect_with(options.clone()).await?;
        let lock = match access {
            Access::Serve { .. } => Some(lock_file(options.get_filename())?),
            Access::Command => None,
        };
        // One committer: SQLite takes one writer at a time anyway.
        let path = options.get_filename();
        let committer =
            SqliteWriter::file(writer.clone(), path).map_err(|source| ConnectError::Sync {
                path: path.display().to_string(),
                source,
            })?;
        let reader = connect(4).connect_with(options).await?;
        sqlx::migrate!("migrations/sqlite").run(&writer).await?;
        let writes = GroupCommit::start(committer, 1);
        let tokens = TokenCache::new(cached_tokens);
        Ok(Self::new(reader, Some(writer), writes, tokens).holding(lock))
    }
}

/// Takes the server's lock on the database file (an `flock`, which SQLite's
/// own byte-range locks don't see). It lasts while the file stays open: until
/// the store is closed, or the process ends however it ends.
/// Creates the database file, if it isn't there, readable by its owner only
/// (0600, as the secret key file): SQLite would make it 0644, and it makes
/// the `-wal` and `-shm` files beside it with the database file's mode. An
/// empty file is an empty database to SQLite. An existing file is left as
/// its owner made it; any other failure is SQLite's to report as it opens.
fn create_private(path: &Path) {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let _ = options.open(path);
}

fn lock_file(path: &Path) -> Result<File, ConnectError> {
    let file = File::open(path).map_err(|source| ConnectError::Lock {
        path: path.display().to_string(),
        source,
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ConnectError::InUse {
            path: path.display().to_string(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(ConnectError::Lock {
            path: path.display().to_string(),
            source,
        }),
    }
}

/// Whether an `sqlite:` URL names a database held in memory only
/// (`sqlite::memory:`, or `mode=memory`), which keeps nothing on disk.
/// sqlx renames such a database internally, so this reads the URL itself.
pub fn is_in_memory_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return false;
    };
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (database, parameters) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || parameters.split('&').any(|pair| pair == "mode=memory")
}

#[cfg(test)]
mod tests {
    use super::is_in_memory_url;

    #[test]
    fn in_memory_urls_are_told_from_files() {
        for url in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite:scratch?mode=memory",
            "sqlite://scratch?cache=shared&mode=memory",
        ] {
            assert!(is_in_memory_url(url), "{url}");
        }
        for url in [
            "sqlite:paddock.sqlite3",
            "sqlite://data/paddock.sqlite3?mode=rwc",
            "postgres://host/:memory:",
        ] {
            assert!(!is_in_memory_url(url), "{url}");
        }
    }
}
