//! The parts of a catalog entity, each read at its path as its own object
//! (`prices.0.unit_price`), and the helpers that gather their problems
//! with their item's.

use serde_json::{Map, Value};

use super::super::super::validation::{self, Checked, Fields, Problem, child};
use super::super::super::{FieldError, Id, IdKind, ValidationErrors};
use super::super::{
    Amount, AmountError, BillingCycle, COUNTRY_CODES, CountryCode, CurrencyCode, ImportMeta,
    Interval, MAX_AMOUNT, Money, PriceQuantity, TrialPeriod, UnitPriceOverride,
};

/// A quantity's and a cycle's bounds, as Paddle's schema has them.
pub(super) const QUANTITY: (i64, i64) = (1, 999_999_999);
pub(super) const FREQUENCY: (i64, i64) = (1, 999_999_999);
pub(super) const MAX_OVERRIDES: usize = 250;
/// `import_meta`'s texts, and an image URL.
pub(super) const TEXT: (usize, usize) = (1, 2048);

/// Problems of the nested objects of one item, gathered with its own.
#[derive(Default)]
pub(super) struct Nested(Vec<ValidationErrors>);

impl Nested {
    pub(super) fn take<T>(&mut self, result: Result<T, ValidationErrors>) -> Option<T> {
        result.map_err(|errors| self.0.push(errors)).ok()
    }

    /// `value` when neither `fields` nor the nested objects had a problem.
    pub(super) fn finish<T>(
        mut self,
        fields: Fields<'_>,
        value: Option<T>,
    ) -> Result<T, ValidationErrors> {
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

pub(super) fn combined(errors: Vec<ValidationErrors>) -> ValidationErrors {
    ValidationErrors::combine(errors).unwrap_or(ValidationErrors::Schema(Vec::new()))
}

pub(super) fn object(value: &Value) -> Checked<&Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| vec![Problem::expected("object", value)])
}

pub(super) fn array(value: &Value) -> Checked<&Vec<Value>> {
    value
        .as_array()
        .ok_or_else(|| vec![Problem::expected("array", value)])
}

/// Reads the object at `field` of `fields` with `parse`, at its path.
pub(super) fn nested<'a, T>(
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
pub(super) fn nested_nullable<'a, T>(
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
pub(super) fn nested_list<'a, T>(
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

pub(super) fn schema(path: &str, problem: Problem) -> ValidationErrors {
    ValidationErrors::Schema(vec![FieldError::new(
        problem.field(path),
        problem.message(path),
    )])
}

pub(super) fn parse_id<K: IdKind>(value: &Value) -> Checked<Id<K>> {
    let text = validation::matching(value, K::PATTERN, |text| Id::<K>::parse(text).is_some())?;
    Id::parse(&text).ok_or_else(|| vec![Problem::Pattern(K::PATTERN)])
}

/// A URL (`http` or `https`), or `""`, as Paddle allows.
pub(super) fn image_url(value: &Value) -> Checked<String> {
    let text = validation::string(value, (0, TEXT.1))?;
    let is_url = |text: &str| {
        url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
    };
    match text.is_empty() || is_url(&text) {
        true => Ok(text),
        false => Err(vec![Problem::Format("uri")]),
    }
}

pub(super) fn parse_money(
    path: &str,
    found: &Map<String, Value>,
) -> Result<Money, ValidationErrors> {
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
pub(super) fn amount(value: &Value) -> Checked<Amount> {
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

pub(super) fn parse_override(
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
pub(super) fn country_codes(value: &Value) -> Checked<Vec<CountryCode>> {
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

pub(super) fn interval(value: &Value) -> Checked<Interval> {
    validation::one_of(value, Interval::NAMES)
}

pub(super) fn frequency(value: &Value) -> Checked<u32> {
    validation::integer(value, FREQUENCY).map(|n| n as u32)
}

pub(super) fn parse_cycle(
    path: &str,
    found: &Map<String, Value>,
) -> Result<BillingCycle, ValidationErrors> {
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

pub(super) const TRIAL_FIELDS: [&str; 5] = [
    "interval",
    "frequency",
    "requires_payment_method",
    "unit_price",
    "unit_price_overrides",
];

pub(super) fn parse_trial(
    path: &str,
    found: &Map<String, Value>,
) -> Result<TrialPeriod, ValidationErrors> {
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
pub(super) fn parse_quantity(
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

pub(super) fn parse_import_meta(
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
