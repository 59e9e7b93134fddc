//! `/client-tokens`: create, list, get and revoke client-side tokens.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;

use super::AppState;
use super::auth::{Authorized, Read, Write};
use super::envelope::{Envelope, Pagination};
use super::error::{Error, Result};
use super::extract::{ClientTokenPath, JsonObject};
use crate::domain::{
    ClientToken, ClientTokenStatus, ClientTokenUpdate, Event, ListQuery, NewClientToken, Timestamp,
};
use crate::store::{Revocation, StoreError};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/client-tokens", get(list).post(create))
        .route("/client-tokens/{client_token_id}", get(fetch).patch(update))
}

/// `POST /client-tokens`
async fn create(
    State(state): State<AppState>,
    auth: Authorized<Write>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<ClientToken>> {
    let new = NewClientToken::from_json(body)?;
    let owner = auth.owner();
    // Token values are 108 random bits; a collision is retried, never surfaced.
    let mut attempts = 0;
    loop {
        let token = ClientToken::create(new.clone(), owner.environment, Timestamp::now());
        let events = Event::for_creation(&token);
        match state
            .store
            .create_client_token(&owner, &token, &events)
            .await
        {
            Ok(()) => {
                state.totals.forget_account(&owner.account);
                state.dispatch.notify_one();
                return Ok(Envelope::created(token));
            }
            Err(StoreError::Conflict(_)) if attempts < 3 => attempts += 1,
            Err(error) => return Err(error.into()),
        }
    }
}

/// `GET /client-tokens/{client_token_id}`
async fn fetch(
    State(state): State<AppState>,
    auth: Authorized<Read>,
    ClientTokenPath(id): ClientTokenPath,
) -> Result<Envelope<ClientToken>> {
    match state.store.client_token(&auth.owner(), &id).await? {
        Some(token) => Ok(Envelope::ok(token)),
        None => Err(Error::NotFound(id.to_string())),
    }
}

/// `PATCH /client-tokens/{client_token_id}`: revoke only. Revoking a revoked
/// token returns it unchanged; asking for `active` on a revoked one is an error.
async fn update(
    State(state): State<AppState>,
    auth: Authorized<Write>,
    ClientTokenPath(id): ClientTokenPath,
    JsonObject(body): JsonObject,
) -> Result<Envelope<ClientToken>> {
    let update = ClientTokenUpdate::from_json(body)?;
    let owner = auth.owner();
    match update.status {
        ClientTokenStatus::Revoked => {
            match state
                .store
                .revoke_client_token(&owner, &id, Timestamp::now())
                .await?
            {
                Some(Revocation::Revoked(token)) => {
                    state.totals.forget_account(&owner.account);
                    state.dispatch.notify_one();
                    Ok(Envelope::ok(token))
                }
                Some(Revocation::AlreadyRevoked(token)) => Ok(Envelope::ok(token)),
                None => Err(Error::NotFound(id.to_string())),
            }
        }
        ClientTokenStatus::Active => match state.store.client_token(&owner, &id).await? {
            Some(token) if token.status == ClientTokenStatus::Active => Ok(Envelope::ok(token)),
            Some(_) => Err(Error::ClientTokenRevoked(id)),
            None => Err(Error::NotFound(id.to_string())),
        },
    }
}

/// `GET /client-tokens`
async fn list(
    State(state): State<AppState>,
    auth: Authorized<Read>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Envelope<Vec<ClientToken>>> {
    let raw_query = raw_query.unwrap_or_default();
    let pairs: Vec<_> = form_urlencoded::parse(raw_query.as_bytes()).collect();
    let query = ListQuery::parse(pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())))?;
    let skip_count = headers
        .get("skip-count")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));

    let owner = auth.owner();
    let estimated_total = if skip_count {
        None
    } else {
        let totals = &state.totals;
        Some(
            totals
                .estimate(state.store.as_ref(), &owner, &query.statuses)
                .await?,
        )
    };
    let page = state.store.list_client_tokens(&owner, &query).await?;

    let cursor = page
        .tokens
        .last()
        .map(|token| &token.id)
        .or(query.after.as_ref());
    let pagination = Pagination {
        per_page: query.per_page,
        next: state.links.next_page(&headers, &raw_query, cursor),
        has_more: page.has_more,
        estimated_total: estimated_total.map_or(-1, |total| total as i64),
    };
    Ok(Envelope::page(page.tokens, pagination))
}
