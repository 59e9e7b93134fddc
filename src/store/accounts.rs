//! Accounts and their API keys: their statements, and [`AccountStore`] and
//! [`ApiKeyStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Type};

use super::rows::{AccountRow, ApiKeyRow};
use super::{AccountStore, ApiKeyStore, Backend, SqlStore, StoreError};
use crate::domain::{Account, ApiKey, ApiKeyId, Permission, Timestamp};

const INSERT_ACCOUNT: &str =
    "insert into accounts (name, created_at) values ($1, $2) on conflict do nothing";

const SELECT_ACCOUNT: &str = "select name, created_at from accounts where name = $1";

const SELECT_ACCOUNTS: &str = "select name, created_at from accounts order by name";

const KEY_COLUMNS: &str =
    "id, account, environment, permissions, key_hash, revoked, expires_at, created_at";

const INSERT_API_KEY: &str = "insert into api_keys \
     (id, account, environment, permissions, key_hash, revoked, expires_at, created_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8)";

const UPDATE_API_KEY_PERMISSIONS: &str = "update api_keys set permissions = $2 where id = $1";

const REVOKE_API_KEY: &str = "update api_keys set revoked = true where id = $1";

fn select_api_key() -> String {
    format!("select {KEY_COLUMNS} from api_keys where id = $1")
}

fn select_api_keys() -> String {
    format!("select {KEY_COLUMNS} from api_keys order by created_at, id")
}

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

#[async_trait]
impl<DB: Backend> ApiKeyStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> ApiKeyRow: FromRow<'r, DB::Row>,
{
    async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let permissions = Permission::join(&key.permissions);
        let key_hash = key.key_hash.to_hex();
        sqlx::query(INSERT_API_KEY)
            .bind(key.id.as_str())
            .bind(key.account.as_str())
            .bind(key.environment.as_str())
            .bind(permissions.as_str())
            .bind(key_hash.as_str())
            .bind(key.revoked)
            .bind(key.expires_at)
            .bind(key.created_at)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    async fn set_api_key_permissions(&self, key: &ApiKey) -> Result<bool, StoreError> {
        let permissions = Permission::join(&key.permissions);
        let result = sqlx::query(UPDATE_API_KEY_PERMISSIONS)
            .bind(key.id.as_str())
            .bind(permissions.as_str())
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
        sqlx::query_as::<_, ApiKeyRow>(&select_api_key())
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?
            .map(ApiKey::try_from)
            .transpose()
    }

    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        sqlx::query_as::<_, ApiKeyRow>(&select_api_keys())
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(ApiKey::try_from)
            .collect()
    }

    async fn revoke_api_key(&self, id: &ApiKeyId) -> Result<bool, StoreError> {
        let result = sqlx::query(REVOKE_API_KEY)
            .bind(id.as_str())
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }
}
