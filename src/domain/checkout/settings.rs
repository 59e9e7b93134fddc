//! `settings` of `Paddle.Checkout.open`, read: each absent one is Paddle's
//! default.

use serde_json::{Map, Value};

use super::{CheckoutSettings, DisplayMode, Theme, Variant};
use crate::domain::{Fields, ValidationErrors};

fn word<T: std::str::FromStr + Default>(
    fields: &mut Fields<'_>,
    body: &Map<String, Value>,
    field: &str,
    names: &[&str],
) -> Option<T> {
    match body.get(field) {
        None | Some(Value::Null) => Some(T::default()),
        Some(Value::String(text)) => match text.parse() {
            Ok(value) => Some(value),
            Err(_) => {
                fields.rule(field, format!("Expected one of: {}", names.join(", ")));
                None
            }
        },
        Some(_) => {
            fields.rule(field, format!("Expected one of: {}", names.join(", ")));
            None
        }
    }
}

pub(super) fn settings(
    body: &Map<String, Value>,
    errors: &mut Vec<ValidationErrors>,
) -> Option<CheckoutSettings> {
    let empty = Map::new();
    let object = match body.get("settings") {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(object)) => object,
        Some(_) => {
            errors.push(ValidationErrors::rule("settings", "Expected an object"));
            return None;
        }
    };
    let known = ["display_mode", "theme", "locale", "variant", "success_url"];
    let mut fields = Fields::at("settings", object, &known);
    let display_mode = word(&mut fields, object, "display_mode", DisplayMode::NAMES);
    let theme = word(&mut fields, object, "theme", Theme::NAMES);
    let variant = word(&mut fields, object, "variant", Variant::NAMES);
    let locale = match object.get("locale") {
        None | Some(Value::Null) => Some("en".to_owned()),
        Some(Value::String(text)) if (1..=20).contains(&text.len()) => Some(text.clone()),
        Some(_) => {
            fields.rule("locale", "Expected a locale such as en or fr");
            None
        }
    };
    let success_url = match object.get("success_url") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(url))
            if (url.starts_with("http://")
                || url.starts_with("https://")
                || url.starts_with('/'))
                && url.len() <= 2048 =>
        {
            Some(Some(url.clone()))
        }
        Some(_) => {
            fields.rule("success_url", "Expected an http(s) URL");
            None
        }
    };
    let parsed = (|| {
        Some(CheckoutSettings {
            display_mode: display_mode?,
            theme: theme?,
            variant: variant?,
            locale: locale?,
            success_url: success_url?,
        })
    })();
    match fields.finish(parsed) {
        Ok(settings) => Some(settings),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}
