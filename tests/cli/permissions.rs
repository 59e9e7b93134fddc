//! `PADDOCK_PERMISSIONS` and `--permissions`: what the mode given to the
//! binary lets a key without a permission do, and a mode it refuses.

use reqwest::StatusCode;

use crate::harness::*;

/// What `log` mode logs when it lets a request through.
const LOGGED: &str = "API key lacks a permission";

/// Starts paddock with a read-only key, the extra `args` and `env`, and
/// answers what that key's POST /client-tokens gets (status and error code)
/// and whether the missing permission was logged. Reading works in every
/// mode; only the missing write permission depends on it.
async fn read_only_create(args: &[&str], env: &[(&str, &str)]) -> (StatusCode, String, bool) {
    let dir = tempfile::tempdir().unwrap();
    let configured = format!("{FIXED_KEY}=client_token.read");
    let mut env = env.to_vec();
    env.push(("PADDOCK_API_KEYS", configured.as_str()));
    let server = Server::start_with(dir.path(), args, &env);

    let (status, body) = list_tokens(&server, FIXED_KEY).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = create_token(&server, FIXED_KEY, "cli").await;
    let code = match status {
        StatusCode::CREATED => {
            assert_eq!(body["data"]["name"], "cli", "{body}");
            String::new()
        }
        _ => body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    };

    let finished = server.terminate();
    assert!(finished.status.success(), "{:?}", finished.status);
    (status, code, finished.stderr.contains(LOGGED))
}

#[tokio::test]
async fn by_default_a_read_only_key_may_not_create() {
    assert_eq!(
        read_only_create(&[], &[]).await,
        (StatusCode::FORBIDDEN, "forbidden".to_owned(), false)
    );
}

#[tokio::test]
async fn permissions_log_from_the_environment_lets_a_read_only_key_create_and_logs_it() {
    assert_eq!(
        read_only_create(&[], &[("PADDOCK_PERMISSIONS", "log")]).await,
        (StatusCode::CREATED, String::new(), true)
    );
}

#[tokio::test]
async fn permissions_off_from_the_environment_lets_a_read_only_key_create_silently() {
    assert_eq!(
        read_only_create(&[], &[("PADDOCK_PERMISSIONS", "off")]).await,
        (StatusCode::CREATED, String::new(), false)
    );
}

#[tokio::test]
async fn permissions_off_from_the_flag_lets_a_read_only_key_create() {
    assert_eq!(
        read_only_create(&["--permissions", "off"], &[]).await,
        (StatusCode::CREATED, String::new(), false)
    );
}

#[tokio::test]
async fn the_flag_wins_over_the_environment() {
    assert_eq!(
        read_only_create(
            &["--permissions", "enforce"],
            &[("PADDOCK_PERMISSIONS", "off")]
        )
        .await,
        (StatusCode::FORBIDDEN, "forbidden".to_owned(), false)
    );
}

#[test]
fn an_unknown_permission_mode_is_refused_naming_the_allowed_ones() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let mut command = paddock(&data_dir);
    command
        .args(["--listen", "127.0.0.1:0"])
        .env("PADDOCK_PERMISSIONS", "bogus");
    let finished = run(command);
    assert!(!finished.status.success(), "{finished:?}");
    assert!(
        finished
            .stderr
            .contains("unknown permission mode `bogus` (expected enforce, log or off)"),
        "{}",
        finished.stderr
    );
    assert_eq!(finished.stdout, "");
    assert!(!data_dir.exists(), "nothing is started");
}
