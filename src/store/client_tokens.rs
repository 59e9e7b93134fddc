//! Client tokens: their statements, and [`ClientTokenStore`] for
//! [`SqlStore`]. Creations and revocations are committed in groups
//! (`group_commit`), with their events in the same transaction, each
//! database in its own way (`sqlite_commit`, `postgres_commit`); where the
//! store owns its database, reads are answered from `token_cache`.

use std::sync::LazyLock;

use async_trait::async_trait;
use sqlx::error::BoxDynError;
use sqlx::{Arguments, AssertSqlSafe, Encode, Executor, FromRow, IntoArguments, Transaction};

use super::Backend;
use super::bounded::BoundedRead;
use super::group_commit::{Write, Written};
use super::outbox::{Enqueued, write_events};
use super::rows::{ClientTokenRow, OwnedClientTokenRow};
use super::sql::{keyset, values_statement};
use super::token_cache::{BeforeWrite, TokenCache};
use super::{
    COUNT_CAP, ClientTokenStore, Creation, EventsFor, Page, Revocation, SqlStore, StoreError,
};
use crate::domain::{
    ClientToken, ClientTokenId, ClientTokenStatus, Direction, Environment, Event, ListQuery, Owner,
    Timestamp,
};

const TOKEN_COLUMNS: &str =
    "id, token, name, description, status, revoked_at, created_at, updated_at";

/// Followed by `values` rows, in this column order.
pub(super) const INSERT_CLIENT_TOKENS: &str = "insert into client_tokens \
     (id, account, environment, token, name, description, status, revoked_at, created_at, updated_at) ";

static SELECT_CLIENT_TOKEN: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select {TOKEN_COLUMNS} from client_tokens where account = $1 and environment = $2 and id = $3"
    )
});

static SELECT_CLIENT_TOKEN_BY_VALUE: LazyLock<String> = LazyLock::new(|| {
    format!("select account, environment, {TOKEN_COLUMNS} from client_tokens where token = $1")
});

/// One page, fetching one row more than asked to learn whether there are more.
/// Binds: account, environment, two statuses (repeat one to ask for one),
/// the row limit, and the cursor if there is one.
pub(super) fn list_client_tokens(direction: Direction, cursor: bool) -> String {
    let (after, order) = keyset(direction, "id", cursor.then_some(6));
    format!(
        "select {TOKEN_COLUMNS} from client_tokens \
         where account = $1 and environment = $2 and (status = $3 or status = $4){after} \
         order by id {order} limit $5"
    )
}

/// Counts matching tokens up to [`COUNT_CAP`], ignoring the cursor.
const COUNT_CLIENT_TOKENS: &str = "select count(*) from (select 1 from client_tokens \
     where account = $1 and environment = $2 and (status = $3 or status = $4) limit $5) as matching";

// Events go first: their deliveries reference them.
const TAKEN_CLIENT_TOKENS: &str = "select id, token from client_tokens where id = $1 or token = $2";

const DELETE_ACCOUNT_EVENTS: &str = "delete from events where account = $1";
const DELETE_ALL_EVENTS: &str = "delete from events";
const DELETE_ACCOUNT_CLIENT_TOKENS: &str = "delete from client_tokens where account = $1";
const DELETE_ALL_CLIENT_TOKENS: &str = "delete from client_tokens";

/// The two statuses bound into list and count queries.
fn status_binds(statuses: &[ClientTokenStatus]) -> (&'static str, &'static str) {
    let first = statuses
        .first()
        .copied()
        .unwrap_or(ClientTokenStatus::Active);
    let second = statuses.get(1).copied().unwrap_or(first);
    (first.as_str(), second.as_str())
}

/// New tokens and their outbox rows, in the caller's transaction, in a few
/// multi-row statements.
pub(super) async fn write_creations<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    creations: &[Creation<'_>],
) -> Result<Enqueued, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    insert_client_tokens(transaction, creations).await?;
    let events: Vec<_> = creations
        .iter()
        .flat_map(|creation| creation.events.iter().map(|e| (creation.owner, e)))
        .collect();
    write_events(transaction, &events).await
}

