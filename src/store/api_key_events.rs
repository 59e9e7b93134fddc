//! What happens to API keys without a request of theirs: the expiry sweep
//! and simulated exposures. [`ApiKeyEventStore`] and its statements for
//! [`SqlStore`]; every change is written with its events in one transaction.
//!
//! The sweep is safe with several replicas on one Postgres because each
//! notice is claimed by an `update` whose condition it falsifies: a
//! concurrent sweep waits on the row lock, re-reads the row, and skips it.
//! SQLite has one writer at a time, so its sweeps run one after another.

use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Transaction, Type};

use super::api_keys::{REVOKE_API_KEY, key_in};
use super::outbox::write_events;
use super::rows::ApiKeyRow;
use super::{Backend, SqlStore, StoreError};
use crate::domain::{ApiKey, ApiKeyId, Event, EventType, Timestamp};

/// Claims the notices due at `$1`: `api_key.expired` for a key past its
/// expiry, `api_key.expiring` for one whose expiry falls after `$1` but by
/// `$2` (so a key already expired gets only `api_key.expired`). One
/// statement rather than one per notice, so that concurrent sweeps take row
/// locks in a single scan and don't deadlock each other. (`<>` with an explicit null test, not `is distinct from`: one
/// text for both databases.)
static CLAIM_NOTICES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "update api_keys set \
         expired_notified_for = \
           case when expires_at <= $1 then expires_at else expired_notified_for end, \
         expiring_notified_for = \
           case when expires_at > $1 then expires_at else expiring_notified_for end \
         where {NOTICE_DUE} returning id"
    )
});

/// An account `$3`'s key due a notice at `$1` (warnings up to `$2`).
const NOTICE_DUE: &str = "account = $3 and revoked = false and expires_at <= $2 \
     and (case when expires_at <= $1 \
       then (expired_notified_for is null or expired_notified_for <> expires_at) \
       else (expiring_notified_for is null or expiring_notified_for <> expires_at) end)";

static ANY_NOTICE_DUE: LazyLock<String> =
    LazyLock::new(|| format!("select id from api_keys where {NOTICE_DUE} limit 1"));

/// Not `updated_at`: only a change announced with `api_key.updated` moves it
/// (a high-risk exposure's revocation does, through `REVOKE_API_KEY`).
const SET_EXPOSED_AT: &str = "update api_keys set exposed_at = $2 where id = $1";

/// What happens to API keys without a request of theirs: expiry notices,
/// sent once per `expires_at` however many replicas sweep, and exposures.
#[async_trait]
pub trait ApiKeyEventStore: Send + Sync {
    /// Marks each unrevoked key whose expiry passed by `now` as notified of
    /// it, and each whose expiry falls after `now` but by `warn_until` as
    /// warned of it, unless already done for that `expires_at`; records the
    /// events `events_for` makes of each key and the notice it is due
    /// (`api_key.expired` or `api_key.expiring`), atomically. Returns the
    /// keys marked, expired first. A concurrent sweep finds them marked.
    async fn sweep_api_key_expiries(
        &self,
        account: &str,
        now: Timestamp,
        warn_until: Timestamp,
        events_for: &(dyn for<'k> Fn(&'k ApiKey, EventType) -> Vec<Event> + Sync),
    ) -> Result<Vec<(EventType, ApiKey)>, StoreError>;

    /// Whether a sweep of `account` at `now` would claim anything.
    async fn expiries_due(
        &self,
        account: &str,
        now: Timestamp,
        warn_until: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Sets key `id`'s `exposed_at` to `at` and, with `revoke`, revokes it
    /// unless it was revoked before; records the events `events_for` makes
    /// of the key and whether this call revoked it, atomically. `None` when
    /// there is no such key.
    async fn expose_api_key(
        &self,
        id: &ApiKeyId,
        at: Timestamp,
        revoke: bool,
        events_for: &(dyn for<'k> Fn(&'k ApiKey, bool) -> Vec<Event> + Sync),
    ) -> Result<Option<(ApiKey, bool)>, StoreError>;
}

