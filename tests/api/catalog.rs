//! The catalog previews price against: loaded through the admin API all or
//! nothing, listed per environment, kept apart per account; refused in
//! Paddle's words.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, Dashboard, TestApp, assert_timestamp, expect_data, expect_invalid_fields,
    expect_not_found, expect_schema_errors, sample_catalog,
};
use crate::on_both_backends;

on_both_backends!(
    a_loaded_catalog_is_listed_as_stored,
    one_bad_price_refuses_the_whole_load,
    a_taken_id_is_refused_and_nothing_is_stored,
    another_accounts_or_environments_catalog_is_invisible,
    prices_may_name_a_product_loaded_before,
    tax_rates_are_none_until_set_and_replaced_whole,
    the_dashboard_lists_the_catalog_read_only,
);

const PRO: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
const PRI: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyh";

fn path(account: &str) -> String {
    format!("/accounts/{account}/catalog")
}

async fn load(app: &TestApp, account: &str, body: Value) -> reqwest::Response {
    let request = app.admin(Method::POST, &path(account)).json(&body);
    request.send().await.unwrap()
}

async fn a_loaded_catalog_is_listed_as_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = sample_catalog(PRO, PRI);
    // A second price with nothing but what Paddle requires: the rest filled in.
    body["prices"].as_array_mut().unwrap().push(json!({
        "description": "Lifetime", "product_id": PRO,
        "unit_price": {"amount": "12000", "currency_code": "JPY"}
    }));
    let loaded = app.load_catalog("shop", body).await;
    assert_eq!(loaded["environment"], "sandbox");
    let price = &loaded["prices"][0];
    let keys: Vec<&str> = price
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 16, "{keys:?}");
    assert_eq!(price["id"], PRI);
    assert_eq!(
        price["unit_price"],
        json!({"amount": "500", "currency_code": "USD"})
    );
    assert_eq!(price["quantity"], json!({"minimum": 1, "maximum": 100}));
    assert_eq!(
        (&price["tax_mode"], &price["status"], &price["type"]),
        (
            &json!("account_setting"),
            &json!("active"),
            &json!("standard")
        )
    );
    assert_timestamp(&price["created_at"]);
    let minted = &loaded["prices"][1];
    assert!(minted["id"].as_str().unwrap().starts_with("pri_"));
    assert_eq!(
        (
            &minted["billing_cycle"],
            &minted["name"],
            &minted["trial_period"]
        ),
        (&Value::Null, &Value::Null, &Value::Null)
    );
    let product = &loaded["products"][0];
    assert_eq!(
        (
            &product["id"],
            &product["tax_category"],
            &product["image_url"]
        ),
        (&json!(PRO), &json!("saas"), &Value::Null)
    );

    // Listed as stored, in id order (the minted id sorts after the chosen one).
    let listed = app.catalog("shop", "sandbox").await;
    assert_eq!(listed, loaded);
    let default = app.admin(Method::GET, &path("shop")).send().await.unwrap();
    assert_eq!(expect_data(default, StatusCode::OK).await, loaded);

    // The query is checked as strictly as a body.
    let wrong = app.admin(
        Method::GET,
        &format!("{}?environment=prod&x=1", path("shop")),
    );
    expect_schema_errors(
        wrong.send().await.unwrap(),
        json!([
            {"field": "x", "message": "is not a parameter; the one there is: environment"},
            {"field": "environment", "message": r#"environment must be one of the following: "sandbox", "live""#}
        ]),
    )
    .await;
    // An account that doesn't exist has no catalog to list.
    let missing = app
        .admin(Method::GET, &path("nobody"))
        .send()
        .await
        .unwrap();
    expect_not_found(missing, "nobody").await;
}

