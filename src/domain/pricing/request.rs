//! The bodies of `POST /pricing-preview` and `POST /transactions/preview`,
//! read through the one field reader, in the schema's words.

use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::domain::validation::{self, Checked, Fields, Problem, ValidationErrors, child};
use crate::domain::{COUNTRY_CODES, CountryCode, CurrencyCode, PriceId};

/// The most items one preview may hold (the schema's `maxItems`).
pub const MAX_ITEMS: usize = 100;

/// The longest `postal_code` (the schema's `maxLength`).
pub const POSTAL_CODE_LENGTH: (usize, usize) = (0, 200);

/// The ids of entities paddock has none of yet, checked by their patterns.
pub const CUSTOMER_ID: &str = r"^ctm_[a-z\d]{26}$";
pub const ADDRESS_ID: &str = r"^add_[a-z\d]{26}$";
pub const BUSINESS_ID: &str = r"^biz_[a-z\d]{26}$";
pub const DISCOUNT_ID: &str = r"^dsc_[a-z\d]{26}$";

/// Which preview a body is for: the transaction preview also takes
/// `ignore_trials` and each item's `include_in_totals`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewKind {
    Prices,
    Transaction,
}

/// A location to tax by, as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewAddress {
    pub country_code: CountryCode,
    /// `None` when not sent: echoed as `""`, as Paddle echoes it.
    pub postal_code: Option<String>,
}

/// One line asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewItem {
    pub price_id: PriceId,
    pub quantity: i64,
    /// Transaction previews only; always true for price previews.
    pub include_in_totals: bool,
}

/// A validated preview request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreviewRequest {
    pub kind: PreviewKind,
    pub items: Vec<PreviewItem>,
    pub customer_id: Option<String>,
    pub address_id: Option<String>,
    pub business_id: Option<String>,
    pub currency_code: Option<CurrencyCode>,
    pub discount_id: Option<String>,
    pub address: Option<PreviewAddress>,
    pub customer_ip_address: Option<String>,
    /// Transaction previews only: price trials as if they had ended.
    pub ignore_trials: bool,
}

const PRICE_FIELDS: [&str; 8] = [
    "items",
    "customer_id",
    "address_id",
    "business_id",
    "currency_code",
    "discount_id",
    "address",
    "customer_ip_address",
];

impl PreviewRequest {
    /// Reads a body of `kind`'s schema, every problem at once.
    pub fn from_json(
        kind: PreviewKind,
        body: &Map<String, Value>,
    ) -> Result<Self, ValidationErrors> {
        let mut known = PRICE_FIELDS.to_vec();
        if kind == PreviewKind::Transaction {
            known.push("ignore_trials");
        }
        let mut fields = Fields::new(body, &known);
        let mut nested = Vec::new();
        let items = fields.required("items", |value| items_array(value));
        let items = items.and_then(|items| {
            let path = fields.path("items");
            let parsed: Vec<_> = (items.iter().enumerate())
                .map(|(index, item)| parse_item(kind, &child(&path, &index.to_string()), item))
                .collect();
            let mut ok = Vec::new();
            for item in parsed {
                match item {
                    Ok(item) => ok.push(item),
                    Err(errors) => nested.push(errors),
                }
            }
            (ok.len() == items.len()).then_some(ok)
        });
        let id = |pattern| move |value: &Value| paddle_id(value, pattern);
        let customer_id = fields.nullable("customer_id", id(CUSTOMER_ID));
        let address_id = fields.nullable("address_id", id(ADDRESS_ID));
        let business_id = fields.nullable("business_id", id(BUSINESS_ID));
        let currency_code = fields.nullable("currency_code", |value| {
            validation::one_of(value, <CurrencyCode as strum::VariantNames>::VARIANTS)
        });
        let discount_id = fields.nullable("discount_id", id(DISCOUNT_ID));
        let address = match body.get("address") {
            Some(Value::Object(object)) => match parse_address(&fields.path("address"), object) {
                Ok(address) => Some(Some(address)),
                Err(errors) => {
                    nested.push(errors);
                    None
                }
            },
            _ => fields
                .nullable("address", |value| {
                    Err(vec![Problem::expected("object", value)])
                })
                .map(|_: Option<()>| None),
        };
        let customer_ip_address = fields.nullable("customer_ip_address", |value| {
            validation::formatted(value, "ip-address", |text| {
                text.parse::<IpAddr>().ok().map(|_| text.to_owned())
            })
        });
        let ignore_trials = match kind {
            PreviewKind::Transaction => fields.nullable("ignore_trials", validation::boolean),
            PreviewKind::Prices => Some(None),
        };
        let parsed = (|| {
            Some(Self {
                kind,
                items: items?,
                customer_id: customer_id?,
                address_id: address_id?,
                business_id: business_id?,
                currency_code: currency_code?,
                discount_id: discount_id?,
                address: address?,
                customer_ip_address: customer_ip_address?,
                ignore_trials: ignore_trials?.unwrap_or(false),
            })
        })();
        let own = fields.finish(parsed);
        match (own, ValidationErrors::combine(nested)) {
            (Ok(request), None) => Ok(request),
            (Ok(_), Some(errors)) => Err(errors),
            (Err(errors), more) => Err(ValidationErrors::combine([errors].into_iter().chain(more))
                .unwrap_or_else(|| ValidationErrors::Schema(Vec::new()))),
        }
    }
}

