//! API keys as Paddle describes them: who they belong to, what they may do,
//! and the secrets that prove them (the current one, a rotated-out one in
//! its grace period, and a pending rotation's new one).

mod exposure;
mod format;
mod rotation;

use serde::Serialize;
use serde_json::{Map, Value};

pub use exposure::{
    ApiKeyExposure, ApiKeyExposureId, ExposureAction, ExposureSource, NewApiKeyExposure, RiskLevel,
};
pub use format::{ApiKeyId, ApiKeySecret, KeyHash, PresentedKey};
pub use rotation::{
    ApiKeyRotation, ApiKeyRotationId, ApiKeyRotationResource, GRACE_PERIOD_SECONDS,
    NewApiKeyRotation, RotationStatus,
};

use super::validation::{self, Fields, ValidationErrors};
use super::{Environment, Mint, Owner, Permission, Timestamp};

/// The account keys belong to unless told otherwise.
pub const DEFAULT_ACCOUNT: &str = "default";
/// Paddle's limits on a key's name and description.
pub const KEY_NAME_LENGTH: (usize, usize) = (1, 150);
pub const KEY_DESCRIPTION_LENGTH: (usize, usize) = (1, 250);
/// The name of a key made without one (and of keys stored before keys had
/// names).
pub const DEFAULT_KEY_NAME: &str = "API key";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, strum::IntoStaticStr)]
#[serde(into = "&'static str")]
#[strum(serialize_all = "lowercase")]
pub enum ApiKeyStatus {
    Active,
    Expired,
    Revoked,
}

impl ApiKeyStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn is_active(self) -> bool {
        self == Self::Active
    }
}

/// A rotation's new secret, accepted (once) to complete it.
#[derive(Clone, Debug)]
pub struct PendingRotation {
    pub id: ApiKeyRotationId,
    pub key_hash: KeyHash,
}

/// Which of a key's secrets a request presented.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretMatch {
    Current,
    /// The secret a completed rotation replaced, within its grace period.
    Previous,
    /// A pending rotation's new secret: using it completes the rotation.
    Pending(ApiKeyRotationId),
}

/// A stored API key: everything but the key itself.
#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account: String,
    pub environment: Environment,
    pub name: String,
    pub description: Option<String>,
    pub permissions: Vec<Permission>,
    /// Fixed when the key is made.
    pub rotatable: bool,
    pub key_hash: KeyHash,
    /// After a rotation: the old secret, and until when it still works.
    pub previous_key: Option<(KeyHash, Timestamp)>,
    pub pending_rotation: Option<PendingRotation>,
    pub revoked: bool,
    pub exposed_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ApiKey {
    /// Expiry is a property of time, not a stored state.
    pub fn status(&self, now: Timestamp) -> ApiKeyStatus {
        if self.revoked {
            ApiKeyStatus::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            ApiKeyStatus::Expired
        } else {
            ApiKeyStatus::Active
        }
    }

    pub fn owner(&self) -> Owner {
        Owner {
            account: self.account.clone(),
            environment: self.environment,
        }
    }

    /// Which of this key's secrets `presented` is, if any is still good at
    /// `now`. Says nothing about the key's status.
    pub fn recognise(&self, presented: &PresentedKey, now: Timestamp) -> Option<SecretMatch> {
        // Every digest is compared, unconditionally, so timing says nothing
        // about which one matched.
        let hash = presented.hash();
        let current = self.key_hash.matches(hash);
        let previous = self
            .previous_key
            .as_ref()
            .is_some_and(|(old, until)| old.matches(hash) & (now < *until));
        let pending = self
            .pending_rotation
            .as_ref()
            .filter(|rotation| rotation.key_hash.matches(hash));
        if self.id != *presented.id() {
            return None;
        }
        match (current, previous, pending) {
            (true, _, _) => Some(SecretMatch::Current),
            (_, true, _) => Some(SecretMatch::Previous),
            (_, _, Some(rotation)) => Some(SecretMatch::Pending(rotation.id.clone())),
            _ => None,
        }
    }

    /// Whether `presented` is one of this key's secrets and the key is
    /// usable at `now`.
    pub fn accepts(&self, presented: &PresentedKey, now: Timestamp) -> bool {
        let recognised = self.recognise(presented, now).is_some();
        recognised && self.status(now) == ApiKeyStatus::Active
    }

    /// A record for a key someone chose (e.g. `PADDOCK_API_KEYS`).
    pub fn from_presented(
        presented: &PresentedKey,
        account: &str,
        new: NewApiKey,
        now: Timestamp,
    ) -> Self {
        Self {
            id: presented.id().clone(),
            account: account.to_owned(),
            environment: presented.environment(),
            name: new.name,
            description: new.description,
            permissions: new.permissions,
            rotatable: new.rotatable,
            key_hash: presented.hash().clone(),
            previous_key: None,
            pending_rotation: None,
            revoked: false,
            exposed_at: None,
            expires_at: new.expires_at,
            last_used_at: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Mints a new random key. The returned secret is the only copy.
    pub fn generate(account: &str, new: NewApiKey, mint: &Mint) -> (Self, ApiKeySecret) {
        let secret = ApiKeyId::mint(mint).new_key(new.environment, mint);
        let presented =
            PresentedKey::parse(secret.expose()).expect("a generated key is well-formed");
        let key = Self::from_presented(&presented, account, new, mint.now());
        (key, secret)
    }

    /// The entity as Paddle's API and webhooks show it, at `now`.
    pub fn resource(&self, now: Timestamp) -> ApiKeyResource {
        ApiKeyResource {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            key: self.id.obfuscated_key(self.environment),
            status: self.status(now),
            permissions: self.permissions.clone(),
            exposed_at: self.exposed_at,
            expires_at: self.expires_at,
            last_used_at: self.last_used_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            rotatable: self.rotatable,
        }
    }
}

/// Paddle's API key entity, fields in the order its webhooks send them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiKeyResource {
    pub id: ApiKeyId,
    pub name: String,
    pub description: Option<String>,
    /// Obfuscated: the full key is shown only once, when it is made.
    pub key: String,
    pub status: ApiKeyStatus,
    pub permissions: Vec<Permission>,
    pub exposed_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub rotatable: bool,
}

/// What a new key is made of. The admin API's body:
/// `{"environment", "permissions", "expires_at", "name", "description", "rotatable"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub environment: Environment,
    pub name: String,
    pub description: Option<String>,
    pub permissions: Vec<Permission>,
    /// In the past makes an expired key, for testing that path.
    pub expires_at: Option<Timestamp>,
    pub rotatable: bool,
}

