//! What each write to a checkout changes, and the webhook and Paddle.js
//! events it makes, in order (contract: "The test-mode checkout"). A
//! [`Step`] times a write's events: each at `base + k µs`, after the
//! transaction's last event even on a frozen clock.

use super::entity::{Address, Customer};
use super::js::event_data;
use super::pricing::{apply, carried_prices, cart, preview_request};
use super::transaction::{MethodDetails, Payment, PaymentCard, TransactionStatus};
use super::{
    AddressId, CardDetails, Checkout, CheckoutEvent, CheckoutItem, CheckoutState, CustomerDetails,
    CustomerId, InvoiceId, PaymentMethodId, PaymentStatus, Purchase, TestCard,
};
use crate::domain::pricing::{PreviewAddress, PreviewRefusal, price};
use crate::domain::{
    CatalogPrice, Event, EventData, EventType, Id, Mint, Owner, TaxRates, Timestamp, kind,
};

/// Why a write can't be made to a checkout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckoutRefusal {
    /// Completed or closed.
    NotOpen(CheckoutState),
    /// Paying before an email and country are known.
    CustomerFirst,
    /// Authenticating with no 3-D Secure step pending.
    NothingToAuthenticate,
    /// The transaction (named) is paid or completed, by another checkout.
    Immutable(String),
    Pricing(PreviewRefusal),
}

/// The timing and events of one write.
pub struct Step<'m> {
    pub mint: &'m Mint,
    owner: Owner,
    base: Timestamp,
    next: i64,
    pub events: Vec<Event>,
}

impl<'m> Step<'m> {
    /// A write's events start at `max(mint.now(), last + 1 µs)`.
    pub fn new(mint: &'m Mint, owner: Owner, last: Option<Timestamp>) -> Self {
        let after_last = last.and_then(|at| at.checked_add(time::Duration::microseconds(1)));
        let base = after_last.map_or(mint.now(), |after| after.max(mint.now()));
        Self {
            mint,
            owner,
            base,
            next: 0,
            events: Vec::new(),
        }
    }

    /// The write's instant: its first event's.
    pub fn base(&self) -> Timestamp {
        self.base
    }

    /// The next event's instant.
    pub fn at(&mut self) -> Timestamp {
        let at = (self.base)
            .checked_add(time::Duration::microseconds(self.next))
            .unwrap_or(self.base);
        self.next += 1;
        at
    }

    /// The instant the last event took, or the base before any.
    pub fn last(&self) -> Timestamp {
        (self.base)
            .checked_add(time::Duration::microseconds((self.next - 1).max(0)))
            .unwrap_or(self.base)
    }

    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    fn emit(&mut self, event_type: EventType, at: Timestamp, data: EventData) {
        self.events.push(Event {
            id: event_id(self.mint, at),
            event_type,
            occurred_at: at,
            data,
        });
    }
}

/// One write to a purchase in progress.
pub struct Change<'m> {
    pub purchase: Purchase,
    pub step: Step<'m>,
}

impl<'m> Change<'m> {
    pub fn new(purchase: Purchase, mint: &'m Mint) -> Self {
        let step = Step::new(mint, purchase.checkout.owner(), purchase.last_event_at);
        Self { purchase, step }
    }

    /// A checkout's writes need it open, and its transaction not paid by
    /// another checkout.
    pub fn require_open(&self) -> Result<(), CheckoutRefusal> {
        match self.purchase.checkout.state {
            CheckoutState::Open if self.purchase.transaction.status.is_final() => Err(
                CheckoutRefusal::Immutable(self.purchase.transaction.id.to_string()),
            ),
            CheckoutState::Open => Ok(()),
            state => Err(CheckoutRefusal::NotOpen(state)),
        }
    }

    /// `transaction.<kind>` showing the transaction as it is now.
    pub fn transaction_event(&mut self, event_type: EventType, at: Timestamp) {
        let data = EventData::Transaction(Box::new(self.purchase.transaction.clone()));
        self.step.emit(event_type, at, data);
    }

    /// Appends a Paddle.js event showing the checkout as it is now.
    pub fn js_event(&mut self, name: &str, card: Option<&CardDetails>, completed: bool) {
        let p = &self.purchase;
        let data = event_data(
            &p.checkout,
            &p.transaction,
            p.customer.as_ref(),
            p.address.as_ref(),
            card,
            completed,
        );
        let events = &mut self.purchase.checkout.events;
        let sequence = events.last().map_or(1, |last| last.sequence + 1);
        events.push(CheckoutEvent {
            sequence,
            name: name.to_owned(),
            data,
        });
    }

