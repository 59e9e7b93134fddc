//! The notification tables: settings, events and deliveries (the outbox).
//! As in `queries`, the statements run unchanged on both backends and
//! [`impl_notification_store!`] writes the implementation once.

use serde_json::value::RawValue;

use super::StoreError;
use crate::domain::{Delivery, Environment, EventType, NotificationSetting, Timestamp};

/// Followed by `values` rows: id, account, environment, event_type, occurred_at, data.
pub(super) const INSERT_EVENTS: &str =
    "insert into events (id, account, environment, event_type, occurred_at, data) ";

/// Active settings of an account and environment subscribed to an event type
/// (bound as `%,<type>,%`).
pub(super) const SUBSCRIBED_SETTINGS: &str = "select id from notification_settings \
     where account = $1 and environment = $2 and active = true \
     and (',' || subscribed_events || ',') like $3 order by id";

/// Followed by `values` rows, in this column order.
pub(super) const INSERT_DELIVERIES: &str = "insert into deliveries \
     (notification_id, event_id, notification_setting_id, status, attempts, next_attempt_at, created_at) ";

const SETTING_COLUMNS: &str =
    "id, account, environment, destination, subscribed_events, active, created_at, updated_at";

pub(super) fn select_settings() -> String {
    format!("select {SETTING_COLUMNS} from notification_settings where account = $1 order by id")
}

pub(super) fn select_setting() -> String {
    format!("select {SETTING_COLUMNS} from notification_settings where id = $1")
}

pub(super) const INSERT_SETTING: &str = "insert into notification_settings \
     (id, account, environment, destination, subscribed_events, active, secret, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

pub(super) const UPDATE_SETTING: &str = "update notification_settings \
     set destination = $2, subscribed_events = $3, active = $4, updated_at = $5 where id = $1";

pub(super) const DELETE_SETTING: &str = "delete from notification_settings where id = $1";

pub(super) const SELECT_EVENTS: &str = "select id, account, environment, event_type, occurred_at, data \
     from events where account = $1 order by id";

pub(super) const SELECT_EVENT: &str = "select id, account, environment, event_type, occurred_at, data \
     from events where id = $1";

pub(super) const DELETE_ACCOUNT_EVENTS: &str = "delete from events where account = $1";

pub(super) const DELETE_ALL_EVENTS: &str = "delete from events";

const DELIVERY_COLUMNS: &str = "notification_id, event_id, notification_setting_id, status, attempts, \
     next_attempt_at, last_response_code, last_error, delivered_at, created_at";

pub(super) fn select_deliveries() -> String {
    format!(
        "select {DELIVERY_COLUMNS} from deliveries where notification_setting_id = $1 \
         order by created_at, notification_id"
    )
}

pub(super) fn select_event_deliveries() -> String {
    format!(
        "select {DELIVERY_COLUMNS} from deliveries where event_id = $1 order by notification_id"
    )
}

/// Leases up to `$3` due deliveries until `$2`. The conditions are repeated
/// outside the subquery so that, on Postgres, a row another replica leased
/// meanwhile is re-checked and skipped.
pub(super) const CLAIM_DUE: &str = "update deliveries set lease_until = $2 \
     where notification_id in (select notification_id from deliveries \
         where status = 'pending' and next_attempt_at <= $1 \
         and (lease_until is null or lease_until < $1) \
         order by next_attempt_at limit $3) \
     and status = 'pending' and (lease_until is null or lease_until < $1) \
     returning notification_id";

pub(super) const SELECT_DUE: &str = "select d.notification_id, d.attempts, e.id as event_id, \
     e.event_type, e.occurred_at, e.data, s.destination, s.secret \
     from deliveries d join events e on e.id = d.event_id \
     join notification_settings s on s.id = d.notification_setting_id \
     where d.notification_id = $1";

pub(super) const RECORD_ATTEMPT: &str = "update deliveries set status = $2, attempts = attempts + 1, \
     next_attempt_at = $3, lease_until = null, last_response_code = $4, last_error = $5, \
     delivered_at = $6 where notification_id = $1";

