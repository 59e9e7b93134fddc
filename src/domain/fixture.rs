//! Client tokens seeded through the admin API: fixtures with chosen names,
//! statuses and timestamps, validated as strictly as the public API's input.

use serde_json::{Map, Value};

use super::validation::{
    DESCRIPTION_LENGTH, NAME_LENGTH, checked_string, environment_field, unknown_fields,
};
use super::{
    ClientToken, ClientTokenId, ClientTokenStatus, Environment, FieldError, Timestamp,
    ValidationErrors, generate_token_value,
};

const FIELDS: [&str; 8] = [
    "environment",
    "name",
    "description",
    "status",
    "token",
    "created_at",
    "updated_at",
    "revoked_at",
];

/// Parses a JSON list of fixtures. Field errors name the item: `[2].name`.
pub fn parse_fixtures(
    items: &[Value],
    now: Timestamp,
) -> Result<Vec<(Environment, ClientToken)>, ValidationErrors> {
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let mut item_errors = Vec::new();
        match item {
            Value::Object(object) => {
                if let Some(token) = parse_fixture(object, now, &mut item_errors) {
                    tokens.push(token);
                }
            }
            _ => item_errors.push(FieldError::new("", "must be an object")),
        }
        errors.extend(item_errors.into_iter().map(|error| {
            let field = match error.field.as_str() {
                "" => format!("[{index}]"),
                field => format!("[{index}].{field}"),
            };
            FieldError::new(field, error.message)
        }));
    }
    if errors.is_empty() {
        Ok(tokens)
    } else {
        Err(ValidationErrors(errors))
    }
}

fn parse_fixture(
    object: &Map<String, Value>,
    now: Timestamp,
    errors: &mut Vec<FieldError>,
) -> Option<(Environment, ClientToken)> {
    errors.extend(unknown_fields(object, &FIELDS));
    let environment = environment_field(object, errors);
    let name = match object.get("name") {
        None | Some(Value::Null) => {
            errors.push(FieldError::new("name", "is required"));
            None
        }
        Some(value) => checked_string("name", value, NAME_LENGTH, errors),
    };
    let description = match object.get("description") {
        None | Some(Value::Null) => Some(None),
        Some(value) => checked_string("description", value, DESCRIPTION_LENGTH, errors).map(Some),
    };
    let status = match object.get("status") {
        None | Some(Value::Null) => Some(ClientTokenStatus::Active),
        Some(Value::String(text)) => text.parse().ok(),
        Some(_) => None,
    };
    if status.is_none() {
        errors.push(FieldError::new(
            "status",
            "must be one of the following: active, revoked",
        ));
    }
    let mut timestamp = |field: &str| match object.get(field) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(text)) => match Timestamp::parse_rfc3339(text) {
            Some(at) => Some(Some(at)),
            None => {
                errors.push(FieldError::new(field, "must be an RFC 3339 date-time"));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(field, "must be an RFC 3339 date-time"));
            None
        }
    };
    let (created_at, updated_at, revoked_at) = (
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("revoked_at"),
    );

    let (environment, name, description, status) = (environment?, name?, description?, status?);
    let (created_at, updated_at, revoked_at) = (created_at?, updated_at?, revoked_at?);
    let created_at = created_at.unwrap_or(now);
    let revoked_at = match (status, revoked_at) {
        (ClientTokenStatus::Active, Some(_)) => {
            errors.push(FieldError::new(
                "revoked_at",
                "must be null unless status is revoked",
            ));
            return None;
        }
        (ClientTokenStatus::Active, None) => None,
        (ClientTokenStatus::Revoked, at) => Some(at.or(updated_at).unwrap_or(now.max(created_at))),
    };
    let updated_at = updated_at.or(revoked_at).unwrap_or(created_at);
    if updated_at < created_at || revoked_at.is_some_and(|at| at < created_at) {
        errors.push(FieldError::new(
            "updated_at",
            "must not be before created_at",
        ));
        return None;
    }
    let token = match object.get("token") {
        None | Some(Value::Null) => generate_token_value(environment),
        Some(Value::String(text)) if is_token_value(text, environment) => text.clone(),
        Some(_) => {
            errors.push(FieldError::new(
                "token",
                format!(
                    "must be {}… followed by 27 lowercase hex digits",
                    environment.token_prefix()
                ),
            ));
            return None;
        }
    };
    if !errors.is_empty() {
        return None;
    }
    let token = ClientToken {
        id: ClientTokenId::generate_at(created_at),
        token,
        name,
        description,
        status,
        revoked_at,
        created_at,
        updated_at,
    };
    Some((environment, token))
}

fn is_token_value(text: &str, environment: Environment) -> bool {
    text.strip_prefix(environment.token_prefix())
        .is_some_and(|hex| {
            hex.len() == 27 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_in_defaults_and_keeps_given_timestamps() {
        let now = Timestamp::now();
        let items = [
            json!({ "name": "a" }),
            json!({
                "name": "b", "environment": "live", "status": "revoked",
                "created_at": "2024-01-01T00:00:00Z", "revoked_at": "2024-02-01T00:00:00Z"
            }),
        ];
        let tokens = parse_fixtures(&items, now).unwrap();
        assert_eq!(tokens[0].0, Environment::Sandbox);
        assert_eq!(tokens[0].1.created_at, now);
        let (environment, revoked) = &tokens[1];
        assert_eq!(*environment, Environment::Live);
        assert!(revoked.token.starts_with("live_"));
        assert_eq!(revoked.revoked_at, revoked.updated_at.into());
        assert_eq!(
            revoked.revoked_at.unwrap().to_string(),
            "2024-02-01T00:00:00.000000Z"
        );
    }

    #[test]
    fn names_the_item_in_field_errors() {
        let items = [
            json!({ "name": "ok" }),
            json!({ "status": "active", "revoked_at": "x" }),
            json!(3),
        ];
        let errors = parse_fixtures(&items, Timestamp::now()).unwrap_err().0;
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["[1].name", "[1].revoked_at", "[2]"]);
    }
}
