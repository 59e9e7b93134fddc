//! API keys: their statements, and [`ApiKeyStore`] for [`SqlStore`]. Every change is written with its events (`outbox`) in one
//! transaction.

use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Encode, Executor, FromRow, IntoArguments, Transaction, Type};

use super::bounded::BoundedRead;
use super::outbox::write_events;
use super::rows::ApiKeyRow;
use super::sql::keyset;
use super::{ApiKeyStore, Backend, COUNT_CAP, SqlStore, StoreError};
use crate::domain::{ApiKey, ApiKeyId, Direction, Event, Owner, PageQuery, Permission, Timestamp};

/// A key with its pending rotation, if any (at most one: a unique index).
const SELECT_KEYS: &str = "select k.id, k.account, k.environment, k.name, k.description, \
     k.permissions, k.rotatable, k.key_hash, k.previous_key_hash, k.previous_key_valid_until, \
     r.id as pending_rotation_id, r.new_key_hash as pending_key_hash, k.revoked, k.exposed_at, \
     k.expires_at, k.last_used_at, k.created_at, k.updated_at \
     from api_keys k left join api_key_rotations r on r.api_key_id = k.id and r.status = 'pending'";

const INSERT_API_KEY: &str = "insert into api_keys \
     (id, account, environment, name, description, permissions, rotatable, key_hash, revoked, \
      exposed_at, expires_at, last_used_at, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";

const UPDATE_API_KEY_PERMISSIONS: &str = "update api_keys set permissions = $2 where id = $1";

/// Revokes only an unrevoked key, so concurrent revokes agree on one winner.
pub(super) const REVOKE_API_KEY: &str =
    "update api_keys set revoked = true, updated_at = $2 where id = $1 and revoked = false";

/// At most one write per key per `since` window (Paddle keeps
/// `last_used_at` to within an hour).
const RECORD_USE: &str = "update api_keys set last_used_at = $2 \
     where id = $1 and (last_used_at is null or last_used_at < $3)";

const COUNT_API_KEYS: &str = "select count(*) from (select 1 from api_keys \
     where account = $1 and environment = $2 limit $3) as matching";

pub(super) static SELECT_API_KEY: LazyLock<String> =
    LazyLock::new(|| format!("{SELECT_KEYS} where k.id = $1"));

static SELECT_API_KEYS: LazyLock<String> =
    LazyLock::new(|| format!("{SELECT_KEYS} order by k.created_at, k.id"));

/// One page and one row more. Binds: account, environment, limit, and the
/// cursor if there is one.
pub(super) fn list_api_keys(direction: Direction, cursor: bool) -> String {
    let (after, order) = keyset(direction, "k.id", cursor.then_some(4));
    format!(
        "{SELECT_KEYS} where k.account = $1 and k.environment = $2{after} \
         order by k.id {order} limit $3"
    )
}

/// A page of rows and whether there are more: one more row than the page
/// holds was asked for.
pub(super) fn page<T>(mut rows: Vec<T>, per_page: u32) -> (Vec<T>, bool) {
    let has_more = rows.len() > per_page as usize;
    rows.truncate(per_page as usize);
    (rows, has_more)
}

pub(super) async fn key_in<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    id: &ApiKeyId,
) -> Result<Option<ApiKey>, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> ApiKeyRow: FromRow<'r, DB::Row>,
{
    sqlx::query_as::<_, ApiKeyRow>(SELECT_API_KEY.as_str())
        .bind(id.as_str())
        .fetch_optional(&mut **transaction)
        .await?
        .map(ApiKey::try_from)
        .transpose()
}

#[async_trait]
impl<DB: Backend> ApiKeyStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> ApiKeyRow: FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_api_key(&self, key: &ApiKey, events: &[Event]) -> Result<(), StoreError> {
        let permissions = Permission::join(&key.permissions);
        let key_hash = key.key_hash.to_hex();
        let mut transaction = self.writer().begin().await?;
        sqlx::query(INSERT_API_KEY)
            .bind(key.id.as_str())
            .bind(key.account.as_str())
            .bind(key.environment.as_str())
            .bind(key.name.as_str())
            .bind(key.description.as_deref())
            .bind(permissions.as_str())
            .bind(key.rotatable)
            .bind(key_hash.as_str())
            .bind(key.revoked)
            .bind(key.exposed_at)
            .bind(key.expires_at)
            .bind(key.last_used_at)
            .bind(key.created_at)
            .bind(key.updated_at)
            .execute(&mut *transaction)
            .await?;
        let owner = key.owner();
        let events: Vec<_> = events.iter().map(|event| (&owner, event)).collect();
        let queued = write_events(&mut transaction, &events).await?;
        self.commit(transaction, queued).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn set_api_key_permissions(&self, key: &ApiKey) -> Result<bool, StoreError> {
        let permissions = Permission::join(&key.permissions);
        let result = sqlx::query(UPDATE_API_KEY_PERMISSIONS)
            .bind(key.id.as_str())
            .bind(permissions.as_str())
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        sqlx::query_as::<_, ApiKeyRow>(SELECT_API_KEY.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .bounded::<DB>()
            .await?
            .map(ApiKey::try_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        sqlx::query_as::<_, ApiKeyRow>(SELECT_API_KEYS.as_str())
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(ApiKey::try_from)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_api_keys(
        &self,
        owner: &Owner,
        query: &PageQuery<ApiKeyId>,
    ) -> Result<(Vec<ApiKey>, bool), StoreError> {
        let statement = list_api_keys(query.direction, query.after.is_some());
        let mut select = sqlx::query_as::<_, ApiKeyRow>(AssertSqlSafe(statement))
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .bind(i64::from(query.per_page) + 1);
        if let Some(after) = &query.after {
            select = select.bind(after.as_str());
        }
        let keys = select
            .fetch_all(&self.reader)
            .bounded::<DB>()
            .await?
            .into_iter()
            .map(ApiKey::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page(keys, query.per_page))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_api_keys(&self, owner: &Owner) -> Result<u64, StoreError> {
        let (total,): (i64,) = sqlx::query_as(COUNT_API_KEYS)
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .bind(COUNT_CAP as i64)
            .fetch_one(&self.reader)
            .bounded::<DB>()
            .await?;
        Ok(total as u64)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn revoke_api_key(
        &self,
        id: &ApiKeyId,
        at: Timestamp,
        events_for: &(dyn for<'k> Fn(&'k ApiKey) -> Vec<Event> + Sync),
    ) -> Result<Option<ApiKey>, StoreError> {
        let mut transaction = self.writer().begin().await?;
        let result = sqlx::query(REVOKE_API_KEY)
            .bind(id.as_str())
            .bind(at)
            .execute(&mut *transaction)
            .await?;
        if DB::rows_affected(&result) == 0 {
            transaction.rollback().await?;
            return Ok(None);
        }
        let key = key_in(&mut transaction, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("revoked key {id} vanished")))?;
        let owner = key.owner();
        let events = events_for(&key);
        let events: Vec<_> = events.iter().map(|event| (&owner, event)).collect();
        let queued = write_events(&mut transaction, &events).await?;
        self.commit(transaction, queued).await?;
        Ok(Some(key))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn record_api_key_use(
        &self,
        id: &ApiKeyId,
        at: Timestamp,
        unless_since: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(RECORD_USE)
            .bind(id.as_str())
            .bind(at)
            .bind(unless_since)
            .execute(self.writer())
            // On the request path (a key's first use in the hour); a use
            // not recorded is recorded next time.
            .bounded::<DB>()
            .await?;
        Ok(())
    }
}
