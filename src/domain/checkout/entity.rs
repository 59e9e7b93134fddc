//! Customers and addresses in their entity field order, amounts as Paddle
//! writes them, and the key order of Paddle's transaction webhooks.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::{AddressId, CustomerId};
use crate::domain::{CountryCode, Timestamp};

/// An amount in a currency's lowest unit, written as a string of digits
/// (earnings can be negative: a fee above a tiny subtotal).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Units(pub i128);

impl Serialize for Units {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Units {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse()
            .map(Self)
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not an amount")))
    }
}

impl From<crate::domain::pricing::Minor> for Units {
    fn from(minor: crate::domain::pricing::Minor) -> Self {
        // Far inside: an amount under a trillion times a quantity under a billion.
        Self(i128::try_from(minor.0).unwrap_or(i128::MAX))
    }
}

/// A customer, in the key order of Paddle's recorded `customer.created`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: CustomerId,
    pub name: Option<String>,
    pub email: String,
    pub locale: String,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub custom_data: Option<Map<String, Value>>,
    pub import_meta: Option<Value>,
    pub marketing_consent: bool,
}

impl Customer {
    pub fn new(id: CustomerId, email: String, at: Timestamp) -> Self {
        Self {
            id,
            name: None,
            email,
            locale: "en".to_owned(),
            status: "active".to_owned(),
            created_at: at,
            updated_at: at,
            custom_data: None,
            import_meta: None,
            marketing_consent: false,
        }
    }
}

/// A customer's address, in Paddle's entity field order. The checkout asks
/// only for a country and (where Paddle asks) a postcode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub id: AddressId,
    pub customer_id: CustomerId,
    pub description: Option<String>,
    pub first_line: Option<String>,
    pub second_line: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub region: Option<String>,
    pub country_code: CountryCode,
    pub custom_data: Option<Map<String, Value>>,
    pub status: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub import_meta: Option<Value>,
}

impl Address {
    pub fn new(
        id: AddressId,
        customer_id: CustomerId,
        country_code: CountryCode,
        postal_code: Option<String>,
        at: Timestamp,
    ) -> Self {
        Self {
            id,
            customer_id,
            description: None,
            first_line: None,
            second_line: None,
            city: None,
            postal_code,
            region: None,
            country_code,
            custom_data: None,
            status: "active".to_owned(),
            created_at: at,
            updated_at: at,
            import_meta: None,
        }
    }
}

/// A JSON value written with every object's keys sorted by length, then
/// alphabetically, at every level: the order of Paddle's transaction
/// webhooks (they come from a `jsonb` column).
pub struct LengthSorted<'a>(pub &'a Value);

impl Serialize for LengthSorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(object) => {
                let mut keys: Vec<&String> = object.keys().collect();
                keys.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
                let mut map = serializer.serialize_map(Some(keys.len()))?;
                for key in keys {
                    map.serialize_entry(key, &LengthSorted(&object[key.as_str()]))?;
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&LengthSorted(item))?;
                }
                seq.end()
            }
            other => other.serialize(serializer),
        }
    }
}
