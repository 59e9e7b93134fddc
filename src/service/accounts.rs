//! Accounts: create, read, and reset to empty.

use std::sync::Arc;

use serde::Serialize;

use super::{Journal, Mints, Totals};
use crate::domain::{Account, Clock, NewAccount};
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Clone)]
pub struct Accounts {
    store: Arc<dyn Store>,
    totals: Arc<Totals>,
    journal: Arc<Journal>,
    mints: Arc<Mints>,
}

/// What a reset deleted.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct ResetReport {
    pub deleted_client_tokens: u64,
}

impl Accounts {
    pub(super) fn new(
        store: Arc<dyn Store>,
        totals: Arc<Totals>,
        journal: Arc<Journal>,
        mints: Arc<Mints>,
    ) -> Self {
        Self {
            store,
            totals,
            journal,
            mints,
        }
    }

    /// Creates the account unless it exists; `true` when this call created
    /// it. A seed given is set (restarting the sequence) either way.
    pub async fn create(&self, new: NewAccount) -> Result<(Account, bool)> {
        // Created on the account's clock: a seeded one's starts stopped.
        let at = match new.seed {
            Some(_) => Clock::seeded_start().now(),
            None => self.mints.now(&new.name).await?,
        };
        let created = self.store.ensure_account(&new.name, at).await?;
        if let Some(seed) = &new.seed {
            self.mints.set_seed(&new.name, Some(seed)).await?;
        }
        Ok((self.get(&new.name).await?, created))
    }

    pub async fn get(&self, name: &str) -> Result<Account> {
        let account = self.store.account(name).await?;
        account.ok_or_else(|| Error::NotFound(name.to_owned()))
    }

    /// Every account, by name.
    pub async fn list(&self) -> Result<Vec<Account>> {
        Ok(self.store.accounts().await?)
    }

    /// Deletes the client tokens, checkouts (with their transactions,
    /// customers and addresses) and events of one account (`None`: of every
    /// account) and forgets what this process remembers of them; keys,
    /// notification settings and the catalog stay.
    pub async fn reset(&self, account: Option<&str>) -> Result<ResetReport> {
        self.store.delete_checkouts(account).await?;
        let deleted = self.store.delete_client_tokens(account).await?;
        match account {
            Some(account) => self.totals.forget_account(account),
            None => self.totals.forget_all(),
        }
        self.journal.clear(account);
        Ok(ResetReport {
            deleted_client_tokens: deleted,
        })
    }
}
