//! An account's whole state as one document, to save it and load it again,
//! on this server or another: the account, its client tokens, its API keys
//! (digests only: never a secret that works) and their rotations, its
//! notification settings (secrets sealed, as stored), its events and their
//! deliveries, its catalog and tax rates. No HTTP and no SQL here.

mod catalog;
mod fields;
mod items;
mod parse;
mod rules;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

use super::{
    Account, ApiKeyId, ApiKeyRotation, ApiKeyRotationId, ClientToken, Delivery, Environment,
    EventType, KeyHash, NotificationSetting, Permission, Price, Product, RotationStatus, TaxRates,
    Timestamp,
};

pub use parse::event_data_texts;
pub use rules::TakenIds;

/// What the document says it is, so that a later format can be told apart.
/// Version 2 added the catalog and the tax rates.
pub const ACCOUNT_STATE_FORMAT: &str = "paddock.account.v2";

/// The format before the catalog: still read (it has no catalog to load).
pub const ACCOUNT_STATE_FORMAT_V1: &str = "paddock.account.v1";

/// The `format` marker: always [`ACCOUNT_STATE_FORMAT`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Format;

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(ACCOUNT_STATE_FORMAT)
    }
}

/// Everything paddock keeps of one account. Each list is in id order.
#[derive(Clone, Debug, Serialize)]
pub struct AccountState {
    pub format: Format,
    pub account: Account,
    pub client_tokens: Vec<AccountClientToken>,
    pub api_keys: Vec<StoredApiKey>,
    pub api_key_rotations: Vec<SealedRotation>,
    pub notification_settings: Vec<SealedNotificationSetting>,
    pub events: Vec<RecordedEvent>,
    pub deliveries: Vec<Delivery>,
    pub products: Vec<AccountProduct>,
    pub prices: Vec<AccountPrice>,
    /// The account's rate per country (`{"GB": "0.2"}`), for both
    /// environments.
    pub tax_rates: TaxRates,
}

/// A product and the environment it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountProduct {
    pub environment: Environment,
    #[serde(flatten)]
    pub product: Product,
}

/// A price and the environment it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountPrice {
    pub environment: Environment,
    #[serde(flatten)]
    pub price: Price,
}

/// A client token and the environment it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccountClientToken {
    pub environment: Environment,
    #[serde(flatten)]
    pub token: ClientToken,
}

/// An API key as stored: its digests, never a usable key. Importing it
/// carries the digest, so the key's secret works on the new server too.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StoredApiKey {
    pub id: ApiKeyId,
    pub environment: Environment,
    /// Obfuscated, as the API shows it, for people reading the document.
    pub key: String,
    pub name: String,
    pub description: Option<String>,
    pub permissions: Vec<Permission>,
    pub rotatable: bool,
    pub revoked: bool,
    /// Hex SHA-256 of the whole key.
    #[serde(serialize_with = "hex")]
    pub key_hash: KeyHash,
    /// After a completed rotation: the old key's digest, good until
    /// `previous_key_valid_until`.
    #[serde(serialize_with = "optional_hex")]
    pub previous_key_hash: Option<KeyHash>,
    pub previous_key_valid_until: Option<Timestamp>,
    pub exposed_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    /// The `expires_at` that `api_key.expiring` / `api_key.expired` went out
    /// for, so that a loaded key isn't warned of it again.
    pub expiring_notified_for: Option<Timestamp>,
    pub expired_notified_for: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A rotation, its new key sealed with the server's secret key as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SealedRotation {
    pub id: ApiKeyRotationId,
    pub api_key_id: ApiKeyId,
    pub sealed_new_key: String,
    #[serde(serialize_with = "hex")]
    pub new_key_hash: KeyHash,
    pub grace_period_seconds: u32,
    pub status: RotationStatus,
    pub new_key_expires_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl SealedRotation {
    pub fn new(rotation: ApiKeyRotation, sealed_new_key: String) -> Self {
        Self {
            id: rotation.id,
            api_key_id: rotation.api_key_id,
            sealed_new_key,
            new_key_hash: rotation.new_key_hash,
            grace_period_seconds: rotation.grace_period_seconds,
            status: rotation.status,
            new_key_expires_at: rotation.new_key_expires_at,
            expires_at: rotation.expires_at,
            created_at: rotation.created_at,
            updated_at: rotation.updated_at,
        }
    }
}

/// A notification setting, its signing secret sealed as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SealedNotificationSetting {
    #[serde(flatten)]
    pub setting: NotificationSetting,
    pub sealed_secret: String,
}

/// An event as recorded: `data` is the JSON its notifications carry, kept
/// byte for byte.
#[derive(Clone, Debug, Serialize)]
pub struct RecordedEvent {
    pub id: String,
    pub environment: Environment,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    pub data: Box<RawValue>,
}

/// How many of each a document holds: the answer to an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    pub account: String,
    pub client_tokens: usize,
    pub api_keys: usize,
    pub api_key_rotations: usize,
    pub notification_settings: usize,
    pub events: usize,
    pub deliveries: usize,
    pub products: usize,
    pub prices: usize,
}

impl AccountState {
    pub fn counts(&self) -> StateCounts {
        StateCounts {
            account: self.account.name.clone(),
            client_tokens: self.client_tokens.len(),
            api_keys: self.api_keys.len(),
            api_key_rotations: self.api_key_rotations.len(),
            notification_settings: self.notification_settings.len(),
            events: self.events.len(),
            deliveries: self.deliveries.len(),
            products: self.products.len(),
            prices: self.prices.len(),
        }
    }
}

fn hex<S: Serializer>(hash: &KeyHash, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hash.to_hex())
}

fn optional_hex<S: Serializer>(hash: &Option<KeyHash>, serializer: S) -> Result<S::Ok, S::Error> {
    match hash {
        Some(hash) => serializer.serialize_str(&hash.to_hex()),
        None => serializer.serialize_none(),
    }
}
