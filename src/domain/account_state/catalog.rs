//! A state document's catalog: its products and prices, each with its
//! environment and id, read as the admin API's catalog body is; and the
//! rules they are held to across items (an id once per environment, a
//! price's product in the document).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::super::catalog::{REPEATED, parse_price, parse_product};
use super::super::id::kind;
use super::super::validation::{Fields, child};
use super::super::{Environment, FieldError, Mint, ValidationErrors};
use super::fields::{environment, parse_id};
use super::{AccountPrice, AccountProduct, AccountState};

/// `environment` and `id` (both required), and the rest as `parse`
/// reads it; problems of both, gathered.
fn with_environment<T, K: super::super::IdKind>(
    path: &str,
    object: &Map<String, Value>,
    parse: impl FnOnce(&Map<String, Value>) -> Result<T, ValidationErrors>,
) -> Result<(Environment, T), ValidationErrors> {
    // Only these two here: the entity's reader names unknown fields.
    let keys: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut fields = Fields::at(path, object, &keys);
    let environment = fields.required("environment", environment);
    fields.required("id", parse_id::<K>);
    let environment = fields.finish(environment);
    let mut rest = object.clone();
    rest.remove("environment");
    match (environment, parse(&rest)) {
        (Ok(environment), Ok(entity)) => Ok((environment, entity)),
        (environment, entity) => Err(ValidationErrors::combine(
            [environment.err(), entity.err()].into_iter().flatten(),
        )
        .unwrap_or(ValidationErrors::Schema(Vec::new()))),
    }
}

pub(super) fn parse_account_product(
    path: &str,
    object: &Map<String, Value>,
    mint: &Mint,
) -> Result<AccountProduct, ValidationErrors> {
    let (environment, product) =
        with_environment::<_, kind::Product>(path, object, |rest| parse_product(path, rest, mint))?;
    Ok(AccountProduct {
        environment,
        product,
    })
}

pub(super) fn parse_account_price(
    path: &str,
    object: &Map<String, Value>,
    mint: &Mint,
) -> Result<AccountPrice, ValidationErrors> {
    let (environment, price) =
        with_environment::<_, kind::Price>(path, object, |rest| parse_price(path, rest, mint))?;
    Ok(AccountPrice { environment, price })
}

impl AccountState {
    /// Each product and price id once per environment; each price's
    /// product among the document's products of its environment.
    pub(super) fn check_catalog(&self, errors: &mut Vec<FieldError>) {
        let mut seen = HashSet::new();
        let mut products = HashSet::new();
        for (index, item) in self.products.iter().enumerate() {
            let key = (item.environment, item.product.id.as_str());
            if !seen.insert(key) {
                errors.push(FieldError::new(field("products", index, "id"), REPEATED));
            }
            products.insert(key);
        }
        for (index, item) in self.prices.iter().enumerate() {
            if !seen.insert((item.environment, item.price.id.as_str())) {
                errors.push(FieldError::new(field("prices", index, "id"), REPEATED));
            }
            if !products.contains(&(item.environment, item.price.product_id.as_str())) {
                let message = "must be the id of a product of the same environment in the document";
                errors.push(FieldError::new(
                    field("prices", index, "product_id"),
                    message,
                ));
            }
        }
    }
}

fn field(section: &str, index: usize, name: &str) -> String {
    child(&child(section, &index.to_string()), name)
}
