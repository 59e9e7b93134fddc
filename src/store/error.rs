//! What can go wrong in the store, in the terms the services act on.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database can't be reached: answered as a 503.
    #[error("database unavailable: {0}")]
    Unavailable(#[source] sqlx::Error),
    /// A unique constraint was violated; names the constraint.
    #[error("unique constraint `{0}` violated")]
    Conflict(String),
    #[error("database error: {0}")]
    Other(#[source] sqlx::Error),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error),
            // A connection closed before it answers the TLS request reads as
            // byte 0 to sqlx: a cut connection, not a protocol violation.
            sqlx::Error::Protocol(message)
                if message.starts_with("unexpected response from SSLRequest") =>
            {
                Self::Unavailable(error)
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::Conflict(db.constraint().unwrap_or("unique").to_owned())
            }
            _ => Self::Other(error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::StoreError;

    #[test]
    fn a_connection_cut_during_the_tls_request_is_unavailable() {
        let cut = sqlx::Error::Protocol("unexpected response from SSLRequest: 0x00".into());
        assert!(matches!(StoreError::from(cut), StoreError::Unavailable(_)));
        let other = sqlx::Error::Protocol("unexpected message".into());
        assert!(matches!(StoreError::from(other), StoreError::Other(_)));
    }
}
