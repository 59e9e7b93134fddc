//! Tax rates as Paddle writes them (`"0.2"`, `"0.08875"`): exact decimals,
//! held as parts per million. And an account's rates by country.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::super::validation::{Fields, Problem, message};
use super::super::{FieldError, ValidationErrors};
use super::CountryCode;

/// [`TaxRate::parse`] as a schema's `pattern`.
const RATE_PATTERN: &str = r"^(0(\.\d{1,6})?|1(\.0{1,6})?)$";

/// A rate from 0 to 1 with at most six decimals, held exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TaxRate(u32);

const MILLION: u32 = 1_000_000;

impl TaxRate {
    pub const ZERO: Self = Self(0);

    /// `parts` millionths: `TaxRate::from_ppm(200_000)` is 20%.
    pub fn from_ppm(parts: u32) -> Option<Self> {
        (parts <= MILLION).then_some(Self(parts))
    }

    /// Millionths of the amount taxed.
    pub fn ppm(self) -> u32 {
        self.0
    }

    /// `0`, `1`, `0.2`, `0.08875`, `1.0`: digits, a point and at most six
    /// decimals, from 0 to 1. No sign, exponent or spaces.
    pub fn parse(text: &str) -> Option<Self> {
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        let fraction_ok = !text.contains('.') || !fraction.is_empty();
        if whole.is_empty() || !digits(whole) || !digits(fraction) || !fraction_ok {
            return None;
        }
        if fraction.len() > 6 || whole.len() > 7 {
            return None;
        }
        let whole: u32 = whole.parse().ok()?;
        let padded = format!("{fraction:0<6}");
        let fraction: u32 = padded.parse().ok()?;
        Self::from_ppm(whole.checked_mul(MILLION)?.checked_add(fraction)?)
    }
}

/// Paddle's shortest form: `0`, `1`, `0.2`, `0.08875`.
impl fmt::Display for TaxRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = (self.0 / MILLION, self.0 % MILLION);
        if fraction == 0 {
            return write!(f, "{whole}");
        }
        let decimals = format!("{fraction:06}");
        write!(f, "{whole}.{}", decimals.trim_end_matches('0'))
    }
}

impl Serialize for TaxRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TaxRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` isn't a tax rate")))
    }
}

/// An account's tax rate in each country it charges tax in; a country not
/// listed has none, and so does every country by default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TaxRates(BTreeMap<CountryCode, TaxRate>);

impl TaxRates {
    pub fn new(rates: BTreeMap<CountryCode, TaxRate>) -> Self {
        Self(rates)
    }

    /// The rate in `country`: zero where none is set.
    pub fn rate(&self, country: CountryCode) -> TaxRate {
        self.0.get(&country).copied().unwrap_or_default()
    }

    /// The countries with a rate, in code order.
    pub fn iter(&self) -> impl Iterator<Item = (CountryCode, TaxRate)> + '_ {
        self.0.iter().map(|(country, rate)| (*country, *rate))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl TaxRates {
    /// The admin API's body, `{"rates": {"GB": "0.2", ...}}`.
    pub fn from_body(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let mut fields = Fields::new(body, &["rates"]);
        let found = fields.required("rates", |value| match value {
            Value::Object(found) => Ok(found),
            _ => Err(vec![Problem::expected("object", value)]),
        });
        let found = fields.finish(found)?;
        Self::from_json("rates", found)
    }

    /// The object at `path`, `{"GB": "0.2", ...}`: each key a country
    /// code, each rate a string from `"0"` to `"1"`.
    pub fn from_json(path: &str, found: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let (mut rates, mut errors) = (BTreeMap::new(), Vec::new());
        for (country, rate) in found {
            let Some(code) = CountryCode::parse(country) else {
                // As a schema naming each country, and no other, says it.
                errors.push(FieldError::new(path, message::additional_property(country)));
                continue;
            };
            let field = format!("{path}.{country}");
            let problem = match rate {
                Value::String(text) => match TaxRate::parse(text) {
                    Some(rate) => {
                        rates.insert(code, rate);
                        continue;
                    }
                    None => Problem::Pattern(RATE_PATTERN),
                },
                _ => Problem::expected("string", rate),
            };
            errors.push(FieldError::new(&field, problem.message(&field)));
        }
        match errors.is_empty() {
            true => Ok(Self(rates)),
            false => Err(ValidationErrors::Schema(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_exact_and_written_shortest() {
        for (text, ppm, shortest) in [
            ("0", 0, "0"),
            ("0.0", 0, "0"),
            ("1", 1_000_000, "1"),
            ("1.000000", 1_000_000, "1"),
            ("0.2", 200_000, "0.2"),
            ("0.20", 200_000, "0.2"),
            ("0.08875", 88_750, "0.08875"),
            ("0.000001", 1, "0.000001"),
            ("00.19", 190_000, "0.19"),
        ] {
            let rate = TaxRate::parse(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((rate.ppm(), rate.to_string().as_str()), (ppm, shortest));
        }
        for bad in [
            "",
            ".",
            "1.",
            ".5",
            "-0.1",
            "+0.1",
            "1.000001",
            "2",
            "0.0000001",
            "1e-1",
            " 0.2",
            "0,2",
            "0.2.1",
            "99999999",
        ] {
            assert_eq!(TaxRate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn countries_without_a_rate_have_none() {
        let rates: TaxRates = serde_json::from_str(r#"{"GB": "0.2", "US": "0.08875"}"#).unwrap();
        let gb = CountryCode::parse("GB").unwrap();
        let de = CountryCode::parse("DE").unwrap();
        assert_eq!(rates.rate(gb).to_string(), "0.2");
        assert_eq!(rates.rate(de), TaxRate::ZERO);
        assert_eq!(
            serde_json::to_string(&rates).unwrap(),
            r#"{"GB":"0.2","US":"0.08875"}"#
        );
        assert!(TaxRates::default().is_empty());
    }

    #[test]
    fn the_body_names_each_bad_country_and_rate() {
        let body =
            serde_json::json!({"rates": {"GB": "0.2", "UK": "0.2", "DE": 0.19, "FR": "20%"}});
        let errors = TaxRates::from_body(body.as_object().unwrap()).unwrap_err();
        let errors: Vec<(&str, &str)> = (errors.errors().iter())
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                ("rates.DE", "Invalid type. Expected: string, given: number"),
                (
                    "rates.FR",
                    r"Does not match pattern '^(0(\.\d{1,6})?|1(\.0{1,6})?)$'"
                ),
                ("rates", "Additional property UK is not allowed"),
            ]
        );
        let body = serde_json::json!({"rates": {"US": "0.08875"}});
        let rates = TaxRates::from_body(body.as_object().unwrap()).unwrap();
        assert_eq!(rates.len(), 1);
    }
}
