//! The statements both backends run, written once: Postgres and SQLite both
//! read `$n` placeholders, and [`Timestamp`](crate::domain::Timestamp) is
//! encoded per backend in `rows`. Only the pool type differs between the two
//! stores, so [`impl_store!`] stamps out one `Store` implementation for each,
//! the way sqlx itself shares code between its drivers.

use crate::domain::{ClientTokenStatus, Direction, ListQuery};

const TOKEN_COLUMNS: &str =
    "id, token, name, description, status, revoked_at, created_at, updated_at";

pub(super) const INSERT_CLIENT_TOKEN: &str = "insert into client_tokens \
     (id, account, environment, token, name, description, status, revoked_at, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

pub(super) fn select_client_token() -> String {
    format!(
        "select {TOKEN_COLUMNS} from client_tokens where account = $1 and environment = $2 and id = $3"
    )
}

/// Revokes only an active token, so concurrent revokes agree on one winner.
pub(super) fn revoke_client_token() -> String {
    format!(
        "update client_tokens set status = 'revoked', revoked_at = $4, updated_at = $4 \
         where account = $1 and environment = $2 and id = $3 and status = 'active' \
         returning {TOKEN_COLUMNS}"
    )
}

/// One page, fetching one row more than asked to learn whether there are more.
/// Binds: account, environment, two statuses (repeat one to ask for one),
/// the cursor (or null) and the row limit.
pub(super) fn list_client_tokens(direction: Direction) -> String {
    let (after, order) = match direction {
        Direction::Ascending => (">", "asc"),
        Direction::Descending => ("<", "desc"),
    };
    format!(
        "select {TOKEN_COLUMNS} from client_tokens \
         where account = $1 and environment = $2 and (status = $3 or status = $4) \
         and ($5 is null or id {after} $5) \
         order by id {order} limit $6"
    )
}

/// Counts matching tokens up to [`super::COUNT_CAP`], ignoring the cursor.
pub(super) const COUNT_CLIENT_TOKENS: &str = "select count(*) from (select 1 from client_tokens \
     where account = $1 and environment = $2 and (status = $3 or status = $4) limit $5) as matching";

const KEY_COLUMNS: &str =
    "id, account, environment, permissions, key_hash, revoked, expires_at, created_at";

pub(super) const INSERT_API_KEY: &str = "insert into api_keys \
     (id, account, environment, permissions, key_hash, revoked, expires_at, created_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8)";

pub(super) const UPDATE_API_KEY_PERMISSIONS: &str =
    "update api_keys set permissions = $2 where id = $1";

pub(super) const REVOKE_API_KEY: &str = "update api_keys set revoked = true where id = $1";

pub(super) fn select_api_key() -> String {
    format!("select {KEY_COLUMNS} from api_keys where id = $1")
}

pub(super) fn select_api_keys() -> String {
    format!("select {KEY_COLUMNS} from api_keys order by created_at, id")
}

/// The two statuses bound into list and count queries.
pub(super) fn status_binds(query: &ListQuery) -> (&'static str, &'static str) {
    let first = query
        .statuses
        .first()
        .copied()
        .unwrap_or(ClientTokenStatus::Active);
    let second = query.statuses.get(1).copied().unwrap_or(first);
    (first.as_str(), second.as_str())
}

