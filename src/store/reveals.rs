//! What the dashboard shows once: [`RevealStore`], and its statements for
//! [`SqlStore`].

use async_trait::async_trait;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Type};

use super::{Backend, SqlStore, StoreError};
use crate::domain::{Owner, Timestamp};

/// Secrets the dashboard shows once, sealed, between the POST that made
/// them and the page that shows them.
#[async_trait]
pub trait RevealStore: Send + Sync {
    /// Keeps `sealed` for `owner` as `id`, forgetting those made before
    /// `stale_before`.
    async fn keep_reveal(
        &self,
        id: &str,
        owner: &Owner,
        sealed: &str,
        at: Timestamp,
        stale_before: Timestamp,
    ) -> Result<(), StoreError>;

    /// The sealed reveal `id` of `owner` and when it was kept, deleted in
    /// the same statement: `None` once anyone has taken it.
    async fn take_reveal(
        &self,
        id: &str,
        owner: &Owner,
    ) -> Result<Option<(String, Timestamp)>, StoreError>;
}

const INSERT_REVEAL: &str = "insert into dashboard_reveals (id, account, environment, sealed, created_at) \
     values ($1, $2, $3, $4, $5)";

/// Reveals nobody came back for.
const DELETE_STALE: &str = "delete from dashboard_reveals where created_at < $1";

/// Read and gone in one statement: of two replicas asked at once, one gets
/// the row and the other nothing.
const TAKE_REVEAL: &str = "delete from dashboard_reveals \
     where id = $1 and account = $2 and environment = $3 returning sealed, created_at";

#[async_trait]
impl<DB: Backend> RevealStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'r> (String, Timestamp): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn keep_reveal(
        &self,
        id: &str,
        owner: &Owner,
        sealed: &str,
        at: Timestamp,
        stale_before: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(DELETE_STALE)
            .bind(stale_before)
            .execute(self.writer())
            .await?;
        sqlx::query(INSERT_REVEAL)
            .bind(id)
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .bind(sealed)
            .bind(at)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn take_reveal(
        &self,
        id: &str,
        owner: &Owner,
    ) -> Result<Option<(String, Timestamp)>, StoreError> {
        Ok(sqlx::query_as(TAKE_REVEAL)
            .bind(id)
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .fetch_optional(self.writer())
            .await?)
    }
}
