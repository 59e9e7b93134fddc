//! Opening a store from a database URL, and what can go wrong doing so.

use std::fs::OpenOptions;
use std::io;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;

use super::{PostgresStore, SqliteStore, Store, is_in_memory_url};

/// The embedded database's file in the data directory.
const DATA_FILE: &str = "paddock.sqlite3";

/// Client tokens a server on SQLite keeps in memory unless configured.
pub const DEFAULT_CACHED_TOKENS: usize = 100_000;

/// How a process uses the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A server. On SQLite it owns the file (a second server is refused)
    /// and keeps up to `cached_tokens` client tokens in memory.
    Serve { cached_tokens: usize },
    /// A one-shot command, beside a server if one runs: no lock, no cache.
    Command,
}

/// Opens the store a database URL names, applying migrations: Postgres for
/// `postgres://` and `postgresql://`, SQLite for `sqlite:`. With no URL, an
/// SQLite file in `data_dir`, created on first start.
pub async fn connect(
    database_url: Option<&str>,
    data_dir: &Path,
    access: Access,
) -> Result<Arc<dyn Store>, ConnectError> {
    let opened = open(database_url, data_dir, access).await?;
    opened.migrate().await?;
    Ok(opened.store)
}

/// A store that may not be usable yet: Postgres is connected to on first
/// use, so that paddock can listen before its database answers.
pub struct Opened {
    pub store: Arc<dyn Store>,
    /// Postgres, still to be migrated.
    postgres: Option<Arc<PostgresStore>>,
}

impl Opened {
    /// Applies the migrations still due (SQLite's were applied on opening).
    /// Fails with [`ConnectError::Unreachable`] while the database is away.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        match &self.postgres {
            Some(postgres) => postgres.migrate().await,
            None => Ok(()),
        }
    }
}

/// [`connect`] without waiting for Postgres: its migrations are left to
/// [`Opened::migrate`]. SQLite is local, so it is opened and migrated here.
pub async fn open(
    database_url: Option<&str>,
    data_dir: &Path,
    access: Access,
) -> Result<Opened, ConnectError> {
    let store: Arc<dyn Store> = match database_url {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let postgres = Arc::new(PostgresStore::open(url)?);
            return Ok(Opened {
                store: postgres.clone(),
                postgres: Some(postgres),
            });
        }
        Some(url) if url.starts_with("sqlite:") => {
            Arc::new(SqliteStore::connect(url, access).await?)
        }
        Some(url) => return Err(ConnectError::UnsupportedUrl(redact_url(url))),
        None => {
            std::fs::create_dir_all(data_dir).map_err(|source| ConnectError::DataDir {
                path: data_dir.display().to_string(),
                user: running_as(),
                source,
            })?;
            let file = data_dir.join(DATA_FILE);
            check_writable(data_dir, &file)?;
            Arc::new(SqliteStore::open_file(&file, access).await?)
        }
    };
    Ok(Opened {
        store,
        postgres: None,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL `{0}`: use postgres://..., sqlite:<path> or sqlite::memory:")]
    UnsupportedUrl(String),
    #[error("can't create the data directory {path}{user}: {source}")]
    DataDir {
        path: String,
        user: String,
        source: std::io::Error,
    },
    #[error(
        "can't write to {what} {path}{user}: {source}; give that user the directory, \
         or choose another with PADDOCK_DATA_DIR (--data-dir)"
    )]
    NotWritable {
        what: &'static str,
        path: String,
        user: String,
        source: std::io::Error,
    },
    #[error("can't reach the database at {host}:{port}: {cause}")]
    Unreachable {
        host: String,
        port: u16,
        cause: String,
    },
    /// Reached, but it refused paddock (a wrong password, a missing database).
    #[error("the database at {host}:{port} refused paddock: {cause}")]
    Refused {
        host: String,
        port: u16,
        cause: String,
    },
    /// TLS failed (a certificate that doesn't verify): waiting won't mend it.
    #[error("TLS to the database at {host}:{port} failed: {cause}")]
    Tls {
        host: String,
        port: u16,
        cause: String,
    },
    #[error(
        "the SQLite database {path} is in use by another paddock server: one server owns \
         an SQLite file (run replicas on Postgres); `paddock keys` works beside it"
    )]
    InUse { path: String },
    #[error("can't start syncing the SQLite database {path}: {source}")]
    Sync {
        path: String,
        source: std::io::Error,
    },
    #[error("can't lock the SQLite database {path}: {source}")]
    Lock {
        path: String,
        source: std::io::Error,
    },
    #[error("can't connect to the database: {0}")]
    Connect(#[from] sqlx::Error),
    #[error("can't apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A data directory paddock can't write (a bind mount owned by root, say)
/// would otherwise fail as SQLite's bare "unable to open database file",
/// with no path: try a file of this process's own, then the database file.
fn check_writable(dir: &Path, file: &Path) -> Result<(), ConnectError> {
    let not_writable = |what, path: &Path, source| ConnectError::NotWritable {
        what,
        path: path.display().to_string(),
        user: running_as(),
        source,
    };
    let probe = dir.join(format!(".paddock-write-check-{}", std::process::id()));
    (OpenOptions::new().write(true).create(true).truncate(true))
        .open(&probe)
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|source| not_writable("the data directory", dir, source))?;
    match OpenOptions::new().write(true).open(file) {
        Err(source) if source.kind() != io::ErrorKind::NotFound => {
            Err(not_writable("the database file", file, source))
        }
        _ => Ok(()),
    }
}

