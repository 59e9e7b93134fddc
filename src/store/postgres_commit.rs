//! How Postgres commits a group of writes (see `group_commit`): in as few
//! round trips as the group allows, each statement's rows bound as arrays
//! and spread with `unnest`, so that its text is the same whatever the
//! group's size and stays prepared on its connection.
//!
//! A group of creations takes two trips: the owners' settings are read, then
//! one statement inserts the tokens, their events and the deliveries. Being
//! a single statement it is its own transaction, committed (and, with
//! `synchronous_commit` on, durable) when it returns; no `begin` and
//! `commit` trips. The settings are read before it, outside its
//! transaction, but a read inside (read committed) would be no fresher: a
//! setting made meanwhile misses these events, as it would had it come a
//! moment later; one deleted meanwhile fails the group (a foreign key), and
//! its writes are retried alone.
//!
//! A group with revocations can't be one statement: the events of a
//! revocation are made in Rust from the revoked token, so it takes a
//! transaction of four trips: begin, revoke (reading the settings too),
//! insert, commit; five if it creates tokens too, inserted first.
//!
//! A group is committed by its deadline (`group_commit`), less the time
//! kept to learn what became of a commit whose answer never came (see
//! `landing`): the session and, in a transaction, its transaction id ride
//! on the first reads, so that costs no trip while all goes well.

use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgRow;
use sqlx::{Connection, FromRow, PgConnection, Pool, Postgres, Row};
use tokio::time::Instant;

use self::landing::{Check, Suspect};
use super::bounded;
use super::group_commit::{CommitWrites, Committed, Write, Written};
use super::outbox::Enqueued;
use super::rows::ClientTokenRow;
use super::{Creation, Revocation, StoreError};
use crate::domain::{ClientToken, Delivery, Event, Owner, Subscriber, Timestamp, subscribers};

/// The settings of the owners bound as two arrays (accounts, environments),
/// after a row of `kind` `session` whose `pid` is the session's.
const OWNERS_SETTINGS: &str = "select 'session' as kind, pg_backend_pid() as pid, \
     null as account, null as environment, null as id, null::boolean as active, \
     null as subscribed_events \
     union all \
     select 'setting', null, account, environment, id, active, subscribed_events \
     from notification_settings \
     where (account, environment) in (select * from unnest($1::text[], $2::text[])) order by id";

/// Time kept back from a group's deadline to learn whether a commit whose
/// answer never came landed.
const LANDING_RESERVE: Duration = Duration::from_millis(400);

/// Inserts new tokens ($1 to $10), events ($11 to $16) and their deliveries
/// ($17 to $20, due at $21), each column an array. The inserts see none of
/// each other's rows, but foreign keys are checked at the end of the
/// statement, when all are in.
const INSERT_WRITTEN: &str = "with tokens as (\
         insert into client_tokens (id, account, environment, token, name, description, \
         status, revoked_at, created_at, updated_at) \
         select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
         $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::timestamptz[])\
     ), new_events as (\
         insert into events (id, account, environment, event_type, occurred_at, data) \
         select * from unnest($11::text[], $12::text[], $13::text[], $14::text[], \
         $15::timestamptz[], $16::text[])\
     ) \
     insert into deliveries (notification_id, event_id, notification_setting_id, status, \
     attempts, next_attempt_at, created_at) \
     select notification_id, event_id, setting_id, 'pending', 0, $21::timestamptz, created_at \
     from unnest($17::text[], $18::text[], $19::text[], $20::timestamptz[]) \
     as d (notification_id, event_id, setting_id, created_at)";

