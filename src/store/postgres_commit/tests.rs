//! Groups committed on a Postgres database of the test's own, made on the
//! server of `PADDOCK_TEST_POSTGRES_URL` (the local one by default). Without
//! a server they pass without running, unless `PADDOCK_REQUIRE_POSTGRES=1`
//! (or `CI`) requires one.

use std::sync::Arc;

use sqlx::{Connection, PgConnection, PgPool};

use super::*;
use crate::domain::{ClientTokenId, ClientTokenStatus, Environment, Mint, NewClientToken};
use crate::store::{ClientTokenStore, PostgresStore};

/// A database dropped when this is.
struct Scratch {
    admin_url: String,
    name: String,
    url: String,
}

impl Scratch {
    async fn create() -> Option<Self> {
        let admin_url = std::env::var("PADDOCK_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let required = std::env::var_os("CI").is_some()
            || std::env::var("PADDOCK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let mut admin = match PgConnection::connect(&admin_url).await {
            Ok(admin) => admin,
            Err(error) if !required => {
                eprintln!("NOTE: Postgres unreachable ({error}): this test did NOT run");
                return None;
            }
            Err(error) => panic!("Postgres is required: {error}"),
        };
        let name = format!("paddock_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("create database \"{name}\""))
            .execute(&mut admin)
            .await
            .unwrap();
        let (server, _) = admin_url.rsplit_once('/').expect("a database URL");
        let url = format!("{server}/{name}");
        Some(Self {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Not on the test's runtime, which may be the one dropping this.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let sql = format!("drop database if exists \"{name}\" with (force)");
                    let _ = sqlx::query(&sql).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

fn owner(account: &str) -> Owner {
    Owner {
        account: account.to_owned(),
        environment: Environment::Sandbox,
    }
}

fn new_token(name: &str) -> ClientToken {
    let new = NewClientToken {
        name: name.to_owned(),
        description: None,
    };
    ClientToken::create(new, Environment::Sandbox, &Mint::real())
}

fn create(owner: &Owner, token: &ClientToken) -> Write {
    Write::Create {
        owner: owner.clone(),
        token: token.clone(),
        events: Event::for_creation(token, &Mint::real()),
    }
}

fn revoke(owner: &Owner, id: &ClientTokenId, at: Timestamp) -> Write {
    Write::Revoke {
        owner: owner.clone(),
        id: id.clone(),
        at,
        events_for: Box::new(|token| Event::for_revocation(token, &Mint::real())),
    }
}

/// A creation and revocations of its token in one group: the creation comes
/// first, the first revocation wins, the others see the token revoked, and
/// another owner's or an unknown id is no token. Only the winner's events
/// are written, each delivered to the subscribed setting under its own id.
#[tokio::test]
async fn revocations_in_one_group_agree_on_one_winner() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    PostgresStore::connect(&database.url).await.unwrap();
    let pool = PgPool::connect(&database.url).await.unwrap();
    let now = Timestamp::now();
    sqlx::query(
        "insert into notification_settings (id, account, environment, destination, \
         subscribed_events, active, secret, created_at, updated_at) values ('ntfset_1', \
         'default', 'sandbox', 'http://127.0.0.1:9/', 'client_token.created,client_token.revoked', \
         true, 'secret', $1, $1)",
    )
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    let (default, other) = (owner("default"), owner("other"));
    let token = new_token("contested");
    let missing = new_token("missing");
    let writes = [
        create(&default, &token),
        revoke(&default, &token.id, now),
        revoke(&other, &token.id, now),
        revoke(&default, &token.id, now),
        revoke(&default, &missing.id, now),
    ];
    let written = pool
        .commit_writes(&writes.iter().collect::<Vec<_>>())
        .await
        .map(|c| c.written);

    let revoked = |revocation: &Option<Revocation>| match revocation {
        Some(Revocation::Revoked(token) | Revocation::AlreadyRevoked(token)) => {
            token.status == ClientTokenStatus::Revoked && token.revoked_at == Some(now)
        }
        None => false,
    };
    match written.unwrap().as_slice() {
        [
            Written::Created,
            Written::Revoked(first @ Some(Revocation::Revoked(_))),
            Written::Revoked(None),
            Written::Revoked(second @ Some(Revocation::AlreadyRevoked(_))),
            Written::Revoked(None),
        ] => assert!(revoked(first) && revoked(second), "{first:?} {second:?}"),
        other => panic!("{other:?}"),
    }
    let events: Vec<(String, String)> = sqlx::query_as("select id, event_type from events")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut types: Vec<_> = events.iter().map(|(_, kind)| kind.as_str()).collect();
    types.sort_unstable();
    let expected = [
        "client_token.created",
        "client_token.revoked",
        "client_token.updated",
    ];
    assert_eq!(types, expected);
    let deliveries: Vec<(String, String, String)> = sqlx::query_as(
        "select notification_id, event_id, status from deliveries order by notification_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut expected: Vec<_> = (events.iter())
        .filter(|(_, kind)| kind != "client_token.updated")
        .map(|(id, _)| {
            (
                Delivery::id_for(id, "ntfset_1"),
                id.clone(),
                "pending".into(),
            )
        })
        .collect();
    expected.sort_unstable();
    assert_eq!(deliveries, expected);

    // Again, in a group of revocations only: none revokes it now.
    let writes = [
        revoke(&default, &token.id, now),
        revoke(&default, &token.id, now),
    ];
    let written = pool
        .commit_writes(&writes.iter().collect::<Vec<_>>())
        .await
        .map(|c| c.written);
    let written = written.unwrap();
    assert!(
        (written.iter())
            .all(|w| matches!(w, Written::Revoked(Some(Revocation::AlreadyRevoked(_))))),
        "{written:?}"
    );
    let count: (i64,) = sqlx::query_as("select count(*) from events")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count.0, 3);
}

/// Concurrent revocations of one token through the store's committers,
/// grouped or not: exactly one revokes it, and exactly one revocation event
/// is written.
#[tokio::test]
async fn concurrent_revocations_agree_on_one_winner() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    let store = Arc::new(PostgresStore::connect(&database.url).await.unwrap());
    let default = owner("default");
    let token = new_token("contested");
    let events = Event::for_creation(&token, &Mint::real());
    store
        .create_client_token(&default, &token, &events)
        .await
        .unwrap();
    let revocations: Vec<_> = (0..16)
        .map(|_| {
            let (store, default, id) = (store.clone(), default.clone(), token.id.clone());
            tokio::spawn(async move {
                let events_for =
                    Box::new(|t: &ClientToken| Event::for_revocation(t, &Mint::real()));
                let at = Timestamp::now();
                store
                    .revoke_client_token(&default, &id, at, events_for)
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for revocation in revocations {
        match revocation.await.unwrap().unwrap() {
            Some(Revocation::Revoked(_)) => winners += 1,
            Some(Revocation::AlreadyRevoked(token)) => {
                assert_eq!(token.status, ClientTokenStatus::Revoked);
            }
            None => panic!("the token went missing"),
        }
    }
    assert_eq!(winners, 1);
    let count: (i64,) =
        sqlx::query_as("select count(*) from events where event_type = 'client_token.revoked'")
            .fetch_one(&store.reader)
            .await
            .unwrap();
    assert_eq!(count.0, 1);
}

/// A duplicate creation fails its group with a conflict, so group commit
/// retries each write alone: the duplicate fails alone.
#[tokio::test]
async fn a_failing_creation_fails_alone_in_its_group() {
    let Some(database) = Scratch::create().await else {
        return;
    };
    let store = Arc::new(PostgresStore::connect(&database.url).await.unwrap());
    let default = owner("default");
    let tokens: Vec<_> = (0..20).map(|n| new_token(&format!("token {n}"))).collect();
    let mut duplicate = tokens[1].clone();
    duplicate.id = tokens[0].id.clone();

    let writes = [create(&default, &tokens[0]), create(&default, &duplicate)];
    let group = store
        .reader
        .commit_writes(&writes.iter().collect::<Vec<_>>())
        .await;
    assert!(
        matches!(group, Err(StoreError::Conflict(_))),
        "a group with a duplicate"
    );

    let creations = tokens.iter().chain([&duplicate]).map(|token| {
        let events = Event::for_creation(token, &Mint::real());
        let (store, default, token) = (store.clone(), default.clone(), token.clone());
        tokio::spawn(async move { store.create_client_token(&default, &token, &events).await })
    });
    let mut outcomes = Vec::new();
    for creation in creations.collect::<Vec<_>>() {
        outcomes.push(creation.await.unwrap());
    }
    let conflicts = (outcomes.iter())
        .filter(|outcome| matches!(outcome, Err(StoreError::Conflict(_))))
        .count();
    assert_eq!(conflicts, 1, "{outcomes:?}");
    assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 20);
    for token in &tokens {
        let stored = store.client_token(&default, &token.id).await.unwrap();
        assert_eq!(stored.as_ref(), Some(token));
    }
}
