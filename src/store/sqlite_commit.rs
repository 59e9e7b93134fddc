//! How SQLite commits a group of writes (see `group_commit`): in two trips
//! to its connection's thread rather than one per statement. sqlx runs each
//! statement on that thread and hands the answer back, and under load every
//! hand-off waits for a core, so a group of writes cost one wait per
//! statement. Here the first trip begins the transaction, inserts the new
//! tokens, revokes, and reads the owners' notification settings; the second
//! writes every event and delivery and commits.
//!
//! The statements of a trip share one text with anonymous `?` placeholders,
//! bound in the order they appear. Rows of different statements come back
//! in one list, so each says what it is in its first column, `kind`.
//!
//! A database file's commits are made durable by `wal_sync`, after the
//! writer has moved on: the group commits with `synchronous = NORMAL`, set
//! for it alone (every other write on the connection keeps `FULL`).

use std::path::Path;
use std::sync::Arc;

use sqlx::error::BoxDynError;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Arguments, Encode, Executor, FromRow, Pool, Row, Sqlite, Type};

use super::client_tokens::INSERT_CLIENT_TOKENS;
use super::group_commit::{CommitWrites, Committed, Write, Written};
use super::outbox::{INSERT_DELIVERIES, INSERT_EVENTS};
use super::rows::ClientTokenRow;
use super::wal_sync::WalSync;
use super::{Backend, Revocation, StoreError};
use crate::domain::{ClientToken, Delivery, Event, Owner, Timestamp};

