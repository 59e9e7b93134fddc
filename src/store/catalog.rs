//! The catalog (products, prices) and the account's tax rates: their
//! statements, and [`CatalogStore`] for [`SqlStore`]. Each entity is kept
//! as its JSON, beside the columns its lookups need.

use async_trait::async_trait;
use sqlx::{Arguments, AssertSqlSafe, Encode, Executor, FromRow, IntoArguments, Transaction, Type};

use super::account_state_rows::insert_rows as insert_values;
use super::bounded::BoundedRead;
use super::{Backend, SqlStore, StoreError};
use crate::domain::{
    AccountPrice, AccountProduct, AccountState, Catalog, CatalogPrice, Environment, Owner, Price,
    PriceId, Product, TaxRates,
};

/// Followed by `values` rows, in this column order.
const INSERT_PRODUCTS: &str = "insert into products (account, environment, id, entity) ";
const INSERT_PRICES: &str = "insert into prices (account, environment, id, product_id, entity) ";

const SELECT_PRODUCTS: &str =
    "select entity from products where account = $1 and environment = $2 order by id";
const SELECT_PRICES: &str =
    "select entity from prices where account = $1 and environment = $2 order by id";

const SELECT_TAX_RATES: &str = "select tax_rates from accounts where name = $1";
const SET_TAX_RATES: &str = "update accounts set tax_rates = $1 where name = $2";

/// `$from, $from+1, ..`: `count` placeholders for an `in (..)` list.
fn placeholders(from: usize, count: usize) -> String {
    let numbers: Vec<String> = (from..from + count).map(|n| format!("${n}")).collect();
    numbers.join(", ")
}

/// Prices with their products, of one owner, by id: `$1` account, `$2`
/// environment, then `count` ids.
fn select_catalog_prices(count: usize) -> String {
    format!(
        "select pr.entity, p.entity from prices pr join products p \
         on p.account = pr.account and p.environment = pr.environment and p.id = pr.product_id \
         where pr.account = $1 and pr.environment = $2 and pr.id in ({}) order by pr.id",
        placeholders(3, count)
    )
}

/// Which of `count` ids (`$3`..) are stored, as products or prices.
fn select_stored_ids(count: usize) -> String {
    let ids = placeholders(3, count);
    format!(
        "select id from products where account = $1 and environment = $2 and id in ({ids}) \
         union select id from prices where account = $1 and environment = $2 and id in ({ids})"
    )
}

/// The products and prices of owners, and each account's tax rates.
#[async_trait]
pub trait CatalogStore: Send + Sync {
    /// Stores products and prices, all or none. An id the owner has already
    /// is a [`StoreError::Conflict`]; a price's product must be among
    /// `catalog.products` or stored.
    async fn insert_catalog(&self, owner: &Owner, catalog: &Catalog) -> Result<(), StoreError>;

    /// Which of `ids` (of products or prices) the owner has.
    async fn stored_catalog_ids(
        &self,
        owner: &Owner,
        ids: &[&str],
    ) -> Result<Vec<String>, StoreError>;

    /// The owner's products and prices, each in id order.
    async fn catalog(&self, owner: &Owner) -> Result<Catalog, StoreError>;

    /// Those of `ids` the owner has, with their products, whatever their
    /// status, in id order; an id it hasn't is left out.
    async fn catalog_prices(
        &self,
        owner: &Owner,
        ids: &[PriceId],
    ) -> Result<Vec<CatalogPrice>, StoreError>;

    /// The account's tax rates (shared by its environments); none when
    /// never set or there is no such account.
    async fn tax_rates(&self, owner: &Owner) -> Result<TaxRates, StoreError>;