/// Revokes, in order, the tokens bound as arrays of accounts, environments,
/// ids and instants, and reads the settings of the owners bound as $5 and
/// $6. Rows say what they are in `kind`: `revoked` by the write numbered
/// `ordinal` (from 1), `found` as that write left it, a `setting`, or the
/// `session`: its process id as `ordinal`, its transaction's id as `id`.
///
/// Only an active token is revoked, so concurrent revokes agree on one
/// winner; within the group, its first write of a token wins (one update
/// per row and statement). The other writes of a token revoked here see it
/// revoked. A token not revoked here is locked for its read: if another
/// transaction is revoking it, the read waits and sees it revoked, as a
/// statement after that commit would, rather than as this statement's
/// snapshot had it.
const REVOKE: &str = "with wanted as (\
         select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) \
         with ordinality as w (account, environment, id, at, ordinal)\
     ), firsts as (\
         select distinct on (account, environment, id) * from wanted \
         order by account, environment, id, ordinal\
     ), revoked as (\
         update client_tokens t set status = 'revoked', revoked_at = f.at, updated_at = f.at \
         from firsts f \
         where t.account = f.account and t.environment = f.environment and t.id = f.id \
         and t.status = 'active' \
         returning f.ordinal, t.account, t.environment, t.id, t.token, t.name, t.description, \
         t.status, t.revoked_at, t.created_at, t.updated_at\
     ), untouched as (\
         select w.ordinal, t.id, t.token, t.name, t.description, t.status, t.revoked_at, \
         t.created_at, t.updated_at \
         from wanted w join client_tokens t \
         on t.account = w.account and t.environment = w.environment and t.id = w.id \
         where not exists (select from revoked r where r.id = t.id) \
         for share of t\
     ) \
     select case when r.ordinal = w.ordinal then 'revoked' else 'found' end as kind, \
     w.ordinal, r.id, r.token, r.name, r.description, r.status, r.revoked_at, r.created_at, \
     r.updated_at, null as account, null as environment, null::boolean as active, \
     null as subscribed_events \
     from wanted w join revoked r \
     on r.account = w.account and r.environment = w.environment and r.id = w.id \
     union all \
     select 'found', ordinal, id, token, name, description, status, revoked_at, created_at, \
     updated_at, null, null, null, null from untouched \
     union all \
     select 'setting', null, id, null, null, null, null, null, null, null, account, \
     environment, active, subscribed_events from notification_settings \
     where (account, environment) in (select * from unnest($5::text[], $6::text[])) \
     union all \
     select 'session', pg_backend_pid(), txid_current()::text, null, null, null, null, null, \
     null, null, null, null, null, null";

impl CommitWrites for Pool<Postgres> {
    /// Across a network that may fail: bounded, and what became of a commit
    /// whose answer was lost is learnt by the deadline where it can be.
    const ANSWERS_BY_DEADLINE: bool = true;

    /// Durable on return: Postgres syncs within the commit.
    async fn commit_writes(
        &self,
        writes: &[&Write],
        deadline: Instant,
    ) -> Result<Committed, StoreError> {
        let (written, queued) = commit(self, writes, deadline).await?;
        Ok(Committed {
            written,
            queued,
            syncing: None,
        })
    }
}

/// What a group wrote, once committed.
type Outcome = (Vec<Written>, Enqueued);

/// A commit sent whose answer may not come: what it wrote, and how to
/// learn whether it landed.
struct Sent {
    outcome: Outcome,
    suspect: Suspect,
}

async fn commit(
    pool: &Pool<Postgres>,
    writes: &[&Write],
    deadline: Instant,
) -> Result<Outcome, StoreError> {
    let commit_by = deadline - LANDING_RESERVE;
    if Instant::now() >= commit_by {
        return Err(bounded::too_late());
    }
    let mut connection = bounded::by(commit_by, pool.acquire()).await?;
    let mut sent = None;
    let error = match bounded::by(commit_by, trips(&mut connection, writes, &mut sent)).await {
        Ok(outcome) => return Ok(outcome),
        Err(error) => error,
    };
    if !matches!(error, StoreError::Unavailable(_)) {
        // Postgres answered: the transaction is over, the connection fine.
        return Err(error);
    }
    // Cut, or cut off by the deadline mid-statement: not for another use.
    connection.close_on_drop();
    drop(connection);
    let Some(Sent { outcome, suspect }) = sent else {
        return Err(error);
    };
    match landing::landed(pool, &suspect, deadline).await {
        Some(true) => {
            tracing::warn!(%error, "a commit's answer was lost, but it landed");
            Ok(outcome)
        }
        Some(false) => Err(error),
        None => {
            tracing::error!(%error, "a commit's answer was lost, and whether it landed can't be learnt");
            Err(error)
        }
    }
}

