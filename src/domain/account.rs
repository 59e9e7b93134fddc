//! Accounts: each seller's data kept apart, as Paddle keeps it. Every API key
//! and every client token belongs to exactly one.

use serde::Serialize;

use super::Timestamp;

/// An account's name: 1–64 ASCII letters, digits, `-`, `_` or `.`.
/// Names are chosen by people (one per test suite, say), so they are the id.
pub fn is_valid_account_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

pub const ACCOUNT_NAME_RULE: &str = "must be 1 to 64 letters, digits, '-', '_' or '.'";

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    pub name: String,
    pub created_at: Timestamp,
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
