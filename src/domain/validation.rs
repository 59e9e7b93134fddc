//! Turning untrusted input into domain values, collecting every problem as a
//! field error the way Paddle reports them. Every body paddock reads (the
//! API's, the admin API's, fixtures) goes through [`Fields`], and every
//! field-error message is written once, in [`message`].

use std::str::FromStr;

use serde_json::{Map, Value};

use super::{Environment, Timestamp};

/// One problem with one field of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Every problem found in one request; never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// One problem.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// The same problems, their fields named under `prefix` (`client_tokens`
    /// + `[2].name`).
    pub fn under(self, prefix: &str) -> Self {
        let errors = self.0.into_iter();
        Self(
            errors
                .map(|error| FieldError::new(format!("{prefix}{}", error.field), error.message))
                .collect(),
        )
    }
}

/// The words of every field error.
pub mod message {
    pub const REQUIRED: &str = "is required";
    pub const UNKNOWN_FIELD: &str = "is not a recognised field";
    pub const STRING: &str = "must be a string";
    pub const BOOLEAN: &str = "must be true or false";
    pub const LIST: &str = "must be a list";
    pub const OBJECT: &str = "must be an object";
    pub const NUL: &str = "must not contain the NUL character (U+0000)";
    pub const DATE_TIME: &str = "must be an RFC 3339 date-time";
    pub const DATE_TIME_OR_NULL: &str = "must be an RFC 3339 date-time or null";

    /// `must be one of the following: a, b`
    pub fn one_of(names: &[&str]) -> String {
        format!("must be one of the following: {}", names.join(", "))
    }

    /// `must be a non-empty list of: a, b`
    pub fn non_empty_list_of(names: &[&str]) -> String {
        format!("must be a non-empty list of: {}", names.join(", "))
    }

    /// `must be a comma-separated list of: a, b`
    pub fn comma_separated_list_of(names: &[&str]) -> String {
        format!("must be a comma-separated list of: {}", names.join(", "))
    }

    pub fn integer((min, max): (i64, i64)) -> String {
        format!("must be a whole number from {min} to {max}")
    }

    pub fn length((min, max): (usize, usize)) -> String {
        format!("length must be between {min} and {max} characters")
    }
}

/// Reads the fields of one JSON object, noting every problem, so that a
/// request learns of all of them at once.
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    errors: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Reads `body`, noting each field that is not one of `known`.
    pub fn new(body: &'a Map<String, Value>, known: &[&str]) -> Self {
        let errors = body
            .keys()
            .filter(|field| !known.contains(&field.as_str()))
            .map(|field| FieldError::new(field.as_str(), message::UNKNOWN_FIELD))
            .collect();
        Self { body, errors }
    }

    /// Whether the body has `field`, even as `null`.
    pub fn has(&self, field: &str) -> bool {
        self.body.contains_key(field)
    }

    pub fn note(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// A field that must be present and not `null`.
    pub fn required<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Option<T> {
        match self.body.get(field) {
            None | Some(Value::Null) => {
                self.note(field, message::REQUIRED);
                None
            }
            Some(value) => self.checked(field, parse(value)),
        }
    }

    /// A field that may be absent or `null` (`Some(None)`).
    pub fn optional<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&'a Value) -> Result<T, String>,
    ) -> Option<Option<T>> {
        match self.body.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(value) => self.checked(field, parse(value)).map(Some),
        }
    }

    /// The optional `environment` field, `sandbox` when absent.
    pub fn environment(&mut self) -> Option<Environment> {
        let names = [Environment::Sandbox.as_str(), Environment::Live.as_str()];
        let environment = self.optional("environment", |value| one_of(value, &names));
        environment.map(|environment| environment.unwrap_or(Environment::Sandbox))
    }

    fn checked<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result.map_err(|message| self.note(field, message)).ok()
    }

    /// `value` when every field was read without a problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ValidationErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            _ => Err(self.into_errors()),
        }
    }

    pub fn into_errors(self) -> ValidationErrors {
        ValidationErrors(self.errors)
    }
}

/// A string of `(min, max)` Unicode characters.
pub fn string(value: &Value, (min, max): (usize, usize)) -> Result<String, String> {
    let Value::String(text) = value else {
        return Err(message::STRING.to_owned());
    };
    // Postgres can't store U+0000 in text, and no client means to send it.
    if text.contains('\0') {
        return Err(message::NUL.to_owned());
    }
    let length = text.chars().count();
    if length < min || length > max {
        return Err(message::length((min, max)));
    }
    Ok(text.clone())
}

/// A whole number from `min` to `max`.
pub fn integer(value: &Value, (min, max): (i64, i64)) -> Result<i64, String> {
    value
        .as_i64()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| message::integer((min, max)))
}

pub fn boolean(value: &Value) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| message::BOOLEAN.to_owned())
}

pub fn timestamp(value: &Value) -> Result<Timestamp, String> {
    value
        .as_str()
        .and_then(Timestamp::parse_rfc3339)
        .ok_or_else(|| message::DATE_TIME.to_owned())
}

/// One of `names`, parsed as `T`.
pub fn one_of<T: FromStr>(value: &Value, names: &[&str]) -> Result<T, String> {
    value
        .as_str()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| message::one_of(names))
}

/// A non-empty list of `names`, parsed by `parse_list` from their
/// comma-separated form.
pub fn list_of<T>(
    value: &Value,
    names: &[&str],
    parse_list: impl FnOnce(&str) -> Result<Vec<T>, String>,
) -> Result<Vec<T>, String> {
    let invalid = || message::non_empty_list_of(names);
    let items = value.as_array().ok_or_else(invalid)?;
    let items: Vec<&str> = items
        .iter()
        .map(Value::as_str)
        .collect::<Option<_>>()
        .ok_or_else(invalid)?;
    match parse_list(&items.join(",")) {
        Ok(list) if !list.is_empty() => Ok(list),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn counts_unicode_characters_not_bytes() {
        assert!(string(&json!("é".repeat(150)), (1, 150)).is_ok());
        assert!(string(&json!("é".repeat(151)), (1, 150)).is_err());
    }

    #[test]
    fn reports_every_problem_at_once() {
        let body = object(json!({ "description": "", "colour": 1 }));
        let mut fields = Fields::new(&body, &["name", "description"]);
        fields.required("name", |value| string(value, (1, 150)));
        fields.optional("description", |value| string(value, (1, 500)));
        let errors = fields.finish(None::<()>).unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["colour", "name", "description"]);
    }
}
