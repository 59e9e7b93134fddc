//! Checkouts and what a purchase through one makes (transactions,
//! customers, addresses): their statements, and [`CheckoutStore`] for
//! [`SqlStore`]. Each write is one transaction with its events (`outbox`),
//! and a compare-and-set on the revisions it read: a write that lost a race
//! writes nothing and says so.

use async_trait::async_trait;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Transaction, Type};

use super::bounded::BoundedRead;
use super::outbox::write_events;
use super::{Backend, SqlStore, StoreError};
use crate::domain::checkout::{Address, Checkout, Customer, Purchase, Transaction as Txn};
use crate::domain::{CheckoutId, Event, Owner, Timestamp, TransactionId};

/// A checkout with its transaction, customer and address, in one row.
const SELECT_PURCHASES: &str = "select c.entity, c.revision, t.entity, t.revision, \
     t.last_event_at, cu.entity, a.entity \
     from checkouts c join transactions t on t.id = c.transaction_id \
     left join customers cu on cu.id = t.customer_id \
     left join addresses a on a.id = t.address_id";

/// A transaction of an owner, with its customer and address.
const SELECT_TRANSACTION: &str = "select t.entity, t.revision, t.last_event_at, cu.entity, a.entity \
     from transactions t left join customers cu on cu.id = t.customer_id \
     left join addresses a on a.id = t.address_id \
     where t.id = $1 and t.account = $2 and t.environment = $3";

const COUNT_INVOICED: &str = "select count(*) from transactions \
     where account = $1 and environment = $2 and invoice_number is not null";

const INSERT_CHECKOUT: &str = "insert into checkouts \
     (id, account, environment, transaction_id, state, revision, entity) \
     values ($1, $2, $3, $4, $5, $6, $7)";
const UPDATE_CHECKOUT: &str = "update checkouts set state = $2, revision = $3, entity = $4 \
     where id = $1 and revision = $5";

const INSERT_TRANSACTION: &str = "insert into transactions \
     (id, account, environment, status, customer_id, address_id, invoice_number, revision, \
      last_event_at, entity) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
const UPDATE_TRANSACTION: &str = "update transactions set status = $4, customer_id = $5, \
     address_id = $6, invoice_number = $7, revision = $8, last_event_at = $9, entity = $10 \
     where id = $1 and account = $2 and environment = $3 and revision = $11";

const UPSERT_CUSTOMER: &str = "insert into customers (id, account, environment, email, entity) \
     values ($1, $2, $3, $4, $5) \
     on conflict (id) do update set email = excluded.email, entity = excluded.entity";
const UPSERT_ADDRESS: &str = "insert into addresses (id, account, environment, customer_id, entity) \
     values ($1, $2, $3, $4, $5) on conflict (id) do update set entity = excluded.entity";

/// Children first: each table refers to the next.
const DELETE_ACCOUNT: [&str; 4] = [
    "delete from checkouts where account = $1",
    "delete from transactions where account = $1",
    "delete from addresses where account = $1",
    "delete from customers where account = $1",
];
const DELETE_ALL: [&str; 4] = [
    "delete from checkouts",
    "delete from transactions",
    "delete from addresses",
    "delete from customers",
];

/// A transaction paddock holds, with its customer and address: what a
/// checkout opened with `transaction_id` starts from.
#[derive(Clone, Debug)]
pub struct HeldTransaction {
    pub transaction: Txn,
    pub customer: Option<Customer>,
    pub address: Option<Address>,
    pub revision: i64,
    pub last_event_at: Option<Timestamp>,
}

/// One write of a purchase: its state after the write (revisions already
/// raised by one) and the webhook events the write made.
#[derive(Clone, Copy, Debug)]
pub struct PurchaseWrite<'a> {
    pub purchase: &'a Purchase,
    /// The checkout is new: inserted, not compared and set.
    pub new_checkout: bool,
    /// The transaction is new too.
    pub new_transaction: bool,
    pub events: &'a [Event],
}

#[async_trait]
pub trait CheckoutStore: Send + Sync {
    /// A checkout of any account, with its transaction, customer and address.
    async fn purchase(&self, id: &CheckoutId) -> Result<Option<Purchase>, StoreError>;