/// An array of 1 to [`MAX_ITEMS`] values (each item is read on its own).
fn items_array(value: &Value) -> Checked<&Vec<Value>> {
    let Value::Array(items) = value else {
        return Err(vec![Problem::expected("array", value)]);
    };
    match items.len() {
        0 => Err(vec![Problem::MinItems(1)]),
        n if n > MAX_ITEMS => Err(vec![Problem::MaxItems(MAX_ITEMS)]),
        _ => Ok(items),
    }
}

/// One item at `path` (`items.2`): a catalog price and a quantity.
fn parse_item(
    kind: PreviewKind,
    path: &str,
    value: &Value,
) -> Result<PreviewItem, ValidationErrors> {
    let Value::Object(object) = value else {
        let problem = Problem::expected("object", value);
        let error = validation::FieldError::new(path, problem.message(path));
        return Err(ValidationErrors::Schema(vec![error]));
    };
    let known: &[&str] = match kind {
        PreviewKind::Prices => &["price_id", "quantity"],
        PreviewKind::Transaction => &["price_id", "quantity", "include_in_totals", "price"],
    };
    let mut fields = Fields::at(path, object, known);
    // paddock has no non-catalog prices: said plainly, rather than as a
    // missing `price_id`.
    let price_id = if fields.has("price") {
        fields.rule(
            "price",
            "paddock previews catalog prices only: send a price_id instead of a price object",
        );
        None
    } else {
        fields.required("price_id", |value| {
            validation::matching(
                value,
                <crate::domain::kind::Price as crate::domain::IdKind>::PATTERN,
                |text| PriceId::parse(text).is_some(),
            )
        })
    };
    let quantity = fields.required("quantity", |value| {
        validation::integer(value, (1, i64::MAX))
    });
    let include_in_totals = match kind {
        PreviewKind::Transaction => fields.nullable("include_in_totals", validation::boolean),
        PreviewKind::Prices => Some(None),
    };
    let item = (|| {
        Some(PreviewItem {
            price_id: PriceId::parse(&price_id?)?,
            quantity: quantity?,
            include_in_totals: include_in_totals?.unwrap_or(true),
        })
    })();
    fields.finish(item)
}

/// `{country_code, postal_code}` at `path`.
fn parse_address(
    path: &str,
    object: &Map<String, Value>,
) -> Result<PreviewAddress, ValidationErrors> {
    let mut fields = Fields::at(path, object, &["country_code", "postal_code"]);
    let country_code = fields.required("country_code", country_code);
    let postal_code = fields.nullable("postal_code", |value| {
        validation::string(value, POSTAL_CODE_LENGTH)
    });
    let address = (|| {
        Some(PreviewAddress {
            country_code: country_code?,
            postal_code: postal_code?,
        })
    })();
    fields.finish(address)
}

/// An assigned ISO 3166-1 alpha-2 code, in capitals.
fn country_code(value: &Value) -> Checked<CountryCode> {
    match value {
        Value::String(text) => {
            CountryCode::parse(text).ok_or_else(|| vec![Problem::OneOf(COUNTRY_CODES.to_vec())])
        }
        _ => Err(vec![Problem::expected("string", value)]),
    }
}

/// An id of an entity paddock keeps none of, by its pattern.
fn paddle_id(value: &Value, pattern: &'static str) -> Checked<String> {
    let prefix_end = pattern.find('_').map_or(0, |i| i + 1);
    let prefix = &pattern[1..prefix_end];
    validation::matching(value, pattern, |text| {
        text.strip_prefix(prefix).is_some_and(|rest| {
            rest.len() == 26
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
        })
    })
}
