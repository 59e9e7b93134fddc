//! `paddock keys` and `PADDOCK_API_KEYS`.

use reqwest::StatusCode;
use serde_json::json;

use crate::harness::*;

/// The row of `keys list` for `id`, split into columns.
fn listed_row(list: &str, id: &str) -> Vec<String> {
    let rows: Vec<Vec<String>> = list
        .lines()
        .map(|line| line.split_whitespace().map(str::to_owned).collect())
        .filter(|row: &Vec<String>| row.first().is_some_and(|first| first == id))
        .collect();
    assert_eq!(rows.len(), 1, "one row for {id}:\n{list}");
    rows.into_iter().next().unwrap()
}

#[tokio::test]
async fn keys_can_be_created_listed_and_revoked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();

    let created = run_keys(
        dir.path(),
        [
            "create",
            "--env",
            "live",
            "--permissions",
            "client_token.read",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    let keys: Vec<String> = created
        .stdout
        .lines()
        .filter_map(|line| api_key_in(line, "live"))
        .collect();
    assert_eq!(keys.len(), 1, "one live key:\n{}", created.stdout);
    assert_eq!(
        created.stdout.matches("pdl_").count(),
        1,
        "{}",
        created.stdout
    );
    let key = keys[0].clone();
    let id = key_id(&key);
    let secret = key_secret(&key).to_owned();
    assert!(
        created.stdout.contains(&format!("Created API key {id} ")),
        "{}",
        created.stdout
    );
    assert!(!created.stderr.contains(&secret), "{}", created.stderr);

    let listed = run_keys(dir.path(), ["list"]);
    assert!(listed.status.success(), "{listed:?}");
    assert_eq!(
        listed_row(&listed.stdout, &id),
        [
            id.as_str(),
            "default",
            "live",
            "client_token.read",
            "active",
            "never"
        ]
    );
    assert!(!listed.stdout.contains(&secret), "{}", listed.stdout);
    assert!(!listed.stdout.contains("pdl_"), "{}", listed.stdout);

    // The key works against a server on the same data, until revoked there
    // by the command line: within the key cache's lifetime, here 0.2 s.
    // Its existence means no bootstrap key.
    let server = Server::start(dir.path(), &[("PADDOCK_KEY_CACHE_TTL", "0.2")]);
    let (status, body) = list_tokens(&server, &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = create_token(&server, &key, "cli").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "read only: {body}");
    assert_eq!(body["error"]["code"], "forbidden", "read only: {body}");

    let revoked = run_keys(dir.path(), ["revoke", id.as_str()]);
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(revoked.stdout, format!("Revoked API key {id}.\n"));

    let revoked_at = std::time::Instant::now();
    let (status, body) = loop {
        let (status, body) = list_tokens(&server, &key).await;
        if status != StatusCode::OK || revoked_at.elapsed() > std::time::Duration::from_secs(5) {
            break (status, body);
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(
        revoked_at.elapsed() < std::time::Duration::from_secs(1),
        "within the cache's lifetime"
    );
    // Paddle answers a revoked key with 403 `invalid_token`.
    assert_eq!(status, StatusCode::FORBIDDEN, "revoked: {body}");
    assert_eq!(body["error"]["code"], "invalid_token", "revoked: {body}");
    let served = server.terminate();
    assert!(served.status.success(), "{:?}", served.status);
    assert!(!served.stdout.contains("pdl_"), "{}", served.stdout);

    let listed = run_keys(dir.path(), ["list"]);
    assert!(listed.status.success(), "{listed:?}");
    assert_eq!(
        listed_row(&listed.stdout, &id),
        [
            id.as_str(),
            "default",
            "live",
            "client_token.read",
            "revoked",
            "never"
        ]
    );

    let unknown = run_keys(dir.path(), ["revoke", "apikey_01aaaaaaaaaaaaaaaaaaaaaaaa"]);
    assert!(!unknown.status.success(), "{unknown:?}");
    assert!(unknown.stderr.contains("no API key"), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("apikey_01aaaaaaaaaaaaaaaaaaaaaaaa"),
        "{}",
        unknown.stderr
    );
    assert_eq!(unknown.stdout, "");
}

#[test]
fn a_key_can_be_given_a_lifetime() {
    let dir = tempfile::tempdir().unwrap();

    let before = time::OffsetDateTime::now_utc();
    let created = run_keys(
        dir.path(),
        [
            "create",
            "--permissions",
            "client_token.read,client_token.write",
            "--expires-in",
            "90d",
        ],
    );
    let after = time::OffsetDateTime::now_utc();
    assert!(created.status.success(), "{created:?}");
    let key = created
        .stdout
        .lines()
        .find_map(|line| api_key_in(line, "sdbx"))
        .unwrap_or_else(|| panic!("a sandbox key:\n{}", created.stdout));
    let id = key_id(&key);

    let listed = run_keys(dir.path(), ["list"]);
    assert!(listed.status.success(), "{listed:?}");
    let row = listed_row(&listed.stdout, &id);
    assert_eq!(
        row[..5],
        [
            id.as_str(),
            "default",
            "sandbox",
            "client_token.read,client_token.write",
            "active"
        ],
        "{}",
        listed.stdout
    );
    let expires =
        time::OffsetDateTime::parse(&row[5], &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("an RFC 3339 expiry, not `{}`: {e}", row[5]));
    let days = time::Duration::days(90);
    assert!(
        before + days - time::Duration::seconds(1) <= expires
            && expires <= after + days + time::Duration::seconds(1),
        "expires 90 days from creation: {expires}"
    );

    let bad = run_keys(
        dir.path(),
        [
            "create",
            "--permissions",
            "client_token.read",
            "--expires-in",
            "10x",
        ],
    );
    assert!(!bad.status.success(), "{bad:?}");
    assert!(bad.stderr.contains("10x"), "{}", bad.stderr);
    assert!(!bad.stdout.contains("pdl_"), "no key made:\n{}", bad.stdout);
    let listed = run_keys(dir.path(), ["list"]);
    assert_eq!(
        listed.stdout.matches("apikey_").count(),
        1,
        "still only the one key:\n{}",
        listed.stdout
    );
}

#[tokio::test]
async fn keys_given_at_start_replace_the_bootstrap_key_and_keep_their_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let configured = format!("{FIXED_KEY}=client_token.read");
    let server = Server::start(dir.path(), &[("PADDOCK_API_KEYS", configured.as_str())]);

    let (status, body) = list_tokens(&server, FIXED_KEY).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"], json!([]), "{body}");

    let (status, body) = create_token(&server, FIXED_KEY, "cli").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "forbidden", "{body}");

    let finished = server.terminate();
    assert!(finished.status.success(), "{:?}", finished.status);
    assert_eq!(finished.stdout, "", "no bootstrap key is printed");
    assert!(
        !finished.stderr.contains("fixedSecret1"),
        "{}",
        finished.stderr
    );

    let listed = run_keys(dir.path(), ["list"]);
    assert_eq!(
        listed_row(&listed.stdout, FIXED_KEY_ID),
        [
            FIXED_KEY_ID,
            "default",
            "sandbox",
            "client_token.read",
            "active",
            "never"
        ]
    );
    assert_eq!(
        listed.stdout.matches("apikey_").count(),
        1,
        "{}",
        listed.stdout
    );
}

fn start_with_api_keys(value: &str) -> Finished {
    let dir = tempfile::tempdir().unwrap();
    let mut command = paddock(dir.path());
    command
        .args(["--listen", "127.0.0.1:0"])
        .env("PADDOCK_API_KEYS", value);
    run(command)
}

#[test]
fn malformed_api_keys_stop_the_start() {
    let finished = start_with_api_keys("garbage");
    assert!(!finished.status.success(), "{finished:?}");
    assert!(
        finished.stderr.contains("api-keys") || finished.stderr.contains("API_KEYS"),
        "names the setting:\n{}",
        finished.stderr
    );
    assert!(
        !finished.stderr.contains("listening on"),
        "{}",
        finished.stderr
    );
    assert_eq!(finished.stdout, "", "no key printed");
}

#[test]
fn malformed_api_keys_are_not_echoed() {
    let finished = start_with_api_keys("pdl_sdbx_apikey_short_topsecret=client_token.read");
    assert!(!finished.status.success(), "{finished:?}");
    assert!(!finished.stderr.trim().is_empty(), "an error is printed");
    assert!(
        !finished.stderr.contains("topsecret"),
        "the key is echoed:\n{}",
        finished.stderr
    );
    assert!(
        !finished.stdout.contains("topsecret"),
        "{}",
        finished.stdout
    );
}

/// `GET /api-keys/{id}` as the key itself.
async fn key_as_itself(server: &Server, key: &str) -> serde_json::Value {
    let response = client()
        .get(server.url(&format!("/api-keys/{}", key_id(key))))
        .bearer_auth(key)
        .send()
        .await
        .expect("GET /api-keys/{id} answers");
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<serde_json::Value>().await.unwrap()["data"].clone()
}

#[tokio::test]
async fn keys_take_a_name_a_description_and_rotatable_from_the_cli_and_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let created = run_keys(
        dir.path(),
        [
            "create",
            "--permissions",
            "api_key.read",
            "--name",
            "Checkout",
            "--description",
            "The web app",
            "--rotatable",
        ],
    );
    assert!(created.status.success(), "{created:?}");
    let key = (created.stdout.lines())
        .find_map(|line| api_key_in(line, "sdbx"))
        .expect("the key is printed");
    let configured = format!("{FIXED_KEY}=client_token.read|name=CI reader|rotatable=true");
    let server = Server::start(dir.path(), &[("PADDOCK_API_KEYS", configured.as_str())]);

    let made = key_as_itself(&server, &key).await;
    assert_eq!(made["name"], "Checkout");
    assert_eq!(made["description"], "The web app");
    assert_eq!(made["rotatable"], true);
    assert_eq!(made["permissions"], json!(["api_key.read"]));
    let fixed = key_as_itself(&server, FIXED_KEY).await;
    assert_eq!(fixed["name"], "CI reader");
    assert_eq!(fixed["description"], serde_json::Value::Null);
    assert_eq!(fixed["rotatable"], true);

    let bad = run_keys(dir.path(), ["create", "--permissions", "api_key.write"]);
    assert!(!bad.status.success());
    assert!(
        bad.stderr.contains("unknown permission `api_key.write`"),
        "{}",
        bad.stderr
    );
}
