//! Reading a catalog to load (the admin API's `{"environment", "products",
//! "prices"}`, and a state document's `products` and `prices`) as strictly
//! as any other body: every problem at once, named by its path
//! (`prices.2.unit_price.amount`), in the validator's words and, where
//! Paddle's own are recorded, in Paddle's.

use serde_json::{Map, Value};

use super::super::validation::{self, Fields, child};
use super::super::{Environment, FieldError, Mint, Timestamp, ValidationErrors, kind};
use super::{
    Catalog, CatalogStatus, CatalogType, Price, PriceId, PriceQuantity, Product, ProductId,
    TaxCategory, TaxMode,
};
use parts::{
    MAX_OVERRIDES, Nested, image_url, nested, nested_list, nested_nullable, object, parse_cycle,
    parse_id, parse_import_meta, parse_money, parse_override, parse_quantity, parse_trial,
};

mod parts;

const PRODUCT_FIELDS: [&str; 11] = [
    "id",
    "name",
    "description",
    "type",
    "tax_category",
    "image_url",
    "custom_data",
    "status",
    "import_meta",
    "created_at",
    "updated_at",
];

const PRICE_FIELDS: [&str; 16] = [
    "id",
    "description",
    "type",
    "name",
    "product_id",
    "billing_cycle",
    "trial_period",
    "tax_mode",
    "unit_price",
    "unit_price_overrides",
    "custom_data",
    "quantity",
    "status",
    "import_meta",
    "created_at",
    "updated_at",
];

/// Paddle's lengths: a product's name and description, a price's
/// description and name.
const PRODUCT_NAME: (usize, usize) = (1, 200);
const PRODUCT_DESCRIPTION: (usize, usize) = (0, 2048);
const PRICE_DESCRIPTION: (usize, usize) = (2, 500);
const PRICE_NAME: (usize, usize) = (1, 150);
/// Reads a catalog body: `environment` (`sandbox` when absent), and the
/// lists `products` and `prices` (each may be absent). Ids are minted
/// where none is given, timestamps taken from `mint` where none is. A
/// price's product and ids already stored are the caller's to check.
pub fn parse_catalog(
    body: &Map<String, Value>,
    mint: &Mint,
) -> Result<(Environment, Catalog), ValidationErrors> {
    let mut fields = Fields::new(body, &["environment", "products", "prices"]);
    let mut inner = Nested::default();
    let environment = fields.environment();
    let products = nested_list(
        &mut fields,
        &mut inner,
        "products",
        usize::MAX,
        |path, o| parse_product(path, o, mint),
    );
    let prices = nested_list(&mut fields, &mut inner, "prices", usize::MAX, |path, o| {
        parse_price(path, o, mint)
    });
    let parsed = match (environment, products, prices) {
        (Some(environment), Some(products), Some(prices)) => {
            Some((environment, Catalog { products, prices }))
        }
        _ => None,
    };
    let (environment, catalog) = inner.finish(fields, parsed)?;
    catalog.check_within("products", "prices")?;
    Ok((environment, catalog))
}

/// The query of a catalog listing: `environment` (`sandbox` when absent);
/// any other parameter is refused, as the journal's filters are.
pub fn parse_catalog_query<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Environment, ValidationErrors> {
    let mut environment = Ok(Environment::Sandbox);
    let mut errors = Vec::new();
    for (name, value) in pairs {
        if name != "environment" {
            errors.push(FieldError::new(
                name,
                "is not a parameter; the one there is: environment",
            ));
            continue;
        }
        environment = value.parse::<Environment>().map_err(|_| {
            let problem = validation::Problem::OneOf(vec!["sandbox", "live"]);
            FieldError::new(name, problem.message(name))
        });
    }
    errors.extend(environment.as_ref().err().cloned());
    match (environment, errors.is_empty()) {
        (Ok(environment), true) => Ok(environment),
        _ => Err(ValidationErrors::Schema(errors)),
    }
}

/// Said of an id given twice in one request or document.
pub const REPEATED: &str = "must be unique: another item in the list has it";

impl Catalog {
    /// Each id once, every price's product among the products given or
    /// in `stored`; the lists are named `products` and `prices` at
    /// `(products, prices)`.
    pub fn check_within(&self, products: &str, prices: &str) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (index, product) in self.products.iter().enumerate() {
            if !seen.insert(product.id.as_str()) {
                let field = child(&child(products, &index.to_string()), "id");
                errors.push(FieldError::new(field, REPEATED));
            }
        }
        for (index, price) in self.prices.iter().enumerate() {
            if !seen.insert(price.id.as_str()) {
                let field = child(&child(prices, &index.to_string()), "id");
                errors.push(FieldError::new(field, REPEATED));
            }
        }
        match errors.is_empty() {
            true => Ok(()),
            false => Err(ValidationErrors::Rule(errors)),
        }
    }
}

