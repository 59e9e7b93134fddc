//! A checkout's cart priced by the preview engine (so its totals are the
//! transaction preview's), written into the transaction's items and details.

use serde_json::Value;

use super::entity::Units;
use super::transaction::{
    AdjustedTotals, CheckoutLink, Details, LineItem, LineTotals, TaxRateUsed, Totals, Transaction,
    TransactionItem, TransactionStatus,
};
use super::{CheckoutItem, TransactionId, TransactionItemId};
use crate::domain::pricing::{PreviewAddress, PreviewItem, PreviewKind, PreviewRequest, Priced};
use crate::domain::{CatalogPrice, CountryCode, Mint, Price, Product, Timestamp};

/// Where the checkout asks for a postcode *(assumed)*; elsewhere it is
/// optional.
pub const POSTCODE_COUNTRIES: [&str; 10] =
    ["US", "CA", "GB", "AU", "DE", "FR", "IT", "ES", "NL", "IN"];

pub fn postcode_required(country: CountryCode) -> bool {
    POSTCODE_COUNTRIES.contains(&country.as_str())
}

/// The transaction preview a cart is priced as: the checkout's totals are
/// that preview's.
pub fn preview_request(items: &[CheckoutItem], address: Option<PreviewAddress>) -> PreviewRequest {
    PreviewRequest {
        kind: PreviewKind::Transaction,
        items: (items.iter())
            .map(|item| PreviewItem {
                price_id: item.price_id.clone(),
                quantity: item.quantity,
                include_in_totals: true,
            })
            .collect(),
        customer_id: None,
        address_id: None,
        business_id: None,
        currency_code: None,
        discount_id: None,
        address,
        customer_ip_address: None,
        ignore_trials: false,
    }
}

/// A catalog entity as a transaction carries it: without `import_meta`.
fn without_import_meta(entity: &impl serde::Serialize) -> Value {
    let mut value = serde_json::to_value(entity).unwrap_or(Value::Null);
    if let Value::Object(object) = &mut value {
        object.remove("import_meta");
    }
    value
}

/// The prices of a transaction's items, as it carries them, for pricing it
/// again (a new address changes the tax).
pub fn carried_prices(transaction: &Transaction) -> Option<Vec<CatalogPrice>> {
    (transaction
        .items
        .iter()
        .zip(&transaction.details.line_items))
    .map(|(item, line)| {
        let price: Price = serde_json::from_value(item.price.clone()).ok()?;
        let product: Product = serde_json::from_value(line.product.clone()).ok()?;
        Some(CatalogPrice { price, product })
    })
    .collect()
}

/// The cart of a transaction, as asked for.
pub fn cart(transaction: &Transaction) -> Vec<CheckoutItem> {
    (transaction.items.iter())
        .map(|item| CheckoutItem {
            price_id: item.price_id.clone(),
            quantity: item.quantity,
        })
        .collect()
}

