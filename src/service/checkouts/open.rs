//! Opening a checkout: for a cart (a new draft transaction) or for a
//! transaction paddock holds.

use super::{Checkouts, refusal};
use crate::domain::checkout::{
    Change, Checkout, CheckoutState, CheckoutTarget, CheckoutView, OpenCheckout, PaymentState,
    Purchase, Step, checkout_url, draft, preview_request,
};
use crate::domain::pricing::price;
use crate::domain::{CheckoutId, EventType, Mint, Owner, Timestamp, TransactionId};
use crate::error::{Error, Result};

impl Checkouts {
    /// Opens a checkout for the owner of the client-side token: the cart
    /// priced as a transaction preview is, or the transaction asked for.
    /// `origin`: the page's, for the transaction's `checkout.url`.
    pub async fn open(
        &self,
        owner: &Owner,
        request: OpenCheckout,
        origin: Option<&str>,
    ) -> Result<CheckoutView> {
        // Paddle refuses a discount it doesn't know; paddock knows none.
        if request.discount_id.is_some() {
            return Err(Error::TransactionDiscountNotFound);
        }
        match &request.target {
            CheckoutTarget::Items(items) => {
                let prices = self.prices(owner, items).await?;
                let rates = self.store.tax_rates(owner).await?;
                let mint = self.mints.mint(&owner.account).await?;
                let mut step = Step::new(&mint, owner.clone(), None);
                let at = step.at();
                let cart = preview_request(items, None);
                let priced = price(&cart, &prices, &rates).map_err(super::pricing_refusal)?;
                let id = TransactionId::mint(&mint);
                let url = checkout_url(origin, &id);
                let transaction = draft(id, &priced, url, request.custom_data.clone(), at, &mint);
                let purchase = Purchase {
                    checkout: new_checkout(owner, &request, &transaction.id, at, &mint),
                    transaction,
                    customer: None,
                    address: None,
                    transaction_revision: 0,
                    last_event_at: None,
                };
                let mut change = Change { purchase, step };
                change.transaction_event(EventType::TransactionCreated, at);
                if let Some(customer) = &request.customer {
                    let id = change.purchase.checkout.id.clone();
                    change
                        .set_customer(customer, &rates)
                        .map_err(|r| refusal(&id, r))?;
                }
                change.js_event("checkout.loaded", None, false);
                let (purchase, events) = change.finish();
                match self.save(&purchase, &events, true, true).await? {
                    true => Ok(CheckoutView::new(purchase)),
                    false => Err(Error::Internal("a new checkout's id was taken".into())),
                }
            }
            CheckoutTarget::Transaction(id) => self.open_transaction(owner, &request, id).await,
        }
    }

    /// A checkout for a transaction the owner has: refused once it is paid.
    /// The checkout's `custom_data` replaces the transaction's, as Paddle
    /// does.
    async fn open_transaction(
        &self,
        owner: &Owner,
        request: &OpenCheckout,
        id: &TransactionId,
    ) -> Result<CheckoutView> {
        for _ in 0..super::ATTEMPTS {
            let held = self.store.held_transaction(owner, id).await?;
            let held = held.ok_or_else(|| Error::NotFound(id.to_string()))?;
            if held.transaction.status.is_final() {
                return Err(Error::TransactionImmutable(id.to_string()));
            }
            let rates = self.store.tax_rates(owner).await?;
            let mint = self.mints.mint(&owner.account).await?;
            let step = Step::new(&mint, owner.clone(), held.last_event_at);
            let at = step.base();
            let purchase = Purchase {
                checkout: new_checkout(owner, request, id, at, &mint),
                transaction: held.transaction,
                customer: held.customer,
                address: held.address,
                transaction_revision: held.revision,
                last_event_at: held.last_event_at,
            };
            let mut change = Change { purchase, step };
            if let Some(custom_data) = &request.custom_data {
                let at = change.step.at();
                let transaction = &mut change.purchase.transaction;
                transaction.custom_data = Some(custom_data.clone());
                transaction.updated_at = at;
                change.transaction_event(EventType::TransactionUpdated, at);
            }
            if let Some(customer) = &request.customer {
                let checkout = change.purchase.checkout.id.clone();
                change
                    .set_customer(customer, &rates)
                    .map_err(|r| refusal(&checkout, r))?;
            }
            change.js_event("checkout.loaded", None, false);
            let (purchase, events) = change.finish();
            if self.save(&purchase, &events, true, false).await? {
                return Ok(CheckoutView::new(purchase));
            }
        }
        Err(Error::Internal(
            format!("transaction {id} kept changing while a checkout opened").into(),
        ))
    }
}

/// A new open checkout of `transaction`, made at `at`.
fn new_checkout(
    owner: &Owner,
    request: &OpenCheckout,
    transaction: &TransactionId,
    at: Timestamp,
    mint: &Mint,
) -> Checkout {
    Checkout {
        id: CheckoutId::mint(mint),
        account: owner.account.clone(),
        environment: owner.environment,
        transaction_id: transaction.clone(),
        state: CheckoutState::Open,
        settings: request.settings.clone(),
        payment: PaymentState::default(),
        events: Vec::new(),
        revision: 0,
        created_at: at,
        updated_at: at,
    }
}