const TOKEN_COLUMNS: &str =
    "id, token, name, description, status, revoked_at, created_at, updated_at";

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
    async fn commit_writes(&self, writes: &[&Write]) -> Result<Committed, StoreError> {
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
        Ok(Committed {
            written: outcome?,
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

/// The statements of one trip and their arguments, in order.
#[derive(Default)]
struct Trip {
    text: String,
    arguments: SqliteArguments<'static>,
}

impl Trip {
    fn push(&mut self, statement: &str) {
        self.text.push_str(statement);
        self.text.push_str(";\n");
    }

    fn bind<T: Encode<'static, Sqlite> + Type<Sqlite> + 'static>(
        &mut self,
        value: T,
    ) -> Result<(), BoxDynError> {
        self.arguments.add(value)
    }

    /// `insert` (the shared statements, which end in a space) followed by
    /// `values (?, ..), ..`: `rows` rows of `columns`.
    fn push_values(&mut self, insert: &str, rows: usize, columns: usize) {
        let row = format!("({})", vec!["?"; columns].join(", "));
        self.push(&format!("{insert}values {}", vec![row; rows].join(", ")));
    }

    async fn run(
        self,
        connection: &mut PoolConnection<Sqlite>,
    ) -> Result<Vec<SqliteRow>, StoreError> {
        let rows = sqlx::query_with(&self.text, self.arguments)
            // Its text differs from group to group: kept out of the
            // statement cache, so it can't push out the hot queries.
            .persistent(false)
            .fetch_all(&mut **connection)
            .await?;
        Ok(rows)
    }
}

/// What the first trip learned of the group's revocations and owners.
struct Learned {
    /// Per write: the token as the revocation left it, and whether it did.
    revocations: Vec<Option<(bool, ClientToken)>>,
    /// Per owner (as numbered by the trip): its active settings' ids and
    /// subscribed event types, by id.
    settings: Vec<Vec<(String, String)>>,
}

/// `deferred`: the commit is synced afterwards, not within.
async fn commit(
    connection: &mut PoolConnection<Sqlite>,
    writes: &[&Write],
    deferred: bool,
) -> Result<Vec<Written>, StoreError> {
    let mut owners: Vec<&Owner> = Vec::new();
    for write in writes {
        let (Write::Create { owner, .. } | Write::Revoke { owner, .. }) = write;
        if !owners.contains(&owner) {
            owners.push(owner);
        }
    }
    let mut first = Trip::default();
    if deferred {
        // SQLite refuses to change it inside a transaction.
        first.push("pragma synchronous = normal");
    }
    first_trip(&mut first, writes, &owners).map_err(sqlx::Error::Encode)?;
    let learned = learn(first.run(connection).await?, writes.len(), owners.len())?;

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
    let mut second = Trip::default();
    second_trip(&mut second, &owners, &events, &learned.settings).map_err(|e| match e {
        Outbox::Encode(e) => StoreError::from(sqlx::Error::Encode(e)),
        Outbox::Json(e) => StoreError::Corrupt(e.to_string()),
    })?;
    if deferred {
        second.push(FULL);
    }
    second.run(connection).await?;
    Ok(written)
}

/// Begins, inserts the new tokens, revokes in order, and reads the settings
/// of every owner in the group.
fn first_trip(trip: &mut Trip, writes: &[&Write], owners: &[&Owner]) -> Result<(), BoxDynError> {
    // Takes the write lock now, not at the first write.
    trip.push("begin immediate");
    let creations: Vec<_> = writes.iter().filter_map(|write| write.creation()).collect();
    for chunk in creations.chunks(Sqlite::ROWS_PER_INSERT) {
        trip.push_values(INSERT_CLIENT_TOKENS, chunk.len(), 10);
        for creation in chunk {
            let (owner, token) = (creation.owner, creation.token);
            trip.bind(token.id.as_str().to_owned())?;
            trip.bind(owner.account.clone())?;
            trip.bind(owner.environment.as_str())?;
            trip.bind(token.token.clone())?;
            trip.bind(token.name.clone())?;
            trip.bind(token.description.clone())?;
            trip.bind(token.status.as_str())?;
            trip.bind(token.revoked_at)?;
            trip.bind(token.created_at)?;
            trip.bind(token.updated_at)?;
        }
    }
    for (index, write) in writes.iter().enumerate() {
        let Write::Revoke { owner, id, at, .. } = write else {
            continue;
        };
        // Only an active token is revoked, so concurrent revokes agree on one
        // winner; `changes()` is what that update changed, so the select
        // reads the token only where it didn't.
        trip.push(&format!(
            "update client_tokens set status = 'revoked', revoked_at = ?, updated_at = ? \
             where account = ? and environment = ? and id = ? and status = 'active' \
             returning 'revoked' as kind, ? as write, {TOKEN_COLUMNS}"
        ));
        trip.bind(*at)?;
        trip.bind(*at)?;
        trip.bind(owner.account.clone())?;
        trip.bind(owner.environment.as_str())?;
        trip.bind(id.as_str().to_owned())?;
        trip.bind(index as i64)?;
        trip.push(&format!(
            "select 'found' as kind, ? as write, {TOKEN_COLUMNS} from client_tokens \
             where account = ? and environment = ? and id = ? and changes() = 0"
        ));
        trip.bind(index as i64)?;
        trip.bind(owner.account.clone())?;
        trip.bind(owner.environment.as_str())?;
        trip.bind(id.as_str().to_owned())?;
    }
    for (index, owner) in owners.iter().enumerate() {
        trip.push(
            "select 'setting' as kind, ? as owner, id, subscribed_events from notification_settings \
             where account = ? and environment = ? and active = true order by id",
        );
        trip.bind(index as i64)?;
        trip.bind(owner.account.clone())?;
        trip.bind(owner.environment.as_str())?;
    }
    Ok(())
}

fn learn(rows: Vec<SqliteRow>, writes: usize, owners: usize) -> Result<Learned, StoreError> {
    let mut learned = Learned {
        revocations: (0..writes).map(|_| None).collect(),
        settings: vec![Vec::new(); owners],
    };
    for row in rows {
        let kind: &str = row.try_get("kind")?;
        let slot = |column: &str| -> Result<usize, StoreError> {
            let index: i64 = row.try_get(column)?;
            usize::try_from(index).map_err(|_| StoreError::Corrupt(format!("{column} {index}")))
        };
        match kind {
            "revoked" | "found" => {
                let token = ClientToken::try_from(ClientTokenRow::from_row(&row)?)?;
                let slot = learned.revocations.get_mut(slot("write")?);
                *slot.ok_or_else(|| StoreError::Corrupt("a revocation's index".into()))? =
                    Some((kind == "revoked", token));
            }
            "setting" => {
                let settings = learned.settings.get_mut(slot("owner")?);
                settings
                    .ok_or_else(|| StoreError::Corrupt("a setting's owner".into()))?
                    .push((row.try_get("id")?, row.try_get("subscribed_events")?));
            }
            other => return Err(StoreError::Corrupt(format!("a row of kind `{other}`"))),
        }
    }
    Ok(learned)
}

enum Outbox {
    Encode(BoxDynError),
    Json(serde_json::Error),
}

impl From<BoxDynError> for Outbox {
    fn from(error: BoxDynError) -> Self {
        Self::Encode(error)
    }
}

/// Records the events, a pending delivery of each to every active setting of
/// its owner subscribed to its type, and commits.
fn second_trip(
    trip: &mut Trip,
    owners: &[&Owner],
    events: &[(usize, Event)],
    settings: &[Vec<(String, String)>],
) -> Result<(), Outbox> {
    for chunk in events.chunks(Sqlite::ROWS_PER_INSERT) {
        trip.push_values(INSERT_EVENTS, chunk.len(), 6);
        for (owner, event) in chunk {
            let owner = owners[*owner];
            trip.bind(event.id.as_str().to_owned())?;
            trip.bind(owner.account.clone())?;
            trip.bind(owner.environment.as_str())?;
            trip.bind(event.event_type.as_str())?;
            trip.bind(event.occurred_at)?;
            trip.bind(serde_json::to_string(&event.data).map_err(Outbox::Json)?)?;
        }
    }
    let deliveries: Vec<(&Event, &str)> = events
        .iter()
        .flat_map(|(owner, event)| {
            let subscribed = settings[*owner]
                .iter()
                .filter(|(_, types)| types.split(',').any(|t| t == event.event_type.as_str()));
            subscribed.map(move |(setting, _)| (event, setting.as_str()))
        })
        .collect();
    // Due now (real time: sending is transport).
    let now = Timestamp::now();
    for chunk in deliveries.chunks(Sqlite::ROWS_PER_INSERT) {
        trip.push_values(INSERT_DELIVERIES, chunk.len(), 7);
        for (event, setting) in chunk {
            trip.bind(Delivery::id_for(event.id.as_str(), setting))?;
            trip.bind(event.id.as_str().to_owned())?;
            trip.bind(setting.to_string())?;
            trip.bind("pending")?;
            trip.bind(0_i32)?;
            trip.bind(now)?;
            trip.bind(event.occurred_at)?;
        }
    }
    trip.push("commit");
    Ok(())
}

#[cfg(test)]
mod tests;
