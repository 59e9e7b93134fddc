//! The bodies of the checkout's routes, read in Paddle's words. Each
//! `from_json` takes the body, `{"data": {...}}`, or its `data` object.

use serde_json::{Map, Value};

use super::pricing::postcode_required;
use super::settings::settings;
use super::{CheckoutSettings, TransactionId};
use crate::domain::pricing::MAX_ITEMS;
use crate::domain::validation::child;
use crate::domain::{CountryCode, Fields, PriceId, ValidationErrors};

pub const EMAIL_MESSAGE: &str = "Enter a valid email address";
pub const COUNTRY_MESSAGE: &str = "Choose a country";
pub const ITEMS_MESSAGE: &str =
    "Give either items (1 to 100 of {price_id, quantity}) or a transaction_id, not both";
pub const CUSTOMER_FIRST_MESSAGE: &str = "Enter an email address and country before paying";

/// One line asked for: a catalog price and how many.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutItem {
    pub price_id: PriceId,
    pub quantity: i64,
}

/// What a checkout sells: a cart, or a transaction paddock holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckoutTarget {
    Items(Vec<CheckoutItem>),
    Transaction(TransactionId),
}

/// Who is buying: an email, a country and (where asked) a postcode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerDetails {
    pub email: String,
    pub country_code: CountryCode,
    pub postal_code: Option<String>,
}

/// `POST /transaction-checkout`'s `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCheckout {
    pub target: CheckoutTarget,
    /// Only a whole customer (email and address) is used: an email alone is
    /// not enough to make one *(assumed)*, and is ignored.
    pub customer: Option<CustomerDetails>,
    pub custom_data: Option<Map<String, Value>>,
    /// Refused by the service: paddock has no discounts.
    pub discount_id: Option<String>,
    pub settings: CheckoutSettings,
}

/// `Checkout.updateCheckout`: each part optional; `custom_data: null`
/// clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckoutUpdate {
    pub items: Option<Vec<CheckoutItem>>,
    pub custom_data: Option<Option<Map<String, Value>>>,
    pub customer: Option<CustomerDetails>,
}

/// The admin API's completion: paid or declined, with the customer to use
/// when the checkout has none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid { customer: Option<CustomerDetails> },
    Declined { customer: Option<CustomerDetails> },
}

/// The 3-D Secure step's answer: `{"outcome":"accept"|"refuse"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authentication {
    pub accepted: bool,
}

/// The object inside `{"data": {...}}`, or the body itself.
pub(super) fn body_data(
    body: &Map<String, Value>,
) -> Result<&Map<String, Value>, ValidationErrors> {
    match body.get("data") {
        Some(Value::Object(data)) if body.len() == 1 => Ok(data),
        Some(_) if body.len() == 1 => Err(ValidationErrors::rule("data", "Expected an object")),
        _ => Ok(body),
    }
}

pub(super) fn text_field<'a>(body: &'a Map<String, Value>, field: &str) -> Option<&'a str> {
    body.get(field).and_then(Value::as_str)
}

/// `a@b.c`, without spaces, at most 254 characters.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|part| !part.is_empty())
        && !text.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn items(fields: &mut Fields<'_>, path: &str, value: &Value) -> Option<Vec<CheckoutItem>> {
    let Value::Array(list) = value else {
        fields.rule("items", ITEMS_MESSAGE);
        return None;
    };
    if list.is_empty() || list.len() > MAX_ITEMS {
        fields.rule("items", ITEMS_MESSAGE);
        return None;
    }
    let mut parsed = Vec::with_capacity(list.len());
    for (index, item) in list.iter().enumerate() {
        let at = |field: &str| format!("{path}.{index}.{field}");
        let object = item.as_object();
        let price_id = object
            .and_then(|o| text_field(o, "price_id"))
            .and_then(PriceId::parse);
        let quantity = match object.and_then(|o| o.get("quantity")) {
            None | Some(Value::Null) => Some(1),
            Some(value) => value.as_i64(),
        };
        match (price_id, quantity) {
            (Some(price_id), Some(quantity)) => parsed.push(CheckoutItem { price_id, quantity }),
            (None, _) => fields.rule(&at("price_id"), "Enter a price id, pri_ and 26 characters"),
            (_, None) => fields.rule(&at("quantity"), "Enter a whole number"),
        }
    }
    (parsed.len() == list.len()).then_some(parsed)
}

