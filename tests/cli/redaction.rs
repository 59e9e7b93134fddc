//! No secret leaves paddock: API keys, notification secrets, client tokens
//! and the admin token, sent by mistake in paths (where an `api_key_id` or
//! any id goes), queries and bodies, written out, percent-encoded once or
//! twice, or spelt with JSON's `\u` escapes, appear in no log line (text or
//! JSON), journal entry, error body or metric.

use reqwest::{Method, Response};
use serde_json::{Value, json};

use crate::harness::*;

const ADMIN: &str = "admin-token-that-must-never-be-logged";
/// A key of the right shape that paddock never made.
const MADE_UP_KEY: &str = "pdl_sdbx_apikey_01gtgztp8f4kek3yd4g1wrksa3_madeUpSecretQ7x9Zk2";

#[tokio::test]
async fn secrets_sent_anywhere_appear_in_no_log_journal_error_or_metric_as_text() {
    no_secret_leaves_with_logs_as("text").await;
}

#[tokio::test]
async fn secrets_sent_anywhere_appear_in_no_log_journal_error_or_metric_as_json() {
    no_secret_leaves_with_logs_as("json").await;
}

/// Every byte as `%XX`.
fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// The first character as JSON's `\u` escape.
fn json_escaped(text: &str) -> String {
    format!("\\u{:04x}{}", u32::from(text.as_bytes()[0]), &text[1..])
}

async fn no_secret_leaves_with_logs_as(format: &str) {
    let dir = tempfile::tempdir().unwrap();
    let env = [
        ("PADDOCK_LOG_FORMAT", format),
        ("PADDOCK_ADMIN_TOKEN", ADMIN),
        ("RUST_LOG", "debug,sqlx=warn,hyper=info,h2=info"),
    ];
    let mut server = Server::start(dir.path(), &env);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let send = |method: Method, path: &str, token: &str| {
        client()
            .request(method, server.url(path))
            .bearer_auth(token)
    };
    let admin = |method: Method, path: &str| send(method, &format!("/__paddock{path}"), ADMIN);

    // Real secrets of each kind.
    let setting = (admin(Method::POST, "/accounts/default/notification-settings"))
        .json(&json!({ "destination": "http://127.0.0.1:9/", "subscribed_events": ["client_token.created"] }))
        .send()
        .await
        .unwrap();
    let setting: Value = setting.json().await.unwrap();
    let notification_secret = setting["data"]["endpoint_secret_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, token) = create_token(&server, &key, "A token").await;
    let client_token = token["data"]["token"].as_str().unwrap().to_owned();
    let secrets = [
        key.clone(),
        MADE_UP_KEY.to_owned(),
        notification_secret,
        client_token,
        ADMIN.to_owned(),
    ];

    // Error bodies: a 2xx carries back what the client stored (a name).
    let mut answers = String::new();
    let mut keep = async |response: Response| {
        if response.status().as_u16() >= 400 {
            answers.push_str(&response.text().await.unwrap());
            answers.push('\n');
        }
    };
    for secret in &secrets {
        let once = percent_encoded(secret);
        let twice = once.replace('%', "%25");
        let escaped = json_escaped(secret);
        for form in [secret.as_str(), &once, &twice, &escaped] {
            // A `\u` escape means something in JSON only (in a URL, the
            // client reads the backslash as `/`).
            let in_url = form != escaped;
            // In paths: where an api_key_id goes, where a client token id
            // goes, and in the admin API (whose 404 bodies name the id).
            for path in [
                format!("/api-keys/{form}"),
                format!("/api-keys/{form}/rotations"),
                format!("/client-tokens/{form}"),
                format!("/__paddock/notification-settings/{form}"),
                format!("/__paddock/accounts/{form}/requests"),
            ] {
                if in_url {
                    keep(send(Method::GET, &path, &key).send().await.unwrap()).await;
                }
            }
            // In queries, as a value and as a name.
            for query in [format!("after={form}"), format!("{form}=1")]
                .into_iter()
                .filter(|_| in_url)
            {
                let path = format!("/client-tokens?{query}");
                keep(send(Method::GET, &path, &key).send().await.unwrap()).await;
            }
            // In bodies: JSON, a form's text, and JSON broken off.
            for body in [
                json!({ "name": form, "description": format!("see {form}") }).to_string(),
                format!("name={form}&description=x"),
                format!(r#"{{"name": "{form}", "description": "#),
            ] {
                let request = (send(Method::POST, "/client-tokens", &key))
                    .header("content-type", "application/json")
                    .body(body);
                keep(request.send().await.unwrap()).await;
            }
        }
    }
    let journal = admin(Method::GET, "/accounts/default/requests")
        .send()
        .await
        .unwrap();
    let journal = journal.text().await.unwrap();
    assert!(journal.contains("/client-tokens"), "{journal}");
    let metrics = (client().get(server.url("/metrics")).send().await.unwrap())
        .text()
        .await
        .unwrap();
    let finished = server.terminate();
    let log = finished.stderr;
    assert!(log.contains("finished processing request"), "{log}");
    if format == "json" {
        for line in log.lines() {
            serde_json::from_str::<Value>(line).unwrap_or_else(|_| panic!("not JSON: {line}"));
        }
    }

    for (output, text) in [
        ("log", &log),
        ("journal", &journal),
        ("error bodies", &answers),
        ("metrics", &metrics),
    ] {
        for secret in &secrets {
            // The secret's tail, and each encoding of it as sent.
            let tail = &secret[secret.len() - 12..];
            let once = percent_encoded(secret);
            for form in [
                tail,
                &once,
                &once.replace('%', "%25"),
                &json_escaped(secret),
            ] {
                assert!(
                    !text.contains(form),
                    "{form} (of {secret}) in the {output}:\n{text}"
                );
            }
        }
    }
}
