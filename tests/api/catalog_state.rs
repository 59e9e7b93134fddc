//! The catalog around the rest of an account: carried by export and import
//! (format `paddock.account.v2`; `v1` documents, made before the catalog,
//! still load), kept by a reset, and minted alike by seeded runs.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::account_state::{export, import};
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends!(
    a_document_of_the_format_before_the_catalog_still_loads,
    a_documents_catalog_is_held_to_the_catalogs_rules,
    import_refuses_an_account_holding_a_catalog,
    a_reset_keeps_the_catalog_and_tax_rates,
    a_seeded_account_mints_the_same_catalog_every_run,
);

const PRO: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
const PRI: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyh";

/// A `v1` document as paddock wrote it before the catalog: one token.
fn version_one() -> Value {
    json!({
        "format": "paddock.account.v1",
        "account": { "name": "old", "created_at": "2025-01-01T00:00:00.000000Z",
                     "seed": null, "clock": null, "draws": 0 },
        "client_tokens": [{
            "environment": "sandbox", "id": "ctkn_01hv8gz6y0m8m5f8q2y9f7k001",
            "token": "test_000000000000000000000000001", "name": "Old token",
            "description": null, "status": "active", "revoked_at": null,
            "created_at": "2025-01-01T00:00:00.000000Z", "updated_at": "2025-01-01T00:00:00.000000Z"
        }],
        "api_keys": [], "api_key_rotations": [], "notification_settings": [],
        "events": [], "deliveries": []
    })
}

async fn a_document_of_the_format_before_the_catalog_still_loads(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = import(&app, "old", &version_one()).await;
    let counts = expect_data(response, StatusCode::CREATED).await;
    assert_eq!(
        counts,
        json!({ "account": "old", "client_tokens": 1, "api_keys": 0, "api_key_rotations": 0,
                "notification_settings": 0, "events": 0, "deliveries": 0, "products": 0, "prices": 0 })
    );
    // Exported again in today's format, with an empty catalog.
    let exported = export(&app, "old").await;
    assert_eq!(exported["format"], "paddock.account.v2");
    assert_eq!(
        (
            &exported["products"],
            &exported["prices"],
            &exported["tax_rates"]
        ),
        (&json!([]), &json!([]), &json!({}))
    );
    let mut expected = version_one();
    for (field, value) in [
        ("products", json!([])),
        ("prices", json!([])),
        ("tax_rates", json!({})),
    ] {
        expected[field] = value;
    }
    expected["format"] = json!("paddock.account.v2");
    assert_eq!(exported, expected);
    // And that loads too, catalog and all, once one is added.
    app.load_catalog("old", sample_catalog(PRO, PRI)).await;
    app.set_tax_rates("old", json!({ "GB": "0.2" })).await;
    let with_catalog = export(&app, "old").await;
    let second = TestApp::spawn(backend).await;
    let response = import(&second, "old-copy", &with_catalog).await;
    let counts = expect_data(response, StatusCode::CREATED).await;
    assert_eq!(
        (&counts["products"], &counts["prices"]),
        (&json!(1), &json!(1))
    );
    let mut renamed = with_catalog;
    renamed["account"]["name"] = json!("old-copy");
    assert_eq!(export(&second, "old-copy").await, renamed);
    assert_eq!(
        second.catalog("old-copy", "sandbox").await,
        app.catalog("old", "sandbox").await
    );
}

/// A v2 document with only a catalog.
fn catalog_document(products: Value, prices: Value) -> Value {
    json!({
        "format": "paddock.account.v2",
        "account": { "name": "shop", "created_at": "2025-01-01T00:00:00.000000Z" },
        "products": products,
        "prices": prices,
        "tax_rates": { "GB": "0.2" }
    })
}

async fn a_documents_catalog_is_held_to_the_catalogs_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let product = |environment: &str| json!({ "environment": environment, "id": PRO, "name": "Solo", "tax_category": "saas" });
    let price = |environment: &str| {
        json!({ "environment": environment, "id": PRI, "description": "Monthly", "product_id": PRO,
                "unit_price": { "amount": "500", "currency_code": "USD" } })
    };
    // The schema first: every problem, by its path.
    let document = catalog_document(
        json!([{ "id": PRO, "name": "", "tax_category": "saas" }]),
        json!([{ "environment": "sandbox", "description": "Monthly", "product_id": PRO,
                 "unit_price": { "amount": "-1", "currency_code": "USD" } }]),
    );
    expect_schema_errors(
        import(&app, "shop", &document).await,
        json!([
            { "field": "products.0", "message": "environment is required" },
            { "field": "products.0.name", "message": "String length must be greater than or equal to 1" },
            { "field": "prices.0", "message": "id is required" },
            { "field": "prices.0.unit_price.amount", "message": "The amount cannot be negative" }
        ]),
    )
    .await;
    // Then the rules across items: the same id may be in both environments,
    // not twice in one; a price's product must be in its environment.
    let document = catalog_document(
        json!([product("sandbox"), product("live"), product("live")]),
        json!([price("sandbox"), price("sandbox")]),
    );
    let mut orphan = price("live");
    orphan["id"] = json!("pri_01kzvyz9e21z9vbhd7xqq3csy2");
    orphan["product_id"] = json!("pro_01kzvyz95263x6amf3w4cgbqh9");
    let mut document = document;
    document["prices"].as_array_mut().unwrap().push(orphan);
    expect_invalid_fields(
        import(&app, "shop", &document).await,
        json!([
            { "field": "products.2.id", "message": "must be unique: another item in the list has it" },
            { "field": "prices.1.id", "message": "must be unique: another item in the list has it" },
            { "field": "prices.2.product_id", "message": "must be the id of a product of the same environment in the document" }
        ]),
    )
    .await;
    let response = app.admin(Method::GET, "/accounts/shop/export").send().await;
    expect_not_found(response.unwrap(), "shop").await;
    // Well formed, it loads: each environment its own.
    let document = catalog_document(
        json!([product("sandbox"), product("live")]),
        json!([price("live")]),
    );
    expect_data(import(&app, "shop", &document).await, StatusCode::CREATED).await;
    assert_eq!(app.catalog("shop", "live").await["prices"][0]["id"], PRI);
    assert_eq!(app.catalog("shop", "sandbox").await["prices"], json!([]));
}

