//! Checkouts' store on both databases: a purchase written with its events
//! reads back as written; a write made from a stale read writes nothing;
//! a reset deletes it all.

use serde_json::json;

use crate::domain::checkout::{
    CardDetails, Change, CheckoutItem, CheckoutSettings, CheckoutState, CustomerDetails, Purchase,
    TestCard, open_cart, preview_request,
};
use crate::domain::pricing::price;
use crate::domain::{
    CatalogPrice, CountryCode, Environment, Event, Mint, Owner, Price, Product, Seed, TaxRates,
    Timestamp,
};
use crate::store::scratch::Scratch;
use crate::store::{Access, PostgresStore, PurchaseWrite, SqliteStore, Store};

const PRODUCT: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
const PRICE: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyq";

fn catalog_price() -> CatalogPrice {
    let product: Product = serde_json::from_value(json!({
        "id": PRODUCT, "name": "Solo", "description": null, "type": "standard",
        "tax_category": "saas", "image_url": null, "custom_data": null, "status": "active",
        "import_meta": null, "created_at": "2026-08-12T21:45:05.442000Z",
        "updated_at": "2026-08-12T21:45:05.442000Z"
    }))
    .unwrap();
    let price: Price = serde_json::from_value(json!({
        "id": PRICE, "description": "Once", "type": "standard", "name": "Lifetime",
        "product_id": PRODUCT, "billing_cycle": null, "trial_period": null,
        "tax_mode": "location", "unit_price": { "amount": "499", "currency_code": "USD" },
        "unit_price_overrides": [], "custom_data": null,
        "quantity": { "minimum": 1, "maximum": 10 }, "status": "active",
        "created_at": "2026-08-12T21:45:05.730177Z", "updated_at": "2026-08-12T21:45:05.730178Z",
        "import_meta": null
    }))
    .unwrap();
    CatalogPrice { price, product }
}

fn owner() -> Owner {
    Owner {
        account: "shop".to_owned(),
        environment: Environment::Sandbox,
    }
}

fn mint(draw: u64) -> Mint {
    let at = Timestamp::parse("2026-08-13T10:00:00.000000Z").unwrap();
    Mint::seeded(at, &Seed::stored("store".to_owned()), "shop", draw)
}

fn opened() -> (Purchase, Vec<Event>) {
    let prices = [catalog_price()];
    let items = [CheckoutItem {
        price_id: prices[0].price.id.clone(),
        quantity: 1,
    }];
    let cart = preview_request(&items, None);
    let priced = price(&cart, &prices, &TaxRates::default()).unwrap();
    let mint = mint(1);
    let settings = CheckoutSettings::default();
    let mut change = open_cart(&owner(), &priced, &settings, None, None, &mint);
    change.js_event("checkout.loaded", None, false);
    change.finish()
}

fn next(
    purchase: &Purchase,
    draw: u64,
    judge: impl FnOnce(&mut Change<'_>),
) -> (Purchase, Vec<Event>) {
    let mint = mint(draw);
    let mut change = Change::new(purchase.clone(), &mint);
    judge(&mut change);
    change.finish()
}

fn buyer() -> CustomerDetails {
    CustomerDetails {
        email: "buyer@example.com".to_owned(),
        country_code: CountryCode::parse("US").unwrap(),
        postal_code: Some("10001".to_owned()),
    }
}

fn write<'a>(purchase: &'a Purchase, events: &'a [Event], new: bool) -> PurchaseWrite<'a> {
    PurchaseWrite {
        purchase,
        new_checkout: new,
        new_transaction: new,
        events,
    }
}

/// The parts of a purchase a reader sees, as text.
fn shown(purchase: &Purchase) -> String {
    let view = crate::domain::checkout::CheckoutView::new(purchase.clone());
    serde_json::to_string(&view.admin()).unwrap()
}

async fn scenario(store: &impl Store) {
    store
        .ensure_account("shop", Timestamp::now())
        .await
        .unwrap();
    let (open, events) = opened();
    let id = open.checkout.id.clone();
    assert!(
        store
            .write_purchase(write(&open, &events, true))
            .await
            .unwrap()
    );
    let read = store.purchase(&id).await.unwrap().unwrap();
    assert_eq!(shown(&read), shown(&open));
    assert_eq!(read.checkout.revision, 1);

    // The customer is set; a write judged on the read before it loses.
    let (ready, events) = next(&read, 2, |change| {
        change.set_customer(&buyer(), &TaxRates::default()).unwrap();
    });
    assert!(
        store
            .write_purchase(write(&ready, &events, false))
            .await
            .unwrap()
    );
    let (closed, stale) = next(&read, 3, |change| {
        change.purchase.checkout.state = CheckoutState::Closed;
        let at = change.step.at();
        change.transaction_event(crate::domain::EventType::TransactionUpdated, at);
    });
    assert!(
        !store
            .write_purchase(write(&closed, &stale, false))
            .await
            .unwrap()
    );
    let read = store.purchase(&id).await.unwrap().unwrap();
    assert_eq!(shown(&read), shown(&ready));
    assert_eq!(read.customer.as_ref().unwrap().email, "buyer@example.com");
    assert_eq!(read.last_event_at, ready.last_event_at);
    let written: Vec<String> = (store.events("shop").await.unwrap().into_iter())
        .map(|event| event.event_type.as_str().to_owned())
        .collect();
    assert_eq!(
        written,
        [
            "transaction.created",
            "customer.created",
            "address.created",
            "transaction.updated",
            "transaction.ready"
        ]
    );

    // Paid: the invoice is counted; the transaction is held for its owner.
    assert_eq!(store.invoiced_transactions(&owner()).await.unwrap(), 0);
    let card = CardDetails::test(TestCard::Succeeds, Timestamp::now());
    let (paid, events) = next(&read, 4, |change| {
        change.pay(&card, "1234-10001").unwrap();
    });
    assert!(
        store
            .write_purchase(write(&paid, &events, false))
            .await
            .unwrap()
    );
    assert_eq!(store.invoiced_transactions(&owner()).await.unwrap(), 1);
    let held = store
        .held_transaction(&owner(), &paid.transaction.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.transaction, paid.transaction);
    assert_eq!(held.revision, paid.transaction_revision);
    let live = Owner {
        environment: Environment::Live,
        ..owner()
    };
    assert!(
        store
            .held_transaction(&live, &paid.transaction.id)
            .await
            .unwrap()
            .is_none()
    );
    let listed = store.account_purchases("shop").await.unwrap();
    assert_eq!(listed.iter().map(shown).collect::<Vec<_>>(), [shown(&paid)]);
    assert!(store.account_purchases("other").await.unwrap().is_empty());

    // A reset deletes the checkout, its transaction, customer and address.
    assert_eq!(store.delete_checkouts(Some("shop")).await.unwrap(), 1);
    assert!(store.purchase(&id).await.unwrap().is_none());
    assert!(store.account_purchases("shop").await.unwrap().is_empty());
    assert_eq!(store.delete_checkouts(None).await.unwrap(), 0);
}

#[tokio::test]
async fn checkouts_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("paddock.sqlite3");
    let store = SqliteStore::open_file(&path, Access::Command)
        .await
        .unwrap();
    scenario(&store).await;
}

#[tokio::test]
async fn checkouts_on_postgres() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    let store = PostgresStore::connect(&database.url).await.unwrap();
    scenario(&store).await;
    store.close().await;
}