/// The rows of new tokens (not their events), in multi-row statements.
async fn insert_client_tokens<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    creations: &[Creation<'_>],
) -> Result<(), StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> Timestamp: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
{
    for chunk in creations.chunks(DB::ROWS_PER_INSERT) {
        let statement = values_statement(INSERT_CLIENT_TOKENS, chunk.len(), 10);
        let mut arguments = DB::Arguments::default();
        let bound: Result<(), BoxDynError> = chunk.iter().try_for_each(|creation| {
            let Creation { owner, token, .. } = creation;
            arguments.add(token.id.as_str())?;
            arguments.add(owner.account.as_str())?;
            arguments.add(owner.environment.as_str())?;
            arguments.add(token.token.as_str())?;
            arguments.add(token.name.as_str())?;
            arguments.add(token.description.as_deref())?;
            arguments.add(token.status.as_str())?;
            arguments.add(token.revoked_at)?;
            arguments.add(token.created_at)?;
            arguments.add(token.updated_at)
        });
        bound.map_err(sqlx::Error::Encode)?;
        // Its text varies with the number of rows: kept out of the
        // statement cache, so it can't push out the hot queries.
        sqlx::query_with(AssertSqlSafe(statement), arguments)
            .persistent(false)
            .execute(&mut **transaction)
            .await?;
    }
    Ok(())
}

impl<DB: Backend> SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Taken before new tokens are committed, for [`SqlStore::created`].
    pub(super) fn before_write(&self) -> Option<BeforeWrite> {
        self.tokens.as_ref().map(TokenCache::before_write)
    }

    /// Commits `write` (to the token `id`) with its group. If that fails, it
    /// may still have been committed: the cache forgets the token.
    async fn submit(&self, write: Write, id: &ClientTokenId) -> Result<Written, StoreError> {
        let outcome = self.writes.submit(write).await;
        if let (Err(_), Some(cache)) = (&outcome, &self.tokens) {
            cache.doubt(id);
        }
        outcome
    }

    /// After new tokens were committed: they are cached, and counted.
    pub(super) fn created(&self, before: Option<BeforeWrite>, creations: &[Creation<'_>]) {
        if let (Some(cache), Some(before)) = (&self.tokens, before) {
            for creation in creations {
                cache.created(before, creation.owner, creation.token);
            }
        }
        self.note_creations(creations.len() as u64);
    }
}

