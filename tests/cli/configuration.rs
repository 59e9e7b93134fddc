//! Configuration the binary takes, and what it refuses, clearly and
//! without echoing secrets.

use crate::harness::*;

#[test]
fn an_unsupported_database_url_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");

    let mut command = paddock(&data_dir);
    command
        .args(["--listen", "127.0.0.1:0"])
        .env("DATABASE_URL", "mysql://x");
    let finished = run(command);
    assert!(!finished.status.success(), "{finished:?}");
    assert_eq!(
        finished.stderr,
        "paddock: unsupported database URL `mysql://x`: \
         use postgres://..., sqlite:<path> or sqlite::memory:\n"
    );
    assert_eq!(finished.stdout, "");
    assert!(!data_dir.exists(), "the data directory is not used");

    // The same for `keys`, and a password in the URL is not repeated.
    let mut command = paddock(&data_dir);
    command
        .args(["keys", "list"])
        .env("DATABASE_URL", "mysql://admin:hunter2@db/paddock");
    let finished = run(command);
    assert!(!finished.status.success(), "{finished:?}");
    assert!(
        finished.stderr.contains("unsupported database URL"),
        "{}",
        finished.stderr
    );
    assert!(!finished.stderr.contains("hunter2"), "{}", finished.stderr);
    assert_eq!(finished.stdout, "");
}

#[tokio::test]
async fn server_options_are_accepted_after_serve() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = paddock(dir.path());
    command.args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"]);
    let server = Server::spawn(command);
    let response = client().get(server.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let finished = server.terminate();
    assert!(finished.status.success(), "{finished:?}");
    assert!(
        finished.stderr.lines().all(|line| line.starts_with('{')),
        "--log-format after `serve` is applied too:\n{}",
        finished.stderr
    );
}

#[test]
fn a_server_option_before_serve_is_refused_rather_than_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = paddock(dir.path());
    command.args(["--listen", "127.0.0.1:0", "serve"]);
    let finished = run(command);
    assert!(!finished.status.success(), "{finished:?}");
    assert!(
        finished.stderr.contains("--listen goes after `serve`"),
        "{}",
        finished.stderr
    );
}

#[test]
fn an_unusable_webhook_ca_file_stops_the_start_before_a_key_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "not a certificate\n").unwrap();
    let missing = dir.path().join("missing.pem");
    for (file, problem) in [(&not_pem, "no PEM certificate"), (&missing, "No such file")] {
        let mut command = paddock(&data_dir);
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("PADDOCK_WEBHOOK_CA_FILE", file);
        let finished = run(command);
        assert!(!finished.status.success(), "{finished:?}");
        let expected = format!(
            "paddock: can't use the webhook CA file {} (PADDOCK_WEBHOOK_CA_FILE): ",
            file.display()
        );
        assert!(
            finished.stderr.starts_with(&expected) && finished.stderr.contains(problem),
            "{}",
            finished.stderr
        );
        assert_eq!(finished.stdout, "", "no first-run key was spent");
    }
}

const SHORT_ADMIN_TOKEN: &str = "paddock: PADDOCK_ADMIN_TOKEN (--admin-token) must be at least 16 characters: \
     choose a long random one (e.g. `openssl rand -hex 32`), or leave it unset to turn the admin API off\n";

#[test]
fn an_admin_token_under_16_characters_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    // Characters, not bytes: fifteen `é` are thirty bytes.
    let fifteen_accents = "é".repeat(15);
    for short in ["x", "fifteen-chars!!", &fifteen_accents] {
        for by_option in [false, true] {
            let mut command = paddock(&data_dir);
            command.args(["--listen", "127.0.0.1:0"]);
            if by_option {
                command.args(["--admin-token", short]);
            } else {
                command.env("PADDOCK_ADMIN_TOKEN", short);
            }
            let finished = run(command);
            assert!(!finished.status.success(), "{finished:?}");
            assert_eq!(finished.stderr, SHORT_ADMIN_TOKEN, "{short}");
            assert_eq!(finished.stdout, "", "no first-run key was spent");
            assert!(!data_dir.exists(), "the data directory is not used");
        }
    }
}

#[tokio::test]
async fn an_admin_token_of_16_characters_turns_the_admin_api_on_and_an_empty_one_leaves_it_off() {
    let dir = tempfile::tempdir().unwrap();
    let token = "sixteen-chars!!!";
    let server = Server::start(dir.path(), &[("PADDOCK_ADMIN_TOKEN", token)]);
    let accounts = client()
        .get(server.url("/__paddock/accounts"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(accounts.status(), 200);
    drop(server);
    let server = Server::start(dir.path(), &[("PADDOCK_ADMIN_TOKEN", "")]);
    let off = client()
        .get(server.url("/__paddock/accounts"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), 404);
}
