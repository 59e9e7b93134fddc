//! The items of a state document other than client tokens: API keys,
//! rotations, notification settings, events and deliveries.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::super::id::kind;
use super::super::notification_setting::{destination, event_types};
use super::super::validation::{self, Fields, Problem};
use super::super::{
    Account, Delivery, DeliveryStatus, EventType, GRACE_PERIOD_SECONDS, KEY_DESCRIPTION_LENGTH,
    KEY_NAME_LENGTH, NotificationSetting, RotationStatus, ValidationErrors,
};
use super::fields::{as_object, environment, key_hash, parse_id, permissions, text_id};
use super::{RecordedEvent, SealedNotificationSetting, SealedRotation, StoredApiKey};

const SEALED_LENGTH: (usize, usize) = (1, 4096);
/// A delivery's last error, as the dispatcher wrote it.
const ERROR_LENGTH: (usize, usize) = (0, 65_536);

const KEY_FIELDS: [&str; 18] = [
    "id",
    "environment",
    "key",
    "name",
    "description",
    "permissions",
    "rotatable",
    "revoked",
    "key_hash",
    "previous_key_hash",
    "previous_key_valid_until",
    "exposed_at",
    "expires_at",
    "last_used_at",
    "expiring_notified_for",
    "expired_notified_for",
    "created_at",
    "updated_at",
];

pub(super) fn parse_api_key(
    path: &str,
    object: &Map<String, Value>,
) -> Result<StoredApiKey, ValidationErrors> {
    let mut fields = Fields::at(path, object, &KEY_FIELDS);
    let id = fields.required("id", parse_id::<kind::ApiKey>);
    let environment = fields.required("environment", environment);
    let key = fields.optional("key", |value| validation::string(value, (1, 200)));
    let name = fields.required("name", |value| validation::string(value, KEY_NAME_LENGTH));
    let description = fields.nullable("description", |value| {
        validation::string(value, KEY_DESCRIPTION_LENGTH)
    });
    let permissions = fields.required("permissions", permissions);
    let rotatable = fields.required("rotatable", validation::boolean);
    let revoked = fields.required("revoked", validation::boolean);
    let hash = fields.required("key_hash", key_hash);
    let previous_hash = fields.nullable("previous_key_hash", key_hash);
    let mut at = |field: &str| fields.nullable(field, validation::timestamp);
    let times = [
        "previous_key_valid_until",
        "exposed_at",
        "expires_at",
        "last_used_at",
        "expiring_notified_for",
        "expired_notified_for",
    ]
    .map(&mut at);
    let created_at = fields.required("created_at", validation::timestamp);
    let updated_at = fields.required("updated_at", validation::timestamp);
    let (Some(id), Some(environment), Some(key), Some(name), Some(description)) =
        (id, environment, key, name, description)
    else {
        return Err(fields.into_errors());
    };
    let (Some(permissions), Some(rotatable), Some(revoked), Some(key_hash), Some(previous_hash)) =
        (permissions, rotatable, revoked, hash, previous_hash)
    else {
        return Err(fields.into_errors());
    };
    let (
        Some(created_at),
        Some(updated_at),
        [
            Some(valid_until),
            Some(exposed_at),
            Some(expires_at),
            Some(last_used_at),
            Some(expiring),
            Some(expired),
        ],
    ) = (created_at, updated_at, times)
    else {
        return Err(fields.into_errors());
    };
    let obfuscated = id.obfuscated_key(environment);
    if key.is_some_and(|key| key != obfuscated) {
        fields.rule(
            "key",
            format!("must be the key as the API shows it: {obfuscated}"),
        );
    }
    if previous_hash.is_some() != valid_until.is_some() {
        let message = "must be given with previous_key_hash, and only with it";
        fields.rule("previous_key_valid_until", message);
    }
    let key = StoredApiKey {
        id,
        environment,
        key: obfuscated,
        name,
        description,
        permissions,
        rotatable,
        revoked,
        key_hash,
        previous_key_hash: previous_hash,
        previous_key_valid_until: valid_until,
        exposed_at,
        expires_at,
        last_used_at,
        expiring_notified_for: expiring,
        expired_notified_for: expired,
        created_at,
        updated_at,
    };
    fields.finish(Some(key))
}

