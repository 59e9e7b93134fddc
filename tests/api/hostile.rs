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
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> Option<String> {
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

/// Past `max_connections`, a new connection waits, unserved, until one of
/// the open ones closes; the open ones are served meanwhile.
#[tokio::test]
async fn past_the_connection_cap_new_connections_wait_and_open_ones_are_served() {
    let options = ServeOptions {
        max_connections: 2,
        ..default_options()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let key = app.keys.sandbox.clone();
    let second = Duration::from_secs(2);
    let mut first = TcpStream::connect(app.address).await.unwrap();
    let mut other = TcpStream::connect(app.address).await.unwrap();
    assert_eq!(status_on(&mut first, &key, second).await, Some(200));
    assert_eq!(status_on(&mut other, &key, second).await, Some(200));

    let mut waiting = TcpStream::connect(app.address).await.unwrap();
    let request =
        format!("GET /client-tokens HTTP/1.1\r\nHost: p\r\nAuthorization: Bearer {key}\r\n\r\n");
    waiting.write_all(request.as_bytes()).await.unwrap();
    let mut byte = [0; 1];
    let early = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut byte)).await;
    assert!(early.is_err(), "a connection past the cap was served");
    assert_eq!(status_on(&mut first, &key, second).await, Some(200));

    drop(other);
    let served = tokio::time::timeout(second, waiting.read(&mut byte)).await;
    assert!(matches!(served, Ok(Ok(1))), "served once a slot was free");
}

/// Sends `head` on a new connection and reads the answer to the end (each
/// head here ends the connection: hyper closes it, or it asks to close).
async fn raw_answer(app: &TestApp, head: &[u8]) -> (String, String) {
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    stream.write_all(head).await.unwrap();
    let answer = read_until_closed(&mut stream, Duration::from_secs(10))
        .await
        .expect("the server answers and closes the connection");
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("an HTTP answer: {answer:?}"));
    (head.to_ascii_lowercase(), body.to_owned())
}

/// Request heads that hyper, paddock's HTTP parser, refuses by itself,
/// before paddock sees a request: a bare 400 (414 for a request target over
/// 65,534 bytes, 431 past 100 header fields) without a body, Paddle's
/// envelope or a request id, and the connection is closed. The README's Guarantees quote this list.
#[tokio::test]
async fn heads_the_http_parser_cant_parse_get_its_bare_answer_and_change_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let key = &app.keys.sandbox;
    let post = |content_length: &str| {
        format!(
            "POST /client-tokens HTTP/1.1\r\nHost: paddock\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\n{content_length}\r\n{{\"name\":\"never stored\"}}"
        )
        .into_bytes()
    };
    let get = |target: &[u8]| {
        let mut head = b"GET ".to_vec();
        head.extend_from_slice(target);
        head.extend_from_slice(b" HTTP/1.1\r\nHost: paddock\r\n\r\n");
        head
    };
    let longest = 65_534; // http's limit on a request target, in bytes
    let too_long = format!("/client-tokens?p={}", "x".repeat(longest + 1 - 17));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a control character in the path",
            get(b"/client-\x01tokens"),
            "400 bad request",
        ),
        (
            "DEL in the path",
            get(b"/client-\x7ftokens"),
            "400 bad request",
        ),
        (
            "a control character in the query",
            get(b"/client-tokens?a=\x01"),
            "400 bad request",
        ),
        (
            "a byte that isn't UTF-8 in the path",
            get(b"/client-tokens/\xff"),
            "400 bad request",
        ),
        (
            "a lone UTF-8 lead byte in the path",
            get(b"/client-tokens/\xc3"),
            "400 bad request",
        ),
        (
            "a `\"` in the query",
            get(b"/client-tokens?status=\"active\""),
            "400 bad request",
        ),
        (
            "a space in the path",
            get(b"/client tokens"),
            "400 bad request",
        ),
        (
            "a tab in the path",
            get(b"/client-tokens\t"),
            "400 bad request",
        ),
        (
            "a `>` in the query",
            get(b"/client-tokens?a=>"),
            "400 bad request",
        ),
        (
            "a `>` in the path",
            get(b"/client-tokens>"),
            "400 bad request",
        ),
        (
            "a `<` in the query",
            get(b"/client-tokens?a=<b>"),
            "400 bad request",
        ),
        (
            "a `<` in the path",
            get(b"/client-tokens/<id>"),
            "400 bad request",
        ),
        (
            "a Content-Length that isn't a number",
            post("Content-Length: abc\r\n"),
            "400 bad request",
        ),
        (
            "a signed Content-Length",
            post("Content-Length: +21\r\n"),
            "400 bad request",
        ),
        (
            "two Content-Lengths that differ",
            post("Content-Length: 21\r\nContent-Length: 22\r\n"),
            "400 bad request",
        ),
        (
            "a control character in a header value",
            post("Content-Length: 21\r\nX-A: a\x01b\r\n"),
            "400 bad request",
        ),
        (
            "a Transfer-Encoding that doesn't end in chunked",
            post("Transfer-Encoding: gzip\r\n"),
            "400 bad request",
        ),
        (
            "an HTTP version other than 1.0 or 1.1",
            b"GET /client-tokens HTTP/9.9\r\nHost: paddock\r\n\r\n".to_vec(),
            "400 bad request",
        ),
        (
            "a request target over 65,534 bytes",
            get(too_long.as_bytes()),
            "414 uri too long",
        ),
        (
            "more than 100 header fields",
            post(&"X-A: a\r\n".repeat(100)),
            "431 request header fields too large",
        ),
    ];
    for (what, head, status) in cases {
        let (answer, body) = raw_answer(&app, &head).await;
        assert!(
            answer.starts_with(&format!("http/1.1 {status}\r\n")),
            "{what}: {answer}"
        );
        assert!(answer.contains("\r\ncontent-length: 0"), "{what}: {answer}");
        assert!(answer.contains("\r\nconnection: close"), "{what}: {answer}");
        assert!(!answer.contains("request-id"), "{what}: {answer}");
        assert_eq!(body, "", "{what}: no body");
    }

    // Close to them, what hyper parses reaches paddock and is answered in
    // Paddle's envelope: valid UTF-8 and `"` in a path, a target just under
    // hyper's limit (over paddock's 16 KiB: 431).
    let close = |target: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: paddock\r\nConnection: close\r\n\r\n").into_bytes()
    };
    let just_under = format!("/client-tokens?p={}", "x".repeat(longest - 17));
    for (target, status) in [
        ("/client-tokens-é", "404 not found"),
        ("/client-\"tokens\"", "404 not found"),
        (just_under.as_str(), "431 request header fields too large"),
    ] {
        let (answer, body) = raw_answer(&app, &close(target)).await;
        assert!(
            answer.starts_with(&format!("http/1.1 {status}\r\n")),
            "{answer}"
        );
        assert!(answer.contains("\r\nrequest-id: "), "{answer}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["error"]["type"], "request_error", "{body}");
    }

    // Nothing was created, and the server serves on.
    let listed: Value = app.get("/client-tokens", key).await.json().await.unwrap();
    assert_eq!(listed["data"], Value::Array(vec![]));
}
