//! Readers of a state document's field values shared by its sections:
//! objects and lists, ids by their prefix, key hashes, environments and
//! permissions.

use serde_json::{Map, Value};

use super::super::validation::{self, Checked, Problem};
use super::super::{Environment, Id, IdKind, KeyHash, Permission};

const HASH_PATTERN: &str = "^[0-9a-f]{64}$";

pub(super) fn as_object(value: &Value) -> Checked<&Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| vec![Problem::expected("object", value)])
}

pub(super) fn as_array(value: &Value) -> Checked<&Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| vec![Problem::expected("array", value)])
}

/// An id of kind `K`, as [`Id::parse`] reads it.
pub(super) fn parse_id<K: IdKind>(value: &Value) -> Checked<Id<K>> {
    let Value::String(text) = value else {
        return Err(vec![Problem::expected("string", value)]);
    };
    Id::parse(text).ok_or_else(|| vec![Problem::Pattern(K::DOCUMENT_PATTERN)])
}

/// An id kept as text.
pub(super) fn text_id<K: IdKind>(value: &Value) -> Checked<String> {
    parse_id::<K>(value).map(Id::into_string)
}

pub(super) fn key_hash(value: &Value) -> Checked<KeyHash> {
    let is_hash = |text: &str| {
        text.len() == 64 && (text.bytes()).all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let text = validation::matching(value, HASH_PATTERN, is_hash)?;
    KeyHash::from_hex(&text).ok_or_else(|| vec![Problem::Pattern(HASH_PATTERN)])
}

pub(super) fn environment(value: &Value) -> Checked<Environment> {
    validation::one_of(
        value,
        &[Environment::Sandbox, Environment::Live].map(Environment::as_str),
    )
}

/// At least one permission, in the order given (as stored), each once.
pub(super) fn permissions(value: &Value) -> Checked<Vec<Permission>> {
    let names = Permission::ALL.map(Permission::as_str);
    let items = as_array(value)?;
    let (mut list, mut problems) = (Vec::new(), Vec::new());
    for (index, item) in items.iter().enumerate() {
        match validation::one_of::<Permission>(item, &names) {
            Ok(permission) if !list.contains(&permission) => list.push(permission),
            Ok(_) => {}
            Err(found) => {
                problems.extend(found.into_iter().map(|p| Problem::Item(index, p.into())))
            }
        }
    }
    if items.is_empty() {
        problems.push(Problem::MinItems(1));
    }
    if problems.is_empty() {
        Ok(list)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kind;

    #[test]
    fn ids_are_read_by_their_prefix() {
        let good = Value::from("evt_01jkdpbhazabcdefghjkmnpqrs");
        assert!(text_id::<kind::Event>(&good).is_ok());
        let errors = text_id::<kind::Notification>(&good).unwrap_err();
        assert_eq!(errors, [Problem::Pattern(r"^ntf_[0-9a-z]{26}$")]);
    }
}
