//! An account's whole state: export it as one document, and import such a
//! document into an empty account, here or on another server.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::routing::{get, post};

use crate::domain::{AccountState, Mint, StateCounts, account_in_path, event_data_texts};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::{DOCUMENT_LIMIT, JsonDocument};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{account}/export", get(export))
        .route(
            "/accounts/{account}/import",
            post(import).layer(DefaultBodyLimit::max(DOCUMENT_LIMIT)),
        )
}

/// `GET /__paddock/accounts/{account}/export`: the account's whole state
/// (`format` `paddock.account.v2`), read as of one instant. API keys are
/// digests and secrets are sealed: nothing in it works as a key.
async fn export(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<AccountState>> {
    Ok(Envelope::ok(
        state.services.account_state.export(&account).await?,
    ))
}

/// `POST /__paddock/accounts/{account}/import` with an export's `data`:
/// loads it into `account` (the name in the document gives way), which must
/// hold nothing yet; all or nothing. 201 with what was loaded.
async fn import(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    document: JsonDocument,
) -> Result<Envelope<StateCounts>> {
    let account = account_in_path(account)?;
    let event_data = event_data_texts(&document.text);
    let parsed = AccountState::from_json(&account, &document.object, &event_data, &Mint::real())?;
    let counts = state.services.account_state.import(parsed).await?;
    Ok(Envelope::created(counts))
}
