//! A forced panic over real HTTP: Paddle's 500 with the request's id, in the
//! metrics, the journal and the JSON log (one object per line), and the
//! server goes on serving.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use crate::app::ServeOptions;
use crate::http::AdminToken;
use crate::store::{self, Access};

const ADMIN: &str = "admin-token-for-panic-tests";
const SECRET_IN_THE_PANIC: &str = "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_inside";

#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_panic_is_paddles_500_with_its_request_id_and_the_server_serves_on() {
    // The JSON log as `telemetry::init` sets it up, on this thread, where
    // the test's runtime runs the server.
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    crate::telemetry::log_panics();

    let access = Access::Serve {
        cached_tokens: store::DEFAULT_CACHED_TOKENS,
    };
    let store = store::connect(
        Some("sqlite::memory:"),
        std::path::Path::new("unused"),
        access,
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let options = ServeOptions {
        admin_token: Some(AdminToken::new(ADMIN)),
        ..ServeOptions::default()
    };
    tokio::spawn(crate::app::serve(
        listener,
        store,
        options,
        std::future::pending(),
    ));
    let client = reqwest::Client::new();
    let made = (client.post(format!("{base}/__paddock/accounts/suite/api-keys")))
        .bearer_auth(ADMIN)
        .json(&json!({ "environment": "sandbox", "permissions": ["client_token.read"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let key = made["data"]["key"].as_str().unwrap();

    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = (client.get(format!("{base}/test-only/panic")))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 500);
        assert_eq!(response.headers()["content-type"], "application/json");
        let id = response.headers()["request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(response.headers()["x-request-id"], id.as_str());
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({
                "error": {
                    "type": "api_error",
                    "code": "internal_error",
                    "detail": "Problem processing your request. The Paddle team has been notified.",
                    "documentation_url": "https://developer.paddle.com/v1/errors/shared/internal_error",
                },
                "meta": { "request_id": id },
            })
        );
        ids.push(id);
        let served = (client.get(format!("{base}/client-tokens")))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(served.status(), 200, "the server serves on");
    }

    let metrics = (client.get(format!("{base}/metrics")).send().await.unwrap())
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"paddock_http_requests_total{method="GET",route="/test-only/panic",status="500"} 2"#
        ),
        "{metrics}"
    );
    let journal = (client.get(format!("{base}/__paddock/accounts/suite/requests")))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    let journal: Value = journal.json().await.unwrap();
    let panicked: Vec<&Value> = (journal["data"].as_array().unwrap().iter())
        .filter(|entry| entry["path"] == "/test-only/panic")
        .collect();
    assert_eq!(panicked.len(), 2, "{journal}");
    for (entry, id) in panicked.iter().zip(&ids) {
        assert_eq!(entry["status"], 500);
        assert_eq!(entry["request_id"], id.as_str());
        assert_eq!(entry["response_body"]["meta"]["request_id"], id.as_str());
    }

    let log = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    let log: Vec<Value> = (log.lines())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    for id in &ids {
        let of_request = |message: &str| {
            (log.iter())
                .filter(|line| line["span"]["request_id"] == id.as_str())
                .find(|line| line["message"] == message)
                .unwrap_or_else(|| panic!("no `{message}` for {id} in {log:?}"))
        };
        let panic = of_request("panicked");
        assert_eq!(panic["level"], "ERROR");
        assert!(panic["location"].as_str().unwrap().contains("panics.rs"));
        let message = panic["panic"].as_str().unwrap();
        assert!(message.starts_with("forced panic with "), "{panic}");
        assert_eq!(of_request("finished processing request")["status"], 500);
    }
    let text = Value::from(log).to_string();
    assert!(!text.contains(SECRET_IN_THE_PANIC), "{text}");
}
