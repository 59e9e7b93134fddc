//! Request heads that hyper, the HTTP parser underneath paddock, refuses
//! by itself: each gets hyper's bare answer, and nothing changes.

use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::helpers::{Backend, TestApp};
use crate::hostile::read_until_closed;

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
/// envelope or a request id, and the connection is closed. docs/guarantees.md quotes this list.
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
