//! The embedded store's cache of client tokens. One paddock server owns an
//! SQLite file (`sqlite::FileLock` refuses a second), and every write to a
//! token goes through that server's store, so the cache can't miss a change:
//! reads of a cached token need no query at all.
//!
//! It holds at most its capacity of tokens (the least recently used leave
//! first).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use quick_cache::sync::Cache;

use crate::domain::{ClientToken, ClientTokenId, Owner};

/// The cache, keyed by token id (ids are unique across owners).
pub(super) struct TokenCache {
    tokens: Cache<String, Arc<Cached>>,
    /// Bumped by every change to a token that may be cached. A read that
    /// missed fills the cache only if no change came between its query and
    /// its fill; otherwise it could put back what a revocation replaced.
    revision: AtomicU64,
    /// Held while filling or changing, so a fill's check and insert are one
    /// step against a change's bump and insert.
    changing: Mutex<()>,
}

struct Cached {
    owner: Owner,
    token: ClientToken,
}

/// A read that missed, and the revision it read at.
#[derive(Clone, Copy, Debug)]
pub(super) struct Miss(u64);

impl TokenCache {
    /// A cache of up to `capacity` tokens; `None` for 0.
    pub(super) fn new(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            tokens: Cache::new(capacity),
            revision: AtomicU64::new(0),
            changing: Mutex::new(()),
        })
    }

    /// The owner's token, if cached; else the [`Miss`] to fill it with.
    pub(super) fn get(&self, owner: &Owner, id: &ClientTokenId) -> Result<ClientToken, Miss> {
        // Read before the lookup: a change after it makes the fill stale.
        let miss = Miss(self.revision.load(Ordering::Acquire));
        match self.tokens.get(id.as_str()) {
            Some(cached) if &cached.owner == owner => Ok(cached.token.clone()),
            // Another owner's token is not found, as in the database.
            Some(_) => Err(miss),
            None => Err(miss),
        }
    }

    /// Caches what a read found after `miss`, unless a change came since.
    pub(super) fn fill(&self, miss: Miss, owner: &Owner, token: &ClientToken) {
        let _changing = self.lock();
        if self.revision.load(Ordering::Acquire) == miss.0 {
            self.insert(owner, token);
        }
    }

    /// Caches a token just created: no read can hold an older copy of it.
    pub(super) fn created(&self, owner: &Owner, token: &ClientToken) {
        self.insert(owner, token);
    }

    /// Caches a token's committed new state.
    pub(super) fn changed(&self, owner: &Owner, token: &ClientToken) {
        let _changing = self.lock();
        self.revision.fetch_add(1, Ordering::AcqRel);
        self.insert(owner, token);
    }

    /// Drops the tokens of `account`, or every token, after they were deleted.
    pub(super) fn forget(&self, account: Option<&str>) {
        let _changing = self.lock();
        self.revision.fetch_add(1, Ordering::AcqRel);
        match account {
            Some(account) => self
                .tokens
                .retain(|_, cached| cached.owner.account != account),
            None => self.tokens.clear(),
        }
    }

    fn insert(&self, owner: &Owner, token: &ClientToken) {
        let cached = Arc::new(Cached {
            owner: owner.clone(),
            token: token.clone(),
        });
        self.tokens.insert(token.id.as_str().to_owned(), cached);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.changing.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("tokens", &self.tokens.len())
            .field("capacity", &self.tokens.capacity())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ClientTokenStatus, Environment, Mint, NewClientToken};

    fn owner(account: &str) -> Owner {
        Owner {
            account: account.to_owned(),
            environment: Environment::Sandbox,
        }
    }

    fn token() -> ClientToken {
        let new = NewClientToken {
            name: "cached".to_owned(),
            description: None,
        };
        ClientToken::create(new, Environment::Sandbox, &Mint::real())
    }

    /// A read that raced a revocation must not put the active token back.
    #[test]
    fn a_fill_older_than_a_change_is_dropped() {
        let cache = TokenCache::new(10).unwrap();
        let owner = owner("default");
        let active = token();
        let miss = cache.get(&owner, &active.id).unwrap_err();
        let mut revoked = active.clone();
        revoked.status = ClientTokenStatus::Revoked;
        cache.changed(&owner, &revoked);
        cache.fill(miss, &owner, &active);
        assert_eq!(cache.get(&owner, &active.id).unwrap(), revoked);

        // Even once the revoked copy has been dropped.
        cache.forget(None);
        cache.fill(miss, &owner, &active);
        assert!(cache.get(&owner, &active.id).is_err());
    }

    #[test]
    fn tokens_are_found_by_their_owner_only_and_forgotten_by_account() {
        let cache = TokenCache::new(10).unwrap();
        let (default, other) = (owner("default"), owner("other"));
        let (mine, theirs) = (token(), token());
        cache.created(&default, &mine);
        cache.created(&other, &theirs);
        assert_eq!(cache.get(&default, &mine.id).unwrap(), mine);
        assert!(cache.get(&default, &theirs.id).is_err());
        let live = Owner {
            environment: Environment::Live,
            ..default.clone()
        };
        assert!(cache.get(&live, &mine.id).is_err());

        cache.forget(Some("default"));
        assert!(cache.get(&default, &mine.id).is_err());
        assert_eq!(cache.get(&other, &theirs.id).unwrap(), theirs);
    }

    #[test]
    fn a_cache_holds_at_most_its_capacity() {
        assert!(TokenCache::new(0).is_none());
        let cache = TokenCache::new(100).unwrap();
        let owner = owner("default");
        for _ in 0..1_000 {
            cache.created(&owner, &token());
        }
        assert!(cache.tokens.len() <= 100, "{}", cache.tokens.len());
    }
}
