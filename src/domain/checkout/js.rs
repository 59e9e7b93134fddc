//! The `data` of Paddle.js's checkout events (snake_case, as Paddle.js
//! hands them to `eventCallback`): totals are JSON numbers in major units,
//! written from the integers as decimal text, never through floating point.

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::entity::{Address, Customer};
use super::transaction::{LineTotals, Transaction, TransactionStatus};
use super::{CardDetails, Checkout};
use crate::domain::{BillingCycle, CurrencyCode, TrialPeriod};

/// An amount in major units, written as a JSON number: `4.99`, `5`, `0`;
/// yen and the other zero-decimal currencies as integers.
#[derive(Clone, Copy, Debug)]
pub struct Major {
    pub units: i128,
    pub places: u32,
}

impl Major {
    pub fn new(units: i128, currency: CurrencyCode) -> Self {
        Self {
            units,
            places: currency.decimal_places(),
        }
    }

    /// The decimal text, trailing zeros of the fraction dropped.
    pub fn text(self) -> String {
        let unit = 10i128.pow(self.places);
        let sign = if self.units < 0 { "-" } else { "" };
        let magnitude = self.units.unsigned_abs();
        let (whole, fraction) = (magnitude / unit as u128, magnitude % unit as u128);
        if fraction == 0 {
            return format!("{sign}{whole}");
        }
        let digits = format!("{fraction:0width$}", width = self.places as usize);
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl Serialize for Major {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.text()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

#[derive(Serialize)]
struct EventData<'a> {
    id: &'a str,
    transaction_id: &'a str,
    status: &'a str,
    custom_data: &'a Option<Map<String, Value>>,
    currency_code: CurrencyCode,
    customer: EventCustomer<'a>,
    items: Vec<EventItem<'a>>,
    totals: EventTotals,
    payment: EventPayment,
    settings: EventSettings<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recurring_totals: Option<CheckoutRecurringTotals>,
    upsell: Option<()>,
}

#[derive(Serialize)]
struct EventCustomer<'a> {
    id: Option<&'a str>,
    email: Option<&'a str>,
    address: Option<EventAddress<'a>>,
    business: Option<()>,
}

#[derive(Serialize)]
struct EventAddress<'a> {
    id: &'a str,
    city: &'a str,
    country_code: &'a str,
    first_line: &'a str,
    postal_code: &'a str,
    region: &'a str,
}

#[derive(Serialize)]
struct EventItem<'a> {
    price_id: &'a str,
    price_name: Option<&'a str>,
    product: EventProduct<'a>,
    billing_cycle: Option<BillingCycle>,
    trial_period: Option<TrialPeriod>,
    quantity: i64,
    totals: ItemTotals,
    #[serde(skip_serializing_if = "Option::is_none")]
    recurring_totals: Option<RecurringTotals>,
}

/// An item's `{subtotal, tax, total, discount, balance, credit}` (as
/// recorded: its last two the other way round from the checkout's).
#[derive(Serialize)]
struct ItemTotals {
    subtotal: Major,
    tax: Major,
    total: Major,
    discount: Major,
    balance: Major,
    credit: Major,
}

#[derive(Serialize)]
struct EventProduct<'a> {
    id: Option<&'a str>,
    name: Option<&'a str>,
    description: Option<&'a str>,
    image_url: Option<&'a str>,
}

/// `{subtotal, tax, total, discount, credit, balance}`.
#[derive(Serialize)]
struct EventTotals {
    subtotal: Major,
    tax: Major,
    total: Major,
    discount: Major,
    credit: Major,
    balance: Major,
}

/// The checkout's `recurring_totals`, in the recorded order.
#[derive(Serialize)]
struct CheckoutRecurringTotals {
    subtotal: Major,
    tax: Major,
    discount: Major,
    total: Major,
    balance: Major,
    credit: Major,
}

#[derive(Serialize)]
struct RecurringTotals {
    subtotal: Major,
    tax: Major,
    discount: Major,
    total: Major,
}

#[derive(Serialize)]
struct EventPayment {
    method_details: MethodDetails,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum MethodDetails {
    None,
    Card { card: EventCard },
}

#[derive(Serialize)]
struct EventCard {
    #[serde(rename = "type")]
    kind: &'static str,
    last4: &'static str,
    expiry_month: u8,
    expiry_year: u16,
}

#[derive(Serialize)]
struct EventSettings<'a> {
    display_mode: &'a str,
    theme: &'a str,
    variant: &'a str,
}

fn text<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field).and_then(Value::as_str)
}

fn non_null<'a>(value: &'a Value, field: &str) -> Option<&'a Value> {
    value.get(field).filter(|v| !v.is_null())
}

