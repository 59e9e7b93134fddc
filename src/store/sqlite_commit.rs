//! How SQLite commits a group of writes (see `group_commit`): in two trips
//! to its connection's thread rather than one per statement. sqlx runs each
//! statement on that thread and hands the answer back, and under load every
//! hand-off waits for a core, so a group of writes cost one wait per
//! statement. Here the first trip begins the transaction, inserts the new
//! tokens, revokes, and reads the owners' notification settings; the second
//! writes every event and delivery and commits.
//!
//! Each trip is one fixed text, whatever the group: its statements take their
//! rows as JSON arrays (`json_each`), one argument per statement, much as
//! Postgres's take arrays (`postgres_commit`). So SQLite prepares each text
//! once per connection rather than parsing a new one for every group. Rows
//! of different statements come back in one list, so each says what it is
//! in its first column, `kind`. Revocations are one update of every token
//! named: the first revocation of a token in the group is the one that
//! revokes it, and any later one finds it revoked.
//!
//! A database file's commits are made durable by `wal_sync`, after the
//! writer has moved on: the group commits with `synchronous = NORMAL`, set
//! for it alone (every other write on the connection keeps `FULL`).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, LazyLock};

use sqlx::pool::PoolConnection;
use sqlx::sqlite::SqliteRow;
use sqlx::{Executor, FromRow, Pool, Row, Sqlite};

use super::client_tokens::INSERT_CLIENT_TOKENS;
use super::group_commit::{CommitWrites, Committed, Write, Written};
use super::outbox::{Enqueued, INSERT_DELIVERIES, INSERT_EVENTS};
use super::rows::OwnedClientTokenRow;
use super::wal_sync::WalSync;
use super::{Revocation, StoreError};
use crate::domain::{ClientToken, Delivery, Event, Owner, Subscriber, Timestamp, subscribers};

/// SQLite's committer: the pool of its one writer, and for a database file,
/// the thread that syncs its WAL.
#[derive(Clone, Debug)]
pub(super) struct SqliteWriter {
    pool: Pool<Sqlite>,
    wal: Option<Arc<WalSync>>,
}

impl SqliteWriter {
    /// For a database file: its commits are synced.
    pub(super) fn file(pool: Pool<Sqlite>, database: &Path) -> std::io::Result<Self> {
        let wal = Some(Arc::new(WalSync::start(database)?));
        Ok(Self { pool, wal })
    }

    /// For a database in memory, which nothing makes durable.
    pub(super) fn in_memory(pool: Pool<Sqlite>) -> Self {
        Self { pool, wal: None }
    }
}

impl CommitWrites for SqliteWriter {
    /// SQLite is in this process: its commit's outcome is always known, so
    /// it is waited for (a commit takes milliseconds; the busy timeout
    /// bounds a wait for the file's lock).
    const ANSWERS_BY_DEADLINE: bool = false;

    async fn commit_writes(
        &self,
        writes: &[&Write],
        _deadline: tokio::time::Instant,
    ) -> Result<Committed, StoreError> {
        let mut connection = Unfinished(Some(self.pool.acquire().await?));
        let deferred = self.wal.is_some();
        let outcome = commit(connection.get(), writes, deferred).await;
        if outcome.is_err() {
            // The error may have left the transaction open (or it may never
            // have begun, which makes this fail harmlessly).
            let rolled_back = connection.get().execute("rollback").await;
            let restored = connection.get().execute(FULL).await;
            if (rolled_back.is_ok() || is_without_transaction(&rolled_back)) && restored.is_ok() {
                connection.finish();
            }
        } else {
            connection.finish();
        }
        let (written, queued) = outcome?;
        Ok(Committed {
            written,
            queued,
            syncing: self.wal.as_ref().map(|wal| wal.sync()),
        })
    }
}

/// The connection's own setting, for every write but a group's.
const FULL: &str = "pragma synchronous = full";

/// A connection in the middle of a group: if the commit is abandoned there
/// (its task dropped), it is closed rather than going back to the pool with
/// a transaction open.
struct Unfinished(Option<PoolConnection<Sqlite>>);

impl Unfinished {
    fn get(&mut self) -> &mut PoolConnection<Sqlite> {
        self.0.as_mut().expect("a connection until finished")
    }

    /// Back to the pool.
    fn finish(mut self) {
        self.0.take();
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(connection) = &mut self.0 {
            connection.close_on_drop();
        }
    }
}

fn is_without_transaction(outcome: &Result<impl Sized, sqlx::Error>) -> bool {
    matches!(outcome, Err(sqlx::Error::Database(e)) if e.message().contains("no transaction"))
}

