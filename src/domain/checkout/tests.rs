//! The checkout's contract, as unit tests: the events each write makes, in
//! order, with the statuses Paddle gives; the entities' shapes; the words
//! of each refusal.

mod entities;
mod paddle_js;
mod requests;

use serde_json::{Value, json};

use super::*;
use crate::domain::pricing::price;
use crate::domain::{CatalogPrice, Mint, Price, Product, Seed, TaxRates};

pub(super) const PRODUCT: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
pub(super) const ONCE: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyq";
pub(super) const YEN: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyj";

fn product() -> Product {
    serde_json::from_value(json!({
        "id": PRODUCT, "name": "Solo", "description": null, "type": "standard",
        "tax_category": "saas", "image_url": null, "custom_data": null, "status": "active",
        "import_meta": null, "created_at": "2026-08-12T21:45:05.442000Z",
        "updated_at": "2026-08-12T21:45:05.442000Z"
    }))
    .unwrap()
}

/// A one-time $4.99 price (¥798 for `YEN`), tax added where the customer is.
pub(super) fn catalog_price(id: &str) -> CatalogPrice {
    let (amount, currency) = match id {
        YEN => ("798", "JPY"),
        _ => ("499", "USD"),
    };
    let price = json!({
        "id": id, "description": "Once", "type": "standard", "name": "Lifetime",
        "product_id": PRODUCT, "billing_cycle": null, "trial_period": null,
        "tax_mode": "location", "unit_price": { "amount": amount, "currency_code": currency },
        "unit_price_overrides": [], "custom_data": null,
        "quantity": { "minimum": 1, "maximum": 10 }, "status": "active",
        "created_at": "2026-08-12T21:45:05.730177Z", "updated_at": "2026-08-12T21:45:05.730178Z",
        "import_meta": null
    });
    CatalogPrice {
        price: serde_json::from_value::<Price>(price).unwrap(),
        product: product(),
    }
}

pub(super) fn rates() -> TaxRates {
    serde_json::from_value(json!({ "US": "0.08875", "GB": "0.2", "JP": "0.1" })).unwrap()
}

pub(super) fn owner() -> Owner {
    Owner {
        account: "shop".to_owned(),
        environment: Environment::Sandbox,
    }
}

/// The `draw`th write of a seeded account whose clock stands at `at`.
pub(super) fn mint(draw: u64, at: &str) -> Mint {
    let seed = Seed::stored("checkout-tests".to_owned());
    Mint::seeded(Timestamp::parse(at).unwrap(), &seed, "shop", draw)
}

pub(super) const FROZEN: &str = "2026-08-13T10:00:00.000000Z";

pub(super) fn us_buyer() -> CustomerDetails {
    CustomerDetails {
        email: "buyer@example.com".to_owned(),
        country_code: crate::domain::CountryCode::parse("US").unwrap(),
        postal_code: Some("10001".to_owned()),
    }
}

pub(super) fn card(test: TestCard) -> CardDetails {
    CardDetails {
        card: test,
        expiry_month: 5,
        expiry_year: 2030,
        cardholder_name: "Ada Lovelace".to_owned(),
    }
}

/// A checkout of one `price_id` opened (and written) on a frozen clock.
pub(super) fn opened(price_id: &str) -> (Purchase, Vec<crate::domain::Event>) {
    let prices = [catalog_price(price_id)];
    let items = [CheckoutItem {
        price_id: prices[0].price.id.clone(),
        quantity: 1,
    }];
    let cart = preview_request(&items, None);
    let priced = price(&cart, &prices, &rates()).unwrap();
    let mint = mint(1, FROZEN);
    let mut change = open_cart(
        &owner(),
        &priced,
        &CheckoutSettings::default(),
        None,
        Some("https://shop.example"),
        &mint,
    );
    change.js_event("checkout.loaded", None, false);
    change.finish()
}

