//! A checkout's webhooks, as a backend receives them: the nine events of a
//! purchase paid by card, signed, in `occurred_at` order, each carrying
//! Paddle's whole entity; a declined card; one-time and recurring prices.
//! Submodules: key shapes, seeded runs, restarts and exactly-once, refusals.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::checkout::{
    Checkouts, DECLINED_CARD, SUCCESS_CARD, Shop, card, items, new_york_customer,
};
use crate::helpers::previews::MONTHLY;
use crate::helpers::{Backend, Received, Receiver, TestApp, assert_timestamp, expect_data};
use crate::on_both_backends;
use crate::webhooks::{assert_prefixed_ulid, assert_signed, fast_retries};

mod changes;
mod exactly_once;
mod ordered;
mod outcomes;
mod refusals;
mod seeded;
mod shapes;

use ordered::{Ordered, assert_sorted_by_length};
use shapes::{ADDRESS, CUSTOMER, assert_transaction};

on_both_backends!(
    a_paid_checkout_sends_the_nine_webhooks_in_order,
    a_declined_card_leaves_it_ready_then_a_good_card_completes_it,
);

/// Every transaction, customer and address event a checkout sends.
pub(crate) const CHECKOUT_EVENTS: [&str; 10] = [
    "transaction.created",
    "transaction.updated",
    "transaction.ready",
    "transaction.paid",
    "transaction.completed",
    "transaction.payment_failed",
    "customer.created",
    "customer.updated",
    "address.created",
    "address.updated",
];

/// SPEC-30 §3's sequence for a checkout opened, given a customer, paid.
pub(crate) const PURCHASE: [(&str, &str); 9] = [
    ("transaction.created", "draft"),
    ("customer.created", ""),
    ("address.created", ""),
    ("transaction.updated", "ready"),
    ("transaction.ready", "ready"),
    ("transaction.updated", "paid"),
    ("transaction.paid", "paid"),
    ("transaction.updated", "completed"),
    ("transaction.completed", "completed"),
];

/// A server with a shop, and a receiver subscribed to every checkout event.
pub(crate) struct Bench {
    pub app: TestApp,
    pub shop: Shop,
    pub checkouts: Checkouts,
    pub receiver: Receiver,
    pub secret: String,
}

impl Bench {
    pub async fn new(backend: Backend, account: &str) -> Self {
        let app = TestApp::spawn_with(backend, fast_retries()).await;
        Self::on(app, account).await
    }

    /// A shop in `account` (its seed and clock set already, or not) on `app`.
    pub async fn on(app: TestApp, account: &str) -> Self {
        let shop = app.open_shop(account, "sandbox").await;
        let receiver = Receiver::start(&[]).await;
        let setting = app
            .make_setting(account, &receiver.url, &CHECKOUT_EVENTS)
            .await;
        let secret = setting["endpoint_secret_key"].as_str().unwrap().to_owned();
        let checkouts = app.checkouts();
        Self {
            app,
            shop,
            checkouts,
            receiver,
            secret,
        }
    }

    /// The next `n` webhooks, each signed, sorted by `occurred_at` (delivery
    /// order is not promised).
    pub async fn receive(&mut self, n: usize) -> Vec<Received> {
        let mut received = Vec::new();
        for _ in 0..n {
            let one = self.receiver.next().await;
            assert_signed(&one, &self.secret);
            received.push(one);
        }
        received.sort_by_key(|r| r.json()["occurred_at"].as_str().unwrap().to_owned());
        received
    }

    /// Asserts that no webhook comes for a while.
    pub async fn expect_no_more(&mut self) {
        self.receiver
            .expect_nothing_for(Duration::from_millis(400))
            .await;
    }
}

