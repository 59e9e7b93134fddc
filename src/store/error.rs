//! What can go wrong in the store, in the terms the services act on.

use std::sync::OnceLock;

/// `host:port` of the Postgres server this process uses (never its
/// credentials), so that every "can't reach" error says where.
static DATABASE_ADDRESS: OnceLock<String> = OnceLock::new();

/// Records where the database is, for [`StoreError::Unavailable`]'s message.
pub(super) fn note_database_address(host: &str, port: u16) {
    let _ = DATABASE_ADDRESS.set(format!("{host}:{port}"));
}

fn database_address() -> &'static str {
    DATABASE_ADDRESS.get().map_or("(local)", String::as_str)
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database can't be reached: answered as a 503. The message names
    /// the database's host and port and the cause.
    #[error("can't reach the database at {address}: {0}", address = database_address())]
    Unavailable(#[source] sqlx::Error),
    /// A unique constraint was violated; names the constraint.
    #[error("unique constraint `{0}` violated")]
    Conflict(String),
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// The same error again, for each write of a failed group or read of a
    /// failed batch (sqlx's errors can't be cloned): its kind and its words.
    pub(super) fn copy(&self) -> Self {
        match self {
            Self::Unavailable(cause) => {
                Self::Unavailable(sqlx::Error::Io(std::io::Error::other(cause.to_string())))
            }
            Self::Other(cause) => Self::Other(sqlx::Error::Protocol(cause.to_string())),
            Self::Conflict(constraint) => Self::Conflict(constraint.clone()),
            Self::Corrupt(what) => Self::Corrupt(what.clone()),
        }
    }

    /// Whether `error` means the database can't be reached (or is going
    /// away, or not yet up), rather than that a query is wrong.
    pub fn is_unavailable(error: &sqlx::Error) -> bool {
        match error {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => true,
            // A connection closed before it answers the TLS request reads as
            // byte 0 to sqlx: a cut connection, not a protocol violation.
            sqlx::Error::Protocol(message) => {
                message.starts_with("unexpected response from SSLRequest")
            }
            // Class 08 is "connection exception"; 57P01 to 57P03 a server
            // shutting down or starting up; 53300 too many connections;
            // 57014 a statement cancelled (by the statement timeout).
            sqlx::Error::Database(db) => db.code().is_some_and(|code| {
                code.starts_with("08")
                    || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300" | "57014")
            }),
            _ => false,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            _ if Self::is_unavailable(&error) => Self::Unavailable(error),
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict(db.constraint().unwrap_or("unique").to_owned())
            }
            _ => Self::Other(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{StoreError, database_address, note_database_address};

    #[test]
    fn an_unreachable_database_is_named_by_host_port_and_cause() {
        note_database_address("db.example", 5432);
        let error = StoreError::from(sqlx::Error::PoolTimedOut);
        let message = error.to_string();
        assert!(message.starts_with(&format!(
            "can't reach the database at {}: ",
            database_address()
        )));
        assert!(message.contains("timed out"), "{message}");
    }

    #[test]
    fn a_connection_cut_during_the_tls_request_is_unavailable() {
        let cut = sqlx::Error::Protocol("unexpected response from SSLRequest: 0x00".into());
        assert!(matches!(StoreError::from(cut), StoreError::Unavailable(_)));
        let other = sqlx::Error::Protocol("unexpected message".into());
        assert!(matches!(StoreError::from(other), StoreError::Other(_)));
    }
}
