//! What paddock is about, in Paddle's words: client tokens, API keys,
//! permissions and environments. No HTTP and no SQL here.

mod account;
mod account_state;
mod api_key;
mod catalog;
pub mod checkout;
mod client_token;
mod clock;
mod environment;
mod fixture;
mod id;
mod journal;
mod listing;
mod mint;
mod notification;
mod notification_setting;
mod notification_subscription;
mod permission;
pub mod pricing;
mod redact;
mod timestamp;
mod validation;

pub use account::{ACCOUNT_NAME_RULE, Account, NewAccount, account_in_path, is_valid_account_name};
pub use account_state::{
    ACCOUNT_STATE_FORMAT, ACCOUNT_STATE_FORMAT_V1, AccountClientToken, AccountPrice,
    AccountProduct, AccountState, RecordedEvent, SealedNotificationSetting, SealedRotation,
    StateCounts, StoredApiKey, TakenIds, event_data_texts,
};
pub use api_key::{
    ApiKey, ApiKeyId, ApiKeyResource, ApiKeyRotation, ApiKeyRotationId, ApiKeyRotationResource,
    ApiKeySecret, ApiKeyStatus, DEFAULT_ACCOUNT, DEFAULT_KEY_NAME, GRACE_PERIOD_SECONDS,
    KEY_DESCRIPTION_LENGTH, KEY_NAME_LENGTH, KeyHash, NewApiKey, NewApiKeyRotation,
    PendingRotation, PresentedKey, RotationStatus, SecretMatch,
};
pub use api_key::{
    ApiKeyExposure, ApiKeyExposureId, ExposureAction, ExposureSource, NewApiKeyExposure, RiskLevel,
};
pub use catalog::{
    Amount, AmountError, BillingCycle, COUNTRY_CODES, Catalog, CatalogPrice, CatalogStatus,
    CatalogType, CountryCode, CurrencyCode, ImportMeta, Interval, MAX_AMOUNT, Money, Price,
    PriceId, PriceQuantity, Product, ProductId, TaxCategory, TaxMode, TaxRate, TaxRates,
    TrialPeriod, UnitPriceOverride, parse_catalog, parse_catalog_query, parse_price, parse_product,
};
pub use checkout::{
    AddressId, CheckoutId, CustomerId, InvoiceId, PaymentMethodId, TransactionId, TransactionItemId,
};
pub use client_token::{
    ClientToken, ClientTokenId, ClientTokenStatus, ClientTokenUpdate, DESCRIPTION_LENGTH,
    NAME_LENGTH, NewClientToken, presented_token_environment, token_value,
};
pub use clock::{Clock, ClockChange, ClockView, MAX_ADVANCE_SECONDS, SEEDED_START};
pub use environment::Environment;
pub use fixture::{fixture_conflicts, parse_fixtures, parse_seed};
pub use id::{Id, IdKind, kind};
pub use journal::{BODY_CAP, Credential, JournalEntry, JournalFilter, RecordedBody};
pub use listing::{DEFAULT_PER_PAGE, Direction, ListQuery, MAX_PER_PAGE, PageQuery};
pub use mint::{Mint, SEED_LENGTH, Seed};
pub use notification::{
    Delivery, DeliveryStatus, Event, EventData, EventType, NotificationBody, RetryPolicy, signature,
};
pub use notification_setting::{
    NewNotificationSetting, NotificationSetting, NotificationSettingUpdate,
};
pub use notification_subscription::{Subscriber, subscribers};
pub use permission::{Permission, PermissionMode};
pub use redact::{
    REDACTED, contains_secret, redact_from_now_on, redact_path, redact_query, redact_text,
    redact_whole_strings, redact_written,
};
pub use timestamp::Timestamp;
pub use validation::{FieldError, Fields, NO_NUL, ValidationErrors, json_object};

/// Whose data a request may touch: an account's tokens in one environment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Owner {
    pub account: String,
    pub environment: Environment,
}
