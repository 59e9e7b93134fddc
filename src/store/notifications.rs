//! Notification settings, events and deliveries: their statements, and
//! [`NotificationStore`] for [`SqlStore`]. Events and deliveries are
//! written with the change they report (see `outbox`).

use std::sync::LazyLock;

use async_trait::async_trait;
use serde_json::value::RawValue;
use sqlx::{Encode, Executor, FromRow, IntoArguments, Type};

use super::outbox::{Doorbell, Queued, owner_settings, queue_deliveries};
use super::rows::{DeliveryRow, DueRow, EventRow, SettingRow};
use super::{Backend, NotificationStore, SqlStore, StoreError};
use crate::domain::{
    Delivery, Environment, EventType, NotificationSetting, Owner, Timestamp, subscribers,
};

const SETTING_COLUMNS: &str =
    "id, account, environment, destination, subscribed_events, active, created_at, updated_at";

static SELECT_SETTINGS: LazyLock<String> = LazyLock::new(|| {
    format!("select {SETTING_COLUMNS} from notification_settings where account = $1 order by id")
});

static SELECT_SETTING: LazyLock<String> =
    LazyLock::new(|| format!("select {SETTING_COLUMNS} from notification_settings where id = $1"));

const INSERT_SETTING: &str = "insert into notification_settings \
     (id, account, environment, destination, subscribed_events, active, secret, created_at, updated_at) \
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const UPDATE_SETTING: &str = "update notification_settings \
     set destination = $2, subscribed_events = $3, active = $4, updated_at = $5 where id = $1";

const SELECT_SECRET: &str = "select secret from notification_settings where id = $1";

const DELETE_SETTING: &str = "delete from notification_settings where id = $1";

const SELECT_EVENTS: &str = "select id, account, environment, event_type, occurred_at, data \
     from events where account = $1 order by id";

const SELECT_EVENT: &str = "select id, account, environment, event_type, occurred_at, data \
     from events where id = $1";

const DELIVERY_COLUMNS: &str = "notification_id, event_id, notification_setting_id, status, attempts, \
     next_attempt_at, last_response_code, last_error, delivered_at, created_at";

static SELECT_DELIVERIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select {DELIVERY_COLUMNS} from deliveries where notification_setting_id = $1 \
         order by created_at, notification_id"
    )
});

static SELECT_DELIVERY: LazyLock<String> = LazyLock::new(|| {
    format!("select {DELIVERY_COLUMNS} from deliveries where notification_id = $1")
});

static SELECT_EVENT_DELIVERIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select {DELIVERY_COLUMNS} from deliveries where event_id = $1 \
         order by created_at, notification_id"
    )
});

/// Leases up to `$3` due deliveries until `$2`. The conditions are repeated
/// outside the subquery so that, on Postgres, a row another replica leased
/// meanwhile is re-checked and skipped.
const CLAIM_DUE: &str = "update deliveries set lease_until = $2 \
     where notification_id in (select notification_id from deliveries \
         where status = 'pending' and next_attempt_at <= $1 \
         and (lease_until is null or lease_until < $1) \
         order by next_attempt_at limit $3) \
     and status = 'pending' and (lease_until is null or lease_until < $1) \
     returning notification_id";

const SELECT_DUE: &str = "select d.notification_id, d.attempts, e.id as event_id, \
     e.event_type, e.occurred_at, e.data, s.destination, s.secret \
     from deliveries d join events e on e.id = d.event_id \
     join notification_settings s on s.id = d.notification_setting_id \
     where d.notification_id = $1";

const RECORD_ATTEMPT: &str = "update deliveries set status = $2, attempts = attempts + 1, \
     next_attempt_at = $3, lease_until = null, last_response_code = $4, last_error = $5, \
     delivered_at = $6 where notification_id = $1";

/// Pending deliveries, due or awaiting a retry; answered from the
/// `deliveries_due` index.
const SELECT_PENDING: &str =
    "select count(*), min(created_at) from deliveries where status = 'pending'";

/// The delivery queue at a glance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PendingDeliveries {
    pub count: u64,
    /// When the oldest pending delivery was queued; `None` when none is.
    pub oldest: Option<Timestamp>,
}