/// A product as the admin API takes it (Paddle's create-product body,
/// plus `id`, `status`, `import_meta` and the timestamps, each optional).
pub fn parse_product(
    path: &str,
    found: &Map<String, Value>,
    mint: &Mint,
) -> Result<Product, ValidationErrors> {
    let mut fields = Fields::at(path, found, &PRODUCT_FIELDS);
    let mut inner = Nested::default();
    let id = fields.optional("id", parse_id::<kind::Product>);
    let name = fields.required("name", |value| validation::string(value, PRODUCT_NAME));
    let description = fields.nullable("description", |value| {
        validation::string(value, PRODUCT_DESCRIPTION)
    });
    let kind = fields.optional("type", |value| {
        validation::one_of(value, CatalogType::NAMES)
    });
    let tax_category = fields.required("tax_category", |value| {
        validation::one_of::<TaxCategory>(value, TaxCategory::NAMES)
    });
    let image_url = fields.nullable("image_url", image_url);
    let custom_data = fields.nullable("custom_data", |value| object(value).cloned());
    let status = fields.optional("status", |value| {
        validation::one_of(value, CatalogStatus::NAMES)
    });
    let import_meta = nested_nullable(&mut fields, &mut inner, "import_meta", parse_import_meta);
    let times = timestamps(&mut fields, mint);
    let product = (|| {
        let (created_at, updated_at) = times?;
        Some(Product {
            id: id?.unwrap_or_else(|| ProductId::mint_at(mint, created_at)),
            name: name?,
            description: description?,
            kind: kind?.unwrap_or(CatalogType::Standard),
            tax_category: tax_category?,
            image_url: image_url?,
            custom_data: custom_data?,
            status: status?.unwrap_or(CatalogStatus::Active),
            import_meta: import_meta?,
            created_at,
            updated_at,
        })
    })();
    inner.finish(fields, product)
}

/// A price as the admin API takes it (Paddle's create-price body, plus
/// `id`, `status`, `import_meta` and the timestamps, each optional).
pub fn parse_price(
    path: &str,
    found: &Map<String, Value>,
    mint: &Mint,
) -> Result<Price, ValidationErrors> {
    let mut fields = Fields::at(path, found, &PRICE_FIELDS);
    let mut inner = Nested::default();
    let id = fields.optional("id", parse_id::<kind::Price>);
    let description = fields.required("description", |value| {
        validation::string(value, PRICE_DESCRIPTION)
    });
    let kind = fields.optional("type", |value| {
        validation::one_of(value, CatalogType::NAMES)
    });
    let name = fields.nullable("name", |value| validation::string(value, PRICE_NAME));
    let product_id = fields.required("product_id", parse_id::<kind::Product>);
    let billing_cycle = nested_nullable(&mut fields, &mut inner, "billing_cycle", parse_cycle);
    let trial_period = nested_nullable(&mut fields, &mut inner, "trial_period", parse_trial);
    let tax_mode = fields.optional("tax_mode", |value| {
        validation::one_of(value, TaxMode::NAMES)
    });
    let unit_price = nested(&mut fields, &mut inner, "unit_price", parse_money);
    let overrides = nested_list(
        &mut fields,
        &mut inner,
        "unit_price_overrides",
        MAX_OVERRIDES,
        parse_override,
    );
    let custom_data = fields.nullable("custom_data", |value| object(value).cloned());
    let quantity = match fields.has("quantity") {
        true => nested(&mut fields, &mut inner, "quantity", parse_quantity),
        false => Some(PriceQuantity::DEFAULT),
    };
    let status = fields.optional("status", |value| {
        validation::one_of(value, CatalogStatus::NAMES)
    });
    let import_meta = nested_nullable(&mut fields, &mut inner, "import_meta", parse_import_meta);
    let times = timestamps(&mut fields, mint);
    let price = (|| {
        let (created_at, updated_at) = times?;
        Some(Price {
            id: id?.unwrap_or_else(|| PriceId::mint_at(mint, created_at)),
            description: description?,
            kind: kind?.unwrap_or(CatalogType::Standard),
            name: name?,
            product_id: product_id?,
            billing_cycle: billing_cycle?,
            trial_period: trial_period?,
            tax_mode: tax_mode?.unwrap_or(TaxMode::AccountSetting),
            unit_price: unit_price?,
            unit_price_overrides: overrides?,
            custom_data: custom_data?,
            quantity: quantity?,
            status: status?.unwrap_or(CatalogStatus::Active),
            created_at,
            updated_at,
            import_meta: import_meta?,
        })
    })();
    inner.finish(fields, price)
}

/// `created_at` (the mint's instant when absent) and `updated_at`
/// (`created_at` when absent), which may not be earlier.
fn timestamps(fields: &mut Fields<'_>, mint: &Mint) -> Option<(Timestamp, Timestamp)> {
    let created_at = fields.optional("created_at", validation::timestamp);
    let updated_at = fields.optional("updated_at", validation::timestamp);
    let created_at = created_at?.unwrap_or_else(|| mint.now());
    let updated_at = updated_at?.unwrap_or(created_at);
    if updated_at < created_at {
        fields.rule("updated_at", "must not be before created_at");
    }
    Some((created_at, updated_at))
}

#[cfg(test)]
mod tests;
