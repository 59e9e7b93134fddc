//! The test-mode checkout: what Paddle.js opens with a client-side token,
//! and the transaction (`txn_`), customer (`ctm_`) and address (`add_`) a
//! purchase through it makes, in Paddle's shapes. No I/O here: the service
//! reads and writes, this module decides what a write changes and which
//! webhook and Paddle.js events it makes.

mod card;
mod entity;
mod js;
mod machine;
mod open;
mod pricing;
mod request;
mod settings;
mod transaction;
mod view;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{Environment, Id, Owner, Timestamp, kind};

pub use card::{
    CARD_NUMBER_MESSAGE, CARDHOLDER_NAME_MESSAGE, CVV_MESSAGE, CardDetails, EXPIRED_MESSAGE,
    EXPIRY_MONTH_MESSAGE, EXPIRY_YEAR_MESSAGE, TestCard,
};
pub use entity::{Address, Customer, LengthSorted, Units};
pub use js::Major;
pub use machine::{Change, CheckoutRefusal, Step, invoice_number};
pub use open::{Held, open_cart, open_held};
pub use pricing::{POSTCODE_COUNTRIES, checkout_url, draft, postcode_required, preview_request};
pub use request::{
    Authentication, COUNTRY_MESSAGE, CUSTOMER_FIRST_MESSAGE, CheckoutItem, CheckoutTarget,
    CheckoutUpdate, CustomerDetails, EMAIL_MESSAGE, ITEMS_MESSAGE, OpenCheckout, Outcome,
};
pub use transaction::{
    LineItem, LineTotals, Payment, Transaction, TransactionItem, TransactionStatus,
};
pub use view::{AdminCheckoutView, CheckoutView};

pub type CheckoutId = Id<kind::Checkout>;
pub type TransactionId = Id<kind::Transaction>;
pub type CustomerId = Id<kind::Customer>;
pub type AddressId = Id<kind::Address>;
pub type TransactionItemId = Id<kind::TransactionItem>;
pub type PaymentMethodId = Id<kind::PaymentMethod>;
pub type InvoiceId = Id<kind::Invoice>;

/// Declares a closed list of words, written the same in text and JSON.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident ($case:literal) { $($variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize,
            strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantNames,
        )]
        #[serde(rename_all = $case)]
        #[strum(serialize_all = $case)]
        pub enum $name { #[default] $($variant),* }

        impl $name {
            /// Every name, as a schema's `enum` lists them.
            pub const NAMES: &'static [&'static str] =
                <Self as strum::VariantNames>::VARIANTS;

            pub fn as_str(self) -> &'static str {
                self.into()
            }
        }
    };
}
pub(crate) use words;

words! {
    /// `open` until paid (`completed`) or closed by the page.
    CheckoutState ("snake_case") { Open, Completed, Closed }
}

words! {
    /// Where the last payment attempt got to.
    PaymentStatus ("snake_case") { None, ActionRequired, Failed, Captured }
}

words! {
    /// `settings.displayMode`.
    DisplayMode ("snake_case") { Overlay, Inline }
}

words! {
    /// `settings.theme`.
    Theme ("snake_case") { Light, Dark }
}

words! {
    /// `settings.variant`.
    Variant ("kebab-case") { OnePage, MultiPage }
}

/// The checkout's own settings, from `Paddle.Checkout.open`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutSettings {
    pub display_mode: DisplayMode,
    pub theme: Theme,
    pub variant: Variant,
    pub locale: String,
    pub success_url: Option<String>,
}

impl Default for CheckoutSettings {
    fn default() -> Self {
        Self {
            display_mode: DisplayMode::Overlay,
            theme: Theme::Light,
            variant: Variant::OnePage,
            locale: "en".to_owned(),
            success_url: None,
        }
    }
}

/// The checkout's payment: where the last attempt got to, and the card
/// waiting for its 3-D Secure step.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentState {
    pub status: PaymentStatus,
    pub error_code: Option<String>,
    /// The card of the attempt waiting for 3-D Secure, or the last one used.
    pub card: Option<CardDetails>,
}

/// One Paddle.js event, as the page relays it to `eventCallback`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CheckoutEvent {
    /// From 1, in the order written.
    pub sequence: u64,
    pub name: String,
    /// Written once, when the event happened: its totals are JSON numbers
    /// written from integers, kept as written.
    pub data: Box<RawValue>,
}

/// paddock's own record of a checkout.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkout {
    pub id: CheckoutId,
    pub account: String,
    #[serde(with = "environment")]
    pub environment: Environment,
    pub transaction_id: TransactionId,
    pub state: CheckoutState,
    pub settings: CheckoutSettings,
    pub payment: PaymentState,
    pub events: Vec<CheckoutEvent>,
    /// Raised by every write: the compare-and-set of the next one.
    pub revision: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Checkout {
    pub fn owner(&self) -> Owner {
        Owner {
            account: self.account.clone(),
            environment: self.environment,
        }
    }
}

/// A checkout with its transaction, customer and address: everything one
/// write reads and writes together.
#[derive(Clone, Debug)]
pub struct Purchase {
    pub checkout: Checkout,
    pub transaction: Transaction,
    pub customer: Option<Customer>,
    pub address: Option<Address>,
    /// The transaction row's own revision (several checkouts may open one
    /// transaction): compared and set with the checkout's.
    pub transaction_revision: i64,
    /// When the transaction's last webhook event occurred: the next write's
    /// events come after it, even on a frozen clock.
    pub last_event_at: Option<Timestamp>,
}

mod environment {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::domain::Environment;

    pub fn serialize<S: Serializer>(value: &Environment, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Environment, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
