//! An account's whole state: [`AccountStateStore`] for [`SqlStore`], read
//! in one transaction (a snapshot) and loaded in one, all or nothing.
//! The rows it reads and the statements it writes with are in
//! `account_state_rows`.

use std::collections::BTreeSet;

use async_trait::async_trait;
use sqlx::{Arguments, AssertSqlSafe, Encode, Executor, FromRow, IntoArguments, Transaction, Type};

use super::account_state_rows::{AccountTokenRow, ApiKeyRecordRow, SealedSettingRow, insert_state};
use super::accounts::SELECT_ACCOUNT;
use super::catalog::{export_catalog, import_catalog};
use super::client_tokens::write_creations;
use super::outbox::Enqueued;
use super::rows::{AccountRow, DeliveryRow, EventRow, RotationRow};
use super::{Backend, Creation, SqlStore, StoreError, StoredEvent};
use crate::domain::{
    Account, AccountState, ApiKeyRotation, Delivery, DeliveryStatus, Environment, Owner,
    RecordedEvent, SealedRotation, Seed, TakenIds, Timestamp,
};

/// What an import came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Import {
    /// Everything was loaded.
    Imported,
    /// The account has tokens, keys, settings or events: nothing was loaded.
    NotEmpty,
    /// Ids or token values the document holds are another account's:
    /// nothing was loaded.
    Taken(TakenIds),
}

/// An account's whole state, out and in.
#[async_trait]
pub trait AccountStateStore: Send + Sync {
    /// Everything stored of `account`, read in one transaction; `None` when
    /// there is no such account.
    async fn export_account(&self, account: &str) -> Result<Option<AccountState>, StoreError>;

    /// Loads `state` into its account (created, or its `created_at` set,
    /// when it has nothing yet), all or nothing, in one transaction.
    async fn import_account(&self, state: &AccountState) -> Result<Import, StoreError>;
}

const SELECT_TOKENS: &str = "select environment, id, token, name, description, status, \
     revoked_at, created_at, updated_at from client_tokens where account = $1 order by id";

const SELECT_KEYS: &str = "select id, environment, name, description, permissions, rotatable, \
     revoked, key_hash, previous_key_hash, previous_key_valid_until, exposed_at, expires_at, \
     last_used_at, expiring_notified_for, expired_notified_for, created_at, updated_at \
     from api_keys where account = $1 order by id";

const SELECT_ROTATIONS: &str = "select r.id, r.api_key_id, r.new_key, r.new_key_hash, \
     r.grace_period_seconds, r.status, r.new_key_expires_at, r.expires_at, r.created_at, \
     r.updated_at from api_key_rotations r join api_keys k on k.id = r.api_key_id \
     where k.account = $1 order by r.id";

const SELECT_SETTINGS: &str = "select id, account, environment, destination, \
     subscribed_events, active, secret, created_at, updated_at \
     from notification_settings where account = $1 order by id";

const SELECT_EVENTS: &str = "select id, account, environment, event_type, occurred_at, data \
     from events where account = $1 order by id";

const SELECT_DELIVERIES: &str = "select d.notification_id, d.event_id, \
     d.notification_setting_id, d.status, d.attempts, d.next_attempt_at, d.last_response_code, \
     d.last_error, d.delivered_at, d.created_at from deliveries d \
     join events e on e.id = d.event_id where e.account = $1 order by d.notification_id";

/// Creates the account, or sets its `created_at`: on Postgres this locks
/// its row until the import ends, so two imports into one account take turns.
const UPSERT_ACCOUNT: &str = "insert into accounts (name, created_at, seed, clock, draws) \
     values ($1, $2, $3, $4, $5) on conflict (name) do update set \
     created_at = excluded.created_at, seed = excluded.seed, clock = excluded.clock, \
     draws = excluded.draws";

/// Whether the account holds anything (rotations hang off its keys,
/// deliveries off its events, prices off its products).
const COUNT_OWNED: &str = "select (select count(*) from client_tokens where account = $1) \
     + (select count(*) from api_keys where account = $1) \
     + (select count(*) from notification_settings where account = $1) \
     + (select count(*) from events where account = $1) \
     + (select count(*) from products where account = $1)";

