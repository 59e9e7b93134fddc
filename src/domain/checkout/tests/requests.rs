//! The checkout's bodies, read: every problem named on its field, in words
//! the page shows beside it.

use serde_json::{Value, json};

use super::*;
use crate::domain::FieldError;

fn object(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

fn rule_errors(errors: crate::domain::ValidationErrors) -> Vec<(String, String)> {
    match errors {
        crate::domain::ValidationErrors::Rule(errors) => errors
            .into_iter()
            .map(|FieldError { field, message }| (field, message))
            .collect(),
        schema => panic!("not a rule: {schema:?}"),
    }
}

#[test]
fn a_test_card_is_read_and_everything_wrong_is_named() {
    let card = CardDetails::from_json(&object(json!({"data": {
        "card_number": "4242 4242 4242 4242", "expiry_month": 5, "expiry_year": "2030",
        "cvv": "123", "cardholder_name": " Ada Lovelace "
    }})))
    .unwrap();
    assert_eq!(card, super::card(TestCard::Succeeds));
    assert_eq!(card.last4(), "4242");
    let errors = CardDetails::from_json(&object(json!({
        "card_number": "4111 1111 1111 1111", "expiry_month": 13, "expiry_year": 30,
        "cvv": "12a", "cardholder_name": ""
    })))
    .unwrap_err();
    assert_eq!(
        rule_errors(errors),
        [
            ("card_number", CARD_NUMBER_MESSAGE),
            ("expiry_month", EXPIRY_MONTH_MESSAGE),
            ("expiry_year", EXPIRY_YEAR_MESSAGE),
            ("cvv", CVV_MESSAGE),
            ("cardholder_name", CARDHOLDER_NAME_MESSAGE),
        ]
        .map(|(f, m)| (f.to_owned(), m.to_owned()))
    );
    assert_eq!(
        CARD_NUMBER_MESSAGE,
        "Use a test card: 4242 4242 4242 4242 (succeeds), 4000 0000 0000 0002 (declined), \
         4000 0038 0000 0446 (3-D Secure)"
    );
    for (number, outcome) in [
        ("4000000000000002", TestCard::Declined),
        ("4000 0038 0000 0446", TestCard::ThreeDSecure),
    ] {
        let body = json!({"card_number": number, "expiry_month": "12", "expiry_year": 2031,
                          "cvv": "1234", "cardholder_name": "A"});
        assert_eq!(CardDetails::from_json(&object(body)).unwrap().card, outcome);
    }
}

#[test]
fn an_expired_card_is_refused_by_the_accounts_clock() {
    let card = super::card(TestCard::Succeeds);
    let at = |text: &str| Timestamp::parse(text).unwrap();
    assert!(card.check_expiry(at("2030-05-31T23:59:59.000000Z")).is_ok());
    assert_eq!(
        rule_errors(
            card.check_expiry(at("2030-06-01T00:00:00.000000Z"))
                .unwrap_err()
        ),
        [("expiry_year".to_owned(), EXPIRED_MESSAGE.to_owned())]
    );
}

#[test]
fn a_customer_needs_an_email_a_country_and_where_asked_a_postcode() {
    let customer = CustomerDetails::from_json(&object(json!({"data": {
        "email": "buyer@example.com", "address": {"country_code": "US", "postal_code": "10001"}
    }})))
    .unwrap();
    assert_eq!(customer, us_buyer());
    // Elsewhere a postcode is optional, and none is null.
    let customer = CustomerDetails::from_json(&object(json!({
        "email": "a@b.se", "address": {"country_code": "SE", "postal_code": ""}
    })))
    .unwrap();
    assert_eq!(customer.postal_code, None);
    let errors = CustomerDetails::from_json(&object(json!({
        "email": "not-an-email", "address": {"country_code": "GB"}
    })))
    .unwrap_err();
    assert_eq!(
        rule_errors(errors),
        [
            ("email", EMAIL_MESSAGE),
            (
                "address.postal_code",
                "Enter a postcode: it is asked for in GB"
            ),
        ]
        .map(|(f, m)| (f.to_owned(), m.to_owned()))
    );
    let errors = CustomerDetails::from_json(&object(json!({
        "email": "a@b.co", "address": {"country_code": "XX"}
    })))
    .unwrap_err();
    assert_eq!(
        rule_errors(errors),
        [(
            "address.country_code".to_owned(),
            COUNTRY_MESSAGE.to_owned()
        )]
    );
}

#[test]
fn an_open_takes_items_or_a_transaction_and_its_settings() {
    let open = OpenCheckout::from_json(&object(json!({"data": {
        "items": [{"price_id": ONCE, "quantity": 2}],
        "customer": {"email": "buyer@example.com", "address": {"country_code": "US", "postal_code": "10001"}},
        "custom_data": {"user": "42"},
        "settings": {"display_mode": "inline", "theme": "dark", "variant": "multi-page",
                     "locale": "fr", "success_url": "https://shop.example/thanks"}
    }})))
    .unwrap();
    assert_eq!(
        open.target,
        CheckoutTarget::Items(vec![CheckoutItem {
            price_id: crate::domain::PriceId::parse(ONCE).unwrap(),
            quantity: 2
        }])
    );
    assert_eq!(open.customer, Some(us_buyer()));
    assert_eq!(
        serde_json::to_value(&open.settings).unwrap(),
        json!({"display_mode": "inline", "theme": "dark", "variant": "multi-page",
               "locale": "fr", "success_url": "https://shop.example/thanks"})
    );
    // An email alone makes no customer; settings default as Paddle's do.
    let open = OpenCheckout::from_json(&object(json!({
        "transaction_id": "txn_01kzvyz9e21z9vbhd7xqq3csyq", "customer": {"email": "a@b.co"}
    })))
    .unwrap();
    assert_eq!(open.customer, None);
    assert_eq!(open.settings, CheckoutSettings::default());
    for body in [
        json!({}),
        json!({"items": [{"price_id": ONCE}], "transaction_id": "txn_01kzvyz9e21z9vbhd7xqq3csyq"}),
        json!({"items": []}),
    ] {
        let errors = OpenCheckout::from_json(&object(body)).unwrap_err();
        assert_eq!(
            rule_errors(errors),
            [("items".to_owned(), ITEMS_MESSAGE.to_owned())]
        );
    }
    let errors = OpenCheckout::from_json(&object(json!({
        "items": [{"price_id": "pri_x", "quantity": 1}], "settings": {"theme": "neon"}
    })))
    .unwrap_err();
    assert_eq!(
        rule_errors(errors),
        [
            (
                "items.0.price_id",
                "Enter a price id, pri_ and 26 characters"
            ),
            ("settings.theme", "Expected one of: light, dark"),
        ]
        .map(|(f, m)| (f.to_owned(), m.to_owned()))
    );
}

#[test]
fn an_outcome_is_paid_or_declined() {
    let paid = Outcome::from_json(&object(json!({"outcome": "paid"}))).unwrap();
    assert_eq!(paid, Outcome::Paid { customer: None });
    let declined = Outcome::from_json(&object(json!({
        "outcome": "declined",
        "customer": {"email": "buyer@example.com", "country_code": "US", "postal_code": "10001"}
    })))
    .unwrap();
    assert_eq!(declined.customer(), Some(&us_buyer()));
    let errors = Outcome::from_json(&object(json!({"outcome": "maybe"}))).unwrap_err();
    assert_eq!(
        rule_errors(errors),
        [("outcome".to_owned(), "Expected paid or declined".to_owned())]
    );
    assert_eq!(
        Authentication::from_json(&object(json!({"data": {"outcome": "refuse"}}))).unwrap(),
        Authentication { accepted: false }
    );
}
