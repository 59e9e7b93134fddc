//! Whether paddock is ready to serve the API. A paddock started before its
//! database listens at once (so orchestrators see it alive) and answers
//! everything but `/healthz` with Paddle's 503 until its start-up (the
//! migrations, the keys) has run against the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::Request;

use super::Error;
use crate::store::StoreError;

/// Set once, when start-up has finished; shared by clones.
#[derive(Clone, Debug, Default)]
pub struct Readiness(Arc<AtomicBool>);

impl Readiness {
    pub fn ready() -> Self {
        let readiness = Self::default();
        readiness.set_ready();
        readiness
    }

    pub fn set_ready(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Acquire)
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
