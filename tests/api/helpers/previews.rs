//! What the preview tests share: a catalog shaped like the one Paddle's
//! recorded previews priced (a $5.00 monthly price, taxed by location),
//! tax rates matching theirs, and requests as Paddle.js sends them.

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use super::{TestApp, expect_data, expect_error};

pub const PRODUCT: &str = "pro_01kzvyz95263x6amf3w4cgbqh4";
/// $5.00 a month, tax by location, one per line (as recorded in 2026).
pub const MONTHLY: &str = "pri_01kzvyz9e21z9vbhd7xqq3csyh";
/// $50.00 a year, 1 to 10 a line.
pub const YEARLY: &str = "pri_01kzvyz9e21z9vbhd7xqq3csy0";
/// $199.00 once, with a ¥ override for Japan.
pub const ONCE: &str = "pri_01kzvyz9e21z9vbhd7xqq3csy1";
/// Archived.
pub const ARCHIVED: &str = "pri_01kzvyz9e21z9vbhd7xqq3csy2";

/// The catalog the tests price against, for `environment`.
pub fn recorded_catalog(environment: &str) -> Value {
    let price = |id: &str, changes: Value| {
        let mut price = json!({
            "id": id, "description": "Solo, monthly. $5/month.", "name": "Monthly",
            "product_id": PRODUCT, "billing_cycle": { "interval": "month", "frequency": 1 },
            "trial_period": null, "tax_mode": "location",
            "unit_price": { "amount": "500", "currency_code": "USD" },
            "unit_price_overrides": [], "custom_data": { "tier": "solo" },
            "quantity": { "minimum": 1, "maximum": 1 }
        });
        for (key, value) in changes.as_object().unwrap() {
            price[key] = value.clone();
        }
        price
    };
    json!({
        "environment": environment,
        "products": [{
            "id": PRODUCT, "name": "Solo",
            "description": "One person, working from a browser rather than a terminal.",
            "tax_category": "saas", "image_url": null, "custom_data": { "tier": "solo" }
        }],
        "prices": [
            price(MONTHLY, json!({})),
            price(YEARLY, json!({
                "description": "Solo, yearly", "name": "Yearly",
                "billing_cycle": { "interval": "year", "frequency": 1 },
                "unit_price": { "amount": "5000", "currency_code": "USD" },
                "quantity": { "minimum": 1, "maximum": 10 }
            })),
            price(ONCE, json!({
                "description": "Setup", "name": "Setup", "billing_cycle": null,
                "tax_mode": "account_setting",
                "unit_price": { "amount": "19900", "currency_code": "USD" },
                "unit_price_overrides": [{
                    "country_codes": ["JP"],
                    "unit_price": { "amount": "31900", "currency_code": "JPY" }
                }]
            })),
            price(ARCHIVED, json!({ "description": "Old", "status": "archived" })),
        ]
    })
}

/// The rates of Paddle's recorded previews: New York, London, Berlin, Tokyo.
pub fn recorded_tax_rates() -> Value {
    json!({ "US": "0.08875", "GB": "0.2", "DE": "0.19", "JP": "0.1" })
}

impl TestApp {
    /// Loads [`recorded_catalog`] into `account`'s `environment`, and
    /// [`recorded_tax_rates`] into the account.
    pub async fn load_recorded_catalog(&self, account: &str, environment: &str) {
        self.load_catalog(account, recorded_catalog(environment))
            .await;
        self.set_tax_rates(account, recorded_tax_rates()).await;
    }

    /// A client-side token of `account`'s `environment`, made with a key of
    /// that account; returns its `(id, token)`.
    pub async fn client_token_of(&self, account: &str, environment: &str) -> (String, String) {
        let key = self
            .account_key(account, environment, &["client_token.write"])
            .await;
        let token = self
            .create_with(&key, json!({ "name": "Storefront" }))
            .await;
        (
            token["id"].as_str().unwrap().to_owned(),
            token["token"].as_str().unwrap().to_owned(),
        )
    }

    /// A preview request as Paddle.js makes it: the token in
    /// `Paddle-Clienttoken`, from a page at `http://shop.test`.
    pub fn page_request(&self, path: &str, token: &str) -> RequestBuilder {
        self.client
            .request(Method::POST, self.url(path))
            .header("Paddle-Clienttoken", token)
            .header("Origin", "http://shop.test")
    }

    /// Previews with a client-side token; returns the response.
    pub async fn preview(&self, path: &str, token: &str, body: Value) -> Response {
        self.page_request(path, token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Previews with a client-side token; panics unless 200; returns `data`.
    pub async fn preview_data(&self, path: &str, token: &str, body: Value) -> Value {
        expect_data(self.preview(path, token, body).await, StatusCode::OK).await
    }
}

/// Asserts Paddle's 403 for a bad client-side token.
pub async fn expect_invalid_client_token(response: Response) -> Value {
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_client_token",
        "Invalid, revoked or expired client-side token.",
    )
    .await
}

/// One item of `price_id`.
pub fn cart(price_id: &str, quantity: u64) -> Value {
    json!({ "items": [{ "price_id": price_id, "quantity": quantity }] })
}