const ROTATION_FIELDS: [&str; 10] = [
    "id",
    "api_key_id",
    "sealed_new_key",
    "new_key_hash",
    "grace_period_seconds",
    "status",
    "new_key_expires_at",
    "expires_at",
    "created_at",
    "updated_at",
];

pub(super) fn parse_rotation(
    path: &str,
    object: &Map<String, Value>,
) -> Result<SealedRotation, ValidationErrors> {
    let mut fields = Fields::at(path, object, &ROTATION_FIELDS);
    let id = fields.required("id", parse_id::<kind::ApiKeyRotation>);
    let api_key_id = fields.required("api_key_id", parse_id::<kind::ApiKey>);
    let sealed = fields.required("sealed_new_key", |value| {
        validation::string(value, SEALED_LENGTH)
    });
    let hash = fields.required("new_key_hash", key_hash);
    let grace = fields.required("grace_period_seconds", |value| {
        validation::integer(value, GRACE_PERIOD_SECONDS)
    });
    let names = ["pending", "completed", "canceled"];
    let status = fields.required("status", |value| {
        validation::one_of::<RotationStatus>(value, &names)
    });
    let new_key_expires_at = fields.nullable("new_key_expires_at", validation::timestamp);
    let expires_at = fields.nullable("expires_at", validation::timestamp);
    let created_at = fields.required("created_at", validation::timestamp);
    let updated_at = fields.required("updated_at", validation::timestamp);
    let (Some(id), Some(api_key_id), Some(sealed_new_key), Some(new_key_hash), Some(grace)) =
        (id, api_key_id, sealed, hash, grace)
    else {
        return Err(fields.into_errors());
    };
    let (
        Some(status),
        Some(new_key_expires_at),
        Some(expires_at),
        Some(created_at),
        Some(updated_at),
    ) = (
        status,
        new_key_expires_at,
        expires_at,
        created_at,
        updated_at,
    )
    else {
        return Err(fields.into_errors());
    };
    fields.finish(Some(SealedRotation {
        id,
        api_key_id,
        sealed_new_key,
        new_key_hash,
        grace_period_seconds: u32::try_from(grace).unwrap_or(0),
        status,
        new_key_expires_at,
        expires_at,
        created_at,
        updated_at,
    }))
}

const SETTING_FIELDS: [&str; 8] = [
    "id",
    "environment",
    "destination",
    "subscribed_events",
    "active",
    "sealed_secret",
    "created_at",
    "updated_at",
];

pub(super) fn parse_setting(
    path: &str,
    object: &Map<String, Value>,
    account: Option<&Account>,
) -> Result<SealedNotificationSetting, ValidationErrors> {
    let mut fields = Fields::at(path, object, &SETTING_FIELDS);
    let id = fields.required("id", text_id::<kind::NotificationSetting>);
    let environment = fields.required("environment", environment);
    let destination = fields.required("destination", destination);
    let events = fields.required("subscribed_events", event_types);
    let active = fields.required("active", validation::boolean);
    let sealed = fields.required("sealed_secret", |value| {
        validation::string(value, SEALED_LENGTH)
    });
    let created_at = fields.required("created_at", validation::timestamp);
    let updated_at = fields.required("updated_at", validation::timestamp);
    let (Some(id), Some(environment), Some(destination), Some(subscribed_events), Some(active)) =
        (id, environment, destination, events, active)
    else {
        return Err(fields.into_errors());
    };
    let (Some(sealed_secret), Some(created_at), Some(updated_at)) =
        (sealed, created_at, updated_at)
    else {
        return Err(fields.into_errors());
    };
    let setting = NotificationSetting {
        id,
        account: account
            .map(|account| account.name.clone())
            .unwrap_or_default(),
        environment,
        destination,
        subscribed_events,
        active,
        created_at,
        updated_at,
    };
    fields.finish(Some(SealedNotificationSetting {
        setting,
        sealed_secret,
    }))
}

