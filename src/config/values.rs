//! Checks of single option values, so a bad one stops the start with a
//! message naming the rule.

use crate::domain::{ACCOUNT_NAME_RULE, Seed, is_valid_account_name};

pub(super) fn parse_positive(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 => Ok(n),
        _ => Err("must be a positive number".to_owned()),
    }
}

pub(super) fn parse_non_negative(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && (0.0..=86_400.0).contains(&n) => Ok(n),
        _ => Err("must be a number of seconds from 0 to 86400".to_owned()),
    }
}

/// Seconds for a `Duration`: bounded, as `Duration::from_secs_f64` panics
/// on a number too large to hold.
pub(super) fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n > 0.0 && n <= 86_400.0 => Ok(n),
        _ => Err("must be a number of seconds, more than 0 and at most 86400".to_owned()),
    }
}

pub(super) fn parse_seed(text: &str) -> Result<Seed, String> {
    Seed::from_json(&text.into()).map_err(|_| "must be 1 to 200 characters".to_owned())
}

pub(super) fn parse_fraction(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if (0.0..=1.0).contains(&n) => Ok(n),
        _ => Err("must be a number from 0 to 1".to_owned()),
    }
}

pub(super) fn parse_account(text: &str) -> Result<String, String> {
    if is_valid_account_name(text) {
        Ok(text.to_owned())
    } else {
        Err(format!("account name {ACCOUNT_NAME_RULE}"))
    }
}

pub(super) fn parse_public_url(text: &str) -> Result<String, String> {
    if text.starts_with("http://") || text.starts_with("https://") {
        Ok(text.trim_end_matches('/').to_owned())
    } else {
        Err("must start with http:// or https://".to_owned())
    }
}
