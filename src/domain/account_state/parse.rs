//! Reading a state document as strictly as any other body: every problem
//! at once, named by its path (`api_keys.2.key_hash`), in the validator's
//! words. Client tokens are read as fixtures are (`fixture.rs`), with their
//! `id`; the rest field by field.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::super::account::{ACCOUNT_NAME_PATTERN, is_valid_account_name};
use super::super::fixture::parse_fixture;
use super::super::id::kind;
use super::super::validation::{self, Checked, Fields, Problem, child};
use super::super::{Account, Clock, FieldError, Mint, Seed, TaxRates, ValidationErrors};
use super::catalog::{parse_account_price, parse_account_product};
use super::fields::{as_array, as_object, parse_id};
use super::items::{parse_api_key, parse_delivery, parse_event, parse_rotation, parse_setting};
use super::{
    ACCOUNT_STATE_FORMAT, ACCOUNT_STATE_FORMAT_V1, AccountClientToken, AccountState, Format,
};

const SECTIONS: [&str; 8] = [
    "client_tokens",
    "api_keys",
    "api_key_rotations",
    "notification_settings",
    "events",
    "deliveries",
    "products",
    "prices",
];

impl AccountState {
    /// Reads a state document to load into `account` (the name in the
    /// document is checked, then `account` replaces it). `event_data` are
    /// the events' `data` as sent (see [`event_data_texts`]), so that they
    /// are kept byte for byte; `mint` fills in what fixtures may leave out.
    pub fn from_json(
        account: &str,
        body: &Map<String, Value>,
        event_data: &[Box<RawValue>],
        mint: &Mint,
    ) -> Result<Self, ValidationErrors> {
        let mut known = vec!["format", "account", "tax_rates"];
        known.extend(SECTIONS);
        let mut fields = Fields::new(body, &known);
        fields.required("format", format);
        let account_object = fields.required("account", as_object);
        let lists = SECTIONS.map(|name| fields.optional(name, as_array).flatten());
        let tax_rates = fields.optional("tax_rates", as_object).flatten();
        let mut errors = Errors(fields.finish(Some(())).err().into_iter().collect());
        let account = account_object.and_then(|o| errors.take(parse_account(account, o)));
        let [
            tokens,
            keys,
            rotations,
            settings,
            events,
            deliveries,
            products,
            prices,
        ] = lists;
        let client_tokens = errors.take(section(SECTIONS[0], tokens, |path, _, object| {
            parse_client_token(path, object, mint)
        }));
        let api_keys = errors.take(section(SECTIONS[1], keys, |path, _, object| {
            parse_api_key(path, object)
        }));
        let api_key_rotations = errors.take(section(SECTIONS[2], rotations, |path, _, o| {
            parse_rotation(path, o)
        }));
        let notification_settings = errors.take(section(SECTIONS[3], settings, |path, _, o| {
            parse_setting(path, o, account.as_ref())
        }));
        let texts = (event_data.len() == events.map_or(0, Vec::len)).then_some(event_data);
        let events = errors.take(section(SECTIONS[4], events, |path, index, object| {
            parse_event(
                path,
                object,
                texts.and_then(|texts| texts.get(index)).map(AsRef::as_ref),
            )
        }));
        let deliveries = errors.take(section(SECTIONS[5], deliveries, |path, _, object| {
            parse_delivery(path, object)
        }));
        let products = errors.take(section(SECTIONS[6], products, |path, _, object| {
            parse_account_product(path, object, mint)
        }));
        let prices = errors.take(section(SECTIONS[7], prices, |path, _, object| {
            parse_account_price(path, object, mint)
        }));
        let tax_rates = match tax_rates {
            Some(found) => errors.take(TaxRates::from_json("tax_rates", found)),
            None => Some(TaxRates::default()),
        };
        if let Some(errors) = ValidationErrors::combine(errors.0) {
            return Err(errors);
        }
        let (Some(products), Some(prices), Some(tax_rates)) = (products, prices, tax_rates) else {
            return Err(ValidationErrors::Schema(Vec::new()));
        };
        let state = match (account, client_tokens, api_keys, api_key_rotations) {
            (Some(account), Some(client_tokens), Some(api_keys), Some(api_key_rotations)) => {
                match (notification_settings, events, deliveries) {
                    (Some(notification_settings), Some(events), Some(deliveries)) => Self {
                        format: Format,
                        account,
                        client_tokens,
                        api_keys,
                        api_key_rotations,
                        notification_settings,
                        events,
                        deliveries,
                        products,
                        prices,
                        tax_rates,
                    },
                    _ => return Err(ValidationErrors::Schema(Vec::new())),
                }
            }
            _ => return Err(ValidationErrors::Schema(Vec::new())),
        };
        state.check_references()?;
        Ok(state)
    }
}

/// The problems of the parts of a document, gathered.
struct Errors(Vec<ValidationErrors>);

impl Errors {
    fn take<T>(&mut self, result: Result<T, ValidationErrors>) -> Option<T> {
        result.map_err(|errors| self.0.push(errors)).ok()
    }
}

