//! Property tests over everything that parses untrusted input: whatever a
//! client sends, parsing never panics, and accepts exactly what the rules
//! allow. (`PROPTEST_CASES=100000 cargo test --test fuzz` for a longer run.)

use paddock::domain::{
    AccountState, Amount, ClientTokenId, ClockChange, Environment, JournalFilter, ListQuery, Mint,
    NewApiKey, NewApiKeyRotation, NewClientToken, PresentedKey, TaxRate, TaxRates, Timestamp,
    contains_secret, event_data_texts, parse_catalog, parse_fixtures, redact_path, redact_query,
    redact_text,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Arbitrary JSON values, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,200}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Objects that look like account state documents: the real sections and
/// fields, with any values.
fn account_state_document() -> impl Strategy<Value = Map<String, Value>> {
    let field = "(id|environment|name|status|token|key_hash|permissions|data|event_id|\
                 notification_setting_id|api_key_id|sealed_secret|sealed_new_key|created_at|\
                 updated_at|[a-z_]{1,8})";
    let item = prop::collection::btree_map(field, json_value(), 0..6)
        .prop_map(|map| Value::Object(map.into_iter().collect()));
    let section = prop_oneof![
        prop::collection::vec(item, 0..3).prop_map(Value::from),
        json_value(),
    ];
    let name = "(client_tokens|api_keys|api_key_rotations|notification_settings|events|deliveries|\
                products|prices|tax_rates|account|format)";
    prop::collection::btree_map(name, section, 0..8).prop_map(|sections| {
        let mut document: Map<String, Value> = sections.into_iter().collect();
        document.insert("format".into(), "paddock.account.v2".into());
        document
    })
}

/// Objects that look like catalog bodies: the real fields, nested, with
/// any values.
fn catalog_body() -> impl Strategy<Value = Map<String, Value>> {
    let field = "(id|name|description|type|tax_category|image_url|status|product_id|\
                 billing_cycle|trial_period|tax_mode|unit_price|unit_price_overrides|quantity|\
                 amount|currency_code|country_codes|minimum|maximum|interval|frequency|rates|\
                 [A-Z]{2}|[a-z_]{1,8})";
    let leaf = prop::collection::btree_map(field, json_value(), 0..5)
        .prop_map(|map| Value::Object(map.into_iter().collect()));
    let item = prop::collection::btree_map(field, prop_oneof![leaf, json_value()], 0..8)
        .prop_map(|map| Value::Object(map.into_iter().collect()));
    let list = prop_oneof![
        prop::collection::vec(item, 0..3).prop_map(Value::from),
        json_value(),
    ];
    prop::collection::btree_map("(environment|products|prices|rates|[a-z]{1,4})", list, 0..4)
        .prop_map(|map| map.into_iter().collect())
}

/// Objects that look like create bodies: the real fields, sometimes wrong.
/// Anything, and near misses of each parameter's valid values.
fn query_value() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,40}",
        "[0-9]{1,30}",
        "[+-]?[0-9]{0,4}(\\.[0-9])?",
        "(id|ID|Id)(\\[(asc|desc|ASC|DeSc|x)?\\]?)?",
        "(active|revoked|ACTIVE|,| ){0,5}",
        "ctkn_[a-z0-9]{24,28}",
    ]
}

fn create_body() -> impl Strategy<Value = Map<String, Value>> {
    (
        prop::option::of(prop_oneof![".{0,160}".prop_map(Value::from), json_value()]),
        prop::option::of(prop_oneof![".{0,520}".prop_map(Value::from), json_value()]),
        prop::collection::btree_map("[a-z]{1,8}", json_value(), 0..2),
    )
        .prop_map(|(name, description, extra)| {
            let mut body: Map<String, Value> = extra.into_iter().collect();
            if let Some(name) = name {
                body.insert("name".into(), name);
            }
            if let Some(description) = description {
                body.insert("description".into(), description);
            }
            body
        })
}

/// Valid client token ids, API keys, and near misses of each (one
/// character changed, inserted or deleted, uppercased, the wrong prefix, the
/// wrong length), with the odd arbitrary string: most cases sit right at
/// the edge of the patterns, and a good share parse.
fn id_or_key_or_near_miss() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => near_miss(valid_id(), ID_PREFIXES),
        4 => near_miss(valid_key(), KEY_PREFIXES),
        1 => ".{0,80}",
    ]
}

fn valid_id() -> BoxedStrategy<String> {
    "ctkn_[a-z0-9]{26}".boxed()
}

