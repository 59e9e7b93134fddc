//! Paddle's ids: a kind's prefix and a lowercase ULID, `ctkn_01h...`. One
//! type for every kind, so each format is written once: its prefix, here.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Mint, Timestamp};

/// What kind of thing an id names, and so its prefix.
pub trait IdKind {
    /// `ctkn_`, `apikey_`, ...
    const PREFIX: &'static str;
    /// Paddle's pattern for the id, `^ctkn_[a-z\d]{26}$`.
    const PATTERN: &'static str;
    /// The same, as a state document's errors name it, `^ctkn_[0-9a-z]{26}$`.
    const DOCUMENT_PATTERN: &'static str;
    /// The type's name, for `Debug`.
    const NAME: &'static str;
}

/// The id kinds, by the entity they name.
pub mod kind {
    use super::IdKind;

    macro_rules! kinds {
        ($($(#[$doc:meta])* $kind:ident $name:literal $prefix:literal;)*) => {$(
            $(#[$doc])*
            #[derive(Clone, Copy, Debug)]
            pub enum $kind {}

            impl IdKind for $kind {
                const PREFIX: &'static str = $prefix;
                const PATTERN: &'static str = concat!("^", $prefix, r"[a-z\d]{26}$");
                const DOCUMENT_PATTERN: &'static str = concat!("^", $prefix, "[0-9a-z]{26}$");
                const NAME: &'static str = $name;
            }
        )*};
    }

    kinds! {
        /// Ordered as created: the ULID comes from the account's mint.
        ClientToken "ClientTokenId" "ctkn_";
        /// The ULID embedded in the key itself.
        ApiKey "ApiKeyId" "apikey_";
        ApiKeyRotation "ApiKeyRotationId" "apkrot_";
        ApiKeyExposure "ApiKeyExposureId" "apkexp_";
        NotificationSetting "NotificationSettingId" "ntfset_";
        Event "EventId" "evt_";
        Notification "NotificationId" "ntf_";
        /// Catalog entities: an id may be chosen when loading a catalog.
        Product "ProductId" "pro_";
        Price "PriceId" "pri_";
        /// The test-mode checkout and what a purchase through it makes.
        Checkout "CheckoutId" "che_";
        Transaction "TransactionId" "txn_";
        Customer "CustomerId" "ctm_";
        Address "AddressId" "add_";
        TransactionItem "TransactionItemId" "txnitm_";
        PaymentMethod "PaymentMethodId" "paymtd_";
        Invoice "InvoiceId" "inv_";
    }
}

/// An id of kind `K`: always `K::PREFIX` and a lowercase ULID.
pub struct Id<K> {
    text: String,
    kind: PhantomData<fn() -> K>,
}

impl<K: IdKind> Id<K> {
    /// Accepts exactly `K::PATTERN`.
    pub fn parse(text: &str) -> Option<Self> {
        let ulid = text.strip_prefix(K::PREFIX)?;
        is_lowercase_ulid(ulid).then(|| Self::new(text.to_owned()))
    }

    /// The id with this lowercase ULID.
    pub(crate) fn from_ulid(ulid: &str) -> Self {
        Self::new(format!("{}{ulid}", K::PREFIX))
    }

    /// Mints the next id. Ids minted for one account are strictly
    /// increasing, even within one millisecond, so lists never reorder
    /// same-instant items.
    pub fn mint(mint: &Mint) -> Self {
        Self::from_ulid(&mint.ulid())
    }

    /// An id for something made at `at`, for fixtures: ids still sort by
    /// creation time.
    pub fn mint_at(mint: &Mint, at: Timestamp) -> Self {
        Self::from_ulid(&mint.ulid_at(at))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The ULID after the prefix.
    pub fn ulid(&self) -> &str {
        &self.text[K::PREFIX.len()..]
    }

    pub fn into_string(self) -> String {
        self.text
    }

    fn new(text: String) -> Self {
        Self {
            text,
            kind: PhantomData,
        }
    }
}

/// 26 lowercase letters and digits: a ULID as Paddle's ids write it.
pub(crate) fn is_lowercase_ulid(text: &str) -> bool {
    text.len() == 26
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
}

// By hand: derives would ask `K` for each trait, and `K` is never a value.
impl<K> Clone for Id<K> {
    fn clone(&self) -> Self {
        Self {
            text: self.text.clone(),
            kind: PhantomData,
        }
    }
}

impl<K> PartialEq for Id<K> {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<K> Eq for Id<K> {}

impl<K> PartialOrd for Id<K> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<K> Ord for Id<K> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.text.cmp(&other.text)
    }
}

impl<K> Hash for Id<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.hash(state);
    }
}

impl<K: IdKind> fmt::Debug for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple(K::NAME).field(&self.text).finish()
    }
}

impl<K> fmt::Display for Id<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl<K> Serialize for Id<K> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// Read back from what paddock stored (a catalog entity's JSON): only
/// `K::PATTERN` is accepted.
impl<'de, K: IdKind> Deserialize<'de> for Id<K> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a {}", K::NAME)))
    }
}

#[cfg(test)]
mod tests {
    use super::kind::{ApiKeyExposure, ClientToken, Event, Notification};
    use super::*;

    #[test]
    fn an_id_is_its_prefix_and_a_lowercase_ulid() {
        let text = "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x";
        let id = Id::<ClientToken>::parse(text).unwrap();
        assert_eq!(
            (id.as_str(), id.ulid()),
            (text, "01hv8gz6y0m8m5f8q2y9f7kj3x")
        );
        assert_eq!(id.to_string(), text);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{text}\""));
        assert_eq!(format!("{id:?}"), format!("ClientTokenId(\"{text}\")"));
        for bad in [
            "",
            "ctkn_",
            "ctkn_01HV8GZ6Y0M8M5F8Q2Y9F7KJ3X",
            "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3",
            "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3xx",
            "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3-",
            "evt_01hv8gz6y0m8m5f8q2y9f7kj3x",
            " ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x",
        ] {
            assert!(Id::<ClientToken>::parse(bad).is_none(), "{bad}");
        }
        // One kind's prefix is not another's, even when one begins the other.
        assert!(Id::<Notification>::parse("ntfset_01hv8gz6y0m8m5f8q2y9f7kj3x").is_none());
    }

    #[test]
    fn minted_ids_parse_and_increase() {
        let mint = Mint::real();
        let first = Id::<Event>::mint(&mint);
        let second = Id::<Event>::mint(&mint);
        assert!(first < second);
        assert_eq!(Id::<Event>::parse(first.as_str()), Some(first));
        let exposure = Id::<ApiKeyExposure>::mint(&mint);
        assert!(exposure.as_str().starts_with("apkexp_"));
    }

    #[test]
    fn patterns_come_from_the_prefix() {
        assert_eq!(ClientToken::PATTERN, r"^ctkn_[a-z\d]{26}$");
        assert_eq!(Notification::DOCUMENT_PATTERN, r"^ntf_[0-9a-z]{26}$");
    }
}
