//! The outbox: events and a pending delivery of each to every subscribed
//! notification setting, written in the transaction of the change they
//! report, so that a crash never loses an event nor invents one. Which
//! settings an event goes to is the domain's rule ([`Subscriber::receives`]);
//! the queries here only read an owner's settings. A write that queued
//! deliveries rings the [`Doorbell`] once it has committed.

use std::sync::Arc;

use sqlx::error::BoxDynError;
use sqlx::{Arguments, AssertSqlSafe, Encode, Executor, FromRow, IntoArguments, Transaction, Type};
use tokio::sync::Notify;

use super::sql::values_statement;
use super::{Backend, StoreError};
use crate::domain::{Delivery, Event, Owner, Subscriber, Timestamp, subscribers};

/// Followed by `values` rows: id, account, environment, event_type, occurred_at, data.
pub(super) const INSERT_EVENTS: &str =
    "insert into events (id, account, environment, event_type, occurred_at, data) ";

/// An owner's settings, each as one text, `<id> <active|inactive>
/// <subscribed_events>` (neither an id nor an event type has a space): one
/// text column, which every writer's code already knows how to read.
const OWNER_SETTINGS: &str = "select id || ' ' || \
     (case when active then 'active' else 'inactive' end) || ' ' || subscribed_events \
     from notification_settings where account = $1 and environment = $2 order by id";

/// Followed by `values` rows, in this column order.
pub(super) const INSERT_DELIVERIES: &str = "insert into deliveries \
     (notification_id, event_id, notification_setting_id, status, attempts, next_attempt_at, created_at) ";

/// Wakes the dispatcher: rung by the store after a commit that queued
/// deliveries, and only then (a claim is a write, which SQLite's one writer
/// would otherwise make for nothing). Clones ring the same bell.
#[derive(Clone, Debug, Default)]
pub struct Doorbell(Arc<Notify>);

impl Doorbell {
    /// After the commit of a transaction that queued `queued`.
    pub(super) fn ring(&self, queued: Enqueued) {
        if queued.0 > 0 {
            self.0.notify_one();
        }
    }

    /// Until the next ring (or at once, for a ring nobody waited for yet).
    pub async fn rung(&self) {
        self.0.notified().await;
    }
}

/// How many deliveries a transaction queued: ring the [`Doorbell`] with it
/// once the transaction has committed (see `SqlStore::commit`).
#[must_use = "ring the doorbell with it once the transaction has committed"]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Enqueued(usize);

impl Enqueued {
    pub(super) fn new(deliveries: usize) -> Self {
        Self(deliveries)
    }

    pub(super) fn and(self, other: Self) -> Self {
        Self(self.0 + other.0)
    }
}

/// Records `events` (each with its owner), and a pending delivery of each to
/// every setting that receives it, in a few multi-row statements.
pub(super) async fn write_events<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    events: &[(&Owner, &Event)],
) -> Result<Enqueued, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    let data = events
        .iter()
        .map(|(_, event)| serde_json::to_string(&event.data))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let rows: Vec<_> = events.iter().zip(&data).collect();
    for chunk in rows.chunks(DB::ROWS_PER_INSERT) {
        let statement = values_statement(INSERT_EVENTS, chunk.len(), 6);
        let mut arguments = DB::Arguments::default();
        let bound: Result<(), BoxDynError> = chunk.iter().try_for_each(|((owner, event), data)| {
            arguments.add(event.id.as_str())?;
            arguments.add(owner.account.as_str())?;
            arguments.add(owner.environment.as_str())?;
            arguments.add(event.event_type.as_str())?;
            arguments.add(event.occurred_at)?;
            arguments.add(data.as_str())
        });
        bound.map_err(sqlx::Error::Encode)?;
        // Its text varies with the number of rows: kept out of the
        // statement cache, so it can't push out the hot queries.
        sqlx::query_with(AssertSqlSafe(statement), arguments)
            .persistent(false)
            .execute(&mut **transaction)
            .await?;
    }
    // Each owner's settings are read once.
    let mut settings: Vec<(&Owner, Vec<Subscriber>)> = Vec::new();
    for (owner, _) in events {
        if !settings.iter().any(|(known, _)| known == owner) {
            settings.push((owner, owner_settings(transaction, owner).await?));
        }
    }
    let deliveries: Vec<_> = events
        .iter()
        .flat_map(|(owner, event)| {
            let of_owner = settings.iter().find(|(known, _)| known == owner);
            let of_owner = of_owner.map_or(&[][..], |(_, settings)| settings.as_slice());
            subscribers(of_owner, owner, event.event_type).map(move |setting| Queued {
                event_id: &event.id,
                setting_id: setting,
                occasion: &event.id,
                created_at: event.occurred_at,
            })
        })
        .collect();
    queue_deliveries(transaction, &deliveries).await
}

