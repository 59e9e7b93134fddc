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
    assert_eq!(request["span"]["route"], "/client-tokens");
    assert!(request["latency_ms"].is_number(), "{request}");
    assert_eq!(request["span"]["account"], "default", "{request}");
    assert_eq!(request["span"]["api_key_id"], key_id(&key).as_str());
    assert!(!finished.stderr.contains(&key), "the key is not logged");
    assert!(
        !finished.stderr.contains(key_secret(&key)),
        "nor its secret"
    );
}

#[tokio::test]
async fn json_logs_name_the_route_template_not_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[("PADDOCK_LOG_FORMAT", "json")]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let id = "ctkn_01hv8gz6y0m8m5f8q2y9f7kj3x";
    let response = client()
        .get(server.url(&format!("/client-tokens/{id}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let finished = server.terminate();
    let request = finished
        .stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["span"]["path"] == format!("/client-tokens/{id}").as_str())
        .unwrap_or_else(|| panic!("no line for the request:\n{}", finished.stderr));
    assert_eq!(
        request["span"]["route"], "/client-tokens/{client_token_id}",
        "{request}"
    );
}

#[tokio::test]
async fn text_logs_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[("PADDOCK_LOG_FORMAT", "text")]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    client()
        .get(server.url("/client-tokens"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    let finished = server.terminate();
    assert!(
        finished.stderr.contains("finished processing request"),
        "{}",
        finished.stderr
    );
    assert!(!finished.stderr.contains("\x1b["), "{:?}", finished.stderr);
}
