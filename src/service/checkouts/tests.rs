//! The checkout service on both databases: a whole purchase through the
//! service, completed exactly once under racing writes, every refusal
//! changing nothing, and strictly increasing event times on a frozen clock.

use std::sync::Arc;

use serde_json::{Value, json};

use super::Checkouts;
use crate::domain::checkout::{
    CardDetails, CheckoutItem, CheckoutSettings, CheckoutState, CheckoutTarget, CheckoutView,
    CustomerDetails, OpenCheckout, Outcome, PaymentStatus, TestCard,
};
use crate::domain::{
    Catalog, ClockChange, CountryCode, Environment, Owner, PriceId, Timestamp, TransactionId,
};
use crate::error::Error;
use crate::service::Mints;
use crate::store::scratch::Scratch;
use crate::store::{Access, PostgresStore, SqliteStore, Store};

const PRODUCT: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
const PRICE: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyq";

fn owner() -> Owner {
    Owner {
        account: "shop".to_owned(),
        environment: Environment::Sandbox,
    }
}

async fn service(store: Arc<dyn Store>) -> Checkouts {
    store
        .ensure_account("shop", Timestamp::now())
        .await
        .unwrap();
    let catalog: Catalog = serde_json::from_value(json!({
        "products": [{
            "id": PRODUCT, "name": "Solo", "description": null, "type": "standard",
            "tax_category": "saas", "image_url": null, "custom_data": null, "status": "active",
            "import_meta": null, "created_at": "2026-08-12T21:45:05.442000Z",
            "updated_at": "2026-08-12T21:45:05.442000Z"
        }],
        "prices": [{
            "id": PRICE, "description": "Once", "type": "standard", "name": "Lifetime",
            "product_id": PRODUCT, "billing_cycle": null, "trial_period": null,
            "tax_mode": "location", "unit_price": { "amount": "499", "currency_code": "USD" },
            "unit_price_overrides": [], "custom_data": null,
            "quantity": { "minimum": 1, "maximum": 10 }, "status": "active",
            "created_at": "2026-08-12T21:45:05.730177Z",
            "updated_at": "2026-08-12T21:45:05.730178Z", "import_meta": null
        }]
    }))
    .unwrap();
    store.insert_catalog(&owner(), &catalog).await.unwrap();
    let rates = serde_json::from_value(json!({ "US": "0.08875" })).unwrap();
    assert!(store.set_tax_rates("shop", &rates).await.unwrap());
    let mints = Arc::new(Mints::new(store.clone(), None));
    // A frozen clock: every write's events still come after the last.
    let at = Timestamp::parse("2026-08-13T10:00:00.000000Z").unwrap();
    let frozen = ClockChange::Set {
        at: Some(at),
        frozen: true,
    };
    // Seeded: every write draws the account's next number.
    let seed = crate::domain::Seed::stored("checkout-service".to_owned());
    mints.set_seed("shop", Some(&seed)).await.unwrap();
    mints.change_clock("shop", frozen).await.unwrap();
    Checkouts::new(store, mints)
}

fn cart(quantity: i64) -> OpenCheckout {
    OpenCheckout {
        target: CheckoutTarget::Items(vec![CheckoutItem {
            price_id: PriceId::parse(PRICE).unwrap(),
            quantity,
        }]),
        customer: None,
        custom_data: None,
        discount_id: None,
        settings: CheckoutSettings::default(),
    }
}

fn buyer() -> CustomerDetails {
    CustomerDetails {
        email: "buyer@example.com".to_owned(),
        country_code: CountryCode::parse("US").unwrap(),
        postal_code: Some("10001".to_owned()),
    }
}

fn card(test: TestCard) -> CardDetails {
    CardDetails::test(
        test,
        Timestamp::parse("2026-08-13T10:00:00.000000Z").unwrap(),
    )
}

/// The account's webhook events: (type, occurred_at).
async fn events(store: &dyn Store) -> Vec<(String, Timestamp)> {
    (store.events("shop").await.unwrap().into_iter())
        .map(|event| (event.event_type.as_str().to_owned(), event.occurred_at))
        .collect()
}

