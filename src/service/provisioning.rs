//! Keys provisioned outside the API: those given in the configuration, and
//! the first-run key.

use std::sync::Arc;

use super::{ApiKeys, KeyCache, Mints};
use crate::domain::{
    ApiKey, ApiKeyId, ApiKeySecret, DEFAULT_ACCOUNT, Environment, Event, EventType, Mint,
    NewApiKey, Permission, PresentedKey,
};
use crate::error::Error;
use crate::secrets::SecretBox;
use crate::store::{Store, StoreError};

/// What can stop keys from being provisioned outside the API (the
/// configuration, the CLI).
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Api(#[from] Error),
    #[error("a different key with id {0} is already stored; choose another key")]
    IdTaken(ApiKeyId),
}

impl ApiKeys {
    /// For provisioning outside a server (start-up, the CLI): nothing to
    /// authenticate, so nothing to cache, and no rotations to seal.
    pub fn uncached(store: Arc<dyn Store>, mints: Arc<Mints>) -> Self {
        let cache = Arc::new(KeyCache::new(std::time::Duration::ZERO));
        let secrets = SecretBox::random();
        Self::new(store, cache, secrets, mints)
    }

    /// Stores each configured key that isn't stored yet and brings the
    /// permissions of those that are in line with the configuration. A key
    /// revoked earlier stays revoked: configuration never un-revokes. Name,
    /// description and `rotatable` are set when a key is first stored.
    pub async fn apply_configured(
        &self,
        keys: &[(PresentedKey, NewApiKey)],
    ) -> Result<(), ProvisionError> {
        for (presented, new) in keys {
            let mint = self.mints.mint(DEFAULT_ACCOUNT).await?;
            let wanted =
                ApiKey::from_presented(presented, DEFAULT_ACCOUNT, new.clone(), mint.now());
            match self.store.api_key(presented.id()).await? {
                None => self.insert(&wanted, &mint).await?,
                Some(stored) if stored.key_hash.matches(presented.hash()) => {
                    let set = self.store.set_api_key_permissions(&wanted);
                    self.cache.changing(&[&stored.id], set).await?;
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
        let mut new = NewApiKey::with_permissions(Environment::Sandbox, Permission::ALL.to_vec());
        new.name = "First-run key".to_owned();
        new.rotatable = true;
        let mint = self.mints.mint(DEFAULT_ACCOUNT).await?;
        let (key, secret) = ApiKey::generate(DEFAULT_ACCOUNT, new, &mint);
        self.insert(&key, &mint).await?;
        Ok(Some(secret))
    }

    async fn insert(&self, key: &ApiKey, mint: &Mint) -> Result<(), StoreError> {
        let events = [Event::api_key(
            EventType::ApiKeyCreated,
            key,
            key.created_at,
            mint,
        )];
        self.store.insert_api_key(key, &events).await
    }
}
