//! Persistence behind one interface per entity, implemented once
//! ([`SqlStore`]) for both databases; what differs between Postgres and
//! SQLite is the [`Backend`] trait. All SQL in paddock lives under this
//! module, next to the code that runs it.

mod account_state;
mod account_state_rows;
mod accounts;
mod api_key_events;
mod api_key_rotations;
mod api_keys;
mod bounded;
mod catalog;
mod checkouts;
mod client_tokens;
#[cfg(test)]
mod commit_tests;
mod connect;
mod error;
mod group_commit;
mod notifications;
mod outbox;
#[cfg(test)]
mod paging_plans;
mod postgres;
mod postgres_commit;
mod postgres_tls;
mod read_batch;
mod reveals;
mod rows;
#[cfg(test)]
pub(crate) mod scratch;
mod sql;
mod sqlite;
mod sqlite_commit;
mod timestamp;
mod token_cache;
mod wal_sync;

use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use serde_json::value::RawValue;

use crate::domain::{
    Account, ApiKey, ApiKeyId, ApiKeyRotation, ApiKeyRotationId, ClientToken, ClientTokenId,
    ClientTokenStatus, Clock, Delivery, Environment, Event, ListQuery, NotificationSetting, Owner,
    PageQuery, Seed, Timestamp,
};

pub use account_state::{AccountStateStore, Import};
pub use api_key_events::ApiKeyEventStore;
pub use bounded::too_late;
pub use catalog::CatalogStore;
pub use checkouts::{CheckoutStore, HeldTransaction, PurchaseWrite};
pub use connect::{
    Access, ConnectError, DEFAULT_CACHED_TOKENS, Opened, connect, describe, open, redact_url,
};
pub use error::StoreError;
pub use notifications::{AttemptOutcome, DueDelivery, PendingDeliveries, StoredEvent};
pub use outbox::Doorbell;
pub use postgres::PostgresStore;
pub use reveals::RevealStore;
pub use sql::{Backend, SqlStore};
pub use sqlite::{SqliteStore, is_in_memory_url};

/// Counting stops here: Paddle reports exact totals up to 100,000 and
/// `100001` above that.
pub const COUNT_CAP: u64 = 100_001;

/// A new token and the events it emits, as written together.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Creation<'a> {
    pub owner: &'a Owner,
    pub token: &'a ClientToken,
    pub events: &'a [Event],
}

/// Makes the events of a revocation from the revoked token; called inside
/// the transaction that revokes it, on the committer's task.
pub type EventsFor = Box<dyn Fn(&ClientToken) -> Vec<Event> + Send + Sync>;

/// One page of a list, and whether there are more after it.
#[derive(Clone, Debug)]
pub struct Page {
    /// Shared: a page kept by the cache is served without a copy.
    pub tokens: Arc<[ClientToken]>,
    pub has_more: bool,
    /// The tokens as JSON, written on first use and shared by every copy
    /// of the page: a page the cache serves again isn't serialized again.
    json: Arc<OnceLock<Box<RawValue>>>,
}

impl Page {
    pub fn new(tokens: Vec<ClientToken>, has_more: bool) -> Self {
        Self {
            tokens: tokens.into(),
            has_more,
            json: Arc::default(),
        }
    }

    /// The tokens as a JSON array.
    pub fn tokens_json(&self) -> serde_json::Result<&RawValue> {
        if let Some(json) = self.json.get() {
            return Ok(json);
        }
        let json = serde_json::value::to_raw_value(&*self.tokens)?;
        Ok(self.json.get_or_init(|| json))
    }
}

/// A snapshot of the connection pool, for metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    pub connections: u32,
    pub idle: usize,
    pub max: u32,
}

/// What a revoke request found.
#[derive(Clone, Debug)]
pub enum Revocation {
    /// This request revoked the token.
    Revoked(ClientToken),
    /// The token was revoked before; it is returned unchanged.
    AlreadyRevoked(ClientToken),
}

/// Everything paddock keeps, one interface per entity. The store writes what
/// it is given, in one transaction per call, with the deliveries of its
/// events (queued by the domain's one rule) and, once committed, a ring of
/// the dispatcher's [`Doorbell`]; the rules and the events a write makes
/// are the services' (`crate::service`).
#[async_trait]
pub trait Store:
    ClientTokenStore
    + AccountStore
    + ApiKeyStore
    + ApiKeyRotationStore
    + ApiKeyEventStore
    + NotificationStore
    + AccountStateStore
    + CatalogStore
    + RevealStore
    + CheckoutStore
    + Send
    + Sync
    + 'static
{
    /// Succeeds when the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    fn pool_stats(&self) -> PoolStats;

    /// Waits for open connections to finish and closes them.
    async fn close(&self);
}

