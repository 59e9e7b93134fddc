//! `PADDOCK_LOG_FORMAT=json`: one JSON object per line, with the request's
//! fields, on standard error.

use serde_json::Value;

use crate::harness::*;

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[("PADDOCK_LOG_FORMAT", "json")]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let response = client()
        .get(server.url("/client-tokens"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let request_id = response.headers()["request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let finished = server.terminate();
    assert!(finished.status.success(), "{}", finished.stderr);

    let lines: Vec<Value> = finished
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let request = lines
        .iter()
        .find(|line| {
            line["span"]["request_id"] == request_id.as_str() && line["status"].is_number()
        })
        .unwrap_or_else(|| panic!("no line for the request in {lines:?}"));
    assert_eq!(request["level"], "INFO");
    assert_eq!(request["status"], 200);
    assert_eq!(request["span"]["method"], "GET");
    assert_eq!(request["span"]["path"], "/client-tokens");
    assert!(request["latency"].is_string(), "{request}");
    assert!(!finished.stderr.contains(&key), "the key is not logged");
}