    /// Prices the transaction's cart again (or `items`, whose prices are
    /// `prices`) at the customer's address.
    pub fn reprice(
        &mut self,
        items: Option<(&[CheckoutItem], &[CatalogPrice])>,
        rates: &TaxRates,
    ) -> Result<(), CheckoutRefusal> {
        let address = (self.purchase.address.as_ref()).map(|a| PreviewAddress {
            country_code: a.country_code,
            postal_code: a.postal_code.clone(),
        });
        let carried;
        let (items, prices) = match items {
            Some((items, prices)) => (items.to_vec(), prices),
            None => {
                carried = carried_prices(&self.purchase.transaction).unwrap_or_default();
                (cart(&self.purchase.transaction), carried.as_slice())
            }
        };
        let request = preview_request(&items, address);
        let priced = price(&request, prices, rates).map_err(CheckoutRefusal::Pricing)?;
        apply(&mut self.purchase.transaction, &priced, self.step.mint);
        Ok(())
    }

    /// Sets who is buying: the first time (`true`) makes the customer and
    /// address and readies the transaction; again, updates what changed.
    /// The caller adds the Paddle.js event, if the write makes one.
    pub fn set_customer(
        &mut self,
        details: &CustomerDetails,
        rates: &TaxRates,
    ) -> Result<bool, CheckoutRefusal> {
        let first = self.purchase.customer.is_none();
        let mint = self.step.mint;
        match (self.purchase.customer.take(), self.purchase.address.take()) {
            (Some(mut customer), Some(mut address)) => {
                let email_changed = customer.email != details.email;
                let address_changed = address.country_code != details.country_code
                    || address.postal_code != details.postal_code;
                if email_changed {
                    customer.email = details.email.clone();
                    customer.updated_at = self.step.at();
                    let data = EventData::Customer(customer.clone());
                    self.step
                        .emit(EventType::CustomerUpdated, customer.updated_at, data);
                }
                if address_changed {
                    address.country_code = details.country_code;
                    address.postal_code = details.postal_code.clone();
                    address.updated_at = self.step.at();
                    let data = EventData::Address(address.clone());
                    self.step
                        .emit(EventType::AddressUpdated, address.updated_at, data);
                }
                self.purchase.customer = Some(customer);
                self.purchase.address = Some(address);
                if email_changed || address_changed {
                    self.reprice(None, rates)?;
                    let at = self.step.at();
                    self.purchase.transaction.updated_at = at;
                    self.transaction_event(EventType::TransactionUpdated, at);
                }
            }
            _ => {
                let at = self.step.at();
                let customer = Customer::new(CustomerId::mint(mint), details.email.clone(), at);
                self.step.emit(
                    EventType::CustomerCreated,
                    at,
                    EventData::Customer(customer.clone()),
                );
                let at = self.step.at();
                let address = Address::new(
                    AddressId::mint(mint),
                    customer.id.clone(),
                    details.country_code,
                    details.postal_code.clone(),
                    at,
                );
                self.step.emit(
                    EventType::AddressCreated,
                    at,
                    EventData::Address(address.clone()),
                );
                let transaction = &mut self.purchase.transaction;
                transaction.customer_id = Some(customer.id.clone());
                transaction.address_id = Some(address.id.clone());
                self.purchase.customer = Some(customer);
                self.purchase.address = Some(address);
                self.reprice(None, rates)?;
                let at = self.step.at();
                let transaction = &mut self.purchase.transaction;
                transaction.status = TransactionStatus::Ready;
                transaction.updated_at = at;
                self.transaction_event(EventType::TransactionUpdated, at);
                let at = self.step.at();
                self.transaction_event(EventType::TransactionReady, at);
            }
        }
        Ok(first)
    }

    /// A payment attempt with `card`, made now.
    fn attempt(&mut self, card: &CardDetails, at: Timestamp, error: Option<&str>) -> Payment {
        let mint = self.step.mint;
        Payment {
            amount: self.purchase.transaction.details.totals.total,
            status: match error {
                None => "captured".to_owned(),
                Some(_) => "error".to_owned(),
            },
            created_at: at,
            error_code: error.map(str::to_owned),
            captured_at: error.is_none().then_some(at),
            method_details: MethodDetails {
                card: PaymentCard {
                    kind: "visa".to_owned(),
                    last4: card.last4().to_owned(),
                    expiry_year: card.expiry_year,
                    expiry_month: card.expiry_month,
                    cardholder_name: card.cardholder_name.clone(),
                },
                kind: "card".to_owned(),
            },
            payment_method_id: PaymentMethodId::mint(mint),
            payment_attempt_id: uuid(mint),
            stored_payment_method_id: uuid(mint),
        }
    }

