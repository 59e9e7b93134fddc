//! `POST /pricing-preview` and `POST /transactions/preview`: what Paddle.js's
//! `PricePreview()` and `TransactionPreview()` call, with a client-side
//! token, and servers with an API key holding `transaction.read`.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde_json::value::RawValue;

use super::AppState;
use super::client_auth::Previewer;
use super::envelope::Envelope;
use super::error::Result;
use super::extract::JsonObject;
use crate::domain::pricing::{PreviewKind, PreviewRequest};

/// The routes, without the middleware the router puts around them (the
/// emulation of Paddle's limits and faults, and CORS).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/pricing-preview", post(pricing_preview))
        .route("/transactions/preview", post(transaction_preview))
}

/// `POST /pricing-preview`
async fn pricing_preview(
    State(state): State<AppState>,
    caller: Previewer,
    JsonObject(body): JsonObject,
) -> Result<Envelope<Box<RawValue>>> {
    preview(&state, caller, PreviewKind::Prices, &body).await
}

/// `POST /transactions/preview`
async fn transaction_preview(
    State(state): State<AppState>,
    caller: Previewer,
    JsonObject(body): JsonObject,
) -> Result<Envelope<Box<RawValue>>> {
    preview(&state, caller, PreviewKind::Transaction, &body).await
}

async fn preview(
    state: &AppState,
    caller: Previewer,
    kind: PreviewKind,
    body: &serde_json::Map<String, serde_json::Value>,
) -> Result<Envelope<Box<RawValue>>> {
    let request = PreviewRequest::from_json(kind, body)?;
    let data = (state.services.previews)
        .preview(&caller.owner, &request)
        .await?;
    Ok(Envelope::ok(data))
}
