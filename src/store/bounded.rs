//! Client-side bounds on Postgres work. Postgres cancels a statement that
//! runs past its `statement_timeout`, but a network that silently drops
//! packets holds a query with no answer at all: the work that has to
//! answer in time is bounded here too, and a connection cut off mid-query
//! is closed, not put back in the pool to be reused (or pinged forever on
//! its release, holding a place in the pool).

use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::{Connection, PgConnection};
use tokio::time::Instant;

use super::{Backend, StoreError};

/// How long a read on the request path may wait for its answer: the
/// statement timeout (1.5 s) and a little.
pub(super) const READ_BOUND: Duration = Duration::from_millis(1600);

/// While a bound was hit this recently, a connection is pinged (briefly)
/// when it is released, and closed if it doesn't answer.
const SUSPICIOUS_FOR: Duration = Duration::from_secs(10);

/// How long that ping may take.
const RELEASE_PING: Duration = Duration::from_millis(250);

/// When a bound was last hit, in ms since the epoch.
static LAST_HIT: AtomicU64 = AtomicU64::new(0);

fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// `work`, failed as unavailable if it hasn't finished by `deadline`.
pub(super) async fn by<T, E: Into<StoreError>>(
    deadline: Instant,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, StoreError> {
    let work = std::pin::pin!(work);
    match tokio::time::timeout_at(deadline, work).await {
        Ok(done) => done.map_err(Into::into),
        Err(_) => Err(too_late()),
    }
}

/// No answer from the database in time. Notes it, so that connections are
/// checked on their release for a while (see [`release`]).
pub fn too_late() -> StoreError {
    LAST_HIT.store(now_ms(), Ordering::Relaxed);
    StoreError::Unavailable(sqlx::Error::Io(io::Error::new(
        io::ErrorKind::TimedOut,
        "no answer in time",
    )))
}

/// The pool's check of a released connection (`after_release`): nothing
/// while no bound has been hit lately; since one was, a brief ping, for
/// the connection a timed-out query left behind may never answer (sqlx's
/// own ping on release would wait for it as long as TCP does). `false`:
/// close it.
pub(super) async fn release(connection: &mut PgConnection) -> bool {
    let hit = LAST_HIT.load(Ordering::Relaxed);
    if now_ms().saturating_sub(hit) > SUSPICIOUS_FOR.as_millis() as u64 {
        return true;
    }
    matches!(
        tokio::time::timeout(RELEASE_PING, connection.ping()).await,
        Ok(Ok(()))
    )
}

/// A read on the request path, bounded by its backend's
/// [`Backend::READ_BOUND`] if it has one: `.fetch_all(&self.reader)
/// .bounded::<DB>().await?`.
pub(super) trait BoundedRead<T, E>: Future<Output = Result<T, E>> + Sized {
    async fn bounded<DB: Backend>(self) -> Result<T, StoreError>
    where
        E: Into<StoreError>,
    {
        match DB::READ_BOUND {
            Some(bound) => by(Instant::now() + bound, self).await,
            None => self.await.map_err(Into::into),
        }
    }
}

impl<T, E, F: Future<Output = Result<T, E>>> BoundedRead<T, E> for F {}
