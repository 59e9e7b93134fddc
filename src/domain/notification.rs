//! Notifications (webhooks), as Paddle sends them: events about client
//! tokens and API keys, delivered to each subscribed notification setting, signed with
//! the setting's secret.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};
use strum::{EnumCount, VariantArray};

use super::checkout::{Address, Customer, Transaction};
use super::id::{Id, kind};
use super::{
    ApiKey, ApiKeyExposure, ApiKeyResource, ApiKeyRotation, ApiKeyRotationResource, ClientToken,
    Mint, Timestamp,
};

#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
    strum::EnumCount,
)]
#[serde(into = "&'static str")]
#[strum(parse_err_ty = String, parse_err_fn = unknown_event_type)]
pub enum EventType {
    #[strum(serialize = "client_token.created")]
    ClientTokenCreated,
    #[strum(serialize = "client_token.updated")]
    ClientTokenUpdated,
    #[strum(serialize = "client_token.revoked")]
    ClientTokenRevoked,
    #[strum(serialize = "api_key.created")]
    ApiKeyCreated,
    #[strum(serialize = "api_key.updated")]
    ApiKeyUpdated,
    #[strum(serialize = "api_key.revoked")]
    ApiKeyRevoked,
    /// Seven days before a key's `expires_at`.
    #[strum(serialize = "api_key.expiring")]
    ApiKeyExpiring,
    #[strum(serialize = "api_key.expired")]
    ApiKeyExpired,
    #[strum(serialize = "api_key_exposure.created")]
    ApiKeyExposureCreated,
    #[strum(serialize = "api_key_rotation.created")]
    ApiKeyRotationCreated,
    #[strum(serialize = "api_key_rotation.updated")]
    ApiKeyRotationUpdated,
    #[strum(serialize = "transaction.created")]
    TransactionCreated,
    /// After every change to a transaction, with its new status too.
    #[strum(serialize = "transaction.updated")]
    TransactionUpdated,
    #[strum(serialize = "transaction.ready")]
    TransactionReady,
    #[strum(serialize = "transaction.paid")]
    TransactionPaid,
    #[strum(serialize = "transaction.completed")]
    TransactionCompleted,
    /// A declined card, or a refused 3-D Secure step: the status is unchanged.
    #[strum(serialize = "transaction.payment_failed")]
    TransactionPaymentFailed,
    #[strum(serialize = "customer.created")]
    CustomerCreated,
    #[strum(serialize = "customer.updated")]
    CustomerUpdated,
    #[strum(serialize = "address.created")]
    AddressCreated,
    #[strum(serialize = "address.updated")]
    AddressUpdated,
}

impl EventType {
    /// Every event type, in declaration order.
    pub const ALL: [EventType; <EventType as EnumCount>::COUNT] =
        *Self::VARIANTS.first_chunk().expect("one variant per count");

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn join(types: &[EventType]) -> String {
        types
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn parse_list(list: &str) -> Result<Vec<EventType>, String> {
        let mut types: Vec<EventType> = list
            .split(',')
            .filter(|name| !name.is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        types.sort();
        types.dedup();
        Ok(types)
    }
}

fn unknown_event_type(text: &str) -> String {
    format!("unknown event type `{text}`")
}

/// The entity an event is about, as the API returned it at that moment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum EventData {
    ClientToken(ClientToken),
    ApiKey(ApiKeyResource),
    /// Without `new_key`: webhooks never carry secrets.
    ApiKeyRotation(ApiKeyRotationResource),
    ApiKeyExposure(ApiKeyExposure),
    /// Keys sorted by length, then alphabetically, as Paddle sends them.
    Transaction(Box<Transaction>),
    Customer(Customer),
    Address(Address),
}

/// Something that happened to an entity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: String,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    pub data: EventData,
}

impl Event {
    pub fn new(
        event_type: EventType,
        occurred_at: Timestamp,
        data: EventData,
        mint: &Mint,
    ) -> Self {
        Self {
            id: Id::<kind::Event>::mint(mint).into_string(),
            event_type,
            occurred_at,
            data,
        }
    }

    fn client_token(event_type: EventType, token: &ClientToken, mint: &Mint) -> Self {
        let data = EventData::ClientToken(token.clone());
        Self::new(event_type, token.updated_at, data, mint)
    }

    /// An event about `key`, showing it as it is at `at`.
    pub fn api_key(event_type: EventType, key: &ApiKey, at: Timestamp, mint: &Mint) -> Self {
        Self::new(event_type, at, EventData::ApiKey(key.resource(at)), mint)
    }

    pub fn api_key_rotation(event_type: EventType, rotation: &ApiKeyRotation, mint: &Mint) -> Self {
        let data = EventData::ApiKeyRotation(rotation.resource(None));
        Self::new(event_type, rotation.updated_at, data, mint)
    }

    pub fn api_key_exposure(exposure: &ApiKeyExposure, mint: &Mint) -> Self {
        let data = EventData::ApiKeyExposure(exposure.clone());
        Self::new(
            EventType::ApiKeyExposureCreated,
            exposure.created_at,
            data,
            mint,
        )
    }

    /// A created token emits `client_token.created`.
    pub fn for_creation(token: &ClientToken, mint: &Mint) -> Vec<Self> {
        vec![Self::client_token(
            EventType::ClientTokenCreated,
            token,
            mint,
        )]
    }

