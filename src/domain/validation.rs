//! Turning untrusted input into domain values, collecting every problem as a
//! field error the way Paddle reports them. Every body paddock reads (the
//! API's, the admin API's, fixtures) goes through [`Fields`], and every
//! field-error message is written once, in [`message`].
//!
//! A body is checked as a JSON-schema validator would check it (Paddle's
//! is gojsonschema): problems are named by the validator's paths (`(root)`,
//! `name`, `client_tokens.2.name`) and in its words, all at once. Only a body
//! that fits its schema is then held to paddock's own rules across fields.

pub mod message;

use std::str::FromStr;

use serde_json::{Map, Value};

use super::{Environment, Timestamp};
pub use message::Problem;

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
pub enum ValidationErrors {
    /// The input doesn't fit its schema (a missing field, a wrong type or
    /// length, a query value that isn't a number): Paddle's `bad_request`.
    Schema(Vec<FieldError>),
    /// The input fits but breaks a rule (a query value out of range, fixture
    /// timestamps out of order): Paddle's `invalid_field`.
    Rule(Vec<FieldError>),
}

impl ValidationErrors {
    /// One broken rule.
    pub fn rule(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Rule(vec![FieldError::new(field, message)])
    }

    /// One broken rule (the same as [`Self::rule`]).
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::rule(field, message)
    }

    pub fn errors(&self) -> &[FieldError] {
        match self {
            Self::Schema(errors) | Self::Rule(errors) => errors,
        }
    }

    /// The problems of several parts of one input: those with the schema if
    /// there are any, as a validator reports them before any rule is checked.
    pub fn combine(all: impl IntoIterator<Item = Self>) -> Option<Self> {
        let (mut schema, mut rules) = (Vec::new(), Vec::new());
        for errors in all {
            match errors {
                Self::Schema(errors) => schema.extend(errors),
                Self::Rule(errors) => rules.extend(errors),
            }
        }
        match (schema.is_empty(), rules.is_empty()) {
            (false, _) => Some(Self::Schema(schema)),
            (true, false) => Some(Self::Rule(rules)),
            (true, true) => None,
        }
    }
}

/// The result of parsing one value: the value, or what is wrong with it.
pub type Checked<T> = Result<T, Vec<Problem>>;

/// Reads the fields of one JSON object, noting every problem, so that a
/// request learns of all of them at once.
pub struct Fields<'a> {
    body: &'a Map<String, Value>,
    /// Where the object is: `(root)`, or a path such as `client_tokens.2`.
    context: String,
    /// The validator reports, in this order: missing required properties,
    /// properties the schema doesn't know, then each property's own problems.
    missing: Vec<FieldError>,
    unknown: Vec<FieldError>,
    invalid: Vec<FieldError>,
    rules: Vec<FieldError>,
}

impl<'a> Fields<'a> {
    /// Reads a request body, noting each field that is not one of `known`.
    pub fn new(body: &'a Map<String, Value>, known: &[&str]) -> Self {
        Self::at(message::ROOT, body, known)
    }

    /// Reads an object found at `context` inside a body.
    pub fn at(context: &str, body: &'a Map<String, Value>, known: &[&str]) -> Self {
        let unknown = body
            .keys()
            .filter(|field| !known.contains(&field.as_str()))
            .map(|field| FieldError::new(context, message::additional_property(field)))
            .collect();
        Self {
            body,
            context: context.to_owned(),
            missing: Vec::new(),
            unknown,
            invalid: Vec::new(),
            rules: Vec::new(),
        }
    }

    /// Whether the body has `field`, even as `null`.
    pub fn has(&self, field: &str) -> bool {
        self.body.contains_key(field)
    }

    /// The path of `field` of this object, as the validator names it.
    pub fn path(&self, field: &str) -> String {
        child(&self.context, field)
    }

