//! What paddock is about, in Paddle's words: client tokens, API keys,
//! permissions and environments. No HTTP and no SQL here.

mod account;
mod api_key;
mod client_token;
mod environment;
mod fixture;
mod listing;
mod notification;
mod permission;
mod timestamp;
mod validation;

pub use account::{ACCOUNT_NAME_RULE, Account, is_valid_account_name};
pub use api_key::{
    ApiKey, ApiKeyId, ApiKeySecret, ApiKeyStatus, DEFAULT_ACCOUNT, KeyHash, PresentedKey,
};
pub use client_token::{
    ClientToken, ClientTokenId, ClientTokenStatus, NewClientToken, generate_token_value,
};
pub use environment::Environment;
pub use fixture::parse_fixtures;
pub use listing::{DEFAULT_PER_PAGE, Direction, ListQuery, MAX_PER_PAGE};
pub use notification::{
    Delivery, DeliveryStatus, Event, EventType, NotificationBody, NotificationSetting, RetryPolicy,
    signature,
};
pub use permission::{Permission, PermissionMode};
pub use timestamp::Timestamp;
pub use validation::{
    ClientTokenUpdate, DESCRIPTION_LENGTH, FieldError, NAME_LENGTH, ValidationErrors,
    environment_field, unknown_fields,
};

/// Whose data a request may touch: an account's tokens in one environment.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Owner {
    pub account: String,
    pub environment: Environment,
}