#[async_trait]
pub trait ClientTokenStore: Send + Sync {
    /// Stores a new token and its events (the outbox), atomically.
    async fn create_client_token(
        &self,
        owner: &Owner,
        token: &ClientToken,
        events: &[Event],
    ) -> Result<(), StoreError>;

    /// Inserts fixtures for `account`, all or none.
    async fn insert_client_tokens(
        &self,
        account: &str,
        tokens: &[(Environment, ClientToken)],
    ) -> Result<(), StoreError>;

    /// Which of `ids` and token `values` some client token (of any account)
    /// has: to say which fixture a conflict was about.
    async fn taken_client_tokens(
        &self,
        ids: &[&str],
        values: &[&str],
    ) -> Result<Vec<String>, StoreError>;

    async fn client_token(
        &self,
        owner: &Owner,
        id: &ClientTokenId,
    ) -> Result<Option<ClientToken>, StoreError>;

    /// The token whose value is `value`, of any account, with its owner:
    /// how a client-side token sent by Paddle.js is recognised. Always
    /// asked of the database, never of a cache, so that a revocation made
    /// by any replica is seen by the next request.
    async fn client_token_by_value(
        &self,
        value: &str,
    ) -> Result<Option<(Owner, ClientToken)>, StoreError>;

    async fn list_client_tokens(
        &self,
        owner: &Owner,
        query: &ListQuery,
    ) -> Result<Page, StoreError>;

    /// How many of the owner's tokens have one of `statuses`, up to
    /// [`COUNT_CAP`].
    async fn count_client_tokens(
        &self,
        owner: &Owner,
        statuses: &[ClientTokenStatus],
    ) -> Result<u64, StoreError>;

    /// Revokes an active token at `at` and records the events that
    /// `events_for` makes of the revoked token, atomically; `None` when there
    /// is no such token.
    async fn revoke_client_token(
        &self,
        owner: &Owner,
        id: &ClientTokenId,
        at: Timestamp,
        events_for: EventsFor,
    ) -> Result<Option<Revocation>, StoreError>;

    /// Deletes the client tokens and events (with their deliveries) of one
    /// account, or of every account, atomically; returns how many tokens.
    async fn delete_client_tokens(&self, account: Option<&str>) -> Result<u64, StoreError>;
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates the account unless it exists; `true` when this call created it.
    async fn ensure_account(&self, name: &str, at: Timestamp) -> Result<bool, StoreError>;

    async fn account(&self, name: &str) -> Result<Option<Account>, StoreError>;

    /// Every account, by name.
    async fn accounts(&self) -> Result<Vec<Account>, StoreError>;

    /// Sets or clears the account's seed, restarting its sequence; `false`
    /// when there is no such account.
    async fn set_account_seed(&self, name: &str, seed: Option<&Seed>) -> Result<bool, StoreError>;

    /// Sets the account's clock (`None`: its default); `false` when there
    /// is no such account.
    async fn set_account_clock(&self, name: &str, clock: Option<Clock>)
    -> Result<bool, StoreError>;

    /// Numbers the account's next seeded write, atomically across
    /// replicas; `None` when there is no such account.
    async fn next_draw(&self, name: &str) -> Result<Option<u64>, StoreError>;
}

#[async_trait]
pub trait ApiKeyStore: Send + Sync {
    /// Stores a new key and its events, atomically.
    async fn insert_api_key(&self, key: &ApiKey, events: &[Event]) -> Result<(), StoreError>;

    /// Replaces a key's permissions; `false` when there is no such key.
    async fn set_api_key_permissions(&self, key: &ApiKey) -> Result<bool, StoreError>;

    async fn api_key(&self, id: &ApiKeyId) -> Result<Option<ApiKey>, StoreError>;

    /// Every key, oldest first.
    async fn api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// One page of an owner's keys, and whether there are more.
    async fn list_api_keys(
        &self,
        owner: &Owner,
        query: &PageQuery<ApiKeyId>,
    ) -> Result<(Vec<ApiKey>, bool), StoreError>;

    /// How many keys an owner has, up to [`COUNT_CAP`].
    async fn count_api_keys(&self, owner: &Owner) -> Result<u64, StoreError>;

    /// Revokes a key at `at` and records the events `events_for` makes of
    /// the revoked key, atomically; `None` when there is no such key or it
    /// was revoked before.
    async fn revoke_api_key(
        &self,
        id: &ApiKeyId,
        at: Timestamp,
        events_for: &(dyn for<'k> Fn(&'k ApiKey) -> Vec<Event> + Sync),
    ) -> Result<Option<ApiKey>, StoreError>;

    /// Sets `last_used_at` to `at`, unless it is already later than
    /// `unless_since`.
    async fn record_api_key_use(
        &self,
        id: &ApiKeyId,
        at: Timestamp,
        unless_since: Timestamp,
    ) -> Result<(), StoreError>;
}

