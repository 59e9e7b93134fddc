//! Rotations of an API key's secret: a key makes one for itself; the new
//! secret completes it the first time it authenticates, and the old secret
//! then works for the grace period.

use super::ApiKeys;
use crate::domain::{
    ApiKey, ApiKeyId, ApiKeyRotation, ApiKeyRotationId, ApiKeyRotationResource, Event, EventType,
    NewApiKeyRotation, PageQuery, PresentedKey, Timestamp, ValidationErrors,
};
use crate::error::{Error, Result};
use crate::store::StoreError;

/// Concurrent rotations of one key (or a restarted seeded sequence's ids)
/// are retried this many times.
const CONFLICT_ATTEMPTS: u32 = super::api_keys::SEQUENCE_SKIPS;

/// A page of rotations, whether there are more, and the key's total when
/// it was asked for.
#[derive(Debug)]
pub struct RotationListing {
    pub rotations: Vec<ApiKeyRotationResource>,
    pub has_more: bool,
    pub estimated_total: Option<u64>,
}

impl ApiKeys {
    /// Makes a pending rotation of `caller`, which must be the key `id`
    /// names and rotatable, cancelling its earlier pending one. Emits
    /// `api_key_rotation.updated` for the cancelled rotation, then
    /// `api_key_rotation.created`. Returns the rotation with its new key.
    pub async fn rotate(
        &self,
        caller: &ApiKey,
        id: &ApiKeyId,
        new: NewApiKeyRotation,
    ) -> Result<ApiKeyRotationResource> {
        own_key(caller, id)?;
        if !caller.rotatable {
            return Err(Error::ApiKeyCannotBeRotated(caller.id.clone()));
        }
        let now = self.mints.now(&caller.account).await?;
        if new.new_key_expires_at.is_some_and(|at| at <= now) {
            let errors = ValidationErrors::one("new_key_expires_at", "must be in the future");
            return Err(errors.into());
        }
        let owner = caller.owner();
        let mut attempts = 0;
        // Two rotations of one key at once: one commits first, and the
        // other, tried again, cancels it. The unique index on pending
        // rotations makes the loser fail rather than leave two pending. (A
        // restarted seeded sequence can meet an id it made before, too.)
        let (rotation, new_key) = loop {
            attempts += 1;
            let mint = self.mints.mint(&caller.account).await?;
            let new_key = caller.id.new_key(caller.environment, &mint);
            let rotation = ApiKeyRotation::new(&caller.id, new_key.hash(), &new, &mint);
            let sealed = self.secrets.seal(new_key.expose());
            let events_for = |canceled: Option<&ApiKeyRotation>| {
                let canceled = canceled.map(|canceled| {
                    Event::api_key_rotation(EventType::ApiKeyRotationUpdated, canceled, &mint)
                });
                let created =
                    Event::api_key_rotation(EventType::ApiKeyRotationCreated, &rotation, &mint);
                canceled.into_iter().chain([created]).collect()
            };
            // Forgotten everywhere in this process, so the new secret is
            // looked up, not refused from the cache.
            let insert = (self.store).insert_rotation(&owner, &rotation, &sealed, &events_for);
            match self.cache.changing(&[&caller.id], insert).await {
                Ok(()) => break (rotation, new_key),
                Err(StoreError::Conflict(_)) if attempts < CONFLICT_ATTEMPTS => continue,
                Err(other) => return Err(other.into()),
            }
        };
        Ok(rotation.resource(Some(new_key.expose().to_owned())))
    }

    /// One page of `caller`'s rotations, each with its new key.
    pub async fn rotations(
        &self,
        caller: &ApiKey,
        id: &ApiKeyId,
        query: &PageQuery<ApiKeyRotationId>,
        skip_count: bool,
    ) -> Result<RotationListing> {
        own_key(caller, id)?;
        let (rows, has_more) = self.store.list_rotations(id, query).await?;
        let estimated_total = if skip_count {
            None
        } else {
            Some(self.store.count_rotations(id).await?)
        };
        let rotations = rows
            .into_iter()
            .map(|(rotation, sealed)| self.with_new_key(&rotation, &sealed))
            .collect::<Result<_>>()?;
        Ok(RotationListing {
            rotations,
            has_more,
            estimated_total,
        })
    }

    /// One of `caller`'s rotations, with its new key.
    pub async fn rotation(
        &self,
        caller: &ApiKey,
        id: &ApiKeyId,
        rotation: &ApiKeyRotationId,
    ) -> Result<ApiKeyRotationResource> {
        own_key(caller, id)?;
        let found = self.store.rotation(id, rotation).await?;
        let (rotation, sealed) = found.ok_or_else(|| Error::NotFound(rotation.to_string()))?;
        self.with_new_key(&rotation, &sealed)
    }

    fn with_new_key(
        &self,
        rotation: &ApiKeyRotation,
        sealed: &str,
    ) -> Result<ApiKeyRotationResource> {
        let new_key = self.secrets.open(sealed).ok_or_else(|| {
            Error::Internal(format!("can't open the new key of {}", rotation.id).into())
        })?;
        Ok(rotation.resource(Some(new_key)))
    }

    /// Completes `rotation`, which `presented` (its new secret) just used:
    /// emits `api_key_rotation.updated`, and `api_key.updated` when the
    /// rotation changes the key's expiry. If another request completed it
    /// first, the key is read again and judged as it now is.
    pub(super) async fn complete_rotation(
        &self,
        key: &ApiKey,
        rotation: &ApiKeyRotationId,
        presented: &PresentedKey,
    ) -> Result<(ApiKey, Timestamp)> {
        let mint = self.mints.mint(&key.account).await?;
        let events_for = |key: &ApiKey, rotation: &ApiKeyRotation| {
            let mut events = vec![Event::api_key_rotation(
                EventType::ApiKeyRotationUpdated,
                rotation,
                &mint,
            )];
            if rotation.new_key_expires_at.is_some() {
                events.push(Event::api_key(
                    EventType::ApiKeyUpdated,
                    key,
                    rotation.updated_at,
                    &mint,
                ));
            }
            events
        };
        let complete = (self.store).complete_rotation(&key.id, rotation, mint.now(), &events_for);
        let completed = self.cache.changing(&[&key.id], complete).await?;
        let key = match completed {
            Some((key, _)) => key,
            None => self
                .store
                .api_key(&key.id)
                .await?
                .ok_or(Error::InvalidToken)?,
        };
        match key.recognise(presented, mint.now()) {
            Some(_) => Ok((key, mint.now())),
            None => Err(Error::InvalidToken),
        }
    }
}

/// A key may act only on its own rotations.
fn own_key(caller: &ApiKey, id: &ApiKeyId) -> Result<()> {
    if caller.id == *id {
        Ok(())
    } else {
        Err(Error::NotThisKey)
    }
}
