//! Client tokens: create, read, list, revoke, and seed fixtures.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::{Mints, Totals};
use crate::domain::{
    ClientToken, ClientTokenId, ClientTokenStatus, ClientTokenUpdate, Event, ListQuery, Mint,
    NewClientToken, Owner, ValidationErrors, fixture_conflicts, parse_seed,
};
use crate::error::{Error, Result};
use crate::store::{Page, Revocation, Store, StoreError};

/// Token values are 108 random bits: a collision is retried this many
/// times, never surfaced.
const CREATE_ATTEMPTS: u32 = 4;

/// How long a list (its count and its page) may take: within the 2 s an
/// answer has when the database is out of reach.
const LIST_BOUND: std::time::Duration = std::time::Duration::from_millis(1750);

#[derive(Clone)]
pub struct ClientTokens {
    store: Arc<dyn Store>,
    totals: Arc<Totals>,
    mints: Arc<Mints>,
}

/// A page of a list, and the owner's total when it was asked for.
#[derive(Debug)]
pub struct Listing {
    pub page: Page,
    pub estimated_total: Option<u64>,
}

impl ClientTokens {
    pub(super) fn new(store: Arc<dyn Store>, totals: Arc<Totals>, mints: Arc<Mints>) -> Self {
        Self {
            store,
            totals,
            mints,
        }
    }

    /// Creates an active token; emits `client_token.created`.
    pub async fn create(&self, owner: &Owner, new: NewClientToken) -> Result<ClientToken> {
        let mut attempts = 0;
        loop {
            let mint = self.mints.mint(&owner.account).await?;
            let token = ClientToken::create(new.clone(), owner.environment, &mint);
            let events = Event::for_creation(&token, &mint);
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

    /// The token whose value is `value`, with its owner, whatever its
    /// status: how Paddle.js's requests are recognised. Read from the
    /// database every time, so a revocation by any replica counts at once.
    pub async fn by_value(&self, value: &str) -> Result<Option<(Owner, ClientToken)>> {
        Ok(self.store.client_token_by_value(value).await?)
    }

    /// A page of the owner's tokens, with their total unless `skip_count`.
    pub async fn list(
        &self,
        owner: &Owner,
        query: &ListQuery,
        skip_count: bool,
    ) -> Result<Listing> {
        // The count and the page side by side, under one bound: a count
        // waiting its turn behind another must not add its wait to the
        // page's, past the 2 s an answer has in an outage.
        let counting = async {
            if skip_count {
                return Ok(None);
            }
            let statuses = &query.statuses;
            let total = (self.totals)
                .estimate(self.store.as_ref(), owner, statuses)
                .await?;
            Ok::<_, StoreError>(Some(total))
        };
        let paging = self.store.list_client_tokens(owner, query);
        let both = async { tokio::try_join!(counting, paging) };
        let (estimated_total, page) = tokio::time::timeout(LIST_BOUND, both)
            .await
            .map_err(|_| crate::store::too_late())??;
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
                let mint = self.mints.mint(&owner.account).await?;
                let at = mint.now();
                let events_for =
                    Box::new(move |token: &ClientToken| Event::for_revocation(token, &mint));
                let revocation = self
                    .store
                    .revoke_client_token(owner, id, at, events_for)
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

    /// Inserts the fixtures of a seed body, `{"client_tokens": [...]}`,
    /// for `account` (created on first use), all or none. Fixtures are
    /// history, not news: they emit no events. An `id` or `token` another
    /// client token has is a field error.
    pub async fn seed(&self, account: &str, body: &Map<String, Value>) -> Result<Vec<ClientToken>> {
        // Checked before a number is drawn: a refused body draws none.
        parse_seed(body, &Mint::real())?;
        let mint = self.mints.mint(account).await?;
        let fixtures = parse_seed(body, &mint)?;
        self.store.ensure_account(account, mint.now()).await?;
        match self.store.insert_client_tokens(account, &fixtures).await {
            Ok(()) => {}
            Err(StoreError::Conflict(_)) => {
                let (ids, values): (Vec<_>, Vec<_>) = (fixtures.iter())
                    .map(|(_, token)| (token.id.as_str(), token.token.as_str()))
                    .unzip();
                let taken = self.store.taken_client_tokens(&ids, &values).await?;
                let errors = fixture_conflicts(&fixtures, &taken);
                return Err(ValidationErrors::combine(errors).map_or_else(
                    || StoreError::Conflict("client_tokens".into()).into(),
                    Into::into,
                ));
            }
            Err(error) => return Err(error.into()),
        }
        self.written(account);
        Ok(fixtures.into_iter().map(|(_, token)| token).collect())
    }

    /// After a write to the account's tokens: its remembered totals are
    /// stale.
    fn written(&self, account: &str) {
        self.totals.forget_account(account);
    }
}