/// Implements [`Store`](super::Store) for a struct with a `pool` field of
/// any sqlx pool type whose database accepts the statements above.
macro_rules! impl_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("select 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn insert_client_token(
                &self,
                owner: &$crate::domain::Owner,
                token: &$crate::domain::ClientToken,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query($crate::store::queries::INSERT_CLIENT_TOKEN)
                    .bind(token.id.as_str())
                    .bind(&owner.account)
                    .bind(owner.environment.as_str())
                    .bind(&token.token)
                    .bind(&token.name)
                    .bind(&token.description)
                    .bind(token.status.as_str())
                    .bind(token.revoked_at)
                    .bind(token.created_at)
                    .bind(token.updated_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn client_token(
                &self,
                owner: &$crate::domain::Owner,
                id: &$crate::domain::ClientTokenId,
            ) -> Result<Option<$crate::domain::ClientToken>, $crate::store::StoreError> {
                sqlx::query_as::<_, $crate::store::rows::ClientTokenRow>(
                    &$crate::store::queries::select_client_token(),
                )
                .bind(&owner.account)
                .bind(owner.environment.as_str())
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?
                .map($crate::domain::ClientToken::try_from)
                .transpose()
            }

            async fn list_client_tokens(
                &self,
                owner: &$crate::domain::Owner,
                query: &$crate::domain::ListQuery,
                count: bool,
            ) -> Result<$crate::store::Page, $crate::store::StoreError> {
                let (first, second) = $crate::store::queries::status_binds(query);
                let mut tokens = sqlx::query_as::<_, $crate::store::rows::ClientTokenRow>(
                    &$crate::store::queries::list_client_tokens(query.direction),
                )
                .bind(&owner.account)
                .bind(owner.environment.as_str())
                .bind(first)
                .bind(second)
                .bind(
                    query
                        .after
                        .as_ref()
                        .map($crate::domain::ClientTokenId::as_str),
                )
                .bind(i64::from(query.per_page) + 1)
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map($crate::domain::ClientToken::try_from)
                .collect::<Result<Vec<_>, _>>()?;
                let has_more = tokens.len() > query.per_page as usize;
                tokens.truncate(query.per_page as usize);
                let estimated_total = if count {
                    let (total,): (i64,) =
                        sqlx::query_as($crate::store::queries::COUNT_CLIENT_TOKENS)
                            .bind(&owner.account)
                            .bind(owner.environment.as_str())
                            .bind(first)
                            .bind(second)
                            .bind($crate::store::COUNT_CAP as i64)
                            .fetch_one(&self.pool)
                            .await?;
                    Some(total as u64)
                } else {
                    None
                };
                Ok($crate::store::Page {
                    tokens,
                    has_more,
                    estimated_total,
                })
            }

            async fn revoke_client_token(
                &self,
                owner: &$crate::domain::Owner,
                id: &$crate::domain::ClientTokenId,
                at: $crate::domain::Timestamp,
            ) -> Result<Option<$crate::store::Revocation>, $crate::store::StoreError> {
                let revoked = sqlx::query_as::<_, $crate::store::rows::ClientTokenRow>(
                    &$crate::store::queries::revoke_client_token(),
                )
                .bind(&owner.account)
                .bind(owner.environment.as_str())
                .bind(id.as_str())
                .bind(at)
                .fetch_optional(&self.pool)
                .await?;
                match revoked {
                    Some(row) => Ok(Some($crate::store::Revocation::Revoked(row.try_into()?))),
                    None => Ok(self
                        .client_token(owner, id)
                        .await?
                        .map($crate::store::Revocation::AlreadyRevoked)),
                }
            }

            async fn insert_api_key(
                &self,
                key: &$crate::domain::ApiKey,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query($crate::store::queries::INSERT_API_KEY)
                    .bind(key.id.as_str())
                    .bind(&key.account)
                    .bind(key.environment.as_str())
                    .bind($crate::domain::Permission::join(&key.permissions))
                    .bind(key.key_hash.to_hex())
                    .bind(key.revoked)
                    .bind(key.expires_at)
                    .bind(key.created_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn set_api_key_permissions(
                &self,
                key: &$crate::domain::ApiKey,
            ) -> Result<bool, $crate::store::StoreError> {
                let result = sqlx::query($crate::store::queries::UPDATE_API_KEY_PERMISSIONS)
                    .bind(key.id.as_str())
                    .bind($crate::domain::Permission::join(&key.permissions))
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected() == 1)
            }

            async fn api_key(
                &self,
                id: &$crate::domain::ApiKeyId,
            ) -> Result<Option<$crate::domain::ApiKey>, $crate::store::StoreError> {
                sqlx::query_as::<_, $crate::store::rows::ApiKeyRow>(
                    &$crate::store::queries::select_api_key(),
                )
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?
                .map($crate::domain::ApiKey::try_from)
                .transpose()
            }

            async fn api_keys(
                &self,
            ) -> Result<Vec<$crate::domain::ApiKey>, $crate::store::StoreError> {
                sqlx::query_as::<_, $crate::store::rows::ApiKeyRow>(
                    &$crate::store::queries::select_api_keys(),
                )
                .fetch_all(&self.pool)
                .await?
                .into_iter()
                .map($crate::domain::ApiKey::try_from)
                .collect()
            }

            async fn revoke_api_key(
                &self,
                id: &$crate::domain::ApiKeyId,
            ) -> Result<bool, $crate::store::StoreError> {
                let result = sqlx::query($crate::store::queries::REVOKE_API_KEY)
                    .bind(id.as_str())
                    .execute(&self.pool)
                    .await?;
                Ok(result.rows_affected() == 1)
            }

            fn pool_stats(&self) -> $crate::store::PoolStats {
                $crate::store::PoolStats {
                    connections: self.pool.size(),
                    idle: self.pool.num_idle(),
                    max: self.pool.options().get_max_connections(),
                }
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}

pub(super) use impl_store;
