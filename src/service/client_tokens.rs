//! Client tokens: create, read, list, revoke, and seed fixtures.

use std::sync::Arc;

use tokio::sync::Notify;

use super::Totals;
use crate::domain::{
    ClientToken, ClientTokenId, ClientTokenStatus, ClientTokenUpdate, Environment, Event,
    ListQuery, NewClientToken, Owner, Timestamp,
};
use crate::error::{Error, Result};
use crate::store::{Page, Revocation, Store, StoreError};

/// Token values are 108 random bits: a collision is retried this many
/// times, never surfaced.
const CREATE_ATTEMPTS: u32 = 4;

#[derive(Clone)]
pub struct ClientTokens {
    store: Arc<dyn Store>,
    totals: Arc<Totals>,
    dispatch: Arc<Notify>,
}

/// A page of a list, and the owner's total when it was asked for.
#[derive(Debug)]
pub struct Listing {
    pub page: Page,
    pub estimated_total: Option<u64>,
}

impl ClientTokens {
    pub(super) fn new(store: Arc<dyn Store>, totals: Arc<Totals>, dispatch: Arc<Notify>) -> Self {
        Self {
            store,
            totals,
            dispatch,
        }
    }

    /// Creates an active token; emits `client_token.created`.
    pub async fn create(&self, owner: &Owner, new: NewClientToken) -> Result<ClientToken> {
        let mut attempts = 0;
        loop {
            let token = ClientToken::create(new.clone(), owner.environment, Timestamp::now());
            let events = Event::for_creation(&token);
            match self.store.create_client_token(owner, &token, &events).await {
                Ok(()) => {
                    self.written(&owner.account);
                    return Ok(token);
                }
                Err(StoreError::Conflict(_)) if attempts + 1 < CREATE_ATTEMPTS => attempts += 1,
                Err(error) => return Err(error.into()),
            }
        }
    }

    pub async fn get(&self, owner: &Owner, id: &ClientTokenId) -> Result<ClientToken> {
        let token = self.store.client_token(owner, id).await?;
        token.ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// A page of the owner's tokens, with their total unless `skip_count`.
    pub async fn list(
        &self,
        owner: &Owner,
        query: &ListQuery,
        skip_count: bool,
    ) -> Result<Listing> {
        let estimated_total = if skip_count {
            None
        } else {
            let statuses = &query.statuses;
            Some(
                self.totals
                    .estimate(self.store.as_ref(), owner, statuses)
                    .await?,
            )
        };
        let page = self.store.list_client_tokens(owner, query).await?;
        Ok(Listing {
            page,
            estimated_total,
        })
    }

    /// Revoking emits `client_token.revoked` then `client_token.updated`;
    /// revoking a revoked token returns it unchanged. Paddle has no way
    /// back: asking for `active` on a revoked token is an error.
    pub async fn update(
        &self,
        owner: &Owner,
        id: &ClientTokenId,
        update: ClientTokenUpdate,
    ) -> Result<ClientToken> {
        match update.status {
            ClientTokenStatus::Revoked => {
                let revocation = self
                    .store
                    .revoke_client_token(owner, id, Timestamp::now(), &Event::for_revocation)
                    .await?;
                match revocation {
                    Some(Revocation::Revoked(token)) => {
                        self.written(&owner.account);
                        Ok(token)
                    }
                    Some(Revocation::AlreadyRevoked(token)) => Ok(token),
                    None => Err(Error::NotFound(id.to_string())),
                }
            }
            ClientTokenStatus::Active => match self.get(owner, id).await? {
                token if token.status == ClientTokenStatus::Active => Ok(token),
                _ => Err(Error::ClientTokenRevoked(id.clone())),
            },
        }
    }

    /// Inserts fixtures for `account` (created on first use), all or none.
    /// Fixtures are history, not news: they emit no events.
    pub async fn seed(
        &self,
        account: &str,
        fixtures: Vec<(Environment, ClientToken)>,
    ) -> Result<Vec<ClientToken>> {
        self.store.ensure_account(account, Timestamp::now()).await?;
        self.store.insert_client_tokens(account, &fixtures).await?;
        self.written(account);
        Ok(fixtures.into_iter().map(|(_, token)| token).collect())
    }

    /// After a write to the account's tokens: its remembered totals are
    /// stale, and there may be deliveries to send.
    fn written(&self, account: &str) {
        self.totals.forget_account(account);
        self.dispatch.notify_one();
    }
}
