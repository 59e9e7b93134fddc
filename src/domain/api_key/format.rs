//! API keys in Paddle's format, `pdl_<sdbx|live>_apikey_<ulid>_<secret>`.
//!
//! paddock keeps only a SHA-256 digest of a key. Keys carry well over 128 bits
//! of randomness, so a fast digest is enough: there is nothing to brute-force.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::domain::id::{Id, is_lowercase_ulid, kind};
use crate::domain::{Environment, Mint};

const SECRET_LEN: usize = 26;
const MAX_SECRET_LEN: usize = 128;
/// How much of the id's ULID an obfuscated key shows.
const SHOWN_ID_CHARS: usize = 10;

/// `apikey_` + the lowercase ULID embedded in the key.
pub type ApiKeyId = Id<kind::ApiKey>;

impl ApiKeyId {
    /// The key as Paddle shows it after creation:
    /// `pdl_live_apikey_01jkdpbhaz****`.
    pub fn obfuscated_key(&self, environment: Environment) -> String {
        format!(
            "pdl_{}_apikey_{}****",
            environment.key_segment(),
            &self.ulid()[..SHOWN_ID_CHARS]
        )
    }

    /// A whole new key for this id, with a fresh random secret.
    pub fn new_key(&self, environment: Environment, mint: &Mint) -> ApiKeySecret {
        let secret = mint.alphanumeric(SECRET_LEN);
        let key = format!(
            "pdl_{}_apikey_{}_{secret}",
            environment.key_segment(),
            self.ulid()
        );
        ApiKeySecret(key.into())
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
            id: ApiKeyId::from_ulid(ulid),
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

/// A plaintext key, held only long enough to show it once. `Debug` shows
/// `[REDACTED]`, and the memory is wiped on drop.
#[derive(Debug)]
pub struct ApiKeySecret(SecretString);

impl ApiKeySecret {
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn hash(&self) -> KeyHash {
        KeyHash::of(self.expose())
    }
}

impl From<String> for ApiKeySecret {
    fn from(key: String) -> Self {
        Self(key.into())
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
    fn obfuscates_as_paddle_does() {
        let id = ApiKeyId::parse("apikey_01jkdpbhazxxxxxxxxxxxxxxxx").unwrap();
        assert_eq!(
            id.obfuscated_key(Environment::Live),
            "pdl_live_apikey_01jkdpbhaz****"
        );
    }

    #[test]
    fn a_new_key_keeps_the_id() {
        let id = ApiKeyId::mint(&Mint::real());
        let key = id.new_key(Environment::Sandbox, &Mint::real());
        let presented = PresentedKey::parse(key.expose()).unwrap();
        assert_eq!(presented.id(), &id);
        assert!(presented.hash().matches(&key.hash()));
        assert!(!format!("{key:?}").contains("pdl_"));
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
}
