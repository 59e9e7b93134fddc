//! Accounts: each seller's data kept apart, as Paddle keeps it. Every API key
//! and every client token belongs to exactly one.

use serde::Serialize;
use serde_json::{Map, Value};

use super::validation::{self, Fields, ValidationErrors};
use super::{Clock, Seed, Timestamp};

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
    /// Its own seed; without one, the server's default seed (if any) applies.
    pub seed: Option<Seed>,
    /// As set through the admin API; `None`: the default (real time, or for
    /// a seeded account stopped at [`super::SEEDED_START`]).
    #[serde(serialize_with = "clock_text")]
    pub clock: Option<Clock>,
    /// How many seeded writes it has made: where its sequence goes on from.
    pub draws: u64,
}

fn clock_text<S: serde::Serializer>(clock: &Option<Clock>, s: S) -> Result<S::Ok, S::Error> {
    match clock {
        Some(clock) => s.collect_str(clock),
        None => s.serialize_none(),
    }
}

/// The body of `POST /__paddock/accounts`: `{"name": ..., "seed": ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAccount {
    pub name: String,
    pub seed: Option<Seed>,
}

impl NewAccount {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["name", "seed"]);
        let name = fields.required("name", |value| {
            validation::matching(value, ACCOUNT_NAME_PATTERN, is_valid_account_name)
        });
        let seed = fields.optional("seed", Seed::from_json);
        let new = match (name, seed) {
            (Some(name), Some(seed)) => Some(Self { name, seed }),
            _ => None,
        };
        fields.finish(new)
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
