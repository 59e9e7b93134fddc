//! The test-mode checkout: opened by Paddle.js with a client-side token,
//! filled in and paid by its page (or completed by the admin API). Each
//! write reads the checkout, judges it (`domain::checkout`), and writes it
//! with its webhook events as a compare-and-set on what it read: a write
//! that lost a race reads again and is judged again, so a checkout is
//! completed exactly once.

mod open;

use std::sync::{Arc, Mutex};

use super::Mints;
use crate::domain::checkout::{
    CUSTOMER_FIRST_MESSAGE, CardDetails, Change, CheckoutItem, CheckoutRefusal, CheckoutState,
    CheckoutUpdate, CheckoutView, CustomerDetails, Outcome, Purchase, TestCard, invoice_number,
};
use crate::domain::{
    CatalogPrice, CheckoutId, CountryCode, EventType, FieldError, Mint, Owner, TaxRates,
};
use crate::error::{Error, Result};
use crate::store::{PurchaseWrite, Store, StoreError};

/// How often a write is judged again after losing a race.
const ATTEMPTS: usize = 8;

#[derive(Clone)]
pub struct Checkouts {
    store: Arc<dyn Store>,
    mints: Arc<Mints>,
}

/// The customer an admin completion uses when the checkout has none
/// *(assumed)*.
pub fn default_customer() -> CustomerDetails {
    CustomerDetails {
        email: "buyer@example.com".to_owned(),
        country_code: CountryCode::parse("US").expect("US is a country"),
        postal_code: Some("10001".to_owned()),
    }
}

impl Checkouts {
    pub(super) fn new(store: Arc<dyn Store>, mints: Arc<Mints>) -> Self {
        Self { store, mints }
    }

    /// A checkout of any account: its id is the capability.
    pub async fn get(&self, id: &CheckoutId) -> Result<CheckoutView> {
        Ok(CheckoutView::new(self.load(id).await?))
    }

    /// Every checkout of the account, both environments, newest last.
    pub async fn list(&self, account: &str) -> Result<Vec<CheckoutView>> {
        if self.store.account(account).await?.is_none() {
            return Err(Error::NotFound(account.to_owned()));
        }
        let purchases = self.store.account_purchases(account).await?;
        Ok(purchases.into_iter().map(CheckoutView::new).collect())
    }

    pub async fn set_customer(
        &self,
        id: &CheckoutId,
        customer: CustomerDetails,
    ) -> Result<CheckoutView> {
        self.write(id, |change, context| {
            let first = change
                .set_customer(&customer, &context.rates)
                .map_err(|r| refusal(id, r))?;
            change.js_event(customer_event(first), None, false);
            Ok(())
        })
        .await
    }

    /// `Checkout.updateItems`: the cart priced again.
    pub async fn update_items(
        &self,
        id: &CheckoutId,
        items: Vec<CheckoutItem>,
    ) -> Result<CheckoutView> {
        let owner = self.load(id).await?.checkout.owner();
        let prices = self.prices(&owner, &items).await?;
        self.write(id, |change, context| {
            change
                .reprice(Some((&items, &prices)), &context.rates)
                .map_err(|r| refusal(id, r))?;
            let at = change.step.at();
            change.purchase.transaction.updated_at = at;
            change.transaction_event(EventType::TransactionUpdated, at);
            change.js_event("checkout.items.updated", None, false);
            Ok(())
        })
        .await
    }

    /// `Checkout.updateCheckout`: items, custom data and customer, any of them.
    pub async fn update(&self, id: &CheckoutId, update: CheckoutUpdate) -> Result<CheckoutView> {
        let prices = match &update.items {
            Some(items) => {
                let owner = self.load(id).await?.checkout.owner();
                self.prices(&owner, items).await?
            }
            None => Vec::new(),
        };
        self.write(id, |change, context| {
            if let Some(customer) = &update.customer {
                change
                    .set_customer(customer, &context.rates)
                    .map_err(|r| refusal(id, r))?;
            }
            let mut changed = false;
            if let Some(items) = &update.items {
                change
                    .reprice(Some((items, &prices)), &context.rates)
                    .map_err(|r| refusal(id, r))?;
                changed = true;
            }
            if let Some(custom_data) = &update.custom_data {
                change.purchase.transaction.custom_data = custom_data.clone();
                changed = true;
            }
            if changed {
                let at = change.step.at();
                change.purchase.transaction.updated_at = at;
                change.transaction_event(EventType::TransactionUpdated, at);
            }
            change.js_event("checkout.updated", None, false);
            Ok(())
        })
        .await
    }

    /// Pays with a test card: captured (and completed), declined, or
    /// waiting for its 3-D Secure step.
    pub async fn pay(&self, id: &CheckoutId, card: CardDetails) -> Result<CheckoutView> {
        self.write(id, |change, context| {
            card.check_expiry(change.step.mint.now())?;
            change
                .pay(&card, &context.invoice)
                .map_err(|r| refusal(id, r))
        })
        .await
    }

    /// The 3-D Secure step, accepted or refused.
    pub async fn authenticate(&self, id: &CheckoutId, accepted: bool) -> Result<CheckoutView> {
        self.write(id, |change, context| {
            change
                .authenticate(accepted, &context.invoice)
                .map_err(|r| refusal(id, r))
        })
        .await
    }

