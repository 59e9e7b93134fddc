//! Hostile clients: slow heads and bodies (slowloris), oversized heads, and
//! keys that nearly match. Each gets a bounded, Paddle-shaped refusal, and
//! other clients are served meanwhile.

use std::time::{Duration, Instant};

use paddock::app::ServeOptions;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp, default_options, expect_error};

const TIMEOUT: Duration = Duration::from_millis(500);

async fn app_with_short_timeouts() -> TestApp {
    let options = ServeOptions {
        header_timeout: TIMEOUT,
        body_timeout: TIMEOUT,
        ..default_options()
    };
    TestApp::spawn_with(Backend::Sqlite, options).await
}

/// Reads until the server closes the connection; `None` if it doesn't
/// within `limit`.
pub(crate) async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, stream.read_to_end(&mut received)).await;
    read.ok()
        .map(|_| String::from_utf8_lossy(&received).into_owned())
}

async fn expect_served(app: &TestApp) {
    let response = app.get("/client-tokens", &app.keys.sandbox).await;
    assert_eq!(response.status(), StatusCode::OK);
}

/// Idle keep-alive connections are closed after the header timeout too, and
/// responses say when, so that clients can retire them first.
#[tokio::test]
async fn responses_say_how_long_an_idle_connection_is_kept() {
    let options = ServeOptions {
        header_timeout: Duration::from_secs(10),
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let response = app.get("/client-tokens", &app.keys.sandbox).await;
    assert_eq!(response.headers()["keep-alive"], "timeout=9");
    let response = app.get("/nowhere", &app.keys.sandbox).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["keep-alive"], "timeout=9");
}

#[tokio::test]
async fn headers_sent_slowly_are_cut_off_while_others_are_served() {
    let app = app_with_short_timeouts().await;
    let mut slow = TcpStream::connect(app.address).await.unwrap();
    slow.write_all(b"GET /client-tokens HTTP/1.1\r\nHost: paddock\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let trickle = async {
        // One byte of a header that never ends, every 100 ms.
        while slow.write_all(b"x").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if started.elapsed() > Duration::from_secs(10) {
                break;
            }
        }
    };
    let others = async {
        for _ in 0..3 {
            expect_served(&app).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::join!(trickle, others);
    let elapsed = started.elapsed();
    assert!(
        elapsed < 4 * TIMEOUT,
        "the slow client kept its connection for {elapsed:?}"
    );
    // Cut off without an answer: there was no request to answer.
    assert_eq!(
        read_until_closed(&mut slow, TIMEOUT).await.as_deref(),
        Some("")
    );
}

#[tokio::test]
async fn a_body_sent_slowly_is_408_request_timeout_and_creates_nothing() {
    let app = app_with_short_timeouts().await;
    let mut slow = TcpStream::connect(app.address).await.unwrap();
    let head = format!(
        "POST /client-tokens HTTP/1.1\r\nHost: paddock\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"name\":",
        app.keys.sandbox
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    expect_served(&app).await;
    let answer = read_until_closed(&mut slow, 8 * TIMEOUT)
        .await
        .expect("the server never gave up on the body");
    assert!(started.elapsed() >= TIMEOUT);
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
    let body: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["error"]["type"], "request_error");
    assert_eq!(body["error"]["code"], "request_timeout");
    assert_eq!(
        body["error"]["detail"],
        "The request body was not received in time."
    );
    assert!(body["meta"]["request_id"].is_string());

    // A new connection: the pooled one sat idle past the header timeout,
    // which closes idle keep-alive connections too.
    let listed: Value = reqwest::Client::new()
        .get(app.url("/client-tokens"))
        .bearer_auth(&app.keys.sandbox)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["data"], Value::Array(vec![]));
}

#[tokio::test]
async fn headers_over_16_kib_are_431_request_headers_too_large() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let detail = "The provided request URI length or headers are too large. \
                  The limit is 16384 bytes.";
    let big = "x".repeat(17 * 1024);

    let too_large = [
        app.request(Method::POST, "/client-tokens", &app.keys.sandbox)
            .header("X-Padding", &big)
            .json(&serde_json::json!({ "name": "never stored" })),
        app.request(
            Method::GET,
            &format!("/client-tokens?padding={big}"),
            &app.keys.sandbox,
        ),
    ];
    for request in too_large {
        expect_error(
            request.send().await.unwrap(),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "request_error",
            "request_headers_too_large",
            detail,
        )
        .await;
    }

    // Just under the limit is served, and nothing was stored above.
    let response = app
        .request(Method::GET, "/client-tokens", &app.keys.sandbox)
        .header("X-Padding", "x".repeat(15 * 1024))
        .send()
        .await
        .unwrap();
    let listed: Value = response.json().await.unwrap();
    assert_eq!(listed["data"], Value::Array(vec![]));
}

