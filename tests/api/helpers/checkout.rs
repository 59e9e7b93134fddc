//! Driving a test-mode checkout over real HTTP, as the page and a test do:
//! open it with a client-side token, give the customer, pay with one of the
//! test cards, answer the 3-D Secure step, or complete it through the admin
//! API. Works against an in-process [`TestApp`] or a `paddock` child
//! process alike ([`Checkouts::at`]).

use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

use super::{ADMIN_TOKEN, TestApp, expect_data};

/// Paddle's sandbox card that succeeds.
pub const SUCCESS_CARD: &str = "4242 4242 4242 4242";
/// Paddle's sandbox card that is declined.
pub const DECLINED_CARD: &str = "4000 0000 0000 0002";
/// Paddle's sandbox card that asks for a 3-D Secure step.
pub const THREE_DS_CARD: &str = "4000 0038 0000 0446";

/// The origin of the shop's page in these tests.
pub const SHOP_ORIGIN: &str = "http://shop.test";

/// An account's storefront: the recorded catalog
/// ([`super::previews::recorded_catalog`]) and tax rates loaded, and a
/// client-side token of `environment`.
#[derive(Clone)]
pub struct Shop {
    pub account: String,
    /// `sandbox` or `live` (the admin API's names).
    pub environment: String,
    pub token_id: String,
    pub token: String,
}

impl Shop {
    /// `Paddock-Environment`'s value for this shop (Paddle.js's names).
    pub fn page_environment(&self) -> &'static str {
        match self.environment.as_str() {
            "live" => "production",
            _ => "sandbox",
        }
    }
}

impl TestApp {
    /// Loads the recorded catalog into `account`'s `environment` (created if
    /// need be) and makes a client-side token for it.
    pub async fn open_shop(&self, account: &str, environment: &str) -> Shop {
        self.load_recorded_catalog(account, environment).await;
        let (token_id, token) = self.client_token_of(account, environment).await;
        Shop {
            account: account.to_owned(),
            environment: environment.to_owned(),
            token_id,
            token,
        }
    }

    /// The checkout routes of this server.
    pub fn checkouts(&self) -> Checkouts {
        Checkouts {
            client: self.client.clone(),
            base: self.url(""),
        }
    }
}

/// The checkout routes of one paddock server (browser and admin).
#[derive(Clone)]
pub struct Checkouts {
    pub client: reqwest::Client,
    /// `http://host:port`, no trailing slash.
    pub base: String,
}

