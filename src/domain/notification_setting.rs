//! Notification settings: where an account's notifications for one
//! environment go, and which events it wants. Managed through the admin API.

use serde::Serialize;
use serde_json::{Map, Value};

use super::id::{Id, kind};
use super::validation::{self, Checked, Fields, ValidationErrors};
use super::{Environment, EventType, Mint, Timestamp};

/// Where an account's notifications for one environment go.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotificationSetting {
    pub id: String,
    #[serde(skip)]
    pub account: String,
    pub environment: Environment,
    pub destination: String,
    pub subscribed_events: Vec<EventType>,
    pub active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl NotificationSetting {
    /// A new setting and its secret, `pdl_ntfset_<ulid>_<secret>`, which
    /// the caller shows once.
    pub fn create(
        account: &str,
        environment: Environment,
        destination: String,
        subscribed_events: Vec<EventType>,
        active: bool,
        mint: &Mint,
    ) -> (Self, String) {
        let ulid = mint.ulid();
        let secret = mint.alphanumeric(32);
        let now = mint.now();
        let setting = Self {
            id: Id::<kind::NotificationSetting>::from_ulid(&ulid).into_string(),
            account: account.to_owned(),
            environment,
            destination,
            subscribed_events,
            active,
            created_at: now,
            updated_at: now,
        };
        (setting, format!("pdl_ntfset_{ulid}_{secret}"))
    }
}

/// The admin API's body for a new setting:
/// `{"destination", "subscribed_events", "environment", "active"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotificationSetting {
    pub environment: Environment,
    pub destination: String,
    pub subscribed_events: Vec<EventType>,
    pub active: bool,
}

impl NewNotificationSetting {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let known = ["destination", "subscribed_events", "environment", "active"];
        let mut fields = Fields::new(body, &known);
        let environment = fields.environment();
        let destination = fields.required("destination", destination);
        let events = fields.required("subscribed_events", event_types);
        let active = fields.optional("active", validation::boolean);
        let new = match (environment, destination, events, active) {
            (Some(environment), Some(destination), Some(subscribed_events), Some(active)) => {
                Some(Self {
                    environment,
                    destination,
                    subscribed_events,
                    active: active.unwrap_or(true),
                })
            }
            _ => None,
        };
        fields.finish(new)
    }
}

/// The admin API's changes to a setting: any of `destination`,
/// `subscribed_events`, `active`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NotificationSettingUpdate {
    pub destination: Option<String>,
    pub subscribed_events: Option<Vec<EventType>>,
    pub active: Option<bool>,
}

impl NotificationSettingUpdate {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["destination", "subscribed_events", "active"]);
        let update = Self {
            destination: fields.optional("destination", destination).flatten(),
            subscribed_events: fields.optional("subscribed_events", event_types).flatten(),
            active: fields.optional("active", validation::boolean).flatten(),
        };
        fields.finish(Some(update))
    }

    /// The setting with these changes made at `now`.
    pub fn apply(self, mut setting: NotificationSetting, now: Timestamp) -> NotificationSetting {
        setting.destination = self.destination.unwrap_or(setting.destination);
        setting.subscribed_events = self.subscribed_events.unwrap_or(setting.subscribed_events);
        setting.active = self.active.unwrap_or(setting.active);
        setting.updated_at = now;
        setting
    }
}

/// An absolute `http` or `https` URL with a host: the schema's `format: uri`,
/// narrowed to what a notification can be delivered to.
pub(super) fn destination(value: &Value) -> Checked<String> {
    validation::formatted(value, "uri", |text| {
        let url = url::Url::parse(text).ok()?;
        let deliverable = matches!(url.scheme(), "http" | "https") && url.has_host();
        deliverable.then(|| text.to_owned())
    })
}

pub(super) fn event_types(value: &Value) -> Checked<Vec<EventType>> {
    validation::list_of(value, &EventType::ALL.map(EventType::as_str))
}
