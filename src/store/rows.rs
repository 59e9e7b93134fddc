//! Rows as both backends read them, and their conversion to domain values.

use serde_json::value::RawValue;

use super::{DueDelivery, StoreError, StoredEvent};
use crate::domain::{
    Account, ApiKey, ApiKeyId, ApiKeyRotation, ApiKeyRotationId, ClientToken, ClientTokenId, Clock,
    Delivery, Environment, EventType, KeyHash, NotificationSetting, Owner, PendingRotation,
    Permission, Seed, Timestamp,
};

#[derive(sqlx::FromRow)]
pub struct ClientTokenRow {
    id: String,
    token: String,
    name: String,
    description: Option<String>,
    status: String,
    revoked_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// A token with its owner's columns, for reads of many ids at once.
#[derive(sqlx::FromRow)]
pub struct OwnedClientTokenRow {
    account: String,
    environment: String,
    #[sqlx(flatten)]
    token: ClientTokenRow,
}

impl OwnedClientTokenRow {
    pub fn into_owned(self) -> Result<(Owner, ClientToken), StoreError> {
        let environment = (self.environment.parse())
            .map_err(|_| StoreError::Corrupt(format!("environment `{}`", self.environment)))?;
        let owner = Owner {
            account: self.account,
            environment,
        };
        Ok((owner, self.token.try_into()?))
    }
}

impl TryFrom<ClientTokenRow> for ClientToken {
    type Error = StoreError;

    fn try_from(row: ClientTokenRow) -> Result<Self, Self::Error> {
        Ok(Self {
            id: ClientTokenId::parse(&row.id)
                .ok_or_else(|| StoreError::Corrupt(format!("client token id `{}`", row.id)))?,
            status: row
                .status
                .parse()
                .map_err(|()| StoreError::Corrupt(format!("status `{}`", row.status)))?,
            token: row.token,
            name: row.name,
            description: row.description,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AccountRow {
    name: String,
    created_at: Timestamp,
    seed: Option<String>,
    clock: Option<String>,
    draws: i64,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(row: AccountRow) -> Result<Self, StoreError> {
        let clock = match row.clock {
            None => None,
            Some(text) => Some(
                Clock::parse(&text).ok_or_else(|| corrupt(format!("account clock `{text}`")))?,
            ),
        };
        Ok(Self {
            name: row.name,
            created_at: row.created_at,
            seed: row.seed.map(Seed::stored),
            clock,
            draws: row.draws.max(0) as u64,
        })
    }
}

/// A key, with its pending rotation's id and digest when it has one.
#[derive(sqlx::FromRow)]
pub struct ApiKeyRow {
    id: String,
    account: String,
    environment: String,
    name: String,
    description: Option<String>,
    permissions: String,
    rotatable: bool,
    key_hash: String,
    previous_key_hash: Option<String>,
    previous_key_valid_until: Option<Timestamp>,
    pending_rotation_id: Option<String>,
    pending_key_hash: Option<String>,
    revoked: bool,
    exposed_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn key_hash(hex: &str, of: &str) -> Result<KeyHash, StoreError> {
    KeyHash::from_hex(hex).ok_or_else(|| corrupt(format!("a digest of `{of}`")))
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(row: ApiKeyRow) -> Result<Self, Self::Error> {
        let id =
            ApiKeyId::parse(&row.id).ok_or_else(|| corrupt(format!("api key id `{}`", row.id)))?;
        let previous_key = match (row.previous_key_hash, row.previous_key_valid_until) {
            (Some(hash), Some(until)) => Some((key_hash(&hash, &row.id)?, until)),
            _ => None,
        };
        let pending_rotation = match (row.pending_rotation_id, row.pending_key_hash) {
            (Some(rotation), Some(hash)) => Some(PendingRotation {
                id: ApiKeyRotationId::parse(&rotation)
                    .ok_or_else(|| corrupt(format!("rotation id `{rotation}`")))?,
                key_hash: key_hash(&hash, &rotation)?,
            }),
            _ => None,
        };
        Ok(Self {
            key_hash: key_hash(&row.key_hash, &row.id)?,
            id,
            account: row.account,
            environment: row.environment.parse::<Environment>().map_err(corrupt)?,
            name: row.name,
            description: row.description,
            permissions: Permission::parse_list(&row.permissions).map_err(corrupt)?,
            rotatable: row.rotatable,
            previous_key,
            pending_rotation,
            revoked: row.revoked,
            exposed_at: row.exposed_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A rotation, and its new key as sealed.
#[derive(sqlx::FromRow)]
pub struct RotationRow {
    id: String,
    api_key_id: String,
    new_key: String,
    new_key_hash: String,
    grace_period_seconds: i32,
    status: String,
    new_key_expires_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TryFrom<RotationRow> for (ApiKeyRotation, String) {
    type Error = StoreError;

    fn try_from(row: RotationRow) -> Result<Self, Self::Error> {
        let rotation = ApiKeyRotation {
            id: ApiKeyRotationId::parse(&row.id)
                .ok_or_else(|| corrupt(format!("rotation id `{}`", row.id)))?,
            api_key_id: ApiKeyId::parse(&row.api_key_id)
                .ok_or_else(|| corrupt(format!("api key id `{}`", row.api_key_id)))?,
            new_key_hash: key_hash(&row.new_key_hash, &row.id)?,
            grace_period_seconds: u32::try_from(row.grace_period_seconds).map_err(corrupt)?,
            status: row.status.parse().map_err(corrupt)?,
            new_key_expires_at: row.new_key_expires_at,
            expires_at: row.expires_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        };
        Ok((rotation, row.new_key))
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