impl CheckoutItem {
    /// `{"items": [{price_id, quantity}]}` (`Checkout.updateItems`).
    pub fn list_from_json(body: &Map<String, Value>) -> Result<Vec<Self>, ValidationErrors> {
        let body = body_data(body)?;
        let mut fields = Fields::new(body, &["items"]);
        let parsed = match body.get("items") {
            Some(value) => items(&mut fields, "items", value),
            None => {
                fields.rule("items", ITEMS_MESSAGE);
                None
            }
        };
        fields.finish(parsed)
    }
}

impl CustomerDetails {
    /// `{"email", "address": {"country_code", "postal_code"}}`; the
    /// address's fields may also be given beside `email`.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        parse_customer("(root)", body_data(body)?)
    }
}

/// A customer at `context` (`(root)` or `customer`).
fn parse_customer(
    context: &str,
    body: &Map<String, Value>,
) -> Result<CustomerDetails, ValidationErrors> {
    let known = ["email", "address", "country_code", "postal_code"];
    let mut fields = Fields::at(context, body, &known);
    let email = text_field(body, "email")
        .map(str::trim)
        .filter(|e| is_email(e));
    if email.is_none() {
        fields.rule("email", EMAIL_MESSAGE);
    }
    let (address, at) = match body.get("address") {
        Some(Value::Object(address)) => (address, "address."),
        _ => (body, ""),
    };
    let country = text_field(address, "country_code").and_then(CountryCode::parse);
    if country.is_none() {
        fields.rule(&format!("{at}country_code"), COUNTRY_MESSAGE);
    }
    let postal_code = text_field(address, "postal_code")
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_owned);
    if let Some(country) = country {
        if postal_code.is_none() && postcode_required(country) {
            let message = format!("Enter a postcode: it is asked for in {country}");
            fields.rule(&format!("{at}postal_code"), message);
        }
        if postal_code
            .as_ref()
            .is_some_and(|code| code.chars().count() > 200)
        {
            fields.rule(&format!("{at}postal_code"), "Enter at most 200 characters");
        }
    }
    let customer = (|| {
        Some(CustomerDetails {
            email: email?.to_owned(),
            country_code: country?,
            postal_code,
        })
    })();
    fields.finish(customer)
}

/// A customer given at `field` of `body`, if any: `None` when absent, null,
/// or an email alone.
fn nested_customer(
    body: &Map<String, Value>,
    field: &str,
    errors: &mut Vec<ValidationErrors>,
) -> Option<CustomerDetails> {
    let object = body.get(field)?.as_object()?;
    let has_address = object.contains_key("address") || object.contains_key("country_code");
    if !has_address {
        return None;
    }
    parse_customer(&child("(root)", field), object)
        .map_err(|e| errors.push(e))
        .ok()
}

fn finish<T>(
    fields: Fields<'_>,
    value: Option<T>,
    nested: Vec<ValidationErrors>,
) -> Result<T, ValidationErrors> {
    let own = fields.finish(value);
    match (own, ValidationErrors::combine(nested)) {
        (Ok(value), None) => Ok(value),
        (Ok(_), Some(errors)) => Err(errors),
        (Err(errors), more) => Err(ValidationErrors::combine([errors].into_iter().chain(more))
            .unwrap_or(ValidationErrors::Schema(Vec::new()))),
    }
}