/// Asserts the envelope and `data` of each webhook: `expected` gives event
/// types and (for transactions) statuses, in `occurred_at` order, strictly
/// increasing; each entity's `updated_at` is its event's time.
pub(crate) fn assert_sequence(received: &[Received], expected: &[(&str, &str)]) {
    let bodies: Vec<Value> = received.iter().map(Received::json).collect();
    let types: Vec<_> = bodies.iter().map(|b| b["event_type"].clone()).collect();
    let wanted: Vec<_> = expected.iter().map(|(t, _)| json!(t)).collect();
    assert_eq!(types, wanted, "event types in occurred_at order");
    for pair in bodies.windows(2) {
        assert!(
            pair[0]["occurred_at"].as_str() < pair[1]["occurred_at"].as_str(),
            "occurred_at strictly increases: {} then {}",
            pair[0]["occurred_at"],
            pair[1]["occurred_at"]
        );
    }
    for ((received, body), (event_type, status)) in received.iter().zip(&bodies).zip(expected) {
        let ordered = Ordered::parse(&received.body);
        let mut envelope = ordered.keys();
        envelope.sort_unstable();
        let fields = [
            "data",
            "event_id",
            "event_type",
            "notification_id",
            "occurred_at",
        ];
        assert_eq!(envelope, fields);
        assert_prefixed_ulid(&body["event_id"], "evt_");
        assert_prefixed_ulid(&body["notification_id"], "ntf_");
        assert_timestamp(&body["occurred_at"]);
        let data = &body["data"];
        let (changed, at) = (data["updated_at"].as_str(), body["occurred_at"].as_str());
        match *event_type {
            // Named for the change a `transaction.updated` just showed: the
            // same data (as recorded, CASHIER-310).
            "transaction.ready" | "transaction.paid" | "transaction.completed" => {
                assert!(changed < at, "{event_type} after its change");
            }
            _ => assert_eq!(changed, at, "{event_type}: updated_at is the event's time"),
        }
        match event_type.split('.').next().unwrap() {
            "transaction" => {
                assert_sorted_by_length(ordered.get("data"), "data");
                assert_transaction(data, status);
            }
            "customer" => {
                assert_eq!(ordered.get("data").keys(), CUSTOMER);
                assert_customer(data);
            }
            _ => {
                assert_eq!(ordered.get("data").keys(), ADDRESS);
                assert_address(data);
            }
        }
    }
    for pair in bodies.windows(2) {
        if pair[0]["event_type"] == "transaction.updated"
            && pair[1]["event_type"] != "transaction.updated"
            && pair[1]["event_type"]
                .as_str()
                .unwrap()
                .starts_with("transaction.")
        {
            assert_eq!(
                pair[0]["data"], pair[1]["data"],
                "{}",
                pair[1]["event_type"]
            );
        }
    }
    let transaction_ids: Vec<_> = (bodies.iter())
        .filter(|b| {
            b["event_type"]
                .as_str()
                .unwrap()
                .starts_with("transaction.")
        })
        .map(|b| b["data"]["id"].clone())
        .collect();
    assert!(
        transaction_ids.windows(2).all(|w| w[0] == w[1]),
        "one transaction"
    );
}

fn assert_customer(data: &Value) {
    assert_prefixed_ulid(&data["id"], "ctm_");
    assert!(data["email"].as_str().unwrap().contains('@'));
    let fixed = json!({ "name": null, "locale": "en", "status": "active",
        "custom_data": null, "import_meta": null, "marketing_consent": false });
    for (key, value) in fixed.as_object().unwrap() {
        assert_eq!(&data[key], value, "customer.{key}");
    }
}

fn assert_address(data: &Value) {
    assert_prefixed_ulid(&data["id"], "add_");
    assert_prefixed_ulid(&data["customer_id"], "ctm_");
    assert!(data["country_code"].is_string());
    for key in ["description", "first_line", "second_line", "city", "region"] {
        assert_eq!(data[key], Value::Null, "address.{key}");
    }
    let fixed = [("custom_data", Value::Null), ("import_meta", Value::Null)];
    for (key, value) in fixed {
        assert_eq!(data[key], value, "address.{key}");
    }
    assert_eq!(data["status"], "active");
}

/// The checkout's id in a view.
pub(crate) fn id_of(view: &Value) -> String {
    view["id"].as_str().unwrap().to_owned()
}

