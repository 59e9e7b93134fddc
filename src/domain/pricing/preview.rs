//! A preview computed: each line priced in one currency and taxed where the
//! customer is, then written in the key order Paddle's answers have.

use serde::Serialize;

use super::format::format_money;
use super::request::{PreviewAddress, PreviewItem, PreviewKind, PreviewRequest};
use super::rules::{choose_currency, inclusion, tax_rate, unit_amount};
use super::totals::{Minor, Totals};
use crate::domain::{CatalogPrice, CurrencyCode, Price, Product, TaxRate, TaxRates};

/// The payment methods every preview offers (a fixed list: paddock has no
/// payment settings). Recorded from a sandbox account in 2026.
pub const PAYMENT_METHODS: [&str; 3] = ["card", "paypal", "apple_pay"];

/// Why a well-formed preview can't be priced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewRefusal {
    /// An item's quantity outside its price's limits.
    QuantityOutOfRange {
        quantity: i64,
        minimum: u32,
        maximum: u32,
    },
    /// Recurring prices that don't share one billing cycle (transaction
    /// previews only).
    DifferentBillingCycle,
    /// No amount in the preview's currency: `field` is what to change.
    NoAmountInCurrency { field: String, message: String },
}

/// One line, priced.
pub struct PricedLine<'a> {
    pub item: &'a PreviewItem,
    pub price: &'a Price,
    pub product: &'a Product,
    pub tax_rate: TaxRate,
    pub unit_totals: Totals,
    pub totals: Totals,
}

/// A preview, priced: the request, its currency and its lines.
pub struct Priced<'a> {
    pub request: &'a PreviewRequest,
    pub currency: CurrencyCode,
    pub lines: Vec<PricedLine<'a>>,
}

/// Prices `request`, whose items' catalog prices are `prices` (in the same
/// order), at `rates`.
pub fn price<'a>(
    request: &'a PreviewRequest,
    prices: &'a [CatalogPrice],
    rates: &TaxRates,
) -> Result<Priced<'a>, PreviewRefusal> {
    let pairs: Vec<_> = request.items.iter().zip(prices).collect();
    for (item, found) in &pairs {
        let limits = found.price.quantity;
        let fits = u32::try_from(item.quantity).is_ok_and(|quantity| limits.allows(quantity));
        if !fits {
            return Err(PreviewRefusal::QuantityOutOfRange {
                quantity: item.quantity,
                minimum: limits.minimum,
                maximum: limits.maximum,
            });
        }
    }
    if request.kind == PreviewKind::Transaction {
        let mut cycles = pairs
            .iter()
            .filter_map(|(_, found)| found.price.billing_cycle);
        if let Some(first) = cycles.next()
            && cycles.any(|cycle| cycle != first)
        {
            return Err(PreviewRefusal::DifferentBillingCycle);
        }
    }
    let country = request.address.as_ref().map(|a| a.country_code);
    let all: Vec<&Price> = prices.iter().map(|found| &found.price).collect();
    let currency =
        choose_currency(&all, request.currency_code, country).unwrap_or(CurrencyCode::Usd);
    let rate = tax_rate(rates, request.address.as_ref());
    let mut lines = Vec::with_capacity(pairs.len());
    for (index, (item, found)) in pairs.into_iter().enumerate() {
        let Some(unit) = unit_amount(&found.price, currency, country) else {
            return Err(no_amount(request, index, &found.price, currency));
        };
        // A trial is free until it ends, unless the preview ignores trials.
        let free = request.kind == PreviewKind::Transaction
            && found.price.trial_period.is_some()
            && !request.ignore_trials;
        let inclusion = inclusion(found.price.tax_mode, country);
        let quantity = item.quantity as u128;
        let (unit_totals, totals) = match free {
            true => (Totals::ZERO, Totals::ZERO),
            false => (
                Totals::of(u128::from(unit), rate, inclusion),
                Totals::of(u128::from(unit) * quantity, rate, inclusion),
            ),
        };
        lines.push(PricedLine {
            item,
            price: &found.price,
            product: &found.product,
            tax_rate: rate,
            unit_totals,
            totals,
        });
    }
    Ok(Priced {
        request,
        currency,
        lines,
    })
}

/// The refusal for a price with no amount in `currency`.
fn no_amount(
    request: &PreviewRequest,
    index: usize,
    price: &Price,
    currency: CurrencyCode,
) -> PreviewRefusal {
    let field = match request.currency_code {
        Some(_) => "currency_code".to_owned(),
        None => format!("items.{index}.price_id"),
    };
    let place = match &request.address {
        Some(address) => format!(" for {}", address.country_code),
        None => String::new(),
    };
    PreviewRefusal::NoAmountInCurrency {
        field,
        message: format!(
            "price {} has no amount in {currency}{place}, and paddock has no exchange rates: \
             give the price a unit_price or unit_price_override in {currency}",
            price.id
        ),
    }
}

/// `{subtotal, discount, tax, total}` with Paddle's key order for where
/// they appear.
#[derive(Serialize)]
pub(super) struct TotalsSdt {
    subtotal: Minor,
    discount: Minor,
    tax: Minor,
    total: Minor,
}

impl From<Totals> for TotalsSdt {
    fn from(t: Totals) -> Self {
        Self {
            subtotal: t.subtotal,
            discount: t.discount,
            tax: t.tax,
            total: t.total,
        }
    }
}

/// The same, ordered as a transaction's line items order them.
#[derive(Serialize)]
pub(super) struct TotalsStd {
    subtotal: Minor,
    tax: Minor,
    discount: Minor,
    total: Minor,
}

impl From<Totals> for TotalsStd {
    fn from(t: Totals) -> Self {
        Self {
            subtotal: t.subtotal,
            tax: t.tax,
            discount: t.discount,
            total: t.total,
        }
    }
}

/// The same, written for a customer: `$5.44`.
#[derive(Serialize)]
pub(super) struct Formatted {
    subtotal: String,
    discount: String,
    tax: String,
    total: String,
}

impl Formatted {
    pub(super) fn of(t: Totals, currency: CurrencyCode) -> Self {
        let format = |amount| format_money(amount, currency);
        Self {
            subtotal: format(t.subtotal),
            discount: format(t.discount),
            tax: format(t.tax),
            total: format(t.total),
        }
    }
}

/// The address a preview was priced at, as Paddle echoes it: a postal code
/// not sent is `""`.
#[derive(Serialize)]
pub(super) struct AddressEcho<'a> {
    postal_code: &'a str,
    country_code: &'a str,
}

impl<'a> AddressEcho<'a> {
    pub(super) fn of(address: &'a PreviewAddress) -> Self {
        Self {
            postal_code: address.postal_code.as_deref().unwrap_or_default(),
            country_code: address.country_code.as_str(),
        }
    }
}
