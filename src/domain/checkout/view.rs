//! What the checkout's routes answer: the page's view of a checkout
//! (`data` of every browser route) and the admin API's, which adds the
//! webhook entities.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

use super::js::event_data;
use super::pricing::POSTCODE_COUNTRIES;
use super::{CheckoutEvent, CheckoutState, PaymentStatus, Purchase};
use crate::domain::pricing::{Minor, format_money};

/// A checkout as its page sees it, with the Paddle.js events after
/// `after` (all of them unless [`CheckoutView::events_after`] says).
#[derive(Clone, Debug)]
pub struct CheckoutView {
    pub purchase: Purchase,
    after: u64,
}

impl CheckoutView {
    pub fn new(purchase: Purchase) -> Self {
        Self { purchase, after: 0 }
    }

    /// The same view with only the events whose `sequence` is above `after`.
    pub fn events_after(&self, after: u64) -> Self {
        Self {
            purchase: self.purchase.clone(),
            after,
        }
    }

    pub fn id(&self) -> &super::CheckoutId {
        &self.purchase.checkout.id
    }

    pub fn state(&self) -> CheckoutState {
        self.purchase.checkout.state
    }

    pub fn payment_status(&self) -> PaymentStatus {
        self.purchase.checkout.payment.status
    }

    /// The Paddle.js events shown: those after `after`.
    pub fn events(&self) -> impl Iterator<Item = &CheckoutEvent> {
        let after = self.after;
        (self.purchase.checkout.events.iter()).filter(move |e| e.sequence > after)
    }

    /// The admin API's view: this, and the transaction, customer and address
    /// as the webhooks show them.
    pub fn admin(&self) -> AdminCheckoutView<'_> {
        AdminCheckoutView(self)
    }

    /// The Paddle.js event data of the checkout as it is now.
    pub fn checkout_data(&self) -> Box<RawValue> {
        let p = &self.purchase;
        let card = match p.checkout.payment.status {
            PaymentStatus::None => None,
            _ => p.checkout.payment.card.as_ref(),
        };
        let completed = p.checkout.state == CheckoutState::Completed;
        event_data(
            &p.checkout,
            &p.transaction,
            p.customer.as_ref(),
            p.address.as_ref(),
            card,
            completed,
        )
    }

    fn entries<M: SerializeMap>(&self, map: &mut M) -> Result<(), M::Error> {
        let checkout = &self.purchase.checkout;
        map.serialize_entry("id", &checkout.id)?;
        map.serialize_entry("transaction_id", &checkout.transaction_id)?;
        map.serialize_entry("environment", &checkout.environment)?;
        map.serialize_entry("state", &checkout.state)?;
        map.serialize_entry(
            "payment",
            &Payment {
                status: checkout.payment.status,
                error_code: checkout.payment.error_code.as_deref(),
            },
        )?;
        map.serialize_entry("settings", &checkout.settings)?;
        map.serialize_entry("checkout", &self.checkout_data())?;
        map.serialize_entry("display", &self.display())?;
        let events: Vec<&CheckoutEvent> = self.events().collect();
        map.serialize_entry("events", &events)
    }

    fn display(&self) -> Display<'_> {
        let transaction = &self.purchase.transaction;
        let currency = transaction.currency_code;
        let money = |units: i128| format_money(Minor(u128::try_from(units).unwrap_or(0)), currency);
        let lines = (transaction
            .items
            .iter()
            .zip(&transaction.details.line_items))
        .map(|(item, line)| DisplayLine {
            price_id: item.price_id.as_str(),
            price_name: item.price.get("name").and_then(|v| v.as_str()),
            product_name: line.product.get("name").and_then(|v| v.as_str()),
            quantity: item.quantity,
            formatted_total: money(line.totals.total.0),
        })
        .collect();
        let totals = &transaction.details.totals;
        Display {
            lines,
            formatted_totals: FormattedTotals {
                subtotal: money(totals.subtotal.0),
                tax: money(totals.tax.0),
                total: money(totals.total.0),
            },
            postcode_required_for: POSTCODE_COUNTRIES,
        }
    }
}

#[derive(serde::Serialize)]
struct Payment<'a> {
    status: PaymentStatus,
    error_code: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct Display<'a> {
    lines: Vec<DisplayLine<'a>>,
    formatted_totals: FormattedTotals,
    postcode_required_for: [&'static str; 10],
}

#[derive(serde::Serialize)]
struct DisplayLine<'a> {
    price_id: &'a str,
    price_name: Option<&'a str>,
    product_name: Option<&'a str>,
    quantity: i64,
    formatted_total: String,
}

#[derive(serde::Serialize)]
struct FormattedTotals {
    subtotal: String,
    tax: String,
    total: String,
}

impl Serialize for CheckoutView {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        self.entries(&mut map)?;
        map.end()
    }
}

/// The admin API's view of a checkout.
pub struct AdminCheckoutView<'a>(&'a CheckoutView);

impl Serialize for AdminCheckoutView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let view = self.0;
        let p = &view.purchase;
        let mut map = serializer.serialize_map(None)?;
        view.entries(&mut map)?;
        map.serialize_entry("transaction", &p.transaction)?;
        map.serialize_entry("customer", &p.customer)?;
        map.serialize_entry("address", &p.address)?;
        map.serialize_entry("created_at", &p.checkout.created_at)?;
        map.serialize_entry("updated_at", &p.checkout.updated_at)?;
        map.end()
    }
}
