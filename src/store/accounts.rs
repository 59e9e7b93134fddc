//! Accounts: their statements, and [`AccountStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Type};

use super::rows::AccountRow;
use super::{AccountStore, Backend, SqlStore, StoreError};
use crate::domain::{Account, Timestamp};

const INSERT_ACCOUNT: &str =
    "insert into accounts (name, created_at) values ($1, $2) on conflict do nothing";

pub(super) const SELECT_ACCOUNT: &str = "select name, created_at from accounts where name = $1";

const SELECT_ACCOUNTS: &str = "select name, created_at from accounts order by name";

#[async_trait]
impl<DB: Backend> AccountStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> AccountRow: FromRow<'r, DB::Row>,
{
    async fn ensure_account(&self, name: &str, at: Timestamp) -> Result<bool, StoreError> {
        let result = sqlx::query(INSERT_ACCOUNT)
            .bind(name)
            .bind(at)
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let row = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNT)
            .bind(name)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(Account::from))
    }

    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNTS)
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.into_iter().map(Account::from).collect())
    }
}
