//! Test-mode checkouts, for tests that don't drive the page: an account's
//! checkouts (every environment, newest last), and completing or declining
//! an open one in one call, with the same events the page would cause.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use crate::domain::checkout::{AdminCheckoutView, CheckoutId, Outcome};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::{IdPath, JsonObject};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{account}/checkouts", get(list))
        .route("/checkouts/{checkout_id}/complete", post(complete))
}

/// `GET /__paddock/accounts/{account}/checkouts`: newest last.
async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Vec<AdminCheckoutView>>> {
    Ok(Envelope::ok(state.services.checkouts.list(&account).await?))
}

/// `POST /__paddock/checkouts/{checkout_id}/complete`
/// `{"outcome": "paid" | "declined", "customer"?: {...}}`.
async fn complete(
    State(state): State<AppState>,
    _: Admin,
    IdPath(id): IdPath<CheckoutId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<AdminCheckoutView>> {
    let outcome = Outcome::from_json(&body)?;
    let view = state.services.checkouts.complete(&id, outcome).await?;
    Ok(Envelope::ok(view))
}
