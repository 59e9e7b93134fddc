//! The rules a state document is held to across its items (each id once,
//! every reference inside the document), and the refusals that depend on
//! the server: ids another account holds, secrets its key can't open.

use std::collections::{BTreeSet, HashSet};

use super::super::{FieldError, PresentedKey, RotationStatus, ValidationErrors};
use super::AccountState;

const REPEATED: &str = "must be unique in the document";
const TAKEN: &str = "is already taken by another account";
const UNOPENED: &str = "can't be opened with this server's secret key (the exporting server's PADDOCK_SECRET_KEY is needed)";

/// Ids (and client token values) of a document that are already stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TakenIds {
    pub client_tokens: BTreeSet<String>,
    pub client_token_values: BTreeSet<String>,
    pub api_keys: BTreeSet<String>,
    pub api_key_rotations: BTreeSet<String>,
    pub notification_settings: BTreeSet<String>,
    pub events: BTreeSet<String>,
    pub deliveries: BTreeSet<String>,
}

impl TakenIds {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Field errors on `section.<index>.field` of each item whose value `key`
/// gives is in `found`.
fn flag<'a, T: 'a>(
    errors: &mut Vec<FieldError>,
    (section, field): (&str, &str),
    items: impl IntoIterator<Item = &'a T>,
    key: impl Fn(&T) -> &str,
    found: impl Fn(&str) -> bool,
    message: &str,
) {
    for (index, item) in items.into_iter().enumerate() {
        if found(key(item)) {
            errors.push(FieldError::new(
                format!("{section}.{index}.{field}"),
                message,
            ));
        }
    }
}

/// Flags every item whose value was seen before in the same list.
fn repeats<'a, T: 'a>(
    errors: &mut Vec<FieldError>,
    (section, field): (&str, &str),
    items: impl IntoIterator<Item = &'a T>,
    key: impl Fn(&T) -> &str,
) {
    let mut seen = HashSet::new();
    for (index, item) in items.into_iter().enumerate() {
        if !seen.insert(key(item).to_owned()) {
            errors.push(FieldError::new(
                format!("{section}.{index}.{field}"),
                REPEATED,
            ));
        }
    }
}

/// Whether an id is in `set`.
fn within(set: &BTreeSet<String>) -> impl Fn(&str) -> bool + '_ {
    move |id| set.contains(id)
}

fn rules(errors: Vec<FieldError>) -> Result<(), ValidationErrors> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors::Rule(errors))
    }
}

impl AccountState {
    /// Each id once; rotations of the document's keys, at most one pending
    /// per key; deliveries of the document's events to its settings.
    pub(super) fn check_references(&self) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let tokens = &self.client_tokens;
        repeats(&mut errors, ("client_tokens", "id"), tokens, |t| {
            t.token.id.as_str()
        });
        repeats(&mut errors, ("client_tokens", "token"), tokens, |t| {
            &t.token.token
        });
        repeats(&mut errors, ("api_keys", "id"), &self.api_keys, |k| {
            k.id.as_str()
        });
        let rotations = &self.api_key_rotations;
        repeats(&mut errors, ("api_key_rotations", "id"), rotations, |r| {
            r.id.as_str()
        });
        let settings = &self.notification_settings;
        repeats(
            &mut errors,
            ("notification_settings", "id"),
            settings,
            |s| &s.setting.id,
        );
        repeats(&mut errors, ("events", "id"), &self.events, |e| &e.id);
        let deliveries = &self.deliveries;
        repeats(
            &mut errors,
            ("deliveries", "notification_id"),
            deliveries,
            |d| &d.notification_id,
        );

