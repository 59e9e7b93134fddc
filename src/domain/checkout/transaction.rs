//! The transaction entity, as Paddle's webhooks carry it (recorded 2025
//! shape, without `import_meta` on prices and products), and its status
//! changes. Its keys are written sorted by length, then alphabetically.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::entity::{LengthSorted, Units};
use super::{AddressId, CustomerId, InvoiceId, PaymentMethodId, TransactionId, TransactionItemId};
use crate::domain::{CurrencyCode, PriceId, TaxRate, Timestamp};

super::words! {
    /// Paddle's transaction statuses.
    TransactionStatus ("snake_case") { Draft, Ready, Billed, Paid, Completed, Canceled, PastDue }
}

impl TransactionStatus {
    /// Paid or completed: no longer changed by a checkout.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Paid | Self::Completed | Self::Billed | Self::Canceled
        )
    }
}

/// A transaction, as the webhooks carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Transaction {
    pub id: TransactionId,
    pub items: Vec<TransactionItem>,
    pub origin: String,
    pub status: TransactionStatus,
    pub details: Details,
    pub checkout: CheckoutLink,
    pub payments: Vec<Payment>,
    pub billed_at: Option<Timestamp>,
    pub address_id: Option<AddressId>,
    pub created_at: Timestamp,
    pub invoice_id: Option<InvoiceId>,
    pub updated_at: Timestamp,
    pub revised_at: Option<Timestamp>,
    pub business_id: Option<String>,
    pub custom_data: Option<Map<String, Value>>,
    pub customer_id: Option<CustomerId>,
    pub discount_id: Option<String>,
    pub receipt_data: Option<Value>,
    pub currency_code: CurrencyCode,
    pub billing_period: Option<Value>,
    pub invoice_number: Option<String>,
    pub billing_details: Option<Value>,
    pub collection_mode: String,
    pub subscription_id: Option<String>,
}

impl Serialize for Transaction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = Transaction::serialize(self, serde_json::value::Serializer)
            .map_err(serde::ser::Error::custom)?;
        LengthSorted(&value).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Transaction {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Transaction::deserialize(deserializer)
    }
}

