//! Group commit. Creations that arrive while a commit is under way wait and
//! are committed together in the next one, so concurrent creates share a
//! transaction (and its fsync) instead of queueing for one each. A creation
//! is still answered only once its own commit has succeeded.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use super::{Creation, StoreError};
use crate::domain::{ClientToken, Event, Owner};

/// The most creations one commit takes.
const GROUP_LIMIT: usize = 64;

/// Commits a group of creations in one transaction (implemented for each
/// backend's pool in `client_tokens`).
pub(super) trait CommitCreations: Clone + Send + Sync + 'static {
    fn commit_creations<'a>(
        &'a self,
        creations: &'a [Creation<'a>],
    ) -> impl Future<Output = Result<(), StoreError>> + Send + 'a;
}

/// The queue in front of the committers.
#[derive(Debug)]
pub(super) struct GroupCommit {
    /// `None` once closed.
    queue: std::sync::Mutex<Option<mpsc::Sender<PendingCreation>>>,
}

#[derive(Debug)]
struct PendingCreation {
    owner: Owner,
    token: ClientToken,
    events: Vec<Event>,
    committed: oneshot::Sender<Result<(), StoreError>>,
}

impl GroupCommit {
    /// Starts `committers` tasks that commit groups through `pool`, side by
    /// side. They stop once the `GroupCommit` is closed or dropped, and the
    /// creations already queued are answered.
    pub(super) fn start(pool: impl CommitCreations, committers: usize) -> Self {
        let (queue, pending) = mpsc::channel(4 * GROUP_LIMIT);
        let pending = Arc::new(Mutex::new(pending));
        for _ in 0..committers {
            tokio::spawn(commit_groups(pool.clone(), pending.clone()));
        }
        Self {
            queue: std::sync::Mutex::new(Some(queue)),
        }
    }

    /// Takes no more creations; the committers stop when the queue is empty.
    pub(super) fn close(&self) {
        self.sender().take();
    }

    fn sender(&self) -> std::sync::MutexGuard<'_, Option<mpsc::Sender<PendingCreation>>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues the creation for the next group and waits for its commit.
    pub(super) async fn create(
        &self,
        owner: &Owner,
        token: &ClientToken,
        events: &[Event],
    ) -> Result<(), StoreError> {
        let (committed, outcome) = oneshot::channel();
        let creation = PendingCreation {
            owner: owner.clone(),
            token: token.clone(),
            events: events.to_vec(),
            committed,
        };
        let stopped = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        let queue = self.sender().clone().ok_or_else(stopped)?;
        queue.send(creation).await.map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

/// Takes every creation waiting (up to [`GROUP_LIMIT`]) and commits them
/// together. If that fails for want of the database, they all fail; if it
/// fails otherwise, each is retried alone, so that one bad creation (say, a
/// duplicate token) fails alone.
async fn commit_groups(
    pool: impl CommitCreations,
    pending: Arc<Mutex<mpsc::Receiver<PendingCreation>>>,
) {
    let mut group = Vec::with_capacity(GROUP_LIMIT);
    while pending
        .lock()
        .await
        .recv_many(&mut group, GROUP_LIMIT)
        .await
        > 0
    {
        let outcome = commit(&pool, &group).await;
        match outcome {
            Ok(()) => answer_all(&mut group, || Ok(())),
            Err(StoreError::Unavailable(cause)) => answer_unavailable(&mut group, &cause),
            Err(error) if group.len() == 1 => {
                let creation = group.pop().expect("a group of one");
                let _ = creation.committed.send(Err(error));
            }
            Err(_) => {
                let mut alone = group.drain(..);
                while let Some(creation) = alone.next() {
                    let outcome = commit(&pool, std::slice::from_ref(&creation)).await;
                    if let Err(StoreError::Unavailable(cause)) = &outcome {
                        // Gone meanwhile: the rest fail now rather than each
                        // waiting out a connection attempt of its own.
                        let mut rest: Vec<_> = alone.by_ref().collect();
                        answer_unavailable(&mut rest, cause);
                    }
                    let _ = creation.committed.send(outcome);
                }
            }
        }
    }
}

fn answer_unavailable(group: &mut Vec<PendingCreation>, cause: &sqlx::Error) {
    let cause = cause.to_string();
    answer_all(group, || {
        let cause = std::io::Error::other(cause.clone());
        Err(StoreError::Unavailable(sqlx::Error::Io(cause)))
    });
}

fn answer_all(
    group: &mut Vec<PendingCreation>,
    mut outcome: impl FnMut() -> Result<(), StoreError>,
) {
    for creation in group.drain(..) {
        // The caller may have gone (its client hung up); the commit stands.
        let _ = creation.committed.send(outcome());
    }
}

async fn commit(pool: &impl CommitCreations, group: &[PendingCreation]) -> Result<(), StoreError> {
    let creations: Vec<_> = group
        .iter()
        .map(|pending| Creation {
            owner: &pending.owner,
            token: &pending.token,
            events: &pending.events,
        })
        .collect();
    pool.commit_creations(&creations).await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::{Duration, Instant};

    use super::*;
    use crate::domain::{Environment, Mint, NewClientToken, Timestamp};
    use crate::store::{AccountStore, ClientTokenStore, SqliteStore};

    /// Creations committed together still succeed or fail each on its own:
    /// one that conflicts doesn't take the rest of its group down with it.
    #[tokio::test]
    async fn a_failing_creation_fails_alone_in_its_group() {
        let directory = tempfile::tempdir().unwrap();
        let store = SqliteStore::open_file(&directory.path().join("paddock.db"))
            .await
            .map(Arc::new)
            .unwrap();
        let now = Timestamp::now();
        store.ensure_account("default", now).await.unwrap();
        let owner = Owner {
            account: "default".to_owned(),
            environment: Environment::Sandbox,
        };
        let tokens: Vec<_> = (0..20)
            .map(|n| {
                let new = NewClientToken {
                    name: format!("token {n}"),
                    description: None,
                };
                ClientToken::create(new, Environment::Sandbox, &Mint::real())
            })
            .collect();
        // The 20 creations plus a second creation of the first token's id.
        let mut duplicate = tokens[1].clone();
        duplicate.id = tokens[0].id.clone();
        let creations = tokens.iter().chain([&duplicate]).map(|token| {
            let events = Event::for_creation(token, &Mint::real());
            let (store, owner) = (store.clone(), owner.clone());
            let token = token.clone();
            tokio::spawn(async move { store.create_client_token(&owner, &token, &events).await })
        });
        let mut outcomes = Vec::new();
        for creation in creations.collect::<Vec<_>>() {
            outcomes.push(creation.await.unwrap());
        }

        let conflicts = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(StoreError::Conflict(_))))
            .count();
        assert_eq!(conflicts, 1, "{outcomes:?}");
        assert_eq!(outcomes.iter().filter(|o| o.is_ok()).count(), 20);
        for token in &tokens {
            let stored = store.client_token(&owner, &token.id).await.unwrap();
            assert_eq!(stored.as_ref(), Some(token));
        }
    }

    /// Counts commits; every committer task holds a clone of `alive`.
    #[derive(Clone)]
    struct Counting {
        commits: Arc<AtomicUsize>,
        alive: Arc<()>,
    }

    impl CommitCreations for Counting {
        async fn commit_creations(&self, _: &[Creation<'_>]) -> Result<(), StoreError> {
            self.commits.fetch_add(1, Ordering::SeqCst);
            Ok(())
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
            group.create(&owner, &token, &[]).await.unwrap();
            if close {
                group.close();
                let refused = group.create(&owner, &token, &[]).await;
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
}
