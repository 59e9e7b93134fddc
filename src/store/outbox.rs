//! The outbox: events and a pending delivery of each to every subscribed
//! notification setting, written in the transaction of the change they
//! report, so that a crash never loses an event nor invents one.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use sqlx::error::BoxDynError;
use sqlx::{Arguments, AssertSqlSafe, Encode, Executor, FromRow, IntoArguments, Transaction, Type};

use super::sql::values_statement;
use super::{Backend, StoreError};
use crate::domain::{Delivery, Environment, Event, EventType, Owner, Timestamp};

/// Followed by `values` rows: id, account, environment, event_type, occurred_at, data.
pub(super) const INSERT_EVENTS: &str =
    "insert into events (id, account, environment, event_type, occurred_at, data) ";

/// Active settings of an account and environment subscribed to an event type
/// (bound as `%,<type>,%`).
const SUBSCRIBED_SETTINGS: &str = "select id from notification_settings \
     where account = $1 and environment = $2 and active = true \
     and (',' || subscribed_events || ',') like $3 order by id";

/// Followed by `values` rows, in this column order.
pub(super) const INSERT_DELIVERIES: &str = "insert into deliveries \
     (notification_id, event_id, notification_setting_id, status, attempts, next_attempt_at, created_at) ";

/// Which settings an event goes to: an owner and an event type.
type Audience<'a> = (&'a str, Environment, EventType);

/// Records `events` (each with its owner), and a pending delivery of each to
/// every active setting of its owner subscribed to its type, in a few
/// multi-row statements.
pub(super) async fn write_events<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    events: &[(&Owner, &Event)],
) -> Result<(), StoreError>
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
    // Settings are looked up once per owner and event type.
    fn audience<'a>((owner, event): &(&'a Owner, &Event)) -> Audience<'a> {
        (owner.account.as_str(), owner.environment, event.event_type)
    }
    let mut subscribers = HashMap::new();
    for audience in events.iter().map(audience) {
        if let Entry::Vacant(entry) = subscribers.entry(audience) {
            entry.insert(subscribed_settings(transaction, audience).await?);
        }
    }
    let deliveries: Vec<_> = events
        .iter()
        .flat_map(|pair| {
            let event = pair.1;
            subscribers[&audience(pair)]
                .iter()
                .map(move |setting| Queued {
                    event_id: &event.id,
                    setting_id: setting,
                    occasion: &event.id,
                    created_at: event.occurred_at,
                })
        })
        .collect();
    queue_deliveries(transaction, &deliveries).await
}

/// The active settings of an owner subscribed to an event type.
pub(super) async fn subscribed_settings<DB: Backend>(
    transaction: &mut Transaction<'_, DB>,
    (account, environment, event_type): Audience<'_>,
) -> Result<Vec<String>, StoreError>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'r> (String,): FromRow<'r, DB::Row>,
{
    let pattern = format!("%,{event_type},%");
    let settings: Vec<(String,)> = sqlx::query_as(SUBSCRIBED_SETTINGS)
        .bind(account)
        .bind(environment.as_str())
        .bind(pattern.as_str())
        .fetch_all(&mut **transaction)
        .await?;
    Ok(settings.into_iter().map(|(id,)| id).collect())
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
) -> Result<(), StoreError>
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
    Ok(())
}
