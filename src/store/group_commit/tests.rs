use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::domain::{Environment, Mint, NewClientToken};

/// Counts commits; every committer task holds a clone of `alive`.
#[derive(Clone)]
struct Counting {
    commits: Arc<AtomicUsize>,
    alive: Arc<()>,
}

impl CommitWrites for Counting {
    const ANSWERS_BY_DEADLINE: bool = true;

    async fn commit_writes(
        &self,
        writes: &[&Write],
        _deadline: Instant,
    ) -> Result<Committed, StoreError> {
        self.commits.fetch_add(1, Ordering::SeqCst);
        Ok(Committed {
            written: writes.iter().map(|_| Written::Created).collect(),
            queued: Enqueued::default(),
            syncing: None,
        })
    }
}

/// Commits whose sync fails.
#[derive(Clone)]
struct Unsynced(Arc<crate::store::wal_sync::WalSync>);

impl CommitWrites for Unsynced {
    const ANSWERS_BY_DEADLINE: bool = false;

    async fn commit_writes(
        &self,
        writes: &[&Write],
        _deadline: Instant,
    ) -> Result<Committed, StoreError> {
        Ok(Committed {
            written: writes.iter().map(|_| Written::Created).collect(),
            queued: Enqueued::default(),
            syncing: Some(self.0.sync()),
        })
    }
}

/// Stalls its first commit for 3 s (a database gone quiet); records the
/// name of every token it was given.
#[derive(Clone, Default)]
struct Stalling {
    given: Arc<std::sync::Mutex<Vec<String>>>,
}

impl CommitWrites for Stalling {
    const ANSWERS_BY_DEADLINE: bool = true;

    async fn commit_writes(
        &self,
        writes: &[&Write],
        _deadline: Instant,
    ) -> Result<Committed, StoreError> {
        let first = {
            let mut given = self.given.lock().unwrap();
            let first = given.is_empty();
            for write in writes {
                if let Write::Create { token, .. } = write {
                    given.push(token.name.clone());
                }
            }
            first
        };
        if first {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return Err(StoreError::Unavailable(sqlx::Error::PoolTimedOut));
        }
        Ok(Committed {
            written: writes.iter().map(|_| Written::Created).collect(),
            queued: Enqueued::default(),
            syncing: None,
        })
    }
}

fn create(name: &str) -> Write {
    let new = NewClientToken {
        name: name.to_owned(),
        description: None,
    };
    Write::Create {
        owner: Owner {
            account: "default".to_owned(),
            environment: Environment::Sandbox,
        },
        token: ClientToken::create(new, Environment::Sandbox, &Mint::real()),
        events: Vec::new(),
    }
}

/// A write queued behind a committer that is stuck is answered 503 at
/// its deadline, within the 2 s bound, and is never committed after:
/// the committer, once free, skips it.
#[tokio::test]
async fn a_write_no_committer_took_by_its_deadline_is_503_and_never_committed() {
    let stalling = Stalling::default();
    let group = Arc::new(GroupCommit::start(stalling.clone(), 1));
    let stuck = tokio::spawn({
        let group = group.clone();
        async move { group.submit(create("stuck")).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    let queued = group.submit(create("queued")).await;
    let took = asked.elapsed();
    assert!(
        matches!(queued, Err(StoreError::Unavailable(_))),
        "{queued:?}"
    );
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(stuck.await.unwrap().is_err());
    // The committer is free again: the next write is committed, alone.
    group.submit(create("later")).await.unwrap();
    assert_eq!(*stalling.given.lock().unwrap(), ["stuck", "later"]);
}

/// A write is acknowledged only once its commit is durable: where the
/// sync after it fails, the write fails (and so does every later one).
#[tokio::test]
async fn a_commit_whose_sync_fails_is_not_acknowledged() {
    // The WAL would be under a file: no fsync of it can succeed.
    let file = tempfile::NamedTempFile::new().unwrap();
    let wal = crate::store::wal_sync::WalSync::start(&file.path().join("paddock.db")).unwrap();
    let group = GroupCommit::start(Unsynced(Arc::new(wal)), 1);
    let owner = Owner {
        account: "default".to_owned(),
        environment: Environment::Sandbox,
    };
    for n in 0..2 {
        let new = NewClientToken {
            name: format!("token {n}"),
            description: None,
        };
        let token = ClientToken::create(new, Environment::Sandbox, &Mint::real());
        let create = Write::Create {
            owner: owner.clone(),
            token,
            events: Vec::new(),
        };
        let outcome = group.submit(create).await;
        assert!(
            matches!(outcome, Err(StoreError::Unavailable(_))),
            "{outcome:?}"
        );
    }
}

/// The committers end, without committing anything more, once their
/// queue is closed or dropped (as `SqlStore::close` and dropping the
/// store do); they don't spin on an empty queue.
#[tokio::test]
async fn committers_stop_once_closed_or_dropped() {
    for close in [true, false] {
        let counting = Counting {
            commits: Arc::default(),
            alive: Arc::default(),
        };
        let group = GroupCommit::start(counting.clone(), 2);
        let owner = Owner {
            account: "default".to_owned(),
            environment: Environment::Sandbox,
        };
        let new = NewClientToken {
            name: "one".to_owned(),
            description: None,
        };
        let token = ClientToken::create(new, Environment::Sandbox, &Mint::real());
        let create = || Write::Create {
            owner: owner.clone(),
            token: token.clone(),
            events: Vec::new(),
        };
        group.submit(create()).await.unwrap();
        if close {
            group.close();
            let refused = group.submit(create()).await;
            assert!(matches!(refused, Err(StoreError::Unavailable(_))));
        } else {
            drop(group);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Arc::strong_count(&counting.alive) > 1 {
            assert!(
                Instant::now() < deadline,
                "committers still running (closed: {close})"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(counting.commits.load(Ordering::SeqCst), 1);
    }
}
