//! Key order, read from a body's bytes: serde_json's `Value` forgets it,
//! and Paddle's transaction webhooks have one (recorded-wire.md §4.2).

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON document that remembers the order of every object's keys.
pub enum Ordered {
    Object(Vec<(String, Ordered)>),
    Array(Vec<Ordered>),
    Scalar,
}

impl Ordered {
    pub fn parse(bytes: &[u8]) -> Self {
        serde_json::from_slice(bytes).expect("a JSON body")
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> &Ordered {
        match self {
            Ordered::Object(members) => members
                .iter()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value)
                .unwrap_or_else(|| panic!("no {key}")),
            _ => panic!("{key} of a non-object"),
        }
    }

    /// An object's keys, in order.
    pub fn keys(&self) -> Vec<&str> {
        match self {
            Ordered::Object(members) => members.iter().map(|(k, _)| k.as_str()).collect(),
            _ => panic!("keys of a non-object"),
        }
    }
}

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OrderedVisitor)
    }
}

struct OrderedVisitor;

impl<'de> Visitor<'de> for OrderedVisitor {
    type Value = Ordered;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("JSON")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_str<E>(self, _: &str) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_unit<E>(self) -> Result<Ordered, E> {
        Ok(Ordered::Scalar)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ordered, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Ordered::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ordered, A::Error> {
        let mut members = Vec::new();
        while let Some(member) = map.next_entry::<String, Ordered>()? {
            members.push(member);
        }
        Ok(Ordered::Object(members))
    }
}

/// Paddle's webhook order for a transaction's keys (recorded-wire.md §4.2
/// fact 1): by length, then alphabetically, at every depth.
pub fn assert_sorted_by_length(value: &Ordered, path: &str) {
    match value {
        Ordered::Object(members) => {
            let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
            let mut sorted = keys.clone();
            sorted.sort_by_key(|key| (key.len(), *key));
            assert_eq!(keys, sorted, "{path}: keys by length, then alphabetically");
            for (key, member) in members {
                assert_sorted_by_length(member, &format!("{path}.{key}"));
            }
        }
        Ordered::Array(items) => {
            for (n, item) in items.iter().enumerate() {
                assert_sorted_by_length(item, &format!("{path}[{n}]"));
            }
        }
        Ordered::Scalar => {}
    }
}
