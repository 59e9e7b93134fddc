//! Test-mode checkouts, for tests that don't drive the page: an account's
//! checkouts (every environment, newest last), and completing or declining
//! an open one in one call, with the same events the page would cause.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use serde::{Serialize, Serializer};

use crate::domain::checkout::{CheckoutId, CheckoutView, Outcome};
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
) -> Result<Envelope<Vec<AdminView>>> {
    let views = state.services.checkouts.list(&account).await?;
    Ok(Envelope::ok(views.into_iter().map(AdminView).collect()))
}

/// `POST /__paddock/checkouts/{checkout_id}/complete`
/// `{"outcome": "paid" | "declined", "customer"?: {...}}`.
async fn complete(
    State(state): State<AppState>,
    _: Admin,
    IdPath(id): IdPath<CheckoutId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<AdminView>> {
    let outcome = Outcome::from_json(&body)?;
    let view = state.services.checkouts.complete(&id, outcome).await?;
    Ok(Envelope::ok(AdminView(view)))
}

/// A checkout as the admin API shows it (the view, and its transaction,
/// customer and address), owned so that it outlives the handler.
struct AdminView(CheckoutView);

impl Serialize for AdminView {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.admin().serialize(serializer)
    }
}
