//! Recent `estimated_total`s, so that paging through a large list doesn't
//! count up to 100,001 rows on every page.
//!
//! Within one process totals stay exact: every write through it forgets its
//! account's totals, and a count that began before a write is not kept.
//! Writes made by another replica show up within the lifetime below, which
//! is why Paddle calls the figure an estimate.
//!
//! Counting is the dear part, and a burst of list requests must not turn
//! into a burst of counts (each slowing the others, so that more requests
//! arrive to find no total, and count too). So counts run one at a time,
//! and a request that waited for its turn uses the total counted meanwhile;
//! when a total grows old, one request recounts it while the others go on
//! with the old figure.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

use crate::domain::{ClientTokenStatus, Environment, Owner};
use crate::store::{Store, StoreError};

const LIFETIME: Duration = Duration::from_secs(1);
/// After this, a recount that never reported back is presumed lost.
const RECOUNT_TIMEOUT: Duration = Duration::from_secs(10);
const CAPACITY: usize = 10_000;

type Key = (String, Environment, bool, bool);

#[derive(Debug)]
struct Entry {
    total: u64,
    counted_at: Instant,
    recount_since: Option<Instant>,
}

impl Entry {
    fn is_fresh(&self) -> bool {
        self.counted_at.elapsed() < LIFETIME
    }
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    /// Moves on with every forget, so counts begun before it are dropped.
    generation: u64,
}

#[derive(Debug)]
pub struct Totals {
    inner: Mutex<Inner>,
    /// One count at a time.
    counting: Semaphore,
}

impl Default for Totals {
    fn default() -> Self {
        Self {
            inner: Mutex::default(),
            counting: Semaphore::new(1),
        }
    }
}

/// What a list request should do about its total.
#[derive(Debug)]
enum Lookup {
    Known(u64),
    /// Count, with [`Totals::estimate`].
    Count,
}

/// When a count began, relative to the writes that forget totals.
#[derive(Debug)]
struct Ticket {
    generation: u64,
}

fn key(account: &str, environment: Environment, statuses: &[ClientTokenStatus]) -> Key {
    (
        account.to_owned(),
        environment,
        statuses.contains(&ClientTokenStatus::Active),
        statuses.contains(&ClientTokenStatus::Revoked),
    )
}

impl Totals {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The owner's total of tokens with one of `statuses`: remembered, or
    /// counted now.
    pub async fn estimate(
        &self,
        store: &dyn Store,
        owner: &Owner,
        statuses: &[ClientTokenStatus],
    ) -> Result<u64, StoreError> {
        let (account, environment) = (owner.account.as_str(), owner.environment);
        if let Lookup::Known(total) = self.lookup(account, environment, statuses) {
            return Ok(total);
        }
        let _turn = self.counting.acquire().await.expect("never closed");
        // Whoever counted while this request waited may have left a total.
        let ticket = {
            let inner = self.lock();
            let entry = inner.entries.get(&key(account, environment, statuses));
            if let Some(entry) = entry.filter(|entry| entry.is_fresh()) {
                return Ok(entry.total);
            }
            Ticket {
                generation: inner.generation,
            }
        };
        let total = store.count_client_tokens(owner, statuses).await?;
        self.counted(account, environment, statuses, total, ticket);
        Ok(total)
    }

    fn lookup(
        &self,
        account: &str,
        environment: Environment,
        statuses: &[ClientTokenStatus],
    ) -> Lookup {
        let mut inner = self.lock();
        let Some(entry) = inner.entries.get_mut(&key(account, environment, statuses)) else {
            return Lookup::Count;
        };
        let recounting = entry
            .recount_since
            .is_some_and(|since| since.elapsed() < RECOUNT_TIMEOUT);
        if entry.is_fresh() || recounting {
            return Lookup::Known(entry.total);
        }
        entry.recount_since = Some(Instant::now());
        Lookup::Count
    }

    /// Keeps a total counted under `ticket`, unless a write came since.
    fn counted(
        &self,
        account: &str,
        environment: Environment,
        statuses: &[ClientTokenStatus],
        total: u64,
        ticket: Ticket,
    ) {
        let mut inner = self.lock();
        if ticket.generation != inner.generation {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            inner.entries.clear();
        }
        let entry = Entry {
            total,
            counted_at: Instant::now(),
            recount_since: None,
        };
        inner
            .entries
            .insert(key(account, environment, statuses), entry);
    }

    /// After a write: the account's totals may have changed.
    pub fn forget_account(&self, account: &str) {
        let mut inner = self.lock();
        inner.entries.retain(|(owner, ..), _| owner != account);
        inner.generation += 1;
    }

    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: &[ClientTokenStatus] = &[ClientTokenStatus::Active];

    fn lookup(totals: &Totals) -> Lookup {
        totals.lookup("acme", Environment::Sandbox, ACTIVE)
    }

    fn ticket(totals: &Totals) -> Ticket {
        Ticket {
            generation: totals.lock().generation,
        }
    }

    fn counted(totals: &Totals, total: u64, ticket: Ticket) {
        totals.counted("acme", Environment::Sandbox, ACTIVE, total, ticket);
    }

    #[test]
    fn a_count_begun_before_a_write_is_not_kept() {
        let totals = Totals::default();
        let before = ticket(&totals);
        totals.forget_account("other");
        counted(&totals, 7, before);
        assert!(matches!(lookup(&totals), Lookup::Count));
    }

    #[test]
    fn a_write_forgets_the_accounts_totals() {
        let totals = Totals::default();
        counted(&totals, 7, ticket(&totals));
        assert!(matches!(lookup(&totals), Lookup::Known(7)));
        totals.forget_account("acme");
        assert!(matches!(lookup(&totals), Lookup::Count));
    }

    #[test]
    fn an_old_total_is_recounted_by_one_request_while_others_use_it() {
        let totals = Totals::default();
        counted(&totals, 7, ticket(&totals));
        let key = key("acme", Environment::Sandbox, ACTIVE);
        totals.lock().entries.get_mut(&key).unwrap().counted_at -= LIFETIME;
        assert!(matches!(lookup(&totals), Lookup::Count));
        assert!(matches!(lookup(&totals), Lookup::Known(7)));
        counted(&totals, 8, ticket(&totals));
        assert!(matches!(lookup(&totals), Lookup::Known(8)));
    }
}
