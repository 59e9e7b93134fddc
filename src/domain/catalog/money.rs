//! Money as Paddle writes it: an amount in the currency's lowest
//! denomination, as a string of digits, and its currency. Held as integers,
//! never as floating point. And the countries prices may be overridden for.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The currencies Paddle Billing supports (its `currency_code` enum as of
/// 2026, with CLP and PEN).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::Display,
    strum::EnumString,
    strum::VariantArray,
    strum::VariantNames,
)]
#[serde(rename_all = "UPPERCASE")]
#[strum(serialize_all = "UPPERCASE")]
pub enum CurrencyCode {
    Usd,
    Eur,
    Gbp,
    Jpy,
    Aud,
    Cad,
    Chf,
    Hkd,
    Sgd,
    Sek,
    Ars,
    Brl,
    Clp,
    Cny,
    Cop,
    Czk,
    Dkk,
    Huf,
    Ils,
    Inr,
    Krw,
    Mxn,
    Nok,
    Nzd,
    Pen,
    Pln,
    Rub,
    Thb,
    Try,
    Twd,
    Uah,
    Vnd,
    Zar,
}

impl CurrencyCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Digits after the decimal point: none for the yen, won, Chilean peso
    /// and dong (Paddle's pricing-page guidance), two for the rest. An
    /// amount is in units of the last digit: 1000 USD cents, 100 JPY.
    pub fn decimal_places(self) -> u32 {
        match self {
            Self::Jpy | Self::Krw | Self::Clp | Self::Vnd => 0,
            _ => 2,
        }
    }
}

/// The largest amount paddock takes: just under a trillion of the lowest
/// unit (ten billion dollars), so that an amount times the largest quantity
/// (999,999,999) fits in a `u128` with room, and in any JSON number reader.
pub const MAX_AMOUNT: u64 = 999_999_999_999;

/// An amount in the currency's lowest denomination ("1000" is 10.00 USD).
/// Written as a string of digits, as Paddle writes it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Amount(u64);

/// Why a text isn't an amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AmountError {
    /// `-100`: Paddle's own words for this are recorded.
    Negative,
    /// Not a string of digits, or past [`MAX_AMOUNT`].
    Invalid,
}

impl Amount {
    pub const ZERO: Self = Self(0);

    pub fn new(minor_units: u64) -> Option<Self> {
        (minor_units <= MAX_AMOUNT).then_some(Self(minor_units))
    }

    /// ASCII digits only (no sign, point or exponent), at most
    /// [`MAX_AMOUNT`]; leading zeros are allowed and dropped.
    pub fn parse(text: &str) -> Result<Self, AmountError> {
        if let Some(rest) = text.strip_prefix('-')
            && !rest.is_empty()
            && rest.bytes().all(|b| b.is_ascii_digit())
        {
            return match rest.bytes().all(|b| b == b'0') {
                true => Ok(Self::ZERO),
                false => Err(AmountError::Negative),
            };
        }
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AmountError::Invalid);
        }
        let digits = text.trim_start_matches('0');
        if digits.len() > 12 {
            return Err(AmountError::Invalid);
        }
        let value = digits.parse::<u64>().unwrap_or(0);
        Self::new(value).ok_or(AmountError::Invalid)
    }

    /// The amount in the currency's lowest unit.
    pub fn minor_units(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .map_err(|_| serde::de::Error::custom(format!("`{text}` isn't an amount")))
    }
}

/// Paddle's `money`: `{"amount": "1000", "currency_code": "USD"}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub amount: Amount,
    pub currency_code: CurrencyCode,
}

/// A country, by its ISO 3166-1 alpha-2 code (`US`, `GB`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

/// Every officially assigned ISO 3166-1 alpha-2 code, in order.
pub const COUNTRY_CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

impl CountryCode {
    /// An assigned code, in capitals, exactly (`us` is not one).
    pub fn parse(text: &str) -> Option<Self> {
        let index = COUNTRY_CODES.binary_search(&text).ok()?;
        let bytes = COUNTRY_CODES[index].as_bytes();
        Some(Self([bytes[0], bytes[1]]))
    }

    pub fn as_str(&self) -> &str {
        // Only ever made from an ASCII code.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl Serialize for CountryCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CountryCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` isn't a country code")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn thirty_three_currencies_four_without_decimals() {
        assert_eq!(CurrencyCode::VARIANTS.len(), 33);
        let whole: Vec<&str> = (CurrencyCode::VARIANTS.iter())
            .filter(|c| c.decimal_places() == 0)
            .map(|c| c.as_str())
            .collect();
        assert_eq!(whole, ["JPY", "CLP", "KRW", "VND"]);
        assert_eq!(CurrencyCode::Usd.decimal_places(), 2);
        assert_eq!("PEN".parse(), Ok(CurrencyCode::Pen));
        assert!("usd".parse::<CurrencyCode>().is_err());
        assert_eq!(serde_json::to_value(CurrencyCode::Try).unwrap(), "TRY");
    }

    #[test]
    fn amounts_are_digit_strings() {
        assert_eq!(Amount::parse("1000").map(Amount::minor_units), Ok(1000));
        assert_eq!(Amount::parse("0").map(Amount::minor_units), Ok(0));
        assert_eq!(Amount::parse("007").map(Amount::minor_units), Ok(7));
        assert_eq!(Amount::parse("-0"), Ok(Amount::ZERO));
        assert_eq!(Amount::parse("-100"), Err(AmountError::Negative));
        for bad in ["", "-", "1.5", "1e3", " 1", "+1", "１", "1000000000000"] {
            assert_eq!(Amount::parse(bad), Err(AmountError::Invalid), "{bad}");
        }
        assert_eq!(
            Amount::parse("999999999999").unwrap().minor_units(),
            MAX_AMOUNT
        );
        let money: Money =
            serde_json::from_str(r#"{"amount": "3000", "currency_code": "USD"}"#).unwrap();
        assert_eq!(
            serde_json::to_string(&money).unwrap(),
            r#"{"amount":"3000","currency_code":"USD"}"#
        );
    }

    #[test]
    fn country_codes_are_assigned_ones() {
        assert!(COUNTRY_CODES.is_sorted());
        assert_eq!(CountryCode::parse("GB").unwrap().as_str(), "GB");
        for bad in ["gb", "ZZ", "UK", "G", "GBR", ""] {
            assert!(CountryCode::parse(bad).is_none(), "{bad}");
        }
        let code: CountryCode = serde_json::from_str("\"US\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"US\"");
    }
}