    /// The owner's transaction `id`, with its customer and address.
    async fn held_transaction(
        &self,
        owner: &Owner,
        id: &TransactionId,
    ) -> Result<Option<HeldTransaction>, StoreError>;

    /// How many of the owner's transactions have an invoice number: the
    /// next one's sequence follows.
    async fn invoiced_transactions(&self, owner: &Owner) -> Result<u64, StoreError>;

    /// Writes the purchase and its events, all or nothing. `false` (nothing
    /// written) when the checkout's or transaction's revision is no longer
    /// the one read: another write came first.
    async fn write_purchase(&self, write: PurchaseWrite<'_>) -> Result<bool, StoreError>;

    /// Every checkout of the account (both environments), oldest first.
    async fn account_purchases(&self, account: &str) -> Result<Vec<Purchase>, StoreError>;

    /// Deletes the checkouts, transactions, customers and addresses of one
    /// account, or of every account; returns how many checkouts.
    async fn delete_checkouts(&self, account: Option<&str>) -> Result<u64, StoreError>;
}

type PurchaseRow = (
    String,
    i64,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
);

type HeldRow = (String, i64, Option<String>, Option<String>, Option<String>);

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|error| StoreError::Corrupt(format!("{what}: {error}")))
}

fn to_json(value: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Corrupt(error.to_string()))
}

fn instant(text: Option<&str>) -> Result<Option<Timestamp>, StoreError> {
    text.map(|text| {
        Timestamp::parse(text).ok_or_else(|| StoreError::Corrupt(format!("instant `{text}`")))
    })
    .transpose()
}

fn held(row: HeldRow) -> Result<HeldTransaction, StoreError> {
    let (transaction, revision, last_event_at, customer, address) = row;
    Ok(HeldTransaction {
        transaction: from_json("a stored transaction", &transaction)?,
        customer: customer
            .map(|c| from_json("a stored customer", &c))
            .transpose()?,
        address: address
            .map(|a| from_json("a stored address", &a))
            .transpose()?,
        revision,
        last_event_at: instant(last_event_at.as_deref())?,
    })
}

fn purchase(row: PurchaseRow) -> Result<Purchase, StoreError> {
    let (checkout, checkout_revision, transaction, revision, last, customer, address) = row;
    let mut checkout: Checkout = from_json("a stored checkout", &checkout)?;
    checkout.revision = checkout_revision;
    let held = held((transaction, revision, last, customer, address))?;
    Ok(Purchase {
        checkout,
        transaction: held.transaction,
        customer: held.customer,
        address: held.address,
        transaction_revision: held.revision,
        last_event_at: held.last_event_at,
    })
}