/// In the format `PresentedKey::parse` reads:
/// `pdl_<sdbx|live>_apikey_<26 of [a-z0-9]>_<1 to 128 of [A-Za-z0-9_-]>`.
fn valid_key() -> BoxedStrategy<String> {
    prop_oneof![
        "pdl_(sdbx|live)_apikey_[a-z0-9]{26}_[A-Za-z0-9_-]{1,40}",
        "pdl_(sdbx|live)_apikey_[a-z0-9]{26}_[A-Za-z0-9_-]{120,128}",
    ]
    .boxed()
}

/// Wrong prefixes, each put in place of the real one: near misses of it,
/// and the other pattern's.
const ID_PREFIXES: &[&str] = &[
    "ctkn",
    "ctkn__",
    "ctk_",
    "ctkn-",
    "CTKN_",
    "Ctkn_",
    "txn_",
    "pdl_sdbx_apikey_",
    "",
];
const KEY_PREFIXES: &[&str] = &[
    "pdl_test_apikey_",
    "pdl_SDBX_apikey_",
    "PDL_sdbx_apikey_",
    "pdl_sdbx_key_",
    "pdl_sdbx_apikey",
    "pdl_sdbx_apikey__",
    "pdl__apikey_",
    "pdl_sdbxapikey_",
    "pdl_live_sdbx_apikey_",
    "pdl_",
    "ctkn_",
    "",
];

/// One character a mutation puts in: mostly those the patterns are made
/// of, sometimes anything (multi-byte, control, space).
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select("abcxyz0189ABCXYZ_-".chars().collect::<Vec<_>>()),
        1 => any::<char>(),
    ]
}

/// `valid` itself, or one mutation of it. `valid` is ASCII, so byte
/// indices are character boundaries.
fn near_miss(
    valid: BoxedStrategy<String>,
    wrong_prefixes: &'static [&'static str],
) -> impl Strategy<Value = String> {
    use prop::sample::{Index, select};
    let at = |text: &String, index: &Index| index.index(text.len());
    prop_oneof![
        3 => valid.clone(),
        2 => (valid.clone(), any::<Index>(), any_char()).prop_map(move |(mut text, index, c)| {
            let i = at(&text, &index);
            text.replace_range(i..=i, c.encode_utf8(&mut [0; 4]));
            text
        }),
        2 => (valid.clone(), any::<Index>(), any_char()).prop_map(move |(mut text, index, c)| {
            let i = index.index(text.len() + 1);
            text.insert(i, c);
            text
        }),
        2 => (valid.clone(), any::<Index>()).prop_map(move |(mut text, index)| {
            let i = at(&text, &index);
            text.remove(i);
            text
        }),
        1 => (valid.clone(), any::<Index>()).prop_map(move |(mut text, index)| {
            let i = at(&text, &index);
            text[i..=i].make_ascii_uppercase();
            text
        }),
        1 => valid.clone().prop_map(|text| text.to_ascii_uppercase()),
        1 => (valid.clone(), select(wrong_prefixes)).prop_map(|(text, prefix)| {
            // Valid ids and keys are a fixed-length prefix, then the rest.
            let rest = match text.strip_prefix("ctkn_") {
                Some(rest) => rest,
                None => &text["pdl_sdbx_apikey_".len()..],
            };
            format!("{prefix}{rest}")
        }),
        // The wrong length: cut short, or run on.
        1 => (valid.clone(), any::<Index>()).prop_map(move |(text, index)| {
            text[..at(&text, &index)].to_owned()
        }),
        1 => (valid, "[a-z0-9_]{1,3}").prop_map(|(text, more)| text + &more),
    ]
}

