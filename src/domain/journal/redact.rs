//! Keeping secrets out of the request journal: API keys that aren't
//! obfuscated and notification secrets, wherever they appear in what a
//! request or its answer carried.

use std::borrow::Cow;
use std::ops::Range;

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// What a secret is replaced by.
pub const REDACTED: &str = "[redacted]";

/// `pdl_<sdbx|live>_apikey_...`, as `api_key::format` writes keys.
const KEY_PREFIXES: [&str; 2] = ["pdl_sdbx_apikey_", "pdl_live_apikey_"];
/// `pdl_ntfset_...`, a notification setting's `endpoint_secret_key`.
const NOTIFICATION_SECRET_PREFIX: &str = "pdl_ntfset_";
/// Fields whose string values are secrets whatever they look like; `key`
/// only when it isn't obfuscated.
const SECRET_FIELDS: [&str; 2] = ["new_key", "endpoint_secret_key"];

/// Replaces every secret in a JSON value with [`REDACTED`]: a string that
/// holds an API key or a notification secret (a key obfuscated as Paddle
/// shows it, `pdl_sdbx_apikey_01jkdpbhaz****`, stays), any string value of
/// `new_key` or `endpoint_secret_key`, and a `key` that isn't obfuscated.
/// A field name holding a secret has the secret replaced within it.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::String(text) if contains_secret(text) => *value = REDACTED.into(),
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::Object(fields) => {
            if fields.keys().any(|name| contains_secret(name)) {
                *fields = std::mem::take(fields)
                    .into_iter()
                    .map(|(name, value)| (redact_text(&name).into_owned(), value))
                    .collect();
            }
            for (name, value) in fields.iter_mut() {
                let secret_field = SECRET_FIELDS.contains(&name.as_str())
                    || (name == "key" && !value.as_str().is_some_and(is_obfuscated_key));
                match value {
                    Value::String(_) if secret_field => *value = REDACTED.into(),
                    _ => redact_json(value),
                }
            }
        }
        _ => {}
    }
}

/// `text` with each secret in it replaced by [`REDACTED`]; borrowed when
/// there is none.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    let mut secrets = secrets(text).peekable();
    if secrets.peek().is_none() {
        return Cow::Borrowed(text);
    }
    let (mut redacted, mut from) = (String::with_capacity(text.len()), 0);
    for secret in secrets {
        redacted.push_str(&text[from..secret.start]);
        redacted.push_str(REDACTED);
        from = secret.end;
    }
    redacted.push_str(&text[from..]);
    Cow::Owned(redacted)
}

/// A path with each segment that holds a secret (percent-encoded or not)
/// replaced by [`REDACTED`].
pub fn redact_path(path: &str) -> Cow<'_, str> {
    let secret = |segment: &str| contains_secret(&percent_decode_str(segment).decode_utf8_lossy());
    if !may_hide_secret(path) || !path.split('/').any(secret) {
        return Cow::Borrowed(path);
    }
    let segments: Vec<&str> = (path.split('/'))
        .map(|segment| if secret(segment) { REDACTED } else { segment })
        .collect();
    Cow::Owned(segments.join("/"))
}

/// A raw query string with each secret in a decoded name or value replaced
/// by [`REDACTED`]; as sent when there is none.
pub fn redact_query(query: &str) -> Cow<'_, str> {
    if !may_hide_secret(query) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<_> = form_urlencoded::parse(query.as_bytes()).collect();
    if !(pairs.iter()).any(|(name, value)| contains_secret(name) || contains_secret(value)) {
        return Cow::Borrowed(query);
    }
    let mut redacted = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &pairs {
        redacted.append_pair(&redact_text(name), &redact_text(value));
    }
    Cow::Owned(redacted.finish())
}

pub fn contains_secret(text: &str) -> bool {
    secrets(text).next().is_some()
}

/// Whether percent-decoding `text` could reveal a secret it doesn't show.
fn may_hide_secret(text: &str) -> bool {
    text.contains("pdl_") || text.contains('%')
}

/// `pdl_sdbx_apikey_01jkdpbhaz****`: an id's first characters, then stars.
fn is_obfuscated_key(text: &str) -> bool {
    KEY_PREFIXES.iter().any(|prefix| {
        (text.strip_prefix(prefix))
            .and_then(|rest| rest.strip_suffix("****"))
            .is_some_and(|shown| shown.len() <= 26 && shown.bytes().all(is_ulid_byte))
    })
}

