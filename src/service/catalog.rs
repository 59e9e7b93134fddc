//! The catalog and the tax rates a preview prices with: loaded and read
//! through the admin API, read by the previews.

use std::collections::HashSet;
use std::sync::Arc;

use serde::Serialize;
use serde_json::{Map, Value};

use super::Mints;
use super::api_keys::SEQUENCE_SKIPS;
use crate::domain::{
    Catalog, CatalogPrice, Environment, FieldError, Mint, Owner, PriceId, TaxRates,
    ValidationErrors, parse_catalog,
};
use crate::error::{Error, Result};
use crate::store::{Store, StoreError};

/// Said of an explicit id the owner's catalog has already.
pub const TAKEN: &str = "must be unique: the catalog has it already";
/// Said of a price whose product is neither loaded with it nor stored.
pub const NO_PRODUCT: &str =
    "must be the id of a product in this request or in the account's catalog";

#[derive(Clone)]
pub struct Catalogs {
    store: Arc<dyn Store>,
    mints: Arc<Mints>,
}

/// A catalog of one environment, as the admin API shows it.
#[derive(Clone, Debug, Serialize)]
pub struct CatalogListing {
    pub environment: Environment,
    #[serde(flatten)]
    pub catalog: Catalog,
}

/// An account's tax rates, as the admin API shows them.
#[derive(Clone, Debug, Serialize)]
pub struct TaxSetting {
    pub rates: TaxRates,
}

impl Catalogs {
    pub(super) fn new(store: Arc<dyn Store>, mints: Arc<Mints>) -> Self {
        Self { store, mints }
    }

    /// Loads the body's products and prices into `account` (created on
    /// first use), all or nothing: a refused body stores nothing and draws
    /// no seeded value.
    pub async fn load(&self, account: &str, body: &Map<String, Value>) -> Result<CatalogListing> {
        let (environment, checked) = parse_catalog(body, &Mint::real())?;
        let owner = Owner {
            account: account.to_owned(),
            environment,
        };
        self.check_stored(&owner, &checked).await?;
        let mut attempts = 0;
        loop {
            let mint = self.mints.mint(account).await?;
            let (_, catalog) = parse_catalog(body, &mint)?;
            self.store.ensure_account(account, mint.now()).await?;
            match self.store.insert_catalog(&owner, &catalog).await {
                Ok(()) => {
                    return Ok(CatalogListing {
                        environment,
                        catalog,
                    });
                }
                // An id given was loaded meanwhile by another request: said
                // as for one found taken before. Else a minted one was (a
                // seeded sequence restarted): the next draw is tried.
                Err(StoreError::Conflict(constraint)) => {
                    self.check_stored(&owner, &checked).await?;
                    if attempts >= SEQUENCE_SKIPS {
                        return Err(StoreError::Conflict(constraint).into());
                    }
                    attempts += 1;
                }
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Refuses ids the owner has already, and prices of products it has
    /// neither in `catalog` nor stored.
    async fn check_stored(&self, owner: &Owner, catalog: &Catalog) -> Result<()> {
        let mut ids: Vec<&str> = (catalog.products.iter()).map(|p| p.id.as_str()).collect();
        ids.extend(catalog.prices.iter().map(|p| p.id.as_str()));
        ids.extend(catalog.prices.iter().map(|p| p.product_id.as_str()));
        let stored = self.store.stored_catalog_ids(owner, &ids).await?;
        let stored: HashSet<&str> = stored.iter().map(String::as_str).collect();
        let loaded: HashSet<&str> = (catalog.products.iter()).map(|p| p.id.as_str()).collect();
        let is_stored = |id: &str| stored.contains(id);
        let mut errors = Vec::new();
        for (index, product) in catalog.products.iter().enumerate() {
            if is_stored(product.id.as_str()) {
                errors.push(FieldError::new(format!("products.{index}.id"), TAKEN));
            }
        }
        for (index, price) in catalog.prices.iter().enumerate() {
            if is_stored(price.id.as_str()) {
                errors.push(FieldError::new(format!("prices.{index}.id"), TAKEN));
            }
            let product = price.product_id.as_str();
            if !loaded.contains(product) && !is_stored(product) {
                let field = format!("prices.{index}.product_id");
                errors.push(FieldError::new(field, NO_PRODUCT));
            }
        }
        match errors.is_empty() {
            true => Ok(()),
            false => Err(ValidationErrors::Rule(errors).into()),
        }
    }

    /// The catalog of `account` (which must exist) in `environment`.
    pub async fn list(&self, account: &str, environment: Environment) -> Result<CatalogListing> {
        self.existing(account).await?;
        let owner = Owner {
            account: account.to_owned(),
            environment,
        };
        let catalog = self.store.catalog(&owner).await?;
        Ok(CatalogListing {
            environment,
            catalog,
        })
    }

    /// Those of `ids` the owner has, with their products, any status: what
    /// a preview prices.
    pub async fn prices(&self, owner: &Owner, ids: &[PriceId]) -> Result<Vec<CatalogPrice>> {
        Ok(self.store.catalog_prices(owner, ids).await?)
    }

    /// The owner's tax rates: none unless set.
    pub async fn tax_rates(&self, owner: &Owner) -> Result<TaxRates> {
        Ok(self.store.tax_rates(owner).await?)
    }

    /// The tax setting of `account` (which must exist).
    pub async fn tax_setting(&self, account: &str) -> Result<TaxSetting> {
        self.existing(account).await?;
        let owner = Owner {
            account: account.to_owned(),
            environment: Environment::Sandbox,
        };
        let rates = self.store.tax_rates(&owner).await?;
        Ok(TaxSetting { rates })
    }

    /// Replaces the tax rates of `account` (created on first use).
    pub async fn set_tax_rates(&self, account: &str, rates: TaxRates) -> Result<TaxSetting> {
        let now = self.mints.now(account).await?;
        self.store.ensure_account(account, now).await?;
        self.store.set_tax_rates(account, &rates).await?;
        Ok(TaxSetting { rates })
    }

    async fn existing(&self, account: &str) -> Result<()> {
        match self.store.account(account).await? {
            Some(_) => Ok(()),
            None => Err(Error::NotFound(account.to_owned())),
        }
    }
}
