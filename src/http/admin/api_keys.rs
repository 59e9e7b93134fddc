//! API keys: create, list and revoke an account's keys.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Serialize;

use crate::domain::{ApiKey, Environment, NewApiKey, Permission, Timestamp, account_in_path};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::JsonObject;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts/{account}/api-keys", get(list).post(create))
        .route("/api-keys/{api_key_id}/revoke", post(revoke))
}

/// An API key as the admin API shows it: never its secret, except `key`
/// once, in the answer to its creation.
#[derive(Serialize)]
struct KeyView {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    account: String,
    environment: Environment,
    name: String,
    description: Option<String>,
    permissions: Vec<Permission>,
    status: &'static str,
    rotatable: bool,
    exposed_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl KeyView {
    /// The key and its status at `now`, its account's clock reading.
    fn new(key: &ApiKey, secret: Option<String>, now: Timestamp) -> Self {
        Self {
            id: key.id.to_string(),
            key: secret,
            account: key.account.clone(),
            environment: key.environment,
            name: key.name.clone(),
            description: key.description.clone(),
            permissions: key.permissions.clone(),
            status: key.status(now).as_str(),
            rotatable: key.rotatable,
            exposed_at: key.exposed_at,
            expires_at: key.expires_at,
            last_used_at: key.last_used_at,
            created_at: key.created_at,
            updated_at: key.updated_at,
        }
    }
}

/// `POST /__paddock/accounts/{account}/api-keys`
/// `{"environment": "sandbox", "permissions": [...], "expires_at": null}`.
/// The account is created on first use.
async fn create(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<KeyView>> {
    let account = account_in_path(account)?;
    let new = NewApiKey::from_json(&body)?;
    let (key, secret) = state.services.api_keys.create(&account, new).await?;
    let view = KeyView::new(&key, Some(secret.expose().to_owned()), key.created_at);
    Ok(Envelope::created(view))
}

async fn list(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Vec<KeyView>>> {
    let account = state.services.accounts.get(&account).await?;
    let keys = state.services.api_keys.list(Some(&account.name)).await?;
    let now = state.services.api_keys.now(&account.name).await?;
    Ok(Envelope::ok(
        keys.iter()
            .map(|key| KeyView::new(key, None, now))
            .collect(),
    ))
}

/// `POST /__paddock/api-keys/{api_key_id}/revoke`
async fn revoke(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<KeyView>> {
    let key = state.services.api_keys.revoke(&id).await?;
    let now = state.services.api_keys.now(&key.account).await?;
    Ok(Envelope::ok(KeyView::new(&key, None, now)))
}
