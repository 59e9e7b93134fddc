//! Groups committed on an SQLite file of the test's own: the scenarios every
//! database's group commit must pass (`commit_tests`).

use std::sync::Arc;

use sqlx::SqlitePool;
use sqlx::sqlite::SqliteConnectOptions;

use super::SqliteWriter;
use crate::store::commit_tests as scenario;
use crate::store::{Access, SqliteStore};

/// A store on a new file, and a committer of its own on that file.
async fn store() -> (tempfile::TempDir, Arc<SqliteStore>, SqliteWriter) {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("paddock.sqlite3");
    let store = SqliteStore::open_file(&path, Access::Command)
        .await
        .unwrap();
    let options = SqliteConnectOptions::new().filename(&path);
    let pool = SqlitePool::connect_with(options).await.unwrap();
    let committer = SqliteWriter::file(pool, &path).unwrap();
    (directory, Arc::new(store), committer)
}

#[tokio::test]
async fn revocations_in_one_group_agree_on_one_winner() {
    let (_directory, store, committer) = store().await;
    scenario::revocations_in_one_group_agree_on_one_winner(&store.reader, &committer).await;
}

#[tokio::test]
async fn concurrent_revocations_agree_on_one_winner() {
    let (_directory, store, _) = store().await;
    let pool = store.reader.clone();
    scenario::concurrent_revocations_agree_on_one_winner(store, &pool).await;
}

#[tokio::test]
async fn a_failing_creation_fails_alone_in_its_group() {
    let (_directory, store, committer) = store().await;
    scenario::a_failing_creation_fails_alone_in_its_group(store, &committer).await;
}
