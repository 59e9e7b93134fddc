//! The words of every field error, in the dialect of the JSON-schema validator
//! behind Paddle's API (the Go library gojsonschema, whose default locale these
//! templates copy), so that a client meets the same sentences here as there.

use serde_json::Value;

/// `(root)`: how the validator names the top of a body, where `required`
/// and `additionalProperties` problems are reported.
pub const ROOT: &str = "(root)";

/// Paddle's message for a query value of the wrong type (`per_page=abc`).
pub const INVALID_INPUT: &str = "invalid input";

/// `name is required`, reported on the object that lacks it.
pub fn required(property: &str) -> String {
    format!("{property} is required")
}

/// `Additional property colour is not allowed`, reported on the object.
pub fn additional_property(property: &str) -> String {
    format!("Additional property {property} is not allowed")
}

/// The words of a query value out of range (`invalid_field`), where Paddle's
/// own wording for client tokens is unknown: `must be one of the following: a, b`.
pub fn one_of(names: &[&str]) -> String {
    format!("must be one of the following: {}", names.join(", "))
}

/// `must be a comma-separated list of: a, b`
pub fn comma_separated_list_of(names: &[&str]) -> String {
    format!("must be a comma-separated list of: {}", names.join(", "))
}

/// One thing wrong with one value, before it is given the field it was found at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// `expected` as the validator prints a schema's type: `string`, or
    /// `[string,null]` for a nullable one.
    Type {
        expected: String,
        given: &'static str,
    },
    MinLength(usize),
    MaxLength(usize),
    MinItems(usize),
    MaxItems(usize),
    /// Items `.0` and `.1` of an array that must hold each value once.
    Unique(usize, usize),
    Minimum(i64),
    Maximum(i64),
    OneOf(Vec<&'static str>),
    Format(&'static str),
    Pattern(&'static str),
    /// A problem with item `index` of an array.
    Item(usize, Box<Problem>),
    /// A negative amount of money, in Paddle's recorded words.
    Negative,
    /// A value that breaks a rule between fields Paddle's schema checks
    /// (a price's quantity maximum under its minimum): Paddle names the
    /// parent object and says only this.
    Invalid,
}

impl Problem {
    /// `Invalid type. Expected: string, given: <what value is>`.
    pub fn expected(expected: &str, value: &Value) -> Self {
        Self::Type {
            expected: expected.to_owned(),
            given: given(value),
        }
    }

    /// The field the problem is reported at, `field` being the value's own.
    pub fn field(&self, field: &str) -> String {
        match self {
            Self::Item(index, problem) => problem.field(&format!("{field}.{index}")),
            _ => field.to_owned(),
        }
    }

    /// The message, `field` being the value's own.
    pub fn message(&self, field: &str) -> String {
        match self {
            Self::Type { expected, given } => {
                format!("Invalid type. Expected: {expected}, given: {given}")
            }
            Self::MinLength(min) => format!("String length must be greater than or equal to {min}"),
            Self::MaxLength(max) => format!("String length must be less than or equal to {max}"),
            Self::MinItems(min) => format!("Array must have at least {min} items"),
            Self::MaxItems(max) => format!("Array must have at most {max} items"),
            Self::Unique(first, second) => format!("array items[{first},{second}] must be unique"),
            Self::Minimum(min) => format!("Must be greater than or equal to {min}"),
            Self::Maximum(max) => format!("Must be less than or equal to {max}"),
            // The validator lists the allowed values as JSON: `"active", "revoked"`.
            Self::OneOf(names) => {
                let names: Vec<String> =
                    names.iter().map(|n| Value::from(*n).to_string()).collect();
                format!("{field} must be one of the following: {}", names.join(", "))
            }
            Self::Format(format) => format!("Does not match format '{format}'"),
            Self::Pattern(pattern) => format!("Does not match pattern '{pattern}'"),
            Self::Item(index, problem) => problem.message(&format!("{field}.{index}")),
            Self::Negative => "The amount cannot be negative".to_owned(),
            Self::Invalid => "Invalid request.".to_owned(),
        }
    }
}

/// The JSON type of `value` as the validator names it. A number with no
/// fractional part is an `integer`, as gojsonschema decides with `big.Rat`'s
/// `IsInt` (so `1.0` too); any other number is a `number`.
pub fn given(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(n) if n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn integers_and_decimals_are_told_apart() {
        assert_eq!(given(&json!(1)), "integer");
        assert_eq!(given(&json!(-7)), "integer");
        assert_eq!(
            given(&serde_json::from_str::<Value>("1.0").unwrap()),
            "integer"
        );
        assert_eq!(
            given(&serde_json::from_str::<Value>("1e3").unwrap()),
            "integer"
        );
        assert_eq!(given(&json!(1.5)), "number");
    }

    #[test]
    fn enum_values_are_quoted_and_items_named_by_index() {
        let problem = Problem::Item(2, Box::new(Problem::OneOf(vec!["a", "b"])));
        assert_eq!(problem.field("permissions"), "permissions.2");
        assert_eq!(
            problem.message("permissions"),
            r#"permissions.2 must be one of the following: "a", "b""#
        );
    }
}
