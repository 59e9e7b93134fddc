//! An account's clock and seed, for test suites: stop, set and advance its
//! time; make its ids, secrets and timestamps repeat.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};

use crate::domain::{Account, ClockChange, ClockView, Seed, account_in_path};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::JsonObject;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/accounts/{account}/clock",
            get(clock).put(set_clock).delete(reset_clock),
        )
        .route("/accounts/{account}/clock/advance", post(advance_clock))
        .route("/accounts/{account}/seed", put(set_seed).delete(clear_seed))
}

/// `GET /__paddock/accounts/{account}/clock`.
async fn clock(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<ClockView>> {
    let account = state.services.accounts.get(&account).await?;
    Ok(Envelope::ok(
        state.services.mints.clock(&account.name).await?,
    ))
}

/// `PUT /__paddock/accounts/{account}/clock` `{"frozen": true, "now": "..."}`:
/// the clock reads `now` (default: what it reads now), stopped or running.
async fn set_clock(
    state: State<AppState>,
    admin: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<ClockView>> {
    let change = ClockChange::set_from_json(&body)?;
    change_clock(state, admin, account, change).await
}

/// `POST /__paddock/accounts/{account}/clock/advance` `{"seconds": 3600}`.
async fn advance_clock(
    state: State<AppState>,
    admin: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<ClockView>> {
    let change = ClockChange::advance_from_json(&body)?;
    change_clock(state, admin, account, change).await
}

/// `DELETE /__paddock/accounts/{account}/clock`: back to the default.
async fn reset_clock(
    state: State<AppState>,
    admin: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<ClockView>> {
    change_clock(state, admin, account, ClockChange::Reset).await
}

/// Changes the clock, then sends the key expiry notices now due at once,
/// rather than at the next sweep.
async fn change_clock(
    State(state): State<AppState>,
    _: Admin,
    account: String,
    change: ClockChange,
) -> Result<Envelope<ClockView>> {
    let account = account_in_path(account)?;
    let view = state.services.mints.change_clock(&account, change).await?;
    state.services.api_keys.sweep_expiries_of(&account).await?;
    Ok(Envelope::ok(view))
}

/// `PUT /__paddock/accounts/{account}/seed` `{"seed": "checkout-snapshots"}`:
/// restarts the account's sequence from the seed.
async fn set_seed(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<Account>> {
    let account = account_in_path(account)?;
    let seed = Seed::from_body(&body)?;
    let mints = &state.services.mints;
    Ok(Envelope::ok(mints.set_seed(&account, Some(&seed)).await?))
}

/// `DELETE /__paddock/accounts/{account}/seed`: the server's default seed
/// (if any) applies again.
async fn clear_seed(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Account>> {
    let account = account_in_path(account)?;
    Ok(Envelope::ok(
        state.services.mints.set_seed(&account, None).await?,
    ))
}