/// The secret part of a key is compared as a SHA-256 digest, in constant
/// time: a secret that matches the real one but for its last character is
/// refused no more slowly than one that matches nothing, so response times
/// can't be used to guess a key a character at a time.
#[tokio::test]
async fn near_miss_keys_take_no_longer_than_wholly_wrong_ones() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let key = &app.keys.sandbox;
    let (prefix, secret) = key.rsplit_once('_').unwrap();
    let last = secret.chars().last().unwrap();
    let near_miss = format!(
        "{}{}",
        &key[..key.len() - 1],
        if last == 'a' { 'b' } else { 'a' }
    );
    let wholly_wrong = format!("{prefix}_{}", "Z".repeat(secret.len()));
    let time = |candidate: String| {
        let request = app
            .client
            .get(app.url("/client-tokens"))
            .bearer_auth(candidate);
        async move {
            let started = Instant::now();
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            started.elapsed()
        }
    };
    // Warm up, then interleave the two so drift affects both alike.
    for _ in 0..50 {
        time(near_miss.clone()).await;
    }
    let (mut near, mut wrong) = (Vec::new(), Vec::new());
    for _ in 0..400 {
        near.push(time(near_miss.clone()).await);
        wrong.push(time(wholly_wrong.clone()).await);
    }
    let median = |samples: &mut Vec<Duration>| {
        samples.sort_unstable();
        samples[samples.len() / 2]
    };
    let (near, wrong) = (median(&mut near), median(&mut wrong));
    // Loopback HTTP varies by tens of microseconds; a comparison that
    // stopped at the first differing byte would not, but any work that
    // grew with the matching prefix would show well beyond this.
    let tolerance = (wrong / 4).max(Duration::from_micros(100));
    assert!(
        near <= wrong + tolerance,
        "near misses took {near:?} (median), wholly wrong keys {wrong:?}"
    );
}

/// Sends one request on a keep-alive connection and reads its status.
async fn status_on(stream: &mut TcpStream, key: &str, limit: Duration) -> Option<u16> {
    let request =
        format!("GET /client-tokens HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {key}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut received = Vec::new();
    let mut buffer = [0; 4096];
    let read = async {
        // Enough for the status line: the body is not needed.
        while !received.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut buffer).await.unwrap();
            assert!(n > 0, "closed");
            received.extend_from_slice(&buffer[..n]);
        }
        let head = String::from_utf8_lossy(&received).into_owned();
        head[9..12].parse().unwrap()
    };
    tokio::time::timeout(limit, read).await.ok()
}

/// Past `max_connections`, a new connection waits, unserved, while the
/// open ones have a request coming (they are served meanwhile); connections
/// idle between requests are closed to make room for it within a second.
#[tokio::test]
async fn past_the_connection_cap_idle_connections_make_room_within_a_second() {
    let options = ServeOptions {
        max_connections: 2,
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let key = app.keys.sandbox.clone();
    let second = Duration::from_secs(1);
    // Two connections whose first requests are still to come.
    let mut first = TcpStream::connect(app.address).await.unwrap();
    let mut other = TcpStream::connect(app.address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let mut waiting = TcpStream::connect(app.address).await.unwrap();
    let request =
        format!("GET /client-tokens HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {key}\r\n\r\n");
    waiting.write_all(request.as_bytes()).await.unwrap();
    let mut byte = [0; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut byte)).await;
    assert!(early.is_err(), "a connection past the cap was served");
    assert_eq!(status_on(&mut first, &key, second).await, Some(200));
    assert_eq!(status_on(&mut other, &key, second).await, Some(200));

    // Both are idle now (keep-alive): closed, and the waiting one served.
    let served = tokio::time::timeout(second, waiting.read(&mut byte)).await;
    assert!(matches!(served, Ok(Ok(1))), "served within a second");
    let closed = tokio::time::timeout(second, first.read(&mut byte)).await;
    assert!(matches!(closed, Ok(Ok(0))), "an idle connection made room");
}