async fn import_refuses_an_account_holding_a_catalog(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_catalog("shop", sample_catalog(PRO, PRI)).await;
    app.set_tax_rates("shop", json!({ "US": "0.05" })).await;
    let before = export(&app, "shop").await;
    let mut document = version_one();
    document["format"] = json!("paddock.account.v2");
    document["tax_rates"] = json!({ "GB": "0.2" });
    let message = "must have no client tokens, API keys, notification settings, events or products to import into";
    expect_invalid_fields(
        import(&app, "shop", &document).await,
        json!([{ "field": "account", "message": message }]),
    )
    .await;
    assert_eq!(export(&app, "shop").await, before);
}

async fn a_reset_keeps_the_catalog_and_tax_rates(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let loaded = app.load_catalog("shop", sample_catalog(PRO, PRI)).await;
    app.set_tax_rates("shop", json!({ "GB": "0.2" })).await;
    let seed = json!({ "client_tokens": [{ "name": "Gone after the reset" }] });
    let response = app
        .admin(Method::POST, "/accounts/shop/client-tokens")
        .json(&seed)
        .send();
    expect_data(response.await.unwrap(), StatusCode::CREATED).await;
    for path in ["/accounts/shop/reset", "/reset"] {
        let response = app.admin(Method::POST, path).send().await.unwrap();
        expect_data(response, StatusCode::OK).await;
        assert_eq!(app.catalog("shop", "sandbox").await, loaded);
        let tax = app
            .admin(Method::GET, "/accounts/shop/tax")
            .send()
            .await
            .unwrap();
        assert_eq!(
            expect_data(tax, StatusCode::OK).await,
            json!({ "rates": { "GB": "0.2" } })
        );
    }
    assert_eq!(export(&app, "shop").await["client_tokens"], json!([]));
}

/// A catalog without ids, loaded into a seeded account.
fn unnamed_catalog() -> Value {
    json!({
        "products": [{ "name": "Solo", "tax_category": "saas" }],
        "prices": [{ "description": "Solo, monthly", "product_id": PRO,
                     "unit_price": { "amount": "500", "currency_code": "USD" } }]
    })
}

async fn a_seeded_account_mints_the_same_catalog_every_run(backend: Backend) {
    let mut runs = Vec::new();
    for refused_first in [false, true] {
        let app = TestApp::spawn(backend).await;
        let account = json!({ "name": "seeded", "seed": "catalog" });
        let response = app.admin(Method::POST, "/accounts").json(&account).send();
        expect_data(response.await.unwrap(), StatusCode::CREATED).await;
        if refused_first {
            // A refused load draws nothing from the sequence.
            let response = app.admin(Method::POST, "/accounts/seeded/catalog");
            let refused = response
                .json(&json!({ "products": [{}] }))
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        }
        app.load_catalog(
            "seeded",
            json!({ "products": [{ "id": PRO, "name": "Base", "tax_category": "saas" }] }),
        )
        .await;
        let loaded = app.load_catalog("seeded", unnamed_catalog()).await;
        // Setting the seed again restarts the sequence: the ids met again
        // are taken, so the next ones are drawn instead of refusing.
        let seed = app.admin(Method::PUT, "/accounts/seeded/seed");
        let response = seed
            .json(&json!({ "seed": "catalog" }))
            .send()
            .await
            .unwrap();
        expect_data(response, StatusCode::OK).await;
        app.load_catalog("seeded", json!({})).await;
        let again = app.load_catalog("seeded", unnamed_catalog()).await;
        assert_ne!(again["products"][0]["id"], loaded["products"][0]["id"]);
        runs.push((loaded, again, app.catalog("seeded", "sandbox").await));
    }
    assert_eq!(runs[0], runs[1]);
    let (loaded, _, _) = &runs[0];
    assert_eq!(
        loaded["products"][0]["created_at"],
        "2025-01-01T00:00:00.000000Z"
    );
}
