//! The shapes a checkout's webhooks must have: every key of Paddle's
//! recorded entities (the recorded 2025 `transaction.completed`, the 2024
//! `customer.created`, SPEC-30 §2) and the values SPEC-30 fixes.

use serde_json::Value;

/// A customer's keys in Paddle's order (recorded-wire.md §4.1).
pub const CUSTOMER: [&str; 10] = [
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

/// An address's keys in Paddle's entity order (SPEC-30 §2).
pub const ADDRESS: [&str; 14] = [
    "id",
    "customer_id",
    "description",
    "first_line",
    "second_line",
    "city",
    "postal_code",
    "region",
    "country_code",
    "custom_data",
    "status",
    "created_at",
    "updated_at",
    "import_meta",
];

/// A transaction's keys: the recorded 2025 body's, plus `revised_at`.
pub const TRANSACTION: [&str; 24] = [
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
    "revised_at",
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
];

const ITEM: [&str; 4] = ["price", "price_id", "quantity", "proration"];
const DETAILS: [&str; 6] = [
    "totals",
    "line_items",
    "payout_totals",
    "tax_rates_used",
    "adjusted_totals",
    "adjusted_payout_totals",
];
const TOTALS: [&str; 12] = [
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
    "grand_total_tax",
    "credit_to_balance",
];
const ADJUSTED_TOTALS: [&str; 9] = [
    "fee",
    "tax",
    "total",
    "earnings",
    "subtotal",
    "grand_total",
    "retained_fee",
    "currency_code",
    "grand_total_tax",
];
const LINE_TOTALS: [&str; 4] = ["tax", "total", "discount", "subtotal"];
const LINE_ITEM: [&str; 11] = [
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
    "revised_tax_exempted",
];
const PAYMENT: [&str; 9] = [
    "amount",
    "status",
    "created_at",
    "error_code",
    "captured_at",
    "method_details",
    "payment_method_id",
    "payment_attempt_id",
    "stored_payment_method_id",
];
const CARD: [&str; 5] = [
    "type",
    "last4",
    "expiry_year",
    "expiry_month",
    "cardholder_name",
];

/// Asserts that `value` is an object with exactly `keys` (in any order).
pub fn assert_keys(value: &Value, keys: &[&str], path: &str) {
    let object = value
        .as_object()
        .unwrap_or_else(|| panic!("{path} is an object: {value}"));
    let mut found: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut expected = keys.to_vec();
    found.sort_unstable();
    expected.sort_unstable();
    assert_eq!(found, expected, "{path}'s keys");
}

/// Every key Paddle's transaction entity has, at every depth, and the
/// values SPEC-30 §2 fixes for a checkout's transaction in `status`.
pub fn assert_transaction(data: &Value, status: &str) {
    assert_keys(data, &TRANSACTION, "data");
    assert_eq!(data["status"], status);
    for (key, value) in [
        ("origin", "web"),
        ("collection_mode", "automatic"),
        ("currency_code", "USD"),
    ] {
        assert_eq!(data[key], value, "{key}");
    }
    for key in [
        "revised_at",
        "business_id",
        "discount_id",
        "receipt_data",
        "billing_period",
        "billing_details",
        "subscription_id",
    ] {
        assert_eq!(data[key], Value::Null, "{key}");
    }
    let id = data["id"].as_str().unwrap();
    let url = format!("{}?_ptxn={id}", crate::helpers::checkout::SHOP_ORIGIN);
    assert_eq!(data["checkout"], serde_json::json!({ "url": url }));
    for item in data["items"].as_array().unwrap() {
        assert_keys(item, &ITEM, "items[]");
        assert_eq!(item["proration"], Value::Null);
        assert_eq!(item["price_id"], item["price"]["id"]);
        assert!(item["price"].get("import_meta").is_none(), "no import_meta");
    }
    let details = &data["details"];
    assert_keys(details, &DETAILS, "details");
    assert_keys(&details["totals"], &TOTALS, "details.totals");
    assert_keys(
        &details["adjusted_totals"],
        &ADJUSTED_TOTALS,
        "details.adjusted_totals",
    );
    let totals = &details["totals"];
    assert_eq!(
        (&totals["credit"], &totals["credit_to_balance"]),
        (&"0".into(), &"0".into())
    );
    assert_eq!(details["adjusted_totals"]["retained_fee"], "0");
    assert_eq!(details["adjusted_payout_totals"], Value::Null);
    for rate in details["tax_rates_used"].as_array().unwrap() {
        assert_keys(rate, &["tax_rate", "totals"], "tax_rates_used[]");
        assert_keys(&rate["totals"], &LINE_TOTALS, "tax_rates_used[].totals");
    }
    for line in details["line_items"].as_array().unwrap() {
        assert_keys(line, &LINE_ITEM, "line_items[]");
        assert_keys(&line["totals"], &LINE_TOTALS, "line_items[].totals");
        assert_keys(
            &line["unit_totals"],
            &LINE_TOTALS,
            "line_items[].unit_totals",
        );
        assert_eq!(
            (&line["item_id"], &line["proration"]),
            (&Value::Null, &Value::Null)
        );
        assert_eq!(line["is_tax_exempt"], false);
        assert_eq!(line["revised_tax_exempted"], false);
        assert!(
            line["product"].get("import_meta").is_none(),
            "no import_meta"
        );
        crate::webhooks::assert_prefixed_ulid(&line["id"], "txnitm_");
    }
    for payment in data["payments"].as_array().unwrap() {
        assert_keys(payment, &PAYMENT, "payments[]");
        assert_keys(
            &payment["method_details"],
            &["card", "type"],
            "method_details",
        );
        assert_eq!(payment["method_details"]["type"], "card");
        let card = &payment["method_details"]["card"];
        assert_keys(card, &CARD, "method_details.card");
        assert_eq!(card["type"], "visa");
        assert!(card["expiry_year"].is_u64() && card["expiry_month"].is_u64());
        crate::webhooks::assert_prefixed_ulid(&payment["payment_method_id"], "paymtd_");
        for key in ["payment_attempt_id", "stored_payment_method_id"] {
            let uuid = payment[key].as_str().unwrap();
            let parsed = uuid::Uuid::parse_str(uuid).unwrap();
            assert_eq!(parsed.get_version_num(), 4, "{key} is a UUID v4");
            assert_eq!(
                uuid,
                parsed.hyphenated().to_string(),
                "lower-case, hyphenated"
            );
        }
    }
    assert_status_values(data, status);
}

/// What SPEC-30 §2 says differs between draft/ready, paid and completed.
fn assert_status_values(data: &Value, status: &str) {
    let details = &data["details"];
    let totals = &details["totals"];
    let adjusted = &details["adjusted_totals"];
    let done = status == "completed";
    let billed = matches!(status, "paid" | "completed");
    assert_eq!(data["billed_at"].is_null(), !billed, "billed_at");
    assert_eq!(data["invoice_id"].is_null(), !done, "invoice_id");
    assert_eq!(data["invoice_number"].is_null(), !done, "invoice_number");
    assert_eq!(details["payout_totals"].is_null(), !done, "payout_totals");
    assert_eq!(
        (data["customer_id"].is_null(), data["address_id"].is_null()),
        (status == "draft", status == "draft")
    );
    let balance = if billed {
        "0"
    } else {
        totals["total"].as_str().unwrap()
    };
    assert_eq!(totals["balance"], balance);
    if done {
        let total: u64 = totals["total"].as_str().unwrap().parse().unwrap();
        let subtotal: u64 = totals["subtotal"].as_str().unwrap().parse().unwrap();
        let fee = total * 5 / 100 + 50;
        assert_eq!(totals["fee"], fee.to_string(), "5 % + 50, truncated");
        assert_eq!(totals["earnings"], (subtotal - fee).to_string());
        assert_eq!(
            (&adjusted["fee"], &adjusted["earnings"]),
            (&totals["fee"], &totals["earnings"])
        );
        let payout = &details["payout_totals"];
        let mut keys = TOTALS.to_vec();
        keys.extend(["fee_rate", "exchange_rate"]);
        assert_keys(payout, &keys, "details.payout_totals");
        assert_eq!(
            (&payout["fee_rate"], &payout["exchange_rate"]),
            (&"0.05".into(), &"1".into())
        );
        for key in TOTALS {
            assert_eq!(payout[key], totals[key], "payout_totals.{key}");
        }
        crate::webhooks::assert_prefixed_ulid(&data["invoice_id"], "inv_");
        let number = data["invoice_number"].as_str().unwrap();
        let (n, seq) = number.split_once('-').unwrap();
        assert!(
            n.parse::<u32>().is_ok() && seq.parse::<u32>().unwrap() >= 10001,
            "{number}"
        );
    } else {
        assert_eq!(
            (&totals["fee"], &totals["earnings"]),
            (&Value::Null, &Value::Null)
        );
        assert_eq!(
            (&adjusted["fee"], &adjusted["earnings"]),
            (&"0".into(), &"0".into())
        );
    }
    if billed {
        let payment = &data["payments"][0];
        assert_eq!(payment["status"], "captured");
        assert_eq!(payment["error_code"], Value::Null);
        assert_eq!(payment["amount"], totals["total"]);
        assert!(payment["captured_at"].is_string());
    }
}
