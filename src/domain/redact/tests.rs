//! The redactor's cases, encoding by encoding.

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

const TOKEN: &str = "test_0123456789abcdef0123456789a";

#[test]
fn client_tokens_are_secrets_and_short_hex_is_not() {
    assert_eq!(redact_text(&format!("t={TOKEN}&x")), "t=[redacted]&x");
    let live = "live_0123456789abcdef0123456789a";
    assert_eq!(
        redact_path(&format!("/client-tokens/{live}")),
        "/client-tokens/[redacted]"
    );
    // Its prefix mangled, it is still a token.
    let mangled = format!("/x//u0074est_{}/y", &TOKEN[5..]);
    assert_eq!(redact_text(&mangled), "/x//[redacted]/y");
    // 26 digits, or not hex, or upper case: no token.
    for near in [
        "test_0123456789abcdef0123456789",
        "test_0123456789abcdef012345678z",
        "TEST_0123456789ABCDEF0123456789A",
    ] {
        assert_eq!(redact_text(near), near);
    }
}

#[test]
fn encodings_of_a_secret_are_seen_through() {
    let double = format!("/api-keys/%2570{}", &KEY[1..]);
    assert_eq!(redact_path(&double), "/api-keys/[redacted]");
    let triple = format!("/x/%252570{}/rotations", &KEY[1..]);
    assert_eq!(redact_path(&triple), "/x/[redacted]/rotations");
    // Percent-encoded in a form body, whole or in part.
    let form = format!("name=%70{}&other=1", &KEY[1..]);
    assert_eq!(redact_text(&form), "name=[redacted]&other=1");
    let every = KEY.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    assert_eq!(redact_text(&format!("a {every} b")), "a [redacted] b");
    // A JSON escape in a body that isn't JSON.
    let escaped = format!(r#"{{"name": "\u0070{}", "#, &SECRET[1..]);
    assert_eq!(redact_text(&escaped), r#"{"name": "[redacted]", "#);
    let upper = format!(r#"["\u0074\u0065st_{}""#, &TOKEN[5..]);
    assert_eq!(redact_text(&upper), r#"["[redacted]""#);
    // Stray escapes are kept.
    assert_eq!(redact_text(r"50% \uZZ \"), r"50% \uZZ \");
    assert!(contains_secret(&double) && contains_secret(&escaped));
    assert!(!contains_secret("%41%42") && !contains_secret(r"\u0041"));
}

#[test]
fn a_secret_the_process_was_given_is_redacted_too() {
    let admin = "admin-token-only-this-test-knows";
    assert_eq!(redact_text(admin), admin);
    redact_from_now_on(admin);
    redact_from_now_on("short");
    assert_eq!(
        redact_text(&format!("/accounts/{admin}/x")),
        "/accounts/[redacted]/x"
    );
    assert_eq!(
        redact_path(&format!("/a/{}", admin.replace('-', "%2D"))),
        "/a/[redacted]"
    );
    assert_eq!(redact_query(&format!("t={admin}")), "t=%5Bredacted%5D");
    assert_eq!(redact_text("a short word"), "a short word");
}

/// A log line is redacted as written, and stays the JSON it was.
#[test]
fn a_written_line_loses_its_secrets_and_keeps_its_shape() {
    let line =
        serde_json::json!({ "message": format!("x {KEY} \\ \"{TOKEN}\""), "path": "/%70dl" })
            .to_string();
    let written = redact_written(&line);
    let parsed: Value = serde_json::from_str(&written).unwrap();
    assert_eq!(parsed["message"], r#"x [redacted] \ "[redacted]""#);
    assert_eq!(parsed["path"], "/%70dl");
}

#[test]
fn a_key_without_its_start_is_still_a_secret_and_an_id_is_not() {
    let mangled = format!("/api-keys//u0070dl{}/rotations", &KEY[3..]);
    assert_eq!(redact_text(&mangled), "/api-keys//[redacted]/rotations");
    assert_eq!(redact_path(&mangled), "/api-keys//[redacted]/rotations");
    let tail = &SECRET[4..];
    assert_eq!(redact_text(&format!("x {tail} y")), "x [redacted] y");
    for id in [
        "/api-keys/apikey_01gtgztp8f4kek3yd4g1wrksa3",
        "/api-keys/apikey_01gtgztp8f4kek3yd4g1wrksa3/rotations/apkrot_01gtgztp8f4kek3yd4g1wrksa3",
        "apikey_01gtgztp8f4kek3yd4g1wrksa3_",
    ] {
        assert_eq!(redact_text(id), id);
        assert_eq!(redact_path(id), id);
    }
}

/// Secrets that are whole strings are replaced in place, as `redact_json`
/// replaces them; anything else is left to the parse.
#[test]
fn whole_string_secrets_are_replaced_in_place_as_the_parse_would() {
    let body = format!(r#"{{"id":"ctkn_1","token":"{TOKEN}","list":["{KEY}",1],"{SECRET}":2}}"#);
    let in_place = redact_whole_strings(&body).unwrap();
    assert_eq!(
        in_place,
        r#"{"id":"ctkn_1","token":"[redacted]","list":["[redacted]",1],"[redacted]":2}"#
    );
    let mut parsed: Value = serde_json::from_str(&body).unwrap();
    redact_json(&mut parsed);
    assert_eq!(serde_json::from_str::<Value>(&in_place).unwrap(), parsed);
    for needs_the_parse in [
        format!(r#"{{"name":"my key {KEY}"}}"#),
        format!(r#"{{"new_key":"{KEY}"}}"#),
        r#"{"key":"anything"}"#.to_owned(),
        r#"{"a":"\u0070dl_x"}"#.to_owned(),
        r#"{"a":"%70dl_x"}"#.to_owned(),
    ] {
        assert_eq!(
            redact_whole_strings(&needs_the_parse),
            None,
            "{needs_the_parse}"
        );
    }
    assert_eq!(redact_whole_strings(r#"{"a":1}"#).unwrap(), r#"{"a":1}"#);
}

/// The shortest secret looked for (eight characters) counts, and each one
/// given is looked for, not only the first.
#[test]
fn every_secret_the_process_was_given_from_eight_characters_is_redacted() {
    let (shortest, another) = ("Qv7-zX9w", "a-second-secret-given-to-this-test");
    assert_eq!(shortest.len(), MIN_KNOWN_SECRET);
    redact_from_now_on(shortest);
    redact_from_now_on(another);
    assert_eq!(
        redact_text(&format!("{shortest} {another}")),
        "[redacted] [redacted]"
    );
}

/// A body that is a secret and nothing else isn't a JSON string in place:
/// it is left to the parse, which redacts it as text.
#[test]
fn a_body_that_is_a_bare_secret_is_left_to_the_parse() {
    for bare in [KEY, SECRET, TOKEN] {
        assert_eq!(redact_whole_strings(bare), None, "{bare}");
        assert_eq!(redact_whole_strings(&format!("{bare}\"")), None, "{bare}");
    }
}

/// A path that only looks as if it could hold a secret (an API key's id)
/// is kept as sent, uncopied.
#[test]
fn a_path_without_a_secret_is_kept_uncopied() {
    let id = "/api-keys/apikey_01gtgztp8f4kek3yd4g1wrksa3/rotations";
    assert!(may_hide_secret(id));
    assert!(matches!(redact_path(id), Cow::Borrowed(path) if path == id));
}

/// Escapes anywhere in a key, not only at its start: each `a` written as
/// `\u0061`, as a JSON writer that escapes some letters would.
#[test]
fn a_key_with_some_letters_escaped_is_still_a_key() {
    let escaped = KEY.replace('a', r"\u0061");
    assert!(!escaped.contains("apikey_"));
    assert_eq!(redact_text(&escaped), REDACTED);
    assert_eq!(redact_text(&format!(r#""{escaped}""#)), r#""[redacted]""#);
}

/// Stars hide an API key's id, and only its first characters: a key whose
/// shown part holds anything else (its secret's `_`, capitals) is redacted
/// stars and all, and a `key` field is kept only in Paddle's exact form.
#[test]
fn only_an_ids_first_characters_before_stars_pass_as_obfuscated() {
    for starred in ["pdl_sdbx_apikey_01gt_Q6TG****", "pdl_live_apikey_01GT****"] {
        assert_eq!(redact_text(starred), "[redacted]****", "{starred}");
    }
    let mut body =
        json!({ "a": { "key": "pdl_sdbx_apikey_01gt*****" }, "b": { "key": OBFUSCATED } });
    redact_json(&mut body);
    assert_eq!(
        body,
        json!({ "a": { "key": REDACTED }, "b": { "key": OBFUSCATED } })
    );
}

/// The cheap test before the search passes ordinary text by (paths, ids,
/// bodies), so that the journal keeps it as sent without searching it.
#[test]
fn ordinary_text_is_not_searched() {
    for plain in [
        "/client-tokens/ctkn_01gtgztp8f4kek3yd4g1wrksa3",
        r#"{"name":"Checkout","status":"active"}"#,
        "per_page=2&order_by=id",
    ] {
        assert!(!may_hide_secret(plain), "{plain}");
    }
}
