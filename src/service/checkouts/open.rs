//! Opening a checkout: for a cart (a new draft transaction) or for a
//! transaction paddock holds.

use super::{ATTEMPTS, Checkouts, refusal};
use crate::domain::checkout::{
    CheckoutTarget, CheckoutView, Held, OpenCheckout, open_cart, open_held, preview_request,
};
use crate::domain::pricing::price;
use crate::domain::{Owner, TransactionId};
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
        let items = match &request.target {
            CheckoutTarget::Items(items) => items,
            CheckoutTarget::Transaction(id) => {
                return self.open_transaction(owner, &request, id).await;
            }
        };
        let prices = self.prices(owner, items).await?;
        let rates = self.store.tax_rates(owner).await?;
        let cart = preview_request(items, None);
        let priced = price(&cart, &prices, &rates).map_err(Error::from)?;
        // Drawn once the request is known to be good: a refusal leaves a
        // seeded account's sequence where it was.
        let mint = self.mints.mint(&owner.account).await?;
        let custom_data = request.custom_data.clone();
        let mut change = open_cart(
            owner,
            &priced,
            &request.settings,
            custom_data,
            origin,
            &mint,
        );
        if let Some(customer) = &request.customer {
            let id = change.purchase.checkout.id.clone();
            change
                .set_customer(customer, &rates)
                .map_err(|r| refusal(&id, r))?;
        }
        // `checkout.loaded` shows the customer given: no customer event.
        change.js_event("checkout.loaded", None, false);
        let (purchase, events) = change.finish();
        match self.save(&purchase, &events, true, true).await? {
            true => Ok(CheckoutView::new(purchase)),
            false => Err(Error::Internal("a new checkout's id was taken".into())),
        }
    }

    /// A checkout for a transaction the owner has: refused once it is paid.
    async fn open_transaction(
        &self,
        owner: &Owner,
        request: &OpenCheckout,
        id: &TransactionId,
    ) -> Result<CheckoutView> {
        for _ in 0..ATTEMPTS {
            let held = self.store.held_transaction(owner, id).await?;
            let held = held.ok_or_else(|| Error::NotFound(id.to_string()))?;
            if held.transaction.status.is_final() {
                return Err(Error::TransactionImmutable(id.to_string()));
            }
            let rates = self.store.tax_rates(owner).await?;
            let mint = self.mints.mint(&owner.account).await?;
            let held = Held {
                transaction: held.transaction,
                customer: held.customer,
                address: held.address,
                revision: held.revision,
                last_event_at: held.last_event_at,
            };
            let custom_data = request.custom_data.clone();
            let mut change = open_held(owner, held, &request.settings, custom_data, &mint);
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
