//! Price and transaction previews: read the catalog prices and tax rates of
//! the caller's account and environment, and price the cart. A preview
//! writes nothing: no entity, no event, no count changes.

use std::sync::Arc;

use serde_json::value::RawValue;

use crate::domain::pricing::{
    PreviewKind, PreviewRefusal, PreviewRequest, PricePreview, TransactionPreview, price,
};
use crate::domain::{CatalogPrice, CatalogStatus, FieldError, Owner, PriceId};
use crate::error::{Error, Result};
use crate::store::Store;

#[derive(Clone)]
pub struct Previews {
    store: Arc<dyn Store>,
}

impl Previews {
    pub(super) fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The preview's `data`, written. Refusals come in the order a request
    /// is read: ids of entities paddock has none of (customers, addresses,
    /// businesses, then discounts), the prices, then what the prices allow.
    pub async fn preview(&self, owner: &Owner, request: &PreviewRequest) -> Result<Box<RawValue>> {
        // paddock keeps no customers, addresses or businesses: any id is
        // one that doesn't exist, answered as Paddle answers one.
        let unknown = [
            &request.customer_id,
            &request.address_id,
            &request.business_id,
        ];
        if let Some(id) = unknown.into_iter().flatten().next() {
            return Err(Error::NotFound(id.clone()));
        }
        if request.discount_id.is_some() {
            return Err(Error::TransactionDiscountNotFound);
        }
        // Side by side, so the two reads take one read's time (and bound).
        let (prices, rates) = tokio::try_join!(self.prices(owner, request), async {
            Ok(self.store.tax_rates(owner).await?)
        })?;
        let priced = price(request, &prices, &rates).map_err(Error::from)?;
        let written = match request.kind {
            PreviewKind::Prices => serde_json::value::to_raw_value(&PricePreview::of(&priced)),
            PreviewKind::Transaction => {
                serde_json::value::to_raw_value(&TransactionPreview::of(&priced))
            }
        };
        written.map_err(|error| Error::Internal(error.into()))
    }

    async fn prices(&self, owner: &Owner, request: &PreviewRequest) -> Result<Vec<CatalogPrice>> {
        let ids = request.items.iter().map(|item| &item.price_id);
        purchasable(self.store.as_ref(), owner, ids).await
    }
}

/// The catalog price (with its product) of each of `ids`, in their order:
/// a price the owner doesn't have in this environment, or has archived (or
/// whose product it has archived), doesn't exist for a preview or a
/// checkout, and is refused as Paddle refuses an unknown price.
pub(super) async fn purchasable<'a>(
    store: &dyn Store,
    owner: &Owner,
    ids: impl Iterator<Item = &'a PriceId> + Clone,
) -> Result<Vec<CatalogPrice>> {
    let mut distinct: Vec<PriceId> = Vec::new();
    for id in ids.clone() {
        if !distinct.contains(id) {
            distinct.push(id.clone());
        }
    }
    let found = store.catalog_prices(owner, &distinct).await?;
    let usable = |id: &PriceId| {
        found.iter().find(|found| {
            found.price.id == *id
                && found.price.status == CatalogStatus::Active
                && found.product.status == CatalogStatus::Active
        })
    };
    let missing: Vec<&str> = (distinct.iter())
        .filter(|id| usable(id).is_none())
        .map(PriceId::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::TransactionPriceNotFound(missing.join(", ")));
    }
    Ok(ids.filter_map(|id| usable(id).cloned()).collect())
}

/// What the pricing of a cart refuses, as Paddle's API answers it (for a
/// preview and a checkout alike).
impl From<PreviewRefusal> for Error {
    fn from(refusal: PreviewRefusal) -> Self {
        match refusal {
            PreviewRefusal::QuantityOutOfRange {
                quantity,
                minimum,
                maximum,
            } => Error::TransactionItemQuantityOutOfRange {
                quantity,
                minimum,
                maximum,
            },
            PreviewRefusal::DifferentBillingCycle => Error::TransactionPriceDifferentBillingCycle,
            PreviewRefusal::NoAmountInCurrency { field, message } => {
                Error::InvalidField(vec![FieldError::new(field, message)])
            }
        }
    }
}