impl NewApiKey {
    /// A key with `permissions` and every other field at its default.
    pub fn with_permissions(environment: Environment, permissions: Vec<Permission>) -> Self {
        Self {
            environment,
            name: DEFAULT_KEY_NAME.to_owned(),
            description: None,
            permissions,
            expires_at: None,
            rotatable: false,
        }
    }

    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(
            body,
            &[
                "environment",
                "permissions",
                "expires_at",
                "name",
                "description",
                "rotatable",
            ],
        );
        let environment = fields.environment();
        let names = Permission::ALL.map(Permission::as_str);
        let permissions =
            fields.required("permissions", |value| validation::list_of(value, &names));
        let expires_at = fields.nullable("expires_at", validation::timestamp);
        let name = fields.optional("name", |value| validation::string(value, KEY_NAME_LENGTH));
        let description = fields.nullable("description", |value| {
            validation::string(value, KEY_DESCRIPTION_LENGTH)
        });
        let rotatable = fields.optional("rotatable", validation::boolean);
        let new = match (environment, permissions, expires_at) {
            (Some(environment), Some(permissions), Some(expires_at)) => Some(Self {
                environment,
                name: name
                    .flatten()
                    .unwrap_or_else(|| DEFAULT_KEY_NAME.to_owned()),
                description: description.flatten(),
                permissions,
                expires_at,
                rotatable: rotatable.flatten().unwrap_or(false),
            }),
            _ => None,
        };
        fields.finish(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_key() -> NewApiKey {
        NewApiKey::with_permissions(Environment::Live, vec![])
    }

    #[test]
    fn a_generated_key_is_accepted_until_revoked_or_expired() {
        let (mut record, secret) = ApiKey::generate(DEFAULT_ACCOUNT, new_key(), &Mint::real());
        assert!(secret.expose().starts_with("pdl_live_apikey_"));
        let presented = PresentedKey::parse(secret.expose()).unwrap();
        let now = Timestamp::now();
        assert!(record.accepts(&presented, now));

        let other = PresentedKey::parse(&format!("{}x", secret.expose())).unwrap();
        assert!(!record.accepts(&other, now));

        assert_eq!(record.status(now).as_str(), "active");
        record.expires_at = Some(now);
        assert_eq!(record.status(now), ApiKeyStatus::Expired);
        assert_eq!(record.status(now).as_str(), "expired");
        assert!(!record.accepts(&presented, now));

        record.expires_at = None;
        record.revoked = true;
        assert!(!record.accepts(&presented, now));
        assert_eq!(record.status(now).as_str(), "revoked");
    }

    #[test]
    fn a_rotated_out_secret_works_only_until_its_grace_ends() {
        let (mut record, old) = ApiKey::generate(DEFAULT_ACCOUNT, new_key(), &Mint::real());
        let new = record.id.new_key(record.environment, &Mint::real());
        let now = Timestamp::now();
        let until = now.checked_add(time::Duration::seconds(60)).unwrap();
        record.previous_key = Some((record.key_hash.clone(), until));
        record.key_hash = new.hash();
        let old = PresentedKey::parse(old.expose()).unwrap();
        let new = PresentedKey::parse(new.expose()).unwrap();
        assert_eq!(record.recognise(&old, now), Some(SecretMatch::Previous));
        assert_eq!(record.recognise(&new, now), Some(SecretMatch::Current));
        assert_eq!(record.recognise(&old, until), None);
    }

    #[test]
    fn a_pending_rotation_is_recognised_by_its_new_secret() {
        let (mut record, _) = ApiKey::generate(DEFAULT_ACCOUNT, new_key(), &Mint::real());
        let new = record.id.new_key(record.environment, &Mint::real());
        let id = ApiKeyRotationId::mint(&Mint::real());
        record.pending_rotation = Some(PendingRotation {
            id: id.clone(),
            key_hash: new.hash(),
        });
        let new = PresentedKey::parse(new.expose()).unwrap();
        assert_eq!(
            record.recognise(&new, Timestamp::now()),
            Some(SecretMatch::Pending(id))
        );
    }

    #[test]
    fn the_resource_shows_an_obfuscated_key_and_fields_in_webhook_order() {
        let (record, secret) = ApiKey::generate(DEFAULT_ACCOUNT, new_key(), &Mint::real());
        let json = serde_json::to_string(&record.resource(Timestamp::now())).unwrap();
        assert!(!json.contains(secret.expose()));
        let at = |field: &str| json.find(&format!("\"{field}\":")).unwrap();
        assert!(at("id") < at("name") && at("name") < at("description"));
        assert!(at("last_used_at") < at("created_at") && at("updated_at") < at("rotatable"));
    }
}
