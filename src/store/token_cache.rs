//! The embedded store's cache of client tokens. One paddock server owns an
//! SQLite file (`sqlite::FileLock` refuses a second), and every write to a
//! token goes through that server's store, so the cache can't miss a change:
//! reads of a cached token need no query at all.
//!
//! It holds at most its capacity of tokens (the least recently used leave
//! first), and the last [`PAGES`] pages of lists asked for, each good until
//! the next write to any token.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use quick_cache::sync::Cache;

use super::Page;
use crate::domain::{
    ClientToken, ClientTokenId, ClientTokenStatus, Environment, ListQuery, Owner, Timestamp,
};

/// Pages of lists kept: a page of 50 holds about 20 KB.
const PAGES: usize = 64;

/// The cache, keyed by a hash of the token id (ids are unique across
/// owners; a hit checks the id itself).
pub(super) struct TokenCache {
    tokens: Cache<u64, Arc<Cached>>,
    hasher: RandomState,
    /// Bumped by every change to a token that may be cached. A read that
    /// missed fills the cache only if no change came between its query and
    /// its fill; otherwise it could put back what a revocation replaced.
    revision: AtomicU64,
    /// Held while filling or changing, so a fill's check and insert are one
    /// step against a change's bump and insert.
    changing: Mutex<()>,
    /// Bumped by every deletion: a token written before one must not be
    /// cached after it.
    deletions: AtomicU64,
    /// Pages, each with the count of writes it was read after.
    pages: Cache<String, Arc<(u64, Page)>>,
    /// Bumped by every write to a token, creations included: a page read
    /// before it is stale.
    writes: AtomicU64,
}

