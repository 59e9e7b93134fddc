//! A catalog and tax rates for a test, loaded through the admin API in one
//! call each: what previews price a cart against.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{TestApp, expect_data};

impl TestApp {
    /// Loads `body` (`{"environment", "products": [...], "prices": [...]}`)
    /// into `account`'s catalog, created if need be; returns what was
    /// stored (`{"environment", "products", "prices"}`, ids minted where
    /// none was given). Panics unless it answers 201.
    pub async fn load_catalog(&self, account: &str, body: Value) -> Value {
        let path = format!("/accounts/{account}/catalog");
        let response = self.admin(Method::POST, &path).json(&body).send().await;
        expect_data(response.unwrap(), StatusCode::CREATED).await
    }

    /// `account`'s catalog of `environment` (`sandbox`, `live`).
    pub async fn catalog(&self, account: &str, environment: &str) -> Value {
        let path = format!("/accounts/{account}/catalog?environment={environment}");
        let response = self.admin(Method::GET, &path).send().await;
        expect_data(response.unwrap(), StatusCode::OK).await
    }

    /// Replaces `account`'s tax rates: `json!({"GB": "0.2", "US": "0.08875"})`.
    pub async fn set_tax_rates(&self, account: &str, rates: Value) {
        let path = format!("/accounts/{account}/tax");
        let body = json!({ "rates": rates });
        let response = self.admin(Method::PUT, &path).json(&body).send().await;
        expect_data(response.unwrap(), StatusCode::OK).await;
    }
}

/// A product and a $5.00 monthly USD price with a £4.00 override for GB,
/// at the ids given: the smallest catalog a preview can price.
pub fn sample_catalog(product_id: &str, price_id: &str) -> Value {
    json!({
        "products": [{ "id": product_id, "name": "Solo", "tax_category": "saas" }],
        "prices": [{
            "id": price_id,
            "description": "Solo, monthly",
            "name": "Monthly",
            "product_id": product_id,
            "billing_cycle": { "interval": "month", "frequency": 1 },
            "unit_price": { "amount": "500", "currency_code": "USD" },
            "unit_price_overrides": [{
                "country_codes": ["GB"],
                "unit_price": { "amount": "400", "currency_code": "GBP" }
            }]
        }]
    })
}
