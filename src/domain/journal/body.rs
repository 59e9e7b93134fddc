//! A request's or answer's body as the journal keeps it: capped, and with
//! its secrets replaced.

use std::borrow::Cow;

use bytes::Bytes;
use serde::{Serialize, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::domain::redact::{may_hide_secret, redact_json, redact_text};

/// The most of one body the journal keeps, in bytes. A longer body is kept
/// as a string of its first `BODY_CAP` bytes (whole characters), marked
/// truncated.
pub const BODY_CAP: usize = 16 * 1024;

/// A body without its secrets, at most [`BODY_CAP`] bytes of UTF-8; it
/// serializes as the JSON it is, else as a string, and `null` when empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedBody {
    /// UTF-8; a body within the cap and without secrets shares the buffer
    /// it was sent in, uncopied.
    text: Option<Bytes>,
    truncated: bool,
}

impl RecordedBody {
    /// Keeps a copy of `bytes` of at most [`BODY_CAP`] bytes. A body that
    /// can't hold a secret (most) is copied as it is, not parsed; one that
    /// might is parsed once, its secrets replaced (see `redact_json`), and
    /// written out again; one that isn't JSON has them replaced in its text.
    pub fn capture(bytes: &Bytes) -> Self {
        if bytes.is_empty() {
            return Self::default();
        }
        // Validation's ASCII fast path first; replacement characters only
        // for a body that isn't UTF-8.
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        };
        if !may_hold_secret(&text) {
            return match text {
                Cow::Borrowed(_) if bytes.len() <= BODY_CAP => Self {
                    text: Some(bytes.clone()),
                    truncated: false,
                },
                _ => Self::fit(&text),
            };
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(mut value) => {
                redact_json(&mut value);
                Self::fit(&value.to_string())
            }
            Err(_) => Self::fit(&redact_text(&text)),
        }
    }

    fn fit(text: &str) -> Self {
        let mut end = text.len().min(BODY_CAP);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        Self {
            text: Some(Bytes::copy_from_slice(&text.as_bytes()[..end])),
            truncated: end < text.len(),
        }
    }

    /// Whether the body was longer than [`BODY_CAP`] and is cut short.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The text kept, for tests of the cap.
    pub fn text(&self) -> Option<&str> {
        // Always UTF-8, as `capture` keeps it.
        std::str::from_utf8(self.text.as_deref()?).ok()
    }
}

/// Whether `text` might hold a secret, so that it has to be looked at
/// closely: it might hide one (see `may_hide_secret`), or has a field whose
/// name ends in `key`.
fn may_hold_secret(text: &str) -> bool {
    may_hide_secret(text) || text.contains("key\"")
}

/// Parsed only when read: the JSON as it was sent, when it is JSON.
impl Serialize for RecordedBody {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(text) = self.text() else {
            return serializer.serialize_none();
        };
        match serde_json::from_str::<&RawValue>(text) {
            Ok(json) if !self.truncated => json.serialize(serializer),
            _ => serializer.serialize_str(text),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn rendered(bytes: &[u8]) -> Value {
        serde_json::to_value(RecordedBody::capture(&Bytes::copy_from_slice(bytes))).unwrap()
    }

    #[test]
    fn json_stays_json_text_becomes_a_string_and_empty_is_null() {
        assert_eq!(
            rendered(br#"{"name": "x", "n": [1, 2]}"#),
            json!({"name": "x", "n": [1, 2]})
        );
        assert_eq!(rendered(b"name=x"), json!("name=x"));
        assert_eq!(rendered(b""), Value::Null);
        assert_eq!(rendered(b"\xff\xfe"), json!("\u{fffd}\u{fffd}"));
    }

    #[test]
    fn secrets_are_gone_before_the_body_is_kept() {
        let key = "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_abc";
        let body = RecordedBody::capture(&format!(r#"{{"new_key": "{key}", "a": "b"}}"#).into());
        assert!(!body.text().unwrap().contains(key));
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"new_key": "[redacted]", "a": "b"})
        );
        // An escape can spell a key out; it is read as JSON reads it.
        let escaped = r#"{"a": "\u0070dl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_abc"}"#;
        assert_eq!(rendered(escaped.as_bytes()), json!({"a": "[redacted]"}));
        assert_eq!(
            rendered(format!("text {key}").as_bytes()),
            json!("text [redacted]")
        );
    }

    #[test]
    fn a_long_body_is_cut_at_the_cap_on_a_character_boundary() {
        let body = RecordedBody::capture(&format!("x{}", "é".repeat(BODY_CAP)).into());
        assert!(body.truncated());
        assert_eq!(body.text().unwrap().len(), BODY_CAP - 1);
        let long_json = format!(r#"{{"name": "{}"}}"#, "x".repeat(BODY_CAP));
        let body = RecordedBody::capture(&long_json.clone().into());
        assert!(body.truncated());
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!(&long_json[..BODY_CAP])
        );
        let fits = RecordedBody::capture(&"x".repeat(BODY_CAP).into());
        assert!(!fits.truncated());
    }
}