fn custom_data(
    fields: &mut Fields<'_>,
    body: &Map<String, Value>,
) -> Option<Option<Map<String, Value>>> {
    match body.get("custom_data") {
        None | Some(Value::Null) => Some(None),
        Some(Value::Object(object)) => Some(Some(object.clone())),
        Some(_) => {
            fields.rule("custom_data", "Expected an object or null");
            None
        }
    }
}

impl OpenCheckout {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let body = body_data(body)?;
        let known = [
            "items",
            "transaction_id",
            "customer",
            "custom_data",
            "discount_id",
            "settings",
        ];
        let mut fields = Fields::new(body, &known);
        let mut nested = Vec::new();
        let target = match (body.get("items"), body.get("transaction_id")) {
            (Some(list), None) => items(&mut fields, "items", list).map(CheckoutTarget::Items),
            (None, Some(id)) => match id.as_str().and_then(TransactionId::parse) {
                Some(id) => Some(CheckoutTarget::Transaction(id)),
                None => {
                    fields.rule(
                        "transaction_id",
                        "Enter a transaction id, txn_ and 26 characters",
                    );
                    None
                }
            },
            _ => {
                fields.rule("items", ITEMS_MESSAGE);
                None
            }
        };
        let customer = nested_customer(body, "customer", &mut nested);
        let custom_data = custom_data(&mut fields, body);
        let discount_id = match body.get("discount_id") {
            None | Some(Value::Null) => Some(None),
            Some(Value::String(id)) => Some(Some(id.clone())),
            Some(_) => {
                fields.rule("discount_id", "Expected a discount id");
                None
            }
        };
        let settings = settings(body, &mut nested);
        let open = (|| {
            Some(Self {
                target: target?,
                customer,
                custom_data: custom_data?,
                discount_id: discount_id?,
                settings: settings?,
            })
        })();
        finish(fields, open, nested)
    }
}

impl CheckoutUpdate {
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let body = body_data(body)?;
        let mut fields = Fields::new(body, &["items", "custom_data", "customer"]);
        let mut nested = Vec::new();
        let items = match body.get("items") {
            None | Some(Value::Null) => Some(None),
            Some(list) => items(&mut fields, "items", list).map(Some),
        };
        let custom_data = match body.contains_key("custom_data") {
            true => custom_data(&mut fields, body).map(Some),
            false => Some(None),
        };
        let customer = nested_customer(body, "customer", &mut nested);
        let update = (|| {
            Some(Self {
                items: items?,
                custom_data: custom_data?,
                customer,
            })
        })();
        finish(fields, update, nested)
    }
}

impl Outcome {
    /// `{"outcome": "paid"|"declined", "customer"?: {...}}`.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let body = body_data(body)?;
        let mut fields = Fields::new(body, &["outcome", "customer"]);
        let mut nested = Vec::new();
        let customer = match body.get("customer") {
            Some(Value::Object(object)) => parse_customer("customer", object)
                .map_err(|e| nested.push(e))
                .ok(),
            _ => None,
        };
        let outcome = match text_field(body, "outcome") {
            Some("paid") => Some(Self::Paid { customer }),
            Some("declined") => Some(Self::Declined { customer }),
            _ => {
                fields.rule("outcome", "Expected paid or declined");
                None
            }
        };
        finish(fields, outcome, nested)
    }

    pub fn customer(&self) -> Option<&CustomerDetails> {
        match self {
            Self::Paid { customer } | Self::Declined { customer } => customer.as_ref(),
        }
    }
}

impl Authentication {
    /// `{"outcome": "accept"|"refuse"}`.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let body = body_data(body)?;
        let mut fields = Fields::new(body, &["outcome"]);
        let accepted = match text_field(body, "outcome") {
            Some("accept") => Some(true),
            Some("refuse") => Some(false),
            _ => {
                fields.rule("outcome", "Expected accept or refuse");
                None
            }
        };
        fields.finish(accepted.map(|accepted| Self { accepted }))
    }
}