async fn scenario(store: Arc<dyn Store>) {
    let checkouts = service(store.clone()).await;

    // Refusals write nothing.
    let mut unknown = cart(1);
    unknown.target = CheckoutTarget::Items(vec![CheckoutItem {
        price_id: PriceId::parse("pri_01kzvyz9e21z9vbhd7xqq3csy9").unwrap(),
        quantity: 1,
    }]);
    let refused = [
        checkouts.open(&owner(), unknown, None).await,
        checkouts.open(&owner(), cart(11), None).await,
        checkouts
            .open(
                &owner(),
                OpenCheckout {
                    discount_id: Some("dsc_01kzvyz9e21z9vbhd7xqq3csy9".to_owned()),
                    ..cart(1)
                },
                None,
            )
            .await,
        checkouts
            .open(
                &owner(),
                OpenCheckout {
                    target: CheckoutTarget::Transaction(
                        TransactionId::parse("txn_01kzvyz9e21z9vbhd7xqq3csy9").unwrap(),
                    ),
                    ..cart(1)
                },
                None,
            )
            .await,
    ];
    let codes: Vec<String> = refused
        .into_iter()
        .map(|result| format!("{:?}", result.unwrap_err()))
        .map(|debug| debug.split(['(', ' ', '{']).next().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes,
        [
            "TransactionPriceNotFound",
            "TransactionItemQuantityOutOfRange",
            "TransactionDiscountNotFound",
            "NotFound"
        ]
    );
    assert!(events(&*store).await.is_empty());
    assert!(checkouts.list("shop").await.unwrap().is_empty());

    // Open, refuse to pay before the customer, add the customer.
    let view = checkouts
        .open(&owner(), cart(1), Some("https://shop.example"))
        .await
        .unwrap();
    let id = view.id().clone();
    let draws = || async { store.account("shop").await.unwrap().unwrap().draws };
    let before = draws().await;
    let early = checkouts
        .pay(&id, card(TestCard::Succeeds))
        .await
        .unwrap_err();
    assert!(matches!(early, Error::InvalidField(ref e) if e[0].field == "customer"));
    checkouts.set_customer(&id, buyer()).await.unwrap();
    assert_eq!(draws().await, before + 1, "a refusal draws nothing");
    let expired = CardDetails {
        expiry_year: 2026,
        expiry_month: 7,
        ..card(TestCard::Succeeds)
    };
    let expired = checkouts.pay(&id, expired).await.unwrap_err();
    assert!(matches!(expired, Error::InvalidField(ref e) if e[0].field == "expiry_year"));
    assert_eq!(draws().await, before + 1);

    // Two pays race: exactly one completes the checkout.
    let (first, second) = tokio::join!(
        checkouts.pay(&id, card(TestCard::Succeeds)),
        checkouts.pay(&id, card(TestCard::Succeeds))
    );
    let (won, lost) = match (first, second) {
        (Ok(view), Err(error)) | (Err(error), Ok(view)) => (view, error),
        other => panic!("one pay must win: {other:?}"),
    };
    assert_eq!(won.state(), CheckoutState::Completed);
    assert_eq!(won.payment_status(), PaymentStatus::Captured);
    assert!(
        matches!(&lost, Error::CheckoutNotOpen { id: lost_id, state } if *lost_id == id.to_string() && state == "completed"),
        "{lost:?}"
    );
    let written = events(&*store).await;
    let types: Vec<&str> = written.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "transaction.created",
            "customer.created",
            "address.created",
            "transaction.updated",
            "transaction.ready",
            "transaction.updated",
            "transaction.paid",
            "transaction.updated",
            "transaction.completed"
        ]
    );
    let mut times: Vec<Timestamp> = written.iter().map(|(_, at)| *at).collect();
    let sorted = times.clone();
    times.dedup();
    assert_eq!(times, sorted, "strictly increasing on a frozen clock");
    assert!(sorted.windows(2).all(|w| w[0] < w[1]));
    // Every later write is refused, and the page reads it as it is.
    for refused in [
        checkouts.set_customer(&id, buyer()).await,
        checkouts.authenticate(&id, true).await,
        checkouts
            .complete(&id, Outcome::Paid { customer: None })
            .await,
    ] {
        assert!(matches!(refused, Err(Error::CheckoutNotOpen { .. })));
    }
    assert_eq!(
        checkouts.close(&id).await.unwrap().state(),
        CheckoutState::Completed
    );
    let page: Value = serde_json::to_value(checkouts.get(&id).await.unwrap()).unwrap();
    assert_eq!(page["state"], "completed");
    assert_eq!(page["checkout"]["status"], "completed");
    assert_eq!(page["display"]["formatted_totals"]["total"], "$5.43");
    let names: Vec<&str> = (page["events"].as_array().unwrap().iter())
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "checkout.loaded",
            "checkout.customer.created",
            "checkout.payment.selected",
            "checkout.payment.initiated",
            "checkout.completed"
        ]
    );
    let after: Value =
        serde_json::to_value(checkouts.get(&id).await.unwrap().events_after(4)).unwrap();
    assert_eq!(after["events"].as_array().unwrap().len(), 1);

    // Its transaction can't be checked out again.
    let again = OpenCheckout {
        target: CheckoutTarget::Transaction(won.purchase.transaction.id.clone()),
        ..cart(1)
    };
    let immutable = checkouts.open(&owner(), again, None).await.unwrap_err();
    assert!(matches!(immutable, Error::TransactionImmutable(_)));

    // The admin completion: a default customer, then the declined card.
    let other = checkouts.open(&owner(), cart(2), None).await.unwrap();
    let declined = checkouts
        .complete(other.id(), Outcome::Declined { customer: None })
        .await
        .unwrap();
    assert_eq!(declined.state(), CheckoutState::Open);
    assert_eq!(declined.payment_status(), PaymentStatus::Failed);
    let admin: Value = serde_json::to_value(declined.admin()).unwrap();
    assert_eq!(admin["customer"]["email"], "buyer@example.com");
    assert_eq!(admin["address"]["postal_code"], "10001");
    assert_eq!(admin["transaction"]["status"], "ready");
    // Reopened by its transaction id, with new custom data.
    let reopen = OpenCheckout {
        target: CheckoutTarget::Transaction(declined.purchase.transaction.id.clone()),
        custom_data: Some(json!({"user": "42"}).as_object().unwrap().clone()),
        ..cart(1)
    };
    let reopened = checkouts.open(&owner(), reopen, None).await.unwrap();
    assert_ne!(reopened.id(), other.id());
    assert_eq!(
        reopened.purchase.transaction.custom_data.as_ref().unwrap()["user"],
        "42"
    );
    let paid = checkouts
        .complete(reopened.id(), Outcome::Paid { customer: None })
        .await
        .unwrap();
    assert_eq!(
        paid.purchase
            .transaction
            .invoice_number
            .as_deref()
            .map(|n| &n[n.len() - 5..]),
        Some("10002")
    );
    // The first checkout of that transaction can no longer pay it.
    let stale = checkouts
        .pay(other.id(), card(TestCard::Succeeds))
        .await
        .unwrap_err();
    assert!(matches!(stale, Error::TransactionImmutable(_)), "{stale:?}");

    // Listed newest last, both environments; unknown accounts are 404.
    let listed: Vec<String> = (checkouts.list("shop").await.unwrap().iter())
        .map(|view: &CheckoutView| view.id().to_string())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!((listed.len(), &listed), (3, &sorted));
    assert!(matches!(
        checkouts.list("nobody").await,
        Err(Error::NotFound(_))
    ));
    let times: Vec<Timestamp> = events(&*store).await.iter().map(|(_, at)| *at).collect();
    let mut ordered = times.clone();
    ordered.sort();
    assert_eq!(times.len(), ordered.len());
}

#[tokio::test]
async fn a_checkout_through_the_service_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("paddock.sqlite3");
    let store = SqliteStore::open_file(&path, Access::Command)
        .await
        .unwrap();
    scenario(Arc::new(store)).await;
}

#[tokio::test]
async fn a_checkout_through_the_service_on_postgres() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    let store = Arc::new(PostgresStore::connect(&database.url).await.unwrap());
    scenario(store.clone()).await;
    store.close().await;
}