/// The group's trips. Before the one that commits, `sent` is set to what
/// it wrote and how to learn whether it landed.
async fn trips(
    connection: &mut PoolConnection<Postgres>,
    writes: &[&Write],
    sent: &mut Option<Sent>,
) -> Result<Outcome, StoreError> {
    let owners = Owners::of(writes);
    let creations: Vec<_> = writes.iter().filter_map(|write| write.creation()).collect();
    if creations.len() == writes.len() {
        let rows = sqlx::query(OWNERS_SETTINGS)
            .bind(&owners.accounts)
            .bind(&owners.environments)
            .fetch_all(&mut **connection)
            .await?;
        let (sessions, settings): (Vec<_>, Vec<_>) = rows
            .iter()
            .partition(|row| row.try_get("kind").ok() == Some("session"));
        let session = sessions
            .first()
            .ok_or_else(|| StoreError::Corrupt("the settings' read answered no session".into()))?;
        let settings = Settings::read(settings)?;
        let events = creation_events(writes);
        // One statement, its own transaction: its tokens are there or not.
        let ids = creations
            .iter()
            .map(|c| c.token.id.as_str().to_owned())
            .collect();
        let suspect = Suspect {
            pid: session.try_get("pid")?,
            check: Check::Tokens(ids),
        };
        let written: Vec<_> = writes.iter().map(|_| Written::Created).collect();
        let queued = Enqueued::new(count_deliveries(&events, &settings));
        *sent = Some(Sent {
            outcome: (written, queued),
            suspect,
        });
        let queued = insert(connection, &creations, &events, &settings).await?;
        let (written, _) = sent.take().expect("set before the commit").outcome;
        return Ok((written, queued));
    }
    let mut transaction = connection.begin().await?;
    if !creations.is_empty() {
        // Before the revocations, which may be of these tokens.
        let _no_events = insert(&mut transaction, &creations, &[], &Settings::default()).await?;
    }
    let (revocations, settings, session) = revoke(&mut transaction, writes, &owners).await?;
    let mut events = creation_events(writes);
    let mut written = Vec::with_capacity(writes.len());
    for (write, revocation) in writes.iter().zip(revocations) {
        match write {
            Write::Create { .. } => written.push(Written::Created),
            Write::Revoke {
                owner, events_for, ..
            } => written.push(Written::Revoked(revocation.map(|(revoked, token)| {
                if revoked {
                    events.extend(events_for(&token).into_iter().map(|event| (owner, event)));
                    Revocation::Revoked(token)
                } else {
                    Revocation::AlreadyRevoked(token)
                }
            }))),
        }
    }
    let queued = insert(&mut transaction, &[], &events, &settings).await?;
    *sent = Some(Sent {
        outcome: (written, queued),
        suspect: session,
    });
    transaction.commit().await?;
    let sent = sent.take().expect("set before the commit");
    Ok(sent.outcome)
}

/// The distinct owners of a group, as the two arrays the statements bind.
struct Owners {
    accounts: Vec<String>,
    environments: Vec<&'static str>,
}

impl Owners {
    fn of(writes: &[&Write]) -> Self {
        let mut owners = Self {
            accounts: Vec::new(),
            environments: Vec::new(),
        };
        for write in writes {
            let (Write::Create { owner, .. } | Write::Revoke { owner, .. }) = write;
            let environment = owner.environment.as_str();
            let known = (owners.accounts.iter().zip(&owners.environments))
                .any(|(account, known)| *account == owner.account && *known == environment);
            if !known {
                owners.accounts.push(owner.account.clone());
                owners.environments.push(environment);
            }
        }
        owners
    }
}

/// The settings of the group's owners, in order of id. A handful, so looked
/// through rather than indexed.
#[derive(Default)]
struct Settings(Vec<Subscriber>);

impl Settings {
    fn read<'r>(rows: impl IntoIterator<Item = &'r PgRow>) -> Result<Self, StoreError> {
        let setting = |row: &PgRow| -> Result<_, StoreError> {
            let environment: &str = row.try_get("environment")?;
            Ok(Subscriber::from_stored(
                row.try_get("id")?,
                row.try_get("account")?,
                environment.parse().map_err(StoreError::Corrupt)?,
                row.try_get("active")?,
                row.try_get("subscribed_events")?,
            ))
        };
        let settings = rows.into_iter().map(setting).collect::<Result<_, _>>()?;
        Ok(Self(settings))
    }

    /// The ids of the settings that receive the owner's event.
    fn subscribed<'a>(&'a self, owner: &'a Owner, event: &Event) -> impl Iterator<Item = &'a str> {
        subscribers(&self.0, owner, event.event_type)
    }
}

fn creation_events<'w>(writes: &[&'w Write]) -> Vec<(&'w Owner, Event)> {
    let mut events = Vec::new();
    for &write in writes {
        if let Write::Create {
            owner,
            events: emitted,
            ..
        } = write
        {
            events.extend(emitted.iter().map(|event| (owner, event.clone())));
        }
    }
    events
}

