//! `/api-keys`: list and get an account's API keys, and let a key rotate
//! its own secret.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;

use super::AppState;
use super::auth::{Authenticated, Authorized, ReadApiKeys};
use super::envelope::{Envelope, Pagination};
use super::error::Result;
use super::extract::{IdPath, JsonObject, query_pairs, skip_count};
use crate::domain::{
    ApiKeyId, ApiKeyResource, ApiKeyRotationId, ApiKeyRotationResource, NewApiKeyRotation,
    PageQuery, Permission,
};
use crate::service::{KeyListing, RotationListing};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api-keys", get(list))
        .route("/api-keys/{api_key_id}", get(fetch))
        .route(
            "/api-keys/{api_key_id}/rotations",
            get(list_rotations).post(rotate),
        )
        .route(
            "/api-keys/{api_key_id}/rotations/{api_key_rotation_id}",
            get(fetch_rotation),
        )
}

/// `GET /api-keys`: the caller's account's keys in its environment, every
/// status, oldest first unless `order_by=id[DESC]`.
async fn list(
    State(state): State<AppState>,
    auth: Authorized<ReadApiKeys>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Envelope<Vec<ApiKeyResource>>> {
    let raw_query = raw_query.unwrap_or_default();
    let pairs = query_pairs(&raw_query);
    let pairs = pairs.iter().map(|(k, v)| (&**k, &**v));
    let query = PageQuery::parse(pairs, ApiKeyId::parse, "apikey_...", false)?;
    let KeyListing {
        keys,
        has_more,
        estimated_total,
    } = (state.services.api_keys)
        .page(&auth.owner(), &query, skip_count(&headers))
        .await?;
    let cursor = keys.last().map(|key| &key.id).or(query.after.as_ref());
    let pagination = Pagination {
        per_page: query.per_page,
        next: (state.links).next_page(
            &headers,
            "/api-keys",
            &raw_query,
            cursor.map(ApiKeyId::as_str),
        ),
        has_more,
        estimated_total: estimated_total.map_or(-1, |total| total as i64),
    };
    let keys = keys.iter().map(|key| key.resource(auth.now)).collect();
    Ok(Envelope::page(keys, pagination))
}

/// `GET /api-keys/{api_key_id}`: needs `api_key.read`, except for a key
/// reading itself.
async fn fetch(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath<ApiKeyId>,
) -> Result<Envelope<ApiKeyResource>> {
    if auth.key.id != id {
        auth.require(&state, Permission::ApiKeyRead)?;
    }
    let key = state.services.api_keys.get(&auth.owner(), &id).await?;
    Ok(Envelope::ok(key.resource(auth.now)))
}

/// `POST /api-keys/{api_key_id}/rotations`: a rotatable key rotates itself.
async fn rotate(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath<ApiKeyId>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<ApiKeyRotationResource>> {
    let new = NewApiKeyRotation::from_json(&body)?;
    let rotation = state.services.api_keys.rotate(&auth.key, &id, new).await?;
    Ok(Envelope::created(rotation))
}

/// `GET /api-keys/{api_key_id}/rotations`
async fn list_rotations(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath<ApiKeyId>,
    RawQuery(raw_query): RawQuery,
    headers: HeaderMap,
) -> Result<Envelope<Vec<ApiKeyRotationResource>>> {
    let raw_query = raw_query.unwrap_or_default();
    let pairs = query_pairs(&raw_query);
    let pairs = pairs.iter().map(|(k, v)| (&**k, &**v));
    let query = PageQuery::parse(pairs, ApiKeyRotationId::parse, "apkrot_...", true)?;
    let RotationListing {
        rotations,
        has_more,
        estimated_total,
    } = (state.services.api_keys)
        .rotations(&auth.key, &id, &query, skip_count(&headers))
        .await?;
    let cursor = rotations
        .last()
        .map(|rotation| &rotation.id)
        .or(query.after.as_ref());
    let path = format!("/api-keys/{id}/rotations");
    let pagination = Pagination {
        per_page: query.per_page,
        next: (state.links).next_page(
            &headers,
            &path,
            &raw_query,
            cursor.map(ApiKeyRotationId::as_str),
        ),
        has_more,
        estimated_total: estimated_total.map_or(-1, |total| total as i64),
    };
    Ok(Envelope::page(rotations, pagination))
}

/// `GET /api-keys/{api_key_id}/rotations/{api_key_rotation_id}`
async fn fetch_rotation(
    State(state): State<AppState>,
    auth: Authenticated,
    IdPath(id): IdPath<ApiKeyId>,
    IdPath(rotation): IdPath<ApiKeyRotationId>,
) -> Result<Envelope<ApiKeyRotationResource>> {
    let rotation = (state.services.api_keys)
        .rotation(&auth.key, &id, &rotation)
        .await?;
    Ok(Envelope::ok(rotation))
}