    /// Pays with `card`: captured, declined, or waiting for 3-D Secure.
    /// `invoice` numbers the invoice if the payment completes.
    pub fn pay(&mut self, card: &CardDetails, invoice: &str) -> Result<(), CheckoutRefusal> {
        if self.purchase.customer.is_none() {
            return Err(CheckoutRefusal::CustomerFirst);
        }
        self.js_event("checkout.payment.selected", Some(card), false);
        self.js_event("checkout.payment.initiated", Some(card), false);
        match card.card {
            TestCard::Succeeds => self.capture(card, invoice),
            TestCard::Declined => self.decline(card, "declined"),
            TestCard::ThreeDSecure => {
                let payment = &mut self.purchase.checkout.payment;
                payment.status = PaymentStatus::ActionRequired;
                payment.error_code = None;
                payment.card = Some(card.clone());
            }
        }
        Ok(())
    }

    /// The 3-D Secure step: accepted, the pending payment is captured.
    pub fn authenticate(&mut self, accepted: bool, invoice: &str) -> Result<(), CheckoutRefusal> {
        let payment = &self.purchase.checkout.payment;
        let card = match (payment.status, &payment.card) {
            (PaymentStatus::ActionRequired, Some(card)) => card.clone(),
            _ => return Err(CheckoutRefusal::NothingToAuthenticate),
        };
        match accepted {
            true => self.capture(&card, invoice),
            false => self.decline(&card, "authentication_failed"),
        }
        Ok(())
    }

    fn capture(&mut self, card: &CardDetails, invoice: &str) {
        let at = self.step.at();
        let payment = self.attempt(card, at, None);
        self.purchase.transaction.pay(payment, at);
        self.transaction_event(EventType::TransactionUpdated, at);
        let at = self.step.at();
        self.transaction_event(EventType::TransactionPaid, at);
        let at = self.step.at();
        let invoice_id = InvoiceId::mint(self.step.mint);
        (self.purchase.transaction).complete(invoice_id, invoice.to_owned(), at);
        self.transaction_event(EventType::TransactionUpdated, at);
        let at = self.step.at();
        self.transaction_event(EventType::TransactionCompleted, at);
        let checkout = &mut self.purchase.checkout;
        checkout.state = CheckoutState::Completed;
        checkout.payment.status = PaymentStatus::Captured;
        checkout.payment.error_code = None;
        checkout.payment.card = Some(card.clone());
        self.js_event("checkout.completed", Some(card), true);
    }

    fn decline(&mut self, card: &CardDetails, code: &str) {
        let at = self.step.at();
        let payment = self.attempt(card, at, Some(code));
        self.purchase.transaction.fail(payment, at);
        self.transaction_event(EventType::TransactionPaymentFailed, at);
        let checkout = &mut self.purchase.checkout;
        checkout.payment.status = PaymentStatus::Failed;
        checkout.payment.error_code = Some(code.to_owned());
        checkout.payment.card = Some(card.clone());
        self.js_event("checkout.payment.failed", Some(card), false);
    }

    /// Ends the write: the checkout's time and revision move on, and the
    /// transaction's last event time is remembered.
    pub fn finish(mut self) -> (Purchase, Vec<Event>) {
        let at = self.step.last();
        let checkout: &mut Checkout = &mut self.purchase.checkout;
        checkout.updated_at = at;
        checkout.revision += 1;
        self.purchase.transaction_revision += 1;
        if let Some(last) = self.step.events.last() {
            self.purchase.last_event_at = Some(last.occurred_at);
        }
        (self.purchase, self.step.events)
    }
}

/// `evt_` and a ULID minted at `at` whose first ten random bits are `at`'s
/// microsecond within its millisecond: events a microsecond apart (all of a
/// write's, on a frozen clock all of a transaction's) sort by id as they
/// occurred, as lists of events are ordered.
fn event_id(mint: &Mint, at: Timestamp) -> String {
    let minted = Id::<kind::Event>::mint_at(mint, at);
    let Ok(ulid) = ulid::Ulid::from_string(&minted.ulid().to_uppercase()) else {
        return minted.into_string();
    };
    let micros = u128::from(at.as_datetime().microsecond() % 1000);
    let random = (ulid.random() & ((1 << 70) - 1)) | (micros << 70);
    let ulid = ulid::Ulid::from_parts(ulid.timestamp_ms(), random);
    Id::<kind::Event>::from_ulid(&ulid.to_string().to_lowercase()).into_string()
}

/// A lower-case UUID v4 from the write's mint (a seeded run repeats it).
fn uuid(mint: &Mint) -> String {
    let mut bytes = [0u8; 16];
    mint.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// `"<n>-<sequence>"`: `n` from the account's name (1000 + its FNV-1a hash
/// mod 9000), the sequence from 10001 per account and environment.
pub fn invoice_number(account: &str, completed_before: u64) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in account.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{}-{}", 1000 + hash % 9000, 10001 + completed_before)
}
