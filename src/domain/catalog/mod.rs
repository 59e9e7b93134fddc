//! The catalog a cart is priced against: products (`pro_`) and their
//! prices (`pri_`), per account and environment, in Paddle's entity shapes
//! and key order (as Paddle's 2026 answers carry them); currencies, amounts,
//! countries and tax rates. No HTTP and no SQL here.

mod money;
mod parse;
mod tax;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Id, Timestamp, kind};

pub use money::{Amount, AmountError, COUNTRY_CODES, CountryCode, CurrencyCode, MAX_AMOUNT, Money};
pub use parse::{REPEATED, parse_catalog, parse_catalog_query, parse_price, parse_product};
pub use tax::{TaxRate, TaxRates};

pub type ProductId = Id<kind::Product>;
pub type PriceId = Id<kind::Price>;

/// Declares a closed list of Paddle's words: parsed and written the same
/// in text, JSON and the database, with every name in `NAMES`.
macro_rules! words {
    ($(#[$doc:meta])* $name:ident ($case:literal) { $($variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize,
            strum::IntoStaticStr, strum::Display, strum::EnumString, strum::VariantNames,
        )]
        #[serde(rename_all = $case)]
        #[strum(serialize_all = $case)]
        pub enum $name { $($variant),* }

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

words! {
    /// `standard` (in the catalog) or `custom` (made for one transaction).
    CatalogType ("snake_case") { Standard, Custom }
}

words! {
    /// `active` or `archived`: an archived price can't be bought.
    CatalogStatus ("snake_case") { Active, Archived }
}

words! {
    /// The unit of a billing cycle or trial.
    Interval ("snake_case") { Day, Week, Month, Year }
}

words! {
    /// Whether a price includes tax: `external` adds tax on top,
    /// `internal` includes it, `location` does as is usual where the
    /// customer is, `account_setting` as the account is set.
    TaxMode ("snake_case") { AccountSetting, External, Internal, Location }
}

words! {
    /// A product's tax category, as Paddle names them.
    TaxCategory ("kebab-case") {
        DigitalGoods,
        Ebooks,
        ImplementationServices,
        ProfessionalServices,
        Saas,
        SoftwareProgrammingServices,
        Standard,
        TrainingServices,
        WebsiteHosting,
    }
}

/// How often a price is charged: every `frequency` `interval`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BillingCycle {
    pub interval: Interval,
    pub frequency: u32,
}

/// A trial before the first charge. The last three fields are those
/// Paddle's newer SDKs carry (a paid trial's own price).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrialPeriod {
    pub interval: Interval,
    pub frequency: u32,
    pub requires_payment_method: bool,
    pub unit_price: Option<Money>,
    pub unit_price_overrides: Vec<UnitPriceOverride>,
}

/// Another price for customers in `country_codes`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitPriceOverride {
    pub country_codes: Vec<CountryCode>,
    pub unit_price: Money,
}

/// How many of a price one line may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PriceQuantity {
    pub minimum: u32,
    pub maximum: u32,
}

impl PriceQuantity {
    /// Paddle's default: 1 to 100.
    pub const DEFAULT: Self = Self {
        minimum: 1,
        maximum: 100,
    };

    pub fn allows(self, quantity: u32) -> bool {
        (self.minimum..=self.maximum).contains(&quantity)
    }
}

/// Where an imported entity came from (read-only in Paddle's API).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportMeta {
    pub imported_from: String,
    pub external_id: Option<String>,
}

/// A product, in Paddle's key order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: CatalogType,
    pub tax_category: TaxCategory,
    /// A URL, or null, or `""` (Paddle allows all three).
    pub image_url: Option<String>,
    pub custom_data: Option<Map<String, Value>>,
    pub status: CatalogStatus,
    pub import_meta: Option<ImportMeta>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A price, in the key order of Paddle's 2026 answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Price {
    pub id: PriceId,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: CatalogType,
    pub name: Option<String>,
    pub product_id: ProductId,
    /// `None`: charged once.
    pub billing_cycle: Option<BillingCycle>,
    pub trial_period: Option<TrialPeriod>,
    pub tax_mode: TaxMode,
    pub unit_price: Money,
    pub unit_price_overrides: Vec<UnitPriceOverride>,
    pub custom_data: Option<Map<String, Value>>,
    pub quantity: PriceQuantity,
    pub status: CatalogStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub import_meta: Option<ImportMeta>,
}

/// A price with its product, as a preview prices it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogPrice {
    pub price: Price,
    pub product: Product,
}

/// Products and prices, as loaded or listed together.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    pub products: Vec<Product>,
    pub prices: Vec<Price>,
}

impl Catalog {
    pub fn is_empty(&self) -> bool {
        self.products.is_empty() && self.prices.is_empty()
    }
}

#[cfg(test)]
mod tests;
