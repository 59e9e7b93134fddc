//! Turning untrusted request input into domain values, collecting every
//! problem as a field error the way Paddle reports them.

use serde_json::{Map, Value};

use super::{ClientTokenStatus, Environment, NewClientToken};

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

/// Limits from Paddle's API reference, counted in Unicode characters.
pub const NAME_LENGTH: (usize, usize) = (1, 150);
pub const DESCRIPTION_LENGTH: (usize, usize) = (1, 500);

impl NewClientToken {
    /// Validates the body of `POST /client-tokens`.
    pub fn from_json(body: Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut errors = unknown_fields(&body, &["name", "description"]);
        let name = match body.get("name") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("name", "is required"));
                None
            }
            Some(value) => checked_string("name", value, NAME_LENGTH, &mut errors),
        };
        let description = match body.get("description") {
            None | Some(Value::Null) => None,
            Some(value) => checked_string("description", value, DESCRIPTION_LENGTH, &mut errors),
        };
        match name {
            Some(name) if errors.is_empty() => Ok(Self { name, description }),
            _ => Err(ValidationErrors(errors)),
        }
    }
}

/// A validated body of `PATCH /client-tokens/{id}`: the status asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTokenUpdate {
    pub status: ClientTokenStatus,
}

impl ClientTokenUpdate {
    pub fn from_json(body: Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut errors = unknown_fields(&body, &["status"]);
        let status = match body.get("status") {
            None | Some(Value::Null) => {
                errors.push(FieldError::new("status", "is required"));
                None
            }
            Some(Value::String(text)) => match text.parse() {
                Ok(status) => Some(status),
                Err(()) => {
                    errors.push(FieldError::new(
                        "status",
                        "must be one of the following: active, revoked",
                    ));
                    None
                }
            },
            Some(_) => {
                errors.push(FieldError::new("status", "must be a string"));
                None
            }
        };
        match status {
            Some(status) if errors.is_empty() => Ok(Self { status }),
            _ => Err(ValidationErrors(errors)),
        }
    }
}

/// A field error for every field of `body` not in `known`.
pub fn unknown_fields(body: &Map<String, Value>, known: &[&str]) -> Vec<FieldError> {
    body.keys()
        .filter(|field| !known.contains(&field.as_str()))
        .map(|field| FieldError::new(field.as_str(), "is not a recognised field"))
        .collect()
}

/// The optional `environment` field, `sandbox` when absent; notes an error
/// for anything but `sandbox` or `live`.
pub fn environment_field(
    body: &Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Option<Environment> {
    let environment = match body.get("environment") {
        None | Some(Value::Null) => Some(Environment::Sandbox),
        Some(Value::String(text)) => text.parse().ok(),
        Some(_) => None,
    };
    if environment.is_none() {
        errors.push(FieldError::new(
            "environment",
            "must be one of the following: sandbox, live",
        ));
    }
    environment
}

pub(super) fn checked_string(
    field: &str,
    value: &Value,
    (min, max): (usize, usize),
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let Value::String(text) = value else {
        errors.push(FieldError::new(field, "must be a string"));
        return None;
    };
    // Postgres can't store U+0000 in text, and no client means to send it.
    if text.contains('\0') {
        errors.push(FieldError::new(
            field,
            "must not contain the NUL character (U+0000)",
        ));
        return None;
    }
    let length = text.chars().count();
    if length < min || length > max {
        errors.push(FieldError::new(
            field,
            format!("length must be between {min} and {max} characters"),
        ));
        return None;
    }
    Some(text.clone())
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
        let name = "é".repeat(150);
        let token = NewClientToken::from_json(object(json!({ "name": name }))).unwrap();
        assert_eq!(token.name.chars().count(), 150);
        assert!(NewClientToken::from_json(object(json!({ "name": "é".repeat(151) }))).is_err());
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errors = NewClientToken::from_json(object(json!({ "description": "", "colour": 1 })))
            .unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["colour", "name", "description"]);
    }
}