/// An owner's notification settings, oldest first, for
/// [`Subscriber::receives`] to choose from.
pub(super) async fn owner_settings<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    owner: &Owner,
) -> Result<Vec<Subscriber>, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    let settings: Vec<(String,)> = sqlx::query_as(OWNER_SETTINGS)
        .bind(owner.account.as_str())
        .bind(owner.environment.as_str())
        .fetch_all(&mut **transaction)
        .await?;
    (settings.iter())
        .map(|(text,)| {
            let mut parts = text.splitn(3, ' ');
            let (Some(id), Some(state), Some(types)) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(StoreError::Corrupt(format!("a setting read as `{text}`")));
            };
            Ok(Subscriber::from_stored(
                id.to_owned(),
                owner.account.clone(),
                owner.environment,
                state == "active",
                types,
            ))
        })
        .collect()
}

/// A delivery to queue: an event to a setting, on an occasion (the event
/// itself, or a replay of it) at an instant of the account's clock.
pub(super) struct Queued<'a> {
    pub event_id: &'a str,
    pub setting_id: &'a str,
    pub occasion: &'a str,
    pub created_at: Timestamp,
}

/// A pending delivery of each, due now (real time: sending is transport).
pub(super) async fn queue_deliveries<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    deliveries: &[Queued<'_>],
) -> Result<Enqueued, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
{
    let now = Timestamp::now();
    let ids: Vec<String> = deliveries
        .iter()
        .map(|queued| Delivery::id_for(queued.occasion, queued.setting_id))
        .collect();
    let rows: Vec<_> = ids.iter().zip(deliveries).collect();
    for chunk in rows.chunks(DB::ROWS_PER_INSERT) {
        let statement = values_statement(INSERT_DELIVERIES, chunk.len(), 7);
        let mut arguments = DB::Arguments::default();
        let bound: Result<(), BoxDynError> = chunk.iter().try_for_each(|(id, queued)| {
            arguments.add(id.as_str())?;
            arguments.add(queued.event_id)?;
            arguments.add(queued.setting_id)?;
            arguments.add("pending")?;
            arguments.add(0_i32)?;
            arguments.add(now)?;
            arguments.add(queued.created_at)
        });
        bound.map_err(sqlx::Error::Encode)?;
        // Its text varies with the number of rows: kept out of the
        // statement cache, so it can't push out the hot queries.
        sqlx::query_with(AssertSqlSafe(statement), arguments)
            .persistent(false)
            .execute(&mut **transaction)
            .await?;
    }
    Ok(Enqueued(deliveries.len()))
}

impl<DB: Backend> super::SqlStore<DB> {
    /// Commits a transaction that queued `queued`, then rings the doorbell.
    pub(super) async fn commit(
        &self,
        transaction: Transaction<'_, DB>,
        queued: Enqueued,
    ) -> Result<(), StoreError> {
        transaction.commit().await?;
        self.writes.doorbell().ring(queued);
        Ok(())
    }
}
