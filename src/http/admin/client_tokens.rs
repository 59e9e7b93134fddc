//! Client-token fixtures: an account's tokens with chosen names, statuses
//! and timestamps, for tests that need a known state.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::post;

use crate::domain::{ClientToken, account_in_path};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::JsonObject;

pub fn routes() -> Router<AppState> {
    Router::new().route("/accounts/{account}/client-tokens", post(seed))
}

/// `POST /__paddock/accounts/{account}/client-tokens` `{"client_tokens": [...]}`:
/// inserts fixtures, all or none.
async fn seed(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<Vec<ClientToken>>> {
    let account = account_in_path(account)?;
    let tokens = state.services.client_tokens.seed(&account, &body).await?;
    Ok(Envelope::created(tokens))
}
