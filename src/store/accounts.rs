//! Accounts: their statements, and [`AccountStore`] for [`SqlStore`].

use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Type};

use super::bounded::BoundedRead;
use super::rows::AccountRow;
use super::{AccountStore, Backend, SqlStore, StoreError};
use crate::domain::{Account, Clock, Seed, Timestamp};

const INSERT_ACCOUNT: &str =
    "insert into accounts (name, created_at) values ($1, $2) on conflict do nothing";

const ACCOUNT_COLUMNS: &str = "name, created_at, seed, clock, draws";

pub(super) static SELECT_ACCOUNT: LazyLock<String> =
    LazyLock::new(|| format!("select {ACCOUNT_COLUMNS} from accounts where name = $1"));

static SELECT_ACCOUNTS: LazyLock<String> =
    LazyLock::new(|| format!("select {ACCOUNT_COLUMNS} from accounts order by name"));

/// A new seed restarts the sequence.
const SET_SEED: &str = "update accounts set seed = $1, draws = 0 where name = $2";

const SET_CLOCK: &str = "update accounts set clock = $1 where name = $2";

const NEXT_DRAW: &str = "update accounts set draws = draws + 1 where name = $1 returning draws";

#[async_trait]
impl<DB: Backend> AccountStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> AccountRow: FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn ensure_account(&self, name: &str, at: Timestamp) -> Result<bool, StoreError> {
        let result = sqlx::query(INSERT_ACCOUNT)
            .bind(name)
            .bind(at)
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
        // From the writer: a clock just set must be read back as set.
        let row = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNT.as_str())
            .bind(name)
            .fetch_optional(self.writer())
            .bounded::<DB>()
            .await?;
        row.map(Account::try_from).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        let rows = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNTS.as_str())
            .fetch_all(&self.reader)
            .await?;
        rows.into_iter().map(Account::try_from).collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn set_account_seed(&self, name: &str, seed: Option<&Seed>) -> Result<bool, StoreError> {
        let result = sqlx::query(SET_SEED)
            .bind(seed.map(Seed::as_str))
            .bind(name)
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn set_account_clock(
        &self,
        name: &str,
        clock: Option<Clock>,
    ) -> Result<bool, StoreError> {
        let text = clock.map(|clock| clock.to_string());
        let result = sqlx::query(SET_CLOCK)
            .bind(text.as_deref())
            .bind(name)
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn next_draw(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let draw: Option<(i64,)> = sqlx::query_as(NEXT_DRAW)
            .bind(name)
            .fetch_optional(self.writer())
            .await?;
        Ok(draw.map(|(draw,)| draw.max(0) as u64))
    }
}
