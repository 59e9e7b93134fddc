//! Readers of a state document's field values shared by its sections:
//! objects and lists, ids by their prefix, key hashes, environments and
//! permissions.

use serde_json::{Map, Value};

use super::super::validation::{self, Checked, Problem};
use super::super::{Environment, KeyHash, Permission};

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

/// An id: `prefix` and a lowercase ULID, described by `pattern`.
#[derive(Clone, Copy)]
pub(super) struct IdFormat(&'static str, &'static str);

pub(super) const CLIENT_TOKEN_ID: IdFormat = IdFormat("ctkn_", r"^ctkn_[0-9a-z]{26}$");
pub(super) const API_KEY_ID: IdFormat = IdFormat("apikey_", r"^apikey_[0-9a-z]{26}$");
pub(super) const ROTATION_ID: IdFormat = IdFormat("apkrot_", r"^apkrot_[0-9a-z]{26}$");
pub(super) const SETTING_ID: IdFormat = IdFormat("ntfset_", r"^ntfset_[0-9a-z]{26}$");
pub(super) const EVENT_ID: IdFormat = IdFormat("evt_", r"^evt_[0-9a-z]{26}$");
pub(super) const NOTIFICATION_ID: IdFormat = IdFormat("ntf_", r"^ntf_[0-9a-z]{26}$");

pub(super) fn parse_id<T>(
    value: &Value,
    format: IdFormat,
    parse: impl Fn(&str) -> Option<T>,
) -> Checked<T> {
    let Value::String(text) = value else {
        return Err(vec![Problem::expected("string", value)]);
    };
    let IdFormat(prefix, pattern) = format;
    let ulid_like = text.strip_prefix(prefix).is_some_and(|ulid| {
        ulid.len() == 26 && (ulid.bytes()).all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
    });
    ulid_like
        .then(|| parse(text))
        .flatten()
        .ok_or_else(|| vec![Problem::Pattern(pattern)])
}

/// An id kept as text.
pub(super) fn text_id(format: IdFormat) -> impl Fn(&Value) -> Checked<String> {
    move |value| parse_id(value, format, |text| Some(text.to_owned()))
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

    #[test]
    fn ids_are_read_by_their_prefix() {
        let good = Value::from("evt_01jkdpbhazabcdefghjkmnpqrs");
        assert!(text_id(EVENT_ID)(&good).is_ok());
        let errors = text_id(NOTIFICATION_ID)(&good).unwrap_err();
        assert_eq!(errors, [Problem::Pattern(r"^ntf_[0-9a-z]{26}$")]);
    }
}