/// Writes `priced` into `transaction`: its items, totals and lines. A line
/// that keeps its price at its place keeps its id.
pub fn apply(transaction: &mut Transaction, priced: &Priced<'_>, mint: &Mint) {
    let currency = priced.currency;
    let mut sum = LineTotals::default();
    let mut used: Vec<TaxRateUsed> = Vec::new();
    let mut lines = Vec::with_capacity(priced.lines.len());
    for (index, line) in priced.lines.iter().enumerate() {
        let totals = LineTotals::from(line.totals);
        sum = sum.plus(totals);
        match used.iter_mut().find(|u| u.tax_rate == line.tax_rate) {
            Some(found) => found.totals = found.totals.plus(totals),
            None => used.push(TaxRateUsed {
                tax_rate: line.tax_rate,
                totals,
            }),
        }
        let kept = (transaction.details.line_items.get(index))
            .filter(|old| old.price_id == line.price.id)
            .map(|old| old.id.clone());
        lines.push(LineItem {
            id: kept.unwrap_or_else(|| TransactionItemId::mint(mint)),
            item_id: None,
            price_id: line.price.id.clone(),
            quantity: line.item.quantity,
            proration: None,
            tax_rate: line.tax_rate,
            unit_totals: line.unit_totals.into(),
            totals,
            product: without_import_meta(line.product),
            is_tax_exempt: false,
            revised_tax_exempted: false,
        });
    }
    transaction.items = (priced.lines.iter())
        .map(|line| TransactionItem {
            price: without_import_meta(line.price),
            price_id: line.price.id.clone(),
            quantity: line.item.quantity,
            proration: None,
        })
        .collect();
    transaction.currency_code = currency;
    transaction.details = Details {
        totals: Totals {
            subtotal: sum.subtotal,
            tax: sum.tax,
            discount: sum.discount,
            total: sum.total,
            grand_total: sum.total,
            grand_total_tax: sum.tax,
            fee: None,
            earnings: None,
            credit: Units(0),
            balance: sum.total,
            credit_to_balance: Units(0),
            currency_code: currency,
        },
        adjusted_totals: AdjustedTotals {
            subtotal: sum.subtotal,
            tax: sum.tax,
            total: sum.total,
            grand_total: sum.total,
            grand_total_tax: sum.tax,
            fee: Units(0),
            earnings: Units(0),
            retained_fee: Units(0),
            currency_code: currency,
        },
        payout_totals: None,
        adjusted_payout_totals: None,
        tax_rates_used: used,
        line_items: lines,
    };
}

/// A new draft transaction at `at`, opened from `url` (`checkout.url`),
/// priced as `priced`.
pub fn draft(
    id: TransactionId,
    priced: &Priced<'_>,
    url: String,
    custom_data: Option<serde_json::Map<String, Value>>,
    at: Timestamp,
    mint: &Mint,
) -> Transaction {
    let currency = priced.currency;
    let zero = LineTotals::default();
    let mut transaction = Transaction {
        id,
        items: Vec::new(),
        origin: "web".to_owned(),
        status: TransactionStatus::Draft,
        details: Details {
            totals: Totals {
                subtotal: zero.subtotal,
                tax: zero.tax,
                discount: zero.discount,
                total: zero.total,
                grand_total: zero.total,
                grand_total_tax: zero.tax,
                fee: None,
                earnings: None,
                credit: Units(0),
                balance: Units(0),
                credit_to_balance: Units(0),
                currency_code: currency,
            },
            adjusted_totals: AdjustedTotals {
                subtotal: Units(0),
                tax: Units(0),
                total: Units(0),
                grand_total: Units(0),
                grand_total_tax: Units(0),
                fee: Units(0),
                earnings: Units(0),
                retained_fee: Units(0),
                currency_code: currency,
            },
            payout_totals: None,
            adjusted_payout_totals: None,
            tax_rates_used: Vec::new(),
            line_items: Vec::new(),
        },
        checkout: CheckoutLink { url: Some(url) },
        payments: Vec::new(),
        billed_at: None,
        address_id: None,
        created_at: at,
        invoice_id: None,
        updated_at: at,
        revised_at: None,
        business_id: None,
        custom_data,
        customer_id: None,
        discount_id: None,
        receipt_data: None,
        currency_code: currency,
        billing_period: None,
        invoice_number: None,
        billing_details: None,
        collection_mode: "automatic".to_owned(),
        subscription_id: None,
    };
    apply(&mut transaction, priced, mint);
    transaction
}

/// `checkout.url`: the page that opened the checkout, else
/// `https://localhost` (Paddle's default payment link in the recordings),
/// with `?_ptxn=<id>` *(assumed)*.
pub fn checkout_url(origin: Option<&str>, id: &TransactionId) -> String {
    let base = origin
        .filter(|origin| origin.starts_with("http://") || origin.starts_with("https://"))
        .unwrap_or("https://localhost");
    format!("{}?_ptxn={id}", base.trim_end_matches('/'))
}