    /// Replaces the account's tax rates; `false` when there is no such
    /// account.
    async fn set_tax_rates(&self, account: &str, rates: &TaxRates) -> Result<bool, StoreError>;
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(error.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

#[async_trait]
impl<DB: Backend> CatalogStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (Option<String>,): FromRow<'r, DB::Row>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_catalog(&self, owner: &Owner, catalog: &Catalog) -> Result<(), StoreError> {
        let mut transaction = self.writer().begin().await?;
        let products: Vec<&Product> = catalog.products.iter().collect();
        let prices: Vec<&Price> = catalog.prices.iter().collect();
        insert_rows(&mut transaction, owner, &products, &prices).await?;
        transaction.commit().await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn stored_catalog_ids(
        &self,
        owner: &Owner,
        ids: &[&str],
    ) -> Result<Vec<String>, StoreError> {
        let mut stored = Vec::new();
        // A few hundred at a time: far below any limit on bound values.
        for chunk in ids.chunks(DB::ROWS_PER_INSERT) {
            let statement = select_stored_ids(chunk.len());
            let mut query = sqlx::query_as::<_, (String,)>(AssertSqlSafe(statement))
                .persistent(false)
                .bind(owner.account.as_str())
                .bind(owner.environment.as_str());
            for id in chunk {
                query = query.bind(*id);
            }
            let rows = query.fetch_all(self.writer()).await?;
            stored.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(stored)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn catalog(&self, owner: &Owner) -> Result<Catalog, StoreError> {
        let (account, environment) = (owner.account.as_str(), owner.environment.as_str());
        // From the writer: a catalog just loaded is listed as loaded.
        let products: Vec<(String,)> = sqlx::query_as(SELECT_PRODUCTS)
            .bind(account)
            .bind(environment)
            .fetch_all(self.writer())
            .await?;
        let prices: Vec<(String,)> = sqlx::query_as(SELECT_PRICES)
            .bind(account)
            .bind(environment)
            .fetch_all(self.writer())
            .await?;
        Ok(Catalog {
            products: (products.iter())
                .map(|(text,)| from_json("a stored product", text))
                .collect::<Result<_, _>>()?,
            prices: (prices.iter())
                .map(|(text,)| from_json("a stored price", text))
                .collect::<Result<_, _>>()?,
        })
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn catalog_prices(
        &self,
        owner: &Owner,
        ids: &[PriceId],
    ) -> Result<Vec<CatalogPrice>, StoreError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(DB::ROWS_PER_INSERT) {
            let statement = select_catalog_prices(chunk.len());
            let mut query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(statement))
                .persistent(false)
                .bind(owner.account.as_str())
                .bind(owner.environment.as_str());
            for id in chunk {
                query = query.bind(id.as_str());
            }
            for (price, product) in query.fetch_all(&self.reader).bounded::<DB>().await? {
                let price: Price = from_json("a stored price", &price)?;
                let product: Product = from_json("a stored product", &product)?;
                found.push(CatalogPrice { price, product });
            }
        }
        Ok(found)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn tax_rates(&self, owner: &Owner) -> Result<TaxRates, StoreError> {
        let row: Option<(Option<String>,)> = sqlx::query_as(SELECT_TAX_RATES)
            .bind(owner.account.as_str())
            .fetch_optional(&self.reader)
            .bounded::<DB>()
            .await?;
        match row {
            Some((Some(text),)) => from_json("stored tax rates", &text),
            _ => Ok(TaxRates::default()),
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn set_tax_rates(&self, account: &str, rates: &TaxRates) -> Result<bool, StoreError> {
        let text = (!rates.is_empty()).then(|| to_json(rates)).transpose()?;
        let result = sqlx::query(SET_TAX_RATES)
            .bind(text)
            .bind(account)
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }
}

/// Inserts an owner's products, then its prices (which reference them),
/// in multi-row statements.
async fn insert_rows<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    owner: &Owner,
    products: &[&Product],
    prices: &[&Price],
) -> Result<(), StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    let (account, environment) = (owner.account.as_str(), owner.environment.as_str());
    let products_into = (INSERT_PRODUCTS, 4);
    insert_values(
        transaction,
        products_into,
        products,
        |arguments, product| {
            arguments.add(account)?;
            arguments.add(environment)?;
            arguments.add(product.id.as_str())?;
            arguments.add(serde_json::to_string(product)?)
        },
    )
    .await?;
    let prices_into = (INSERT_PRICES, 5);
    insert_values(transaction, prices_into, prices, |arguments, price| {
        arguments.add(account)?;
        arguments.add(environment)?;
        arguments.add(price.id.as_str())?;
        arguments.add(price.product_id.as_str())?;
        arguments.add(serde_json::to_string(price)?)
    })
    .await
}

const SELECT_ACCOUNT_PRODUCTS: &str =
    "select environment, entity from products where account = $1 order by id, environment";
const SELECT_ACCOUNT_PRICES: &str =
    "select environment, entity from prices where account = $1 order by id, environment";

fn environment(text: &str) -> Result<Environment, StoreError> {
    text.parse()
        .map_err(|_| StoreError::Corrupt(format!("environment `{text}`")))
}

/// The account's catalog of both environments and its tax rates, read in
/// `transaction` (an export's snapshot).
pub(super) async fn export_catalog<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    account: &str,
) -> Result<(Vec<AccountProduct>, Vec<AccountPrice>, TaxRates), StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
    for<'r> (Option<String>,): FromRow<'r, DB::Row>,
{
    let products: Vec<(String, String)> = sqlx::query_as(SELECT_ACCOUNT_PRODUCTS)
        .bind(account)
        .fetch_all(&mut **transaction)
        .await?;
    let prices: Vec<(String, String)> = sqlx::query_as(SELECT_ACCOUNT_PRICES)
        .bind(account)
        .fetch_all(&mut **transaction)
        .await?;
    let rates: Option<(Option<String>,)> = sqlx::query_as(SELECT_TAX_RATES)
        .bind(account)
        .fetch_optional(&mut **transaction)
        .await?;
    let products = (products.iter())
        .map(|(env, text)| {
            Ok(AccountProduct {
                environment: environment(env)?,
                product: from_json("a stored product", text)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let prices = (prices.iter())
        .map(|(env, text)| {
            Ok(AccountPrice {
                environment: environment(env)?,
                price: from_json("a stored price", text)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let rates = match rates {
        Some((Some(text),)) => from_json("stored tax rates", &text)?,
        _ => TaxRates::default(),
    };
    Ok((products, prices, rates))
}

/// Loads a document's catalog and tax rates into its (empty) account, in
/// the import's `transaction`.
pub(super) async fn import_catalog<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    state: &AccountState,
) -> Result<(), StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
{
    for environment in [Environment::Sandbox, Environment::Live] {
        let owner = Owner {
            account: state.account.name.clone(),
            environment,
        };
        let products: Vec<&Product> = (state.products.iter())
            .filter(|item| item.environment == environment)
            .map(|item| &item.product)
            .collect();
        let prices: Vec<&Price> = (state.prices.iter())
            .filter(|item| item.environment == environment)
            .map(|item| &item.price)
            .collect();
        insert_rows(transaction, &owner, &products, &prices).await?;
    }
    let rates = &state.tax_rates;
    let text = (!rates.is_empty()).then(|| to_json(rates)).transpose()?;
    sqlx::query(SET_TAX_RATES)
        .bind(text)
        .bind(state.account.name.as_str())
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
