//! The client-side token entity: `ctkn_` ids, `test_`/`live_` token values.

use std::sync::Mutex;

use serde::Serialize;

use serde_json::{Map, Value};

use super::id::{Id, kind};
use super::validation::{self, Checked, Fields, ValidationErrors};
use super::{Environment, Mint, Timestamp};

/// `ctkn_` + a lowercase ULID, so that id order is creation order.
pub type ClientTokenId = Id<kind::ClientToken>;

/// The next lowercase ULID from this process's one monotonic generator
/// (client token, event, notification and setting ids alike): each is
/// greater than the last, even within one millisecond.
pub(super) fn next_ulid() -> String {
    static GENERATOR: Mutex<ulid::Generator> = Mutex::new(ulid::Generator::new());
    let ulid = GENERATOR
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new());
    ulid.to_string().to_lowercase()
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, strum::IntoStaticStr, strum::EnumString,
)]
#[serde(into = "&'static str")]
#[strum(
    serialize_all = "lowercase",
    parse_err_ty = NotAStatus,
    parse_err_fn = not_a_status
)]
pub enum ClientTokenStatus {
    Active,
    Revoked,
}

impl ClientTokenStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// Parsing a status fails with `()`: callers say what held the bad text.
type NotAStatus = ();

fn not_a_status(_: &str) -> NotAStatus {}

/// A client-side token, serialized exactly as Paddle's API returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ClientToken {
    pub id: ClientTokenId,
    pub token: String,
    pub name: String,
    pub description: Option<String>,
    pub status: ClientTokenStatus,
    pub revoked_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ClientToken {
    /// A new active token for `environment`, created now.
    pub fn create(new: NewClientToken, environment: Environment, mint: &Mint) -> Self {
        let now = mint.now();
        Self {
            id: ClientTokenId::mint(mint),
            token: token_value(environment, mint),
            name: new.name,
            description: new.description,
            status: ClientTokenStatus::Active,
            revoked_at: None,
            created_at: now,
            updated_at: now,
        }
    }
}

/// `test_`/`live_` + 27 lowercase hex digits (108 bits) from the mint: the
/// thread's CSPRNG (ChaCha, seeded from the operating system), or a seed.
pub fn token_value(environment: Environment, mint: &Mint) -> String {
    let mut bytes = [0u8; 14];
    mint.fill(&mut bytes);
    let mut value = String::with_capacity(32);
    value.push_str(environment.token_prefix());
    value.push_str(&hex::encode(bytes)[..27]);
    value
}

/// The environment a client-side token as presented (`Paddle-Clienttoken`)
/// claims by its prefix, if it has the only shape paddock makes: `test_` or
/// `live_` and 27 lowercase hex digits. Anything else can't be a token.
pub fn presented_token_environment(value: &str) -> Option<Environment> {
    [Environment::Sandbox, Environment::Live]
        .into_iter()
        .find(|environment| {
            value
                .strip_prefix(environment.token_prefix())
                .is_some_and(|hex| {
                    hex.len() == 27 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                })
        })
}

/// A validated request to create a token: it can only exist if valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewClientToken {
    pub name: String,
    pub description: Option<String>,
}

/// Limits from Paddle's API reference, counted in Unicode characters.
pub const NAME_LENGTH: (usize, usize) = (1, 150);
pub const DESCRIPTION_LENGTH: (usize, usize) = (1, 500);

impl NewClientToken {
    /// Validates the body of `POST /client-tokens`.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["name", "description"]);
        let name = fields.required("name", |value| validation::string(value, NAME_LENGTH));
        let description = fields.nullable("description", |value| {
            validation::string(value, DESCRIPTION_LENGTH)
        });
        fields.finish(
            name.zip(description)
                .map(|(name, description)| Self { name, description }),
        )
    }
}

/// A validated body of `PATCH /client-tokens/{id}`: the status asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTokenUpdate {
    pub status: ClientTokenStatus,
}

impl ClientTokenUpdate {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["status"]);
        let status = fields.required("status", ClientTokenStatus::from_json);
        fields.finish(status.map(|status| Self { status }))
    }
}

impl ClientTokenStatus {
    pub const NAMES: [&str; 2] = ["active", "revoked"];

    pub(super) fn from_json(value: &Value) -> Checked<Self> {
        validation::one_of(value, &Self::NAMES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_match_paddles_pattern_and_increase() {
        let first = ClientTokenId::mint(&Mint::real());
        let second = ClientTokenId::mint(&Mint::real());
        assert!(ClientTokenId::parse(first.as_str()).is_some());
        assert!(first < second);
    }

    #[test]
    fn ids_from_every_caller_share_one_increasing_sequence() {
        let token = ClientTokenId::mint(&Mint::real());
        let other = next_ulid();
        let last = ClientTokenId::mint(&Mint::real());
        assert!(&token.as_str()[5..] < other.as_str());
        assert!(other.as_str() < &last.as_str()[5..]);
    }

    #[test]
    fn statuses_keep_their_names() {
        for (status, name) in [
            (ClientTokenStatus::Active, "active"),
            (ClientTokenStatus::Revoked, "revoked"),
        ] {
            assert_eq!(status.as_str(), name);
            assert_eq!(serde_json::to_value(status).unwrap(), name);
            assert_eq!(name.parse(), Ok(status));
        }
        assert_eq!("Active".parse::<ClientTokenStatus>(), Err(()));
    }

    #[test]
    fn rejects_ids_off_the_pattern() {
        for text in [
            "ctkn_01HV8GZ6Y0M8M5F8Q2Y9F7KJ3X",
            "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3",
            "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3xx",
            "txn_01hv8gz6y0m8m5f8q2y9f7kj3x",
            "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3-",
        ] {
            assert!(ClientTokenId::parse(text).is_none(), "{text}");
        }
    }

    #[test]
    fn presented_tokens_name_their_environment_by_prefix() {
        let hex = "0123456789abcdef0123456789a";
        assert_eq!(
            presented_token_environment(&format!("test_{hex}")),
            Some(Environment::Sandbox)
        );
        assert_eq!(
            presented_token_environment(&format!("live_{hex}")),
            Some(Environment::Live)
        );
        for bad in [
            format!("prod_{hex}"),
            format!("test_{}", hex.to_uppercase()),
            format!("test_{hex}0"),
            format!("test_{}", &hex[1..]),
            String::new(),
        ] {
            assert_eq!(presented_token_environment(&bad), None, "{bad}");
        }
    }

    #[test]
    fn token_values_carry_the_environment_and_27_hex_digits() {
        for (environment, prefix) in [
            (Environment::Sandbox, "test_"),
            (Environment::Live, "live_"),
        ] {
            let value = token_value(environment, &Mint::real());
            let digits = value.strip_prefix(prefix).unwrap();
            assert_eq!(digits.len(), 27);
            assert!(
                digits
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            );
        }
        assert_ne!(
            token_value(Environment::Sandbox, &Mint::real()),
            token_value(Environment::Sandbox, &Mint::real())
        );
    }
}
