//! Groups committed on a Postgres database of the test's own (`Scratch`).

use std::sync::Arc;

use sqlx::PgPool;

use crate::store::PostgresStore;
use crate::store::commit_tests as scenario;
use crate::store::scratch::Scratch;

#[tokio::test]
async fn revocations_in_one_group_agree_on_one_winner() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    PostgresStore::connect(&database.url).await.unwrap();
    let pool = PgPool::connect(&database.url).await.unwrap();
    scenario::revocations_in_one_group_agree_on_one_winner(&pool, &pool).await;
}

#[tokio::test]
async fn concurrent_revocations_agree_on_one_winner() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    let store = Arc::new(PostgresStore::connect(&database.url).await.unwrap());
    let pool = store.reader.clone();
    scenario::concurrent_revocations_agree_on_one_winner(store, &pool).await;
}

#[tokio::test]
async fn a_failing_creation_fails_alone_in_its_group() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    let store = Arc::new(PostgresStore::connect(&database.url).await.unwrap());
    let pool = store.reader.clone();
    scenario::a_failing_creation_fails_alone_in_its_group(store, &pool).await;
}
