//! Simulated exposures through the admin API: `api_key_exposure.created`,
//! `exposed_at` on the key, and for a high risk the key revoked, with
//! `api_key.revoked` and `api_key.updated` after the exposure.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::api_key_events::{admin_view, id, key, setting};
use crate::helpers::{
    Backend, Receiver, TestApp, assert_timestamp, expect_data, expect_error, expect_json,
    expect_not_found,
};
use crate::on_both_backends;
use crate::webhooks::{assert_prefixed_ulid, fast_retries};

on_both_backends!(
    a_high_risk_exposure_revokes_the_key_with_its_events_in_order,
    a_low_risk_exposure_only_reports_it_and_marks_the_key,
    bad_exposures_are_refused_with_field_errors,
);

const EVENTS: [&str; 3] = [
    "api_key_exposure.created",
    "api_key.revoked",
    "api_key.updated",
];
const REFERENCE: &str = "https://github.com/acme/shop/blob/main/.env";

async fn expose(app: &TestApp, key_id: &str, body: Value) -> reqwest::Response {
    app.admin(Method::POST, &format!("/api-keys/{key_id}/exposures"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The exposure's fields in `data` come in the order Paddle lists them.
fn assert_exposure_fields_in_order(raw: &str) {
    let data = &raw[raw.find("\"data\":").unwrap()..];
    let fields = [
        "id",
        "api_key_id",
        "risk_level",
        "action_taken",
        "source",
        "reference",
        "description",
        "created_at",
    ];
    let at: Vec<_> = (fields.iter())
        .map(|field| data.find(&format!("\"{field}\":")).unwrap())
        .collect();
    assert!(at.is_sorted(), "{data}");
}

/// Lists client tokens with `secret`: what a request with the key gets.
async fn use_key(app: &TestApp, secret: &Value) -> reqwest::Response {
    app.get("/client-tokens", secret.as_str().unwrap()).await
}

async fn a_high_risk_exposure_revokes_the_key_with_its_events_in_order(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let exposed = key(&app, None).await;
    expect_data(use_key(&app, &exposed["key"]).await, StatusCode::OK).await;
    let mut receiver = Receiver::start(&[]).await;
    setting(&app, &receiver.url, &EVENTS).await;

    let body = json!({
        "risk_level": "high",
        "reference": REFERENCE,
        "description": "Committed in .env",
    });
    let exposure = expect_data(expose(&app, id(&exposed), body).await, StatusCode::CREATED).await;
    assert_prefixed_ulid(&exposure["id"], "apkexp_");
    assert_timestamp(&exposure["created_at"]);
    assert_eq!(exposure["api_key_id"], id(&exposed));
    assert_eq!(exposure["risk_level"], "high");
    assert_eq!(exposure["action_taken"], "revoked");
    assert_eq!(exposure["source"], "github");
    assert_eq!(exposure["reference"], REFERENCE);
    assert_eq!(exposure["description"], "Committed in .env");

    // Refused at once by the process that revoked it.
    expect_error(
        use_key(&app, &exposed["key"]).await,
        StatusCode::FORBIDDEN,
        "request_error",
        "invalid_token",
        "Invalid or revoked API key.",
    )
    .await;
    let view = admin_view(&app, id(&exposed)).await;
    assert_eq!(view["status"], "revoked");
    assert_eq!(view["exposed_at"], exposure["created_at"]);
    assert_eq!(view["updated_at"], exposure["created_at"]);

    let mut bodies: Vec<_> = Vec::new();
    for _ in 0..3 {
        let received = receiver.next().await;
        let raw = String::from_utf8(received.body.to_vec()).unwrap();
        if raw.contains("\"data\":{\"id\":\"apkexp_") {
            assert_exposure_fields_in_order(&raw);
        }
        bodies.push(received.json());
    }
    bodies.sort_by_key(|body| body["event_id"].as_str().unwrap().to_owned());
    let types: Vec<_> = bodies.iter().map(|body| &body["event_type"]).collect();
    assert_eq!(types, EVENTS, "the exposure, then revoked, then updated");
    assert_eq!(bodies[0]["data"], exposure);
    for body in &bodies[1..] {
        assert_eq!(body["data"]["id"], id(&exposed));
        assert_eq!(body["data"]["status"], "revoked");
        assert_eq!(body["data"]["exposed_at"], exposure["created_at"]);
        assert_eq!(body["occurred_at"], exposure["created_at"]);
    }

    // Found again: reported, but there is nothing left to revoke.
    let again = json!({ "risk_level": "high", "reference": REFERENCE });
    let again = expect_data(expose(&app, id(&exposed), again).await, StatusCode::CREATED).await;
    assert_eq!(again["action_taken"], "none");
    assert_eq!(again["description"], Value::Null);
    let body = receiver.next().await.json();
    assert_eq!(body["event_type"], "api_key_exposure.created");
    assert_eq!(body["data"], again);
    receiver
        .expect_nothing_for(Duration::from_millis(300))
        .await;
}

async fn a_low_risk_exposure_only_reports_it_and_marks_the_key(backend: Backend) {
    let app = TestApp::spawn_with(backend, fast_retries()).await;
    let exposed = key(&app, None).await;
    let mut receiver = Receiver::start(&[]).await;
    setting(&app, &receiver.url, &EVENTS).await;

    let body = json!({ "risk_level": "low", "reference": REFERENCE, "source": "github" });
    let exposure = expect_data(expose(&app, id(&exposed), body).await, StatusCode::CREATED).await;
    assert_eq!(exposure["risk_level"], "low");
    assert_eq!(exposure["action_taken"], "none");

    expect_data(use_key(&app, &exposed["key"]).await, StatusCode::OK).await;
    let view = admin_view(&app, id(&exposed)).await;
    assert_eq!(view["status"], "active");
    assert_eq!(view["exposed_at"], exposure["created_at"]);
    assert_eq!(
        view["updated_at"], exposed["updated_at"],
        "only changes announced with api_key.updated move updated_at"
    );

    let body = receiver.next().await.json();
    assert_eq!(body["event_type"], "api_key_exposure.created");
    assert_eq!(body["data"], exposure);
    receiver
        .expect_nothing_for(Duration::from_millis(300))
        .await;
}

/// The field an error is about: its `field`, or for an error about the
/// whole body (`(root)`, as JSON-schema validators say) the one its
/// message names.
fn field_named<'a>(error: &Value, fields: &[&'a str]) -> &'a str {
    let (field, message) = (
        error["field"].as_str().unwrap(),
        error["message"].as_str().unwrap(),
    );
    assert!(!message.is_empty());
    let named = |name: &&str| field == *name || (field == "(root)" && message.contains(*name));
    let found = fields.iter().copied().find(named);
    found.unwrap_or_else(|| panic!("{error}"))
}

