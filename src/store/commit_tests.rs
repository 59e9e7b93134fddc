//! What a database's group commit must do, whichever the database: the
//! scenarios `postgres_commit` and `sqlite_commit` each run on their own.
//! Each takes the store, the committer it groups writes through, and the
//! pool, for checking what was written.

use std::sync::Arc;

use sqlx::{Encode, Executor, FromRow, IntoArguments, Pool, Type};

use super::group_commit::{CommitWrites, Write, Written};
use super::{Backend, ClientTokenStore, Revocation, StoreError};
use crate::domain::{
    ClientToken, ClientTokenId, ClientTokenStatus, Delivery, Environment, Event, Mint,
    NewClientToken, Owner, Timestamp,
};

pub(super) fn owner(account: &str) -> Owner {
    Owner {
        account: account.to_owned(),
        environment: Environment::Sandbox,
    }
}

pub(super) fn new_token(name: &str) -> ClientToken {
    let new = NewClientToken {
        name: name.to_owned(),
        description: None,
    };
    ClientToken::create(new, Environment::Sandbox, &Mint::real())
}

pub(super) fn create(owner: &Owner, token: &ClientToken) -> Write {
    Write::Create {
        owner: owner.clone(),
        token: token.clone(),
        events: Event::for_creation(token, &Mint::real()),
    }
}

pub(super) fn revoke(owner: &Owner, id: &ClientTokenId, at: Timestamp) -> Write {
    Write::Revoke {
        owner: owner.clone(),
        id: id.clone(),
        at,
        events_for: Box::new(|token| Event::for_revocation(token, &Mint::real())),
    }
}

/// Commits `writes` as one group; what each did.
async fn written_by(
    committer: &impl CommitWrites,
    writes: &[Write],
) -> Result<Vec<Written>, StoreError> {
    let writes: Vec<_> = writes.iter().collect();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let committed = committer.commit_writes(&writes, deadline).await;
    committed.map(|c| c.written)
}

/// A creation and revocations of its token in one group: the creation comes
/// first, the first revocation wins, the others see the token revoked, and
/// another owner's or an unknown id is no token. Only the winner's events
/// are written, each delivered to the subscribed setting under its own id.
pub(super) async fn revocations_in_one_group_agree_on_one_winner<DB: Backend>(
    pool: &Pool<DB>,
    committer: &impl CommitWrites,
) where
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'q> Timestamp: Encode<'q, DB> + Type<DB>,
    for<'r> (String, String): FromRow<'r, DB::Row>,
    for<'r> (String, String, String): FromRow<'r, DB::Row>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
{
    let now = Timestamp::now();
    sqlx::query(
        "insert into notification_settings (id, account, environment, destination, \
         subscribed_events, active, secret, created_at, updated_at) values ('ntfset_1', \
         'default', 'sandbox', 'http://127.0.0.1:9/', 'client_token.created,client_token.revoked', \
         true, 'secret', $1, $1)",
    )
    .bind(now)
    .execute(pool)
    .await
    .unwrap();
    let (default, other) = (owner("default"), owner("other"));
    let token = new_token("contested");
    let missing = new_token("missing");
    let later = now.checked_add(time::Duration::seconds(1)).unwrap();
    let writes = [
        create(&default, &token),
        revoke(&default, &token.id, now),
        revoke(&other, &token.id, now),
        revoke(&default, &token.id, later),
        revoke(&default, &missing.id, now),
    ];
    let written = written_by(committer, &writes).await;

    // Both see the token as the first revocation left it.
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
        .fetch_all(pool)
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
    .fetch_all(pool)
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
        revoke(&default, &token.id, later),
        revoke(&default, &token.id, later),
    ];
    let written = written_by(committer, &writes).await;
    let written = written.unwrap();
    assert!(
        (written.iter())
            .all(|w| matches!(w, Written::Revoked(Some(Revocation::AlreadyRevoked(t))) if t.revoked_at == Some(now))),
        "{written:?}"
    );
    let count: (i64,) = sqlx::query_as("select count(*) from events")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(count.0, 3);
}

/// Concurrent revocations of one token through the store's committers,
/// grouped or not: exactly one revokes it, and exactly one revocation event
/// is written.
pub(super) async fn concurrent_revocations_agree_on_one_winner<DB: Backend>(
    store: Arc<impl ClientTokenStore + 'static>,
    pool: &Pool<DB>,
) where
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'r> (i64,): FromRow<'r, DB::Row>,
{
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
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(count.0, 1);
}

/// A duplicate creation fails its group with a conflict, so group commit
/// retries each write alone: the duplicate fails alone.
pub(super) async fn a_failing_creation_fails_alone_in_its_group(
    store: Arc<impl ClientTokenStore + 'static>,
    committer: &impl CommitWrites,
) {
    let default = owner("default");
    let tokens: Vec<_> = (0..20).map(|n| new_token(&format!("token {n}"))).collect();
    let mut duplicate = tokens[1].clone();
    duplicate.id = tokens[0].id.clone();

    let writes = [create(&default, &tokens[0]), create(&default, &duplicate)];
    let group = written_by(committer, &writes).await;
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