/// A cached token: its text in one allocation, about half of what the
/// entity and its owner take apart.
struct Cached {
    /// The id, the token, the account, the name and the description.
    text: Box<str>,
    /// Where each of the first four ends in `text`.
    ends: [u32; 4],
    has_description: bool,
    environment: Environment,
    status: ClientTokenStatus,
    revoked_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl Cached {
    fn new(owner: &Owner, token: &ClientToken) -> Self {
        let description = token.description.as_deref();
        let parts = [
            token.id.as_str(),
            &token.token,
            &owner.account,
            &token.name,
            description.unwrap_or_default(),
        ];
        let text = parts.concat().into_boxed_str();
        let mut ends = [0; 4];
        let mut end = 0;
        for (slot, part) in ends.iter_mut().zip(parts) {
            end += part.len() as u32;
            *slot = end;
        }
        Self {
            text,
            ends,
            has_description: description.is_some(),
            environment: owner.environment,
            status: token.status,
            revoked_at: token.revoked_at,
            created_at: token.created_at,
            updated_at: token.updated_at,
        }
    }

    fn part(&self, index: usize) -> &str {
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i] as usize);
        let end = self
            .ends
            .get(index)
            .map_or(self.text.len(), |&end| end as usize);
        &self.text[start..end]
    }

    fn is(&self, id: &ClientTokenId) -> bool {
        self.part(0) == id.as_str()
    }

    fn is_owned_by(&self, owner: &Owner) -> bool {
        self.part(2) == owner.account && self.environment == owner.environment
    }

    fn token(&self) -> Option<ClientToken> {
        Some(ClientToken {
            id: ClientTokenId::parse(self.part(0))?,
            token: self.part(1).to_owned(),
            name: self.part(3).to_owned(),
            description: self.has_description.then(|| self.part(4).to_owned()),
            status: self.status,
            revoked_at: self.revoked_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A read that missed, and the revision it read at.
#[derive(Clone, Copy, Debug)]
pub(super) struct Miss(u64);

/// The deletions before a write was committed.
#[derive(Clone, Copy, Debug)]
pub(super) struct BeforeWrite(u64);

/// A list that missed: the page's key, and the count of writes before it.
#[derive(Debug)]
pub(super) struct PageMiss(String, u64);

impl TokenCache {
    /// A cache of up to `capacity` tokens; `None` for 0.
    pub(super) fn new(capacity: usize) -> Option<Self> {
        (capacity > 0).then(|| Self {
            tokens: Cache::new(capacity),
            hasher: RandomState::new(),
            revision: AtomicU64::new(0),
            changing: Mutex::new(()),
            deletions: AtomicU64::new(0),
            pages: Cache::new(PAGES),
            writes: AtomicU64::new(0),
        })
    }

    /// Taken before a write is committed, for [`TokenCache::created`] and
    /// [`TokenCache::changed`].
    pub(super) fn before_write(&self) -> BeforeWrite {
        BeforeWrite(self.deletions.load(Ordering::Acquire))
    }

    /// The owner's page for `query`, if read since the last write; else the
    /// [`PageMiss`] to keep it with.
    pub(super) fn page(&self, owner: &Owner, query: &ListQuery) -> Result<Page, PageMiss> {
        let writes = self.writes.load(Ordering::Acquire);
        let key = page_key(owner, query);
        match self.pages.get(&key) {
            Some(page) if page.0 == writes => Ok(page.1.clone()),
            _ => Err(PageMiss(key, writes)),
        }
    }

    /// Keeps a page read after `miss`; it is served only until a write.
    pub(super) fn keep_page(&self, miss: PageMiss, page: &Page) {
        let PageMiss(key, writes) = miss;
        self.pages.insert(key, Arc::new((writes, page.clone())));
    }

    /// The owner's token, if cached; else the [`Miss`] to fill it with.
    pub(super) fn get(&self, owner: &Owner, id: &ClientTokenId) -> Result<ClientToken, Miss> {
        // Read before the lookup: a change after it makes the fill stale.
        let miss = Miss(self.revision.load(Ordering::Acquire));
        let cached = self.tokens.get(&self.key(id.as_str()));
        match cached.filter(|cached| cached.is(id)) {
            // Another owner's token is not found, as in the database.
            Some(cached) if !cached.is_owned_by(owner) => Err(miss),
            Some(cached) => cached.token().ok_or(miss),
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

    /// Caches a token just created (no read can hold an older copy of it),
    /// unless its account was reset meanwhile.
    pub(super) fn created(&self, before: BeforeWrite, owner: &Owner, token: &ClientToken) {
        self.writes.fetch_add(1, Ordering::AcqRel);
        let _changing = self.lock();
        if self.deletions.load(Ordering::Acquire) == before.0 {
            self.insert(owner, token);
        }
    }

    /// Caches a token's committed new state, unless its account was reset
    /// meanwhile.
    pub(super) fn changed(&self, before: BeforeWrite, owner: &Owner, token: &ClientToken) {
        let _changing = self.lock();
        self.writes.fetch_add(1, Ordering::AcqRel);
        self.revision.fetch_add(1, Ordering::AcqRel);
        if self.deletions.load(Ordering::Acquire) == before.0 {
            self.insert(owner, token);
        } else {
            self.tokens.remove(&self.key(token.id.as_str()));
        }
    }

    /// After a write that failed but may have been committed (its sync
    /// failed, say): the token is read from the database from now on, and
    /// no page kept from before is served.
    pub(super) fn doubt(&self, id: &ClientTokenId) {
        let _changing = self.lock();
        self.writes.fetch_add(1, Ordering::AcqRel);
        self.revision.fetch_add(1, Ordering::AcqRel);
        self.tokens.remove(&self.key(id.as_str()));
    }

    /// Drops the tokens of `account`, or every token, after they were deleted.
    pub(super) fn forget(&self, account: Option<&str>) {
        let _changing = self.lock();
        self.writes.fetch_add(1, Ordering::AcqRel);
        self.revision.fetch_add(1, Ordering::AcqRel);
        self.deletions.fetch_add(1, Ordering::AcqRel);
        match account {
            Some(account) => self.tokens.retain(|_, cached| cached.part(2) != account),
            None => self.tokens.clear(),
        }
    }

    fn insert(&self, owner: &Owner, token: &ClientToken) {
        let key = self.key(token.id.as_str());
        self.tokens.insert(key, Arc::new(Cached::new(owner, token)));
    }

    fn key(&self, id: &str) -> u64 {
        self.hasher.hash_one(id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.changing.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Tells pages apart by everything that shapes them.
fn page_key(owner: &Owner, query: &ListQuery) -> String {
    let ListQuery {
        after,
        per_page,
        direction,
        statuses,
    } = query;
    let after = after.as_ref().map_or("", ClientTokenId::as_str);
    format!(
        "{}\n{}\n{after}\n{per_page}\n{direction:?}\n{statuses:?}",
        owner.account,
        owner.environment.as_str()
    )
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
        cache.changed(cache.before_write(), &owner, &revoked);
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
        let before = cache.before_write();
        cache.created(before, &default, &mine);
        cache.created(before, &other, &theirs);
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

    /// A page is served until the next write to any token, creations too.
    #[test]
    fn a_page_is_kept_until_the_next_write() {
        let cache = TokenCache::new(10).unwrap();
        let owner = owner("default");
        let query = ListQuery::default();
        let page = Page::new(vec![token()], false);
        let miss = cache.page(&owner, &query).unwrap_err();
        cache.keep_page(miss, &page);
        assert_eq!(cache.page(&owner, &query).unwrap().tokens, page.tokens);
        let other = ListQuery {
            per_page: 10,
            ..ListQuery::default()
        };
        assert!(cache.page(&owner, &other).is_err());

        // Read before a write, kept after it: never served.
        let stale = cache.page(&owner, &other).unwrap_err();
        cache.created(cache.before_write(), &owner, &token());
        assert!(cache.page(&owner, &query).is_err());
        cache.keep_page(stale, &page);
        assert!(cache.page(&owner, &other).is_err());
    }

    /// A page's JSON is written once, then shared by every hit.
    #[test]
    fn a_kept_page_is_serialized_once() {
        let cache = TokenCache::new(10).unwrap();
        let owner = owner("default");
        let query = ListQuery::default();
        let page = Page::new(vec![token(), token()], true);
        cache.keep_page(cache.page(&owner, &query).unwrap_err(), &page);
        let (first, second) = (cache.page(&owner, &query), cache.page(&owner, &query));
        let first = first.unwrap();
        let json = first.tokens_json().unwrap();
        assert_eq!(json.get(), serde_json::to_string(&*page.tokens).unwrap());
        let again = second.unwrap();
        assert!(std::ptr::eq(json, again.tokens_json().unwrap()));
    }

    /// A creation committed before a reset, cached after it, would serve a
    /// deleted token.
    #[test]
    fn a_creation_older_than_a_deletion_is_not_cached() {
        let cache = TokenCache::new(10).unwrap();
        let owner = owner("default");
        let created = token();
        let before = cache.before_write();
        cache.forget(Some("default"));
        cache.created(before, &owner, &created);
        assert!(cache.get(&owner, &created.id).is_err());
    }

    #[test]
    fn a_cached_token_comes_back_whole() {
        let cache = TokenCache::new(10).unwrap();
        let owner = owner("default");
        let mut described = token();
        described.description = Some("with a description".to_owned());
        let mut empty = token();
        empty.description = Some(String::new());
        for token in [token(), described, empty] {
            cache.created(cache.before_write(), &owner, &token);
            assert_eq!(cache.get(&owner, &token.id).unwrap(), token);
        }
    }

    #[test]
    fn a_cache_holds_at_most_its_capacity() {
        assert!(TokenCache::new(0).is_none());
        let cache = TokenCache::new(100).unwrap();
        let owner = owner("default");
        for _ in 0..1_000 {
            cache.created(cache.before_write(), &owner, &token());
        }
        assert!(cache.tokens.len() <= 100, "{}", cache.tokens.len());
    }
}
