//! Whether paddock is ready to serve the API. A paddock started before its
//! database listens at once (so orchestrators see it alive) and answers
//! everything but `/healthz` with Paddle's 503 until its start-up (the
//! migrations, the keys) has run against the database.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{AppState, Error};
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

/// Middleware: 503 `service_unavailable` for all but `/healthz` until ready.
pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.readiness.is_ready() || request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let cause = std::io::Error::other("paddock is waiting for its database");
    Error::ServiceUnavailable(StoreError::Unavailable(sqlx::Error::Io(cause))).into_response()
}