/// One item bought: the catalog price as the catalog API shows it (less
/// `import_meta`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionItem {
    pub price: Value,
    pub price_id: PriceId,
    pub quantity: i64,
    pub proration: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Details {
    pub totals: Totals,
    pub adjusted_totals: AdjustedTotals,
    pub payout_totals: Option<PayoutTotals>,
    pub adjusted_payout_totals: Option<Value>,
    pub tax_rates_used: Vec<TaxRateUsed>,
    pub line_items: Vec<LineItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: Units,
    pub tax: Units,
    pub discount: Units,
    pub total: Units,
    pub grand_total: Units,
    pub grand_total_tax: Units,
    pub fee: Option<Units>,
    pub earnings: Option<Units>,
    pub credit: Units,
    pub balance: Units,
    pub credit_to_balance: Units,
    pub currency_code: CurrencyCode,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdjustedTotals {
    pub subtotal: Units,
    pub tax: Units,
    pub total: Units,
    pub grand_total: Units,
    pub grand_total_tax: Units,
    pub fee: Units,
    pub earnings: Units,
    pub retained_fee: Units,
    pub currency_code: CurrencyCode,
}

/// The seller's payout: in the transaction's currency *(assumed: paddock
/// has no payout currency)*.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutTotals {
    pub subtotal: Units,
    pub tax: Units,
    pub discount: Units,
    pub total: Units,
    pub grand_total: Units,
    pub grand_total_tax: Units,
    pub fee: Units,
    pub earnings: Units,
    pub credit: Units,
    pub balance: Units,
    pub credit_to_balance: Units,
    pub fee_rate: String,
    pub exchange_rate: String,
    pub currency_code: CurrencyCode,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotals {
    pub subtotal: Units,
    pub tax: Units,
    pub discount: Units,
    pub total: Units,
}

impl LineTotals {
    pub fn plus(self, other: Self) -> Self {
        Self {
            subtotal: Units(self.subtotal.0 + other.subtotal.0),
            tax: Units(self.tax.0 + other.tax.0),
            discount: Units(self.discount.0 + other.discount.0),
            total: Units(self.total.0 + other.total.0),
        }
    }
}

impl From<crate::domain::pricing::Totals> for LineTotals {
    fn from(t: crate::domain::pricing::Totals) -> Self {
        Self {
            subtotal: t.subtotal.into(),
            tax: t.tax.into(),
            discount: t.discount.into(),
            total: t.total.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRateUsed {
    pub tax_rate: TaxRate,
    pub totals: LineTotals,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub id: TransactionItemId,
    pub item_id: Option<Value>,
    pub price_id: PriceId,
    pub quantity: i64,
    pub proration: Option<Value>,
    pub tax_rate: TaxRate,
    pub unit_totals: LineTotals,
    pub totals: LineTotals,
    /// The catalog product, less `import_meta`.
    pub product: Value,
    pub is_tax_exempt: bool,
    pub revised_tax_exempted: bool,
}

/// `checkout.url`: where the transaction can be paid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutLink {
    pub url: Option<String>,
}

/// One payment attempt (recorded 2025 shape).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    pub amount: Units,
    pub status: String,
    pub created_at: Timestamp,
    pub error_code: Option<String>,
    pub captured_at: Option<Timestamp>,
    pub method_details: MethodDetails,
    pub payment_method_id: PaymentMethodId,
    pub payment_attempt_id: String,
    pub stored_payment_method_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodDetails {
    pub card: PaymentCard,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentCard {
    #[serde(rename = "type")]
    pub kind: String,
    pub last4: String,
    pub expiry_year: u16,
    pub expiry_month: u8,
    pub cardholder_name: String,
}

/// The sandbox fee: 5 % of the total and 50 minor units, truncated
/// *(assumed, from three recordings)*; nothing on a free transaction.
pub fn fee(total: i128) -> i128 {
    match total {
        0 => 0,
        _ => total * 5 / 100 + 50,
    }
}

impl Transaction {
    /// The webhook `data` of this transaction, keys in Paddle's order.
    pub fn to_value(&self) -> Value {
        // Plain data: serializing it can't fail.
        Transaction::serialize(self, serde_json::value::Serializer).unwrap_or(Value::Null)
    }

    /// Marks the transaction paid by `payment` at `at`: captured, billed, and
    /// nothing left to pay.
    pub fn pay(&mut self, payment: Payment, at: Timestamp) {
        self.payments.insert(0, payment);
        self.status = TransactionStatus::Paid;
        self.billed_at = Some(at);
        self.details.totals.balance = Units(0);
        self.updated_at = at;
    }

    /// Completes a paid transaction at `at`: the fee and earnings are known,
    /// the payout is set and the invoice numbered.
    pub fn complete(&mut self, invoice_id: InvoiceId, invoice_number: String, at: Timestamp) {
        let totals = &mut self.details.totals;
        let fee = fee(totals.total.0);
        let earnings = totals.subtotal.0 - fee;
        totals.fee = Some(Units(fee));
        totals.earnings = Some(Units(earnings));
        let adjusted = &mut self.details.adjusted_totals;
        adjusted.fee = Units(fee);
        adjusted.earnings = Units(earnings);
        let totals = &self.details.totals;
        self.details.payout_totals = Some(PayoutTotals {
            subtotal: totals.subtotal,
            tax: totals.tax,
            discount: totals.discount,
            total: totals.total,
            grand_total: totals.grand_total,
            grand_total_tax: totals.grand_total_tax,
            fee: Units(fee),
            earnings: Units(earnings),
            credit: totals.credit,
            balance: totals.balance,
            credit_to_balance: totals.credit_to_balance,
            fee_rate: "0.05".to_owned(),
            exchange_rate: "1".to_owned(),
            currency_code: totals.currency_code,
        });
        self.status = TransactionStatus::Completed;
        self.invoice_id = Some(invoice_id);
        self.invoice_number = Some(invoice_number);
        self.updated_at = at;
    }

    /// Records a failed attempt, newest first; the transaction stays as it was.
    pub fn fail(&mut self, payment: Payment, at: Timestamp) {
        self.payments.insert(0, payment);
        self.updated_at = at;
    }
}
