//! Client tokens seeded through the admin API: fixtures with chosen names,
//! statuses and timestamps, validated as strictly as the public API's input.

use serde_json::{Map, Value};

use super::client_token::{DESCRIPTION_LENGTH, NAME_LENGTH};
use super::validation::{self, Fields, message};
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

/// Parses the admin API's seed body, `{"client_tokens": [...]}`. Field
/// errors name the item: `client_tokens[2].name`.
pub fn parse_seed(
    body: &Map<String, Value>,
    now: Timestamp,
) -> Result<Vec<(Environment, ClientToken)>, ValidationErrors> {
    let mut fields = Fields::new(body, &["client_tokens"]);
    let items = fields.required("client_tokens", |value| {
        value.as_array().ok_or_else(|| message::LIST.to_owned())
    });
    let items = fields.finish(items)?;
    parse_fixtures(items, now).map_err(|errors| errors.under("client_tokens"))
}

/// Parses a JSON list of fixtures. Field errors name the item: `[2].name`.
pub fn parse_fixtures(
    items: &[Value],
    now: Timestamp,
) -> Result<Vec<(Environment, ClientToken)>, ValidationErrors> {
    let mut tokens = Vec::new();
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let parsed = match item {
            Value::Object(object) => parse_fixture(object, now),
            _ => Err(ValidationErrors::one("", message::OBJECT)),
        };
        match parsed {
            Ok(token) => tokens.push(token),
            Err(item_errors) => errors.extend(item_errors.0.into_iter().map(|error| {
                let field = match error.field.as_str() {
                    "" => format!("[{index}]"),
                    field => format!("[{index}].{field}"),
                };
                FieldError::new(field, error.message)
            })),
        }
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
) -> Result<(Environment, ClientToken), ValidationErrors> {
    let mut fields = Fields::new(object, &FIELDS);
    let environment = fields.environment();
    let name = fields.required("name", |value| validation::string(value, NAME_LENGTH));
    let description = fields.optional("description", |value| {
        validation::string(value, DESCRIPTION_LENGTH)
    });
    let status = fields.optional("status", |value| {
        validation::one_of(value, &ClientTokenStatus::NAMES)
    });
    let mut timestamp = |field: &str| fields.optional(field, validation::timestamp);
    let (created_at, updated_at, revoked_at) = (
        timestamp("created_at"),
        timestamp("updated_at"),
        timestamp("revoked_at"),
    );
    let (Some(environment), Some(name), Some(description), Some(status)) =
        (environment, name, description, status)
    else {
        return Err(fields.into_errors());
    };
    let (Some(created_at), Some(updated_at), Some(revoked_at)) =
        (created_at, updated_at, revoked_at)
    else {
        return Err(fields.into_errors());
    };
    let status = status.unwrap_or(ClientTokenStatus::Active);
    let created_at = created_at.unwrap_or(now);
    let revoked_at = match (status, revoked_at) {
        (ClientTokenStatus::Active, Some(_)) => {
            fields.note("revoked_at", "must be null unless status is revoked");
            return Err(fields.into_errors());
        }
        (ClientTokenStatus::Active, None) => None,
        (ClientTokenStatus::Revoked, at) => Some(at.or(updated_at).unwrap_or(now.max(created_at))),
    };
    let updated_at = updated_at.or(revoked_at).unwrap_or(created_at);
    if updated_at < created_at || revoked_at.is_some_and(|at| at < created_at) {
        fields.note("updated_at", "must not be before created_at");
        return Err(fields.into_errors());
    }
    let token = fields.optional("token", |value| match value.as_str() {
        Some(text) if is_token_value(text, environment) => Ok(text.to_owned()),
        _ => Err(format!(
            "must be {}… followed by 27 lowercase hex digits",
            environment.token_prefix()
        )),
    });
    let token = token.map(|token| token.unwrap_or_else(|| generate_token_value(environment)));
    let token = token.map(|token| ClientToken {
        id: ClientTokenId::generate_at(created_at),
        token,
        name,
        description,
        status,
        revoked_at,
        created_at,
        updated_at,
    });
    fields.finish(token.map(|token| (environment, token)))
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
