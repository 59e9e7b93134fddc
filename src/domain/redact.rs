//! The one redactor for everything that leaves the process or is kept: log
//! lines, the request journal, error bodies that echo input. A secret is an
//! API key that isn't obfuscated (`pdl_sdbx_apikey_<id>_<secret>`), a
//! notification secret (`pdl_ntfset_...`), a client token (`test_`/`live_`
//! and 27 hex digits), or a secret the process was given (the admin token);
//! found as written, percent-encoded (once or more), or spelt with JSON's
//! `\u` escapes.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::RwLock;

use percent_encoding::percent_decode_str;
use serde_json::Value;

/// What a secret is replaced by.
pub const REDACTED: &str = "[redacted]";

/// `pdl_<sdbx|live>_apikey_...`, as `api_key::format` writes keys.
const KEY_PREFIXES: [&str; 2] = ["pdl_sdbx_apikey_", "pdl_live_apikey_"];
/// `pdl_ntfset_...`, a notification setting's `endpoint_secret_key`.
const NOTIFICATION_SECRET_PREFIX: &str = "pdl_ntfset_";
/// A client token's lowercase hex digits, after `test_`/`live_`.
const CLIENT_TOKEN_DIGITS: usize = 27;
/// Fields whose string values are secrets whatever they look like; `key`
/// only when it isn't obfuscated.
const SECRET_FIELDS: [&str; 2] = ["new_key", "endpoint_secret_key"];
/// How many layers of encoding are taken off in search of a secret: a
/// double-encoded key needs two; more than a few is no client's mistake.
const DECODING_ROUNDS: usize = 4;
/// A secret given at run time shorter than this isn't looked for: it would
/// blank out ordinary words (the admin token is refused that short anyway).
const MIN_KNOWN_SECRET: usize = 8;

/// Secrets the process was given (the admin token), looked for as written.
static KNOWN: RwLock<Vec<Box<str>>> = RwLock::new(Vec::new());

/// Adds a secret this process was given to those never let out.
pub fn redact_from_now_on(secret: &str) {
    if secret.len() < MIN_KNOWN_SECRET {
        return;
    }
    let mut known = KNOWN.write().unwrap_or_else(|e| e.into_inner());
    if !known.iter().any(|kept| &**kept == secret) {
        known.push(secret.into());
    }
}

/// Replaces every secret in a JSON value with [`REDACTED`]: a string that
/// holds one (a key obfuscated as Paddle shows it,
/// `pdl_sdbx_apikey_01jkdpbhaz****`, stays), any string value of `new_key`
/// or `endpoint_secret_key`, and a `key` that isn't obfuscated. A field name
/// holding a secret has the secret replaced within it.
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

/// `text` with each secret in it replaced by [`REDACTED`]: one written out,
/// and each run of characters a secret and its encodings are made of
/// (letters, digits, `_`, `-`, `%`, `\`) that decodes to one; borrowed when
/// there is none.
pub fn redact_text(text: &str) -> Cow<'_, str> {
    if !may_hide_secret(text) {
        return Cow::Borrowed(text);
    }
    let mut found: Vec<Range<usize>> = secrets(text).collect();
    if text.contains(['%', '\\']) {
        found.extend(encoded_runs(text).filter(|run| decodes_to_secret(&text[run.clone()])));
    }
    replace(text, found)
}

/// `json` with its secrets replaced as [`redact_json`] would, without
/// parsing and writing it out again, when that is the same: when every
/// secret in it is a whole JSON string (`"token": "test_..."`) and nothing
/// could hide or name one (no escape, no `%`, no `...key"` field). Keeps the
/// body as sent, its keys in their order, and costs a scan rather than a
/// parse. `None` when the body needs the parse.
pub fn redact_whole_strings(json: &str) -> Option<Cow<'_, str>> {
    if json.contains(['\\', '%']) || json.contains("key\"") {
        return None;
    }
    let found: Vec<Range<usize>> = secrets(json).collect();
    let whole = |range: &Range<usize>| {
        range.start > 0
            && json.as_bytes()[range.start - 1] == b'"'
            && json.as_bytes().get(range.end) == Some(&b'"')
    };
    found.iter().all(whole).then(|| replace(json, found))
}

/// `text` with each secret written out in it replaced: what a log line gets
/// as it is written. Encoded secrets are left to the fields that can hold
/// them (a path, a query), so that no escape of the line's own is cut.
pub fn redact_written(text: &str) -> Cow<'_, str> {
    if !may_hide_secret(text) {
        return Cow::Borrowed(text);
    }
    replace(text, secrets(text).collect())
}

/// A path with each segment that holds a secret (in any encoding) replaced
/// by [`REDACTED`].
pub fn redact_path(path: &str) -> Cow<'_, str> {
    if !may_hide_secret(path) || !path.split('/').any(contains_secret) {
        return Cow::Borrowed(path);
    }
    let segments: Vec<&str> = (path.split('/'))
        .map(|segment| {
            if contains_secret(segment) {
                REDACTED
            } else {
                segment
            }
        })
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

/// Whether `text` holds a secret, written out or encoded.
pub fn contains_secret(text: &str) -> bool {
    may_hide_secret(text) && (secrets(text).next().is_some() || decodes_to_secret(text))
}

/// Whether `text` could hold a secret at all: the cheap test before the
/// search, true for most text that does and almost none that doesn't.
pub fn may_hide_secret(text: &str) -> bool {
    text.contains("pdl_")
        || text.contains("apikey_")
        || text.contains("ntfset_")
        || text.contains('%')
        || text.contains('\\')
        || client_tokens(text).next().is_some()
        || known_in(text).next().is_some()
}