/// The next write to `purchase`, on the same frozen clock.
pub(super) fn write(
    purchase: Purchase,
    draw: u64,
    judge: impl FnOnce(&mut Change<'_>),
) -> (Purchase, Vec<crate::domain::Event>) {
    let mint = mint(draw, FROZEN);
    let mut change = Change::new(purchase, &mint);
    change.require_open().unwrap();
    judge(&mut change);
    change.finish()
}

pub(super) fn with_customer(purchase: Purchase) -> (Purchase, Vec<crate::domain::Event>) {
    write(purchase, 2, |change| {
        assert!(change.set_customer(&us_buyer(), &rates()).unwrap());
        change.js_event("checkout.customer.created", None, false);
    })
}

/// Each event's type and its transaction's status (`-` for other entities).
fn story(events: &[crate::domain::Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|event| {
            let data = serde_json::to_value(&event.data).unwrap();
            let status = match &event.data {
                crate::domain::EventData::Transaction(_) => data["status"].as_str().unwrap(),
                _ => "-",
            };
            (event.event_type.as_str().to_owned(), status.to_owned())
        })
        .collect()
}

fn names(purchase: &Purchase) -> Vec<&str> {
    purchase
        .checkout
        .events
        .iter()
        .map(|e| e.name.as_str())
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// `occurred_at` strictly increases across `writes`, even on a frozen clock.
fn assert_increasing(writes: &[&[crate::domain::Event]]) {
    let times: Vec<Timestamp> = writes
        .iter()
        .flat_map(|w| w.iter())
        .map(|e| e.occurred_at)
        .collect();
    assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
}

#[test]
fn a_purchase_paid_by_card_goes_draft_ready_paid_completed_in_paddles_order() {
    let (purchase, opening) = opened(ONCE);
    assert_eq!(story(&opening), pairs(&[("transaction.created", "draft")]));
    let (purchase, customer) = with_customer(purchase);
    assert_eq!(
        story(&customer),
        pairs(&[
            ("customer.created", "-"),
            ("address.created", "-"),
            ("transaction.updated", "ready"),
            ("transaction.ready", "ready"),
        ])
    );
    let (purchase, paid) = write(purchase, 3, |change| {
        change.pay(&card(TestCard::Succeeds), "1234-10001").unwrap();
    });
    assert_eq!(
        story(&paid),
        pairs(&[
            ("transaction.updated", "paid"),
            ("transaction.paid", "paid"),
            ("transaction.updated", "completed"),
            ("transaction.completed", "completed"),
        ])
    );
    assert_increasing(&[&opening, &customer, &paid]);
    assert_eq!(purchase.checkout.state, CheckoutState::Completed);
    assert_eq!(purchase.checkout.payment.status, PaymentStatus::Captured);
    assert_eq!(purchase.checkout.revision, 3);
    assert_eq!(
        names(&purchase),
        [
            "checkout.loaded",
            "checkout.customer.created",
            "checkout.payment.selected",
            "checkout.payment.initiated",
            "checkout.completed"
        ]
    );
    // Each entity's updated_at is the time of the event that shows it.
    let completed = serde_json::to_value(&paid[3].data).unwrap();
    assert_eq!(completed["updated_at"], json!(paid[2].occurred_at));
    assert_eq!(completed["billed_at"], json!(paid[0].occurred_at));
    // 4.99 + 8.875% tax: 44; fee 5% of 543 + 50 = 77; earnings 499 - 77.
    let totals = &completed["details"]["totals"];
    assert_eq!(
        (
            &totals["total"],
            &totals["fee"],
            &totals["earnings"],
            &totals["balance"]
        ),
        (&json!("543"), &json!("77"), &json!("422"), &json!("0"))
    );
    assert_eq!(completed["invoice_number"], "1234-10001");
    assert_eq!(completed["payments"][0]["status"], "captured");
    // Paddle.js: completed, balance 0, totals in major units.
    let last = purchase.checkout.events.last().unwrap().data.get();
    assert!(last.contains(r#""status":"completed""#), "{last}");
    assert!(
        last.contains(r#""totals":{"subtotal":4.99,"tax":0.44,"total":5.43,"discount":0,"credit":0,"balance":0}"#),
        "{last}"
    );
}

#[test]
fn a_declined_card_leaves_the_transaction_ready_with_a_failed_attempt() {
    let (purchase, _) = with_customer(opened(ONCE).0);
    let (purchase, events) = write(purchase, 3, |change| {
        change.pay(&card(TestCard::Declined), "1234-10001").unwrap();
    });
    assert_eq!(
        story(&events),
        pairs(&[("transaction.payment_failed", "ready")])
    );
    let data = serde_json::to_value(&events[0].data).unwrap();
    assert_eq!(data["payments"][0]["status"], "error");
    assert_eq!(data["payments"][0]["error_code"], "declined");
    assert_eq!(data["payments"][0]["captured_at"], Value::Null);
    assert_eq!(data["billed_at"], Value::Null);
    assert_eq!(purchase.checkout.state, CheckoutState::Open);
    assert_eq!(purchase.checkout.payment.status, PaymentStatus::Failed);
    assert_eq!(
        names(&purchase)[2..],
        [
            "checkout.payment.selected",
            "checkout.payment.initiated",
            "checkout.payment.failed"
        ]
    );
    // A second attempt is allowed, and lists newest first.
    let (_, events) = write(purchase, 4, |change| {
        change.pay(&card(TestCard::Succeeds), "1234-10001").unwrap();
    });
    let data = serde_json::to_value(&events[3].data).unwrap();
    assert_eq!(data["payments"][0]["status"], "captured");
    assert_eq!(data["payments"][1]["status"], "error");
}

#[test]
fn three_d_secure_waits_for_its_step_then_completes_or_fails() {
    let (purchase, _) = with_customer(opened(ONCE).0);
    let (purchase, events) = write(purchase, 3, |change| {
        change
            .pay(&card(TestCard::ThreeDSecure), "1234-10001")
            .unwrap();
    });
    assert!(events.is_empty());
    assert_eq!(
        purchase.checkout.payment.status,
        PaymentStatus::ActionRequired
    );
    assert_eq!(names(&purchase).len(), 4);

    let (refused, events) = write(purchase.clone(), 4, |change| {
        change.authenticate(false, "1234-10001").unwrap();
    });
    assert_eq!(
        story(&events),
        pairs(&[("transaction.payment_failed", "ready")])
    );
    let data = serde_json::to_value(&events[0].data).unwrap();
    assert_eq!(data["payments"][0]["error_code"], "authentication_failed");
    assert_eq!(names(&refused).last(), Some(&"checkout.payment.failed"));

    let (accepted, events) = write(purchase, 4, |change| {
        change.authenticate(true, "1234-10001").unwrap();
    });
    assert_eq!(story(&events).len(), 4);
    assert_eq!(accepted.checkout.state, CheckoutState::Completed);
    assert_eq!(names(&accepted).last(), Some(&"checkout.completed"));
    // Nothing is waiting any more.
    let mint = mint(5, FROZEN);
    let change = Change::new(refused, &mint);
    let mut change = change;
    assert_eq!(
        change.authenticate(true, "1234-10001"),
        Err(CheckoutRefusal::NothingToAuthenticate)
    );
}

#[test]
fn a_completed_checkout_refuses_every_write_and_payment_needs_a_customer() {
    let (purchase, _) = opened(ONCE);
    let mint = mint(2, FROZEN);
    let mut change = Change::new(purchase, &mint);
    assert_eq!(
        change.pay(&card(TestCard::Succeeds), "1234-10001"),
        Err(CheckoutRefusal::CustomerFirst)
    );
    let (purchase, _) = with_customer(opened(ONCE).0);
    let (purchase, _) = write(purchase, 3, |change| {
        change.pay(&card(TestCard::Succeeds), "1234-10001").unwrap();
    });
    let mint = super::tests::mint(4, FROZEN);
    let change = Change::new(purchase, &mint);
    assert_eq!(
        change.require_open(),
        Err(CheckoutRefusal::NotOpen(CheckoutState::Completed))
    );
}

#[test]
fn a_changed_customer_updates_only_what_changed() {
    let (purchase, _) = with_customer(opened(ONCE).0);
    let mut moved = us_buyer();
    moved.country_code = crate::domain::CountryCode::parse("GB").unwrap();
    moved.postal_code = Some("SW1A 1AA".to_owned());
    let (purchase, events) = write(purchase, 3, |change| {
        assert!(!change.set_customer(&moved, &rates()).unwrap());
    });
    assert_eq!(
        story(&events),
        pairs(&[("address.updated", "-"), ("transaction.updated", "ready")])
    );
    // Priced again where the customer now is: a $4.99 price in the UK
    // includes its 20% VAT.
    let data = serde_json::to_value(&events[1].data).unwrap();
    assert_eq!(data["details"]["totals"]["tax"], "83");
    assert_eq!(data["details"]["totals"]["total"], "499");
    let (_, events) = write(purchase, 4, |change| {
        change.set_customer(&moved, &rates()).unwrap();
    });
    assert!(events.is_empty());
}

#[test]
fn zero_decimal_currencies_are_whole_numbers_in_paddle_js_events() {
    let (purchase, _) = opened(YEN);
    let loaded = purchase.checkout.events[0].data.get();
    assert!(
        loaded.contains(
            r#""totals":{"subtotal":798,"tax":0,"total":798,"discount":0,"credit":0,"balance":798}"#
        ),
        "{loaded}"
    );
    assert!(
        loaded.contains(r#""customer":{"id":null,"email":null,"address":null,"business":null}"#)
    );
    assert!(loaded.contains(r#""payment":{"method_details":{"type":"none"}}"#));
    for (units, currency, text) in [
        (499, crate::domain::CurrencyCode::Usd, "4.99"),
        (500, crate::domain::CurrencyCode::Usd, "5"),
        (450, crate::domain::CurrencyCode::Usd, "4.5"),
        (7, crate::domain::CurrencyCode::Usd, "0.07"),
        (0, crate::domain::CurrencyCode::Usd, "0"),
        (-40, crate::domain::CurrencyCode::Usd, "-0.4"),
        (798, crate::domain::CurrencyCode::Jpy, "798"),
    ] {
        assert_eq!(Major::new(units, currency).text(), text);
    }
}

#[test]
fn invoice_numbers_are_per_account_from_10001() {
    let first = invoice_number("shop", 0);
    let (prefix, sequence) = first.split_once('-').unwrap();
    assert_eq!(sequence, "10001");
    assert!((1000..10000).contains(&prefix.parse::<u32>().unwrap()));
    assert_eq!(invoice_number("shop", 7), format!("{prefix}-10008"));
    assert_eq!(fee_of(1500), 125);
    assert_eq!(fee_of(0), 0);
}

fn fee_of(total: i128) -> i128 {
    super::transaction::fee(total)
}

#[test]
fn a_seeded_account_makes_the_same_purchase_twice() {
    let run = || {
        let (purchase, a) = opened(ONCE);
        let (purchase, b) = with_customer(purchase);
        let (purchase, c) = write(purchase, 3, |change| {
            change.pay(&card(TestCard::Succeeds), "1234-10001").unwrap();
        });
        let events: Vec<_> = [a, b, c].concat();
        (
            serde_json::to_string(&events).unwrap(),
            serde_json::to_string(&CheckoutView::new(purchase)).unwrap(),
        )
    };
    assert_eq!(run(), run());
}