pub(super) fn parse_event(
    path: &str,
    object: &Map<String, Value>,
    text: Option<&RawValue>,
) -> Result<RecordedEvent, ValidationErrors> {
    let known = ["id", "environment", "event_type", "occurred_at", "data"];
    let mut fields = Fields::at(path, object, &known);
    let id = fields.required("id", text_id::<kind::Event>);
    let environment = fields.required("environment", environment);
    let names = EventType::ALL.map(EventType::as_str);
    let event_type = fields.required("event_type", |value| validation::one_of(value, &names));
    let occurred_at = fields.required("occurred_at", validation::timestamp);
    let data = fields.required("data", |value| {
        as_object(value)?;
        match text {
            Some(text) => Ok(text.to_owned()),
            None => serde_json::value::to_raw_value(value)
                .map_err(|_| vec![Problem::expected("object", value)]),
        }
    });
    let event = match (id, environment, event_type, occurred_at, data) {
        (Some(id), Some(environment), Some(event_type), Some(occurred_at), Some(data)) => {
            Some(RecordedEvent {
                id,
                environment,
                event_type,
                occurred_at,
                data,
            })
        }
        _ => None,
    };
    fields.finish(event)
}

const DELIVERY_FIELDS: [&str; 10] = [
    "notification_id",
    "event_id",
    "notification_setting_id",
    "status",
    "attempts",
    "next_attempt_at",
    "last_response_code",
    "last_error",
    "delivered_at",
    "created_at",
];

pub(super) fn parse_delivery(
    path: &str,
    object: &Map<String, Value>,
) -> Result<Delivery, ValidationErrors> {
    let mut fields = Fields::at(path, object, &DELIVERY_FIELDS);
    let notification_id = fields.required("notification_id", text_id::<kind::Notification>);
    let event_id = fields.required("event_id", text_id::<kind::Event>);
    let setting_id = fields.required(
        "notification_setting_id",
        text_id::<kind::NotificationSetting>,
    );
    let names = ["pending", "delivered", "failed"];
    let status = fields.required("status", |value| {
        validation::one_of::<DeliveryStatus>(value, &names)
    });
    let attempts = fields.required("attempts", |value| {
        validation::integer(value, (0, i32::MAX.into()))
    });
    let next_attempt_at = fields.nullable("next_attempt_at", validation::timestamp);
    let code = fields.nullable("last_response_code", |value| {
        validation::integer(value, (0, 999))
    });
    let last_error = fields.nullable("last_error", |value| {
        validation::string(value, ERROR_LENGTH)
    });
    let delivered_at = fields.nullable("delivered_at", validation::timestamp);
    let created_at = fields.required("created_at", validation::timestamp);
    let (
        Some(notification_id),
        Some(event_id),
        Some(notification_setting_id),
        Some(status),
        Some(attempts),
    ) = (notification_id, event_id, setting_id, status, attempts)
    else {
        return Err(fields.into_errors());
    };
    let (Some(next_attempt_at), Some(code), Some(last_error), Some(delivered_at), Some(created_at)) =
        (next_attempt_at, code, last_error, delivered_at, created_at)
    else {
        return Err(fields.into_errors());
    };
    if status == DeliveryStatus::Pending && next_attempt_at.is_none() {
        fields.rule("next_attempt_at", "must be given while status is pending");
    }
    fields.finish(Some(Delivery {
        notification_id,
        event_id,
        notification_setting_id,
        status,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_attempt_at,
        last_response_code: code.and_then(|code| u16::try_from(code).ok()),
        last_error,
        delivered_at,
        created_at,
    }))
}
