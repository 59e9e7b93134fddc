//! Property tests over everything that parses untrusted input: whatever a
//! client sends, parsing never panics, and accepts exactly what the rules
//! allow. (`PROPTEST_CASES=100000 cargo test --test fuzz` for a longer run.)

use paddock::domain::{
    ClientTokenId, ListQuery, NewClientToken, PresentedKey, Timestamp, parse_fixtures,
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

fn valid_text(value: Option<&Value>, max: usize, nullable: bool) -> bool {
    match value {
        None | Some(Value::Null) => nullable,
        Some(Value::String(text)) => {
            (1..=max).contains(&text.chars().count()) && !text.contains('\0')
        }
        Some(_) => false,
    }
}

proptest! {
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
    fn ids_and_keys_parse_only_their_patterns(text in ".{0,80}") {
        if let Some(id) = ClientTokenId::parse(&text) {
            prop_assert!(text.starts_with("ctkn_") && text.len() == 31);
            prop_assert_eq!(id.as_str(), text.as_str());
        }
        if let Some(key) = PresentedKey::parse(&text) {
            prop_assert!(text.starts_with("pdl_sdbx_apikey_") || text.starts_with("pdl_live_apikey_"));
            prop_assert_eq!(key.id().as_str(), format!("apikey_{}", &text[16..42]));
        }
    }

    #[test]
    fn fixtures_never_panic(items in prop::collection::vec(json_value(), 0..4)) {
        let _ = parse_fixtures(&items, Timestamp::now());
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
