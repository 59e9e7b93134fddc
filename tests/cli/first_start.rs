//! A first start prints a key once; it works, survives a restart, and is
//! kept nowhere in plaintext.

use reqwest::StatusCode;

use crate::harness::*;

#[tokio::test]
async fn a_first_start_prints_a_working_key_once_and_a_restart_keeps_it() {
    let dir = tempfile::tempdir().unwrap();

    let mut server = Server::start(dir.path(), &[]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let (status, created) = create_token(&server, &key, "cli").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["data"]["name"], "cli", "{created}");
    let token_id = created["data"]["id"]
        .as_str()
        .expect("the token has an id")
        .to_owned();

    let first = server.terminate();
    assert!(
        first.status.success(),
        "SIGTERM is a graceful shutdown, exiting 0: {:?}\n{}",
        first.status,
        first.stderr
    );
    assert_eq!(the_bootstrap_key(&first.stdout), key);
    // The README's quick start shows this output as it is.
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let shown = readme
        .split("```text\n")
        .nth(1)
        .and_then(|block| block.split("\n\n    pdl_sdbx_apikey_").next())
        .expect("the README shows the first-run key's message");
    assert!(
        first.stdout.contains(&format!("{shown}\n\n    {key}\n")),
        "the README shows {shown:?}; paddock printed {:?}",
        first.stdout
    );

    let server = Server::start(dir.path(), &[]);
    let (status, listed) = list_tokens(&server, &key).await;
    assert_eq!(status, StatusCode::OK, "the old key works: {listed}");
    let listed_ids: Vec<&str> = listed["data"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|token| token["id"].as_str())
        .collect();
    assert_eq!(listed_ids, [token_id.as_str()], "{listed}");
    assert_eq!(listed["data"][0]["name"], "cli");

    let second = server.terminate();
    assert!(second.status.success(), "{:?}", second.status);
    assert!(
        !second.stdout.contains("pdl_"),
        "no new key on a restart:\n{}",
        second.stdout
    );
}

#[tokio::test]
async fn the_key_is_neither_logged_nor_stored_but_its_id_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[("RUST_LOG", "debug,sqlx=debug")]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let id = key_id(&key);
    let secret = key_secret(&key).to_owned();
    assert_eq!(key, format!("pdl_sdbx_{id}_{secret}"));

    // Use the key, and a wrong key with the same id, so both kinds of
    // request get logged.
    let (status, body) = create_token(&server, &key, "cli").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let wrong = format!("pdl_sdbx_{id}_wrongSecretWrongSecret");
    let (status, body) = list_tokens(&server, &wrong).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "invalid_token", "{body}");

    // While it runs, much of the database may be only in the WAL.
    let (running, names) = bytes_of_files(dir.path());
    assert!(
        names.iter().any(|name| name == "paddock.sqlite3"),
        "{names:?}"
    );
    assert!(contains(&running, &id), "the key's id is stored: {names:?}");
    assert!(!contains(&running, &key), "the key is stored: {names:?}");
    assert!(
        !contains(&running, &secret),
        "the secret is stored: {names:?}"
    );

    let finished = server.terminate();
    assert!(finished.status.success(), "{:?}", finished.status);
    assert!(
        finished.stderr.contains("listening on"),
        "these are the logs:\n{}",
        finished.stderr
    );
    for secret_text in [key.as_str(), secret.as_str(), "wrongSecretWrongSecret"] {
        assert!(
            !finished.stderr.contains(secret_text),
            "logged `{secret_text}`:\n{}",
            finished.stderr
        );
    }

    let (stopped, names) = bytes_of_files(dir.path());
    assert!(contains(&stopped, &id), "the key's id is stored: {names:?}");
    assert!(!contains(&stopped, &key), "the key is stored: {names:?}");
    assert!(
        !contains(&stopped, &secret),
        "the secret is stored: {names:?}"
    );
}