#[async_trait]
impl<DB: Backend> ClientTokenStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> i64: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> ClientTokenRow: FromRow<'r, DB::Row>,
    for<'r> OwnedClientTokenRow: FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn create_client_token(
        &self,
        owner: &Owner,
        token: &ClientToken,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let create = Write::Create {
            owner: owner.clone(),
            token: token.clone(),
            events: events.to_vec(),
        };
        let before = self.before_write();
        self.submit(create, &token.id).await?;
        self.created(
            before,
            &[Creation {
                owner,
                token,
                events,
            }],
        );
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_client_tokens(
        &self,
        account: &str,
        tokens: &[(Environment, ClientToken)],
    ) -> Result<(), StoreError> {
        let owners = [Environment::Sandbox, Environment::Live].map(|environment| Owner {
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
        let before = self.before_write();
        let mut transaction = self.writer().begin().await?;
        let queued = write_creations(&mut transaction, &creations).await?;
        self.commit(transaction, queued).await?;
        self.created(before, &creations);
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn taken_client_tokens(
        &self,
        ids: &[&str],
        values: &[&str],
    ) -> Result<Vec<String>, StoreError> {
        let mut taken = Vec::new();
        // One pair at a time: only a failed fixture insert asks.
        for (id, value) in ids.iter().zip(values) {
            let found: Vec<(String, String)> = sqlx::query_as(TAKEN_CLIENT_TOKENS)
                .bind(*id)
                .bind(*value)
                .fetch_all(self.writer())
                .await?;
            for (found_id, found_value) in found {
                taken.extend([found_id, found_value]);
            }
        }
        Ok(taken)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn client_token(
        &self,
        owner: &Owner,
        id: &ClientTokenId,
    ) -> Result<Option<ClientToken>, StoreError> {
        let miss = match self.tokens.as_ref().map(|cache| cache.get(owner, id)) {
            Some(Ok(token)) => return Ok(Some(token)),
            Some(Err(miss)) => Some(miss),
            None => None,
        };
        if let Some(reads) = &self.reads {
            return reads.read(owner, id).await;
        }
        let token = sqlx::query_as::<_, ClientTokenRow>(SELECT_CLIENT_TOKEN.as_str())
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .bind(id.as_str())
            .fetch_optional(&self.reader)
            .await?
            .map(ClientToken::try_from)
            .transpose()?;
        if let (Some(cache), Some(miss), Some(token)) = (&self.tokens, miss, &token) {
            cache.fill(miss, owner, token);
        }
        Ok(token)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn client_token_by_value(
        &self,
        value: &str,
    ) -> Result<Option<(Owner, ClientToken)>, StoreError> {
        // The unique index on `token` answers it.
        let row = sqlx::query_as::<_, OwnedClientTokenRow>(SELECT_CLIENT_TOKEN_BY_VALUE.as_str())
            .bind(value)
            .fetch_optional(&self.reader)
            .bounded::<DB>()
            .await?;
        row.map(OwnedClientTokenRow::into_owned).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn list_client_tokens(
        &self,
        owner: &Owner,
        query: &ListQuery,
    ) -> Result<Page, StoreError> {
        let miss = match self.tokens.as_ref().map(|cache| cache.page(owner, query)) {
            Some(Ok(page)) => return Ok(page),
            Some(Err(miss)) => Some(miss),
            None => None,
        };
        let (first, second) = status_binds(&query.statuses);
        let statement = list_client_tokens(query.direction, query.after.is_some());
        let mut select = sqlx::query_as::<_, ClientTokenRow>(AssertSqlSafe(statement))
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .bind(first)
            .bind(second)
            .bind(i64::from(query.per_page) + 1);
        if let Some(after) = &query.after {
            select = select.bind(after.as_str());
        }
        let mut tokens = select
            .fetch_all(&self.reader)
            .bounded::<DB>()
            .await?
            .into_iter()
            .map(ClientToken::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let has_more = tokens.len() > query.per_page as usize;
        tokens.truncate(query.per_page as usize);
        let page = Page::new(tokens, has_more);
        if let (Some(cache), Some(miss)) = (&self.tokens, miss) {
            cache.keep_page(miss, &page);
        }
        Ok(page)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn count_client_tokens(
        &self,
        owner: &Owner,
        statuses: &[ClientTokenStatus],
    ) -> Result<u64, StoreError> {
        let (first, second) = status_binds(statuses);
        let (total,): (i64,) = sqlx::query_as(COUNT_CLIENT_TOKENS)
            .bind(owner.account.as_str())
            .bind(owner.environment.as_str())
            .bind(first)
            .bind(second)
            .bind(COUNT_CAP as i64)
            .fetch_one(&self.reader)
            .bounded::<DB>()
            .await?;
        Ok(total as u64)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn revoke_client_token(
        &self,
        owner: &Owner,
        id: &ClientTokenId,
        at: Timestamp,
        events_for: EventsFor,
    ) -> Result<Option<Revocation>, StoreError> {
        // Revoked is for good: a cached revoked token needs no commit.
        if let Some(Ok(token)) = self.tokens.as_ref().map(|cache| cache.get(owner, id))
            && token.status == ClientTokenStatus::Revoked
        {
            return Ok(Some(Revocation::AlreadyRevoked(token)));
        }
        let revoke = Write::Revoke {
            owner: owner.clone(),
            id: id.clone(),
            at,
            events_for,
        };
        let before = self.before_write();
        let Written::Revoked(revocation) = self.submit(revoke, id).await? else {
            return Err(StoreError::Corrupt(
                "a revocation answered as a creation".into(),
            ));
        };
        if let (Some(cache), Some(before), Some(Revocation::Revoked(token))) =
            (&self.tokens, before, &revocation)
        {
            cache.changed(before, owner, token);
        }
        Ok(revocation)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete_client_tokens(&self, account: Option<&str>) -> Result<u64, StoreError> {
        let mut transaction = self.writer().begin().await?;
        let deleted = match account {
            Some(account) => {
                sqlx::query(DELETE_ACCOUNT_EVENTS)
                    .bind(account)
                    .execute(&mut *transaction)
                    .await?;
                sqlx::query(DELETE_ACCOUNT_CLIENT_TOKENS)
                    .bind(account)
                    .execute(&mut *transaction)
                    .await?
            }
            None => {
                (&mut *transaction).execute(DELETE_ALL_EVENTS).await?;
                (&mut *transaction)
                    .execute(DELETE_ALL_CLIENT_TOKENS)
                    .await?
            }
        };
        transaction.commit().await?;
        if let Some(cache) = &self.tokens {
            cache.forget(account);
        }
        Ok(DB::rows_affected(&deleted))
    }
}