/// The events' `data` of a document as sent, compacted, in order; empty
/// when they can't be read apart (then `data` is written anew from the
/// parsed value, its keys in sorted order).
pub fn event_data_texts(body: &[u8]) -> Vec<Box<RawValue>> {
    #[derive(serde::Deserialize)]
    struct Document {
        #[serde(default)]
        events: Vec<Item>,
    }
    #[derive(serde::Deserialize)]
    struct Item {
        data: Box<RawValue>,
    }
    let Ok(document) = serde_json::from_slice::<Document>(body) else {
        return Vec::new();
    };
    let texts: Option<Vec<_>> = (document.events.iter())
        .map(|item| RawValue::from_string(compact(item.data.get())).ok())
        .collect();
    texts.unwrap_or_default()
}

/// JSON text without the whitespace between tokens (a document saved
/// pretty-printed loads as it was exported).
fn compact(text: &str) -> String {
    let (mut compacted, mut in_string, mut escaped) =
        (String::with_capacity(text.len()), false, false);
    for c in text.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        } else {
            in_string = c == '"';
        }
        compacted.push(c);
    }
    compacted
}

/// The list at `name` (absent: empty), each item an object read by `parse`
/// with its path (`name.3`) and index.
fn section<T>(
    name: &str,
    items: Option<&Vec<Value>>,
    parse: impl Fn(&str, usize, &Map<String, Value>) -> Result<T, ValidationErrors>,
) -> Result<Vec<T>, ValidationErrors> {
    let mut parsed = Vec::new();
    let mut errors = Errors(Vec::new());
    for (index, item) in items.into_iter().flatten().enumerate() {
        let path = child(name, &index.to_string());
        let result = match item {
            Value::Object(object) => parse(&path, index, object),
            _ => {
                let message = Problem::expected("object", item).message(&path);
                Err(ValidationErrors::Schema(vec![FieldError::new(
                    &path, message,
                )]))
            }
        };
        parsed.extend(errors.take(result));
    }
    match ValidationErrors::combine(errors.0) {
        None => Ok(parsed),
        Some(errors) => Err(errors),
    }
}

/// This format, or the one before the catalog (read as having none).
fn format(value: &Value) -> Checked<()> {
    let formats = [ACCOUNT_STATE_FORMAT, ACCOUNT_STATE_FORMAT_V1];
    match value {
        Value::String(text) if formats.contains(&text.as_str()) => Ok(()),
        Value::String(_) => Err(vec![Problem::OneOf(formats.to_vec())]),
        _ => Err(vec![Problem::expected("string", value)]),
    }
}

fn parse_account(account: &str, object: &Map<String, Value>) -> Result<Account, ValidationErrors> {
    let known = ["name", "created_at", "seed", "clock", "draws"];
    let mut fields = Fields::at("account", object, &known);
    let name = fields.required("name", |value| {
        validation::matching(value, ACCOUNT_NAME_PATTERN, is_valid_account_name)
    });
    let created_at = fields.required("created_at", validation::timestamp);
    let seed = fields.nullable("seed", Seed::from_json);
    let clock = fields.nullable("clock", |value| {
        validation::matching(value, CLOCK_PATTERN, |text| Clock::parse(text).is_some())
            .map(|text| Clock::parse(&text).expect("checked"))
    });
    let draws = fields.optional("draws", |value| validation::integer(value, (0, i64::MAX)));
    let parsed = match (name, created_at, seed, clock, draws) {
        (Some(_), Some(created_at), Some(seed), Some(clock), Some(draws)) => Some(Account {
            name: account.to_owned(),
            created_at,
            seed,
            clock,
            draws: draws.unwrap_or(0) as u64,
        }),
        _ => None,
    };
    fields.finish(parsed)
}

/// The stored form of an account's clock, as a schema's `pattern`.
const CLOCK_PATTERN: &str =
    r"^(real|frozen:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z|shifted:-?\d+)$";

/// A fixture, with the `id` it had.
fn parse_client_token(
    path: &str,
    object: &Map<String, Value>,
    mint: &Mint,
) -> Result<AccountClientToken, ValidationErrors> {
    // Only `id` is read here: the fixture reader names unknown fields.
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut fields = Fields::at(path, object, &keys);
    let id = fields.required("id", parse_id::<kind::ClientToken>);
    let id = fields.finish(id);
    let mut rest = object.clone();
    rest.remove("id");
    match (id, parse_fixture(path, &rest, mint)) {
        (Ok(id), Ok((environment, mut token))) => {
            token.id = id;
            Ok(AccountClientToken { environment, token })
        }
        (id, fixture) => Err(ValidationErrors::combine(
            [id.err(), fixture.err()].into_iter().flatten(),
        )
        .unwrap_or(ValidationErrors::Schema(Vec::new()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacting_keeps_strings_and_key_order() {
        let text = "{\n  \"b\": \"a \\\" b\",\n  \"a\": [1, 2]\n}";
        assert_eq!(compact(text), r#"{"b":"a \" b","a":[1,2]}"#);
        assert_eq!(compact(r#""\\" "#), r#""\\""#);
    }

    #[test]
    fn event_data_is_kept_as_sent() {
        let body = br#"{"events": [{"data": {"z": 1, "a": {"y": null}}}, {"data": {}}]}"#;
        let texts = event_data_texts(body);
        let texts: Vec<&str> = texts.iter().map(|text| text.get()).collect();
        assert_eq!(texts, [r#"{"z":1,"a":{"y":null}}"#, "{}"]);
        assert!(event_data_texts(br#"{"events": [3]}"#).is_empty());
    }
}
