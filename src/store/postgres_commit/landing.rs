//! Whether a commit whose answer never came landed. The connection broke,
//! or the network held the answer past the group's deadline: the commit
//! may not have reached Postgres, may be running still, or may be done.
//! Asked on a fresh connection: the old session is ended first (once it is
//! gone, what it did is final), then what it wrote is looked for. If
//! Postgres can't be reached again before the deadline, it can't be known;
//! the writes fail as unavailable, as the rest of an outage does.

use sqlx::{Connection, PgConnection, Pool, Postgres};
use tokio::time::Instant;

/// The session a commit was sent on, and how to tell whether it landed.
#[derive(Debug)]
pub(super) struct Suspect {
    /// Its server process (`pg_backend_pid()`).
    pub pid: i32,
    pub check: Check,
}

#[derive(Debug)]
pub(super) enum Check {
    /// One statement, its own transaction, created these tokens: all are
    /// there, or none.
    Tokens(Vec<String>),
    /// A transaction, by its id (`txid_current()`).
    Transaction(i64),
}

/// Ends the old session, waiting up to this long for it to go (ms); the
/// group's deadline bounds it anyway.
const END_SESSION: &str = "select pg_terminate_backend(pid, $2) from pg_stat_activity \
     where pid = $1 and datname = current_database()";

const TOKENS_THERE: &str = "select exists (select from client_tokens where id = any($1))";

const TRANSACTION_STATUS: &str = "select txid_status($1)";

/// `Some(true)`: landed; `Some(false)`: didn't and won't; `None`: can't be
/// learnt by `deadline`.
pub(super) async fn landed(
    pool: &Pool<Postgres>,
    suspect: &Suspect,
    deadline: Instant,
) -> Option<bool> {
    let options = pool.connect_options();
    let ask = async {
        let mut fresh = PgConnection::connect_with(&options).await.ok()?;
        let wait = deadline.saturating_duration_since(Instant::now());
        let wait_ms = i64::try_from(wait.as_millis()).unwrap_or(i64::MAX).max(1);
        let ended: Option<bool> = sqlx::query_scalar(END_SESSION)
            .bind(suspect.pid)
            .bind(wait_ms)
            .fetch_optional(&mut fresh)
            .await
            .ok()?;
        // `Some(false)`: still there when the wait ran out.
        if ended == Some(false) {
            return None;
        }
        let landed = match &suspect.check {
            Check::Tokens(ids) => sqlx::query_scalar(TOKENS_THERE)
                .bind(ids)
                .fetch_one(&mut fresh)
                .await
                .ok()?,
            Check::Transaction(xid) => {
                let status: Option<String> = sqlx::query_scalar(TRANSACTION_STATUS)
                    .bind(xid)
                    .fetch_one(&mut fresh)
                    .await
                    .ok()?;
                match status.as_deref() {
                    Some("committed") => true,
                    Some("aborted") => false,
                    // In progress (its session ended, so not for long), or
                    // too old to say: not known.
                    _ => return None,
                }
            }
        };
        tokio::spawn(async move {
            let _ = fresh.close().await;
        });
        Some(landed)
    };
    tokio::time::timeout_at(deadline, ask).await.ok().flatten()
}