async fn one_bad_price_refuses_the_whole_load(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = sample_catalog(PRO, PRI);
    let prices = body["prices"].as_array_mut().unwrap();
    for (amount, quantity) in [
        ("-100", json!({"minimum": 1, "maximum": 2})),
        ("100", json!({"minimum": 0, "maximum": 2})),
        ("100", json!({"minimum": 3, "maximum": 2})),
    ] {
        prices.push(json!({
            "description": "Broken", "product_id": PRO,
            "unit_price": {"amount": amount, "currency_code": "USD"}, "quantity": quantity
        }));
    }
    // Paddle's recorded refusals of these three, word for word.
    expect_schema_errors(
        load(&app, "shop", body).await,
        json!([
            {"field": "prices.1.unit_price.amount", "message": "The amount cannot be negative"},
            {"field": "prices.2.quantity.minimum", "message": "Must be greater than or equal to 1"},
            {"field": "prices.3.quantity", "message": "Invalid request."}
        ]),
    )
    .await;
    // Nothing of it was stored, not even the good product and price; the
    // account wasn't even made.
    let missing = app.admin(Method::GET, &path("shop")).send().await.unwrap();
    expect_not_found(missing, "shop").await;

    // The validator's words for the rest, every problem at once.
    let body = json!({
        "environment": "staging",
        "products": [{"name": "", "tax_category": "food", "extra": true}],
        "prices": [{"description": "x", "product_id": PRO, "tax_mode": "inclusive",
                    "billing_cycle": {"interval": "fortnight", "frequency": 0},
                    "unit_price": {"amount": "5.00", "currency_code": "XXX"},
                    "unit_price_overrides": [{"country_codes": ["UK"], "unit_price": {"amount": "1", "currency_code": "GBP"}}]}]
    });
    let error = load(&app, "shop", body).await;
    let error = expect_data_error(error).await;
    let fields: Vec<&str> = (error["errors"].as_array().unwrap().iter())
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "environment",
            "products.0",
            "products.0.name",
            "products.0.tax_category",
            "prices.0.description",
            "prices.0.tax_mode",
            "prices.0.billing_cycle.interval",
            "prices.0.billing_cycle.frequency",
            "prices.0.unit_price.amount",
            "prices.0.unit_price.currency_code",
            "prices.0.unit_price_overrides.0.country_codes.0",
        ]
    );
    let message = |field: &str| {
        let errors = error["errors"].as_array().unwrap();
        let found = errors.iter().find(|e| e["field"] == field).unwrap();
        found["message"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        message("products.0"),
        "Additional property extra is not allowed"
    );
    assert_eq!(
        message("prices.0.description"),
        "String length must be greater than or equal to 2"
    );
    assert!(message("prices.0.unit_price.currency_code").starts_with(
        r#"prices.0.unit_price.currency_code must be one of the following: "USD", "EUR""#
    ));
    assert!(message("prices.0.unit_price_overrides.0.country_codes.0").contains(r#""GB""#));
    let missing = app.admin(Method::GET, &path("shop")).send().await.unwrap();
    expect_not_found(missing, "shop").await;
}

/// The `error` of a 400 `bad_request`.
async fn expect_data_error(response: reqwest::Response) -> Value {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request", "{body}");
    body["error"].clone()
}

async fn a_taken_id_is_refused_and_nothing_is_stored(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let first = app.load_catalog("shop", sample_catalog(PRO, PRI)).await;
    // The same ids again, with a new product and price beside them.
    let mut again = sample_catalog(PRO, PRI);
    again["products"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "Team", "tax_category": "saas"}));
    again["prices"].as_array_mut().unwrap().insert(0, json!({
        "description": "New", "product_id": PRO, "unit_price": {"amount": "1", "currency_code": "USD"}
    }));
    expect_invalid_fields(
        load(&app, "shop", again).await,
        json!([
            {"field": "products.0.id", "message": "must be unique: the catalog has it already"},
            {"field": "prices.1.id", "message": "must be unique: the catalog has it already"}
        ]),
    )
    .await;
    assert_eq!(app.catalog("shop", "sandbox").await, first);
    // An id twice in one request is refused the same way.
    let product =
        json!({"id": "pro_01kzvyz95263x6amf3w4cgbqh5", "name": "A", "tax_category": "saas"});
    expect_invalid_fields(
        load(&app, "shop", json!({"products": [product, product]})).await,
        json!([{"field": "products.1.id", "message": "must be unique: another item in the list has it"}]),
    )
    .await;
    // A price of a product that is nowhere.
    let orphan = json!({"prices": [{"description": "Orphan", "product_id": "pro_01kzvyz95263x6amf3w4cgbqh9",
                                    "unit_price": {"amount": "1", "currency_code": "USD"}}]});
    expect_invalid_fields(
        load(&app, "shop", orphan).await,
        json!([{"field": "prices.0.product_id",
                "message": "must be the id of a product in this request or in the account's catalog"}]),
    )
    .await;
    assert_eq!(app.catalog("shop", "sandbox").await, first);
}

async fn another_accounts_or_environments_catalog_is_invisible(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut live = sample_catalog(PRO, PRI);
    live["environment"] = json!("live");
    let loaded = app.load_catalog("shop", live).await;
    assert_eq!(loaded["environment"], "live");
    assert_eq!(app.catalog("shop", "live").await, loaded);
    let sandbox = app.catalog("shop", "sandbox").await;
    assert_eq!(
        sandbox,
        json!({"environment": "sandbox", "products": [], "prices": []})
    );
    // Another account may hold the very same ids: a frontend's hard-coded
    // price ids load into each suite's own account.
    let other = app.load_catalog("other", sample_catalog(PRO, PRI)).await;
    assert_eq!(other["prices"][0]["id"], PRI);
    app.load_catalog("third", json!({})).await;
    let third = app.catalog("third", "live").await;
    assert_eq!(
        third,
        json!({"environment": "live", "products": [], "prices": []})
    );
    assert_eq!(app.catalog("shop", "live").await, loaded);
}

