//! Verified API keys, remembered briefly so that a request doesn't cost a
//! database round trip just to authenticate.
//!
//! Correctness: the digest is still compared on every request, and expiry is
//! checked against the clock on every request, so a cached key expires on
//! time. A key changed through this process (revoked, rotated, exposed,
//! used) is forgotten at once, by the one door every such write goes
//! through ([`KeyCache::changing`]); one changed elsewhere (the CLI, another
//! replica) is seen within the cache's lifetime, `PADDOCK_KEY_CACHE_TTL`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::domain::{ApiKey, ApiKeyId};

/// Bounds memory: past this many keys the cache starts afresh.
const CAPACITY: usize = 10_000;

#[derive(Debug)]
pub struct KeyCache {
    ttl: Duration,
    /// Shared, not copied: a request takes its key without allocating.
    keys: Mutex<HashMap<ApiKeyId, (Arc<ApiKey>, Instant)>>,
}

impl KeyCache {
    /// A zero `ttl` turns caching off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            keys: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, id: &ApiKeyId) -> Option<Arc<ApiKey>> {
        let keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.get(id)
            .filter(|(_, cached_at)| cached_at.elapsed() < self.ttl)
            .map(|(key, _)| key.clone())
    }

    pub fn insert(&self, key: &Arc<ApiKey>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if keys.len() >= CAPACITY {
            keys.clear();
        }
        keys.insert(key.id.clone(), (key.clone(), Instant::now()));
    }

    /// Runs `write`, which changes the keys `ids`, then forgets them here,
    /// whatever it came to (a write that failed may still have committed).
    /// The services change a key only through this, so none can leave a
    /// stale copy behind.
    pub(super) async fn changing<T, E>(
        &self,
        ids: &[&ApiKeyId],
        write: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let outcome = write.await;
        for id in ids {
            self.forget(id);
        }
        outcome
    }

    fn forget(&self, id: &ApiKeyId) {
        self.keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DEFAULT_ACCOUNT, Environment, NewApiKey};

    fn key() -> Arc<ApiKey> {
        let new = NewApiKey::with_permissions(Environment::Sandbox, vec![]);
        Arc::new(ApiKey::generate(DEFAULT_ACCOUNT, new, &crate::domain::Mint::real()).0)
    }

    #[test]
    fn remembers_for_the_ttl_and_forgets_on_demand() {
        let cache = KeyCache::new(Duration::from_secs(60));
        let key = key();
        cache.insert(&key);
        assert_eq!(
            cache.get(&key.id).map(|k| k.id.clone()),
            Some(key.id.clone())
        );
        cache.forget(&key.id);
        assert!(cache.get(&key.id).is_none());
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let cache = KeyCache::new(Duration::ZERO);
        let key = key();
        cache.insert(&key);
        assert!(cache.get(&key.id).is_none());
    }

    #[test]
    fn keys_inserted_alternately_all_stay_cached() {
        let cache = KeyCache::new(Duration::from_secs(60));
        let (first, second) = (key(), key());
        for _ in 0..3 {
            cache.insert(&first);
            cache.insert(&second);
        }
        assert_eq!(
            cache.get(&first.id).map(|k| k.id.clone()),
            Some(first.id.clone())
        );
        assert_eq!(
            cache.get(&second.id).map(|k| k.id.clone()),
            Some(second.id.clone())
        );
    }

    #[test]
    fn the_cache_starts_afresh_when_full() {
        let cache = KeyCache::new(Duration::from_secs(60));
        let keys: Vec<Arc<ApiKey>> = (0..CAPACITY).map(|_| key()).collect();
        for key in &keys {
            cache.insert(key);
        }
        // Full, and nothing forgotten yet.
        assert!(keys.iter().all(|key| cache.get(&key.id).is_some()));
        let one_more = key();
        cache.insert(&one_more);
        assert!(keys.iter().all(|key| cache.get(&key.id).is_none()));
        assert_eq!(
            cache.get(&one_more.id).map(|k| k.id.clone()),
            Some(one_more.id.clone())
        );
    }
}
