//! The statements both backends run, written once: Postgres and SQLite both
//! read `$n` placeholders, and [`Timestamp`](crate::domain::Timestamp) is
//! encoded per backend in `rows`. Only the pool type differs between the two
//! stores, so [`impl_store!`] stamps out one `Store` implementation for each,
//! the way sqlx itself shares code between its drivers.

use crate::domain::{ClientTokenStatus, Direction};

const TOKEN_COLUMNS: &str =
    "id, token, name, description, status, revoked_at, created_at, updated_at";

/// Followed by `values` rows, in this column order.
pub(super) const INSERT_CLIENT_TOKENS: &str = "insert into client_tokens \
     (id, account, environment, token, name, description, status, revoked_at, created_at, updated_at) ";

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

pub(super) const INSERT_ACCOUNT: &str =
    "insert into accounts (name, created_at) values ($1, $2) on conflict do nothing";

pub(super) const SELECT_ACCOUNT: &str = "select name, created_at from accounts where name = $1";

pub(super) const SELECT_ACCOUNTS: &str = "select name, created_at from accounts order by name";

pub(super) const DELETE_ACCOUNT_CLIENT_TOKENS: &str =
    "delete from client_tokens where account = $1";

pub(super) const DELETE_ALL_CLIENT_TOKENS: &str = "delete from client_tokens";

pub(super) const REVOKE_API_KEY: &str = "update api_keys set revoked = true where id = $1";

pub(super) fn select_api_key() -> String {
    format!("select {KEY_COLUMNS} from api_keys where id = $1")
}

pub(super) fn select_api_keys() -> String {
    format!("select {KEY_COLUMNS} from api_keys order by created_at, id")
}

/// The two statuses bound into list and count queries.
pub(super) fn status_binds(statuses: &[ClientTokenStatus]) -> (&'static str, &'static str) {
    let first = statuses
        .first()
        .copied()
        .unwrap_or(ClientTokenStatus::Active);
    let second = statuses.get(1).copied().unwrap_or(first);
    (first.as_str(), second.as_str())
}