/// " (paddock runs as uid N)", for errors about files: which user needs the
/// permission is the first thing to know.
fn running_as() -> String {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and can't fail.
        let uid = unsafe { libc::geteuid() };
        format!(" (paddock runs as uid {uid})")
    }
    #[cfg(not(unix))]
    String::new()
}

/// Where the store a database URL names keeps its data, for the start-up
/// banner: the SQLite file, or Postgres's host, port and database; never
/// credentials.
pub fn describe(database_url: Option<&str>, data_dir: &Path) -> String {
    match database_url {
        Some(url) if is_in_memory_url(url) => "SQLite in memory (nothing is kept)".to_owned(),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            match PgConnectOptions::from_str(url) {
                Ok(options) => {
                    let database = (options.get_database()).unwrap_or(options.get_username());
                    let (host, port) = (options.get_host(), options.get_port());
                    format!("Postgres at {host}:{port}, database {database}")
                }
                Err(_) => "Postgres".to_owned(),
            }
        }
        Some(url) => match SqliteConnectOptions::from_str(url) {
            Ok(options) => format!("SQLite {}", options.get_filename().display()),
            Err(_) => "SQLite".to_owned(),
        },
        None => format!("SQLite {}", data_dir.join(DATA_FILE).display()),
    }
}

/// Hides a password in a database URL, for error messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            if credentials.contains(':') {
                format!("{scheme}://{user}:***@{host}")
            } else {
                url.to_owned()
            }
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::{describe, redact_url};

    #[test]
    fn describes_the_store_without_credentials() {
        let data = Path::new("paddock-data");
        assert_eq!(
            describe(Some("postgres://app:hunter2@db:5433/shop"), data),
            "Postgres at db:5433, database shop"
        );
        assert_eq!(
            describe(Some("postgresql://app:hunter2@db"), data),
            "Postgres at db:5432, database app"
        );
        assert_eq!(
            describe(Some("sqlite:/tmp/p.db?mode=rwc"), data),
            "SQLite /tmp/p.db"
        );
        assert_eq!(
            describe(Some("sqlite::memory:"), data),
            "SQLite in memory (nothing is kept)"
        );
        assert_eq!(describe(None, data), "SQLite paddock-data/paddock.sqlite3");
    }

    #[test]
    fn redacts_passwords_only() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/paddock"),
            "postgres://app:***@db:5432/paddock"
        );
        assert_eq!(
            redact_url("postgres://app@db/paddock"),
            "postgres://app@db/paddock"
        );
        assert_eq!(redact_url("sqlite::memory:"), "sqlite::memory:");
    }
}
