//! Accounts: each seller's data kept apart, as Paddle keeps it. Every API key
//! and every client token belongs to exactly one.

use serde::Serialize;
use serde_json::{Map, Value};

use super::Timestamp;
use super::validation::{self, Fields, ValidationErrors};

/// An account's name: 1–64 ASCII letters, digits, `-`, `_` or `.`.
/// Names are chosen by people (one per test suite, say), so they are the id.
pub fn is_valid_account_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

pub const ACCOUNT_NAME_RULE: &str = "must be 1 to 64 letters, digits, '-', '_' or '.'";

/// The same rule as a schema's `pattern`, for bodies.
pub(super) const ACCOUNT_NAME_PATTERN: &str = "^[A-Za-z0-9._-]{1,64}$";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    pub name: String,
    pub created_at: Timestamp,
}

/// The body of `POST /__paddock/accounts`: `{"name": ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
}

impl NewAccount {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["name"]);
        let name = fields.required("name", |value| {
            validation::matching(value, ACCOUNT_NAME_PATTERN, is_valid_account_name)
        });
        fields.finish(name.map(|name| Self { name }))
    }
}

/// An account named in a path (`/accounts/{account}/...`).
pub fn account_in_path(name: String) -> Result<String, ValidationErrors> {
    if is_valid_account_name(&name) {
        Ok(name)
    } else {
        Err(ValidationErrors::rule("account", ACCOUNT_NAME_RULE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_short_and_plain() {
        for name in ["default", "suite-42", "team_a.checkout", &"a".repeat(64)] {
            assert!(is_valid_account_name(name), "{name}");
        }
        for name in ["", "has space", "slash/", "ünï", &"a".repeat(65)] {
            assert!(!is_valid_account_name(name), "{name}");
        }
    }
}