    /// Closed by the page. Closing a checkout that is no longer open (the
    /// shim closes after success too) changes nothing.
    pub async fn close(&self, id: &CheckoutId) -> Result<CheckoutView> {
        let purchase = self.load(id).await?;
        if purchase.checkout.state != CheckoutState::Open {
            return Ok(CheckoutView::new(purchase));
        }
        self.write(id, |change, _| {
            change.purchase.checkout.state = CheckoutState::Closed;
            Ok(())
        })
        .await
    }

    /// The admin API's completion: the page's steps in one call, with a
    /// default customer if none was given *(assumed)*.
    pub async fn complete(&self, id: &CheckoutId, outcome: Outcome) -> Result<CheckoutView> {
        self.write(id, |change, context| {
            let first = change.purchase.customer.is_none();
            let given = outcome.customer().cloned();
            if first || given.is_some() {
                let customer = given.unwrap_or_else(default_customer);
                change
                    .set_customer(&customer, &context.rates)
                    .map_err(|r| refusal(id, r))?;
                change.js_event(customer_event(first), None, false);
            }
            let card = match outcome {
                Outcome::Paid { .. } => TestCard::Succeeds,
                Outcome::Declined { .. } => TestCard::Declined,
            };
            let card = CardDetails::test(card, change.step.mint.now());
            change
                .pay(&card, &context.invoice)
                .map_err(|r| refusal(id, r))
        })
        .await
    }

    async fn load(&self, id: &CheckoutId) -> Result<Purchase> {
        let purchase = self.store.purchase(id).await?;
        purchase.ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// Reads, judges with `judge` and writes, again while another write
    /// wins the race.
    async fn write(
        &self,
        id: &CheckoutId,
        judge: impl Fn(&mut Change<'_>, &Context) -> Result<()>,
    ) -> Result<CheckoutView> {
        for _ in 0..ATTEMPTS {
            let purchase = self.load(id).await?;
            let owner = purchase.checkout.owner();
            let context = self.context(&owner).await?;
            // Judged first on a mint that draws nothing: a refusal leaves
            // even a seeded account's sequence where it was.
            let now = self.mints.now(&owner.account).await?;
            let trial = Mint::controlled(now, Arc::new(Mutex::new(ulid::Generator::new())));
            let mut dry = Change::new(purchase.clone(), &trial);
            dry.require_open().map_err(|r| refusal(id, r))?;
            judge(&mut dry, &context)?;
            let mint = self.mints.mint(&owner.account).await?;
            let mut change = Change::new(purchase, &mint);
            change.require_open().map_err(|r| refusal(id, r))?;
            judge(&mut change, &context)?;
            let (purchase, events) = change.finish();
            if self.save(&purchase, &events, false, false).await? {
                return Ok(CheckoutView::new(purchase));
            }
        }
        Err(Error::Internal(
            format!("checkout {id} kept changing: {ATTEMPTS} writes lost the race").into(),
        ))
    }

    /// What a write may need: the account's tax rates and the next
    /// invoice number.
    async fn context(&self, owner: &Owner) -> Result<Context> {
        let (rates, invoiced) = tokio::try_join!(
            self.store.tax_rates(owner),
            self.store.invoiced_transactions(owner)
        )?;
        Ok(Context {
            rates,
            invoice: invoice_number(&owner.account, invoiced),
        })
    }

    /// Each item's price with its product, in the items' order, refused as
    /// the previews refuse it.
    async fn prices(&self, owner: &Owner, items: &[CheckoutItem]) -> Result<Vec<CatalogPrice>> {
        let ids = items.iter().map(|item| &item.price_id);
        super::previews::purchasable(self.store.as_ref(), owner, ids).await
    }

    /// `false`: another write came first (or took the invoice number).
    async fn save(
        &self,
        purchase: &Purchase,
        events: &[crate::domain::Event],
        new_checkout: bool,
        new_transaction: bool,
    ) -> Result<bool> {
        let write = PurchaseWrite {
            purchase,
            new_checkout,
            new_transaction,
            events,
        };
        match self.store.write_purchase(write).await {
            Ok(written) => Ok(written),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }
}

/// What a write is judged with.
struct Context {
    rates: TaxRates,
    invoice: String,
}

fn customer_event(first: bool) -> &'static str {
    match first {
        true => "checkout.customer.created",
        false => "checkout.customer.updated",
    }
}

/// A refusal in Paddle's (or paddock's own) words.
fn refusal(id: &CheckoutId, refusal: CheckoutRefusal) -> Error {
    match refusal {
        CheckoutRefusal::NotOpen(state) => Error::CheckoutNotOpen {
            id: id.to_string(),
            state: state.as_str().to_owned(),
        },
        CheckoutRefusal::CustomerFirst => {
            Error::InvalidField(vec![FieldError::new("customer", CUSTOMER_FIRST_MESSAGE)])
        }
        CheckoutRefusal::NothingToAuthenticate => Error::InvalidField(vec![FieldError::new(
            "outcome",
            "No 3-D Secure step is waiting for this checkout",
        )]),
        CheckoutRefusal::Immutable(transaction) => Error::TransactionImmutable(transaction),
        CheckoutRefusal::Pricing(refusal) => refusal.into(),
    }
}

#[cfg(test)]
mod tests;
