//! API keys: create, list, revoke; keys given in the configuration and the
//! first-run key; and authentication, which remembers verified keys briefly.

use std::sync::Arc;

use super::KeyCache;
use crate::domain::{
    ApiKey, ApiKeyId, ApiKeySecret, DEFAULT_ACCOUNT, Environment, NewApiKey, Permission,
    PresentedKey, Timestamp,
};
use crate::error::{Error, Result};
use crate::store::{Store, StoreError};

#[derive(Clone)]
pub struct ApiKeys {
    store: Arc<dyn Store>,
    cache: Arc<KeyCache>,
}

/// What can stop keys from being provisioned outside the API (the
/// configuration, the CLI).
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a different key with id {0} is already stored; choose another key")]
    IdTaken(ApiKeyId),
}

impl ApiKeys {
    pub(super) fn new(store: Arc<dyn Store>, cache: Arc<KeyCache>) -> Self {
        Self { store, cache }
    }

    /// For provisioning outside a server (start-up, the CLI): nothing to
    /// authenticate, so nothing to cache.
    pub fn uncached(store: Arc<dyn Store>) -> Self {
        Self::new(store, Arc::new(KeyCache::new(std::time::Duration::ZERO)))
    }

    /// A new key for `account` (created on first use), and its secret, which
    /// paddock never shows again: it keeps only the hash.
    pub async fn create(&self, account: &str, new: NewApiKey) -> Result<(ApiKey, ApiKeySecret)> {
        self.store.ensure_account(account, Timestamp::now()).await?;
        let (key, secret) =
            ApiKey::generate(account, new.environment, new.permissions, new.expires_at);
        self.store.insert_api_key(&key).await?;
        Ok((key, secret))
    }

    /// Every key, oldest first; only `account`'s when given.
    pub async fn list(&self, account: Option<&str>) -> Result<Vec<ApiKey>> {
        let mut keys = self.store.api_keys().await?;
        if let Some(account) = account {
            keys.retain(|key| key.account == account);
        }
        Ok(keys)
    }

    /// Revokes the key `id` names. This process stops accepting it at once;
    /// others within their key cache's lifetime.
    pub async fn revoke(&self, id: &str) -> Result<ApiKey> {
        let not_found = || Error::NotFound(id.to_owned());
        let key_id = ApiKeyId::parse(id).ok_or_else(not_found)?;
        if !self.store.revoke_api_key(&key_id).await? {
            return Err(not_found());
        }
        self.cache.forget(&key_id);
        self.store.api_key(&key_id).await?.ok_or_else(not_found)
    }

    /// The key a request presents, if it is one paddock issued and its
    /// secret matches: from the cache, or the store. The caller still checks
    /// that the key is active and permitted.
    pub async fn authenticate(&self, presented: &PresentedKey) -> Result<ApiKey> {
        let key = match self.cache.get(presented.id()) {
            Some(key) => key,
            None => {
                let key = self.store.api_key(presented.id()).await?;
                let key = key.ok_or(Error::InvalidToken)?;
                // Only keys that prove themselves are remembered.
                if key.key_hash.matches(presented.hash()) {
                    self.cache.insert(&key);
                }
                key
            }
        };
        if key.key_hash.matches(presented.hash()) {
            Ok(key)
        } else {
            Err(Error::InvalidToken)
        }
    }

    /// Stores each configured key that isn't stored yet and brings the
    /// permissions of those that are in line with the configuration. A key
    /// revoked earlier stays revoked: configuration never un-revokes.
    pub async fn apply_configured(
        &self,
        keys: &[(PresentedKey, Vec<Permission>)],
    ) -> Result<(), ProvisionError> {
        for (presented, permissions) in keys {
            let wanted =
                ApiKey::from_presented(presented, DEFAULT_ACCOUNT, permissions.clone(), None);
            match self.store.api_key(presented.id()).await? {
                None => self.store.insert_api_key(&wanted).await?,
                Some(stored) if stored.key_hash.matches(presented.hash()) => {
                    self.store.set_api_key_permissions(&wanted).await?;
                    self.cache.forget(&stored.id);
                }
                Some(stored) => return Err(ProvisionError::IdTaken(stored.id)),
            }
        }
        Ok(())
    }

    /// On a first start with no keys at all, mints a sandbox key with every
    /// permission, so `cargo run` is usable at once. Returns it to show once.
    pub async fn bootstrap(&self) -> Result<Option<ApiKeySecret>, ProvisionError> {
        if !self.store.api_keys().await?.is_empty() {
            return Ok(None);
        }
        let (key, secret) = ApiKey::generate(
            DEFAULT_ACCOUNT,
            Environment::Sandbox,
            Permission::ALL.to_vec(),
            None,
        );
        self.store.insert_api_key(&key).await?;
        Ok(Some(secret))
    }
}
