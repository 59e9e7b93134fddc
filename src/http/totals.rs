//! Recent `estimated_total`s, so that paging through a large list doesn't
//! count up to 100,001 rows on every page.
//!
//! Within one process totals stay exact: every write through it forgets its
//! account's totals. Writes made by another replica show up within the
//! lifetime below, which is why Paddle calls the figure an estimate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::domain::{ClientTokenStatus, Environment};

const LIFETIME: Duration = Duration::from_secs(1);
const CAPACITY: usize = 10_000;

type Key = (String, Environment, bool, bool);

#[derive(Debug, Default)]
pub struct Totals {
    totals: Mutex<HashMap<Key, (u64, Instant)>>,
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
    pub fn get(
        &self,
        account: &str,
        environment: Environment,
        statuses: &[ClientTokenStatus],
    ) -> Option<u64> {
        let totals = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        totals
            .get(&key(account, environment, statuses))
            .filter(|(_, counted_at)| counted_at.elapsed() < LIFETIME)
            .map(|(total, _)| *total)
    }

    pub fn insert(
        &self,
        account: &str,
        environment: Environment,
        statuses: &[ClientTokenStatus],
        total: u64,
    ) {
        let mut totals = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        if totals.len() >= CAPACITY {
            totals.clear();
        }
        totals.insert(key(account, environment, statuses), (total, Instant::now()));
    }

    /// After a write: the account's totals may have changed.
    pub fn forget_account(&self, account: &str) {
        let mut totals = self.totals.lock().unwrap_or_else(|e| e.into_inner());
        totals.retain(|(owner, ..), _| owner != account);
    }

    pub fn forget_all(&self) {
        self.totals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