/// The client token id pattern, written independently of the parser.
fn is_client_token_id(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 31
        && bytes.starts_with(b"ctkn_")
        && bytes[5..]
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

/// The API key pattern, written independently of the parser.
fn is_api_key(text: &str) -> bool {
    let bytes = text.as_bytes();
    let prefixed = bytes.starts_with(b"pdl_sdbx_apikey_") || bytes.starts_with(b"pdl_live_apikey_");
    if !prefixed || !(16 + 26 + 1 + 1..=16 + 26 + 1 + 128).contains(&bytes.len()) {
        return false;
    }
    let (ulid, secret) = bytes[16..].split_at(26);
    ulid.iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && secret[0] == b'_'
        && secret[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

fn valid_text(value: Option<&Value>, max: usize, nullable: bool) -> bool {
    match value {
        None | Some(Value::Null) => nullable,
        Some(Value::String(text)) => {
            (1..=max).contains(&text.chars().count()) && !text.contains('\0')
        }
        Some(_) => false,
    }
}

/// RFC 3339 times at the edges of Paddle's years (0000 and 9999, their
/// first and last days) and anywhere between, with any offset a client can
/// write; with the instant, in Unix seconds, that they name.
fn rfc3339_time() -> impl Strategy<Value = (String, i64)> {
    let year = prop_oneof![Just(0), Just(1), Just(9998), Just(9999), 0..=9999i64];
    let (month, day) = (
        prop_oneof![Just(1), Just(12), 1..=12i64],
        prop_oneof![Just(1), Just(28), 1..=28i64, Just(31)],
    );
    let time = (
        prop_oneof![Just(0), Just(23), 0..=23i64],
        prop_oneof![Just(0), Just(59), 0..=59i64],
        prop_oneof![Just(0), Just(59), 0..=59i64],
        "(\\.[0-9]{1,9})?",
    );
    let offset = prop_oneof![
        Just(None),
        (
            any::<bool>(),
            prop_oneof![Just(23), 0..=23i64],
            prop_oneof![Just(59), 0..=59i64]
        )
            .prop_map(Some),
    ];
    (year, month, day, time, offset).prop_map(|(year, month, day, time, offset)| {
        let (hour, minute, second, fraction) = time;
        // Day 31 only where every such month has one.
        let day = if day == 31 && ![1, 12].contains(&month) {
            28
        } else {
            day
        };
        let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
        let (suffix, offset_seconds) = match offset {
            None => ("Z".to_owned(), 0),
            Some((east, hours, minutes)) => {
                let sign = if east { 1 } else { -1 };
                let text = format!("{}{hours:02}:{minutes:02}", if east { '+' } else { '-' });
                (text, sign * (hours * 3600 + minutes * 60))
            }
        };
        let text = format!(
            "{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{fraction}{suffix}"
        );
        (text, local - offset_seconds)
    })
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`): an oracle that doesn't share the parser's library.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// 0000-01-01T00:00:00Z and the first second after 9999, in Unix seconds.
const FIRST_SECOND: i64 = -62_167_219_200;
const PAST_THE_LAST: i64 = 253_402_300_800;

/// A secret of each kind, in one of the encodings a client may send it in,
/// between arbitrary text.
fn text_with_a_secret() -> impl Strategy<Value = (String, String)> {
    let secret = prop_oneof![
        "pdl_(sdbx|live)_apikey_[0-9a-z]{26}_[A-Za-z0-9]{26}",
        "pdl_ntfset_[0-9a-z]{26}_[A-Za-z0-9]{10,40}",
        "(test|live)_[0-9a-f]{27}",
    ];
    let encoding = 0..4usize;
    (".{0,20}", secret, encoding, ".{0,20}").prop_map(|(before, secret, encoding, after)| {
        let encoded = match encoding {
            0 => secret.clone(),
            1 => secret.bytes().map(|b| format!("%{b:02X}")).collect(),
            2 => format!("%25{:02X}{}", secret.as_bytes()[0], &secret[1..]),
            _ => format!("\\u{:04x}{}", u32::from(secret.as_bytes()[0]), &secret[1..]),
        };
        (format!("{before} {encoded} {after}"), secret)
    })
}

proptest! {
    /// Whatever a client sends, the redactor answers (a panic in the log
    /// line's path would reach no handler's catch), and a secret in any
    /// encoding, between anything, is gone from what it gives back.
    #[test]
    fn the_redactor_never_panics_and_leaves_no_secret((text, secret) in text_with_a_secret(), noise in ".{0,60}") {
        for text in [&text, &noise] {
            let _ = (redact_text(text), redact_path(text), redact_query(text), contains_secret(text));
        }
        let tail = &secret[secret.len() - 10..];
        prop_assert!(contains_secret(&text), "{}", text);
        prop_assert!(!redact_text(&text).contains(tail), "{}", text);
        let path = format!("/x/{}/y", text.replace('/', "%2F").replace(' ', "%20"));
        prop_assert!(!redact_path(&path).contains(tail), "{}", path);
    }

    /// Every input that takes a time takes exactly those inside years
    /// 0000-9999 in UTC, as that instant; any other is a field error,
    /// never a panic.
    #[test]
    fn every_time_input_takes_exactly_paddles_years((text, unix) in rfc3339_time()) {
        let inside = (FIRST_SECOND..PAST_THE_LAST).contains(&unix);
        let parsed = Timestamp::parse_rfc3339(&text);
        prop_assert_eq!(parsed.map(Timestamp::unix_seconds), inside.then_some(unix), "{}", text);
        let at = Value::from(text.as_str());
        let body = |fields: Value| fields.as_object().unwrap().clone();
        let rotation = NewApiKeyRotation::from_json(&body(
            serde_json::json!({ "grace_period_seconds": 0, "new_key_expires_at": at }),
        ));
        prop_assert_eq!(rotation.map(|r| r.new_key_expires_at).ok(), inside.then_some(parsed));
        let key = NewApiKey::from_json(&body(serde_json::json!({
            "environment": "sandbox", "permissions": ["client_token.read"], "expires_at": at,
        })));
        prop_assert_eq!(key.map(|k| k.expires_at).ok(), inside.then_some(parsed));
        let clock = ClockChange::set_from_json(&body(serde_json::json!({ "frozen": true, "now": at })));
        prop_assert_eq!(clock.is_ok(), inside);
        let fixture = serde_json::json!({ "name": "x", "created_at": at });
        let fixtures = parse_fixtures(&[fixture], &Mint::real());
        prop_assert_eq!(fixtures.map(|f| f[0].1.created_at).ok(), parsed);
        for filter in ["since", "until"] {
            prop_assert_eq!(JournalFilter::parse([(filter, text.as_str())]).is_ok(), inside);
        }
    }

    #[test]
    fn create_bodies_are_accepted_exactly_when_valid(body in create_body()) {
        let valid = body.keys().all(|k| k == "name" || k == "description")
            && valid_text(body.get("name"), 150, false)
            && valid_text(body.get("description"), 500, true);
        let parsed = NewClientToken::from_json(&body);
        prop_assert_eq!(parsed.is_ok(), valid, "{:?}", body);
        if let Ok(token) = parsed {
            prop_assert_eq!(Some(&Value::from(token.name)), body.get("name"));
        }
    }

    #[test]
    fn list_queries_never_panic(pairs in prop::collection::vec(("(after|per_page|order_by|status|[a-z]{1,6})", query_value()), 0..6)) {
        let parsed = ListQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if let Ok(query) = parsed {
            prop_assert!((1..=200).contains(&query.per_page));
            prop_assert!(!query.statuses.is_empty());
        }
    }

    #[test]
    fn ids_and_keys_parse_only_their_patterns(text in id_or_key_or_near_miss()) {
        let id = ClientTokenId::parse(&text);
        prop_assert_eq!(id.is_some(), is_client_token_id(&text), "{:?}", text);
        if let Some(id) = id {
            prop_assert!(text.starts_with("ctkn_") && text.len() == 31);
            prop_assert_eq!(id.as_str(), text.as_str());
        }
        let key = PresentedKey::parse(&text);
        prop_assert_eq!(key.is_some(), is_api_key(&text), "{:?}", text);
        if let Some(key) = key {
            prop_assert!(text.starts_with("pdl_sdbx_apikey_") || text.starts_with("pdl_live_apikey_"));
            prop_assert_eq!(key.id().as_str(), format!("apikey_{}", &text[16..42]));
            let environment = match &text[4..8] {
                "sdbx" => Environment::Sandbox,
                _ => Environment::Live,
            };
            prop_assert_eq!(key.environment(), environment);
        }
    }

    #[test]
    fn account_state_documents_never_panic(document in account_state_document()) {
        let text = serde_json::to_vec(&document).unwrap();
        let texts = event_data_texts(&text);
        let _ = AccountState::from_json("shop", &document, &texts, &Mint::real());
    }

    #[test]
    fn catalog_bodies_never_panic(body in catalog_body()) {
        let _ = parse_catalog(&body, &Mint::real());
        let _ = TaxRates::from_body(&body);
    }

    #[test]
    fn amounts_and_tax_rates_read_exactly_their_digits(text in "-?[0-9]{0,14}(\\.[0-9]{0,8})?") {
        if let Ok(amount) = Amount::parse(&text) {
            prop_assert_eq!(amount.to_string(), text.trim_start_matches('0').parse::<u64>().unwrap_or(0).to_string());
        }
        if let Some(rate) = TaxRate::parse(&text) {
            prop_assert!(rate.ppm() <= 1_000_000);
            prop_assert_eq!(TaxRate::parse(&rate.to_string()), Some(rate));
        }
    }

    #[test]
    fn fixtures_never_panic(items in prop::collection::vec(json_value(), 0..4)) {
        let _ = parse_fixtures(&items, &Mint::real());
    }
}

#[test]
fn the_documented_example_key_parses() {
    assert!(
        PresentedKey::parse(
            "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_q6TGTJyvoIz7LDtXT65bX7_AQO"
        )
        .is_some()
    );
}
