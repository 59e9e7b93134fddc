//! An account's whole state, saved and loaded again (the admin API's export
//! and import): the rules an import is held to beyond the document's own,
//! and what this process remembers that an import makes stale.

use std::sync::Arc;

use super::{KeyCache, Mints, Totals};
use crate::domain::{AccountState, StateCounts, ValidationErrors};
use crate::error::{Error, Result};
use crate::secrets::SecretBox;
use crate::store::{Import, Store, StoreError};

const NOT_EMPTY: &str = "must have no client tokens, API keys, notification settings, events or products to import into";

#[derive(Clone)]
pub struct AccountStates {
    store: Arc<dyn Store>,
    totals: Arc<Totals>,
    key_cache: Arc<KeyCache>,
    secrets: SecretBox,
    mints: Arc<Mints>,
}

impl AccountStates {
    pub(super) fn new(
        store: Arc<dyn Store>,
        totals: Arc<Totals>,
        key_cache: Arc<KeyCache>,
        secrets: SecretBox,
        mints: Arc<Mints>,
    ) -> Self {
        Self {
            store,
            totals,
            key_cache,
            secrets,
            mints,
        }
    }

    /// Everything stored of `account`, as of one instant.
    pub async fn export(&self, account: &str) -> Result<AccountState> {
        let state = self.store.export_account(account).await?;
        state.ok_or_else(|| Error::NotFound(account.to_owned()))
    }

    /// Loads `state` into its account, which must hold nothing yet, all or
    /// nothing. Its sealed secrets must open with this server's key; its
    /// ids must be no other account's. Events are loaded as history: none
    /// is emitted, and pending deliveries are sent from here on.
    pub async fn import(&self, state: AccountState) -> Result<StateCounts> {
        state.check_sealed(|sealed| self.secrets.open(sealed))?;
        let keys: Vec<_> = state.api_keys.iter().map(|key| &key.id).collect();
        let import = || {
            self.key_cache
                .changing(&keys, self.store.import_account(&state))
        };
        let mut outcome = import().await;
        if let Err(StoreError::Conflict(_)) = outcome {
            // Another import took an id between the check and the insert:
            // once more, the check names it.
            outcome = import().await;
        }
        match outcome? {
            Import::Imported => {}
            Import::NotEmpty => return Err(ValidationErrors::rule("account", NOT_EMPTY).into()),
            Import::Taken(taken) => {
                let errors = state.taken_errors(&taken);
                return Err(errors.map_or(Error::Internal("ids taken".into()), Error::from));
            }
        }
        let account = &state.account.name;
        self.totals.forget_account(account);
        self.mints.forget(account);
        Ok(state.counts())
    }
}
