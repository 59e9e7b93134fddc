//! The card a test pays with: one of Paddle's sandbox cards, whose number
//! decides the outcome. The CVV is checked and never kept.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::request::{body_data, text_field};
use crate::domain::{Fields, Timestamp, ValidationErrors};

super::words! {
    /// What a sandbox card does.
    TestCard ("snake_case") { Succeeds, Declined, ThreeDSecure }
}

impl TestCard {
    /// Paddle's sandbox card numbers.
    pub fn from_number(number: &str) -> Option<Self> {
        match number {
            "4242424242424242" => Some(Self::Succeeds),
            "4000000000000002" => Some(Self::Declined),
            "4000003800000446" => Some(Self::ThreeDSecure),
            _ => None,
        }
    }

    pub fn number(self) -> &'static str {
        match self {
            Self::Succeeds => "4242424242424242",
            Self::Declined => "4000000000000002",
            Self::ThreeDSecure => "4000003800000446",
        }
    }
}

pub const CARD_NUMBER_MESSAGE: &str = "Use a test card: 4242 4242 4242 4242 (succeeds), \
     4000 0000 0000 0002 (declined), 4000 0038 0000 0446 (3-D Secure)";
pub const EXPIRY_MONTH_MESSAGE: &str = "Enter the expiry month, 1 to 12";
pub const EXPIRY_YEAR_MESSAGE: &str = "Enter the expiry year, four digits";
pub const EXPIRED_MESSAGE: &str = "This card has expired";
pub const CVV_MESSAGE: &str = "Enter the 3 or 4 digits of the security code";
pub const CARDHOLDER_NAME_MESSAGE: &str = "Enter the name on the card";

/// A card as entered (without its CVV, checked and dropped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDetails {
    pub card: TestCard,
    pub expiry_month: u8,
    pub expiry_year: u16,
    pub cardholder_name: String,
}

impl CardDetails {
    /// `{"card_number","expiry_month","expiry_year","cvv","cardholder_name"}`
    /// (or the same inside `data`). Every problem is an `invalid_field`
    /// error on its field, in words the page shows beside it.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, ValidationErrors> {
        let body = body_data(body)?;
        let known = [
            "card_number",
            "expiry_month",
            "expiry_year",
            "cvv",
            "cardholder_name",
        ];
        let mut fields = Fields::new(body, &known);
        let number = text_field(body, "card_number").map(|text| text.replace([' ', '-'], ""));
        let card = number.as_deref().and_then(TestCard::from_number);
        if card.is_none() {
            fields.rule("card_number", CARD_NUMBER_MESSAGE);
        }
        let month = number_field(body, "expiry_month").filter(|m| (1..=12).contains(m));
        if month.is_none() {
            fields.rule("expiry_month", EXPIRY_MONTH_MESSAGE);
        }
        let year = number_field(body, "expiry_year").filter(|y| (1000..=9999).contains(y));
        if year.is_none() {
            fields.rule("expiry_year", EXPIRY_YEAR_MESSAGE);
        }
        let cvv = text_field(body, "cvv");
        let cvv_ok = cvv.is_some_and(|cvv| {
            (3..=4).contains(&cvv.len()) && cvv.bytes().all(|b| b.is_ascii_digit())
        });
        if !cvv_ok {
            fields.rule("cvv", CVV_MESSAGE);
        }
        let name = text_field(body, "cardholder_name")
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty() && name.chars().count() <= 200);
        if name.is_none() {
            fields.rule("cardholder_name", CARDHOLDER_NAME_MESSAGE);
        }
        let details = (|| {
            Some(Self {
                card: card?,
                expiry_month: u8::try_from(month?).ok()?,
                expiry_year: u16::try_from(year?).ok()?,
                cardholder_name: name?,
            })
        })();
        fields.finish(details)
    }

    /// Refuses a card whose expiry month has passed at `now` (the
    /// account's clock).
    pub fn check_expiry(&self, now: Timestamp) -> Result<(), ValidationErrors> {
        let today = now.as_datetime();
        let (year, month) = (today.year(), u8::from(today.month()));
        let expired = i32::from(self.expiry_year) < year
            || (i32::from(self.expiry_year) == year && self.expiry_month < month);
        match expired {
            true => Err(ValidationErrors::rule("expiry_year", EXPIRED_MESSAGE)),
            false => Ok(()),
        }
    }

    /// The last four digits of the number.
    pub fn last4(&self) -> &'static str {
        let number = self.card.number();
        &number[number.len() - 4..]
    }

    /// The card the admin API pays with, valid at `now`.
    pub fn test(card: TestCard, now: Timestamp) -> Self {
        let year = now.as_datetime().year() + 3;
        Self {
            card,
            expiry_month: 12,
            expiry_year: u16::try_from(year).unwrap_or(9999),
            cardholder_name: "paddock test".to_owned(),
        }
    }
}

/// A whole number, sent as a JSON number or as digits (`"05"`).
fn number_field(body: &Map<String, Value>, field: &str) -> Option<i64> {
    match body.get(field)? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) if !text.is_empty() && text.len() <= 4 => text
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())?,
        _ => None,
    }
}
