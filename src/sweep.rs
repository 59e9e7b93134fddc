//! The expiry sweep: every interval, sends the `api_key.expiring` and
//! `api_key.expired` notices that have come due. Every replica sweeps; the
//! store makes sure each notice goes out once (see `ApiKeys::sweep_expiries`).

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::service::ApiKeys;

pub struct KeySweeper {
    api_keys: ApiKeys,
    interval: Duration,
}

impl KeySweeper {
    pub fn new(api_keys: ApiKeys, interval: Duration) -> Self {
        Self { api_keys, interval }
    }

    /// Sweeps every interval, the first one interval after start, until
    /// `stop` turns true. (`POST /__paddock/api-keys/expiry-sweep` sweeps at
    /// once.)
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let start = tokio::time::Instant::now() + self.interval;
        let mut ticks = tokio::time::interval_at(start, self.interval);
        // A slow sweep (a busy database) delays the next; none pile up.
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            match self.api_keys.sweep_expiries().await {
                Ok(sweep) if sweep.expired.is_empty() && sweep.expiring.is_empty() => {}
                Ok(sweep) => tracing::info!(
                    expired = sweep.expired.len(),
                    expiring = sweep.expiring.len(),
                    "sent API key expiry notices"
                ),
                Err(error) => tracing::warn!(%error, "can't sweep API key expiries"),
            }
        }
    }
}