/// Notification settings, events and their deliveries.
#[async_trait]
pub trait NotificationStore: Send + Sync {
    async fn insert_notification_setting(
        &self,
        setting: &NotificationSetting,
        sealed_secret: &str,
    ) -> Result<(), StoreError>;

    /// An account's settings, oldest first.
    async fn notification_settings(
        &self,
        account: &str,
    ) -> Result<Vec<NotificationSetting>, StoreError>;

    async fn notification_setting(
        &self,
        id: &str,
    ) -> Result<Option<NotificationSetting>, StoreError>;

    /// A setting's secret as sealed, for a person who asks to see it.
    async fn notification_setting_secret(&self, id: &str) -> Result<Option<String>, StoreError>;

    /// Saves destination, subscriptions and active flag; `false` if absent.
    async fn update_notification_setting(
        &self,
        setting: &NotificationSetting,
    ) -> Result<bool, StoreError>;

    /// Deletes a setting and its deliveries; `false` if absent.
    async fn delete_notification_setting(&self, id: &str) -> Result<bool, StoreError>;

    /// An account's events, oldest first.
    async fn events(&self, account: &str) -> Result<Vec<StoredEvent>, StoreError>;

    async fn event(&self, id: &str) -> Result<Option<StoredEvent>, StoreError>;

    /// A setting's deliveries, oldest first.
    async fn deliveries(&self, setting_id: &str) -> Result<Vec<Delivery>, StoreError>;

    /// Queues the event again for every setting now subscribed to it, as
    /// the replay `replay` (a fresh id) made at `at`; returns all its
    /// deliveries, or `None` when there is no such event.
    async fn replay_event(
        &self,
        id: &str,
        replay: &str,
        at: Timestamp,
    ) -> Result<Option<Vec<Delivery>>, StoreError>;

    /// One notification (a delivery), by its `ntf_` id.
    async fn delivery(&self, notification_id: &str) -> Result<Option<Delivery>, StoreError>;

    /// Queues the notification's event again to its own setting only (as
    /// Paddle's notification replay), as the replay `replay` made at `at`;
    /// returns the new notification, or `None` when there is no such one.
    async fn replay_notification(
        &self,
        notification_id: &str,
        replay: &str,
        at: Timestamp,
    ) -> Result<Option<Delivery>, StoreError>;

    /// Leases up to `limit` deliveries due at `now` until `lease_until`, so
    /// that no other sender takes them meanwhile. A sender that dies leaves
    /// them to be taken again when the lease ends.
    async fn claim_due_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<DueDelivery>, StoreError>;

    async fn record_delivery_attempt(
        &self,
        notification_id: &str,
        outcome: &AttemptOutcome,
    ) -> Result<(), StoreError>;

    /// How many deliveries are pending, and since when the oldest: for
    /// `/metrics`.
    async fn pending_deliveries(&self) -> Result<PendingDeliveries, StoreError>;

    /// Rung after every commit that queued deliveries (a write's events, a
    /// replay, an import's pending ones): what the dispatcher waits on.
    fn doorbell(&self) -> Doorbell;
}

/// Rotations of API keys' secrets.
#[async_trait]
pub trait ApiKeyRotationStore: Send + Sync {
    /// Stores a pending rotation (its new key as sealed), cancelling the
    /// key's earlier pending one, with the events `events_for` makes of the
    /// cancelled rotation (if there was one), atomically.
    async fn insert_rotation(
        &self,
        owner: &Owner,
        rotation: &ApiKeyRotation,
        sealed_new_key: &str,
        events_for: &(dyn for<'r> Fn(Option<&'r ApiKeyRotation>) -> Vec<Event> + Sync),
    ) -> Result<(), StoreError>;

    /// Completes a pending rotation at `at`: its new secret becomes the
    /// key's, the old one good for the grace period. Records the events
    /// `events_for` makes, atomically. `None` when the rotation is no longer
    /// pending (another request completed it, or a newer one cancelled it).
    async fn complete_rotation(
        &self,
        key: &ApiKeyId,
        rotation: &ApiKeyRotationId,
        at: Timestamp,
        events_for: &(dyn for<'k> Fn(&'k ApiKey, &'k ApiKeyRotation) -> Vec<Event> + Sync),
    ) -> Result<Option<(ApiKey, ApiKeyRotation)>, StoreError>;

    /// A rotation of `key`, and its new key as sealed.
    async fn rotation(
        &self,
        key: &ApiKeyId,
        id: &ApiKeyRotationId,
    ) -> Result<Option<(ApiKeyRotation, String)>, StoreError>;

    async fn list_rotations(
        &self,
        key: &ApiKeyId,
        query: &PageQuery<ApiKeyRotationId>,
    ) -> Result<(Vec<(ApiKeyRotation, String)>, bool), StoreError>;

    /// How many rotations a key has had, up to [`COUNT_CAP`].
    async fn count_rotations(&self, key: &ApiKeyId) -> Result<u64, StoreError>;
}
