//! Rotations of API keys' secrets: their statements, and
//! [`ApiKeyRotationStore`] for [`SqlStore`]. Each change is written with its
//! events (`outbox`) in one transaction.

use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::{AssertSqlSafe, Encode, Executor, FromRow, IntoArguments, Type};

use super::api_keys::{key_in, page};
use super::bounded::BoundedRead;
use super::outbox::write_events;
use super::rows::{ApiKeyRow, RotationRow};
use super::sql::keyset;
use super::{ApiKeyRotationStore, Backend, COUNT_CAP, SqlStore, StoreError};
use crate::domain::{
    ApiKey, ApiKeyId, ApiKeyRotation, ApiKeyRotationId, Direction, Event, Owner, PageQuery,
    RotationStatus, Timestamp,
};

const COUNT_ROTATIONS: &str = "select count(*) from (select 1 from api_key_rotations \
     where api_key_id = $1 limit $2) as matching";

const ROTATION_COLUMNS: &str = "id, api_key_id, new_key, new_key_hash, grace_period_seconds, \
     status, new_key_expires_at, expires_at, created_at, updated_at";

const INSERT_ROTATION: &str = "insert into api_key_rotations \
     (id, api_key_id, new_key, new_key_hash, grace_period_seconds, status, new_key_expires_at, \
      expires_at, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

const COMPLETE_ROTATION: &str = "update api_key_rotations \
     set status = 'completed', expires_at = $3, updated_at = $4 \
     where id = $1 and api_key_id = $2 and status = 'pending'";

/// The old secret stays good until `$3`; the new one becomes the key's.
const SWAP_SECRETS: &str = "update api_keys set previous_key_hash = key_hash, \
     previous_key_valid_until = $3, key_hash = $2, \
     expires_at = coalesce($4, expires_at), updated_at = coalesce($5, updated_at) where id = $1";

static CANCEL_PENDING_ROTATION: LazyLock<String> = LazyLock::new(|| {
    format!(
        "update api_key_rotations set status = 'canceled', updated_at = $2 \
         where api_key_id = $1 and status = 'pending' returning {ROTATION_COLUMNS}"
    )
});

static SELECT_ROTATION: LazyLock<String> = LazyLock::new(|| {
    format!("select {ROTATION_COLUMNS} from api_key_rotations where api_key_id = $1 and id = $2")
});

/// Binds: key id, limit, the ids of the filter (as placeholders), and the
/// cursor if there is one.
pub(super) fn list_rotations(direction: Direction, ids: usize, cursor: bool) -> String {
    let (after, order) = keyset(direction, "id", cursor.then_some(ids + 3));
    let filter = if ids == 0 {
        String::new()
    } else {
        let placeholders: Vec<String> = (0..ids).map(|n| format!("${}", n + 3)).collect();
        format!(" and id in ({})", placeholders.join(", "))
    };
    format!(
        "select {ROTATION_COLUMNS} from api_key_rotations where api_key_id = $1{filter}{after} \
         order by id {order} limit $2"
    )
}