    /// A revoke emits the specific `client_token.revoked` and then the
    /// general `client_token.updated`, as Paddle does for status changes.
    pub fn for_revocation(token: &ClientToken, mint: &Mint) -> Vec<Self> {
        vec![
            Self::client_token(EventType::ClientTokenRevoked, token, mint),
            Self::client_token(EventType::ClientTokenUpdated, token, mint),
        ]
    }
}

/// The state of one event's delivery to one setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(into = "&'static str")]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = String,
    parse_err_fn = unknown_delivery_status
)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn unknown_delivery_status(text: &str) -> String {
    format!("unknown delivery status `{text}`")
}

/// One notification: an event on its way to one setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// `ntf_...`, the body's `notification_id`.
    pub notification_id: String,
    pub event_id: String,
    pub notification_setting_id: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Option<Timestamp>,
    pub last_response_code: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl Delivery {
    /// `ntf_` + a ULID made from what occasions the delivery (the event's
    /// id, or a replay's) and the setting's id: unique, as they are, and
    /// repeated exactly when they are (a seeded account's are). Its time is
    /// the occasion's.
    pub fn id_for(occasion: &str, setting_id: &str) -> String {
        let ulid = occasion.rsplit('_').next().unwrap_or(occasion);
        let millis = ulid::Ulid::from_string(&ulid.to_uppercase()).map_or(0, |u| u.timestamp_ms());
        let digest = Sha256::new()
            .chain_update(occasion)
            .chain_update([0])
            .chain_update(setting_id)
            .finalize();
        let mut random = [0u8; 16];
        random[6..].copy_from_slice(&digest[..10]);
        let ulid = ulid::Ulid::from_parts(millis, u128::from_be_bytes(random));
        Id::<kind::Notification>::from_ulid(&ulid.to_string().to_lowercase()).into_string()
    }
}

/// The body Paddle POSTs, exactly.
#[derive(Serialize)]
pub struct NotificationBody<'a> {
    pub event_id: &'a str,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    pub notification_id: &'a str,
    pub data: &'a serde_json::value::RawValue,
}

/// `Paddle-Signature: ts=<unix seconds>;h1=<hex HMAC-SHA256 of "<ts>:<body>">`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b":");
    mac.update(body);
    format!(
        "ts={timestamp};h1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// When to retry: `base × factor^(attempts − 1)` after the last attempt.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    pub base: Duration,
    pub factor: f64,
    pub max_attempts: u32,
}

impl RetryPolicy {
    /// The wait after `attempts` failed attempts, or `None` when they are spent.
    pub fn delay_after(&self, attempts: u32) -> Option<Duration> {
        if attempts >= self.max_attempts {
            return None;
        }
        let exponent = attempts.saturating_sub(1).min(30) as i32;
        Some(self.base.mul_f64(self.factor.powi(exponent)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Environment;

    #[test]
    fn signs_timestamp_colon_body() {
        // HMAC-SHA256("secret", "1700000000:{}"), computed with Python's hmac.
        assert_eq!(
            signature("secret", 1_700_000_000, b"{}"),
            "ts=1700000000;h1=90d1dfc305363e56438c2a03dac8b91f27a9842b7e361afe3743831bca23c856"
        );
    }

    #[test]
    fn backs_off_exponentially_then_gives_up() {
        let policy = RetryPolicy {
            base: Duration::from_millis(100),
            factor: 2.0,
            max_attempts: 4,
        };
        let delays: Vec<_> = (1..=4).map(|n| policy.delay_after(n)).collect();
        assert_eq!(
            delays,
            [
                Some(Duration::from_millis(100)),
                Some(Duration::from_millis(200)),
                Some(Duration::from_millis(400)),
                None
            ]
        );
    }

    #[test]
    fn revocation_emits_revoked_then_updated() {
        let token = ClientToken::create(
            super::super::NewClientToken {
                name: "n".into(),
                description: None,
            },
            Environment::Sandbox,
            &Mint::real(),
        );
        let types: Vec<_> = Event::for_revocation(&token, &Mint::real())
            .iter()
            .map(|e| e.event_type)
            .collect();
        assert_eq!(
            types,
            [EventType::ClientTokenRevoked, EventType::ClientTokenUpdated]
        );
    }

    #[test]
    fn event_types_and_statuses_keep_their_names() {
        for (event_type, name) in [
            (EventType::ClientTokenCreated, "client_token.created"),
            (EventType::ClientTokenUpdated, "client_token.updated"),
            (EventType::ClientTokenRevoked, "client_token.revoked"),
            (
                EventType::TransactionPaymentFailed,
                "transaction.payment_failed",
            ),
            (EventType::AddressUpdated, "address.updated"),
        ] {
            assert_eq!(event_type.as_str(), name);
            assert_eq!(event_type.to_string(), name);
            assert_eq!(serde_json::to_value(event_type).unwrap(), name);
            assert_eq!(name.parse(), Ok(event_type));
        }
        assert_eq!(EventType::ALL.len(), 21);
        assert_eq!(
            "client_token.deleted".parse::<EventType>(),
            Err("unknown event type `client_token.deleted`".to_owned())
        );
        for (status, name) in [
            (DeliveryStatus::Pending, "pending"),
            (DeliveryStatus::Delivered, "delivered"),
            (DeliveryStatus::Failed, "failed"),
        ] {
            assert_eq!(status.as_str(), name);
            assert_eq!(serde_json::to_value(status).unwrap(), name);
            assert_eq!(name.parse(), Ok(status));
        }
        assert_eq!(
            "Failed".parse::<DeliveryStatus>(),
            Err("unknown delivery status `Failed`".to_owned())
        );
    }
}
