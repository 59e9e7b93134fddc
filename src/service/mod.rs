//! The services: one per entity, each the only path for a write to it and
//! everything that follows from that write. A handler (HTTP, admin API,
//! CLI) parses, calls a service, and renders; the service applies the
//! rules, builds the events, has the store write the change and its events
//! in one transaction, and then brings the caches, the remembered list
//! totals and the notification dispatcher up to date. The store writes
//! what it is given.

mod account_state;
mod accounts;
mod api_key_events;
mod api_keys;
mod client_tokens;
mod key_cache;
mod notifications;
mod provisioning;
mod request_log;
mod rotations;
mod totals;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

pub use account_state::AccountStates;
pub use accounts::{Accounts, ResetReport};
pub use api_key_events::{EXPIRY_WARNING, ExpirySweep};
pub use api_keys::{ApiKeys, KeyListing};
pub use client_tokens::{ClientTokens, Listing};
pub use key_cache::KeyCache;
pub use notifications::Notifications;
pub use provisioning::ProvisionError;
pub use request_log::{LoggedRequest, RequestLog};
pub use rotations::RotationListing;
pub use totals::Totals;

use crate::secrets::SecretBox;
use crate::store::Store;

/// Every service, over one store.
#[derive(Clone)]
pub struct Services {
    pub client_tokens: ClientTokens,
    pub accounts: Accounts,
    pub api_keys: ApiKeys,
    pub notifications: Notifications,
    /// Whole accounts saved and loaded again.
    pub account_state: AccountStates,
    /// The requests each account made, newest last.
    pub request_log: Arc<RequestLog>,
}

impl Services {
    /// `key_cache_ttl`: how long a verified API key is trusted without
    /// asking the database. `dispatch` wakes the notification dispatcher.
    pub fn new(
        store: Arc<dyn Store>,
        secrets: SecretBox,
        key_cache_ttl: Duration,
        dispatch: Arc<Notify>,
    ) -> Self {
        let totals = Arc::new(Totals::default());
        let request_log = Arc::new(RequestLog::default());
        let key_cache = Arc::new(KeyCache::new(key_cache_ttl));
        Self {
            account_state: AccountStates::new(
                store.clone(),
                totals.clone(),
                key_cache.clone(),
                secrets.clone(),
                dispatch.clone(),
            ),
            client_tokens: ClientTokens::new(store.clone(), totals.clone(), dispatch.clone()),
            accounts: Accounts::new(store.clone(), totals, request_log.clone()),
            api_keys: ApiKeys::new(store.clone(), key_cache, secrets.clone(), dispatch.clone()),
            notifications: Notifications::new(store, secrets, dispatch),
            request_log,
        }
    }
}