#[async_trait]
impl<DB: Backend> ApiKeyRotationStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> ApiKeyRow: FromRow<'r, DB::Row>,
    for<'r> RotationRow: FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_rotation(
        &self,
        owner: &Owner,
        rotation: &ApiKeyRotation,
        sealed_new_key: &str,
        events_for: &(dyn for<'r> Fn(Option<&'r ApiKeyRotation>) -> Vec<Event> + Sync),
    ) -> Result<(), StoreError> {
        let mut transaction = self.writer().begin().await?;
        let canceled = sqlx::query_as::<_, RotationRow>(CANCEL_PENDING_ROTATION.as_str())
            .bind(rotation.api_key_id.as_str())
            .bind(rotation.created_at)
            .fetch_optional(&mut *transaction)
            .await?
            .map(<(ApiKeyRotation, String)>::try_from)
            .transpose()?
            .map(|(canceled, _)| canceled);
        let new_key_hash = rotation.new_key_hash.to_hex();
        sqlx::query(INSERT_ROTATION)
            .bind(rotation.id.as_str())
            .bind(rotation.api_key_id.as_str())
            .bind(sealed_new_key)
            .bind(new_key_hash.as_str())
            .bind(rotation.grace_period_seconds as i32)
            .bind(rotation.status.as_str())
            .bind(rotation.new_key_expires_at)
            .bind(rotation.expires_at)
            .bind(rotation.created_at)
            .bind(rotation.updated_at)
            .execute(&mut *transaction)
            .await?;
        let events = events_for(canceled.as_ref());
        let events: Vec<_> = events.iter().map(|event| (owner, event)).collect();
        let queued = write_events(&mut transaction, &events).await?;
        self.commit(transaction, queued).await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn complete_rotation(
        &self,
        key: &ApiKeyId,
        rotation: &ApiKeyRotationId,
        at: Timestamp,
        events_for: &(dyn for<'k> Fn(&'k ApiKey, &'k ApiKeyRotation) -> Vec<Event> + Sync),
    ) -> Result<Option<(ApiKey, ApiKeyRotation)>, StoreError> {
        let mut transaction = self.writer().begin().await?;
        let row = sqlx::query_as::<_, RotationRow>(SELECT_ROTATION.as_str())
            .bind(key.as_str())
            .bind(rotation.as_str())
            .fetch_optional(&mut *transaction)
            .await?;
        let Some((mut completed, _)) = row.map(<(ApiKeyRotation, String)>::try_from).transpose()?
        else {
            return Ok(None);
        };
        let grace_ends = completed.grace_ends(at);
        let result = sqlx::query(COMPLETE_ROTATION)
            .bind(rotation.as_str())
            .bind(key.as_str())
            .bind(grace_ends)
            .bind(at)
            .execute(&mut *transaction)
            .await?;
        // Another request (or replica) completed or cancelled it first.
        if DB::rows_affected(&result) == 0 {
            transaction.rollback().await?;
            return Ok(None);
        }
        let new_key_hash = completed.new_key_hash.to_hex();
        let expiry_changes = completed.new_key_expires_at;
        sqlx::query(SWAP_SECRETS)
            .bind(key.as_str())
            .bind(new_key_hash.as_str())
            .bind(grace_ends)
            .bind(expiry_changes)
            .bind(expiry_changes.map(|_| at))
            .execute(&mut *transaction)
            .await?;
        let updated = key_in(&mut transaction, key)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("rotated key {key} vanished")))?;
        completed.status = RotationStatus::Completed;
        completed.expires_at = Some(grace_ends);
        completed.updated_at = at;
        let owner = updated.owner();
        let events = events_for(&updated, &completed);
        let events: Vec<_> = events.iter().map(|event| (&owner, event)).collect();
        let queued = write_events(&mut transaction, &events).await?;
        self.commit(transaction, queued).await?;
        Ok(Some((updated, completed)))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn rotation(
        &self,
        key: &ApiKeyId,
        id: &ApiKeyRotationId,
    ) -> Result<Option<(ApiKeyRotation, String)>, StoreError> {
        sqlx::query_as::<_, RotationRow>(SELECT_ROTATION.as_str())
            .bind(key.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .bounded::<DB>()
            .await?
            .map(TryFrom::try_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_rotations(
        &self,
        key: &ApiKeyId,
        query: &PageQuery<ApiKeyRotationId>,
    ) -> Result<(Vec<(ApiKeyRotation, String)>, bool), StoreError> {
        let statement = list_rotations(query.direction, query.ids.len(), query.after.is_some());
        let mut select = sqlx::query_as::<_, RotationRow>(AssertSqlSafe(statement))
            .bind(key.as_str())
            .bind(i64::from(query.per_page) + 1);
        for id in &query.ids {
            select = select.bind(id.as_str());
        }
        if let Some(after) = &query.after {
            select = select.bind(after.as_str());
        }
        // Its text varies with the filter's length.
        let rotations = select
            .persistent(false)
            .fetch_all(&self.reader)
            .bounded::<DB>()
            .await?
            .into_iter()
            .map(TryFrom::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page(rotations, query.per_page))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_rotations(&self, key: &ApiKeyId) -> Result<u64, StoreError> {
        let (total,): (i64,) = sqlx::query_as(COUNT_ROTATIONS)
            .bind(key.as_str())
            .bind(COUNT_CAP as i64)
            .fetch_one(&self.reader)
            .bounded::<DB>()
            .await?;
        Ok(total as u64)
    }
}
