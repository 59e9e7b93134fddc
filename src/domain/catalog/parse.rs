//! Reading a catalog to load (the admin API's `{"environment", "products",
//! "prices"}`, and a state document's `products` and `prices`) as strictly
//! as any other body: every problem at once, named by its path
//! (`prices.2.unit_price.amount`), in the validator's words and, where
//! Paddle's own are recorded, in Paddle's.

use serde_json::{Map, Value};

use super::super::validation::{self, Checked, Fields, Problem, child};
use super::super::{Environment, FieldError, Mint, Timestamp, ValidationErrors};
use super::{
    Amount, AmountError, BillingCycle, COUNTRY_CODES, Catalog, CatalogStatus, CatalogType,
    CountryCode, CurrencyCode, ImportMeta, Interval, MAX_AMOUNT, Money, Price, PriceId,
    PriceQuantity, Product, ProductId, TaxCategory, TaxMode, TrialPeriod, UnitPriceOverride,
};

const PRODUCT_FIELDS: [&str; 11] = [
    "id",
    "name",
    "description",
    "type",
    "tax_category",
    "image_url",
    "custom_data",
    "status",
    "import_meta",
    "created_at",
    "updated_at",
];

const PRICE_FIELDS: [&str; 16] = [
    "id",
    "description",
    "type",
    "name",
    "product_id",
    "billing_cycle",
    "trial_period",
    "tax_mode",
    "unit_price",
    "unit_price_overrides",
    "custom_data",
    "quantity",
    "status",
    "import_meta",
    "created_at",
    "updated_at",
];

/// Paddle's lengths: a product's name and description, a price's
/// description and name.
const PRODUCT_NAME: (usize, usize) = (1, 200);
const PRODUCT_DESCRIPTION: (usize, usize) = (0, 2048);
const PRICE_DESCRIPTION: (usize, usize) = (2, 500);
const PRICE_NAME: (usize, usize) = (1, 150);
/// A quantity's and a cycle's bounds, as Paddle's schema has them.
const QUANTITY: (i64, i64) = (1, 999_999_999);
const FREQUENCY: (i64, i64) = (1, 999_999_999);
const MAX_OVERRIDES: usize = 250;
/// `import_meta`'s texts, and an image URL.
const TEXT: (usize, usize) = (1, 2048);

/// Problems of the nested objects of one item, gathered with its own.
#[derive(Default)]
struct Nested(Vec<ValidationErrors>);

impl Nested {
    fn take<T>(&mut self, result: Result<T, ValidationErrors>) -> Option<T> {
        result.map_err(|errors| self.0.push(errors)).ok()
    }

    /// `value` when neither `fields` nor the nested objects had a problem.
    fn finish<T>(mut self, fields: Fields<'_>, value: Option<T>) -> Result<T, ValidationErrors> {
        match fields.finish(value) {
            Ok(value) if self.0.is_empty() => Ok(value),
            Ok(_) => Err(combined(self.0)),
            Err(errors) => {
                self.0.insert(0, errors);
                Err(combined(self.0))
            }
        }
    }
}

fn combined(errors: Vec<ValidationErrors>) -> ValidationErrors {
    ValidationErrors::combine(errors).unwrap_or(ValidationErrors::Schema(Vec::new()))
}

fn object(value: &Value) -> Checked<&Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| vec![Problem::expected("object", value)])
}

fn array(value: &Value) -> Checked<&Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| vec![Problem::expected("array", value)])
}

/// Reads the object at `field` of `fields` with `parse`, at its path.
fn nested<'a, T>(
    fields: &mut Fields<'a>,
    nested: &mut Nested,
    field: &str,
    parse: impl FnOnce(&str, &'a Map<String, Value>) -> Result<T, ValidationErrors>,
) -> Option<T> {
    let path = fields.path(field);
    let found = fields.required(field, object)?;
    nested.take(parse(&path, found))
}