/// Claims the notices due at `now` and reads the claimed keys, in id order.
async fn claim<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    account: &str,
    now: Timestamp,
    warn_until: Timestamp,
) -> Result<Vec<ApiKey>, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'r> ApiKeyRow: FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    let mut ids = sqlx::query_as::<_, (String,)>(CLAIM_NOTICES.as_str())
        .bind(now)
        .bind(warn_until)
        .bind(account)
        .fetch_all(&mut **transaction)
        .await?;
    ids.sort();
    let mut keys = Vec::with_capacity(ids.len());
    for (id,) in ids {
        let id = ApiKeyId::parse(&id)
            .ok_or_else(|| StoreError::Corrupt(format!("api key id `{id}`")))?;
        let key = key_in(transaction, &id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("swept key {id} vanished")))?;
        keys.push(key);
    }
    Ok(keys)
}

#[async_trait]
impl<DB: Backend> ApiKeyEventStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> ApiKeyRow: FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn sweep_api_key_expiries(
        &self,
        account: &str,
        now: Timestamp,
        warn_until: Timestamp,
        events_for: &(dyn for<'k> Fn(&'k ApiKey, EventType) -> Vec<Event> + Sync),
    ) -> Result<Vec<(EventType, ApiKey)>, StoreError> {
        let mut transaction = self.writer().begin().await?;
        let claimed = claim(&mut transaction, account, now, warn_until).await?;
        let (expired, expiring): (Vec<_>, Vec<_>) =
            (claimed.into_iter()).partition(|key| key.expires_at.is_some_and(|at| at <= now));
        let swept: Vec<_> = (expired.into_iter())
            .map(|key| (EventType::ApiKeyExpired, key))
            .chain(
                expiring
                    .into_iter()
                    .map(|key| (EventType::ApiKeyExpiring, key)),
            )
            .collect();
        if swept.is_empty() {
            // Nothing claimed, nothing written: no commit to wait for.
            transaction.rollback().await?;
            return Ok(swept);
        }
        let owned: Vec<_> = (swept.iter())
            .map(|(notice, key)| (key.owner(), events_for(key, *notice)))
            .collect();
        let events: Vec<_> = (owned.iter())
            .flat_map(|(owner, events)| events.iter().map(move |event| (owner, event)))
            .collect();
        let queued = write_events(&mut transaction, &events).await?;
        self.commit(transaction, queued).await?;
        Ok(swept)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn expiries_due(
        &self,
        account: &str,
        now: Timestamp,
        warn_until: Timestamp,
    ) -> Result<bool, StoreError> {
        let due: Option<(String,)> = sqlx::query_as(ANY_NOTICE_DUE.as_str())
            .bind(now)
            .bind(warn_until)
            .bind(account)
            .fetch_optional(self.writer())
            .await?;
        Ok(due.is_some())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn expose_api_key(
        &self,
        id: &ApiKeyId,
        at: Timestamp,
        revoke: bool,
        events_for: &(dyn for<'k> Fn(&'k ApiKey, bool) -> Vec<Event> + Sync),
    ) -> Result<Option<(ApiKey, bool)>, StoreError> {
        let mut transaction = self.writer().begin().await?;
        let exposed = sqlx::query(SET_EXPOSED_AT)
            .bind(id.as_str())
            .bind(at)
            .execute(&mut *transaction)
            .await?;
        if DB::rows_affected(&exposed) == 0 {
            transaction.rollback().await?;
            return Ok(None);
        }
        // Of concurrent revocations, exactly one changes the row.
        let revoked = if revoke {
            let result = sqlx::query(REVOKE_API_KEY)
                .bind(id.as_str())
                .bind(at)
                .execute(&mut *transaction)
                .await?;
            DB::rows_affected(&result) == 1
        } else {
            false
        };
        let key = key_in(&mut transaction, id)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("exposed key {id} vanished")))?;
        let owner = key.owner();
        let events = events_for(&key, revoked);
        let events: Vec<_> = events.iter().map(|event| (&owner, event)).collect();
        let queued = write_events(&mut transaction, &events).await?;
        self.commit(transaction, queued).await?;
        Ok(Some((key, revoked)))
    }
}
