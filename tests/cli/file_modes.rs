//! What paddock writes to its data directory is its owner's alone: the
//! SQLite database and its `-wal` and `-shm` files are made 0600, as the
//! secret key file is.

use std::os::unix::fs::PermissionsExt;

use reqwest::StatusCode;

use crate::harness::*;

#[tokio::test]
async fn the_database_and_its_wal_and_shm_are_made_readable_by_their_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    // Whatever the umask lets through (a common 022 leaves 0644).
    let mut server = Server::start(dir.path(), &[]);
    let key = server.stdout_line(|line| api_key_in(line, "sdbx"));
    let (status, created) = create_token(&server, &key, "written").await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} is {mode:o}");
        names.push(name);
    }
    names.sort();
    for made in [
        "paddock.sqlite3",
        "paddock.sqlite3-shm",
        "paddock.sqlite3-wal",
        "secret.key",
    ] {
        assert!(
            names.iter().any(|name| name == made),
            "{made} not in {names:?}"
        );
    }
    server.terminate();
}
