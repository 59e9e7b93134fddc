//! A notification setting's form (new or edit), read back as the admin
//! API's JSON body so the domain's parser judges it.

use maud::{Markup, html};
use serde_json::{Map, Value};

use super::form::FormData;
use super::layout::{field_errors, other_errors};
use crate::domain::{EventType, FieldError, NotificationSetting, Owner};

/// What the setting form shows: nothing yet, a form sent back, or a setting.
#[derive(Clone, Copy)]
pub enum Draft<'a> {
    New,
    Form(&'a FormData),
    Setting(&'a NotificationSetting),
}

pub fn setting_fields(draft: Draft, errors: &[FieldError]) -> Markup {
    let destination = match draft {
        Draft::New => "",
        Draft::Form(form) => form.get("destination").unwrap_or_default(),
        Draft::Setting(setting) => &setting.destination,
    };
    let subscribed = |event: EventType| match draft {
        Draft::New => true,
        Draft::Form(form) => form.all("subscribed_events").contains(&event.as_str()),
        Draft::Setting(setting) => setting.subscribed_events.contains(&event),
    };
    let active = match draft {
        Draft::New => true,
        Draft::Form(form) => form.get("active").is_some(),
        Draft::Setting(setting) => setting.active,
    };
    html! {
        (other_errors(errors, &["destination", "subscribed_events", "active"]))
        label for="destination" { "Destination URL" }
        input #destination type="url" name="destination" value=(destination) aria-describedby="destination-error";
        (field_errors(errors, "destination"))
        fieldset {
            legend { "Events" }
            @for event in EventType::ALL {
                @let id = format!("event-{}", event.as_str().replace('.', "-"));
                div.check {
                    input id=(id) type="checkbox" name="subscribed_events" value=(event.as_str()) checked[subscribed(event)];
                    label for=(id) { code { (event.as_str()) } }
                }
            }
            (field_errors(errors, "subscribed_events"))
        }
        div.check {
            input #active type="checkbox" name="active" value="true" checked[active];
            label for="active" { "Active" }
        }
    }
}

pub fn active_badge(active: bool) -> Markup {
    match active {
        true => html! { span.badge.active { "active" } },
        false => html! { span.badge.revoked { "inactive" } },
    }
}

/// The form as the admin API's JSON body.
pub fn body_of(form: &FormData, owner: &Owner, new: bool) -> Map<String, Value> {
    let mut body = Map::new();
    if new {
        body.insert(
            "environment".into(),
            Value::String(owner.environment.as_str().into()),
        );
    }
    form.text_into(&mut body, "destination", false);
    form.list_into(&mut body, "subscribed_events");
    body.insert("active".into(), Value::Bool(form.get("active").is_some()));
    body
}