async fn bad_exposures_are_refused_with_field_errors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let exposed = key(&app, None).await;
    let cases = [
        (json!({}), vec!["risk_level", "reference"]),
        (
            json!({
                "risk_level": "medium",
                "reference": "ftp://example.com/key",
                "source": "gitlab",
                "description": "",
                "found_by": "me",
            }),
            vec![
                "found_by",
                "risk_level",
                "reference",
                "source",
                "description",
            ],
        ),
        (
            json!({
                "risk_level": 1,
                "reference": format!("https://github.com/{}", "a".repeat(240)),
                "description": "d".repeat(251),
            }),
            vec!["risk_level", "reference", "description"],
        ),
    ];
    for (body, fields) in cases {
        let response = expose(&app, id(&exposed), body.clone()).await;
        let answer = expect_json(response, StatusCode::BAD_REQUEST).await;
        assert_eq!(answer["error"]["type"], "request_error", "{body}");
        let errors = answer["error"]["errors"].as_array().unwrap();
        let named: Vec<_> = errors
            .iter()
            .map(|error| field_named(error, &fields))
            .collect();
        assert_eq!(named, fields, "{body}");
    }
    // Nothing was recorded for them.
    assert_eq!(
        admin_view(&app, id(&exposed)).await["exposed_at"],
        Value::Null
    );

    let good = json!({ "risk_level": "low", "reference": REFERENCE });
    let unknown = "apikey_01aaaaaaaaaaaaaaaaaaaaaaaa";
    expect_not_found(expose(&app, unknown, good.clone()).await, unknown).await;
    expect_not_found(expose(&app, "apikey_nope", good).await, "apikey_nope").await;
}