/// Inserts the tokens of `creations`, `events`, and a pending delivery of
/// each event to every setting that receives it: one statement. Returns how
/// many deliveries.
async fn insert(
    connection: &mut PgConnection,
    creations: &[Creation<'_>],
    events: &[(&Owner, Event)],
    settings: &Settings,
) -> Result<Enqueued, StoreError> {
    if creations.is_empty() && events.is_empty() {
        // Revocations that all found their tokens revoked already.
        return Ok(Enqueued::default());
    }
    let data = events
        .iter()
        .map(|(_, event)| serde_json::to_string(&event.data))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut deliveries = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (owner, event) in events {
        for setting in settings.subscribed(owner, event) {
            deliveries.0.push(Delivery::id_for(&event.id, setting));
            deliveries.1.push(event.id.as_str());
            deliveries.2.push(setting);
            deliveries.3.push(event.occurred_at);
        }
    }
    let queued = Enqueued::new(deliveries.0.len());
    sqlx::query(INSERT_WRITTEN)
        .bind(column(creations, |c| c.token.id.as_str()))
        .bind(column(creations, |c| c.owner.account.as_str()))
        .bind(column(creations, |c| c.owner.environment.as_str()))
        .bind(column(creations, |c| c.token.token.as_str()))
        .bind(column(creations, |c| c.token.name.as_str()))
        .bind(column(creations, |c| c.token.description.as_deref()))
        .bind(column(creations, |c| c.token.status.as_str()))
        .bind(column(creations, |c| c.token.revoked_at))
        .bind(column(creations, |c| c.token.created_at))
        .bind(column(creations, |c| c.token.updated_at))
        .bind(column(events, |(_, event)| event.id.as_str()))
        .bind(column(events, |(owner, _)| owner.account.as_str()))
        .bind(column(events, |(owner, _)| owner.environment.as_str()))
        .bind(column(events, |(_, event)| event.event_type.as_str()))
        .bind(column(events, |(_, event)| event.occurred_at))
        .bind(data)
        .bind(deliveries.0)
        .bind(deliveries.1)
        .bind(deliveries.2)
        .bind(deliveries.3)
        // Due now (real time: sending is transport).
        .bind(Timestamp::now())
        .execute(connection)
        .await?;
    Ok(queued)
}

/// How many deliveries [`insert`] queues for `events`.
fn count_deliveries(events: &[(&Owner, Event)], settings: &Settings) -> usize {
    let each = |(owner, event): &(&Owner, Event)| settings.subscribed(owner, event).count();
    events.iter().map(each).sum()
}

/// One column of `rows`, to bind as an array.
fn column<'r, R, T>(rows: &'r [R], value: impl Fn(&'r R) -> T) -> Vec<T> {
    rows.iter().map(value).collect()
}

/// Per write, in order: the token as its revocation left it (`None` for a
/// creation, or a token the owner doesn't have), and whether this write
/// revoked it; and the settings of the group's owners.
type Revocations = Vec<Option<(bool, ClientToken)>>;

async fn revoke(
    connection: &mut PgConnection,
    writes: &[&Write],
    owners: &Owners,
) -> Result<(Revocations, Settings, Suspect), StoreError> {
    let mut revokes = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // Each revocation's ordinal among the revocations, back to its write.
    let mut indexes = Vec::new();
    for (index, write) in writes.iter().enumerate() {
        if let Write::Revoke { owner, id, at, .. } = write {
            revokes.0.push(owner.account.as_str());
            revokes.1.push(owner.environment.as_str());
            revokes.2.push(id.as_str());
            revokes.3.push(*at);
            indexes.push(index);
        }
    }
    let rows = sqlx::query(REVOKE)
        .bind(revokes.0)
        .bind(revokes.1)
        .bind(revokes.2)
        .bind(revokes.3)
        .bind(&owners.accounts)
        .bind(&owners.environments)
        .fetch_all(connection)
        .await?;
    let mut revocations: Revocations = writes.iter().map(|_| None).collect();
    let mut settings = Vec::new();
    let mut session = None;
    for row in &rows {
        let kind: &str = row.try_get("kind")?;
        if kind == "setting" {
            settings.push(row);
            continue;
        }
        if kind == "session" {
            let pid: i64 = row.try_get("ordinal")?;
            let xid: &str = row.try_get("id")?;
            session = Some(Suspect {
                pid: i32::try_from(pid).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                check: Check::Transaction(
                    xid.parse()
                        .map_err(|_| StoreError::Corrupt(format!("a transaction id {xid}")))?,
                ),
            });
            continue;
        }
        let ordinal: i64 = row.try_get("ordinal")?;
        let index = usize::try_from(ordinal - 1)
            .ok()
            .and_then(|ordinal| indexes.get(ordinal))
            .ok_or_else(|| StoreError::Corrupt(format!("a revocation's ordinal {ordinal}")))?;
        let token = ClientToken::try_from(ClientTokenRow::from_row(row)?)?;
        revocations[*index] = Some((kind == "revoked", token));
    }
    let session = session.ok_or_else(|| StoreError::Corrupt("no session row".into()))?;
    Ok((revocations, Settings::read(settings)?, session))
}

mod landing;
#[cfg(test)]
mod tests;
