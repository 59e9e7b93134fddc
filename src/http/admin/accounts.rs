//! Accounts: create and list them, and reset one or all.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use crate::domain::{Account, NewAccount};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::JsonObject;
use crate::service::ResetReport;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route("/accounts/{account}/reset", post(reset_account))
        .route("/reset", post(reset_everything))
}

/// `POST /__paddock/accounts` `{"name": ...}`: 201 when created, 200 when it
/// already existed, so a suite can run twice.
async fn create(
    State(state): State<AppState>,
    _: Admin,
    JsonObject(body): JsonObject,
) -> Result<Envelope<Account>> {
    let new = NewAccount::from_json(&body)?;
    let (account, created) = state.services.accounts.create(new).await?;
    Ok(if created {
        Envelope::created(account)
    } else {
        Envelope::ok(account)
    })
}

async fn list(State(state): State<AppState>, _: Admin) -> Result<Envelope<Vec<Account>>> {
    Ok(Envelope::ok(state.services.accounts.list().await?))
}

/// `POST /__paddock/accounts/{account}/reset`: deletes the account's client
/// tokens and events, and forgets its request journal; its keys and
/// notification settings stay.
async fn reset_account(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<ResetReport>> {
    let accounts = &state.services.accounts;
    let account = accounts.get(&account).await?;
    Ok(Envelope::ok(accounts.reset(Some(&account.name)).await?))
}

/// `POST /__paddock/reset`: the same, for every account.
async fn reset_everything(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Envelope<ResetReport>> {
    Ok(Envelope::ok(state.services.accounts.reset(None).await?))
}
