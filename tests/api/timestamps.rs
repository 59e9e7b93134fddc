//! Times past Paddle's years: `9999-12-31T23:59:59-23:59` is valid RFC 3339
//! whose UTC instant is in year 10000. Everywhere a time can be sent it is a
//! 400 field error, never a panic, and nothing changes.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::account_state::{export, import};
use crate::helpers::{Backend, Dashboard, TestApp, expect_data, expect_schema_errors};
use crate::on_both_backends;

on_both_backends!(times_past_paddles_years_are_a_field_error_everywhere);

const PAST_9999: &str = "9999-12-31T23:59:59-23:59";
const BEFORE_0000: &str = "0000-01-01T00:00:00+00:01";

/// A 400 `bad_request` whose one field error is the date-time format, at
/// `field`.
async fn expect_date_time_error(response: Response, field: &str) {
    let errors = json!([{ "field": field, "message": "Does not match format 'date-time'" }]);
    expect_schema_errors(response, errors).await;
}

async fn times_past_paddles_years_are_a_field_error_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let made = app
        .make_key(
            "suite",
            json!({ "permissions": ["client_token.read"], "rotatable": true }),
        )
        .await;
    let (id, key) = (made["id"].as_str().unwrap(), made["key"].as_str().unwrap());
    let exported = export(&app, "suite").await;
    for at in [PAST_9999, BEFORE_0000] {
        // The public API: a rotation's new key's expiry.
        let rotation = (app.request(Method::POST, &format!("/api-keys/{id}/rotations"), key))
            .json(&json!({ "grace_period_seconds": 0, "new_key_expires_at": at }))
            .send()
            .await
            .unwrap();
        expect_date_time_error(rotation, "new_key_expires_at").await;

        // The admin API: a key's expiry, the clock, fixtures, journal filters.
        let made = (app.admin(Method::POST, "/accounts/suite/api-keys"))
            .json(&json!({ "permissions": ["client_token.read"], "expires_at": at }))
            .send()
            .await
            .unwrap();
        expect_date_time_error(made, "expires_at").await;
        let clock = (app.admin(Method::PUT, "/accounts/suite/clock"))
            .json(&json!({ "frozen": true, "now": at }))
            .send()
            .await
            .unwrap();
        expect_date_time_error(clock, "now").await;
        for field in ["created_at", "updated_at", "revoked_at"] {
            let fixtures = (app.admin(Method::POST, "/accounts/suite/client-tokens"))
                .json(&json!({ "client_tokens": [
                    { "name": "x", "status": "revoked", field: at },
                ]}))
                .send()
                .await
                .unwrap();
            expect_date_time_error(fixtures, &format!("client_tokens.0.{field}")).await;
        }
        for filter in ["since", "until"] {
            let path = format!("/accounts/suite/requests?{filter}={}", encode(at));
            let journal = app.admin(Method::GET, &path).send().await.unwrap();
            expect_date_time_error(journal, filter).await;
        }

        // An account-state import, at each kind of item's times.
        let mut document = exported.clone();
        document["api_keys"][0]["created_at"] = Value::from(at);
        let response = import(&app, "copy", &document).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "bad_request", "{body}");
        let errors = body["error"]["errors"].to_string();
        assert!(
            errors.contains("Does not match format 'date-time'"),
            "{body}"
        );

        // The dashboard's expiry: what isn't a number of days is read as a time.
        let dashboard = Dashboard::signed_in(&app).await;
        let page = dashboard
            .post_with_csrf(
                "/accounts/suite/sandbox/api-keys",
                &[
                    ("permissions", "client_token.read"),
                    ("expires_in_days", at),
                ],
            )
            .await;
        assert_eq!(page.status(), StatusCode::BAD_REQUEST);
        let page = page.text().await.unwrap();
        assert!(page.contains("Does not match format"), "{page}");
    }
    // The ends themselves are kept, to the microsecond, on either backend.
    let ends = ["0000-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z"];
    let fixtures = (app.admin(Method::POST, "/accounts/ends/client-tokens"))
        .json(&json!({ "client_tokens": [
            { "name": "first", "created_at": "0000-01-01T23:59:00+23:59" },
            { "name": "last", "created_at": "9999-12-31T00:00:59.9999999-23:59" },
        ]}))
        .send()
        .await
        .unwrap();
    expect_data(fixtures, StatusCode::CREATED).await;
    let reader = app
        .account_key("ends", "sandbox", &["client_token.read"])
        .await;
    let stored = app.get("/client-tokens", &reader).await;
    let stored = expect_data(stored, StatusCode::OK).await;
    let mut times: Vec<&str> = (stored.as_array().unwrap().iter())
        .map(|token| token["created_at"].as_str().unwrap())
        .collect();
    times.sort_unstable();
    assert_eq!(times, ends);
    // Nothing changed, and the server still answers.
    let keys = app
        .admin(Method::GET, "/accounts/suite/api-keys")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_data(keys, StatusCode::OK)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let clock = app
        .admin(Method::GET, "/accounts/suite/clock")
        .send()
        .await
        .unwrap();
    assert_eq!(expect_data(clock, StatusCode::OK).await["frozen"], false);
    assert!(
        app.admin(Method::GET, "/accounts/copy/export")
            .send()
            .await
            .unwrap()
            .status()
            == 404
    );
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
