//! API keys in Paddle's format, `pdl_<sdbx|live>_apikey_<ulid>_<secret>`.
//!
//! paddock keeps only a SHA-256 digest of a key. Keys carry well over 128 bits
//! of randomness, so a fast digest is enough: there is nothing to brute-force.

use std::fmt;

use rand::Rng;
use rand::distr::Alphanumeric;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use serde_json::{Map, Value};

use super::validation::{self, Fields, ValidationErrors};
use super::{Environment, Permission, Timestamp};

const SECRET_LEN: usize = 26;
const MAX_SECRET_LEN: usize = 128;
/// The account keys belong to unless told otherwise.
pub const DEFAULT_ACCOUNT: &str = "default";

/// `apikey_` + the lowercase ULID embedded in the key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ApiKeyId(String);

impl ApiKeyId {
    const PREFIX: &'static str = "apikey_";

    pub fn parse(text: &str) -> Option<Self> {
        let ulid = text.strip_prefix(Self::PREFIX)?;
        is_lowercase_ulid(ulid).then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SHA-256 digest of a whole key: what the store keeps instead of the key.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyHash([u8; 32]);

impl KeyHash {
    /// The digest of a secret: an API key, or any other token paddock checks.
    pub fn of(key: &str) -> Self {
        Self(Sha256::digest(key.as_bytes()).into())
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).ok()?;
        Some(Self(bytes))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Constant-time, so a near-miss costs as long as a wild guess.
    pub fn matches(&self, other: &KeyHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

/// A key as a client presented it, well-formed but not yet verified.
/// `Debug` never prints the key itself.
#[derive(Clone)]
pub struct PresentedKey {
    id: ApiKeyId,
    environment: Environment,
    hash: KeyHash,
}

impl PresentedKey {
    /// Returns `None` when `text` is not in Paddle's key format.
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("pdl_")?;
        let (segment, rest) = rest.split_once('_')?;
        let environment = Environment::from_key_segment(segment)?;
        let rest = rest.strip_prefix("apikey_")?;
        let (ulid, secret) = (rest.get(..26)?, rest.get(26..)?.strip_prefix('_')?);
        let secret_ok = (1..=MAX_SECRET_LEN).contains(&secret.len())
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !is_lowercase_ulid(ulid) || !secret_ok {
            return None;
        }
        Some(Self {
            id: ApiKeyId(format!("{}{ulid}", ApiKeyId::PREFIX)),
            environment,
            hash: KeyHash::of(text),
        })
    }

    pub fn id(&self) -> &ApiKeyId {
        &self.id
    }

    pub fn environment(&self) -> Environment {
        self.environment
    }

    pub fn hash(&self) -> &KeyHash {
        &self.hash
    }
}

impl fmt::Debug for PresentedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PresentedKey")
            .field("id", &self.id)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, strum::IntoStaticStr)]
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
}

/// A stored API key: everything but the key itself.
#[derive(Clone, Debug)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account: String,
    pub environment: Environment,
    pub permissions: Vec<Permission>,
    pub key_hash: KeyHash,
    pub revoked: bool,
    pub expires_at: Option<Timestamp>,
    pub created_at: Timestamp,
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

    /// Whether `presented` is this key, and usable at `now`.
    pub fn accepts(&self, presented: &PresentedKey, now: Timestamp) -> bool {
        // Compare the hash first and unconditionally, so timing says nothing
        // about which check failed.
        let same_key = self.key_hash.matches(presented.hash());
        same_key && self.id == presented.id && self.status(now) == ApiKeyStatus::Active
    }

    /// A record for a key someone chose (e.g. `PADDOCK_API_KEYS`).
    pub fn from_presented(
        presented: &PresentedKey,
        account: &str,
        permissions: Vec<Permission>,
        expires_at: Option<Timestamp>,
    ) -> Self {
        Self {
            id: presented.id.clone(),
            account: account.to_owned(),
            environment: presented.environment,
            permissions,
            key_hash: presented.hash.clone(),
            revoked: false,
            expires_at,
            created_at: Timestamp::now(),
        }
    }

    /// Mints a new random key. The returned secret is the only copy.
    pub fn generate(
        account: &str,
        environment: Environment,
        permissions: Vec<Permission>,
        expires_at: Option<Timestamp>,
    ) -> (Self, ApiKeySecret) {
        let ulid = ulid::Ulid::new().to_string().to_lowercase();
        let secret: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(SECRET_LEN)
            .map(char::from)
            .collect();
        let key = format!("pdl_{}_apikey_{ulid}_{secret}", environment.key_segment());
        let presented = PresentedKey::parse(&key).expect("a generated key is well-formed");
        let record = Self::from_presented(&presented, account, permissions, expires_at);
        (record, ApiKeySecret(key.into()))
    }
}

/// A plaintext key, held only long enough to show it once. `Debug` shows
/// `[REDACTED]`, and the memory is wiped on drop.
#[derive(Debug)]
pub struct ApiKeySecret(SecretString);

impl ApiKeySecret {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

fn is_lowercase_ulid(text: &str) -> bool {
    text.len() == 26
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

/// The admin API's body for a new key:
/// `{"environment": "sandbox", "permissions": [...], "expires_at": null}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiKey {
    pub environment: Environment,
    pub permissions: Vec<Permission>,
    /// In the past makes an expired key, for testing that path.
    pub expires_at: Option<Timestamp>,
}

impl NewApiKey {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["environment", "permissions", "expires_at"]);
        let environment = fields.environment();
        let names = Permission::ALL.map(Permission::as_str);
        let permissions =
            fields.required("permissions", |value| validation::list_of(value, &names));
        let expires_at = fields.nullable("expires_at", validation::timestamp);
        let new = match (environment, permissions, expires_at) {
            (Some(environment), Some(permissions), Some(expires_at)) => Some(Self {
                environment,
                permissions,
                expires_at,
            }),
            _ => None,
        };
        fields.finish(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_q6TGTJyvoIz7LDtXT65bX7_AQO";

    #[test]
    fn parses_paddles_documented_example() {
        let key = PresentedKey::parse(EXAMPLE).unwrap();
        assert_eq!(key.id().as_str(), "apikey_01gtgztp8f4kek3yd4g1wrksa3");
        assert_eq!(key.environment(), Environment::Sandbox);
        assert!(!format!("{key:?}").contains("q6TG"));
    }

    #[test]
    fn rejects_malformed_keys() {
        for text in [
            "",
            "pdl_test_apikey_01gtgztp8f4kek3yd4g1wrksa3_abc",
            "pdl_sdbx_apikey_01GTGZTP8F4KEK3YD4G1WRKSA3_abc",
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_",
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3",
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrks_abc",
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_a b",
            "pdl_sdbx_key_01gtgztp8f4kek3yd4g1wrksa3_abc",
        ] {
            assert!(PresentedKey::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn a_generated_key_is_accepted_until_revoked_or_expired() {
        let (mut record, secret) =
            ApiKey::generate(DEFAULT_ACCOUNT, Environment::Live, vec![], None);
        assert!(secret.expose().starts_with("pdl_live_apikey_"));
        assert!(!format!("{secret:?}").contains("pdl_"));
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
}
