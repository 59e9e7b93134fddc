//! Price and transaction previews, with no I/O: a request read in Paddle's
//! words, priced against catalog prices and an account's tax rates, and
//! written in the key order of Paddle's answers. Money is integers in the
//! currency's lowest unit throughout.

mod format;
mod preview;
mod request;
mod response;
mod rules;
mod totals;

pub use format::format_money;
pub use preview::{PAYMENT_METHODS, PreviewRefusal, Priced, price};
pub use request::{
    ADDRESS_ID, BUSINESS_ID, CUSTOMER_ID, DISCOUNT_ID, MAX_ITEMS, PreviewAddress, PreviewItem,
    PreviewKind, PreviewRequest,
};
pub use response::{PricePreview, TransactionPreview};
pub use totals::{Inclusion, Minor, Totals};

#[cfg(test)]
mod tests;
