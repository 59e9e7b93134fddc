use serde_json::{Value, json};

use super::*;

fn body(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn errors(value: Value) -> (bool, Vec<(String, String)>) {
    let errors = parse_catalog(&body(value), &Mint::real()).unwrap_err();
    let schema = matches!(errors, ValidationErrors::Schema(_));
    let list = (errors.errors().iter())
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    (schema, list)
}

fn pair(field: &str, message: &str) -> (String, String) {
    (field.to_owned(), message.to_owned())
}

#[test]
fn fills_in_paddles_defaults_and_mints_ids() {
    let mint = Mint::real();
    let (environment, catalog) = parse_catalog(
        &body(json!({
            "products": [{"name": "Solo", "tax_category": "saas"}],
            "prices": [{
                "description": "Monthly", "product_id": "pro_01kzvyz95263x6amf3w4cgbqh4",
                "unit_price": {"amount": "500", "currency_code": "USD"}
            }]
        })),
        &mint,
    )
    .unwrap();
    assert_eq!(environment, Environment::Sandbox);
    let (product, price) = (&catalog.products[0], &catalog.prices[0]);
    assert!(product.id.as_str().starts_with("pro_"));
    assert_eq!(
        (product.kind, product.status, product.description.as_deref()),
        (CatalogType::Standard, CatalogStatus::Active, None)
    );
    assert_eq!(
        (product.created_at, product.updated_at),
        (mint.now(), mint.now())
    );
    assert!(price.id.as_str().starts_with("pri_"));
    assert_eq!(price.quantity, PriceQuantity::DEFAULT);
    assert_eq!(price.tax_mode, TaxMode::AccountSetting);
    assert_eq!((price.billing_cycle, &price.trial_period), (None, &None));
    assert!(price.unit_price_overrides.is_empty());
}

#[test]
fn reads_every_field_given() {
    let (environment, catalog) = parse_catalog(
        &body(json!({
            "environment": "live",
            "prices": [{
                "id": "pri_01kzvyz9e21z9vbhd7xqq3csyh", "description": "Monthly", "type": "custom",
                "name": null, "product_id": "pro_01kzvyz95263x6amf3w4cgbqh4",
                "billing_cycle": {"interval": "year", "frequency": 2},
                "trial_period": {"interval": "day", "frequency": 14},
                "tax_mode": "internal", "unit_price": {"amount": "0", "currency_code": "JPY"},
                "unit_price_overrides": [{"country_codes": ["GB", "IE"], "unit_price": {"amount": "400", "currency_code": "GBP"}}],
                "custom_data": {"a": [1]}, "quantity": {"minimum": 2, "maximum": 2},
                "status": "archived", "import_meta": {"imported_from": "paddle_classic", "external_id": "9"},
                "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-02-01T00:00:00+01:00"
            }]
        })),
        &Mint::real(),
    )
    .unwrap();
    assert_eq!(environment, Environment::Live);
    let price = serde_json::to_value(&catalog.prices[0]).unwrap();
    assert_eq!(
        price["trial_period"],
        json!({
            "interval": "day", "frequency": 14, "requires_payment_method": true,
            "unit_price": null, "unit_price_overrides": []
        })
    );
    assert_eq!(price["updated_at"], "2024-01-31T23:00:00.000000Z");
    assert_eq!(
        price["unit_price_overrides"][0]["country_codes"],
        json!(["GB", "IE"])
    );
    assert_eq!(price["status"], "archived");
}

/// Paddle's recorded refusals of `POST /prices` (negative amount, quantity
/// under one, maximum under minimum), and the validator's for the rest.
#[test]
fn refuses_in_paddles_words() {
    let (schema, list) = errors(json!({
        "prices": [
            {"description": "Monthly", "product_id": "pro_01kzvyz95263x6amf3w4cgbqh4",
             "unit_price": {"amount": "-100", "currency_code": "USD"}},
            {"description": "Monthly", "product_id": "pro_01kzvyz95263x6amf3w4cgbqh4",
             "unit_price": {"amount": "100", "currency_code": "USD"},
             "quantity": {"minimum": 0, "maximum": 10}},
            {"description": "Monthly", "product_id": "pro_01kzvyz95263x6amf3w4cgbqh4",
             "unit_price": {"amount": "100", "currency_code": "USD"},
             "quantity": {"minimum": 5, "maximum": 4}}
        ]
    }));
    assert!(schema);
    assert_eq!(
        list,
        [
            pair(
                "prices.0.unit_price.amount",
                "The amount cannot be negative"
            ),
            pair(
                "prices.1.quantity.minimum",
                "Must be greater than or equal to 1"
            ),
            pair("prices.2.quantity", "Invalid request."),
        ]
    );

    let (schema, list) = errors(json!({
        "environment": "staging",
        "products": [{"name": "", "tax_category": "food", "image_url": "ftp://x", "colour": 1}],
        "prices": [{
            "id": "pri_X", "description": "M", "product_id": "pro_01kzvyz95263x6amf3w4cgbqh4",
            "unit_price": {"amount": "1.5", "currency_code": "usd"},
            "billing_cycle": {"interval": "fortnight", "frequency": 0},
            "tax_mode": "inclusive", "status": "deleted",
            "unit_price_overrides": [{"country_codes": ["GB", "XX", "GB"], "unit_price": {"amount": "1", "currency_code": "GBP"}}]
        }, 7]
    }));
    assert!(schema);
    let fields: Vec<&str> = list.iter().map(|(field, _)| field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "environment",
            "products.0",
            "products.0.name",
            "products.0.tax_category",
            "products.0.image_url",
            "prices.0.id",
            "prices.0.description",
            "prices.0.tax_mode",
            "prices.0.status",
            "prices.0.billing_cycle.interval",
            "prices.0.billing_cycle.frequency",
            "prices.0.unit_price.amount",
            "prices.0.unit_price.currency_code",
            "prices.0.unit_price_overrides.0.country_codes.1",
            "prices.0.unit_price_overrides.0.country_codes",
            "prices.1",
        ]
    );
    let message = |field: &str| &list.iter().find(|(f, _)| f == field).unwrap().1;
    assert_eq!(
        message("products.0"),
        "Additional property colour is not allowed"
    );
    assert_eq!(
        message("prices.0.id"),
        r"Does not match pattern '^pri_[a-z\d]{26}$'"
    );
    assert_eq!(
        message("prices.0.billing_cycle.interval"),
        r#"prices.0.billing_cycle.interval must be one of the following: "day", "week", "month", "year""#
    );
    assert_eq!(
        message("prices.0.unit_price.amount"),
        r"Does not match pattern '^\d+$'"
    );
    assert_eq!(
        message("prices.0.unit_price_overrides.0.country_codes"),
        "array items[0,2] must be unique"
    );
    assert_eq!(
        message("products.0.image_url"),
        "Does not match format 'uri'"
    );
    assert_eq!(
        message("prices.1"),
        "Invalid type. Expected: object, given: integer"
    );
}

#[test]
fn an_id_twice_is_a_broken_rule() {
    let product =
        json!({"id": "pro_01kzvyz95263x6amf3w4cgbqh4", "name": "A", "tax_category": "saas"});
    let (schema, list) = errors(json!({"products": [product, product]}));
    assert!(!schema);
    assert_eq!(list, [pair("products.1.id", REPEATED)]);
    let late = json!({"name": "A", "tax_category": "saas",
        "created_at": "2024-02-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"});
    let (schema, list) = errors(json!({"products": [late]}));
    assert!(!schema);
    assert_eq!(
        list,
        [pair(
            "products.0.updated_at",
            "must not be before created_at"
        )]
    );
}
