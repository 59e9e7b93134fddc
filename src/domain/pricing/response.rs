//! The `data` of each preview's answer, in the key order Paddle's recorded
//! answers have (`paddle-checkout` evidence: 2023 and 2026 recordings).

use serde::Serialize;

use super::preview::{
    AddressEcho, Formatted, PAYMENT_METHODS, Priced, PricedLine, TotalsSdt, TotalsStd,
};
use super::totals::{Minor, Totals};
use crate::domain::{CurrencyCode, Price, PriceId, Product, TaxRate};

/// The fields both previews echo first.
#[derive(Serialize)]
struct Echo<'a> {
    customer_id: Option<&'a str>,
    address_id: Option<&'a str>,
    business_id: Option<&'a str>,
    currency_code: CurrencyCode,
    address: Option<AddressEcho<'a>>,
    customer_ip_address: Option<&'a str>,
    discount_id: Option<&'a str>,
}

impl<'a> Echo<'a> {
    fn of(priced: &'a Priced<'a>) -> Self {
        let request = priced.request;
        Self {
            customer_id: request.customer_id.as_deref(),
            address_id: request.address_id.as_deref(),
            business_id: request.business_id.as_deref(),
            currency_code: priced.currency,
            address: request.address.as_ref().map(AddressEcho::of),
            customer_ip_address: request.customer_ip_address.as_deref(),
            discount_id: request.discount_id.as_deref(),
        }
    }
}

/// `POST /pricing-preview`'s `data`.
#[derive(Serialize)]
pub struct PricePreview<'a> {
    #[serde(flatten)]
    echo: Echo<'a>,
    details: PriceDetails<'a>,
    available_payment_methods: [&'static str; 3],
}

#[derive(Serialize)]
struct PriceDetails<'a> {
    line_items: Vec<PriceLine<'a>>,
}

#[derive(Serialize)]
struct PriceLine<'a> {
    price: &'a Price,
    quantity: i64,
    tax_rate: TaxRate,
    unit_totals: TotalsSdt,
    formatted_unit_totals: Formatted,
    totals: TotalsSdt,
    formatted_totals: Formatted,
    product: &'a Product,
    /// paddock has no discounts yet.
    discounts: [(); 0],
}

impl<'a> PricePreview<'a> {
    pub fn of(priced: &'a Priced<'a>) -> Self {
        let currency = priced.currency;
        let line = |line: &PricedLine<'a>| PriceLine {
            price: line.price,
            quantity: line.item.quantity,
            tax_rate: line.tax_rate,
            unit_totals: line.unit_totals.into(),
            formatted_unit_totals: Formatted::of(line.unit_totals, currency),
            totals: line.totals.into(),
            formatted_totals: Formatted::of(line.totals, currency),
            product: line.product,
            discounts: [],
        };
        Self {
            echo: Echo::of(priced),
            details: PriceDetails {
                line_items: priced.lines.iter().map(line).collect(),
            },
            available_payment_methods: PAYMENT_METHODS,
        }
    }
}

/// `POST /transactions/preview`'s `data`.
#[derive(Serialize)]
pub struct TransactionPreview<'a> {
    #[serde(flatten)]
    echo: Echo<'a>,
    items: Vec<TransactionItem<'a>>,
    details: TransactionDetails<'a>,
    ignore_trials: bool,
    available_payment_methods: [&'static str; 3],
}

#[derive(Serialize)]
struct TransactionItem<'a> {
    price: &'a Price,
    quantity: i64,
    /// Always null in a preview.
    proration: Option<()>,
    include_in_totals: bool,
}

#[derive(Serialize)]
struct TransactionDetails<'a> {
    tax_rates_used: Vec<TaxRateUsed>,
    totals: GrandTotals,
    line_items: Vec<TransactionLine<'a>>,
}

#[derive(Serialize)]
struct TaxRateUsed {
    tax_rate: TaxRate,
    totals: TotalsSdt,
}

/// A transaction's totals. Fees and earnings are `null` in a preview.
#[derive(Serialize)]
struct GrandTotals {
    subtotal: Minor,
    tax: Minor,
    discount: Minor,
    total: Minor,
    grand_total: Minor,
    /// The tax in `grand_total` (Paddle's newer answers; the Python SDK
    /// requires it).
    grand_total_tax: Minor,
    fee: Option<Minor>,
    credit: Minor,
    credit_to_balance: Minor,
    balance: Minor,
    earnings: Option<Minor>,
    currency_code: CurrencyCode,
}

#[derive(Serialize)]
struct TransactionLine<'a> {
    price_id: &'a PriceId,
    quantity: i64,
    totals: TotalsStd,
    product: &'a Product,
    tax_rate: TaxRate,
    unit_totals: TotalsStd,
}

impl<'a> TransactionPreview<'a> {
    pub fn of(priced: &'a Priced<'a>) -> Self {
        let lines = &priced.lines;
        // Lines left out of the totals are still listed.
        let counted = || lines.iter().filter(|line| line.item.include_in_totals);
        let sum = counted().fold(Totals::ZERO, |sum, line| sum + line.totals);
        let mut used: Vec<(TaxRate, Totals)> = Vec::new();
        for line in counted() {
            match used.iter_mut().find(|(rate, _)| *rate == line.tax_rate) {
                Some((_, totals)) => *totals = *totals + line.totals,
                None => used.push((line.tax_rate, line.totals)),
            }
        }
        let item = |line: &PricedLine<'a>| TransactionItem {
            price: line.price,
            quantity: line.item.quantity,
            proration: None,
            include_in_totals: line.item.include_in_totals,
        };
        let line = |line: &PricedLine<'a>| TransactionLine {
            price_id: &line.price.id,
            quantity: line.item.quantity,
            totals: line.totals.into(),
            product: line.product,
            tax_rate: line.tax_rate,
            unit_totals: line.unit_totals.into(),
        };
        Self {
            echo: Echo::of(priced),
            items: lines.iter().map(item).collect(),
            details: TransactionDetails {
                tax_rates_used: (used.into_iter())
                    .map(|(tax_rate, totals)| TaxRateUsed {
                        tax_rate,
                        totals: totals.into(),
                    })
                    .collect(),
                totals: GrandTotals {
                    subtotal: sum.subtotal,
                    tax: sum.tax,
                    discount: sum.discount,
                    total: sum.total,
                    grand_total: sum.total,
                    grand_total_tax: sum.tax,
                    fee: None,
                    credit: Minor(0),
                    credit_to_balance: Minor(0),
                    balance: sum.total,
                    earnings: None,
                    currency_code: priced.currency,
                },
                line_items: lines.iter().map(line).collect(),
            },
            ignore_trials: priced.request.ignore_trials,
            available_payment_methods: PAYMENT_METHODS,
        }
    }
}
