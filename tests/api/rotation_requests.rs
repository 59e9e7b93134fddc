//! Asking for rotations: only a rotatable key rotates, and only itself;
//! bodies are validated in the validator's words; a key lists its own
//! rotations.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;
use crate::on_both_backends;
use crate::rotations::{expect_invalid_token, rotatable, rotate, rotated};

on_both_backends!(
    only_a_rotatable_key_rotates_and_only_itself,
    rotation_bodies_are_validated,
    rotations_are_listed_and_filtered,
);

async fn only_a_rotatable_key_rotates_and_only_itself(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fixed = app
        .make_key("only", json!({ "permissions": ["api_key.read"] }))
        .await;
    let (fixed_id, fixed_key) = (
        fixed["id"].as_str().unwrap(),
        fixed["key"].as_str().unwrap(),
    );
    let body = json!({ "grace_period_seconds": 60 });
    let response = rotate(&app, fixed_id, fixed_key, body.clone()).await;
    expect_error(
        response,
        StatusCode::BAD_REQUEST,
        "request_error",
        "api_key_cannot_be_rotated",
        "This API key doesn't support rotation.",
    )
    .await;

    let (id, secret) = rotatable(&app, "only").await;
    let rotation = rotated(&app, &id, &secret, 60).await;
    let forbidden = "You aren't permitted to perform this request. An API key can rotate, and see the rotations of, only itself.";
    let rotation_path = format!(
        "/api-keys/{id}/rotations/{}",
        rotation["id"].as_str().unwrap()
    );
    for response in [
        rotate(&app, &id, fixed_key, body.clone()).await,
        app.get(&format!("/api-keys/{id}/rotations"), fixed_key)
            .await,
        app.get(&rotation_path, fixed_key).await,
    ] {
        expect_error(
            response,
            StatusCode::FORBIDDEN,
            "request_error",
            "forbidden",
            forbidden,
        )
        .await;
    }

    let unknown = format!("/api-keys/{id}/rotations/apkrot_01hv8gz6y0m8m5f8q2y9f7kj3x");
    expect_not_found(
        app.get(&unknown, &secret).await,
        "apkrot_01hv8gz6y0m8m5f8q2y9f7kj3x",
    )
    .await;
    let malformed = app
        .get(&format!("/api-keys/{id}/rotations/rot_1"), &secret)
        .await;
    expect_error(
        malformed,
        StatusCode::BAD_REQUEST,
        "request_error",
        "bad_request",
        "Invalid request. The API key rotation id in the path is not valid.",
    )
    .await;
    let revoked = app
        .get(&format!("/api-keys/{id}/rotations"), &app.keys.revoked)
        .await;
    expect_invalid_token(revoked).await;
}

async fn rotation_bodies_are_validated(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, secret) = rotatable(&app, "bodies").await;
    let grace = "grace_period_seconds";
    for (body, field, message) in [
        (json!({}), "(root)", "grace_period_seconds is required"),
        (
            json!({ grace: -1 }),
            grace,
            "Must be greater than or equal to 0",
        ),
        (
            json!({ grace: 86401 }),
            grace,
            "Must be less than or equal to 86400",
        ),
        (
            json!({ grace: 1.5 }),
            grace,
            "Invalid type. Expected: integer, given: number",
        ),
        (
            json!({ grace: "60" }),
            grace,
            "Invalid type. Expected: integer, given: string",
        ),
        (
            json!({ grace: 60, "new_key_expires_at": "tomorrow" }),
            "new_key_expires_at",
            "Does not match format 'date-time'",
        ),
        (
            json!({ grace: 60, "colour": "red" }),
            "(root)",
            "Additional property colour is not allowed",
        ),
    ] {
        let response = rotate(&app, &id, &secret, body).await;
        expect_schema_errors(response, json!([{ "field": field, "message": message }])).await;
    }
    let listed = expect_data(
        app.get(&format!("/api-keys/{id}/rotations"), &secret).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed, json!([]), "bad input changes nothing");
    let edge = rotated(&app, &id, &secret, 86400).await;
    assert_eq!(edge["grace_period_seconds"], 86400);
}

async fn rotations_are_listed_and_filtered(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, secret) = rotatable(&app, "listed").await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(rotated(&app, &id, &secret, 60).await["id"].clone());
    }
    let path = format!("/api-keys/{id}/rotations");
    let all = expect_json(app.get(&path, &secret).await, StatusCode::OK).await;
    let listed: Vec<_> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(listed, ids);
    assert!(all["data"][0]["new_key"].is_string());
    assert_eq!(all["meta"]["pagination"]["estimated_total"], 3);

    let page = expect_json(
        app.get(&format!("{path}?per_page=2"), &secret).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["meta"]["pagination"]["has_more"], true);
    let next = page["meta"]["pagination"]["next"].as_str().unwrap();
    assert_eq!(
        next,
        app.url(&format!(
            "{path}?per_page=2&after={}",
            ids[1].as_str().unwrap()
        ))
    );
    let next_path = next.strip_prefix(&app.url("")).unwrap();
    let rest = expect_json(app.get(next_path, &secret).await, StatusCode::OK).await;
    assert_eq!(rest["data"].as_array().unwrap().len(), 1);
    assert_eq!(rest["data"][0]["id"], ids[2]);
    assert_eq!(rest["meta"]["pagination"]["has_more"], false);

    let filter = format!(
        "{path}?id={},{}",
        ids[2].as_str().unwrap(),
        ids[0].as_str().unwrap()
    );
    let filtered = expect_data(app.get(&filter, &secret).await, StatusCode::OK).await;
    let filtered: Vec<_> = filtered
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert_eq!(filtered, [ids[0].clone(), ids[2].clone()]);
    // The filter and a cursor together.
    let after = format!("{filter}&after={}", ids[0].as_str().unwrap());
    let later = expect_data(app.get(&after, &secret).await, StatusCode::OK).await;
    assert_eq!(later.as_array().unwrap().len(), 1);
    assert_eq!(later[0]["id"], ids[2]);
    let bad = app
        .get(
            &format!("{path}?id=ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x"),
            &secret,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
