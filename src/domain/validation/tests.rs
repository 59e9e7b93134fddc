use serde_json::json;

use super::*;
use crate::domain::Permission;

fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn schema_errors(errors: ValidationErrors) -> Vec<(String, String)> {
    let ValidationErrors::Schema(errors) = errors else {
        panic!("expected schema errors, got {errors:?}");
    };
    errors.into_iter().map(|e| (e.field, e.message)).collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(f, m)| (f.to_string(), m.to_string()))
        .collect()
}

#[test]
fn counts_unicode_characters_not_bytes() {
    assert!(string(&json!("é".repeat(150)), (1, 150)).is_ok());
    assert_eq!(
        string(&json!("é".repeat(151)), (1, 150)),
        Err(vec![Problem::MaxLength(150)])
    );
}

#[test]
fn reports_every_problem_at_once_in_the_validators_order() {
    let body = object(json!({ "description": 5, "colour": 1, "status": "gone" }));
    let mut fields = Fields::new(&body, &["name", "description", "status"]);
    fields.required("name", |value| string(value, (1, 150)));
    fields.nullable("description", |value| string(value, (1, 500)));
    fields.optional("status", |value| {
        one_of::<Environment>(value, &["active", "revoked"])
    });
    let errors = fields.finish(None::<()>).unwrap_err();
    assert_eq!(
        schema_errors(errors),
        pairs(&[
            ("(root)", "name is required"),
            ("(root)", "Additional property colour is not allowed"),
            (
                "description",
                "Invalid type. Expected: [string,null], given: integer"
            ),
            (
                "status",
                r#"status must be one of the following: "active", "revoked""#
            ),
        ])
    );
}

#[test]
fn null_is_a_value_of_the_wrong_type_unless_the_field_is_nullable() {
    let body = object(json!({ "name": null, "description": null }));
    let mut fields = Fields::new(&body, &["name", "description"]);
    fields.required("name", |value| string(value, (1, 150)));
    fields.nullable("description", |value| string(value, (1, 500)));
    assert_eq!(
        schema_errors(fields.finish(None::<()>).unwrap_err()),
        pairs(&[("name", "Invalid type. Expected: string, given: null")])
    );
}

#[test]
fn nested_objects_are_named_by_their_path() {
    let body = object(json!({ "extra": true, "permissions": ["x", 2] }));
    let mut fields = Fields::at("keys.3", &body, &["name", "permissions"]);
    fields.required("name", |value| string(value, (1, 150)));
    fields.required("permissions", |value| {
        list_of::<Permission>(value, &["client_token.read"])
    });
    assert_eq!(
        schema_errors(fields.finish(None::<()>).unwrap_err()),
        pairs(&[
            ("keys.3", "name is required"),
            ("keys.3", "Additional property extra is not allowed"),
            (
                "keys.3.permissions.0",
                r#"keys.3.permissions.0 must be one of the following: "client_token.read""#
            ),
            (
                "keys.3.permissions.1",
                "Invalid type. Expected: string, given: integer"
            ),
        ])
    );
}

#[test]
fn an_empty_list_and_a_nul_character_break_the_schema() {
    assert_eq!(
        list_of::<Permission>(&json!([]), &["client_token.read"]),
        Err(vec![Problem::MinItems(1)])
    );
    assert_eq!(
        string(&json!("a\0"), (1, 150)),
        Err(vec![Problem::Pattern(NO_NUL)])
    );
}

#[test]
fn rules_are_reported_only_when_the_schema_is_met() {
    let body = object(json!({ "name": "x" }));
    let mut fields = Fields::new(&body, &["name"]);
    fields.required("name", |value| string(value, (1, 150)));
    fields.rule("name", "must be unique");
    assert_eq!(
        fields.finish(Some(())),
        Err(ValidationErrors::rule("name", "must be unique"))
    );
    let body = object(json!({}));
    let mut fields = Fields::new(&body, &["name"]);
    fields.required("name", |value| string(value, (1, 150)));
    fields.rule("name", "must be unique");
    assert!(matches!(fields.into_errors(), ValidationErrors::Schema(_)));
}
