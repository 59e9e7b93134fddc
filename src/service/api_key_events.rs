//! What happens to API keys without a request of theirs: `api_key.expiring`
//! and `api_key.expired` from the expiry sweep, and simulated exposures
//! (`api_key_exposure.created`, and for a high risk the key revoked).

use super::ApiKeys;
use crate::domain::{
    ApiKey, ApiKeyExposure, ApiKeyExposureId, ApiKeyId, Event, EventType, NewApiKeyExposure,
    RiskLevel,
};
use crate::error::{Error, Result};

/// Paddle warns of a key's expiry seven days ahead.
pub const EXPIRY_WARNING: time::Duration = time::Duration::days(7);

/// The keys one sweep sent notices for.
#[derive(Debug, Default)]
pub struct ExpirySweep {
    pub expired: Vec<ApiKey>,
    pub expiring: Vec<ApiKey>,
}

impl ApiKeys {
    /// Sends the expiry notices due now: `api_key.expired` for each
    /// unrevoked key past its `expires_at`, `api_key.expiring` for each
    /// within [`EXPIRY_WARNING`] of it; each once per `expires_at` (a new
    /// expiry, from a rotation, gets new notices), however many replicas
    /// sweep at once.
    /// Each account is swept at its own clock's reading.
    pub async fn sweep_expiries(&self) -> Result<ExpirySweep> {
        let mut sweep = ExpirySweep::default();
        for account in self.store.accounts().await? {
            self.sweep_account(&account.name, &mut sweep).await?;
        }
        Ok(sweep)
    }

    /// The same for one account, at once: after its clock moved.
    pub async fn sweep_expiries_of(&self, account: &str) -> Result<ExpirySweep> {
        let mut sweep = ExpirySweep::default();
        self.sweep_account(account, &mut sweep).await?;
        Ok(sweep)
    }

    async fn sweep_account(&self, account: &str, sweep: &mut ExpirySweep) -> Result<()> {
        let now = self.mints.now(account).await?;
        let warn_until = now.checked_add(EXPIRY_WARNING).unwrap_or(now);
        // A seeded account's sequence moves only for a write: a sweep
        // with nothing to do must not take a number from it.
        if !self.store.expiries_due(account, now, warn_until).await? {
            return Ok(());
        }
        let mint = self.mints.mint(account).await?;
        // The key as it is at the sweep: `expired` for an expired one.
        let events_for =
            |key: &ApiKey, notice: EventType| vec![Event::api_key(notice, key, now, &mint)];
        let swept = self
            .store
            .sweep_api_key_expiries(account, now, warn_until, &events_for)
            .await?;
        for (notice, key) in swept {
            match notice {
                EventType::ApiKeyExpired => sweep.expired.push(key),
                _ => sweep.expiring.push(key),
            }
        }
        Ok(())
    }

    /// Simulates Paddle finding key `id` published: sets its `exposed_at`
    /// and emits `api_key_exposure.created`. A high risk also revokes the
    /// key (unless it was revoked before), with `api_key.revoked` then
    /// `api_key.updated` after the exposure, all in one transaction.
    pub async fn expose(&self, id: &str, new: NewApiKeyExposure) -> Result<ApiKeyExposure> {
        let not_found = || Error::NotFound(id.to_owned());
        let key_id = ApiKeyId::parse(id).ok_or_else(not_found)?;
        let key = self.store.api_key(&key_id).await?.ok_or_else(not_found)?;
        let mint = self.mints.mint(&key.account).await?;
        let exposure_id = ApiKeyExposureId::mint(&mint);
        let at = mint.now();
        let events_for = |key: &ApiKey, revoked: bool| {
            let exposure = new.exposure(&exposure_id, &key.id, revoked, at);
            let mut events = vec![Event::api_key_exposure(&exposure, &mint)];
            if revoked {
                events.push(Event::api_key(EventType::ApiKeyRevoked, key, at, &mint));
                events.push(Event::api_key(EventType::ApiKeyUpdated, key, at, &mint));
            }
            events
        };
        let revoke = new.risk_level == RiskLevel::High;
        // A revoked key stops working here at once; elsewhere within the
        // key cache's lifetime, as with any revocation.
        let expose = self.store.expose_api_key(&key_id, at, revoke, &events_for);
        let exposed = self.cache.changing(&[&key_id], expose).await?;
        let (_, revoked) = exposed.ok_or_else(not_found)?;
        Ok(new.exposure(&exposure_id, &key_id, revoked, at))
    }
}
