//! Opt-in emulation for client resilience tests: Paddle's rate limit and
//! injected faults. Both are off by default.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use paddock::http::{Emulation, Fault};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, TestApp, default_options, expect_data, expect_error};

async fn app_with(emulation: Emulation) -> TestApp {
    let options = ServeOptions {
        emulation,
        ..default_options()
    };
    TestApp::spawn_with(Backend::Sqlite, options).await
}

const RATE_LIMITED: &str = "IP address exceeded the allowed rate limit. Retry after the number of seconds in the Retry-After header.";

#[tokio::test]
async fn past_the_rate_limit_an_ip_gets_429_with_retry_after_for_a_minute() {
    let app = app_with(Emulation {
        rate_limit: Some(5),
        ..Emulation::default()
    })
    .await;
    for _ in 0..5 {
        expect_data(
            app.get("/client-tokens", &app.keys.sandbox).await,
            StatusCode::OK,
        )
        .await;
    }
    for _ in 0..3 {
        let response = app.get("/client-tokens", &app.keys.sandbox).await;
        let retry_after: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((59..=60).contains(&retry_after), "{retry_after}");
        expect_error(
            response,
            StatusCode::TOO_MANY_REQUESTS,
            "api_error",
            "too_many_requests",
            RATE_LIMITED,
        )
        .await;
    }
    // Health, metrics and the admin API are not Paddle's, and not limited.
    assert_eq!(
        app.client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.admin(Method::GET, "/accounts")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn without_configuration_nothing_is_limited_or_injected() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for _ in 0..300 {
        let response = app
            .request(Method::GET, "/client-tokens", &app.keys.sandbox)
            .header("Paddock-Fault", "internal_error")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn paddock_delay_holds_only_requests_with_a_valid_key() {
    let app = app_with(Emulation {
        fault_headers: true,
        ..Emulation::default()
    })
    .await;
    let delayed = |path: &str| {
        (app.client.get(app.url(path)))
            .header("Paddock-Delay", "1500")
            .timeout(Duration::from_secs(10))
    };
    let near_miss = format!("{}x", app.keys.sandbox);
    let cases = [
        (delayed("/client-tokens"), StatusCode::FORBIDDEN),
        (
            delayed("/client-tokens").bearer_auth(&near_miss),
            StatusCode::FORBIDDEN,
        ),
        (
            delayed("/client-tokens").bearer_auth(&app.keys.expired),
            StatusCode::FORBIDDEN,
        ),
        (
            delayed("/client-tokens").bearer_auth("not a key"),
            StatusCode::FORBIDDEN,
        ),
        // Where a key is optional, none is no delay either.
        (delayed("/"), StatusCode::OK),
    ];
    for (request, status) in cases {
        let started = Instant::now();
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status);
        let took = started.elapsed();
        assert!(took < Duration::from_millis(1000), "{took:?}");
    }
    for path in ["/client-tokens", "/"] {
        let started = Instant::now();
        let request = delayed(path).bearer_auth(&app.keys.sandbox);
        expect_data(request.send().await.unwrap(), StatusCode::OK).await;
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(1500), "{path}: {took:?}");
    }
}

#[tokio::test]
async fn fault_headers_answer_with_the_asked_error_or_delay() {
    let app = app_with(Emulation {
        fault_headers: true,
        ..Emulation::default()
    })
    .await;
    let with_fault = |fault: &'static str| {
        app.request(Method::POST, "/client-tokens", &app.keys.sandbox)
            .header("Paddock-Fault", fault)
            .json(&json!({ "name": "never made" }))
            .send()
    };
    let cases = [
        (
            "internal_error",
            StatusCode::INTERNAL_SERVER_ERROR,
            "Problem processing your request. The Paddle team has been notified.",
        ),
        (
            "bad_gateway",
            StatusCode::BAD_GATEWAY,
            "Endpoint can't process your request. The Paddle team has been notified.",
        ),
        (
            "service_unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
            "Endpoint is down temporarily and can't process your request. The Paddle team has been notified.",
        ),
        (
            "too_many_requests",
            StatusCode::TOO_MANY_REQUESTS,
            RATE_LIMITED,
        ),
    ];
    for (fault, status, detail) in cases {
        expect_error(
            with_fault(fault).await.unwrap(),
            status,
            "api_error",
            fault,
            detail,
        )
        .await;
    }
    let unknown = with_fault("teapot").await.unwrap();
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    // Nothing was created by a faulted request.
    assert_eq!(
        expect_data(
            app.get("/client-tokens", &app.keys.sandbox).await,
            StatusCode::OK
        )
        .await,
        json!([])
    );

    let started = Instant::now();
    let delayed = app
        .request(Method::POST, "/client-tokens", &app.keys.sandbox)
        .header("Paddock-Delay", "250")
        .json(&json!({ "name": "late" }))
        .send()
        .await
        .unwrap();
    expect_data(delayed, StatusCode::CREATED).await;
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn a_fault_rate_of_one_faults_every_request_and_zero_none() {
    let always = app_with(Emulation {
        fault_rate: 1.0,
        fault: Some(Fault::BadGateway),
        ..Emulation::default()
    })
    .await;
    for _ in 0..5 {
        assert_eq!(
            always
                .get("/client-tokens", &always.keys.sandbox)
                .await
                .status(),
            StatusCode::BAD_GATEWAY
        );
    }
    let never = app_with(Emulation {
        fault_rate: 0.0,
        fault: Some(Fault::BadGateway),
        ..Emulation::default()
    })
    .await;
    for _ in 0..5 {
        assert_eq!(
            never
                .get("/client-tokens", &never.keys.sandbox)
                .await
                .status(),
            StatusCode::OK
        );
    }
}