#[async_trait]
impl<DB: Backend> CheckoutStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> PurchaseRow: FromRow<'r, DB::Row>,
    for<'r> HeldRow: FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn purchase(&self, id: &CheckoutId) -> Result<Option<Purchase>, StoreError> {
        let statement = format!("{SELECT_PURCHASES} where c.id = $1");
        let row: Option<PurchaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .bounded::<DB>()
            .await?;
        row.map(purchase).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn held_transaction(
        &self,
        owner: &Owner,
        id: &TransactionId,
    ) -> Result<Option<HeldTransaction>, StoreError> {
        let row: Option<HeldRow> = sqlx::query_as(SELECT_TRANSACTION)
            .bind(id.as_str())
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .fetch_optional(&self.reader)
            .bounded::<DB>()
            .await?;
        row.map(held).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn invoiced_transactions(&self, owner: &Owner) -> Result<u64, StoreError> {
        let (count,): (i64,) = sqlx::query_as(COUNT_INVOICED)
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .fetch_one(&self.reader)
            .bounded::<DB>()
            .await?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn write_purchase(&self, write: PurchaseWrite<'_>) -> Result<bool, StoreError> {
        let mut transaction = self.writer().begin().await?;
        if !write_rows(&mut transaction, &write).await? {
            transaction.rollback().await?;
            return Ok(false);
        }
        let owner = write.purchase.checkout.owner();
        let events: Vec<_> = write.events.iter().map(|event| (&owner, event)).collect();
        let queued = write_events(&mut transaction, &events).await?;
        self.commit(transaction, queued).await?;
        Ok(true)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn account_purchases(&self, account: &str) -> Result<Vec<Purchase>, StoreError> {
        let statement = format!("{SELECT_PURCHASES} where c.account = $1 order by c.id");
        let rows: Vec<PurchaseRow> = sqlx::query_as(sqlx::AssertSqlSafe(statement))
            .bind(account)
            .fetch_all(&self.reader)
            .bounded::<DB>()
            .await?;
        rows.into_iter().map(purchase).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete_checkouts(&self, account: Option<&str>) -> Result<u64, StoreError> {
        let mut transaction = self.writer().begin().await?;
        let mut deleted = None;
        for (for_account, for_all) in DELETE_ACCOUNT.iter().zip(DELETE_ALL) {
            let result = match account {
                Some(account) => {
                    sqlx::query(*for_account)
                        .bind(account)
                        .execute(&mut *transaction)
                        .await?
                }
                None => (&mut *transaction).execute(for_all).await?,
            };
            deleted.get_or_insert(DB::rows_affected(&result));
        }
        transaction.commit().await?;
        Ok(deleted.unwrap_or(0))
    }
}

/// The rows of one write; `false` when a compare-and-set found another
/// write's revision.
async fn write_rows<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    write: &PurchaseWrite<'_>,
) -> Result<bool, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    let p = write.purchase;
    let checkout = &p.checkout;
    let (account, environment) = (checkout.account.as_str(), checkout.environment.as_str());
    // Customer and address first: the transaction refers to them.
    if let Some(customer) = &p.customer {
        sqlx::query(UPSERT_CUSTOMER)
            .bind(customer.id.as_str())
            .bind(account)
            .bind(environment)
            .bind(customer.email.as_str())
            .bind(to_json(customer)?)
            .execute(&mut **transaction)
            .await?;
    }
    if let Some(address) = &p.address {
        sqlx::query(UPSERT_ADDRESS)
            .bind(address.id.as_str())
            .bind(account)
            .bind(environment)
            .bind(address.customer_id.as_str())
            .bind(to_json(address)?)
            .execute(&mut **transaction)
            .await?;
    }
    let txn = &p.transaction;
    let last = p.last_event_at.map(|at| at.to_string());
    let statement = match write.new_transaction {
        true => INSERT_TRANSACTION,
        false => UPDATE_TRANSACTION,
    };
    let mut query = sqlx::query(statement)
        .bind(txn.id.as_str())
        .bind(account)
        .bind(environment)
        .bind(txn.status.as_str())
        .bind(txn.customer_id.as_ref().map(|id| id.as_str()))
        .bind(txn.address_id.as_ref().map(|id| id.as_str()))
        .bind(txn.invoice_number.clone())
        .bind(p.transaction_revision)
        .bind(last)
        .bind(to_json(txn)?);
    if !write.new_transaction {
        query = query.bind(p.transaction_revision - 1);
    }
    let result = query.execute(&mut **transaction).await?;
    if DB::rows_affected(&result) != 1 {
        return Ok(false);
    }
    let result = match write.new_checkout {
        true => {
            sqlx::query(INSERT_CHECKOUT)
                .bind(checkout.id.as_str())
                .bind(account)
                .bind(environment)
                .bind(checkout.transaction_id.as_str())
                .bind(checkout.state.as_str())
                .bind(checkout.revision)
                .bind(to_json(checkout)?)
                .execute(&mut **transaction)
                .await?
        }
        false => {
            sqlx::query(UPDATE_CHECKOUT)
                .bind(checkout.id.as_str())
                .bind(checkout.state.as_str())
                .bind(checkout.revision)
                .bind(to_json(checkout)?)
                .bind(checkout.revision - 1)
                .execute(&mut **transaction)
                .await?
        }
    };
    Ok(DB::rows_affected(&result) == 1)
}

#[cfg(test)]
mod tests;