/// An event as stored: its `data` is the JSON that is sent.
#[derive(Debug, serde::Serialize)]
pub struct StoredEvent {
    pub id: String,
    #[serde(skip)]
    pub account: String,
    pub environment: Environment,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    pub data: Box<RawValue>,
}

/// A delivery that is due, with all it takes to send it.
#[derive(Debug)]
pub struct DueDelivery {
    pub notification_id: String,
    pub attempts: u32,
    pub event_id: String,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    pub data: Box<RawValue>,
    pub destination: String,
    /// The setting's secret, sealed (see [`crate::secrets`]).
    pub sealed_secret: String,
}

/// What an attempt to deliver came to.
#[derive(Clone, Debug)]
pub struct AttemptOutcome {
    pub status: crate::domain::DeliveryStatus,
    pub next_attempt_at: Option<Timestamp>,
    pub response_code: Option<u16>,
    pub error: Option<String>,
    pub delivered_at: Option<Timestamp>,
}

/// Event types as stored: comma-separated.
pub struct EventTypeList<'a>(pub &'a [EventType]);

impl std::fmt::Display for EventTypeList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&EventType::join(self.0))
    }
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn raw_json(text: String) -> Result<Box<RawValue>, StoreError> {
    RawValue::from_string(text).map_err(corrupt)
}

#[derive(sqlx::FromRow)]
pub struct SettingRow {
    id: String,
    account: String,
    environment: String,
    destination: String,
    subscribed_events: String,
    active: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TryFrom<SettingRow> for NotificationSetting {
    type Error = StoreError;

    fn try_from(row: SettingRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            account: row.account,
            environment: row.environment.parse().map_err(corrupt)?,
            destination: row.destination,
            subscribed_events: EventType::parse_list(&row.subscribed_events).map_err(corrupt)?,
            active: row.active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EventRow {
    id: String,
    account: String,
    environment: String,
    event_type: String,
    occurred_at: Timestamp,
    data: String,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = StoreError;

    fn try_from(row: EventRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: row.id,
            account: row.account,
            environment: row.environment.parse().map_err(corrupt)?,
            event_type: row.event_type.parse().map_err(corrupt)?,
            occurred_at: row.occurred_at,
            data: raw_json(row.data)?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct DeliveryRow {
    notification_id: String,
    event_id: String,
    notification_setting_id: String,
    status: String,
    attempts: i32,
    next_attempt_at: Option<Timestamp>,
    last_response_code: Option<i32>,
    last_error: Option<String>,
    delivered_at: Option<Timestamp>,
    created_at: Timestamp,
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = StoreError;

    fn try_from(row: DeliveryRow) -> Result<Self, StoreError> {
        Ok(Self {
            notification_id: row.notification_id,
            event_id: row.event_id,
            notification_setting_id: row.notification_setting_id,
            status: row.status.parse().map_err(corrupt)?,
            attempts: row.attempts.max(0) as u32,
            next_attempt_at: row.next_attempt_at,
            last_response_code: row.last_response_code.map(|code| code as u16),
            last_error: row.last_error,
            delivered_at: row.delivered_at,
            created_at: row.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct DueRow {
    notification_id: String,
    attempts: i32,
    event_id: String,
    event_type: String,
    occurred_at: Timestamp,
    data: String,
    destination: String,
    secret: String,
}

impl TryFrom<DueRow> for DueDelivery {
    type Error = StoreError;

    fn try_from(row: DueRow) -> Result<Self, StoreError> {
        Ok(Self {
            notification_id: row.notification_id,
            attempts: row.attempts.max(0) as u32,
            event_id: row.event_id,
            event_type: row.event_type.parse().map_err(corrupt)?,
            occurred_at: row.occurred_at,
            data: raw_json(row.data)?,
            destination: row.destination,
            sealed_secret: row.secret,
        })
    }
}