    /// Notes a broken rule: the body fits its schema, but not paddock's rules.
    pub fn rule(&mut self, field: &str, message: impl Into<String>) {
        let field = self.path(field);
        self.rules.push(FieldError::new(field, message));
    }

    /// A field that must be present (`null` is a value: its type is checked).
    pub fn required<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&'a Value) -> Checked<T>,
    ) -> Option<T> {
        match self.body.get(field) {
            None => {
                let missing = FieldError::new(&self.context, message::required(field));
                self.missing.push(missing);
                None
            }
            Some(value) => self.checked(field, parse(value)),
        }
    }

    /// A field that may be absent (`Some(None)`); `null` is a wrong type.
    pub fn optional<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&'a Value) -> Checked<T>,
    ) -> Option<Option<T>> {
        match self.body.get(field) {
            None => Some(None),
            Some(value) => self.checked(field, parse(value)).map(Some),
        }
    }

    /// A field that may be absent or `null` (`Some(None)`): its schema type
    /// is `[<type>,null]`, and a wrong type is reported so.
    pub fn nullable<T>(
        &mut self,
        field: &str,
        parse: impl FnOnce(&'a Value) -> Checked<T>,
    ) -> Option<Option<T>> {
        match self.body.get(field) {
            None | Some(Value::Null) => Some(None),
            Some(value) => {
                let parsed =
                    parse(value).map_err(|problems| problems.into_iter().map(or_null).collect());
                self.checked(field, parsed).map(Some)
            }
        }
    }

    /// The optional `environment` field, `sandbox` when absent.
    pub fn environment(&mut self) -> Option<Environment> {
        let names = [Environment::Sandbox.as_str(), Environment::Live.as_str()];
        let environment = self.optional("environment", |value| one_of(value, &names));
        environment.map(|environment| environment.unwrap_or(Environment::Sandbox))
    }

    fn checked<T>(&mut self, field: &str, result: Checked<T>) -> Option<T> {
        let path = self.path(field);
        let problems = match result {
            Ok(value) => return Some(value),
            Err(problems) => problems,
        };
        let errors = problems
            .iter()
            .map(|problem| FieldError::new(problem.field(&path), problem.message(&path)));
        self.invalid.extend(errors);
        None
    }

    /// `value` when every field was read without a problem.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, ValidationErrors> {
        match value {
            Some(value) if self.is_valid() => Ok(value),
            _ => Err(self.into_errors()),
        }
    }

    fn is_valid(&self) -> bool {
        [&self.missing, &self.unknown, &self.invalid, &self.rules]
            .iter()
            .all(|errors| errors.is_empty())
    }

    /// What was found wrong: the schema problems if there are any, else the
    /// broken rules.
    pub fn into_errors(self) -> ValidationErrors {
        let schema = [self.missing, self.unknown, self.invalid].concat();
        let parts = [
            ValidationErrors::Schema(schema),
            ValidationErrors::Rule(self.rules),
        ];
        // Only reached with a problem noted; an empty list is still a 400.
        ValidationErrors::combine(parts).unwrap_or(ValidationErrors::Schema(Vec::new()))
    }
}

/// A body read as JSON: every body's schema is an object.
pub fn json_object(value: Value) -> Result<Map<String, Value>, ValidationErrors> {
    match value {
        Value::Object(object) => Ok(object),
        other => {
            let problem = Problem::expected("object", &other);
            let error = FieldError::new(message::ROOT, problem.message(message::ROOT));
            Err(ValidationErrors::Schema(vec![error]))
        }
    }
}

/// `field` of the object at `context`: `name`, or `client_tokens.2.name`.
pub fn child(context: &str, field: &str) -> String {
    if context == message::ROOT {
        field.to_owned()
    } else {
        format!("{context}.{field}")
    }
}

/// A nullable field's wrong type reads `Expected: [string,null]`.
fn or_null(problem: Problem) -> Problem {
    match problem {
        Problem::Type { expected, given } => Problem::Type {
            expected: format!("[{expected},null]"),
            given,
        },
        other => other,
    }
}