#[async_trait]
impl<DB: Backend> AccountStateStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
    for<'q> Option<String>: Encode<'q, DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i32>: Encode<'q, DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> AccountRow: FromRow<'r, DB::Row>,
    for<'r> AccountTokenRow: FromRow<'r, DB::Row>,
    for<'r> ApiKeyRecordRow: FromRow<'r, DB::Row>,
    for<'r> RotationRow: FromRow<'r, DB::Row>,
    for<'r> SealedSettingRow: FromRow<'r, DB::Row>,
    for<'r> EventRow: FromRow<'r, DB::Row>,
    for<'r> DeliveryRow: FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
    for<'r> (Option<String>,): FromRow<'r, DB::Row>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn export_account(&self, account: &str) -> Result<Option<AccountState>, StoreError> {
        let mut transaction = self.reader.begin().await?;
        if let Some(statement) = DB::SNAPSHOT {
            sqlx::query(statement).execute(&mut *transaction).await?;
        }
        let row = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNT.as_str())
            .bind(account)
            .fetch_optional(&mut *transaction)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let tokens = rows::<_, AccountTokenRow>(&mut transaction, SELECT_TOKENS, account).await?;
        let keys = rows::<_, ApiKeyRecordRow>(&mut transaction, SELECT_KEYS, account).await?;
        let rotations = rows::<_, RotationRow>(&mut transaction, SELECT_ROTATIONS, account).await?;
        let settings = rows::<_, SealedSettingRow>(&mut transaction, SELECT_SETTINGS, account);
        let settings = settings.await?;
        let events = rows::<_, EventRow>(&mut transaction, SELECT_EVENTS, account).await?;
        let deliveries = rows::<_, DeliveryRow>(&mut transaction, SELECT_DELIVERIES, account);
        let deliveries = deliveries.await?;
        let (products, prices, tax_rates) = export_catalog(&mut transaction, account).await?;
        transaction.commit().await?;
        let sealed_rotation = |row| {
            let (rotation, sealed): (ApiKeyRotation, String) = TryFrom::try_from(row)?;
            Ok::<_, StoreError>(SealedRotation::new(rotation, sealed))
        };
        let recorded_event = |row| {
            let event = StoredEvent::try_from(row)?;
            Ok::<_, StoreError>(RecordedEvent {
                id: event.id,
                environment: event.environment,
                event_type: event.event_type,
                occurred_at: event.occurred_at,
                data: event.data,
            })
        };
        Ok(Some(AccountState {
            format: Default::default(),
            account: Account::try_from(row)?,
            client_tokens: collect(tokens, TryFrom::try_from)?,
            api_keys: collect(keys, TryFrom::try_from)?,
            api_key_rotations: collect(rotations, sealed_rotation)?,
            notification_settings: collect(settings, TryFrom::try_from)?,
            events: collect(events, recorded_event)?,
            deliveries: collect(deliveries, Delivery::try_from)?,
            products,
            prices,
            tax_rates,
        }))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn import_account(&self, state: &AccountState) -> Result<Import, StoreError> {
        let account = &state.account;
        let before = self.before_write();
        let mut transaction = self.writer().begin().await?;
        let clock = account.clock.map(|clock| clock.to_string());
        sqlx::query(UPSERT_ACCOUNT)
            .bind(account.name.as_str())
            .bind(account.created_at)
            .bind(account.seed.as_ref().map(Seed::as_str))
            .bind(clock.as_deref())
            .bind(i64::try_from(account.draws).unwrap_or(i64::MAX))
            .execute(&mut *transaction)
            .await?;
        let (owned,): (i64,) = sqlx::query_as(COUNT_OWNED)
            .bind(account.name.as_str())
            .fetch_one(&mut *transaction)
            .await?;
        if owned > 0 {
            transaction.rollback().await?;
            return Ok(Import::NotEmpty);
        }
        let taken = taken_ids(&mut transaction, state).await?;
        if !taken.is_empty() {
            transaction.rollback().await?;
            return Ok(Import::Taken(taken));
        }
        let owners = [Environment::Sandbox, Environment::Live].map(|environment| Owner {
            account: account.name.clone(),
            environment,
        });
        let creations: Vec<_> = (state.client_tokens.iter())
            .map(|token| Creation {
                owner: &owners[usize::from(token.environment == Environment::Live)],
                token: &token.token,
                events: &[],
            })
            .collect();
        let queued = write_creations(&mut transaction, &creations).await?;
        insert_state(&mut transaction, state).await?;
        import_catalog(&mut transaction, state).await?;
        // History, not news: nothing new is queued, but the pending
        // deliveries loaded are due.
        let pending = (state.deliveries.iter())
            .filter(|delivery| delivery.status == DeliveryStatus::Pending)
            .count();
        self.commit(transaction, queued.and(Enqueued::new(pending)))
            .await?;
        self.created(before, &creations);
        Ok(Import::Imported)
    }
}

