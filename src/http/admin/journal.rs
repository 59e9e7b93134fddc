//! An account's request journal: its recognised requests and their answers,
//! filtered, or counted, so a test can assert what its code did.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use serde::Serialize;

use crate::domain::{JournalEntry, JournalFilter};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::query_pairs;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{account}/requests", get(requests))
        .route("/accounts/{account}/requests/count", get(count))
}

/// `GET /__paddock/accounts/{account}/requests?method=&path=&...`: the
/// account's journaled requests that match, oldest first.
async fn requests(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Envelope<Vec<JournalEntry>>> {
    let (account, filter) = parse(&state, account, query).await?;
    Ok(Envelope::ok(
        state.services.journal.entries(&account, &filter),
    ))
}

#[derive(Serialize)]
struct Count {
    count: usize,
}

/// `GET /__paddock/accounts/{account}/requests/count?...`: how many match.
async fn count(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Envelope<Count>> {
    let (account, filter) = parse(&state, account, query).await?;
    let count = state.services.journal.count(&account, &filter);
    Ok(Envelope::ok(Count { count }))
}

/// The account (404 when unknown) and the filter of the query.
async fn parse(
    state: &AppState,
    account: String,
    query: Option<String>,
) -> Result<(String, JournalFilter)> {
    let account = state.services.accounts.get(&account).await?;
    let pairs = query_pairs(query.as_deref().unwrap_or_default());
    let filter = JournalFilter::parse(pairs.iter().map(|(k, v)| (&**k, &**v)))?;
    Ok((account.name, filter))
}