/// The same for a field that may be absent or null.
fn nested_nullable<'a, T>(
    fields: &mut Fields<'a>,
    nested: &mut Nested,
    field: &str,
    parse: impl FnOnce(&str, &'a Map<String, Value>) -> Result<T, ValidationErrors>,
) -> Option<Option<T>> {
    let path = fields.path(field);
    match fields.nullable(field, object)? {
        None => Some(None),
        Some(found) => nested.take(parse(&path, found)).map(Some),
    }
}

/// Each object of the array at `field` (absent: none) read with `parse`.
fn nested_list<'a, T>(
    fields: &mut Fields<'a>,
    nested: &mut Nested,
    field: &str,
    max: usize,
    parse: impl Fn(&str, &'a Map<String, Value>) -> Result<T, ValidationErrors>,
) -> Option<Vec<T>> {
    let path = fields.path(field);
    let items = fields.optional(field, |value| {
        let items = array(value)?;
        match items.len() > max {
            true => Err(vec![Problem::MaxItems(max)]),
            false => Ok(items),
        }
    })?;
    let mut parsed = Vec::new();
    let mut failed = false;
    for (index, item) in items.into_iter().flatten().enumerate() {
        let item_path = child(&path, &index.to_string());
        let result = match item {
            Value::Object(found) => parse(&item_path, found),
            _ => Err(schema(&item_path, Problem::expected("object", item))),
        };
        match nested.take(result) {
            Some(value) => parsed.push(value),
            None => failed = true,
        }
    }
    (!failed).then_some(parsed)
}

fn schema(path: &str, problem: Problem) -> ValidationErrors {
    ValidationErrors::Schema(vec![FieldError::new(
        problem.field(path),
        problem.message(path),
    )])
}

/// Reads a catalog body: `environment` (`sandbox` when absent), and the
/// lists `products` and `prices` (each may be absent). Ids are minted
/// where none is given, timestamps taken from `mint` where none is. A
/// price's product and ids already stored are the caller's to check.
pub fn parse_catalog(
    body: &Map<String, Value>,
    mint: &Mint,
) -> Result<(Environment, Catalog), ValidationErrors> {
    let mut fields = Fields::new(body, &["environment", "products", "prices"]);
    let mut inner = Nested::default();
    let environment = fields.environment();
    let products = nested_list(
        &mut fields,
        &mut inner,
        "products",
        usize::MAX,
        |path, o| parse_product(path, o, mint),
    );
    let prices = nested_list(&mut fields, &mut inner, "prices", usize::MAX, |path, o| {
        parse_price(path, o, mint)
    });
    let parsed = match (environment, products, prices) {
        (Some(environment), Some(products), Some(prices)) => {
            Some((environment, Catalog { products, prices }))
        }
        _ => None,
    };
    let (environment, catalog) = inner.finish(fields, parsed)?;
    catalog.check_within("products", "prices")?;
    Ok((environment, catalog))
}

/// Said of an id given twice in one request or document.
pub const REPEATED: &str = "must be unique: another item in the list has it";

impl Catalog {
    /// Each id once, every price's product among the products given or
    /// in `stored`; the lists are named `products` and `prices` at
    /// `(products, prices)`.
    pub fn check_within(&self, products: &str, prices: &str) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (index, product) in self.products.iter().enumerate() {
            if !seen.insert(product.id.as_str()) {
                let field = child(&child(products, &index.to_string()), "id");
                errors.push(FieldError::new(field, REPEATED));
            }
        }
        for (index, price) in self.prices.iter().enumerate() {
            if !seen.insert(price.id.as_str()) {
                let field = child(&child(prices, &index.to_string()), "id");
                errors.push(FieldError::new(field, REPEATED));
            }
        }
        match errors.is_empty() {
            true => Ok(()),
            false => Err(ValidationErrors::Rule(errors)),
        }
    }
}