/// Implements [`Store`](super::Store) for `$store`, which gives pools of
/// database `$db` through `reader()` and `writer()` (and `stats()`,
/// `close_pools()`).
macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;

            use $crate::domain::{
                Account, ApiKey, ApiKeyId, ClientToken, ClientTokenId, ClientTokenStatus,
                Environment, Event, ListQuery, Owner, Permission, Timestamp,
            };
            use $crate::store::queries::*;
            use $crate::store::rows::{AccountRow, ApiKeyRow, ClientTokenRow};
            use $crate::store::{
                COUNT_CAP, Creation, Page, PoolStats, ROWS_PER_INSERT, Revocation, Store,
                StoreError,
            };

            impl $store {
                /// New tokens and their outbox rows, in the caller's
                /// transaction, in a few multi-row statements.
                pub(in $crate::store) async fn write_creations(
                    transaction: &mut sqlx::Transaction<'_, $db>,
                    creations: &[Creation<'_>],
                ) -> Result<(), StoreError> {
                    for chunk in creations.chunks(ROWS_PER_INSERT) {
                        let mut insert = sqlx::QueryBuilder::<$db>::new(INSERT_CLIENT_TOKENS);
                        insert.push_values(chunk, |mut row, Creation { owner, token, .. }| {
                            row.push_bind(token.id.as_str())
                                .push_bind(owner.account.as_str())
                                .push_bind(owner.environment.as_str())
                                .push_bind(token.token.as_str())
                                .push_bind(token.name.as_str())
                                .push_bind(token.description.as_deref())
                                .push_bind(token.status.as_str())
                                .push_bind(token.revoked_at)
                                .push_bind(token.created_at)
                                .push_bind(token.updated_at);
                        });
                        // Its text varies with the number of rows: kept out of the
                        // statement cache, so it can't push out the hot queries.
                        insert
                            .build()
                            .persistent(false)
                            .execute(&mut **transaction)
                            .await?;
                    }
                    let events: Vec<_> = creations
                        .iter()
                        .flat_map(|creation| creation.events.iter().map(|e| (creation.owner, e)))
                        .collect();
                    Self::write_events(transaction, &events).await
                }
            }

            impl $crate::store::group_commit::CommitCreations for sqlx::Pool<$db> {
                async fn commit_creations(
                    &self,
                    creations: &[Creation<'_>],
                ) -> Result<(), StoreError> {
                    let mut transaction = self.begin().await?;
                    <$store>::write_creations(&mut transaction, creations).await?;
                    transaction.commit().await?;
                    Ok(())
                }
            }

            #[async_trait]
            impl Store for $store {
                async fn ping(&self) -> Result<(), StoreError> {
                    sqlx::query("select 1").execute(self.reader()).await?;
                    Ok(())
                }

                async fn create_client_token(
                    &self,
                    owner: &Owner,
                    token: &ClientToken,
                    events: &[Event],
                ) -> Result<(), StoreError> {
                    self.creations.create(owner, token, events).await?;
                    self.note_creations(1);
                    Ok(())
                }

                async fn insert_client_tokens(
                    &self,
                    account: &str,
                    tokens: &[(Environment, ClientToken)],
                ) -> Result<(), StoreError> {
                    let mut transaction = self.writer().begin().await?;
                    let owners =
                        [Environment::Sandbox, Environment::Live].map(|environment| Owner {
                            account: account.to_owned(),
                            environment,
                        });
                    let creations: Vec<_> = tokens
                        .iter()
                        .map(|(environment, token)| Creation {
                            owner: &owners[usize::from(*environment == Environment::Live)],
                            token,
                            events: &[],
                        })
                        .collect();
                    Self::write_creations(&mut transaction, &creations).await?;
                    transaction.commit().await?;
                    self.note_creations(tokens.len() as u64);
                    Ok(())
                }

                async fn client_token(
                    &self,
                    owner: &Owner,
                    id: &ClientTokenId,
                ) -> Result<Option<ClientToken>, StoreError> {
                    sqlx::query_as::<_, ClientTokenRow>(&select_client_token())
                        .bind(&owner.account)
                        .bind(owner.environment.as_str())
                        .bind(id.as_str())
                        .fetch_optional(self.reader())
                        .await?
                        .map(ClientToken::try_from)
                        .transpose()
                }

                async fn list_client_tokens(
                    &self,
                    owner: &Owner,
                    query: &ListQuery,
                ) -> Result<Page, StoreError> {
                    let (first, second) = status_binds(&query.statuses);
                    let mut tokens =
                        sqlx::query_as::<_, ClientTokenRow>(&list_client_tokens(query.direction))
                            .bind(&owner.account)
                            .bind(owner.environment.as_str())
                            .bind(first)
                            .bind(second)
                            .bind(query.after.as_ref().map(ClientTokenId::as_str))
                            .bind(i64::from(query.per_page) + 1)
                            .fetch_all(self.reader())
                            .await?
                            .into_iter()
                            .map(ClientToken::try_from)
                            .collect::<Result<Vec<_>, _>>()?;
                    let has_more = tokens.len() > query.per_page as usize;
                    tokens.truncate(query.per_page as usize);
                    Ok(Page { tokens, has_more })
                }

                async fn count_client_tokens(
                    &self,
                    owner: &Owner,
                    statuses: &[ClientTokenStatus],
                ) -> Result<u64, StoreError> {
                    let (first, second) = status_binds(statuses);
                    let (total,): (i64,) = sqlx::query_as(COUNT_CLIENT_TOKENS)
                        .bind(&owner.account)
                        .bind(owner.environment.as_str())
                        .bind(first)
                        .bind(second)
                        .bind(COUNT_CAP as i64)
                        .fetch_one(self.reader())
                        .await?;
                    Ok(total as u64)
                }

                async fn revoke_client_token(
                    &self,
                    owner: &Owner,
                    id: &ClientTokenId,
                    at: Timestamp,
                ) -> Result<Option<Revocation>, StoreError> {
                    let mut transaction = self.writer().begin().await?;
                    let revoked = sqlx::query_as::<_, ClientTokenRow>(&revoke_client_token())
                        .bind(&owner.account)
                        .bind(owner.environment.as_str())
                        .bind(id.as_str())
                        .bind(at)
                        .fetch_optional(&mut *transaction)
                        .await?;
                    match revoked {
                        Some(row) => {
                            let token = ClientToken::try_from(row)?;
                            let events = Event::for_revocation(&token);
                            let events: Vec<_> = events.iter().map(|e| (owner, e)).collect();
                            Self::write_events(&mut transaction, &events).await?;
                            transaction.commit().await?;
                            Ok(Some(Revocation::Revoked(token)))
                        }
                        None => {
                            transaction.rollback().await?;
                            Ok(self
                                .client_token(owner, id)
                                .await?
                                .map(Revocation::AlreadyRevoked))
                        }
                    }
                }

                async fn delete_client_tokens(
                    &self,
                    account: Option<&str>,
                ) -> Result<u64, StoreError> {
                    let result = match account {
                        Some(account) => {
                            sqlx::query(DELETE_ACCOUNT_CLIENT_TOKENS)
                                .bind(account)
                                .execute(self.writer())
                                .await?
                        }
                        None => {
                            sqlx::query(DELETE_ALL_CLIENT_TOKENS)
                                .execute(self.writer())
                                .await?
                        }
                    };
                    Ok(result.rows_affected())
                }

                async fn ensure_account(
                    &self,
                    name: &str,
                    at: Timestamp,
                ) -> Result<bool, StoreError> {
                    let result = sqlx::query(INSERT_ACCOUNT)
                        .bind(name)
                        .bind(at)
                        .execute(self.writer())
                        .await?;
                    Ok(result.rows_affected() == 1)
                }

                async fn account(&self, name: &str) -> Result<Option<Account>, StoreError> {
                    let row = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNT)
                        .bind(name)
                        .fetch_optional(self.reader())
                        .await?;
                    Ok(row.map(Account::from))
                }

                async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
                    let rows = sqlx::query_as::<_, AccountRow>(SELECT_ACCOUNTS)
                        .fetch_all(self.reader())
                        .await?;
                    Ok(rows.into_iter().map(Account::from).collect())
                }

                async fn insert_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
                    sqlx::query(INSERT_API_KEY)
                        .bind(key.id.as_str())
                        .bind(&key.account)
                        .bind(key.environment.as_str())
                        .bind(Permission::join(&key.permissions))
                        .bind(key.key_hash.to_hex())
                        .bind(key.revoked)
                        .bind(key.expires_at)
                        .bind(key.created_at)
                        .execute(self.writer())
                        .await?;
                    Ok(())
                }

                async fn set_api_key_permissions(&self, key: &ApiKey) -> Result<bool, StoreError> {
                    let result = sqlx::query(UPDATE_API_KEY_PERMISSIONS)
                        .bind(key.id.as_str())
                        .bind(Permission::join(&key.permissions))
                        .execute(self.writer())
                        .await?;
                    Ok(result.rows_affected() == 1)
                }

                async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError> {
                    sqlx::query_as::<_, ApiKeyRow>(&select_api_key())
                        .bind(id.as_str())
                        .fetch_optional(self.reader())
                        .await?
                        .map(ApiKey::try_from)
                        .transpose()
                }

                async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
                    sqlx::query_as::<_, ApiKeyRow>(&select_api_keys())
                        .fetch_all(self.reader())
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
                    Ok(result.rows_affected() == 1)
                }

                fn pool_stats(&self) -> PoolStats {
                    self.stats()
                }

                async fn close(&self) {
                    self.close_pools().await;
                }
            }
        };
    };
}

pub(super) use impl_store;
