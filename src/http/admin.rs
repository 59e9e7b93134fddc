//! The admin API under `/__paddock/` (a prefix Paddle never uses), for test
//! suites: accounts, their keys, fixtures, resets, and the request log.
//! Mounted only when `PADDOCK_ADMIN_TOKEN` is set.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value};

use super::AppState;
use super::auth::Admin;
use super::envelope::Envelope;
use super::error::{Error, Result};
use super::extract::JsonObject;
use super::request_log::LoggedRequest;
use crate::domain::{
    ACCOUNT_NAME_RULE, Account, ApiKey, ApiKeyId, ClientToken, Environment, FieldError, Permission,
    Timestamp, ValidationErrors, environment_field, is_valid_account_name, parse_fixtures,
    unknown_fields,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list_accounts).post(create_account))
        .route(
            "/accounts/{account}/api-keys",
            get(list_keys).post(create_key),
        )
        .route("/accounts/{account}/client-tokens", post(seed))
        .route("/accounts/{account}/reset", post(reset_account))
        .route("/accounts/{account}/requests", get(requests))
        .route("/api-keys/{api_key_id}/revoke", post(revoke_key))
        .route("/reset", post(reset_everything))
        .merge(super::admin_notifications::routes())
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
    permissions: Vec<Permission>,
    status: &'static str,
    expires_at: Option<Timestamp>,
    created_at: Timestamp,
}

impl KeyView {
    fn new(key: &ApiKey, secret: Option<String>) -> Self {
        Self {
            id: key.id.to_string(),
            key: secret,
            account: key.account.clone(),
            environment: key.environment,
            permissions: key.permissions.clone(),
            status: key.status(Timestamp::now()).as_str(),
            expires_at: key.expires_at,
            created_at: key.created_at,
        }
    }
}

/// `POST /__paddock/accounts` `{"name": ...}`: 201 when created, 200 when it
/// already existed, so a suite can run twice.
async fn create_account(
    State(state): State<AppState>,
    _: Admin,
    JsonObject(body): JsonObject,
) -> Result<Envelope<Account>> {
    let name = match body.get("name") {
        Some(Value::String(name)) if is_valid_account_name(name) => name.clone(),
        Some(Value::String(_)) => return Err(field_error("name", ACCOUNT_NAME_RULE)),
        Some(_) => return Err(field_error("name", "must be a string")),
        None => return Err(field_error("name", "is required")),
    };
    reject_unknown_fields(&body, &["name"])?;
    let created = state.store.ensure_account(&name, Timestamp::now()).await?;
    let account = existing_account(&state, &name).await?;
    Ok(if created {
        Envelope::created(account)
    } else {
        Envelope::ok(account)
    })
}

async fn list_accounts(State(state): State<AppState>, _: Admin) -> Result<Envelope<Vec<Account>>> {
    Ok(Envelope::ok(state.store.accounts().await?))
}

