//! Rows as both backends read them, and how a [`Timestamp`] is stored in each.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};
use time::OffsetDateTime;

use super::StoreError;
use crate::domain::{
    Account, ApiKey, ApiKeyId, ClientToken, ClientTokenId, Environment, KeyHash, Permission,
    Timestamp,
};

#[derive(sqlx::FromRow)]
pub struct ClientTokenRow {
    id: String,
    token: String,
    name: String,
    description: Option<String>,
    status: String,
    revoked_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl TryFrom<ClientTokenRow> for ClientToken {
    type Error = StoreError;

    fn try_from(row: ClientTokenRow) -> Result<Self, Self::Error> {
        Ok(Self {
            id: ClientTokenId::parse(&row.id)
                .ok_or_else(|| StoreError::Corrupt(format!("client token id `{}`", row.id)))?,
            status: row
                .status
                .parse()
                .map_err(|()| StoreError::Corrupt(format!("status `{}`", row.status)))?,
            token: row.token,
            name: row.name,
            description: row.description,
            revoked_at: row.revoked_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AccountRow {
    name: String,
    created_at: Timestamp,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Self {
            name: row.name,
            created_at: row.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
pub struct ApiKeyRow {
    id: String,
    account: String,
    environment: String,
    permissions: String,
    key_hash: String,
    revoked: bool,
    expires_at: Option<Timestamp>,
    created_at: Timestamp,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(row: ApiKeyRow) -> Result<Self, Self::Error> {
        Ok(Self {
            id: ApiKeyId::parse(&row.id)
                .ok_or_else(|| StoreError::Corrupt(format!("api key id `{}`", row.id)))?,
            account: row.account,
            environment: row
                .environment
                .parse::<Environment>()
                .map_err(StoreError::Corrupt)?,
            permissions: Permission::parse_list(&row.permissions).map_err(StoreError::Corrupt)?,
            key_hash: KeyHash::from_hex(&row.key_hash)
                .ok_or_else(|| StoreError::Corrupt(format!("hash of api key `{}`", row.id)))?,
            revoked: row.revoked,
            expires_at: row.expires_at,
            created_at: row.created_at,
        })
    }
}

// Postgres keeps timestamps as `timestamptz`, which holds microseconds exactly.

impl Type<Postgres> for Timestamp {
    fn type_info() -> PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
}

impl Encode<'_, Postgres> for Timestamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <OffsetDateTime as Encode<Postgres>>::encode(self.as_datetime(), buf)
    }
}

impl<'r> Decode<'r, Postgres> for Timestamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        Ok(Self::from_datetime(
            <OffsetDateTime as Decode<Postgres>>::decode(value)?,
        ))
    }
}

// SQLite keeps them as TEXT in the API's own fixed-width form.

impl Type<Sqlite> for Timestamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
}

impl<'q> Encode<'q, Sqlite> for Timestamp {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<Sqlite>>::encode(self.to_string(), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Timestamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<Sqlite>>::decode(value)?;
        Self::parse(text).ok_or_else(|| format!("unreadable timestamp `{text}`").into())
    }
}