fn is_ulid_byte(byte: u8) -> bool {
    byte.is_ascii_digit() || byte.is_ascii_lowercase()
}

/// Where each secret in `text` is: from `pdl_` to the end of the run of
/// characters a key or secret is made of (letters, digits, `_`, `-`).
fn secrets(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut searched = 0;
    std::iter::from_fn(move || {
        while let Some(found) = text[searched..].find("pdl_") {
            let start = searched + found;
            let length = text[start..]
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                .count();
            let end = start + length;
            searched = end;
            let token = &text[start..end];
            let key = KEY_PREFIXES.iter().find_map(|p| token.strip_prefix(p));
            let obfuscated = text[end..].starts_with("****")
                && key.is_some_and(|shown| shown.len() <= 26 && shown.bytes().all(is_ulid_byte));
            if token.starts_with(NOTIFICATION_SECRET_PREFIX) || (key.is_some() && !obfuscated) {
                return Some(start..end);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KEY: &str = "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_q6TGTJyvoIz7LDtXT65bX7_AQO";
    const LIVE_KEY: &str = "pdl_live_apikey_01gtgztp8f4kek3yd4g1wrksa3_abc";
    const SECRET: &str = "pdl_ntfset_01gtgztp8f4kek3yd4g1wrksa3_s3cr3t";
    const OBFUSCATED: &str = "pdl_sdbx_apikey_01gtgztp8f****";

    #[test]
    fn keys_and_notification_secrets_are_redacted_anywhere_in_a_body() {
        let mut body = json!({
            "name": KEY,
            "nested": [{ "description": format!("my key is {LIVE_KEY}!") }, SECRET],
            "key": OBFUSCATED,
            "count": 3,
            "other": "pdl_something_else",
        });
        redact_json(&mut body);
        assert_eq!(
            body,
            json!({
                "name": REDACTED,
                "nested": [{ "description": REDACTED }, REDACTED],
                "key": OBFUSCATED,
                "count": 3,
                "other": "pdl_something_else",
            })
        );
    }

    #[test]
    fn secret_fields_are_redacted_whatever_they_hold() {
        let mut body = json!({
            "new_key": "anything", "endpoint_secret_key": "x", "key": "not obfuscated",
            "inner": { "key": KEY, "new_key": null }, "list": { "key": 5 },
        });
        redact_json(&mut body);
        assert_eq!(
            body,
            json!({
                "new_key": REDACTED, "endpoint_secret_key": REDACTED, "key": REDACTED,
                "inner": { "key": REDACTED, "new_key": null }, "list": { "key": 5 },
            })
        );
    }

    #[test]
    fn a_secret_in_a_field_name_is_replaced_within_it() {
        let mut body = json!({ format!("k:{KEY}"): 1 });
        redact_json(&mut body);
        assert_eq!(body, json!({ "k:[redacted]": 1 }));
    }

    #[test]
    fn text_keeps_all_but_the_secret() {
        assert_eq!(
            redact_text(&format!("a {KEY} b {SECRET}")),
            "a [redacted] b [redacted]"
        );
        assert_eq!(redact_text(OBFUSCATED), OBFUSCATED);
        assert!(matches!(redact_text("plain"), Cow::Borrowed("plain")));
        // A key cut short (a truncated body) is still a key.
        assert_eq!(redact_text("...pdl_sdbx_apikey_01gt"), "...[redacted]");
        // Obfuscation shows the id only: stars after a secret hide nothing.
        assert_eq!(redact_text(&format!("{KEY}****")), "[redacted]****");
    }

    #[test]
    fn paths_and_queries_lose_their_secrets_even_percent_encoded() {
        assert_eq!(
            redact_path(&format!("/client-tokens/{KEY}")),
            "/client-tokens/[redacted]"
        );
        assert_eq!(
            redact_path("/client-tokens/%70dl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_x"),
            "/client-tokens/[redacted]"
        );
        assert_eq!(
            redact_path("/client-tokens/ctkn_1"),
            "/client-tokens/ctkn_1"
        );
        assert_eq!(
            redact_query(&format!("status=active&key={KEY}")),
            "status=active&key=%5Bredacted%5D"
        );
        assert_eq!(redact_query("a=%70dl_ntfset_x"), "a=%5Bredacted%5D");
        let plain = "per_page=2&order_by=id%5BASC%5D";
        assert!(matches!(redact_query(plain), Cow::Borrowed(q) if q == plain));
    }
}