/// `text` with `found` (in any order, perhaps overlapping) replaced.
fn replace(text: &str, mut found: Vec<Range<usize>>) -> Cow<'_, str> {
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    found.sort_by_key(|range| range.start);
    let (mut redacted, mut from) = (String::with_capacity(text.len()), 0);
    for secret in found {
        if secret.end <= from {
            continue;
        }
        if secret.start >= from {
            redacted.push_str(&text[from..secret.start]);
            redacted.push_str(REDACTED);
        }
        from = secret.end;
    }
    redacted.push_str(&text[from..]);
    Cow::Owned(redacted)
}

/// Whether taking off up to [`DECODING_ROUNDS`] layers of percent-encoding
/// and JSON `\u` escapes shows a secret.
fn decodes_to_secret(text: &str) -> bool {
    let mut text = Cow::Borrowed(text);
    for _ in 0..DECODING_ROUNDS {
        let decoded = unescape_json(&percent_decode_str(&text).decode_utf8_lossy()).into_owned();
        if decoded == *text {
            return false;
        }
        if secrets(&decoded).next().is_some() {
            return true;
        }
        text = Cow::Owned(decoded);
    }
    false
}

/// `\uXXXX` escapes (surrogate pairs too) replaced by what they spell.
fn unescape_json(text: &str) -> Cow<'_, str> {
    if !text.contains("\\u") {
        return Cow::Borrowed(text);
    }
    let mut units = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("\\u") {
        out.push_str(&rest[..at]);
        let hex = rest
            .get(at + 2..at + 6)
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()));
        match hex.and_then(|hex| u16::from_str_radix(hex, 16).ok()) {
            Some(unit) => {
                units.push(unit);
                rest = &rest[at + 6..];
                if !rest.starts_with("\\u") {
                    out.extend(
                        char::decode_utf16(units.drain(..)).map(|c| c.unwrap_or('\u{fffd}')),
                    );
                }
            }
            None => {
                out.extend(char::decode_utf16(units.drain(..)).map(|c| c.unwrap_or('\u{fffd}')));
                out.push_str("\\u");
                rest = &rest[at + 2..];
            }
        }
    }
    out.extend(char::decode_utf16(units.drain(..)).map(|c| c.unwrap_or('\u{fffd}')));
    out.push_str(rest);
    Cow::Owned(out)
}

/// The runs of characters a secret and its encodings are made of that hold
/// an escape (`%` or `\`).
fn encoded_runs(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let in_run = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'%' | b'\\');
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while at < bytes.len() {
            let start = at + bytes[at..].iter().take_while(|b| !in_run(**b)).count();
            let end = start + bytes[start..].iter().take_while(|b| in_run(**b)).count();
            at = end;
            if bytes[start..end].iter().any(|b| matches!(b, b'%' | b'\\')) {
                return Some(start..end);
            }
        }
        None
    })
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

/// Where each secret written out in `text` is.
fn secrets(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    paddle_secrets(text)
        .chain(secret_tails(text))
        .chain(client_tokens(text))
        .chain(known_in(text))
}

/// A key or notification secret without its start (`..._apikey_<id>_<secret>`,
/// as a mangled prefix leaves it): an id's 26 characters followed by `_` and
/// more is a secret, the whole run it is in. A bare id (`apikey_<id>`) is not.
fn secret_tails(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let in_run = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-');
    ["apikey_", "ntfset_"].into_iter().flat_map(move |anchor| {
        text.match_indices(anchor).filter_map(move |(at, _)| {
            let id = text
                .as_bytes()
                .get(at + anchor.len()..at + anchor.len() + 27)?;
            let tail = (id[..26].iter().all(|b| is_ulid_byte(*b)) && id[26] == b'_')
                .then(|| text.as_bytes().get(at + anchor.len() + 27))??;
            if !tail.is_ascii_alphanumeric() {
                return None;
            }
            let start = at
                - text.as_bytes()[..at]
                    .iter()
                    .rev()
                    .take_while(|b| in_run(b))
                    .count();
            let end = at
                + text.as_bytes()[at..]
                    .iter()
                    .take_while(|b| in_run(b))
                    .count();
            Some(start..end)
        })
    })
}

/// Keys and notification secrets: from `pdl_` to the end of the run of
/// characters they are made of (letters, digits, `_`, `-`).
fn paddle_secrets(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
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

/// Client tokens: `test_`/`live_` and 27 lowercase hex digits. Found by
/// their digits (`_` then 27 or more), so that one whose prefix was mangled
/// (`/u0074est_...`) is found too; the whole run of letters and digits
/// before the `_` goes with them.
fn client_tokens(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    text.match_indices('_').filter_map(move |(at, _)| {
        let digits = (bytes[at + 1..].iter())
            .take_while(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(*b))
            .count();
        if digits < CLIENT_TOKEN_DIGITS {
            return None;
        }
        let start = at
            - (bytes[..at].iter().rev())
                .take_while(|b| b.is_ascii_alphanumeric())
                .count();
        Some(start..at + 1 + digits)
    })
}

/// Each place a secret the process was given is written in `text`.
fn known_in(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let known = KNOWN.read().unwrap_or_else(|e| e.into_inner());
    let found: Vec<Range<usize>> = (known.iter())
        .flat_map(|secret| {
            (text.match_indices(&**secret)).map(|(start, found)| start..start + found.len())
        })
        .collect();
    found.into_iter()
}

#[cfg(test)]
mod tests;
