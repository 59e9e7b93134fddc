//! Notification settings, the events paddock recorded, their deliveries,
//! and replays. Settings' secrets are sealed before they are stored.

use std::sync::Arc;

use super::Mints;
use super::api_keys::SEQUENCE_SKIPS;
use crate::domain::{
    Delivery, NewNotificationSetting, NotificationSetting, NotificationSettingUpdate,
};
use crate::error::{Error, Result};
use crate::secrets::SecretBox;
use crate::store::{Store, StoreError, StoredEvent};

#[derive(Clone)]
pub struct Notifications {
    store: Arc<dyn Store>,
    secrets: SecretBox,
    mints: Arc<Mints>,
}

impl Notifications {
    pub(super) fn new(store: Arc<dyn Store>, secrets: SecretBox, mints: Arc<Mints>) -> Self {
        Self {
            store,
            secrets,
            mints,
        }
    }

    /// A new setting for `account` (created on first use), and its secret,
    /// shown this once.
    pub async fn create_setting(
        &self,
        account: &str,
        new: NewNotificationSetting,
    ) -> Result<(NotificationSetting, String)> {
        let mut attempts = 0;
        loop {
            let mint = self.mints.mint(account).await?;
            self.store.ensure_account(account, mint.now()).await?;
            let (setting, secret) = NotificationSetting::create(
                account,
                new.environment,
                new.destination.clone(),
                new.subscribed_events.clone(),
                new.active,
                &mint,
            );
            let sealed = self.secrets.seal(&secret);
            match self
                .store
                .insert_notification_setting(&setting, &sealed)
                .await
            {
                Ok(()) => return Ok((setting, secret)),
                Err(StoreError::Conflict(_)) if attempts < SEQUENCE_SKIPS => attempts += 1,
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// An account's settings, oldest first.
    pub async fn settings(&self, account: &str) -> Result<Vec<NotificationSetting>> {
        Ok(self.store.notification_settings(account).await?)
    }

    pub async fn setting(&self, id: &str) -> Result<NotificationSetting> {
        let setting = self.store.notification_setting(id).await?;
        setting.ok_or_else(|| Error::NotFound(id.to_owned()))
    }

    /// A setting's signing secret, opened, for the dashboard's "show
    /// secret". Never logged; the caller shows it and forgets it.
    pub async fn reveal_secret(&self, id: &str) -> Result<String> {
        let not_found = || Error::NotFound(id.to_owned());
        let sealed = self.store.notification_setting_secret(id).await?;
        let sealed = sealed.ok_or_else(not_found)?;
        // Sealed under another key (a changed PADDOCK_SECRET_KEY): unusable.
        let secret = self.secrets.open(&sealed).ok_or_else(|| {
            Error::Internal(format!("can't open the secret of notification setting {id}").into())
        })?;
        Ok(secret)
    }

    pub async fn update_setting(
        &self,
        id: &str,
        update: NotificationSettingUpdate,
    ) -> Result<NotificationSetting> {
        let setting = self.setting(id).await?;
        let now = self.mints.now(&setting.account).await?;
        let setting = update.apply(setting, now);
        if !self.store.update_notification_setting(&setting).await? {
            return Err(Error::NotFound(id.to_owned()));
        }
        Ok(setting)
    }

    /// Deletes a setting and its pending deliveries; returns what it was.
    pub async fn delete_setting(&self, id: &str) -> Result<NotificationSetting> {
        let setting = self.setting(id).await?;
        if !self.store.delete_notification_setting(id).await? {
            return Err(Error::NotFound(id.to_owned()));
        }
        Ok(setting)
    }

    /// A setting's deliveries, oldest first.
    pub async fn deliveries(&self, setting_id: &str) -> Result<Vec<Delivery>> {
        self.setting(setting_id).await?;
        Ok(self.store.deliveries(setting_id).await?)
    }

    /// An account's events, oldest first.
    pub async fn events(&self, account: &str) -> Result<Vec<StoredEvent>> {
        Ok(self.store.events(account).await?)
    }

    /// One notification (a delivery) by its `ntf_` id.
    pub async fn delivery(&self, notification_id: &str) -> Result<Delivery> {
        let delivery = self.store.delivery(notification_id).await?;
        delivery.ok_or_else(|| Error::NotFound(notification_id.to_owned()))
    }

    /// Sends a notification's event again to that notification's own
    /// destination only, as a new notification (Paddle's
    /// `POST /notifications/{id}/replay`); returns it.
    pub async fn replay_notification(&self, notification_id: &str) -> Result<Delivery> {
        let not_found = || Error::NotFound(notification_id.to_owned());
        let original = self.delivery(notification_id).await?;
        let event = (self.store.event(&original.event_id).await?).ok_or_else(not_found)?;
        let mint = self.mints.mint(&event.account).await?;
        let replay = format!("rpl_{}", mint.ulid());
        let replayed = (self.store)
            .replay_notification(notification_id, &replay, mint.now())
            .await?;
        replayed.ok_or_else(not_found)
    }

    /// Sends the event again to every setting now subscribed to it; returns
    /// all its deliveries.
    pub async fn replay(&self, event_id: &str) -> Result<Vec<Delivery>> {
        let not_found = || Error::NotFound(event_id.to_owned());
        let event = self.store.event(event_id).await?.ok_or_else(not_found)?;
        let mint = self.mints.mint(&event.account).await?;
        let replay = format!("rpl_{}", mint.ulid());
        let deliveries = self
            .store
            .replay_event(event_id, &replay, mint.now())
            .await?;
        deliveries.ok_or_else(|| Error::NotFound(event_id.to_owned()))
    }
}
