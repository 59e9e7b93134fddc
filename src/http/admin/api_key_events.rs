//! What Paddle does to keys on its own, on demand: a simulated exposure, and
//! an expiry sweep now rather than at the next interval.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;
use serde::Serialize;

use crate::domain::{ApiKeyExposure, ApiKeyId, NewApiKeyExposure};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::JsonObject;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api-keys/{api_key_id}/exposures", post(expose))
        .route("/api-keys/expiry-sweep", post(sweep))
}

/// `POST /__paddock/api-keys/{api_key_id}/exposures`
/// `{"risk_level": "high" | "low", "reference": "https://github.com/...",
/// "source": "github", "description": null}`: 201 with the exposure entity
/// `api_key_exposure.created` carries. A high risk revokes the key.
async fn expose(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<ApiKeyExposure>> {
    let new = NewApiKeyExposure::from_json(&body)?;
    let exposure = state.services.api_keys.expose(&id, new).await?;
    Ok(Envelope::created(exposure))
}

/// The keys a sweep sent notices for.
#[derive(Serialize)]
struct SweepView {
    expired: Vec<ApiKeyId>,
    expiring: Vec<ApiKeyId>,
}

/// `POST /__paddock/api-keys/expiry-sweep`: sends the `api_key.expired` and
/// `api_key.expiring` notices due now, as the background sweep would.
async fn sweep(State(state): State<AppState>, _: Admin) -> Result<Envelope<SweepView>> {
    let sweep = state.services.api_keys.sweep_expiries().await?;
    let ids = |keys: Vec<crate::domain::ApiKey>| keys.into_iter().map(|key| key.id).collect();
    Ok(Envelope::ok(SweepView {
        expired: ids(sweep.expired),
        expiring: ids(sweep.expiring),
    }))
}
