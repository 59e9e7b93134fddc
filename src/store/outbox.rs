//! [`NotificationStore`](super::NotificationStore) for both backends, and
//! the outbox write that token changes share: events and their deliveries,
//! in the caller's transaction.

/// Implements `NotificationStore` for `$store` (a `pool` of database `$db`),
/// and gives it `write_events`, used by the client-token writes.
macro_rules! impl_notification_store {
    ($store:ty, $db:ty) => {
        const _: () = {
            use std::collections::HashMap;

            use async_trait::async_trait;
            use sqlx::{QueryBuilder, Transaction};

            use $crate::domain::{
                Delivery, Environment, Event, EventType, NotificationSetting, Owner, Timestamp,
            };
            use $crate::store::ROWS_PER_INSERT;
            use $crate::store::notifications::*;
            use $crate::store::{NotificationStore, StoreError};

            impl $store {
                /// Records `events` (each with its owner), and a pending
                /// delivery of each to every active setting of its owner
                /// subscribed to its type, in a few multi-row statements.
                pub(in $crate::store) async fn write_events(
                    transaction: &mut Transaction<'_, $db>,
                    events: &[(&Owner, &Event)],
                ) -> Result<(), StoreError> {
                    let data = events
                        .iter()
                        .map(|(_, event)| serde_json::to_string(&event.data))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    let rows: Vec<_> = events.iter().zip(&data).collect();
                    for chunk in rows.chunks(ROWS_PER_INSERT) {
                        let mut insert = QueryBuilder::<$db>::new(INSERT_EVENTS);
                        insert.push_values(chunk, |mut row, ((owner, event), data)| {
                            row.push_bind(event.id.as_str())
                                .push_bind(owner.account.as_str())
                                .push_bind(owner.environment.as_str())
                                .push_bind(event.event_type.as_str())
                                .push_bind(event.occurred_at)
                                .push_bind(data.as_str());
                        });
                        // Its text varies with the number of rows: kept out of the
                        // statement cache, so it can't push out the hot queries.
                        insert
                            .build()
                            .persistent(false)
                            .execute(&mut **transaction)
                            .await?;
                    }
                    // Settings are looked up once per owner and event type.
                    fn key<'a>(
                        (owner, event): &(&'a Owner, &Event),
                    ) -> (&'a str, Environment, EventType) {
                        (owner.account.as_str(), owner.environment, event.event_type)
                    }
                    let mut subscribers = HashMap::new();
                    for key in events.iter().map(key) {
                        if !subscribers.contains_key(&key) {
                            let settings = Self::subscribed_settings(transaction, key).await?;
                            subscribers.insert(key, settings);
                        }
                    }
                    let deliveries: Vec<_> = events
                        .iter()
                        .flat_map(|pair| {
                            let event_id = pair.1.id.as_str();
                            subscribers[&key(pair)]
                                .iter()
                                .map(move |setting| (event_id, setting.as_str()))
                        })
                        .collect();
                    Self::queue_deliveries(transaction, &deliveries).await
                }

                /// The active settings of an owner subscribed to an event type.
                async fn subscribed_settings(
                    transaction: &mut Transaction<'_, $db>,
                    (account, environment, event_type): (&str, Environment, EventType),
                ) -> Result<Vec<String>, StoreError> {
                    let settings: Vec<(String,)> = sqlx::query_as(SUBSCRIBED_SETTINGS)
                        .bind(account)
                        .bind(environment.as_str())
                        .bind(format!("%,{event_type},%"))
                        .fetch_all(&mut **transaction)
                        .await?;
                    Ok(settings.into_iter().map(|(id,)| id).collect())
                }

                /// A pending delivery of each (event id, setting id).
                async fn queue_deliveries(
                    transaction: &mut Transaction<'_, $db>,
                    deliveries: &[(&str, &str)],
                ) -> Result<(), StoreError> {
                    let now = Timestamp::now();
                    for chunk in deliveries.chunks(ROWS_PER_INSERT) {
                        let mut insert = QueryBuilder::<$db>::new(INSERT_DELIVERIES);
                        insert.push_values(chunk, |mut row, (event_id, setting_id)| {
                            row.push_bind(Delivery::new_id())
                                .push_bind(*event_id)
                                .push_bind(*setting_id)
                                .push_bind("pending")
                                .push_bind(0_i32)
                                .push_bind(now)
                                .push_bind(now);
                        });
                        // Its text varies with the number of rows: kept out of the
                        // statement cache, so it can't push out the hot queries.
                        insert
                            .build()
                            .persistent(false)
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
                    let key = (event.account.as_str(), event.environment, event.event_type);
                    let settings = Self::subscribed_settings(&mut transaction, key).await?;
                    let deliveries: Vec<_> = settings
                        .iter()
                        .map(|setting_id| (event.id.as_str(), setting_id.as_str()))
                        .collect();
                    Self::queue_deliveries(&mut transaction, &deliveries).await?;
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