async fn a_paid_checkout_sends_the_nine_webhooks_in_order(backend: Backend) {
    let mut bench = Bench::new(backend, "nine").await;
    let opened = bench
        .checkouts
        .open(&bench.shop, items(&[(MONTHLY, 1)]))
        .await;
    assert_prefixed_ulid(&opened["id"], "che_");
    assert_eq!(
        (&opened["state"], &opened["environment"]),
        (&json!("open"), &json!("sandbox"))
    );
    assert_eq!(
        opened["payment"],
        json!({ "status": "none", "error_code": null })
    );
    let id = id_of(&opened);
    let mut received = bench.receive(1).await;

    let response = bench.checkouts.set_customer(&id, new_york_customer()).await;
    expect_data(response, StatusCode::OK).await;
    received.extend(bench.receive(4).await);
    let paid = expect_data(
        bench.checkouts.pay(&id, card(SUCCESS_CARD)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paid["state"], "completed");
    assert_eq!(
        paid["payment"],
        json!({ "status": "captured", "error_code": null })
    );
    received.extend(bench.receive(4).await);
    assert_sequence(&received, &PURCHASE);
    bench.expect_no_more().await;

    let bodies: Vec<Value> = received.iter().map(Received::json).collect();
    let (customer, address) = (&bodies[1]["data"], &bodies[2]["data"]);
    let completed = &bodies[8]["data"];
    assert_eq!(completed["id"], opened["transaction_id"]);
    assert_eq!(completed["customer_id"], customer["id"]);
    assert_eq!(completed["address_id"], address["id"]);
    assert_eq!(address["customer_id"], customer["id"]);
    assert_eq!(customer["email"], "buyer@shop.test");
    let place = (&address["country_code"], &address["postal_code"]);
    assert_eq!(place, (&json!("US"), &json!("10001")));
    assert_eq!(bodies[0]["data"]["created_at"], bodies[0]["occurred_at"]);
    assert_eq!(customer["created_at"], bodies[1]["occurred_at"]);
    // $5.00 in New York at 8.875 %: the previews' arithmetic.
    let totals = &completed["details"]["totals"];
    let amounts = ["subtotal", "tax", "total", "fee", "earnings"].map(|k| totals[k].clone());
    assert_eq!(amounts, ["500", "44", "544", "77", "423"].map(Value::from));
    let payment = &completed["payments"][0];
    assert_eq!(payment["method_details"]["card"]["last4"], "4242");
    assert_eq!(
        payment["method_details"]["card"]["cardholder_name"],
        "Ada Buyer"
    );
    assert!(completed["billed_at"].as_str() >= payment["captured_at"].as_str());
    // The catalog's own entities, without import_meta.
    let catalog = bench.app.catalog("nine", "sandbox").await;
    let without_meta = |mut entity: Value| {
        entity.as_object_mut().unwrap().remove("import_meta");
        entity
    };
    let price = catalog["prices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == MONTHLY);
    assert_eq!(
        completed["items"][0]["price"],
        without_meta(price.unwrap().clone())
    );
    let product = without_meta(catalog["products"][0].clone());
    assert_eq!(completed["details"]["line_items"][0]["product"], product);
    // The admin view shows what the last webhook showed.
    let view = bench.checkouts.admin_view("nine", &id).await;
    assert_eq!(&view["transaction"], completed);
    assert_eq!((&view["customer"], &view["address"]), (customer, address));
}

async fn a_declined_card_leaves_it_ready_then_a_good_card_completes_it(backend: Backend) {
    let mut bench = Bench::new(backend, "declined").await;
    let mut data = items(&[(MONTHLY, 1)]);
    data["customer"] = new_york_customer();
    let id = id_of(&bench.checkouts.open(&bench.shop, data).await);
    // Opened with a customer: ready at once.
    let opened = bench.receive(5).await;
    assert_sequence(&opened, &PURCHASE[..5]);

    let declined = bench.checkouts.pay(&id, card(DECLINED_CARD)).await;
    let declined = expect_data(declined, StatusCode::OK).await;
    assert_eq!(declined["state"], "open");
    assert_eq!(
        declined["payment"],
        json!({ "status": "failed", "error_code": "declined" })
    );
    let failed = bench.receive(1).await;
    assert_sequence(&failed, &[("transaction.payment_failed", "ready")]);
    let failed = failed[0].json();
    let attempt = &failed["data"]["payments"][0];
    assert_eq!(
        (&attempt["status"], &attempt["error_code"]),
        (&json!("error"), &json!("declined"))
    );
    assert_eq!(attempt["captured_at"], Value::Null);
    assert_eq!(attempt["method_details"]["card"]["last4"], "0002");
    assert_eq!(failed["data"]["payments"].as_array().unwrap().len(), 1);
    assert!(failed["occurred_at"].as_str() > opened[4].json()["occurred_at"].as_str());
    bench.expect_no_more().await;

    // The same checkout, paid with a good card: the error attempt stays, after.
    let paid = expect_data(
        bench.checkouts.pay(&id, card(SUCCESS_CARD)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(paid["state"], "completed");
    let completed = bench.receive(4).await;
    assert_sequence(&completed, &PURCHASE[5..]);
    let last = completed[3].json();
    let payments = last["data"]["payments"].as_array().unwrap();
    let statuses: Vec<_> = payments.iter().map(|p| p["status"].clone()).collect();
    assert_eq!(statuses, ["captured", "error"], "newest first");
    assert_eq!(payments[1], *attempt);
    bench.expect_no_more().await;
}
