//! [`NotificationStore`](super::NotificationStore) for both backends, and
//! the outbox write that token changes share: events and their deliveries,
//! in the caller's transaction.

/// Implements `NotificationStore` for `$store` (a `pool` of database `$db`),
/// and gives it `write_events`, used by the client-token writes.
macro_rules! impl_notification_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use async_trait::async_trait;
            use sqlx::Transaction;

            use $crate::domain::{
                Delivery, Environment, Event, EventType, NotificationSetting, Owner, Timestamp,
            };
            use $crate::store::notifications::*;
            use $crate::store::{NotificationStore, StoreError};

            impl $store {
                /// Records `events`, and a pending delivery of each to every
                /// active setting of the owner subscribed to its type.
                pub(in $crate::store) async fn write_events(
                    transaction: &mut Transaction<'_, $db>,
                    owner: &Owner,
                    events: &[Event],
                ) -> Result<(), StoreError> {
                    for event in events {
                        let data = serde_json::to_string(&event.data)
                            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        sqlx::query(INSERT_EVENT)
                            .bind(&event.id)
                            .bind(&owner.account)
                            .bind(owner.environment.as_str())
                            .bind(event.event_type.as_str())
                            .bind(event.occurred_at)
                            .bind(data)
                            .execute(&mut **transaction)
                            .await?;
                        Self::queue_deliveries(
                            transaction,
                            &owner.account,
                            owner.environment,
                            &event.id,
                            event.event_type,
                        )
                        .await?;
                    }
                    Ok(())
                }

                /// A pending delivery of the event to every active setting
                /// of the owner subscribed to its type.
                async fn queue_deliveries(
                    transaction: &mut Transaction<'_, $db>,
                    account: &str,
                    environment: Environment,
                    event_id: &str,
                    event_type: EventType,
                ) -> Result<(), StoreError> {
                    let settings: Vec<(String,)> = sqlx::query_as(SUBSCRIBED_SETTINGS)
                        .bind(account)
                        .bind(environment.as_str())
                        .bind(format!("%,{event_type},%"))
                        .fetch_all(&mut **transaction)
                        .await?;
                    let now = Timestamp::now();
                    for (setting_id,) in settings {
                        sqlx::query(INSERT_DELIVERY)
                            .bind(Delivery::new_id())
                            .bind(event_id)
                            .bind(setting_id)
                            .bind(now)
                            .execute(&mut **transaction)
                            .await?;
                    }
                    Ok(())
                }
            }

            #[async_trait]
            impl NotificationStore for $store {
                async fn insert_notification_setting(
                    &self,
                    setting: &NotificationSetting,
                    sealed_secret: &str,
                ) -> Result<(), StoreError> {
                    sqlx::query(INSERT_SETTING)
                        .bind(&setting.id)
                        .bind(&setting.account)
                        .bind(setting.environment.as_str())
                        .bind(&setting.destination)
                        .bind(EventTypeList(&setting.subscribed_events).to_string())
                        .bind(setting.active)
                        .bind(sealed_secret)
                        .bind(setting.created_at)
                        .bind(setting.updated_at)
                        .execute(self.writer())
                        .await?;
                    Ok(())
                }

                async fn notification_settings(
                    &self,
                    account: &str,
                ) -> Result<Vec<NotificationSetting>, StoreError> {
                    sqlx::query_as::<_, SettingRow>(&select_settings())
                        .bind(account)
                        .fetch_all(self.reader())
                        .await?
                        .into_iter()
                        .map(NotificationSetting::try_from)
                        .collect()
                }

                async fn notification_setting(
                    &self,
                    id: &str,
                ) -> Result<Option<NotificationSetting>, StoreError> {
                    sqlx::query_as::<_, SettingRow>(&select_setting())
                        .bind(id)
                        .fetch_optional(self.reader())
                        .await?
                        .map(NotificationSetting::try_from)
                        .transpose()
                }

                async fn update_notification_setting(
                    &self,
                    setting: &NotificationSetting,
                ) -> Result<bool, StoreError> {
                    let result = sqlx::query(UPDATE_SETTING)
                        .bind(&setting.id)
                        .bind(&setting.destination)
                        .bind(EventTypeList(&setting.subscribed_events).to_string())
                        .bind(setting.active)
                        .bind(setting.updated_at)
                        .execute(self.writer())
                        .await?;
                    Ok(result.rows_affected() == 1)
                }

                async fn delete_notification_setting(&self, id: &str) -> Result<bool, StoreError> {
                    let result = sqlx::query(DELETE_SETTING)
                        .bind(id)
                        .execute(self.writer())
                        .await?;
                    Ok(result.rows_affected() == 1)
                }

                async fn events(&self, account: &str) -> Result<Vec<StoredEvent>, StoreError> {
                    sqlx::query_as::<_, EventRow>(SELECT_EVENTS)
                        .bind(account)
                        .fetch_all(self.reader())
                        .await?
                        .into_iter()
                        .map(StoredEvent::try_from)
                        .collect()
                }

                async fn event(&self, id: &str) -> Result<Option<StoredEvent>, StoreError> {
                    sqlx::query_as::<_, EventRow>(SELECT_EVENT)
                        .bind(id)
                        .fetch_optional(self.reader())
                        .await?
                        .map(StoredEvent::try_from)
                        .transpose()
                }

                async fn delete_events(&self, account: Option<&str>) -> Result<(), StoreError> {
                    match account {
                        Some(account) => {
                            sqlx::query(DELETE_ACCOUNT_EVENTS)
                                .bind(account)
                                .execute(self.writer())
                                .await?
                        }
                        None => {
                            sqlx::query(DELETE_ALL_EVENTS)
                                .execute(self.writer())
                                .await?
                        }
                    };
                    Ok(())
                }

                async fn deliveries(&self, setting_id: &str) -> Result<Vec<Delivery>, StoreError> {
                    sqlx::query_as::<_, DeliveryRow>(&select_deliveries())
                        .bind(setting_id)
                        .fetch_all(self.reader())
                        .await?
                        .into_iter()
                        .map(Delivery::try_from)
                        .collect()
                }

                async fn replay_event(
                    &self,
                    id: &str,
                ) -> Result<Option<Vec<Delivery>>, StoreError> {
                    let Some(event) = self.event(id).await? else {
                        return Ok(None);
                    };
                    let mut transaction = self.writer().begin().await?;
                    Self::queue_deliveries(
                        &mut transaction,
                        &event.account,
                        event.environment,
                        &event.id,
                        event.event_type,
                    )
                    .await?;
                    transaction.commit().await?;
                    sqlx::query_as::<_, DeliveryRow>(&select_event_deliveries())
                        .bind(id)
                        .fetch_all(self.writer())
                        .await?
                        .into_iter()
                        .map(Delivery::try_from)
                        .collect::<Result<Vec<_>, _>>()
                        .map(Some)
                }

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
                            .bind(id)
                            .fetch_optional(self.writer())
                            .await?;
                        if let Some(row) = row {
                            due.push(DueDelivery::try_from(row)?);
                        }
                    }
                    Ok(due)
                }

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
            }
        };
    };
}

pub(super) use impl_notification_store;