impl Checkouts {
    /// The routes of the server at `base` (`http://127.0.0.1:port`).
    pub fn at(base: &str) -> Self {
        Self {
            client: reqwest::Client::new(),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// A request from the shop's page (`Origin: http://shop.test`).
    pub fn page(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .header("Origin", SHOP_ORIGIN)
    }

    /// A request to the admin API.
    pub fn admin(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}/__paddock{path}", self.base))
            .bearer_auth(ADMIN_TOKEN)
    }

    /// `POST /transaction-checkout` as the shim sends it: `token` in
    /// `Paddle-Clienttoken`, `environment` (`sandbox`/`production`) in
    /// `Paddock-Environment`, `data` as the body's `data`.
    pub async fn open_with(&self, token: &str, environment: &str, data: Value) -> Response {
        self.page(Method::POST, "/transaction-checkout")
            .header("Paddle-Clienttoken", token)
            .header("Paddock-Environment", environment)
            .json(&json!({ "data": data }))
            .send()
            .await
            .unwrap()
    }

    /// Opens a checkout of `shop`; panics unless 201; returns the view.
    pub async fn open(&self, shop: &Shop, data: Value) -> Value {
        let response = self
            .open_with(&shop.token, shop.page_environment(), data)
            .await;
        expect_data(response, StatusCode::CREATED).await
    }

    /// `GET /transaction-checkout/{id}`.
    pub async fn get(&self, id: &str) -> Response {
        let path = format!("/transaction-checkout/{id}");
        self.page(Method::GET, &path).send().await.unwrap()
    }

    /// A browser route's write: `method` to `/transaction-checkout/{id}{tail}`
    /// with `{"data": data}` (no body when `data` is null).
    pub async fn write(&self, method: Method, id: &str, tail: &str, data: Value) -> Response {
        let path = format!("/transaction-checkout/{id}{tail}");
        let mut request = self.page(method, &path);
        if !data.is_null() {
            request = request.json(&json!({ "data": data }));
        }
        request.send().await.unwrap()
    }

    /// Gives the customer ([`customer`]); returns the response.
    pub async fn set_customer(&self, id: &str, details: Value) -> Response {
        self.write(Method::POST, id, "/customer", details).await
    }

    /// Pays with a card body ([`card`]); returns the response.
    pub async fn pay(&self, id: &str, card: Value) -> Response {
        self.write(Method::POST, id, "/pay", card).await
    }

    /// Answers the 3-D Secure step: accepts or refuses.
    pub async fn authenticate(&self, id: &str, accept: bool) -> Response {
        let outcome = if accept { "accept" } else { "refuse" };
        let data = json!({ "outcome": outcome });
        self.write(Method::POST, id, "/authenticate", data).await
    }

    /// `PUT …/items` with `items` (`[{"price_id", "quantity"}]`).
    pub async fn update_items(&self, id: &str, items: Value) -> Response {
        let data = json!({ "items": items });
        self.write(Method::PUT, id, "/items", data).await
    }

    /// `POST …/close`.
    pub async fn close(&self, id: &str) -> Response {
        self.write(Method::POST, id, "/close", Value::Null).await
    }

    /// The admin route that completes (`paid`) or declines (`declined`) a
    /// checkout; `body` is the whole body (`{"outcome", "customer"?}`).
    pub async fn complete_with(&self, id: &str, body: Value) -> Response {
        let path = format!("/checkouts/{id}/complete");
        self.admin(Method::POST, &path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// Completes with `outcome`; panics unless 200; returns the admin view.
    pub async fn complete(&self, id: &str, outcome: &str) -> Value {
        let body = json!({ "outcome": outcome });
        expect_data(self.complete_with(id, body).await, StatusCode::OK).await
    }

    /// `GET /__paddock/accounts/{account}/checkouts`.
    pub async fn list_response(&self, account: &str) -> Response {
        let path = format!("/accounts/{account}/checkouts");
        self.admin(Method::GET, &path).send().await.unwrap()
    }

    /// `account`'s checkouts (admin views), newest last; panics unless 200.
    pub async fn list(&self, account: &str) -> Vec<Value> {
        let data = expect_data(self.list_response(account).await, StatusCode::OK).await;
        data.as_array().expect("a list").clone()
    }

    /// The admin view of checkout `id`, from its account's list.
    pub async fn admin_view(&self, account: &str, id: &str) -> Value {
        let list = self.list(account).await;
        let found = list.into_iter().find(|view| view["id"] == id);
        found.unwrap_or_else(|| panic!("{id} in {account}'s checkouts"))
    }

    /// Opens a checkout of `price_id` × 1, gives a New York customer and
    /// pays with `card_number`; returns the view after paying (panics on any
    /// answer but the expected).
    pub async fn buy(&self, shop: &Shop, price_id: &str, card_number: &str) -> Value {
        let opened = self.open(shop, items(&[(price_id, 1)])).await;
        let id = opened["id"].as_str().unwrap().to_owned();
        let response = self.set_customer(&id, new_york_customer()).await;
        expect_data(response, StatusCode::OK).await;
        expect_data(self.pay(&id, card(card_number)).await, StatusCode::OK).await
    }
}

/// `{"items": [{"price_id", "quantity"}…]}`: an open request's data.
pub fn items(lines: &[(&str, u64)]) -> Value {
    let items: Vec<_> = (lines.iter())
        .map(|(price_id, quantity)| json!({ "price_id": price_id, "quantity": quantity }))
        .collect();
    json!({ "items": items })
}

/// A customer body: email and address (postcode when given).
pub fn customer(email: &str, country_code: &str, postal_code: Option<&str>) -> Value {
    json!({
        "email": email,
        "address": { "country_code": country_code, "postal_code": postal_code },
    })
}

/// The customer of these tests: New York, where the recorded rate is 8.875 %.
pub fn new_york_customer() -> Value {
    customer("buyer@shop.test", "US", Some("10001"))
}

/// A card body for `number`, valid otherwise (expires 12/2099).
pub fn card(number: &str) -> Value {
    json!({
        "card_number": number,
        "expiry_month": 12,
        "expiry_year": 2099,
        "cvv": "123",
        "cardholder_name": "Ada Buyer",
    })
}
