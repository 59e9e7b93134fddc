//! The services: one per entity, each the only path for a write to it and
//! everything that follows from that write. A handler (HTTP, admin API,
//! CLI) parses, calls a service, and renders; the service applies the
//! rules, builds the events, has the store write the change and its events
//! in one transaction, and then brings the caches and the remembered list
//! totals up to date. The store writes what it is given, queues the events'
//! deliveries and wakes the dispatcher (see `crate::store::Doorbell`).

mod account_state;
mod accounts;
mod api_key_events;
mod api_keys;
mod catalog;
mod checkouts;
mod client_tokens;
mod journal;
mod key_cache;
mod mints;
mod notifications;
mod previews;
mod provisioning;
mod reveals;
mod rotations;
mod totals;

use std::sync::Arc;
use std::time::Duration;

pub use account_state::AccountStates;
pub use accounts::{Accounts, ResetReport};
pub use api_key_events::{EXPIRY_WARNING, ExpirySweep};
pub use api_keys::{ApiKeys, KeyListing};
pub use catalog::{CatalogListing, Catalogs, TaxSetting};
pub use checkouts::{Checkouts, default_customer};
pub use client_tokens::{ClientTokens, Listing};
pub use journal::{DEFAULT_RETENTION, Journal};
pub use key_cache::KeyCache;
pub use mints::Mints;
pub use notifications::Notifications;
pub use previews::Previews;
pub use provisioning::ProvisionError;
pub use reveals::{Reveal, Reveals};
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
    /// Each account's recognised requests and their answers, newest last.
    pub journal: Arc<Journal>,
    /// Each account's clock and seed.
    pub mints: Arc<Mints>,
    /// Whole accounts saved and loaded again.
    pub account_state: AccountStates,
    /// Price and transaction previews (they write nothing).
    pub previews: Previews,
    /// Each account's products, prices and tax rates.
    pub catalog: Catalogs,
    /// Secrets the dashboard shows once.
    pub reveals: Reveals,
    /// Test-mode checkouts and the purchases made through them.
    pub checkouts: Checkouts,
}

impl Services {
    /// `key_cache_ttl`: how long a verified API key is trusted without
    /// asking the database. `journal_retention`: entries the journal keeps
    /// per account.
    pub fn new(
        store: Arc<dyn Store>,
        secrets: SecretBox,
        key_cache_ttl: Duration,
        mints: Arc<Mints>,
        journal_retention: usize,
    ) -> Self {
        let totals = Arc::new(Totals::default());
        let journal = Arc::new(Journal::new(journal_retention));
        let key_cache = Arc::new(KeyCache::new(key_cache_ttl));
        Self {
            account_state: AccountStates::new(
                store.clone(),
                totals.clone(),
                key_cache.clone(),
                secrets.clone(),
                mints.clone(),
            ),
            catalog: Catalogs::new(store.clone(), mints.clone()),
            checkouts: Checkouts::new(store.clone(), mints.clone()),
            client_tokens: ClientTokens::new(store.clone(), totals.clone(), mints.clone()),
            accounts: Accounts::new(store.clone(), totals, journal.clone(), mints.clone()),
            api_keys: ApiKeys::new(store.clone(), key_cache, secrets.clone(), mints.clone()),
            previews: Previews::new(store.clone()),
            reveals: Reveals::new(store.clone(), secrets.clone()),
            notifications: Notifications::new(store, secrets, mints.clone()),
            journal,
            mints,
        }
    }
}
