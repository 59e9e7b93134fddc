//! `/client-tokens`: create, list, get and revoke client-side tokens.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::value::RawValue;

use super::AppState;
use super::auth::{Authorized, Read, Write};
use super::envelope::{Envelope, Pagination};
use super::error::Result;
use super::extract::{IdPath, JsonObject, query_pairs, skip_count};
use crate::domain::{ClientToken, ClientTokenId, ClientTokenUpdate, ListQuery, NewClientToken};
use crate::error::Error;
use crate::service::Listing;

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
    let new = NewClientToken::from_json(&body)?;
    let token = state
        .services
        .client_tokens
        .create(&auth.owner(), new)
        .await?;
    Ok(Envelope::created(token))
}

/// `GET /client-tokens/{client_token_id}`
async fn fetch(
    State(state): State<AppState>,
    auth: Authorized<Read>,
    IdPath(id): IdPath<ClientTokenId>,
) -> Result<Envelope<ClientToken>> {
    let token = state.services.client_tokens.get(&auth.owner(), &id).await?;
    Ok(Envelope::ok(token))
}

/// `PATCH /client-tokens/{client_token_id}`: revoke only.
async fn update(
    State(state): State<AppState>,
    auth: Authorized<Write>,
    IdPath(id): IdPath<ClientTokenId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<ClientToken>> {
    let update = ClientTokenUpdate::from_json(&body)?;
    let token = (state.services.client_tokens)
        .update(&auth.owner(), &id, update)
        .await?;
    Ok(Envelope::ok(token))
}

/// `GET /client-tokens`
async fn list(
    State(state): State<AppState>,
    auth: Authorized<Read>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Envelope<Box<RawValue>>> {
    let raw_query = raw_query.unwrap_or_default();
    let query = ListQuery::parse(query_pairs(&raw_query).iter().map(|(k, v)| (&**k, &**v)))?;
    let skip_count = skip_count(&headers);

    let Listing {
        page,
        estimated_total,
    } = (state.services.client_tokens)
        .list(&auth.owner(), &query, skip_count)
        .await?;

    let cursor = page
        .tokens
        .last()
        .map(|token| &token.id)
        .or(query.after.as_ref())
        .map(ClientTokenId::as_str);
    let pagination = Pagination {
        per_page: query.per_page,
        next: (state.links).next_page(&headers, "/client-tokens", &raw_query, cursor),
        has_more: page.has_more,
        estimated_total: estimated_total.map_or(-1, |total| total as i64),
    };
    // Written once per page: a page the store serves again from memory
    // carries its JSON with it.
    let data = (page.tokens_json()).map_err(|error| Error::Internal(error.into()))?;
    Ok(Envelope::page(data.to_owned(), pagination))
}