/// `POST /__paddock/accounts/{account}/api-keys`
/// `{"environment": "sandbox", "permissions": [...], "expires_at": null}`.
/// The account is created on first use. An `expires_at` in the past makes an
/// expired key, for testing that path.
async fn create_key(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<KeyView>> {
    let account = valid_account_name(account)?;
    let (environment, permissions, expires_at) = parse_new_key(&body)?;
    state
        .store
        .ensure_account(&account, Timestamp::now())
        .await?;
    let (key, secret) = ApiKey::generate(&account, environment, permissions, expires_at);
    state.store.insert_api_key(&key).await?;
    Ok(Envelope::created(KeyView::new(
        &key,
        Some(secret.expose().to_owned()),
    )))
}

async fn list_keys(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Vec<KeyView>>> {
    let account = existing_account(&state, &account).await?;
    let keys = state.store.api_keys().await?;
    let views = keys
        .iter()
        .filter(|key| key.account == account.name)
        .map(|key| KeyView::new(key, None))
        .collect();
    Ok(Envelope::ok(views))
}

/// `POST /__paddock/api-keys/{api_key_id}/revoke`
async fn revoke_key(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<KeyView>> {
    let not_found = || Error::NotFound(id.clone());
    let key_id = ApiKeyId::parse(&id).ok_or_else(not_found)?;
    if !state.store.revoke_api_key(&key_id).await? {
        return Err(not_found());
    }
    state.key_cache.forget(&key_id);
    let key = state.store.api_key(&key_id).await?.ok_or_else(not_found)?;
    Ok(Envelope::ok(KeyView::new(&key, None)))
}

/// `POST /__paddock/accounts/{account}/client-tokens` `{"client_tokens": [...]}`:
/// inserts fixtures, all or none.
async fn seed(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<Vec<ClientToken>>> {
    let account = valid_account_name(account)?;
    reject_unknown_fields(&body, &["client_tokens"])?;
    let items = match body.get("client_tokens") {
        Some(Value::Array(items)) => items,
        Some(_) => return Err(field_error("client_tokens", "must be a list")),
        None => return Err(field_error("client_tokens", "is required")),
    };
    let fixtures = parse_fixtures(items, Timestamp::now()).map_err(|errors| {
        Error::from(ValidationErrors(
            errors
                .0
                .into_iter()
                .map(|e| FieldError::new(format!("client_tokens{}", e.field), e.message))
                .collect(),
        ))
    })?;
    state
        .store
        .ensure_account(&account, Timestamp::now())
        .await?;
    state
        .store
        .insert_client_tokens(&account, &fixtures)
        .await?;
    Ok(Envelope::created(
        fixtures.into_iter().map(|(_, token)| token).collect(),
    ))
}

#[derive(Serialize)]
struct ResetReport {
    deleted_client_tokens: u64,
}

/// `POST /__paddock/accounts/{account}/reset`: deletes the account's client
/// tokens and events, and forgets its request log; its keys and
/// notification settings stay.
async fn reset_account(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<ResetReport>> {
    let account = existing_account(&state, &account).await?;
    Ok(Envelope::ok(reset(&state, Some(&account.name)).await?))
}

/// `POST /__paddock/reset`: the same, for every account.
async fn reset_everything(
    State(state): State<AppState>,
    _: Admin,
) -> Result<Envelope<ResetReport>> {
    Ok(Envelope::ok(reset(&state, None).await?))
}

/// Deletes the client tokens and events of one account (or of all), and
/// forgets what this process remembers of them.
async fn reset(state: &AppState, account: Option<&str>) -> Result<ResetReport> {
    let deleted = state.store.delete_client_tokens(account).await?;
    state.store.delete_events(account).await?;
    match account {
        Some(account) => state.totals.forget_account(account),
        None => state.totals.forget_all(),
    }
    state.request_log.clear(account);
    Ok(ResetReport {
        deleted_client_tokens: deleted,
    })
}

/// `GET /__paddock/accounts/{account}/requests`: the account's recent
/// requests, oldest first.
async fn requests(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Vec<LoggedRequest>>> {
    let account = existing_account(&state, &account).await?;
    Ok(Envelope::ok(state.request_log.recent(&account.name)))
}

pub(super) async fn existing_account(state: &AppState, name: &str) -> Result<Account> {
    state
        .store
        .account(name)
        .await?
        .ok_or_else(|| Error::NotFound(name.to_owned()))
}

pub(super) fn valid_account_name(name: String) -> Result<String> {
    if is_valid_account_name(&name) {
        Ok(name)
    } else {
        Err(field_error("account", ACCOUNT_NAME_RULE))
    }
}

fn parse_new_key(
    body: &Map<String, Value>,
) -> Result<(Environment, Vec<Permission>, Option<Timestamp>)> {
    reject_unknown_fields(body, &["environment", "permissions", "expires_at"])?;
    let mut errors = Vec::new();
    let environment = environment_field(body, &mut errors);
    let permissions = match body.get("permissions") {
        Some(Value::Array(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            names.and_then(|names| Permission::parse_list(&names.join(",")).ok())
        }
        _ => None,
    };
    if permissions.is_none() {
        errors.push(FieldError::new(
            "permissions",
            "must be a non-empty list of: client_token.read, client_token.write",
        ));
    }
    let expires_at = match body.get("expires_at") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(text)) => Timestamp::parse_rfc3339(text).map(Some),
        Some(_) => None,
    };
    if expires_at.is_none() {
        errors.push(FieldError::new(
            "expires_at",
            "must be an RFC 3339 date-time or null",
        ));
    }
    match (environment, permissions, expires_at) {
        (Some(environment), Some(permissions), Some(expires_at)) => {
            Ok((environment, permissions, expires_at))
        }
        _ => Err(ValidationErrors(errors).into()),
    }
}

pub(super) fn reject_unknown_fields(body: &Map<String, Value>, known: &[&str]) -> Result<()> {
    match unknown_fields(body, known) {
        errors if errors.is_empty() => Ok(()),
        errors => Err(ValidationErrors(errors).into()),
    }
}

fn field_error(field: &str, message: &str) -> Error {
    ValidationErrors(vec![FieldError::new(field, message)]).into()
}