        let keys: HashSet<&str> = self.api_keys.iter().map(|key| key.id.as_str()).collect();
        let place = ("api_key_rotations", "api_key_id");
        let missing = |id: &str| !keys.contains(id);
        let message = "must be the id of an API key in the document";
        flag(
            &mut errors,
            place,
            rotations,
            |r| r.api_key_id.as_str(),
            missing,
            message,
        );
        let mut pending = HashSet::new();
        for (index, rotation) in rotations.iter().enumerate() {
            let is_pending = rotation.status == RotationStatus::Pending;
            if is_pending && !pending.insert(rotation.api_key_id.as_str()) {
                let field = format!("api_key_rotations.{index}.status");
                errors.push(FieldError::new(
                    field,
                    "only one rotation of a key may be pending",
                ));
            }
        }

        let events: HashSet<&str> = self.events.iter().map(|event| event.id.as_str()).collect();
        let settings: HashSet<&str> = settings.iter().map(|s| s.setting.id.as_str()).collect();
        let message = "must be the id of an event in the document";
        let place = ("deliveries", "event_id");
        flag(
            &mut errors,
            place,
            deliveries,
            |d| &d.event_id,
            |id| !events.contains(id),
            message,
        );
        let message = "must be the id of a notification setting in the document";
        let place = ("deliveries", "notification_setting_id");
        let missing = |id: &str| !settings.contains(id);
        flag(
            &mut errors,
            place,
            deliveries,
            |d| &d.notification_setting_id,
            missing,
            message,
        );
        self.check_catalog(&mut errors);
        rules(errors)
    }

    /// Every sealed secret opens with `open` (this server's secret key),
    /// and each rotation's new key is the one its digest names.
    pub fn check_sealed(
        &self,
        open: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        let settings = &self.notification_settings;
        let unopened = |sealed: &str| open(sealed).is_none();
        let place = ("notification_settings", "sealed_secret");
        flag(
            &mut errors,
            place,
            settings,
            |s| &s.sealed_secret,
            unopened,
            UNOPENED,
        );
        for (index, rotation) in self.api_key_rotations.iter().enumerate() {
            let field = format!("api_key_rotations.{index}.sealed_new_key");
            let Some(new_key) = open(&rotation.sealed_new_key) else {
                errors.push(FieldError::new(field, UNOPENED));
                continue;
            };
            let matches = PresentedKey::parse(&new_key).is_some_and(|key| {
                *key.id() == rotation.api_key_id && key.hash().matches(&rotation.new_key_hash)
            });
            if !matches {
                let message = "must be a new key of api_key_id whose digest is new_key_hash";
                errors.push(FieldError::new(field, message));
            }
        }
        rules(errors)
    }

    /// The items whose ids are `taken`; `None` when there are none.
    pub fn taken_errors(&self, taken: &TakenIds) -> Option<ValidationErrors> {
        let mut errors = Vec::new();
        let tokens = &self.client_tokens;
        flag(
            &mut errors,
            ("client_tokens", "id"),
            tokens,
            |t| t.token.id.as_str(),
            within(&taken.client_tokens),
            TAKEN,
        );
        flag(
            &mut errors,
            ("client_tokens", "token"),
            tokens,
            |t| &t.token.token,
            within(&taken.client_token_values),
            TAKEN,
        );
        flag(
            &mut errors,
            ("api_keys", "id"),
            &self.api_keys,
            |k| k.id.as_str(),
            within(&taken.api_keys),
            TAKEN,
        );
        let rotations = &self.api_key_rotations;
        flag(
            &mut errors,
            ("api_key_rotations", "id"),
            rotations,
            |r| r.id.as_str(),
            within(&taken.api_key_rotations),
            TAKEN,
        );
        let settings = &self.notification_settings;
        flag(
            &mut errors,
            ("notification_settings", "id"),
            settings,
            |s| &s.setting.id,
            within(&taken.notification_settings),
            TAKEN,
        );
        flag(
            &mut errors,
            ("events", "id"),
            &self.events,
            |e| &e.id,
            within(&taken.events),
            TAKEN,
        );
        let deliveries = &self.deliveries;
        flag(
            &mut errors,
            ("deliveries", "notification_id"),
            deliveries,
            |d| &d.notification_id,
            within(&taken.deliveries),
            TAKEN,
        );
        rules(errors).err()
    }
}
