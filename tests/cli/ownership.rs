//! One server owns an SQLite file: a second is refused, while `paddock keys`
//! works beside it, and the file is free again once the server has stopped.

use reqwest::StatusCode;

use crate::harness::*;

#[tokio::test]
async fn a_second_server_on_the_file_is_refused_and_keys_work_beside_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &[]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let (status, created) = create_token(&server, &key, "owned").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let mut second = paddock(dir.path());
    second.args(["--listen", "127.0.0.1:0"]);
    let refused = run(second);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        refused
            .stderr
            .contains("is in use by another paddock server"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("paddock.sqlite3"),
        "names the file: {}",
        refused.stderr
    );

    // A one-shot command takes no lock: a key made beside the server works
    // against it at once.
    let made = run_keys(dir.path(), ["create", "--permissions", "client_token.read"]);
    assert!(made.status.success(), "{made:?}");
    let new_key = made
        .stdout
        .lines()
        .find_map(|line| api_key_in(line, "sdbx"))
        .expect("the new key is printed");
    let (status, listed) = list_tokens(&server, &new_key).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["data"][0]["name"], "owned", "{listed}");

    let first = server.terminate();
    assert!(first.status.success(), "{first:?}");
    // Stopped, the first server has let go of the file.
    let server = Server::start(dir.path(), &[]);
    let (status, listed) = list_tokens(&server, &key).await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1), "{listed}");
}