async fn prices_may_name_a_product_loaded_before(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.load_catalog("shop", sample_catalog(PRO, PRI)).await;
    let later = app
        .load_catalog(
            "shop",
            json!({"prices": [{
                "description": "Yearly", "product_id": PRO, "status": "archived",
                "billing_cycle": {"interval": "year", "frequency": 1},
                "unit_price": {"amount": "5000", "currency_code": "USD"}
            }]}),
        )
        .await;
    assert_eq!(later["products"], json!([]));
    let listed = app.catalog("shop", "sandbox").await;
    assert_eq!(listed["prices"].as_array().unwrap().len(), 2);
    assert_eq!(listed["prices"][1], later["prices"][0]);
    assert_eq!(listed["prices"][1]["status"], "archived");
}

async fn tax_rates_are_none_until_set_and_replaced_whole(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let tax = |account: &str| app.admin(Method::GET, &format!("/accounts/{account}/tax"));
    expect_not_found(tax("shop").send().await.unwrap(), "shop").await;
    app.load_catalog("shop", json!({})).await;
    let none = expect_data(tax("shop").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(none, json!({"rates": {}}));
    app.set_tax_rates("shop", json!({"US": "0.08875", "GB": "0.20"}))
        .await;
    let set = expect_data(tax("shop").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(set, json!({"rates": {"GB": "0.2", "US": "0.08875"}}));
    // Refused whole: the rates stay as they were.
    let put = app.admin(Method::PUT, "/accounts/shop/tax");
    let refused = put
        .json(&json!({"rates": {"DE": 0.19, "XX": "0.1", "FR": "1.5"}}))
        .send();
    expect_schema_errors(
        refused.await.unwrap(),
        json!([
            {"field": "rates.DE", "message": "Invalid type. Expected: string, given: number"},
            {"field": "rates.FR", "message": r"Does not match pattern '^(0(\.\d{1,6})?|1(\.0{1,6})?)$'"},
            {"field": "rates", "message": "Additional property XX is not allowed"}
        ]),
    )
    .await;
    assert_eq!(
        expect_data(tax("shop").send().await.unwrap(), StatusCode::OK).await,
        set
    );
    app.set_tax_rates("shop", json!({})).await;
    let cleared = expect_data(tax("shop").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(cleared, none);
    // Another account's rates are its own.
    app.set_tax_rates("other", json!({"DE": "0.19"})).await;
    let other = expect_data(tax("other").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(other, json!({"rates": {"DE": "0.19"}}));
    assert_eq!(
        expect_data(tax("shop").send().await.unwrap(), StatusCode::OK).await,
        none
    );
}

async fn the_dashboard_lists_the_catalog_read_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut body = sample_catalog(PRO, PRI);
    body["prices"].as_array_mut().unwrap().push(json!({
        "description": "Lifetime <b>deal</b>", "product_id": PRO, "status": "archived",
        "unit_price": {"amount": "12000", "currency_code": "JPY"}
    }));
    app.load_catalog("shop", body).await;
    app.set_tax_rates("shop", json!({"GB": "0.2"})).await;
    let dashboard = Dashboard::signed_in(&app).await;
    let response = dashboard.get("/accounts/shop/sandbox/catalog").await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    for shown in [
        PRO,
        PRI,
        "Solo",
        "saas",
        "Monthly",
        "5.00 USD",
        "GB: 4.00 GBP",
        "every 1 month",
        "1–100",
        "account_setting",
        "12000 JPY",
        "one-time",
        "archived",
        "Lifetime &lt;b&gt;deal&lt;/b&gt;",
        "0.2",
    ] {
        assert!(page.contains(shown), "{shown} in the page");
    }
    // Read-only: no form but sign-out's.
    assert_eq!(page.matches("<form").count(), 1);
    // The live environment has none; the navigation leads there.
    let live = dashboard.get("/accounts/shop/live/catalog").await;
    let live = live.text().await.unwrap();
    assert!(live.contains("No products in this environment."));
    assert!(page.contains(r#"href="/__paddock/ui/accounts/shop/sandbox/catalog""#));
    // Signed out, nothing is shown.
    let outsider = Dashboard::new(&app)
        .get("/accounts/shop/sandbox/catalog")
        .await;
    assert_eq!(outsider.status(), StatusCode::SEE_OTHER);
}
