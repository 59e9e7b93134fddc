//! Secrets survive: a notification setting's signing secret is sealed with a
//! key kept outside the database, so the key must outlive a restart as the
//! data does. These run the real binary, stopped and started again.

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{ADMIN_TOKEN, Backend, Database, Paddock, Receiver, expect_data};
use crate::postgres_only;
use crate::webhooks::assert_signed;

const KEY: &str = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_secretsSurvive1";
/// A `PADDOCK_SECRET_KEY`, as compose.yaml's comment says to make one.
const SECRET_KEY: &str = "5f2b8c0e4a1d9f3b7c6e2a8d0b4f1c9e3a7d5b2f8c0e6a4d1b9f3c7e5a2d8b0f";

postgres_only!(with_paddock_secret_key_a_setting_delivers_from_a_fresh_data_directory);

/// The environment of one start: `extra` beside the key and admin token.
fn environment(data_dir: &Path, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "PADDOCK_DATA_DIR".to_owned(),
            data_dir.display().to_string(),
        ),
        ("PADDOCK_ADMIN_TOKEN".to_owned(), ADMIN_TOKEN.to_owned()),
        (
            "PADDOCK_API_KEYS".to_owned(),
            format!("{KEY}=client_token.write"),
        ),
        ("PADDOCK_WEBHOOK_RETRY_BASE".to_owned(), "0.2".to_owned()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    env
}

fn start(env: &[(String, String)]) -> (Paddock, String) {
    let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let paddock = Paddock::start(&env);
    let base = paddock.base.clone();
    (paddock, base)
}

async fn make_setting(base: &str, destination: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!(
            "{base}/__paddock/accounts/default/notification-settings"
        ))
        .bearer_auth(ADMIN_TOKEN)
        .json(&json!({ "destination": destination, "subscribed_events": ["client_token.created"] }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await
}

async fn make_token(base: &str, name: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{base}/client-tokens"))
        .bearer_auth(KEY)
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    expect_data(response, StatusCode::CREATED).await
}

#[tokio::test]
async fn a_setting_made_before_a_restart_still_delivers_after_it() {
    // The file-backed default: no DATABASE_URL, everything in the data
    // directory, as the container keeps it in its `/data` volume.
    let data_dir = tempfile::tempdir().unwrap();
    let env = environment(data_dir.path(), &[]);
    let mut receiver = Receiver::start(&[]).await;

    let (first, base) = start(&env);
    let setting = make_setting(&base, &receiver.url).await;
    let secret = setting["endpoint_secret_key"].as_str().unwrap().to_owned();
    make_token(&base, "Before").await;
    assert_signed(&receiver.next().await, &secret);
    first.terminate();
    assert!(data_dir.path().join("secret.key").exists());

    let (_second, base) = start(&env);
    let token = make_token(&base, "After").await;
    let received = receiver.next().await;
    assert_signed(&received, &secret);
    assert_eq!(received.json()["data"], token);
}

/// compose.yaml's case: the database outlives paddock's container, and
/// `PADDOCK_SECRET_KEY` stands in for the key file, so even a container that
/// lost `/data` opens the secrets. Without the variable, a new key file is
/// made and the old setting's secret can't be opened: the failure the
/// variable prevents, stated in the delivery's `last_error`.
async fn with_paddock_secret_key_a_setting_delivers_from_a_fresh_data_directory() {
    let database = Database::create(Backend::Postgres).await;
    let url = database.url();
    let with_key = [
        ("DATABASE_URL", url.as_str()),
        ("PADDOCK_SECRET_KEY", SECRET_KEY),
    ];
    let mut receiver = Receiver::start(&[]).await;

    let first_dir = tempfile::tempdir().unwrap();
    let (first, base) = start(&environment(first_dir.path(), &with_key));
    let setting = make_setting(&base, &receiver.url).await;
    let secret = setting["endpoint_secret_key"].as_str().unwrap().to_owned();
    first.terminate();

    let second_dir = tempfile::tempdir().unwrap();
    let (second, base) = start(&environment(second_dir.path(), &with_key));
    make_token(&base, "After").await;
    assert_signed(&receiver.next().await, &secret);
    second.terminate();
    for dir in [&first_dir, &second_dir] {
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "with PADDOCK_SECRET_KEY set, no key file is made"
        );
    }

    let third_dir = tempfile::tempdir().unwrap();
    let without_key = [("DATABASE_URL", url.as_str())];
    let (_third, base) = start(&environment(third_dir.path(), &without_key));
    make_token(&base, "Lost").await;
    receiver
        .expect_nothing_for(Duration::from_millis(500))
        .await;
    let last_error = last_error_of(&base, setting["id"].as_str().unwrap()).await;
    assert!(
        last_error.contains("can't be decrypted with this PADDOCK_SECRET_KEY"),
        "{last_error}"
    );
}

/// The newest delivery's `last_error`, once it has one.
async fn last_error_of(base: &str, setting: &str) -> String {
    let url = format!("{base}/__paddock/notification-settings/{setting}/deliveries");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let response = reqwest::Client::new()
            .get(&url)
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        let deliveries = expect_data(response, StatusCode::OK).await;
        let errors: Vec<&str> = (deliveries.as_array().unwrap().iter())
            .filter_map(|delivery| delivery["last_error"].as_str())
            .collect();
        if let Some(error) = errors.first() {
            return (*error).to_owned();
        }
        assert!(Instant::now() < deadline, "no failed attempt: {deliveries}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn an_in_memory_store_writes_nothing_to_disk() {
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("never-made");
    let env = environment(&data_dir, &[("DATABASE_URL", "sqlite::memory:")]);
    let mut receiver = Receiver::start(&[]).await;

    let (paddock, base) = start(&env);
    // A setting seals its secret with the (random, in-memory) key.
    let setting = make_setting(&base, &receiver.url).await;
    make_token(&base, "Throwaway").await;
    assert_signed(
        &receiver.next().await,
        setting["endpoint_secret_key"].as_str().unwrap(),
    );
    paddock.terminate();
    assert!(
        !data_dir.exists(),
        "sqlite::memory: made {}",
        data_dir.display()
    );
}
