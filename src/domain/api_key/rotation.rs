//! Rotations: a key's new secret, which replaces the old one the first time
//! it is used, the old one then working for a grace period.

use serde::Serialize;
use serde_json::{Map, Value};

use super::{ApiKeyId, KeyHash};
use crate::domain::id::{Id, kind};
use crate::domain::validation::{self, Fields, ValidationErrors};
use crate::domain::{Mint, Timestamp};

/// Paddle's bounds on `grace_period_seconds`: up to a day.
pub const GRACE_PERIOD_SECONDS: (i64, i64) = (0, 86_400);

/// `apkrot_` + a lowercase ULID.
pub type ApiKeyRotationId = Id<kind::ApiKeyRotation>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::EnumString)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "lowercase", parse_err_ty = String, parse_err_fn = unknown_status)]
pub enum RotationStatus {
    /// Made; the new secret hasn't been used yet.
    Pending,
    /// The new secret has been used: it is the key's secret now.
    Completed,
    /// A newer rotation of the same key was made first.
    Canceled,
}

impl RotationStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn unknown_status(text: &str) -> String {
    format!("unknown rotation status `{text}`")
}

/// A stored rotation, without its new key (which the store keeps sealed).
#[derive(Clone, Debug)]
pub struct ApiKeyRotation {
    pub id: ApiKeyRotationId,
    pub api_key_id: ApiKeyId,
    pub new_key_hash: KeyHash,
    pub grace_period_seconds: u32,
    pub status: RotationStatus,
    /// Becomes the key's `expires_at` when the rotation completes.
    pub new_key_expires_at: Option<Timestamp>,
    /// When the old secret stops working: completion + grace; null before.
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ApiKeyRotation {
    pub fn new(
        api_key_id: &ApiKeyId,
        new_key_hash: KeyHash,
        new: &NewApiKeyRotation,
        mint: &Mint,
    ) -> Self {
        let now = mint.now();
        Self {
            id: ApiKeyRotationId::mint(mint),
            api_key_id: api_key_id.clone(),
            new_key_hash,
            grace_period_seconds: new.grace_period_seconds,
            status: RotationStatus::Pending,
            new_key_expires_at: new.new_key_expires_at,
            expires_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// When the old secret stops working if the rotation completes at `at`.
    pub fn grace_ends(&self, at: Timestamp) -> Timestamp {
        let grace = time::Duration::seconds(self.grace_period_seconds.into());
        at.checked_add(grace).unwrap_or(at)
    }

    /// The entity as Paddle shows it: with `new_key` in the API, without it
    /// in webhooks.
    pub fn resource(&self, new_key: Option<String>) -> ApiKeyRotationResource {
        ApiKeyRotationResource {
            id: self.id.clone(),
            api_key_id: self.api_key_id.clone(),
            new_key,
            grace_period_seconds: self.grace_period_seconds,
            status: self.status,
            expires_at: self.expires_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiKeyRotationResource {
    pub id: ApiKeyRotationId,
    pub api_key_id: ApiKeyId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_key: Option<String>,
    pub grace_period_seconds: u32,
    pub status: RotationStatus,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The body of `POST /api-keys/{id}/rotations`:
/// `{"grace_period_seconds": 3600, "new_key_expires_at": null}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKeyRotation {
    pub grace_period_seconds: u32,
    pub new_key_expires_at: Option<Timestamp>,
}

impl NewApiKeyRotation {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["grace_period_seconds", "new_key_expires_at"]);
        let grace = fields.required("grace_period_seconds", |value| {
            validation::integer(value, GRACE_PERIOD_SECONDS)
        });
        let expires_at = fields.nullable("new_key_expires_at", validation::timestamp);
        let new = match (grace, expires_at) {
            (Some(grace), Some(new_key_expires_at)) => Some(Self {
                grace_period_seconds: u32::try_from(grace).unwrap_or(0),
                new_key_expires_at,
            }),
            _ => None,
        };
        fields.finish(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(body: Value) -> Result<NewApiKeyRotation, ValidationErrors> {
        NewApiKeyRotation::from_json(body.as_object().unwrap())
    }

    #[test]
    fn reads_a_grace_period_within_a_day() {
        let new = parse(json!({ "grace_period_seconds": 86400 })).unwrap();
        assert_eq!(new.grace_period_seconds, 86_400);
        assert_eq!(new.new_key_expires_at, None);
        for bad in [json!(-1), json!(86401), json!(1.5), json!("60")] {
            let errors = parse(json!({ "grace_period_seconds": bad })).unwrap_err();
            assert_eq!(errors.errors()[0].field, "grace_period_seconds", "{bad}");
        }
        assert!(parse(json!({})).is_err());
    }

    #[test]
    fn ids_keep_their_prefix() {
        let id = ApiKeyRotationId::mint(&Mint::real());
        assert_eq!(ApiKeyRotationId::parse(id.as_str()), Some(id));
        assert_eq!(
            ApiKeyRotationId::parse("apikey_01gtgztp8f4kek3yd4g1wrksa3"),
            None
        );
    }
}
