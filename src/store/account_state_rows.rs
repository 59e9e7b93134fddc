//! What an account's export reads and its import writes, beyond the rows
//! other stores read: every column, secrets as sealed and digests as hex.

use sqlx::error::BoxDynError;
use sqlx::{Arguments, AssertSqlSafe, Encode, Executor, IntoArguments, Transaction, Type};

use super::rows::{ClientTokenRow, SettingRow};
use super::sql::values_statement;
use super::{Backend, StoreError};
use crate::domain::{
    AccountClientToken, AccountState, ApiKeyId, ClientToken, EventType, KeyHash,
    NotificationSetting, Permission, SealedNotificationSetting, StoredApiKey, Timestamp,
};

/// A client token with its environment.
#[derive(sqlx::FromRow)]
pub struct AccountTokenRow {
    environment: String,
    #[sqlx(flatten)]
    token: ClientTokenRow,
}

impl TryFrom<AccountTokenRow> for AccountClientToken {
    type Error = StoreError;

    fn try_from(row: AccountTokenRow) -> Result<Self, StoreError> {
        Ok(Self {
            environment: row.environment.parse().map_err(StoreError::Corrupt)?,
            token: ClientToken::try_from(row.token)?,
        })
    }
}

/// Every column of an API key.
#[derive(sqlx::FromRow)]
pub struct ApiKeyRecordRow {
    id: String,
    environment: String,
    name: String,
    description: Option<String>,
    permissions: String,
    rotatable: bool,
    revoked: bool,
    key_hash: String,
    previous_key_hash: Option<String>,
    previous_key_valid_until: Option<Timestamp>,
    exposed_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    expiring_notified_for: Option<Timestamp>,
    expired_notified_for: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

fn digest(hex: &str, of: &str) -> Result<KeyHash, StoreError> {
    KeyHash::from_hex(hex).ok_or_else(|| StoreError::Corrupt(format!("a digest of `{of}`")))
}

impl TryFrom<ApiKeyRecordRow> for StoredApiKey {
    type Error = StoreError;

