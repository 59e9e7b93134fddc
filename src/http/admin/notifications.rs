//! Notifications: settings (where an account's webhooks go), the events
//! paddock recorded, the deliveries and their attempts, and replays.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, patch, post};
use serde::Serialize;

use crate::domain::{
    Delivery, NewNotificationSetting, NotificationSetting, NotificationSettingUpdate,
    account_in_path,
};
use crate::http::AppState;
use crate::http::auth::Admin;
use crate::http::envelope::Envelope;
use crate::http::error::Result;
use crate::http::extract::JsonObject;
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
        .route(
            "/notifications/{notification_id}/replay",
            post(replay_notification),
        )
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
    let account = account_in_path(account)?;
    let new = NewNotificationSetting::from_json(&body)?;
    let notifications = &state.services.notifications;
    let (setting, secret) = notifications.create_setting(&account, new).await?;
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
    let account = state.services.accounts.get(&account).await?;
    let settings = state.services.notifications.settings(&account.name).await?;
    Ok(Envelope::ok(settings))
}

/// `PATCH /__paddock/notification-settings/{id}` with any of `destination`,
/// `subscribed_events`, `active`.
async fn update_setting(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
    JsonObject(body): JsonObject,
) -> Result<Envelope<NotificationSetting>> {
    let update = NotificationSettingUpdate::from_json(&body)?;
    let setting = state
        .services
        .notifications
        .update_setting(&id, update)
        .await?;
    Ok(Envelope::ok(setting))
}

/// `DELETE /__paddock/notification-settings/{id}`: answers with what was
/// deleted (never an empty body). Its pending deliveries go with it.
async fn delete_setting(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<NotificationSetting>> {
    let setting = state.services.notifications.delete_setting(&id).await?;
    Ok(Envelope::ok(setting))
}

async fn deliveries(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<Vec<Delivery>>> {
    Ok(Envelope::ok(
        state.services.notifications.deliveries(&id).await?,
    ))
}

async fn events(
    State(state): State<AppState>,
    _: Admin,
    Path(account): Path<String>,
) -> Result<Envelope<Vec<StoredEvent>>> {
    let account = state.services.accounts.get(&account).await?;
    let events = state.services.notifications.events(&account.name).await?;
    Ok(Envelope::ok(events))
}

/// What a notification replay answers, as Paddle's: the new notification.
#[derive(Serialize)]
struct Replayed {
    notification_id: String,
}

/// `POST /__paddock/notifications/{notification_id}/replay`, as Paddle's
/// `POST /notifications/{notification_id}/replay`: sends that
/// notification's event again to its own destination only, as a new
/// notification; 202 with its id.
async fn replay_notification(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<Replayed>> {
    let notifications = &state.services.notifications;
    let replayed = notifications.replay_notification(&id).await?;
    Ok(Envelope::accepted(Replayed {
        notification_id: replayed.notification_id,
    }))
}

/// `POST /__paddock/events/{id}/replay`: sends the event again to every
/// setting now subscribed to it (one new notification each, not Paddle's
/// per-notification replay); answers with all the event's deliveries.
async fn replay(
    State(state): State<AppState>,
    _: Admin,
    Path(id): Path<String>,
) -> Result<Envelope<Vec<Delivery>>> {
    Ok(Envelope::ok(
        state.services.notifications.replay(&id).await?,
    ))
}
