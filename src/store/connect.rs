//! Opening a store from a database URL, and what can go wrong doing so.

use std::path::Path;
use std::sync::Arc;

use super::{PostgresStore, SqliteStore, Store};

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
                source,
            })?;
            let file = data_dir.join("paddock.sqlite3");
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
    #[error("can't create the data directory {path}: {source}")]
    DataDir {
        path: String,
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
    use super::redact_url;

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