/// A product as the admin API takes it (Paddle's create-product body,
/// plus `id`, `status`, `import_meta` and the timestamps, each optional).
pub fn parse_product(
    path: &str,
    found: &Map<String, Value>,
    mint: &Mint,
) -> Result<Product, ValidationErrors> {
    let mut fields = Fields::at(path, found, &PRODUCT_FIELDS);
    let mut inner = Nested::default();
    let id = fields.optional("id", parse_id::<super::super::kind::Product>);
    let name = fields.required("name", |value| validation::string(value, PRODUCT_NAME));
    let description = fields.nullable("description", |value| {
        validation::string(value, PRODUCT_DESCRIPTION)
    });
    let kind = fields.optional("type", |value| {
        validation::one_of(value, CatalogType::NAMES)
    });
    let tax_category = fields.required("tax_category", |value| {
        validation::one_of::<TaxCategory>(value, TaxCategory::NAMES)
    });
    let image_url = fields.nullable("image_url", image_url);
    let custom_data = fields.nullable("custom_data", |value| object(value).cloned());
    let status = fields.optional("status", |value| {
        validation::one_of(value, CatalogStatus::NAMES)
    });
    let import_meta = nested_nullable(&mut fields, &mut inner, "import_meta", parse_import_meta);
    let times = timestamps(&mut fields, mint);
    let product = (|| {
        let (created_at, updated_at) = times?;
        Some(Product {
            id: id?.unwrap_or_else(|| ProductId::mint_at(mint, created_at)),
            name: name?,
            description: description?,
            kind: kind?.unwrap_or(CatalogType::Standard),
            tax_category: tax_category?,
            image_url: image_url?,
            custom_data: custom_data?,
            status: status?.unwrap_or(CatalogStatus::Active),
            import_meta: import_meta?,
            created_at,
            updated_at,
        })
    })();
    inner.finish(fields, product)
}

/// A price as the admin API takes it (Paddle's create-price body, plus
/// `id`, `status`, `import_meta` and the timestamps, each optional).
pub fn parse_price(
    path: &str,
    found: &Map<String, Value>,
    mint: &Mint,
) -> Result<Price, ValidationErrors> {
    let mut fields = Fields::at(path, found, &PRICE_FIELDS);
    let mut inner = Nested::default();
    let id = fields.optional("id", parse_id::<super::super::kind::Price>);
    let description = fields.required("description", |value| {
        validation::string(value, PRICE_DESCRIPTION)
    });
    let kind = fields.optional("type", |value| {
        validation::one_of(value, CatalogType::NAMES)
    });
    let name = fields.nullable("name", |value| validation::string(value, PRICE_NAME));
    let product_id = fields.required("product_id", parse_id::<super::super::kind::Product>);
    let billing_cycle = nested_nullable(&mut fields, &mut inner, "billing_cycle", parse_cycle);
    let trial_period = nested_nullable(&mut fields, &mut inner, "trial_period", parse_trial);
    let tax_mode = fields.optional("tax_mode", |value| {
        validation::one_of(value, TaxMode::NAMES)
    });
    let unit_price = nested(&mut fields, &mut inner, "unit_price", parse_money);
    let overrides = nested_list(
        &mut fields,
        &mut inner,
        "unit_price_overrides",
        MAX_OVERRIDES,
        parse_override,
    );
    let custom_data = fields.nullable("custom_data", |value| object(value).cloned());
    let quantity = match fields.has("quantity") {
        true => nested(&mut fields, &mut inner, "quantity", parse_quantity),
        false => Some(PriceQuantity::DEFAULT),
    };
    let status = fields.optional("status", |value| {
        validation::one_of(value, CatalogStatus::NAMES)
    });
    let import_meta = nested_nullable(&mut fields, &mut inner, "import_meta", parse_import_meta);
    let times = timestamps(&mut fields, mint);
    let price = (|| {
        let (created_at, updated_at) = times?;
        Some(Price {
            id: id?.unwrap_or_else(|| PriceId::mint_at(mint, created_at)),
            description: description?,
            kind: kind?.unwrap_or(CatalogType::Standard),
            name: name?,
            product_id: product_id?,
            billing_cycle: billing_cycle?,
            trial_period: trial_period?,
            tax_mode: tax_mode?.unwrap_or(TaxMode::AccountSetting),
            unit_price: unit_price?,
            unit_price_overrides: overrides?,
            custom_data: custom_data?,
            quantity: quantity?,
            status: status?.unwrap_or(CatalogStatus::Active),
            created_at,
            updated_at,
            import_meta: import_meta?,
        })
    })();
    inner.finish(fields, price)
}

