//! The entities' JSON against Paddle's recorded webhooks (2025 shapes).

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::*;

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

/// The keys of the `transaction.completed` Paddle sent for a one-time
/// checkout (sandbox, 2025-01-16).
const RECORDED_TRANSACTION: [&str; 24] = [
    "id",
    "items",
    "origin",
    "status",
    "details",
    "checkout",
    "payments",
    "billed_at",
    "address_id",
    "created_at",
    "invoice_id",
    "updated_at",
    "business_id",
    "custom_data",
    "customer_id",
    "discount_id",
    "receipt_data",
    "currency_code",
    "billing_period",
    "invoice_number",
    "billing_details",
    "collection_mode",
    "subscription_id",
    // Not in that recording, in the documented entity (as null).
    "revised_at",
];

fn completed() -> Value {
    let (purchase, _) = with_customer(opened(ONCE).0);
    let (_, events) = write(purchase, 3, |change| {
        change.pay(&card(TestCard::Succeeds), "1234-10001").unwrap();
    });
    serde_json::to_value(&events[3].data).unwrap()
}

#[test]
fn a_completed_transaction_has_every_recorded_key() {
    let data = completed();
    assert_eq!(keys(&data), RECORDED_TRANSACTION.into_iter().collect());
    assert_eq!(
        keys(&data["items"][0]),
        ["price", "price_id", "quantity", "proration"]
            .into_iter()
            .collect()
    );
    // Prices and products carry no import_meta in Paddle's webhooks.
    assert!(data["items"][0]["price"].get("import_meta").is_none());
    let details = &data["details"];
    assert!(
        details["line_items"][0]["product"]
            .get("import_meta")
            .is_none()
    );
    assert_eq!(
        keys(&details["line_items"][0]),
        [
            "id",
            "totals",
            "item_id",
            "product",
            "price_id",
            "quantity",
            "tax_rate",
            "proration",
            "unit_totals",
            "is_tax_exempt",
            "revised_tax_exempted"
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(
        keys(&details["totals"]),
        [
            "fee",
            "tax",
            "total",
            "credit",
            "balance",
            "discount",
            "earnings",
            "subtotal",
            "grand_total",
            "currency_code",
            "credit_to_balance",
            "grand_total_tax"
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(
        keys(&details["payout_totals"]),
        [
            "fee",
            "tax",
            "total",
            "credit",
            "balance",
            "discount",
            "earnings",
            "fee_rate",
            "subtotal",
            "grand_total",
            "currency_code",
            "exchange_rate",
            "credit_to_balance",
            "grand_total_tax"
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(details["payout_totals"]["fee_rate"], "0.05");
    assert_eq!(details["adjusted_payout_totals"], Value::Null);
    assert_eq!(details["adjusted_totals"]["retained_fee"], "0");
    let payment = &data["payments"][0];
    assert_eq!(
        keys(payment),
        [
            "amount",
            "status",
            "created_at",
            "error_code",
            "captured_at",
            "method_details",
            "payment_method_id",
            "payment_attempt_id",
            "stored_payment_method_id"
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(
        payment["method_details"],
        json!({"card": {"type": "visa", "last4": "4242", "expiry_year": 2030,
                        "expiry_month": 5, "cardholder_name": "Ada Lovelace"}, "type": "card"})
    );
    let attempt = payment["payment_attempt_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(attempt).is_ok() && attempt == attempt.to_lowercase());
    assert!(
        payment["payment_method_id"]
            .as_str()
            .unwrap()
            .starts_with("paymtd_")
    );
    assert!(data["invoice_id"].as_str().unwrap().starts_with("inv_"));
    assert!(
        details["line_items"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("txnitm_")
    );
    assert_eq!(data["origin"], "web");
    assert_eq!(data["collection_mode"], "automatic");
    let url = data["checkout"]["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!(
            "https://shop.example?_ptxn={}",
            data["id"].as_str().unwrap()
        )
    );
}

#[test]
fn transaction_keys_are_sorted_by_length_then_alphabetically_at_every_level() {
    let (purchase, events) = opened(ONCE);
    let text = serde_json::to_string(&events[0].data).unwrap();
    assert!(text.starts_with(r#"{"id":"txn_"#), "{text}");
    assert!(text.contains(r#"],"origin":"web","status":"draft","details":{"totals":{"fee":null,"tax":"0","total":"499","credit":"0","balance":"499","discount":"0","earnings":null,"subtotal":"499","grand_total":"499","currency_code":"USD","#), "{text}");
    assert!(
        text.ends_with(r#","collection_mode":"automatic","subscription_id":null}"#),
        "{text}"
    );
    // The same bytes from what was stored: the order is written, not kept.
    let stored = serde_json::to_string(&purchase.transaction).unwrap();
    let read: Transaction = serde_json::from_str(&stored).unwrap();
    assert_eq!(serde_json::to_string(&read).unwrap(), stored);
}

#[test]
fn customers_and_addresses_keep_their_entity_order() {
    let (_, events) = with_customer(opened(ONCE).0);
    let customer = serde_json::to_string(&events[0].data).unwrap();
    let recorded = [
        "id",
        "name",
        "email",
        "locale",
        "status",
        "created_at",
        "updated_at",
        "custom_data",
        "import_meta",
        "marketing_consent",
    ];
    let at: Vec<usize> = (recorded.iter())
        .map(|key| customer.find(&format!("\"{key}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{customer}");
    assert!(
        customer
            .contains(r#""name":null,"email":"buyer@example.com","locale":"en","status":"active""#)
    );
    let address = serde_json::to_value(&events[1].data).unwrap();
    assert_eq!(address["postal_code"], "10001");
    assert_eq!(address["country_code"], "US");
    assert_eq!(address["first_line"], Value::Null);
    assert_eq!(address["status"], "active");
    let text = serde_json::to_string(&events[1].data).unwrap();
    assert!(text.starts_with(r#"{"id":"add_"#) && text.contains(r#","customer_id":"ctm_"#));
}
