//! Configuration the binary refuses, clearly and without echoing secrets.

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
