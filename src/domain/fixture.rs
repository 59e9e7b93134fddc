//! Client tokens seeded through the admin API: fixtures with chosen ids,
//! names, statuses and timestamps, validated as strictly as the public
//! API's input.

use serde_json::{Map, Value};

use super::client_token::{DESCRIPTION_LENGTH, NAME_LENGTH};
use super::id::{IdKind, kind};
use super::validation::{self, Fields, Problem, message};
use super::{
    ClientToken, ClientTokenId, ClientTokenStatus, Environment, FieldError, Mint, ValidationErrors,
    token_value,
};

const FIELDS: [&str; 9] = [
    "id",
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
/// errors name the item as the validator does: `client_tokens.2.name`.
pub fn parse_seed(
    body: &Map<String, Value>,
    mint: &Mint,
) -> Result<Vec<(Environment, ClientToken)>, ValidationErrors> {
    let mut fields = Fields::new(body, &["client_tokens"]);
    let items = fields.required("client_tokens", |value| match value {
        Value::Array(items) => Ok(items),
        _ => Err(vec![Problem::expected("array", value)]),
    });
    let items = fields.finish(items)?;
    parse_items("client_tokens", items, mint)
}

/// Parses a JSON list of fixtures. Field errors name the item: `2.name`.
pub fn parse_fixtures(
    items: &[Value],
    mint: &Mint,
) -> Result<Vec<(Environment, ClientToken)>, ValidationErrors> {
    parse_items(message::ROOT, items, mint)
}

/// The fixtures of the list at `context`; the schema's problems of every
/// item, else the broken rules of every item (an id or token given twice
/// among them is one).
fn parse_items(
    context: &str,
    items: &[Value],
    mint: &Mint,
) -> Result<Vec<(Environment, ClientToken)>, ValidationErrors> {
    let mut tokens: Vec<(Environment, ClientToken)> = Vec::new();
    let mut errors = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let path = validation::child(context, &index.to_string());
        let parsed = match item {
            Value::Object(object) => parse_fixture(&path, object, mint),
            _ => {
                let problem = Problem::expected("object", item);
                let error = FieldError::new(&path, problem.message(&path));
                Err(ValidationErrors::Schema(vec![error]))
            }
        };
        match parsed {
            Ok((_, token)) if tokens.iter().any(|(_, t)| t.id == token.id) => {
                errors.push(ValidationErrors::rule(
                    validation::child(&path, "id"),
                    TAKEN,
                ));
            }
            Ok((_, token)) if tokens.iter().any(|(_, t)| t.token == token.token) => {
                errors.push(ValidationErrors::rule(
                    validation::child(&path, "token"),
                    TAKEN,
                ));
            }
            Ok(token) => tokens.push(token),
            Err(item_errors) => errors.push(item_errors),
        }
    }
    match ValidationErrors::combine(errors) {
        None => Ok(tokens),
        Some(errors) => Err(errors),
    }
}

pub(super) fn parse_fixture(
    context: &str,
    object: &Map<String, Value>,
    mint: &Mint,
) -> Result<(Environment, ClientToken), ValidationErrors> {
    let now = mint.now();
    let mut fields = Fields::at(context, object, &FIELDS);
    let id = fields.optional("id", |value| {
        validation::matching(value, ID_PATTERN, |text| {
            ClientTokenId::parse(text).is_some()
        })
    });
    let environment = fields.environment();
    let name = fields.required("name", |value| validation::string(value, NAME_LENGTH));
    let description = fields.nullable("description", |value| {
        validation::string(value, DESCRIPTION_LENGTH)
    });
    let status = fields.optional("status", ClientTokenStatus::from_json);
    // The token's pattern depends on the environment, so is checked only
    // against a valid one.
    let token = environment.and_then(|environment| {
        fields.optional("token", |value| {
            validation::matching(value, token_pattern(environment), |text| {
                is_token_value(text, environment)
            })
        })
    });
    let mut timestamp = |field: &str| fields.optional(field, validation::timestamp);
    let (created_at, updated_at) = (timestamp("created_at"), timestamp("updated_at"));
    let revoked_at = fields.nullable("revoked_at", validation::timestamp);
    let (Some(id), Some(environment), Some(name), Some(description), Some(status), Some(token)) =
        (id, environment, name, description, status, token)
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
            fields.rule("revoked_at", "must be null unless status is revoked");
            return Err(fields.into_errors());
        }
        (ClientTokenStatus::Active, None) => None,
        (ClientTokenStatus::Revoked, at) => Some(at.or(updated_at).unwrap_or(now.max(created_at))),
    };
    let updated_at = updated_at.or(revoked_at).unwrap_or(created_at);
    if updated_at < created_at || revoked_at.is_some_and(|at| at < created_at) {
        fields.rule("updated_at", "must not be before created_at");
        return Err(fields.into_errors());
    }
    let token = ClientToken {
        id: id
            .and_then(|id| ClientTokenId::parse(&id))
            .unwrap_or_else(|| ClientTokenId::mint_at(mint, created_at)),
        token: token.unwrap_or_else(|| token_value(environment, mint)),
        name,
        description,
        status,
        revoked_at,
        created_at,
        updated_at,
    };
    fields.finish(Some((environment, token)))
}

/// The field errors for fixtures whose `id` or `token` is among `taken`
/// (another client token's).
pub fn fixture_conflicts(
    fixtures: &[(Environment, ClientToken)],
    taken: &[String],
) -> Vec<ValidationErrors> {
    let is_taken = |value: &str| taken.iter().any(|t| t == value);
    let mut errors = Vec::new();
    for (index, (_, token)) in fixtures.iter().enumerate() {
        let item = validation::child("client_tokens", &index.to_string());
        if is_taken(token.id.as_str()) {
            errors.push(ValidationErrors::rule(
                validation::child(&item, "id"),
                TAKEN,
            ));
        }
        if is_taken(&token.token) {
            errors.push(ValidationErrors::rule(
                validation::child(&item, "token"),
                TAKEN,
            ));
        }
    }
    errors
}

/// Paddle's pattern for client token ids.
const ID_PATTERN: &str = kind::ClientToken::PATTERN;

/// Said of an `id` or `token` that another client token has.
pub const TAKEN: &str = "must be unique: another client token has it";

/// [`is_token_value`] as a schema's `pattern`.
fn token_pattern(environment: Environment) -> &'static str {
    match environment {
        Environment::Sandbox => "^test_[0-9a-f]{27}$",
        Environment::Live => "^live_[0-9a-f]{27}$",
    }
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
        let mint = Mint::real();
        let now = mint.now();
        let items = [
            json!({ "name": "a" }),
            json!({
                "name": "b", "environment": "live", "status": "revoked",
                "created_at": "2024-01-01T00:00:00Z", "revoked_at": "2024-02-01T00:00:00Z"
            }),
        ];
        let tokens = parse_fixtures(&items, &mint).unwrap();
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
        let errors = parse_fixtures(&items, &Mint::real()).unwrap_err();
        assert!(matches!(errors, ValidationErrors::Schema(_)));
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["1", "1.revoked_at", "2"]);
    }
}
