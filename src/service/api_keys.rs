//! API keys: create, read, list, revoke; authentication, which remembers
//! verified keys briefly and completes a rotation when its new secret is
//! first used. Provisioning outside the API is in `provisioning.rs`, and
//! rotations in `rotations.rs`.

use std::sync::Arc;

use super::{KeyCache, Mints};
use crate::domain::{
    ApiKey, ApiKeyId, ApiKeySecret, Event, EventType, NewApiKey, Owner, PageQuery, PresentedKey,
    SecretMatch, Timestamp,
};
use crate::error::{Error, Result};
use crate::secrets::SecretBox;
use crate::store::{Store, StoreError};

/// How many ids a write skips that an account's earlier sequence (before
/// its seed was set again) already gave to keys or settings it still has.
pub(super) const SEQUENCE_SKIPS: u32 = 100;

/// Paddle keeps `last_used_at` to within an hour: one write per key per hour.
const LAST_USED_PRECISION: time::Duration = time::Duration::HOUR;

#[derive(Clone)]
pub struct ApiKeys {
    pub(super) store: Arc<dyn Store>,
    pub(super) cache: Arc<KeyCache>,
    pub(super) secrets: SecretBox,
    pub(super) mints: Arc<Mints>,
}

/// A page of keys, and the owner's total when it was asked for.
#[derive(Debug)]
pub struct KeyListing {
    pub keys: Vec<ApiKey>,
    pub has_more: bool,
    pub estimated_total: Option<u64>,
}

impl ApiKeys {
    pub(super) fn new(
        store: Arc<dyn Store>,
        cache: Arc<KeyCache>,
        secrets: SecretBox,
        mints: Arc<Mints>,
    ) -> Self {
        Self {
            store,
            cache,
            secrets,
            mints,
        }
    }

    /// The account's clock reading, for decisions about its keys.
    pub async fn now(&self, account: &str) -> Result<Timestamp> {
        self.mints.now(account).await
    }

    /// A new key for `account` (created on first use), and its secret, which
    /// paddock never shows again: it keeps only the hash.
    pub async fn create(&self, account: &str, new: NewApiKey) -> Result<(ApiKey, ApiKeySecret)> {
        let mut attempts = 0;
        loop {
            let mint = self.mints.mint(account).await?;
            self.store.ensure_account(account, mint.now()).await?;
            let (key, secret) = ApiKey::generate(account, new.clone(), &mint);
            let events = [Event::api_key(
                EventType::ApiKeyCreated,
                &key,
                key.created_at,
                &mint,
            )];
            match self.store.insert_api_key(&key, &events).await {
                Ok(()) => return Ok((key, secret)),
                // A restarted seeded sequence meets the ids it made before.
                Err(StoreError::Conflict(_)) if attempts < SEQUENCE_SKIPS => attempts += 1,
                Err(error) => return Err(error.into()),
            }
        }
    }

    /// Every key, oldest first; only `account`'s when given.
    pub async fn list(&self, account: Option<&str>) -> Result<Vec<ApiKey>> {
        let mut keys = self.store.api_keys().await?;
        if let Some(account) = account {
            keys.retain(|key| key.account == account);
        }
        Ok(keys)
    }

    /// One page of an owner's keys; the total unless `skip_count`.
    pub async fn page(
        &self,
        owner: &Owner,
        query: &PageQuery<ApiKeyId>,
        skip_count: bool,
    ) -> Result<KeyListing> {
        let (keys, has_more) = self.store.list_api_keys(owner, query).await?;
        let estimated_total = if skip_count {
            None
        } else {
            Some(self.store.count_api_keys(owner).await?)
        };
        Ok(KeyListing {
            keys,
            has_more,
            estimated_total,
        })
    }

    /// The owner's key `id`; others' keys are not found.
    pub async fn get(&self, owner: &Owner, id: &ApiKeyId) -> Result<ApiKey> {
        match self.store.api_key(id).await? {
            Some(key) if key.owner() == *owner => Ok(key),
            _ => Err(Error::NotFound(id.to_string())),
        }
    }

    /// Revokes the key `id` names, with `api_key.revoked` then
    /// `api_key.updated`. This process stops accepting it at once; others
    /// within their key cache's lifetime. Revoking a revoked key changes
    /// nothing and emits nothing.
    pub async fn revoke(&self, id: &str) -> Result<ApiKey> {
        let not_found = || Error::NotFound(id.to_owned());
        let key_id = ApiKeyId::parse(id).ok_or_else(not_found)?;
        let key = self.store.api_key(&key_id).await?.ok_or_else(not_found)?;
        let mint = self.mints.mint(&key.account).await?;
        let events_for = |key: &ApiKey| {
            vec![
                Event::api_key(EventType::ApiKeyRevoked, key, key.updated_at, &mint),
                Event::api_key(EventType::ApiKeyUpdated, key, key.updated_at, &mint),
            ]
        };
        let revoke = self.store.revoke_api_key(&key_id, mint.now(), &events_for);
        let revoked = self.cache.changing(&[&key_id], revoke).await?;
        match revoked {
            Some(key) => Ok(key),
            None => self.store.api_key(&key_id).await?.ok_or_else(not_found),
        }
    }

    /// The key a request presents, if one of its secrets matches: from the
    /// cache, or the store. Using a pending rotation's new secret completes
    /// the rotation. The caller still checks that the key is active and
    /// permitted, at the returned instant of the key's account's clock.
    pub async fn authenticate(&self, presented: &PresentedKey) -> Result<(Arc<ApiKey>, Timestamp)> {
        let cached = match self.cache.get(presented.id()) {
            Some(key) => {
                let now = self.mints.now(&key.account).await?;
                Some((key, now))
            }
            None => None,
        };
        let (key, now) = match cached {
            // A cached key that doesn't know this secret may be stale (a
            // rotation made elsewhere): only the store can say no.
            Some((key, now)) if key.recognise(presented, now).is_some() => (key, now),
            _ => {
                let key = self.store.api_key(presented.id()).await?;
                let key = Arc::new(key.ok_or(Error::InvalidToken)?);
                let now = self.mints.now(&key.account).await?;
                // Only keys that prove themselves are remembered.
                if key.recognise(presented, now).is_some() {
                    self.cache.insert(&key);
                }
                (key, now)
            }
        };
        match key.recognise(presented, now) {
            None => Err(Error::InvalidToken),
            Some(SecretMatch::Pending(rotation)) if key.status(now).is_active() => {
                let (key, now) = self.complete_rotation(&key, &rotation, presented).await?;
                Ok((Arc::new(key), now))
            }
            Some(_) => Ok((key, now)),
        }
    }

    /// Notes that an accepted key was used, at most once an hour per key,
    /// so `last_used_at` stays within the hour Paddle promises.
    pub async fn record_use(&self, key: &ApiKey, now: Timestamp) -> Result<()> {
        let since = now.checked_sub(LAST_USED_PRECISION).unwrap_or(now);
        if key.last_used_at.is_some_and(|at| at > since) {
            return Ok(());
        }
        // Re-read next time; caching the new time here would restart the
        // entry's lifetime, and with it the bound on revocations elsewhere.
        let record = self.store.record_api_key_use(&key.id, now, since);
        self.cache.changing(&[&key.id], record).await?;
        Ok(())
    }
}
