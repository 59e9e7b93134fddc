//! The admin API's notification part: notification settings (where an
//! account's webhooks go), the events it recorded, the deliveries and their
//! attempts, and replays.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use serde::Serialize;
use serde_json::{Map, Value};

use super::AppState;
use super::admin::{existing_account, reject_unknown_fields, valid_account_name};
use super::auth::Admin;
use super::envelope::Envelope;
use super::error::{Error, Result};
use super::extract::JsonObject;
use crate::domain::{
    Delivery, EventType, FieldError, NotificationSetting, Timestamp, ValidationErrors,
    environment_field,
};
use crate::store::StoredEvent;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/accounts/{account}/notification-settings",
            get(list_settings).post(create_setting),
        )
        .route(
            "/notification-settings/{id}",
            patch(update_setting).delete(delete_setting),
        )
        .route("/notification-settings/{id}/deliveries", get(deliveries))
        .route("/accounts/{account}/events", get(events))
        .route("/events/{id}/replay", post(replay))
}

/// A setting as created: with its secret, shown this once.
#[derive(Serialize)]
struct CreatedSetting {
    #[serde(flatten)]
    setting: NotificationSetting,
    endpoint_secret_key: String,
}

/// `POST /__paddock/accounts/{account}/notification-settings`
/// `{"destination", "subscribed_events", "environment", "active"}`.
async fn create_setting(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<CreatedSetting>> {
    let account = valid_account_name(account)?;
    reject_unknown_fields(
        &body,
        &["destination", "subscribed_events", "environment", "active"],
    )?;
    let mut errors = Vec::new();
    let environment = environment_field(&body, &mut errors);
    let destination = required(&body, "destination", &mut errors, parse_destination);
    let events = required(&body, "subscribed_events", &mut errors, parse_event_types);
    let active = optional_bool(&body, "active", &mut errors).unwrap_or(true);
    let (Some(environment), Some(destination), Some(events)) = (environment, destination, events)
    else {
        return Err(ValidationErrors(errors).into());
    };
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    state
        .store
        .ensure_account(&account, Timestamp::now())
        .await?;
    let (setting, secret) =
        NotificationSetting::create(&account, environment, destination, events, active);
    state
        .store
        .insert_notification_setting(&setting, &state.secrets.seal(&secret))
        .await?;
    Ok(Envelope::created(CreatedSetting {
        setting,
        endpoint_secret_key: secret,
    }))
}

async fn list_settings(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Vec<NotificationSetting>>> {
    let account = existing_account(&state, &account).await?;
    Ok(Envelope::ok(
        state.store.notification_settings(&account.name).await?,
    ))
}

/// `PATCH /__paddock/notification-settings/{id}` with any of `destination`,
/// `subscribed_events`, `active`.
async fn update_setting(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<NotificationSetting>> {
    reject_unknown_fields(&body, &["destination", "subscribed_events", "active"])?;
    let mut setting = existing_setting(&state, &id).await?;
    let mut errors = Vec::new();
    if body.contains_key("destination") {
        if let Some(destination) = required(&body, "destination", &mut errors, parse_destination) {
            setting.destination = destination;
        }
    }
    if body.contains_key("subscribed_events") {
        if let Some(events) = required(&body, "subscribed_events", &mut errors, parse_event_types) {
            setting.subscribed_events = events;
        }
    }
    if let Some(active) = optional_bool(&body, "active", &mut errors) {
        setting.active = active;
    }
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    setting.updated_at = Timestamp::now();
    if !state.store.update_notification_setting(&setting).await? {
        return Err(Error::NotFound(id));
    }
    Ok(Envelope::ok(setting))
}

/// `DELETE /__paddock/notification-settings/{id}`: answers with what was
/// deleted (never an empty body). Its pending deliveries go with it.
async fn delete_setting(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<NotificationSetting>> {
    let setting = existing_setting(&state, &id).await?;
    if !state.store.delete_notification_setting(&id).await? {
        return Err(Error::NotFound(id));
    }
    Ok(Envelope::ok(setting))
}

async fn deliveries(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<Vec<Delivery>>> {
    existing_setting(&state, &id).await?;
    Ok(Envelope::ok(state.store.deliveries(&id).await?))
}

async fn events(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Vec<StoredEvent>>> {
    let account = existing_account(&state, &account).await?;
    Ok(Envelope::ok(state.store.events(&account.name).await?))
}

/// `POST /__paddock/events/{id}/replay`: sends the event again to every
/// setting now subscribed to it; answers with all its deliveries.
async fn replay(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<Vec<Delivery>>> {
    let deliveries = state
        .store
        .replay_event(&id)
        .await?
        .ok_or_else(|| Error::NotFound(id.clone()))?;
    state.dispatch.notify_one();
    Ok(Envelope::ok(deliveries))
}

async fn existing_setting(state: &AppState, id: &str) -> Result<NotificationSetting> {
    state
        .store
        .notification_setting(id)
        .await?
        .ok_or_else(|| Error::NotFound(id.to_owned()))
}

/// Parses a required field, noting an error if it is missing or invalid.
fn required<T>(
    body: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
    parse: fn(&Value) -> std::result::Result<T, &'static str>,
) -> Option<T> {
    let result = match body.get(field) {
        None | Some(Value::Null) => Err("is required"),
        Some(value) => parse(value),
    };
    result
        .map_err(|message| errors.push(FieldError::new(field, message)))
        .ok()
}

fn optional_bool(
    body: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<bool> {
    match body.get(field) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(value)) => Some(*value),
        Some(_) => {
            errors.push(FieldError::new(field, "must be true or false"));
            None
        }
    }
}

/// An absolute `http` or `https` URL with a host.
fn parse_destination(value: &Value) -> std::result::Result<String, &'static str> {
    const MESSAGE: &str = "must be an http:// or https:// URL";
    let text = value.as_str().ok_or(MESSAGE)?;
    let url = reqwest::Url::parse(text).map_err(|_| MESSAGE)?;
    let scheme_ok = matches!(url.scheme(), "http" | "https");
    if scheme_ok && url.has_host() {
        Ok(text.to_owned())
    } else {
        Err(MESSAGE)
    }
}

fn parse_event_types(value: &Value) -> std::result::Result<Vec<EventType>, &'static str> {
    const MESSAGE: &str = "must be a non-empty list of: client_token.created, client_token.updated, client_token.revoked";
    let names: Vec<&str> = value
        .as_array()
        .ok_or(MESSAGE)?
        .iter()
        .map(Value::as_str)
        .collect::<Option<_>>()
        .ok_or(MESSAGE)?;
    match EventType::parse_list(&names.join(",")) {
        Ok(types) if !types.is_empty() => Ok(types),
        _ => Err(MESSAGE),
    }
}
