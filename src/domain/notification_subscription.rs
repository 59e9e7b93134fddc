//! Which notification settings an event goes to: the one rule every writer
//! of the outbox applies (the stores read an owner's settings and ask
//! [`Subscriber::receives`]; no query decides it on its own).

use super::{Environment, EventType, Owner};

/// A stored notification setting, as far as the outbox needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    pub id: String,
    pub owner: Owner,
    pub active: bool,
    pub subscribed_events: Vec<EventType>,
}

impl Subscriber {
    /// As stored: `subscribed_events` comma-separated. An unknown type in
    /// it (a newer paddock's) subscribes to nothing here.
    pub fn from_stored(
        id: String,
        account: String,
        environment: Environment,
        active: bool,
        subscribed_events: &str,
    ) -> Self {
        let subscribed_events = subscribed_events
            .split(',')
            .filter_map(|name| name.parse().ok())
            .collect();
        Self {
            id,
            owner: Owner {
                account,
                environment,
            },
            active,
            subscribed_events,
        }
    }

    /// Whether an event of `event_type` about `owner`'s data goes to this
    /// setting: only while it is active, only within its own account and
    /// environment, and only for a type it subscribed to.
    pub fn receives(&self, owner: &Owner, event_type: EventType) -> bool {
        self.active && self.owner == *owner && self.subscribed_events.contains(&event_type)
    }
}

/// The ids of the settings among `settings` that an event of `event_type`
/// about `owner`'s data goes to, in their order.
pub fn subscribers<'s>(
    settings: &'s [Subscriber],
    owner: &'s Owner,
    event_type: EventType,
) -> impl Iterator<Item = &'s str> + 's {
    (settings.iter())
        .filter(move |setting| setting.receives(owner, event_type))
        .map(|setting| setting.id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner(account: &str, environment: Environment) -> Owner {
        Owner {
            account: account.to_owned(),
            environment,
        }
    }

    fn setting(id: &str, of: &Owner, active: bool, events: &str) -> Subscriber {
        Subscriber::from_stored(
            id.to_owned(),
            of.account.clone(),
            of.environment,
            active,
            events,
        )
    }

    #[test]
    fn an_event_goes_to_the_active_settings_of_its_owner_subscribed_to_its_type() {
        let default = owner("default", Environment::Sandbox);
        let live = owner("default", Environment::Live);
        let other = owner("other", Environment::Sandbox);
        let settings = [
            setting("ntfset_1", &default, true, "client_token.created"),
            setting("ntfset_2", &default, false, "client_token.created"),
            setting("ntfset_3", &live, true, "client_token.created"),
            setting("ntfset_4", &other, true, "client_token.created"),
            setting("ntfset_5", &default, true, "api_key.created"),
            setting(
                "ntfset_6",
                &default,
                true,
                "api_key.revoked,client_token.created",
            ),
        ];
        let to = |owner: &Owner, event_type| -> Vec<String> {
            (subscribers(&settings, owner, event_type).map(str::to_owned)).collect()
        };
        assert_eq!(
            to(&default, EventType::ClientTokenCreated),
            ["ntfset_1", "ntfset_6"]
        );
        assert_eq!(to(&live, EventType::ClientTokenCreated), ["ntfset_3"]);
        assert_eq!(to(&other, EventType::ClientTokenCreated), ["ntfset_4"]);
        assert_eq!(
            to(&default, EventType::ApiKeyRevoked),
            ["ntfset_6"],
            "any of its types"
        );
        assert!(to(&default, EventType::ClientTokenRevoked).is_empty());
        assert!(
            to(
                &owner("nobody", Environment::Sandbox),
                EventType::ApiKeyCreated
            )
            .is_empty()
        );
    }

    /// A type is matched whole: `api_key.created` is not `api_key.create`
    /// nor a prefix of another, and a stored list with an unknown or empty
    /// entry still matches its known types.
    #[test]
    fn types_are_matched_whole() {
        let default = owner("default", Environment::Sandbox);
        let subscriber = setting(
            "ntfset_1",
            &default,
            true,
            "api_key.create,,api_key_rotation.created,someday.happened",
        );
        assert_eq!(
            subscriber.subscribed_events,
            [EventType::ApiKeyRotationCreated]
        );
        assert!(subscriber.receives(&default, EventType::ApiKeyRotationCreated));
        assert!(!subscriber.receives(&default, EventType::ApiKeyCreated));
        assert!(!subscriber.receives(&default, EventType::ApiKeyRotationUpdated));
        let nothing = setting("ntfset_2", &default, true, "");
        assert!(
            EventType::ALL
                .iter()
                .all(|t| !nothing.receives(&default, *t))
        );
    }
}