/// Postgres can't store U+0000 in text, and no client means to send it; a
/// schema says so with this pattern (the OpenAPI document uses it too).
pub const NO_NUL: &str = r"^[^\x00]*$";

/// A string of `(min, max)` Unicode characters (the validator counts runes).
pub fn string(value: &Value, (min, max): (usize, usize)) -> Checked<String> {
    let Value::String(text) = value else {
        return Err(vec![Problem::expected("string", value)]);
    };
    let length = text.chars().count();
    let mut problems = Vec::new();
    if length < min {
        problems.push(Problem::MinLength(min));
    }
    if length > max {
        problems.push(Problem::MaxLength(max));
    }
    if text.contains('\0') {
        problems.push(Problem::Pattern(NO_NUL));
    }
    if problems.is_empty() {
        Ok(text.clone())
    } else {
        Err(problems)
    }
}

/// A string that `valid` accepts, described to the client by `pattern`.
pub fn matching(
    value: &Value,
    pattern: &'static str,
    valid: impl Fn(&str) -> bool,
) -> Checked<String> {
    match value {
        Value::String(text) if valid(text) => Ok(text.clone()),
        Value::String(_) => Err(vec![Problem::Pattern(pattern)]),
        _ => Err(vec![Problem::expected("string", value)]),
    }
}

/// A string that `parse` accepts, described to the client as `format`.
pub fn formatted<T>(
    value: &Value,
    format: &'static str,
    parse: impl Fn(&str) -> Option<T>,
) -> Checked<T> {
    match value {
        Value::String(text) => parse(text).ok_or_else(|| vec![Problem::Format(format)]),
        _ => Err(vec![Problem::expected("string", value)]),
    }
}

/// A whole number from `min` to `max`: the schema's `type: integer` with
/// `minimum` and `maximum` (`1.0` is an integer to the validator).
pub fn integer(value: &Value, (min, max): (i64, i64)) -> Checked<i64> {
    let number = match value.as_f64() {
        Some(number) if message::given(value) == "integer" => number,
        _ => return Err(vec![Problem::expected("integer", value)]),
    };
    if number > max as f64 {
        Err(vec![Problem::Maximum(max)])
    } else if number < min as f64 {
        Err(vec![Problem::Minimum(min)])
    } else {
        Ok(number as i64)
    }
}

pub fn boolean(value: &Value) -> Checked<bool> {
    value
        .as_bool()
        .ok_or_else(|| vec![Problem::expected("boolean", value)])
}

/// An RFC 3339 date-time: the schema's `format: date-time`.
pub fn timestamp(value: &Value) -> Checked<Timestamp> {
    formatted(value, "date-time", Timestamp::parse_rfc3339)
}

/// One of `names`, parsed as `T`.
pub fn one_of<T: FromStr>(value: &Value, names: &[&'static str]) -> Checked<T> {
    let Value::String(text) = value else {
        return Err(vec![Problem::expected("string", value)]);
    };
    text.parse()
        .map_err(|_| vec![Problem::OneOf(names.to_vec())])
}

/// A non-empty array of `names`, each parsed as `T`, sorted; a repeated name
/// counts once.
pub fn list_of<T: FromStr + Ord>(value: &Value, names: &[&'static str]) -> Checked<Vec<T>> {
    let Value::Array(items) = value else {
        return Err(vec![Problem::expected("array", value)]);
    };
    let mut list = Vec::new();
    let mut problems = Vec::new();
    for (index, item) in items.iter().enumerate() {
        match one_of(item, names) {
            Ok(parsed) => list.push(parsed),
            Err(found) => {
                problems.extend(found.into_iter().map(|p| Problem::Item(index, Box::new(p))))
            }
        }
    }
    if items.is_empty() {
        problems.push(Problem::MinItems(1));
    }
    list.sort();
    list.dedup();
    if problems.is_empty() {
        Ok(list)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests;