/// Begins; inserts the group's tokens; revokes the active ones among those
/// named; reads back every token named (as it now is), and the owners'
/// notification settings. Arguments, each a JSON array of rows: the
/// tokens, the revocations (twice), and the owners. (Anonymous `?`, bound
/// in order: sqlx mis-binds a `?N` reused across a text's statements.)
static FIRST_TRIP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "begin immediate;
        {INSERT_CLIENT_TOKENS}select {tokens} from json_each(?);
        update client_tokens set status = 'revoked', revoked_at = r.value ->> 3, updated_at = r.value ->> 3
            from json_each(?) as r
            where client_tokens.account = r.value ->> 0 and client_tokens.environment = r.value ->> 1
                and client_tokens.id = r.value ->> 2 and client_tokens.status = 'active'
            returning 'revoked' as kind, account, environment, id;
        select 'found' as kind, account, environment, {TOKEN_COLUMNS} from client_tokens
            where (account, environment, id) in (select value ->> 0, value ->> 1, value ->> 2 from json_each(?));
        select 'setting' as kind, account, environment, id, active, subscribed_events
            from notification_settings
            where (account, environment) in (select value ->> 0, value ->> 1 from json_each(?))
            order by id;",
        tokens = columns(10),
    )
});

/// Records the events and their deliveries, and commits. Arguments: the
/// events and the deliveries, as JSON arrays of rows.
static SECOND_TRIP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "{INSERT_EVENTS}select {events} from json_each(?);
        {INSERT_DELIVERIES}select {deliveries} from json_each(?);
        commit;",
        events = columns(6),
        deliveries = columns(7),
    )
});

/// Both trips of a group whose commit is synced afterwards: the group alone
/// commits with `synchronous = NORMAL` (SQLite refuses to change it inside a
/// transaction).
static DEFERRED_TRIPS: LazyLock<[String; 2]> = LazyLock::new(|| {
    [
        format!("pragma synchronous = normal; {}", *FIRST_TRIP),
        format!("{} {FULL};", *SECOND_TRIP),
    ]
});

const TOKEN_COLUMNS: &str =
    "id, token, name, description, status, revoked_at, created_at, updated_at";

/// `value ->> 0, .., value ->> n-1`: a JSON row's columns.
fn columns(n: usize) -> String {
    let columns: Vec<_> = (0..n).map(|i| format!("value ->> {i}")).collect();
    columns.join(", ")
}

/// Runs one trip: its fixed text, each argument a JSON array of rows.
async fn run(
    connection: &mut PoolConnection<Sqlite>,
    text: &'static str,
    arguments: Vec<String>,
) -> Result<Vec<SqliteRow>, StoreError> {
    let mut query = sqlx::query(text);
    for argument in arguments {
        query = query.bind(argument);
    }
    Ok(query.fetch_all(&mut **connection).await?)
}

/// What the first trip learned of the group's revocations and owners.
struct Learned {
    /// Per write: the token as the revocation left it, and whether it did.
    revocations: Vec<Option<(bool, ClientToken)>>,
    /// Per owner (in the group's order): its settings, by id.
    settings: Vec<Vec<Subscriber>>,
}

/// `deferred`: the commit is synced afterwards, not within.
async fn commit(
    connection: &mut PoolConnection<Sqlite>,
    writes: &[&Write],
    deferred: bool,
) -> Result<(Vec<Written>, Enqueued), StoreError> {
    let mut owners: Vec<&Owner> = Vec::new();
    for write in writes {
        let (Write::Create { owner, .. } | Write::Revoke { owner, .. }) = write;
        if !owners.contains(&owner) {
            owners.push(owner);
        }
    }
    let (first, second) = if deferred {
        (&DEFERRED_TRIPS[0], &DEFERRED_TRIPS[1])
    } else {
        (&*FIRST_TRIP, &*SECOND_TRIP)
    };
    let rows = run(connection, first, first_trip(writes, &owners)?).await?;
    let learned = learn(rows, writes, &owners)?;

    let mut written = Vec::with_capacity(writes.len());
    let mut events: Vec<(usize, Event)> = Vec::new();
    let owner_of = |owner: &Owner| owners.iter().position(|o| *o == owner).unwrap_or(0);
    for (write, revocation) in writes.iter().zip(learned.revocations) {
        match write {
            Write::Create {
                owner,
                events: emitted,
                ..
            } => {
                events.extend(emitted.iter().map(|event| (owner_of(owner), event.clone())));
                written.push(Written::Created);
            }
            Write::Revoke {
                owner, events_for, ..
            } => written.push(Written::Revoked(revocation.map(|(revoked, token)| {
                if revoked {
                    let emitted = events_for(&token);
                    events.extend(emitted.into_iter().map(|event| (owner_of(owner), event)));
                    Revocation::Revoked(token)
                } else {
                    Revocation::AlreadyRevoked(token)
                }
            }))),
        }
    }
    let (arguments, queued) = second_trip(&owners, &events, &learned.settings)?;
    run(connection, second, arguments).await?;
    Ok((written, queued))
}