/// `created_at` (the mint's instant when absent) and `updated_at`
/// (`created_at` when absent), which may not be earlier.
fn timestamps(fields: &mut Fields<'_>, mint: &Mint) -> Option<(Timestamp, Timestamp)> {
    let created_at = fields.optional("created_at", validation::timestamp);
    let updated_at = fields.optional("updated_at", validation::timestamp);
    let created_at = created_at?.unwrap_or_else(|| mint.now());
    let updated_at = updated_at?.unwrap_or(created_at);
    if updated_at < created_at {
        fields.rule("updated_at", "must not be before created_at");
    }
    Some((created_at, updated_at))
}

fn parse_id<K: super::super::IdKind>(value: &Value) -> Checked<super::super::Id<K>> {
    let text = validation::matching(value, K::PATTERN, |text| {
        super::super::Id::<K>::parse(text).is_some()
    })?;
    super::super::Id::parse(&text).ok_or_else(|| vec![Problem::Pattern(K::PATTERN)])
}

/// A URL (`http` or `https`), or `""`, as Paddle allows.
fn image_url(value: &Value) -> Checked<String> {
    let text = validation::string(value, (0, TEXT.1))?;
    let is_url = |text: &str| {
        url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
    };
    match text.is_empty() || is_url(&text) {
        true => Ok(text),
        false => Err(vec![Problem::Format("uri")]),
    }
}

fn parse_money(path: &str, found: &Map<String, Value>) -> Result<Money, ValidationErrors> {
    let mut fields = Fields::at(path, found, &["amount", "currency_code"]);
    let amount = fields.required("amount", amount);
    let currency_code = fields.required("currency_code", |value| {
        validation::one_of::<CurrencyCode>(value, <CurrencyCode as strum::VariantNames>::VARIANTS)
    });
    let money = match (amount, currency_code) {
        (Some(amount), Some(currency_code)) => Some(Money {
            amount,
            currency_code,
        }),
        _ => None,
    };
    fields.finish(money)
}

/// A string of digits: "Although represented as a string, this value must
/// be a valid integer" (Paddle); a negative one in Paddle's recorded words.
fn amount(value: &Value) -> Checked<Amount> {
    let Value::String(text) = value else {
        return Err(vec![Problem::expected("string", value)]);
    };
    Amount::parse(text).map_err(|error| match error {
        AmountError::Negative => vec![Problem::Negative],
        AmountError::Invalid if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() => {
            vec![Problem::Maximum(MAX_AMOUNT as i64)]
        }
        AmountError::Invalid => vec![Problem::Pattern(r"^\d+$")],
    })
}

fn parse_override(
    path: &str,
    found: &Map<String, Value>,
) -> Result<UnitPriceOverride, ValidationErrors> {
    let mut fields = Fields::at(path, found, &["country_codes", "unit_price"]);
    let mut inner = Nested::default();
    let country_codes = fields.required("country_codes", country_codes);
    let unit_price = nested(&mut fields, &mut inner, "unit_price", parse_money);
    let parsed = match (country_codes, unit_price) {
        (Some(country_codes), Some(unit_price)) => Some(UnitPriceOverride {
            country_codes,
            unit_price,
        }),
        _ => None,
    };
    inner.finish(fields, parsed)
}

