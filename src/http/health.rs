//! Liveness and readiness, for orchestrators and `paddock healthcheck`.
//! Neither needs an API key; neither says more than up or not.

use axum::extract::State;
use serde::Serialize;

use super::AppState;
use super::envelope::Envelope;
use super::error::Result;

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
}

/// `GET /healthz`: the process is up and serving.
pub async fn live() -> Envelope<Health> {
    Envelope::ok(Health { status: "ok" })
}

/// `GET /readyz`: the database answers; 503 `service_unavailable` if not.
pub async fn ready(State(state): State<AppState>) -> Result<Envelope<Health>> {
    state.store.ping().await?;
    Ok(Envelope::ok(Health { status: "ready" }))
}
