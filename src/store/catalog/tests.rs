//! The catalog's store on both databases: a Postgres database of the
//! test's own (`Scratch`, skipped without a server) and an SQLite file.

use std::collections::BTreeMap;

use serde_json::json;

use crate::domain::{
    Catalog, CountryCode, Environment, Owner, Price, PriceId, Product, TaxRate, TaxRates, Timestamp,
};
use crate::store::scratch::Scratch;
use crate::store::{
    Access, AccountStore, CatalogStore, PostgresStore, SqliteStore, Store, StoreError,
};

fn owner(account: &str, environment: Environment) -> Owner {
    Owner {
        account: account.to_owned(),
        environment,
    }
}

fn product(id: &str) -> Product {
    serde_json::from_value(json!({
        "id": id, "name": "Solo", "description": null, "type": "standard",
        "tax_category": "saas", "image_url": null, "custom_data": null, "status": "active",
        "import_meta": null, "created_at": "2026-08-12T21:45:05.442000Z",
        "updated_at": "2026-08-12T21:45:05.442000Z"
    }))
    .unwrap()
}

fn price(id: &str, product_id: &str, status: &str) -> Price {
    serde_json::from_value(json!({
        "id": id, "description": "Monthly", "type": "standard", "name": "Monthly",
        "product_id": product_id, "billing_cycle": {"interval": "month", "frequency": 1},
        "trial_period": null, "tax_mode": "account_setting",
        "unit_price": {"amount": "500", "currency_code": "USD"},
        "unit_price_overrides": [{"country_codes": ["GB"], "unit_price": {"amount": "400", "currency_code": "GBP"}}],
        "custom_data": {"tier": "solo"}, "quantity": {"minimum": 1, "maximum": 10},
        "status": status, "created_at": "2026-08-12T21:45:05.730177Z",
        "updated_at": "2026-08-12T21:45:05.730178Z", "import_meta": null
    }))
    .unwrap()
}

const PRO_A: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
const PRO_B: &str = "pro_01kzvyz95263x6amf3w4cgbqh5";
const PRI_1: &str = "pri_01kzvyz9e21z9vbhd7xqq3csy1";
const PRI_2: &str = "pri_01kzvyz9e21z9vbhd7xqq3csy2";
const PRI_3: &str = "pri_01kzvyz9e21z9vbhd7xqq3csy3";

fn id(text: &str) -> PriceId {
    PriceId::parse(text).unwrap()
}

/// What every database must do with a catalog.
async fn scenario(store: &(impl CatalogStore + AccountStore)) {
    for account in ["shop", "other"] {
        store
            .ensure_account(account, Timestamp::now())
            .await
            .unwrap();
    }
    let sandbox = owner("shop", Environment::Sandbox);
    let catalog = Catalog {
        products: vec![product(PRO_A), product(PRO_B)],
        prices: vec![
            price(PRI_1, PRO_A, "active"),
            price(PRI_2, PRO_B, "archived"),
        ],
    };
    store.insert_catalog(&sandbox, &catalog).await.unwrap();
    assert_eq!(store.catalog(&sandbox).await.unwrap(), catalog);

    // By id, with the product, archived ones too; unknown ids left out.
    let found = store
        .catalog_prices(&sandbox, &[id(PRI_2), id(PRI_3), id(PRI_1)])
        .await
        .unwrap();
    let pairs: Vec<(&str, &str)> = (found.iter())
        .map(|p| (p.price.id.as_str(), p.product.id.as_str()))
        .collect();
    assert_eq!(pairs, [(PRI_1, PRO_A), (PRI_2, PRO_B)]);
    assert_eq!(found[0].price, catalog.prices[0]);

    // Another environment or account sees none of it.
    for elsewhere in [
        owner("shop", Environment::Live),
        owner("other", Environment::Sandbox),
    ] {
        assert!(store.catalog(&elsewhere).await.unwrap().is_empty());
        let none = store.catalog_prices(&elsewhere, &[id(PRI_1)]).await;
        assert!(none.unwrap().is_empty());
    }
    // The same ids may be loaded by another account.
    let other = owner("other", Environment::Sandbox);
    store.insert_catalog(&other, &catalog).await.unwrap();

    // A taken id refuses the whole load: nothing of it is stored.
    let again = Catalog {
        products: vec![product("pro_01kzvyz95263x6amf3w4cgbqh6")],
        prices: vec![price(PRI_3, PRO_A, "active"), price(PRI_1, PRO_A, "active")],
    };
    let refused = store.insert_catalog(&sandbox, &again).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(store.catalog(&sandbox).await.unwrap(), catalog);
    let stored = store
        .stored_catalog_ids(
            &sandbox,
            &[PRI_3, PRI_1, PRO_B, "pro_01kzvyz95263x6amf3w4cgbqh6"],
        )
        .await
        .unwrap();
    let mut stored: Vec<&str> = stored.iter().map(String::as_str).collect();
    stored.sort();
    assert_eq!(stored, [PRI_1, PRO_B]);

    // A price whose product isn't stored is refused too.
    let orphan = Catalog {
        products: vec![],
        prices: vec![price(PRI_3, "pro_01kzvyz95263x6amf3w4cgbqh9", "active")],
    };
    assert!(store.insert_catalog(&sandbox, &orphan).await.is_err());
    assert_eq!(store.catalog(&sandbox).await.unwrap(), catalog);

    // Tax rates: none by default, per account, replaced whole.
    assert_eq!(
        store.tax_rates(&sandbox).await.unwrap(),
        TaxRates::default()
    );
    let gb = CountryCode::parse("GB").unwrap();
    let rates = TaxRates::new(BTreeMap::from([(gb, TaxRate::parse("0.2").unwrap())]));
    assert!(store.set_tax_rates("shop", &rates).await.unwrap());
    assert_eq!(store.tax_rates(&sandbox).await.unwrap(), rates);
    let live = owner("shop", Environment::Live);
    assert_eq!(store.tax_rates(&live).await.unwrap(), rates);
    assert_eq!(store.tax_rates(&other).await.unwrap(), TaxRates::default());
    assert!(!store.set_tax_rates("nobody", &rates).await.unwrap());
    let nobody = owner("nobody", Environment::Sandbox);
    assert_eq!(store.tax_rates(&nobody).await.unwrap(), TaxRates::default());
    assert!(
        store
            .set_tax_rates("shop", &TaxRates::default())
            .await
            .unwrap()
    );
    assert_eq!(
        store.tax_rates(&sandbox).await.unwrap(),
        TaxRates::default()
    );
}

#[tokio::test]
async fn the_catalog_on_sqlite() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("paddock.sqlite3");
    let store = SqliteStore::open_file(&path, Access::Command)
        .await
        .unwrap();
    scenario(&store).await;
}

#[tokio::test]
async fn the_catalog_on_postgres() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    let store = PostgresStore::connect(&database.url).await.unwrap();
    scenario(&store).await;
    store.close().await;
}
