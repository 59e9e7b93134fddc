//! Whether paddock is ready to serve the API. A paddock started before its
//! database listens at once (so orchestrators see it alive) and answers
//! everything but `/healthz` with Paddle's 503 while its database can't be
//! reached. While start-up (the migrations, the keys) runs against a
//! database that answers, a new connection waits for it instead (up to
//! [`START_WAIT`]), so that a client that came as soon as the port opened
//! is served, not refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::Request;
use tokio::sync::watch;

use super::Error;
use crate::store::StoreError;

/// How long a connection made during start-up waits for it: within the
/// 2 s in which paddock answers every request.
const START_WAIT: Duration = Duration::from_millis(1500);

/// Where start-up is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Reaching the database, migrating, provisioning keys.
    Starting,
    /// The database can't be reached; start-up tries again.
    DatabaseDown,
    Ready,
}

/// Set as start-up goes; shared by clones.
#[derive(Clone, Debug)]
pub struct Readiness {
    /// The hot path's check: one atomic load per request.
    ready: Arc<AtomicBool>,
    stage: Arc<watch::Sender<Stage>>,
}

impl Default for Readiness {
    fn default() -> Self {
        Self {
            ready: Arc::default(),
            stage: Arc::new(watch::channel(Stage::Starting).0),
        }
    }
}

impl Readiness {
    pub fn ready() -> Self {
        let readiness = Self::default();
        readiness.set_ready();
        readiness
    }

    pub fn set_ready(&self) {
        self.ready.store(true, Ordering::Release);
        self.stage.send_replace(Stage::Ready);
    }

    /// The database can't be reached (`true`), or answers again (`false`)
    /// and start-up goes on.
    pub fn set_database_down(&self, down: bool) {
        let stage = if down {
            Stage::DatabaseDown
        } else {
            Stage::Starting
        };
        self.stage.send_if_modified(|current| {
            let changed = *current != Stage::Ready && *current != stage;
            if changed {
                *current = stage;
            }
            changed
        });
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Waits while start-up runs against a database that answers, for at
    /// most [`START_WAIT`]: returns at once when ready or when the database
    /// is down (its requests are refused with 503 then).
    pub async fn wait_while_starting(&self) {
        self.wait_at_most(START_WAIT).await;
    }

    async fn wait_at_most(&self, limit: Duration) {
        if self.is_ready() {
            return;
        }
        let mut stage = self.stage.subscribe();
        let settled = stage.wait_for(|stage| *stage != Stage::Starting);
        let _ = tokio::time::timeout(limit, settled).await;
    }
}

/// 503 `service_unavailable` for all but `/healthz` until ready.
pub fn refusal(readiness: &Readiness, request: &Request) -> Option<Error> {
    if readiness.is_ready() || request.uri().path() == "/healthz" {
        return None;
    }
    let cause = std::io::Error::other("paddock is waiting for its database");
    Some(Error::ServiceUnavailable(StoreError::Unavailable(
        sqlx::Error::Io(cause),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const LIMIT: Duration = Duration::from_millis(300);

    #[tokio::test]
    async fn a_connection_waits_while_starting_but_not_while_the_database_is_down() {
        let readiness = Readiness::default();
        let started = Instant::now();
        readiness.wait_at_most(LIMIT).await;
        assert!(
            started.elapsed() >= LIMIT,
            "bounded: {:?}",
            started.elapsed()
        );

        readiness.set_database_down(true);
        let started = Instant::now();
        readiness.wait_at_most(LIMIT).await;
        assert!(started.elapsed() < LIMIT / 3, "down: refused at once");

        readiness.set_database_down(false);
        let waiting = readiness.clone();
        let waited = tokio::spawn(async move {
            let started = Instant::now();
            waiting.wait_at_most(LIMIT).await;
            started.elapsed()
        });
        tokio::time::sleep(LIMIT / 3).await;
        readiness.set_ready();
        let waited = waited.await.unwrap();
        assert!(waited >= LIMIT / 3 && waited < LIMIT, "{waited:?}");
        assert!(readiness.is_ready());
        readiness.set_database_down(true);
        assert!(readiness.is_ready(), "ready stays ready");
    }
}