    fn try_from(row: ApiKeyRecordRow) -> Result<Self, StoreError> {
        let id = ApiKeyId::parse(&row.id)
            .ok_or_else(|| StoreError::Corrupt(format!("api key id `{}`", row.id)))?;
        let environment = row.environment.parse().map_err(StoreError::Corrupt)?;
        let previous_key_hash = (row.previous_key_hash.as_deref())
            .map(|hex| digest(hex, &row.id))
            .transpose()?;
        Ok(Self {
            key: id.obfuscated_key(environment),
            key_hash: digest(&row.key_hash, &row.id)?,
            id,
            environment,
            name: row.name,
            description: row.description,
            permissions: Permission::parse_list(&row.permissions).map_err(StoreError::Corrupt)?,
            rotatable: row.rotatable,
            revoked: row.revoked,
            previous_key_hash,
            previous_key_valid_until: row.previous_key_valid_until,
            exposed_at: row.exposed_at,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            expiring_notified_for: row.expiring_notified_for,
            expired_notified_for: row.expired_notified_for,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A setting with its sealed secret.
#[derive(sqlx::FromRow)]
pub struct SealedSettingRow {
    #[sqlx(flatten)]
    setting: SettingRow,
    secret: String,
}

impl TryFrom<SealedSettingRow> for SealedNotificationSetting {
    type Error = StoreError;

    fn try_from(row: SealedSettingRow) -> Result<Self, StoreError> {
        Ok(Self {
            setting: NotificationSetting::try_from(row.setting)?,
            sealed_secret: row.secret,
        })
    }
}

const INSERT_API_KEYS: &str = "insert into api_keys (id, account, environment, name, \
     description, permissions, rotatable, revoked, key_hash, previous_key_hash, \
     previous_key_valid_until, exposed_at, expires_at, last_used_at, expiring_notified_for, \
     expired_notified_for, created_at, updated_at) ";

const INSERT_ROTATIONS: &str = "insert into api_key_rotations (id, api_key_id, new_key, \
     new_key_hash, grace_period_seconds, status, new_key_expires_at, expires_at, created_at, \
     updated_at) ";

const INSERT_SETTINGS: &str = "insert into notification_settings (id, account, environment, \
     destination, subscribed_events, active, secret, created_at, updated_at) ";

const INSERT_EVENTS: &str =
    "insert into events (id, account, environment, event_type, occurred_at, data) ";

/// A sender's lease is the old server's business: not carried.
const INSERT_DELIVERIES: &str = "insert into deliveries (notification_id, event_id, \
     notification_setting_id, status, attempts, next_attempt_at, last_response_code, \
     last_error, delivered_at, created_at) ";

/// Inserts `rows` with `insert` (followed by `values` rows of `columns`),
/// in a few multi-row statements; `bind` adds one row's values.
pub(super) async fn insert_rows<DB: Backend, T: Sync>(
    transaction: &mut Transaction<'_, DB>,
    (insert, columns): (&str, usize),
    rows: &[T],
    bind: impl for<'q> Fn(&mut DB::Arguments, &'q T) -> Result<(), BoxDynError>,
) -> Result<(), StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
{
    for chunk in rows.chunks(DB::ROWS_PER_INSERT) {
        let statement = values_statement(insert, chunk.len(), columns);
        let mut arguments = DB::Arguments::default();
        for row in chunk {
            bind(&mut arguments, row).map_err(sqlx::Error::Encode)?;
        }
        // Its text varies with the number of rows: kept out of the
        // statement cache, so it can't push out the hot queries.
        sqlx::query_with(AssertSqlSafe(statement), arguments)
            .persistent(false)
            .execute(&mut **transaction)
            .await?;
    }
    Ok(())
}

/// Inserts the state's keys, rotations, settings, events and deliveries
/// (client tokens go in as creations do) for its account.
pub(super) async fn insert_state<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    state: &AccountState,
) -> Result<(), StoreError>
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
{
    // Bound as an owned copy: `bind` takes rows of any lifetime.
    let account = state.account.name.as_str();
    insert_rows(
        transaction,
        (INSERT_API_KEYS, 18),
        &state.api_keys,
        |arguments, key| {
            arguments.add(key.id.as_str())?;
            arguments.add(account.to_owned())?;
            arguments.add(key.environment.as_str())?;
            arguments.add(key.name.as_str())?;
            arguments.add(key.description.as_deref())?;
            arguments.add(Permission::join(&key.permissions))?;
            arguments.add(key.rotatable)?;
            arguments.add(key.revoked)?;
            arguments.add(key.key_hash.to_hex())?;
            arguments.add(key.previous_key_hash.as_ref().map(KeyHash::to_hex))?;
            arguments.add(key.previous_key_valid_until)?;
            arguments.add(key.exposed_at)?;
            arguments.add(key.expires_at)?;
            arguments.add(key.last_used_at)?;
            arguments.add(key.expiring_notified_for)?;
            arguments.add(key.expired_notified_for)?;
            arguments.add(key.created_at)?;
            arguments.add(key.updated_at)
        },
    )
    .await?;
    let rotations = &state.api_key_rotations;
    insert_rows(
        transaction,
        (INSERT_ROTATIONS, 10),
        rotations,
        |arguments, rotation| {
            arguments.add(rotation.id.as_str())?;
            arguments.add(rotation.api_key_id.as_str())?;
            arguments.add(rotation.sealed_new_key.as_str())?;
            arguments.add(rotation.new_key_hash.to_hex())?;
            arguments.add(i32::try_from(rotation.grace_period_seconds)?)?;
            arguments.add(rotation.status.as_str())?;
            arguments.add(rotation.new_key_expires_at)?;
            arguments.add(rotation.expires_at)?;
            arguments.add(rotation.created_at)?;
            arguments.add(rotation.updated_at)
        },
    )
    .await?;
    let settings = &state.notification_settings;
    insert_rows(
        transaction,
        (INSERT_SETTINGS, 9),
        settings,
        |arguments, sealed| {
            let setting = &sealed.setting;
            arguments.add(setting.id.as_str())?;
            arguments.add(account.to_owned())?;
            arguments.add(setting.environment.as_str())?;
            arguments.add(setting.destination.as_str())?;
            arguments.add(EventType::join(&setting.subscribed_events))?;
            arguments.add(setting.active)?;
            arguments.add(sealed.sealed_secret.as_str())?;
            arguments.add(setting.created_at)?;
            arguments.add(setting.updated_at)
        },
    )
    .await?;
    insert_rows(
        transaction,
        (INSERT_EVENTS, 6),
        &state.events,
        |arguments, event| {
            arguments.add(event.id.as_str())?;
            arguments.add(account.to_owned())?;
            arguments.add(event.environment.as_str())?;
            arguments.add(event.event_type.as_str())?;
            arguments.add(event.occurred_at)?;
            arguments.add(event.data.get())
        },
    )
    .await?;
    let deliveries = &state.deliveries;
    insert_rows(
        transaction,
        (INSERT_DELIVERIES, 10),
        deliveries,
        |arguments, delivery| {
            arguments.add(delivery.notification_id.as_str())?;
            arguments.add(delivery.event_id.as_str())?;
            arguments.add(delivery.notification_setting_id.as_str())?;
            arguments.add(delivery.status.as_str())?;
            arguments.add(i32::try_from(delivery.attempts)?)?;
            arguments.add(delivery.next_attempt_at)?;
            arguments.add(delivery.last_response_code.map(i32::from))?;
            arguments.add(delivery.last_error.as_deref())?;
            arguments.add(delivery.delivered_at)?;
            arguments.add(delivery.created_at)
        },
    )
    .await
}
