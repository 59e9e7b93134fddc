//! What happens to API keys without a request of theirs: `api_key.expiring`
//! and `api_key.expired` from the expiry sweep, and simulated exposures
//! (`api_key_exposure.created`, and for a high risk the key revoked).

use super::ApiKeys;
use crate::domain::{
    ApiKey, ApiKeyExposure, ApiKeyExposureId, ApiKeyId, Event, EventType, NewApiKeyExposure,
    RiskLevel, Timestamp,
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
    pub async fn sweep_expiries(&self) -> Result<ExpirySweep> {
        let now = Timestamp::now();
        let warn_until = now.checked_add(EXPIRY_WARNING).unwrap_or(now);
        // The key as it is at the sweep: `expired` for an expired one.
        let events_for = |key: &ApiKey, notice: EventType| vec![Event::api_key(notice, key, now)];
        let swept = self
            .store
            .sweep_api_key_expiries(now, warn_until, &events_for)
            .await?;
        let mut sweep = ExpirySweep::default();
        for (notice, key) in swept {
            match notice {
                EventType::ApiKeyExpired => sweep.expired.push(key),
                _ => sweep.expiring.push(key),
            }
        }
        if !(sweep.expired.is_empty() && sweep.expiring.is_empty()) {
            self.dispatch.notify_one();
        }
        Ok(sweep)
    }

    /// Simulates Paddle finding key `id` published: sets its `exposed_at`
    /// and emits `api_key_exposure.created`. A high risk also revokes the
    /// key (unless it was revoked before), with `api_key.revoked` then
    /// `api_key.updated` after the exposure, all in one transaction.
    pub async fn expose(&self, id: &str, new: NewApiKeyExposure) -> Result<ApiKeyExposure> {
        let not_found = || Error::NotFound(id.to_owned());
        let key_id = ApiKeyId::parse(id).ok_or_else(not_found)?;
        let exposure_id = ApiKeyExposureId::generate();
        let at = Timestamp::now();
        let events_for = |key: &ApiKey, revoked: bool| {
            let exposure = new.exposure(&exposure_id, &key.id, revoked, at);
            let mut events = vec![Event::api_key_exposure(&exposure)];
            if revoked {
                events.push(Event::api_key(EventType::ApiKeyRevoked, key, at));
                events.push(Event::api_key(EventType::ApiKeyUpdated, key, at));
            }
            events
        };
        let revoke = new.risk_level == RiskLevel::High;
        let exposed = self
            .store
            .expose_api_key(&key_id, at, revoke, &events_for)
            .await?;
        // A revoked key stops working here at once; elsewhere within the
        // key cache's lifetime, as with any revocation.
        self.cache.forget(&key_id);
        let (_, revoked) = exposed.ok_or_else(not_found)?;
        self.dispatch.notify_one();
        Ok(new.exposure(&exposure_id, &key_id, revoked, at))
    }
}