/// An event as stored: its `data` is the JSON that is sent.
#[derive(Debug, serde::Serialize)]
pub struct StoredEvent {
    pub id: String,
    #[serde(skip)]
    pub account: String,
    pub environment: Environment,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    pub data: Box<RawValue>,
}

/// A delivery that is due, with all it takes to send it.
#[derive(Debug)]
pub struct DueDelivery {
    pub notification_id: String,
    pub attempts: u32,
    pub event_id: String,
    pub event_type: EventType,
    pub occurred_at: Timestamp,
    pub data: Box<RawValue>,
    pub destination: String,
    /// The setting's secret, sealed (see [`crate::secrets`]).
    pub sealed_secret: String,
}

/// What an attempt to deliver came to.
#[derive(Clone, Debug)]
pub struct AttemptOutcome {
    pub status: crate::domain::DeliveryStatus,
    pub next_attempt_at: Option<Timestamp>,
    pub response_code: Option<u16>,
    pub error: Option<String>,
    pub delivered_at: Option<Timestamp>,
}

/// Event types as stored: comma-separated.
pub struct EventTypeList<'a>(pub &'a [EventType]);

impl std::fmt::Display for EventTypeList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&EventType::join(self.0))
    }
}

#[async_trait]
impl<DB: Backend> NotificationStore for SqlStore<DB>
where
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB> + Default,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    for<'q> Option<&'q str>: Encode<'q, DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
    for<'q> i32: Encode<'q, DB> + Type<DB>,
    for<'q> Option<i32>: Encode<'q, DB>,
    for<'q> i64: Encode<'q, DB> + Type<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'q> Option<Timestamp>: Encode<'q, DB>,
    for<'r> SettingRow: FromRow<'r, DB::Row>,
    for<'r> EventRow: FromRow<'r, DB::Row>,
    for<'r> DeliveryRow: FromRow<'r, DB::Row>,
    for<'r> DueRow: FromRow<'r, DB::Row>,
    for<'r> (String,): FromRow<'r, DB::Row>,
    for<'r> (i64, Option<Timestamp>): FromRow<'r, DB::Row>,
{
    #[tracing::instrument(level = "debug", skip_all)]
    async fn insert_notification_setting(
        &self,
        setting: &NotificationSetting,
        sealed_secret: &str,
    ) -> Result<(), StoreError> {
        let subscribed_events = EventTypeList(&setting.subscribed_events).to_string();
        sqlx::query(INSERT_SETTING)
            .bind(setting.id.as_str())
            .bind(setting.account.as_str())
            .bind(setting.environment.as_str())
            .bind(setting.destination.as_str())
            .bind(subscribed_events.as_str())
            .bind(setting.active)
            .bind(sealed_secret)
            .bind(setting.created_at)
            .bind(setting.updated_at)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn notification_settings(
        &self,
        account: &str,
    ) -> Result<Vec<NotificationSetting>, StoreError> {
        sqlx::query_as::<_, SettingRow>(SELECT_SETTINGS.as_str())
            .bind(account)
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(NotificationSetting::try_from)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn notification_setting(
        &self,
        id: &str,
    ) -> Result<Option<NotificationSetting>, StoreError> {
        sqlx::query_as::<_, SettingRow>(SELECT_SETTING.as_str())
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .map(NotificationSetting::try_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn notification_setting_secret(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query_as::<_, (String,)>(SELECT_SECRET)
            .bind(id)
            .fetch_optional(&self.reader)
            .await?;
        Ok(row.map(|(sealed,)| sealed))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn update_notification_setting(
        &self,
        setting: &NotificationSetting,
    ) -> Result<bool, StoreError> {
        let subscribed_events = EventTypeList(&setting.subscribed_events).to_string();
        let result = sqlx::query(UPDATE_SETTING)
            .bind(setting.id.as_str())
            .bind(setting.destination.as_str())
            .bind(subscribed_events.as_str())
            .bind(setting.active)
            .bind(setting.updated_at)
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delete_notification_setting(&self, id: &str) -> Result<bool, StoreError> {
        let result = sqlx::query(DELETE_SETTING)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(DB::rows_affected(&result) == 1)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn events(&self, account: &str) -> Result<Vec<StoredEvent>, StoreError> {
        sqlx::query_as::<_, EventRow>(SELECT_EVENTS)
            .bind(account)
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(StoredEvent::try_from)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn event(&self, id: &str) -> Result<Option<StoredEvent>, StoreError> {
        sqlx::query_as::<_, EventRow>(SELECT_EVENT)
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
            .map(StoredEvent::try_from)
            .transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn deliveries(&self, setting_id: &str) -> Result<Vec<Delivery>, StoreError> {
        sqlx::query_as::<_, DeliveryRow>(SELECT_DELIVERIES.as_str())
            .bind(setting_id)
            .fetch_all(&self.reader)
            .await?
            .into_iter()
            .map(Delivery::try_from)
            .collect()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn replay_event(
        &self,
        id: &str,
        replay: &str,
        at: Timestamp,
    ) -> Result<Option<Vec<Delivery>>, StoreError> {
        let Some(event) = self.event(id).await? else {
            return Ok(None);
        };
        let mut transaction = self.writer().begin().await?;
        let owner = Owner {
            account: event.account.clone(),
            environment: event.environment,
        };
        let settings = owner_settings(&mut transaction, &owner).await?;
        let deliveries: Vec<_> = subscribers(&settings, &owner, event.event_type)
            .map(|setting_id| Queued {
                event_id: &event.id,
                setting_id,
                occasion: replay,
                created_at: at,
            })
            .collect();
        let queued = queue_deliveries(&mut transaction, &deliveries).await?;
        self.commit(transaction, queued).await?;
        sqlx::query_as::<_, DeliveryRow>(SELECT_EVENT_DELIVERIES.as_str())
            .bind(id)
            .fetch_all(self.writer())
            .await?
            .into_iter()
            .map(Delivery::try_from)
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn delivery(&self, notification_id: &str) -> Result<Option<Delivery>, StoreError> {
        let row = sqlx::query_as::<_, DeliveryRow>(SELECT_DELIVERY.as_str())
            .bind(notification_id)
            .fetch_optional(self.writer())
            .await?;
        row.map(Delivery::try_from).transpose()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn replay_notification(
        &self,
        notification_id: &str,
        replay: &str,
        at: Timestamp,
    ) -> Result<Option<Delivery>, StoreError> {
        let Some(original) = self.delivery(notification_id).await? else {
            return Ok(None);
        };
        let setting_id = original.notification_setting_id.as_str();
        let mut transaction = self.writer().begin().await?;
        let again = Queued {
            event_id: &original.event_id,
            setting_id,
            occasion: replay,
            created_at: at,
        };
        let queued = queue_deliveries(&mut transaction, &[again]).await?;
        self.commit(transaction, queued).await?;
        self.delivery(&Delivery::id_for(replay, setting_id)).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn claim_due_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError> {
        let claimed: Vec<(String,)> = sqlx::query_as(CLAIM_DUE)
            .bind(now)
            .bind(lease_until)
            .bind(i64::from(limit))
            .fetch_all(self.writer())
            .await?;
        let mut due = Vec::with_capacity(claimed.len());
        for (id,) in claimed {
            let row = sqlx::query_as::<_, DueRow>(SELECT_DUE)
                .bind(id.as_str())
                .fetch_optional(self.writer())
                .await?;
            if let Some(row) = row {
                due.push(DueDelivery::try_from(row)?);
            }
        }
        Ok(due)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn record_delivery_attempt(
        &self,
        notification_id: &str,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError> {
        sqlx::query(RECORD_ATTEMPT)
            .bind(notification_id)
            .bind(outcome.status.as_str())
            .bind(outcome.next_attempt_at)
            .bind(outcome.response_code.map(i32::from))
            .bind(outcome.error.as_deref())
            .bind(outcome.delivered_at)
            .execute(self.writer())
            .await?;
        Ok(())
    }

    fn doorbell(&self) -> Doorbell {
        self.writes.doorbell().clone()
    }

    #[tracing::instrument(level = "debug", skip_all)]
    async fn pending_deliveries(&self) -> Result<PendingDeliveries, StoreError> {
        let (count, oldest): (i64, Option<Timestamp>) = sqlx::query_as(SELECT_PENDING)
            .fetch_one(&self.reader)
            .await?;
        Ok(PendingDeliveries {
            count: u64::try_from(count).unwrap_or(0),
            oldest,
        })
    }
}
