//! A new checkout: for a cart (a new draft transaction, `transaction.created`)
//! or for a transaction paddock holds.

use serde_json::{Map, Value};

use super::machine::{Change, Step};
use super::pricing::{checkout_url, draft};
use super::{
    Address, Checkout, CheckoutSettings, CheckoutState, Customer, PaymentState, Purchase,
    Transaction,
};
use crate::domain::pricing::Priced;
use crate::domain::{CheckoutId, EventType, Mint, Owner, Timestamp, TransactionId};

/// A new open checkout of `transaction`, made at `at`.
fn new_checkout(
    owner: &Owner,
    settings: &CheckoutSettings,
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
        settings: settings.clone(),
        payment: PaymentState::default(),
        events: Vec::new(),
        revision: 0,
        created_at: at,
        updated_at: at,
    }
}

/// A checkout of a new draft transaction priced as `priced`, opened from
/// the page at `origin`: `transaction.created` made.
pub fn open_cart<'m>(
    owner: &Owner,
    priced: &Priced<'_>,
    settings: &CheckoutSettings,
    custom_data: Option<Map<String, Value>>,
    origin: Option<&str>,
    mint: &'m Mint,
) -> Change<'m> {
    let mut step = Step::new(mint, owner.clone(), None);
    let at = step.at();
    let id = TransactionId::mint(mint);
    let url = checkout_url(origin, &id);
    let transaction = draft(id, priced, url, custom_data, at, mint);
    let purchase = Purchase {
        checkout: new_checkout(owner, settings, &transaction.id, at, mint),
        transaction,
        customer: None,
        address: None,
        transaction_revision: 0,
        last_event_at: None,
    };
    let mut change = Change { purchase, step };
    change.transaction_event(EventType::TransactionCreated, at);
    change
}

/// What a held transaction is read as.
pub struct Held {
    pub transaction: Transaction,
    pub customer: Option<Customer>,
    pub address: Option<Address>,
    pub revision: i64,
    pub last_event_at: Option<Timestamp>,
}

/// A new checkout of a transaction paddock holds. Its `custom_data`, if
/// given, replaces the transaction's, as Paddle.js's does
/// (`transaction.updated`).
pub fn open_held<'m>(
    owner: &Owner,
    held: Held,
    settings: &CheckoutSettings,
    custom_data: Option<Map<String, Value>>,
    mint: &'m Mint,
) -> Change<'m> {
    let step = Step::new(mint, owner.clone(), held.last_event_at);
    let id = held.transaction.id.clone();
    let purchase = Purchase {
        checkout: new_checkout(owner, settings, &id, step.base(), mint),
        transaction: held.transaction,
        customer: held.customer,
        address: held.address,
        transaction_revision: held.revision,
        last_event_at: held.last_event_at,
    };
    let mut change = Change { purchase, step };
    if let Some(custom_data) = custom_data {
        let at = change.step.at();
        let transaction = &mut change.purchase.transaction;
        transaction.custom_data = Some(custom_data);
        transaction.updated_at = at;
        change.transaction_event(EventType::TransactionUpdated, at);
    }
    change
}