/// What Paddle.js's events carry about a checkout in this state. `status`
/// is the transaction's, except that `checkout.completed` says `completed`.
pub fn event_data(
    checkout: &Checkout,
    transaction: &Transaction,
    customer: Option<&Customer>,
    address: Option<&Address>,
    card: Option<&CardDetails>,
    completed: bool,
) -> Box<RawValue> {
    let currency = transaction.currency_code;
    let major = |units: i128| Major::new(units, currency);
    let paid = matches!(
        transaction.status,
        TransactionStatus::Paid | TransactionStatus::Completed
    );
    let totals = |t: LineTotals| EventTotals {
        subtotal: major(t.subtotal.0),
        tax: major(t.tax.0),
        total: major(t.total.0),
        discount: major(t.discount.0),
        credit: major(0),
        balance: major(if paid { 0 } else { t.total.0 }),
    };
    let mut recurring: Option<LineTotals> = None;
    let items = (transaction
        .items
        .iter()
        .zip(&transaction.details.line_items))
    .map(|(item, line)| {
        // Typed again: written in the catalog's key order.
        let billing_cycle = non_null(&item.price, "billing_cycle")
            .and_then(|v| serde_json::from_value::<BillingCycle>(v.clone()).ok());
        if billing_cycle.is_some() {
            recurring = Some(recurring.unwrap_or_default().plus(line.totals));
        }
        EventItem {
            price_id: item.price_id.as_str(),
            price_name: text(&item.price, "name"),
            product: EventProduct {
                id: text(&line.product, "id"),
                name: text(&line.product, "name"),
                description: text(&line.product, "description"),
                image_url: text(&line.product, "image_url"),
            },
            billing_cycle,
            trial_period: non_null(&item.price, "trial_period")
                .and_then(|v| serde_json::from_value::<TrialPeriod>(v.clone()).ok()),
            quantity: item.quantity,
            totals: ItemTotals {
                subtotal: major(line.totals.subtotal.0),
                tax: major(line.totals.tax.0),
                total: major(line.totals.total.0),
                discount: major(line.totals.discount.0),
                balance: major(if paid { 0 } else { line.totals.total.0 }),
                credit: major(0),
            },
            recurring_totals: billing_cycle.map(|_| RecurringTotals {
                subtotal: major(line.totals.subtotal.0),
                tax: major(line.totals.tax.0),
                discount: major(line.totals.discount.0),
                total: major(line.totals.total.0),
            }),
        }
    })
    .collect();
    let t = &transaction.details.totals;
    let sum = LineTotals {
        subtotal: t.subtotal,
        tax: t.tax,
        discount: t.discount,
        total: t.total,
    };
    let status = match completed {
        true => "completed",
        false => transaction.status.as_str(),
    };
    let data = EventData {
        id: checkout.id.as_str(),
        transaction_id: transaction.id.as_str(),
        status,
        custom_data: &transaction.custom_data,
        currency_code: currency,
        customer: EventCustomer {
            id: customer.map(|c| c.id.as_str()),
            email: customer.map(|c| c.email.as_str()),
            address: address.map(|a| EventAddress {
                id: a.id.as_str(),
                city: a.city.as_deref().unwrap_or_default(),
                country_code: a.country_code.as_str(),
                first_line: a.first_line.as_deref().unwrap_or_default(),
                postal_code: a.postal_code.as_deref().unwrap_or_default(),
                region: a.region.as_deref().unwrap_or_default(),
            }),
            business: None,
        },
        items,
        totals: totals(sum),
        payment: EventPayment {
            method_details: match card {
                None => MethodDetails::None,
                Some(card) => MethodDetails::Card {
                    card: EventCard {
                        kind: "visa",
                        last4: card.last4(),
                        expiry_month: card.expiry_month,
                        expiry_year: card.expiry_year,
                    },
                },
            },
        },
        settings: EventSettings {
            display_mode: checkout.settings.display_mode.as_str(),
            theme: checkout.settings.theme.as_str(),
            variant: checkout.settings.variant.as_str(),
        },
        recurring_totals: recurring.map(|t| CheckoutRecurringTotals {
            subtotal: major(t.subtotal.0),
            tax: major(t.tax.0),
            discount: major(t.discount.0),
            total: major(t.total.0),
            balance: major(if paid { 0 } else { t.total.0 }),
            credit: major(0),
        }),
        upsell: None,
    };
    // Strings, integers and decimal text: writing them can't fail.
    serde_json::to_string(&data)
        .ok()
        .and_then(|text| RawValue::from_string(text).ok())
        .unwrap_or_else(|| RawValue::from_string("null".to_owned()).expect("null is JSON"))
}
