//! Running paddock: health, readiness, metrics, logs, graceful shutdown.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{
    ADMIN_TOKEN, Backend, LogCapture, TestApp, expect_data, expect_error, run_paddock,
};
use crate::postgres_only;

postgres_only!(
    readyz_is_503_while_the_database_is_unreachable_and_recovers,
    paddock_healthcheck_exits_0_when_ready_and_1_when_not,
);

#[tokio::test]
async fn healthz_and_readyz_need_no_key_and_say_only_up_or_not() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let live = expect_data(
        app.client.get(app.url("/healthz")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(live, json!({ "status": "ok" }));
    let ready = expect_data(
        app.client.get(app.url("/readyz")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(ready, json!({ "status": "ready" }));
}

async fn readyz_is_503_while_the_database_is_unreachable_and_recovers() {
    let app = TestApp::spawn_behind_proxy().await;
    let readyz = || app.client.get(app.url("/readyz")).send();
    expect_data(readyz().await.unwrap(), StatusCode::OK).await;
    app.proxy.as_ref().unwrap().sever();
    expect_error(
        readyz().await.unwrap(),
        StatusCode::SERVICE_UNAVAILABLE,
        "api_error",
        "service_unavailable",
        "Endpoint is down temporarily and can't process your request. The Paddle team has been notified.",
    )
    .await;
    // Liveness doesn't depend on the database.
    expect_data(
        app.client.get(app.url("/healthz")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    app.proxy.as_ref().unwrap().restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    while readyz().await.unwrap().status() != StatusCode::OK {
        assert!(Instant::now() < deadline, "readiness did not come back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of one sample line in Prometheus text.
pub(crate) fn sample(metrics: &str, name_and_labels: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        line.strip_prefix(name_and_labels)?
            .strip_prefix(' ')?
            .parse()
            .ok()
    })
}

#[tokio::test]
async fn metrics_count_real_requests_by_route_and_status() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for _ in 0..3 {
        app.get("/client-tokens", &app.keys.sandbox).await;
    }
    app.get(
        "/client-tokens/ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x",
        &app.keys.sandbox,
    )
    .await;
    app.get("/nowhere/at/all", &app.keys.sandbox).await;

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    let requests =
        |labels: &str| sample(&text, &format!("paddock_http_requests_total{{{labels}}}"));
    assert_eq!(
        requests(r#"method="GET",route="/client-tokens",status="200""#),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        requests(r#"method="GET",route="/client-tokens/{client_token_id}",status="404""#),
        Some(1.0)
    );
    assert_eq!(
        requests(r#"method="GET",route="unmatched",status="404""#),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            r#"paddock_http_request_duration_seconds_count{method="GET",route="/client-tokens",status="200"}"#
        ),
        Some(3.0)
    );
    assert!(
        sample(&text, "paddock_db_pool_max_connections").is_some_and(|max| max >= 1.0),
        "{text}"
    );
    assert!(
        sample(&text, "paddock_db_pool_connections").is_some(),
        "{text}"
    );
    // No ids in labels, and no data.
    assert!(!text.contains("ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x") && !text.contains("/nowhere"));
}

#[tokio::test]
async fn no_secret_ever_appears_in_a_log_line() {
    let (logs, _guard) = LogCapture::start();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let account_key = app
        .account_key("suite", "sandbox", &["client_token.write"])
        .await;
    let token = app
        .create_with(&account_key, json!({ "name": "secretive" }))
        .await;
    let id = token["id"].as_str().unwrap();
    app.request(Method::PATCH, &format!("/client-tokens/{id}"), &account_key)
        .json(&json!({ "status": "revoked" }))
        .send()
        .await
        .unwrap();
    let near_miss = format!("{}x", app.keys.sandbox);
    app.get("/client-tokens", &near_miss).await;
    app.get("/client-tokens", &app.keys.expired).await;
    let wrong_admin = app
        .client
        .get(app.url("/__paddock/accounts"))
        .bearer_auth("wrong-admin-token")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_admin.status(), StatusCode::FORBIDDEN);

    let logs = logs.text();
    assert!(logs.contains(id), "the capture sees request logs:\n{logs}");
    let secrets = [
        account_key.as_str(),
        &account_key[43..],
        app.keys.sandbox.as_str(),
        &app.keys.expired[43..],
        ADMIN_TOKEN,
        "wrong-admin-token",
        token["token"].as_str().unwrap(),
    ];
    for secret in secrets {
        assert!(!logs.contains(secret), "a secret was logged");
    }
}

#[tokio::test]
async fn shutdown_finishes_an_in_flight_request_and_then_refuses_new_ones() {
    let (logs, _guard) = LogCapture::start();
    let mut app = TestApp::spawn(Backend::Sqlite).await;
    // A request whose body is still arriving when shutdown begins.
    let body = json!({ "name": "in flight" }).to_string();
    let (head, tail) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(app.address).await.unwrap();
    let request = format!(
        "POST /client-tokens HTTP/1.1\r\nHost: paddock\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        app.keys.sandbox,
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    // Wait until the server is handling it: it has logged its start.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !logs
        .text()
        .lines()
        .any(|line| line.contains("started processing request") && line.contains("method=POST"))
    {
        assert!(Instant::now() < deadline, "the request never started");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    let stopped = app.begin_shutdown();
    stream.write_all(tail.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 201 Created"), "{response}");
    assert!(response.contains("\"name\":\"in flight\""), "{response}");
    tokio::time::timeout(Duration::from_secs(10), stopped)
        .await
        .unwrap()
        .unwrap();

    let refused = app.client.get(app.url("/healthz")).send().await;
    assert!(refused.is_err(), "the server no longer accepts connections");
}

/// Runs `paddock healthcheck --url <url>` off the test's thread, so the
/// server on this thread keeps answering; returns whether it exited 0.
async fn healthcheck(url: String) -> (bool, String) {
    tokio::task::spawn_blocking(move || {
        let finished = run_paddock(&["healthcheck", "--url", &url]);
        (finished.status.success(), finished.stderr)
    })
    .await
    .unwrap()
}

async fn paddock_healthcheck_exits_0_when_ready_and_1_when_not() {
    let app = TestApp::spawn_behind_proxy().await;
    let (ready, stderr) = healthcheck(app.url("/readyz")).await;
    assert!(ready, "{stderr}");

    app.proxy.as_ref().unwrap().sever();
    let (ready, stderr) = healthcheck(app.url("/readyz")).await;
    assert!(!ready);
    assert!(stderr.contains("503"), "{stderr}");
    app.proxy.as_ref().unwrap().restore();

    // Nothing listening at all.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (ready, stderr) = healthcheck(format!("http://{closed}/readyz")).await;
    assert!(!ready);
    assert!(stderr.contains("not ready"), "{stderr}");
}
