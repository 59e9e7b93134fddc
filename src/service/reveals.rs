//! Secrets the dashboard shows once: sealed into the database by the POST
//! that made them, opened and deleted by the one page that shows them, on
//! whichever replica that page is asked of.

use std::sync::Arc;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::domain::{Owner, Timestamp};
use crate::error::{Error, Result};
use crate::secrets::SecretBox;
use crate::store::Store;

/// How long a reveal waits for its page.
const KEPT_FOR: time::Duration = time::Duration::minutes(10);

/// What a shown-once page shows: a secret, and what it belongs to.
#[derive(Debug, Serialize, Deserialize)]
pub struct Reveal {
    /// `api_key`, `notification_setting` or `api_key_rotation`.
    pub kind: String,
    /// The id of what the secret belongs to.
    pub subject: String,
    /// Its name, as a person reads it.
    pub name: String,
    pub secret: String,
}

#[derive(Clone)]
pub struct Reveals {
    store: Arc<dyn Store>,
    secrets: SecretBox,
}

impl Reveals {
    pub(super) fn new(store: Arc<dyn Store>, secrets: SecretBox) -> Self {
        Self { store, secrets }
    }

    /// Keeps `reveal` for `owner`, sealed; returns the id of its page.
    pub async fn keep(&self, owner: &Owner, reveal: &Reveal) -> Result<String> {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        let id = hex::encode(bytes);
        let json = serde_json::to_string(reveal).map_err(|e| Error::Internal(e.into()))?;
        let sealed = self.secrets.seal(&json);
        // Real time, not the account's clock: this is the page's lifetime.
        let now = Timestamp::now();
        let stale = now.checked_sub(KEPT_FOR).unwrap_or(now);
        (self.store)
            .keep_reveal(&id, owner, &sealed, now, stale)
            .await?;
        Ok(id)
    }

    /// The reveal `id` of `owner`, once: `None` when it was shown already,
    /// never was, or waited too long.
    pub async fn take(&self, owner: &Owner, id: &str) -> Result<Option<Reveal>> {
        let Some((sealed, at)) = self.store.take_reveal(id, owner).await? else {
            return Ok(None);
        };
        let now = Timestamp::now();
        if now.checked_sub(KEPT_FOR).is_some_and(|stale| at < stale) {
            return Ok(None);
        }
        let json = self.secrets.open(&sealed);
        Ok(json.and_then(|json| serde_json::from_str(&json).ok()))
    }
}