/// The first trip's arguments: the new tokens; the revocations, the first
/// of each token's only (it is the one that revokes; any later one in the
/// group finds the token revoked); and the owners.
fn first_trip(writes: &[&Write], owners: &[&Owner]) -> Result<Vec<String>, StoreError> {
    let tokens: Vec<_> = (writes.iter().filter_map(|write| write.creation()))
        .map(|creation| {
            let (owner, token) = (creation.owner, creation.token);
            (
                token.id.as_str(),
                owner.account.as_str(),
                owner.environment.as_str(),
                token.token.as_str(),
                token.name.as_str(),
                token.description.as_deref(),
                token.status.as_str(),
                token.revoked_at,
                token.created_at,
                token.updated_at,
            )
        })
        .collect();
    let mut named = HashSet::new();
    let revocations: Vec<_> = (writes.iter())
        .filter_map(|write| match write {
            Write::Revoke { owner, id, at, .. } => Some((
                owner.account.as_str(),
                owner.environment.as_str(),
                id.as_str(),
                *at,
            )),
            Write::Create { .. } => None,
        })
        .filter(|(account, environment, id, _)| named.insert((*account, *environment, *id)))
        .collect();
    let owners: Vec<_> = (owners.iter())
        .map(|owner| (owner.account.as_str(), owner.environment.as_str()))
        .collect();
    let revocations = json(&revocations)?;
    Ok(vec![
        json(&tokens)?,
        revocations.clone(),
        revocations,
        json(&owners)?,
    ])
}

fn json(rows: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(rows).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn learn(
    rows: Vec<SqliteRow>,
    writes: &[&Write],
    owners: &[&Owner],
) -> Result<Learned, StoreError> {
    let mut revoked: HashSet<(String, String, String)> = HashSet::new();
    let mut found: HashMap<(String, String, String), ClientToken> = HashMap::new();
    let mut settings = vec![Vec::new(); owners.len()];
    for row in rows {
        let kind: &str = row.try_get("kind")?;
        match kind {
            "revoked" => {
                revoked.insert((
                    row.try_get("account")?,
                    row.try_get("environment")?,
                    row.try_get("id")?,
                ));
            }
            "found" => {
                let (owner, token) = OwnedClientTokenRow::from_row(&row)?.into_owned()?;
                let key = (
                    owner.account,
                    owner.environment.as_str().to_owned(),
                    token.id.as_str().to_owned(),
                );
                found.insert(key, token);
            }
            "setting" => {
                let (account, environment): (&str, &str) =
                    (row.try_get("account")?, row.try_get("environment")?);
                let owner = (owners.iter())
                    .position(|o| o.account == account && o.environment.as_str() == environment)
                    .ok_or_else(|| StoreError::Corrupt("a setting's owner".into()))?;
                settings[owner].push(Subscriber::from_stored(
                    row.try_get("id")?,
                    account.to_owned(),
                    owners[owner].environment,
                    row.try_get("active")?,
                    row.try_get("subscribed_events")?,
                ));
            }
            other => return Err(StoreError::Corrupt(format!("a row of kind `{other}`"))),
        }
    }
    let revocations = (writes.iter())
        .map(|write| {
            let Write::Revoke { owner, id, .. } = write else {
                return None;
            };
            let key = (
                owner.account.clone(),
                owner.environment.as_str().to_owned(),
                id.as_str().to_owned(),
            );
            let token = found.get(&key)?.clone();
            // The first revocation of a token the update revoked is the one
            // that did; the rest find it revoked.
            Some((revoked.remove(&key), token))
        })
        .collect();
    Ok(Learned {
        revocations,
        settings,
    })
}

/// The second trip's arguments: the events, and a pending delivery of each
/// to every setting that receives it; and how many deliveries that is.
fn second_trip(
    owners: &[&Owner],
    events: &[(usize, Event)],
    settings: &[Vec<Subscriber>],
) -> Result<(Vec<String>, Enqueued), StoreError> {
    let rows = (events.iter())
        .map(|(owner, event)| {
            let owner = owners[*owner];
            let data = serde_json::to_string(&event.data)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok((
                event.id.as_str(),
                owner.account.as_str(),
                owner.environment.as_str(),
                event.event_type.as_str(),
                event.occurred_at,
                data,
            ))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    // Due now (real time: sending is transport).
    let now = Timestamp::now();
    let deliveries: Vec<_> = (events.iter())
        .flat_map(|(owner, event)| {
            let subscribed = subscribers(&settings[*owner], owners[*owner], event.event_type);
            subscribed.map(move |setting| {
                (
                    Delivery::id_for(event.id.as_str(), setting),
                    event.id.as_str(),
                    setting,
                    "pending",
                    0,
                    now,
                    event.occurred_at,
                )
            })
        })
        .collect();
    let queued = Enqueued::new(deliveries.len());
    Ok((vec![json(&rows)?, json(&deliveries)?], queued))
}

#[cfg(test)]
mod tests;