/// The rows `select` finds for `account`.
async fn rows<DB: Backend, R>(
    transaction: &mut Transaction<'_, DB>,
    select: &'static str,
    account: &str,
) -> Result<Vec<R>, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> R: FromRow<'r, DB::Row> + Send + Unpin,
{
    Ok(sqlx::query_as::<_, R>(select)
        .bind(account)
        .fetch_all(&mut **transaction)
        .await?)
}

fn collect<R, T>(
    rows: Vec<R>,
    convert: impl Fn(R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.into_iter().map(convert).collect()
}

/// The document's ids (and token values) that are already stored: in
/// another account's hands, since the account is empty.
async fn taken_ids<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    state: &AccountState,
) -> Result<TakenIds, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    let tokens = &state.client_tokens;
    Ok(TakenIds {
        client_tokens: found(
            transaction,
            "select id from client_tokens where id in ",
            tokens.iter().map(|t| t.token.id.as_str()).collect(),
        )
        .await?,
        client_token_values: found(
            transaction,
            "select token from client_tokens where token in ",
            tokens.iter().map(|t| t.token.token.as_str()).collect(),
        )
        .await?,
        api_keys: found(
            transaction,
            "select id from api_keys where id in ",
            state.api_keys.iter().map(|k| k.id.as_str()).collect(),
        )
        .await?,
        api_key_rotations: found(
            transaction,
            "select id from api_key_rotations where id in ",
            state
                .api_key_rotations
                .iter()
                .map(|r| r.id.as_str())
                .collect(),
        )
        .await?,
        notification_settings: found(
            transaction,
            "select id from notification_settings where id in ",
            state
                .notification_settings
                .iter()
                .map(|s| s.setting.id.as_str())
                .collect(),
        )
        .await?,
        events: found(
            transaction,
            "select id from events where id in ",
            state.events.iter().map(|e| e.id.as_str()).collect(),
        )
        .await?,
        deliveries: found(
            transaction,
            "select notification_id from deliveries where notification_id in ",
            state
                .deliveries
                .iter()
                .map(|d| d.notification_id.as_str())
                .collect(),
        )
        .await?,
    })
}

/// Which of `values` `select` (`... where id in `) finds.
async fn found<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    select: &str,
    values: Vec<&str>,
) -> Result<BTreeSet<String>, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    let mut found = BTreeSet::new();
    for chunk in values.chunks(DB::ROWS_PER_INSERT) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let statement = format!("{select}({})", placeholders.join(", "));
        let mut arguments = DB::Arguments::default();
        for value in chunk {
            arguments.add(*value).map_err(sqlx::Error::Encode)?;
        }
        // Its text varies with the number of values: kept out of the
        // statement cache.
        let rows: Vec<(String,)> = sqlx::query_as_with(AssertSqlSafe(statement), arguments)
            .persistent(false)
            .fetch_all(&mut **transaction)
            .await?;
        found.extend(rows.into_iter().map(|(value,)| value));
    }
    Ok(found)
}