/// At least one country, each once, each an ISO 3166-1 alpha-2 code.
fn country_codes(value: &Value) -> Checked<Vec<CountryCode>> {
    let items = array(value)?;
    let (mut codes, mut problems) = (Vec::<CountryCode>::new(), Vec::new());
    for (index, item) in items.iter().enumerate() {
        let code = match item {
            Value::String(text) => CountryCode::parse(text),
            _ => {
                let problem = Problem::expected("string", item);
                problems.push(Problem::Item(index, Box::new(problem)));
                continue;
            }
        };
        match code {
            Some(code) => match codes.iter().position(|c| *c == code) {
                Some(first) => problems.push(Problem::Unique(first, index)),
                None => codes.push(code),
            },
            None => {
                let problem = Problem::OneOf(COUNTRY_CODES.to_vec());
                problems.push(Problem::Item(index, Box::new(problem)));
            }
        }
    }
    if items.is_empty() {
        problems.push(Problem::MinItems(1));
    }
    match problems.is_empty() {
        true => Ok(codes),
        false => Err(problems),
    }
}

fn interval(value: &Value) -> Checked<Interval> {
    validation::one_of(value, Interval::NAMES)
}

fn frequency(value: &Value) -> Checked<u32> {
    validation::integer(value, FREQUENCY).map(|n| n as u32)
}

fn parse_cycle(path: &str, found: &Map<String, Value>) -> Result<BillingCycle, ValidationErrors> {
    let mut fields = Fields::at(path, found, &["interval", "frequency"]);
    let interval = fields.required("interval", interval);
    let frequency = fields.required("frequency", frequency);
    let cycle = match (interval, frequency) {
        (Some(interval), Some(frequency)) => Some(BillingCycle {
            interval,
            frequency,
        }),
        _ => None,
    };
    fields.finish(cycle)
}

const TRIAL_FIELDS: [&str; 5] = [
    "interval",
    "frequency",
    "requires_payment_method",
    "unit_price",
    "unit_price_overrides",
];

fn parse_trial(path: &str, found: &Map<String, Value>) -> Result<TrialPeriod, ValidationErrors> {
    let mut fields = Fields::at(path, found, &TRIAL_FIELDS);
    let mut inner = Nested::default();
    let interval = fields.required("interval", interval);
    let frequency = fields.required("frequency", frequency);
    let requires = fields.optional("requires_payment_method", validation::boolean);
    let unit_price = nested_nullable(&mut fields, &mut inner, "unit_price", parse_money);
    let overrides = nested_list(
        &mut fields,
        &mut inner,
        "unit_price_overrides",
        MAX_OVERRIDES,
        parse_override,
    );
    let trial = (|| {
        Some(TrialPeriod {
            interval: interval?,
            frequency: frequency?,
            requires_payment_method: requires?.unwrap_or(true),
            unit_price: unit_price?,
            unit_price_overrides: overrides?,
        })
    })();
    inner.finish(fields, trial)
}

/// Both bounds, from 1; the maximum not under the minimum (Paddle names
/// the object for that, and says only "Invalid request.").
fn parse_quantity(
    path: &str,
    found: &Map<String, Value>,
) -> Result<PriceQuantity, ValidationErrors> {
    let mut fields = Fields::at(path, found, &["minimum", "maximum"]);
    let minimum = fields.required("minimum", |value| validation::integer(value, QUANTITY));
    let maximum = fields.required("maximum", |value| validation::integer(value, QUANTITY));
    let quantity = match (minimum, maximum) {
        (Some(minimum), Some(maximum)) => Some(PriceQuantity {
            minimum: minimum as u32,
            maximum: maximum as u32,
        }),
        _ => None,
    };
    let quantity = fields.finish(quantity)?;
    match quantity.maximum < quantity.minimum {
        true => Err(schema(path, Problem::Invalid)),
        false => Ok(quantity),
    }
}

fn parse_import_meta(
    path: &str,
    found: &Map<String, Value>,
) -> Result<ImportMeta, ValidationErrors> {
    let mut fields = Fields::at(path, found, &["imported_from", "external_id"]);
    let imported_from = fields.required("imported_from", |value| validation::string(value, TEXT));
    let external_id = fields.nullable("external_id", |value| validation::string(value, TEXT));
    let meta = match (imported_from, external_id) {
        (Some(imported_from), Some(external_id)) => Some(ImportMeta {
            imported_from,
            external_id,
        }),
        _ => None,
    };
    fields.finish(meta)
}

#[cfg(test)]
mod tests;
