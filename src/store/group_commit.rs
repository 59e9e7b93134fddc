//! Group commit. Writes to client tokens (creations and revocations) that
//! arrive while a commit is under way wait and are committed together in the
//! next one, so concurrent writes share a transaction (and its fsync)
//! instead of queueing for one each. A write is still answered only once its
//! own commit has succeeded (and made durable), and the dispatcher's
//! doorbell is rung then, for a group that queued deliveries.
//!
//! A write has [`WRITE_BUDGET`] from its submission. One still queued at
//! its deadline is withdrawn and answered 503, and no committer takes it
//! after that; one a committer took is answered by the committer, which
//! works to the deadline (on Postgres, learning whether a commit whose
//! answer was lost landed). So no write is answered 503 and committed after.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::time::Instant;

use super::outbox::{Doorbell, Enqueued};
use super::wal_sync::Syncing;
use super::{Creation, EventsFor, Revocation, StoreError};
use crate::domain::{ClientToken, ClientTokenId, Event, Owner, Timestamp};

/// The most writes one commit takes.
const GROUP_LIMIT: usize = 64;

/// How long a write may take from its submission to its answer, inside
/// the 2 s paddock answers within (the request's parsing and the answer's
/// rendering take the rest).
pub(super) const WRITE_BUDGET: Duration = Duration::from_millis(1750);

/// How much longer than its deadline the caller of a write a committer took
/// waits for the committer's answer: the committer answers at the deadline
/// at the latest; this is for the answer to arrive.
const ANSWER_GRACE: Duration = Duration::from_millis(150);

/// A write waiting for its group.
pub(super) enum Write {
    Create {
        owner: Owner,
        token: ClientToken,
        events: Vec<Event>,
    },
    /// Revokes the token if it is active, with the events `events_for`
    /// makes of it.
    Revoke {
        owner: Owner,
        id: ClientTokenId,
        at: Timestamp,
        events_for: EventsFor,
    },
}

impl Write {
    pub(super) fn creation(&self) -> Option<Creation<'_>> {
        match self {
            Self::Create {
                owner,
                token,
                events,
            } => Some(Creation {
                owner,
                token,
                events,
            }),
            Self::Revoke { .. } => None,
        }
    }
}

/// What a committed write did.
#[derive(Debug)]
pub(super) enum Written {
    Created,
    /// `None`: there is no such token.
    Revoked(Option<Revocation>),
}

/// Commits a group of writes in one transaction, answering each in order
/// (`sqlite_commit`, `postgres_commit`).
/// The group must be answered by `deadline` where the committer
/// [`ANSWERS_BY_DEADLINE`](CommitWrites::ANSWERS_BY_DEADLINE): one that can't
/// know its outcome by then fails it ([`StoreError::Unavailable`]).
pub(super) trait CommitWrites: Clone + Send + Sync + 'static {
    /// Whether the committer answers by the deadline. One that doesn't
    /// (SQLite, in this process: it always learns its outcome) is waited
    /// for once it has taken a write, rather than answered 503 meanwhile.
    const ANSWERS_BY_DEADLINE: bool;

    fn commit_writes<'a>(
        &'a self,
        writes: &'a [&'a Write],
        deadline: Instant,
    ) -> impl Future<Output = Result<Committed, StoreError>> + Send + 'a;
}

/// A committed group: what each write did, the deliveries it queued, and,
/// where the commit is not yet durable when it returns (SQLite's), the wait
/// until it is.
#[derive(Debug)]
pub(super) struct Committed {
    pub written: Vec<Written>,
    pub queued: Enqueued,
    pub syncing: Option<Syncing>,
}

/// The queue in front of the committers.
#[derive(Debug)]
pub(super) struct GroupCommit {
    /// `None` once closed.
    queue: std::sync::Mutex<Option<mpsc::Sender<Pending>>>,
    /// Rung after a group that queued deliveries, and by the store's other
    /// writes (`SqlStore::commit`).
    doorbell: Doorbell,
    /// [`CommitWrites::ANSWERS_BY_DEADLINE`] of the committers.
    answers_by_deadline: bool,
}

struct Pending {
    write: Write,
    answer: oneshot::Sender<Result<Written, StoreError>>,
    /// Who has the write: [`QUEUED`], [`TAKEN`] by a committer, or
    /// [`WITHDRAWN`] by its caller at its deadline.
    claim: Arc<AtomicU8>,
    deadline: Instant,
}

const QUEUED: u8 = 0;
const TAKEN: u8 = 1;
const WITHDRAWN: u8 = 2;

impl Pending {
    /// Whether a committer may commit it: its caller still waits, and
    /// hasn't withdrawn it. Once taken, the caller waits for the answer.
    fn take(&self) -> bool {
        !self.answer.is_closed()
            && (self.claim)
                .compare_exchange(QUEUED, TAKEN, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Starts `committers` tasks that commit groups through `pool`, side by
    /// side. They stop once the `GroupCommit` is closed or dropped, and the
    /// writes already queued are answered.
    pub(super) fn start<C: CommitWrites>(pool: C, committers: usize) -> Self {
        let (queue, pending) = mpsc::channel(4 * GROUP_LIMIT);
        let pending = Arc::new(Mutex::new(pending));
        let doorbell = Doorbell::default();
        for _ in 0..committers {
            let doorbell = doorbell.clone();
            tokio::spawn(commit_groups(pool.clone(), pending.clone(), doorbell));
        }
        Self {
            queue: std::sync::Mutex::new(Some(queue)),
            doorbell,
            answers_by_deadline: C::ANSWERS_BY_DEADLINE,
        }
    }

    /// The store's doorbell, which wakes the dispatcher.
    pub(super) fn doorbell(&self) -> &Doorbell {
        &self.doorbell
    }

    /// Takes no more writes; the committers stop when the queue is empty.
    pub(super) fn close(&self) {
        self.sender().take();
    }

    fn sender(&self) -> std::sync::MutexGuard<'_, Option<mpsc::Sender<Pending>>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues the write for the next group and waits for its commit, for
    /// [`WRITE_BUDGET`] at most: a write no committer took by then is
    /// withdrawn and fails as [`StoreError::Unavailable`].
    pub(super) async fn submit(&self, write: Write) -> Result<Written, StoreError> {
        let deadline = Instant::now() + WRITE_BUDGET;
        let (answer, mut outcome) = oneshot::channel();
        let stopped = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        let timed_out = || StoreError::Unavailable(sqlx::Error::PoolTimedOut);
        let queue = self.sender().clone().ok_or_else(stopped)?;
        let claim = Arc::new(AtomicU8::new(QUEUED));
        let pending = Pending {
            write,
            answer,
            claim: claim.clone(),
            deadline,
        };
        match tokio::time::timeout_at(deadline, queue.send(pending)).await {
            Ok(sent) => sent.map_err(|_| stopped())?,
            Err(_) => return Err(timed_out()),
        }
        if let Ok(answered) = tokio::time::timeout_at(deadline, &mut outcome).await {
            return answered.map_err(|_| stopped())?;
        }
        let withdrawn =
            claim.compare_exchange(QUEUED, WITHDRAWN, Ordering::AcqRel, Ordering::Acquire);
        if withdrawn.is_ok() {
            return Err(timed_out());
        }
        // A committer has it, and knows what became of it.
        if !self.answers_by_deadline {
            return outcome.await.map_err(|_| stopped())?;
        }
        match tokio::time::timeout(ANSWER_GRACE, outcome).await {
            Ok(answered) => answered.map_err(|_| stopped())?,
            Err(_) => {
                tracing::error!("a committer did not answer a write by its deadline");
                Err(timed_out())
            }
        }
    }
}

/// Takes every write waiting (up to [`GROUP_LIMIT`]) and commits them
/// together. If that fails for want of the database, they all fail; if it
/// fails otherwise, each is retried alone, so that one bad write (say, a
/// duplicate token) fails alone.
async fn commit_groups(
    pool: impl CommitWrites,
    pending: Arc<Mutex<mpsc::Receiver<Pending>>>,
    doorbell: Doorbell,
) {
    let mut group = Vec::with_capacity(GROUP_LIMIT);
    while pending
        .lock()
        .await
        .recv_many(&mut group, GROUP_LIMIT)
        .await
        > 0
    {
        // Writes withdrawn or given up by their callers are not committed.
        let (taken, withdrawn): (Vec<_>, Vec<_>) = group.drain(..).partition(Pending::take);
        drop(withdrawn);
        group = taken;
        let Some(deadline) = group.iter().map(|pending| pending.deadline).min() else {
            continue;
        };
        match commit(&pool, &group, deadline).await {
            Ok(Committed {
                written,
                queued,
                syncing: None,
            }) => {
                doorbell.ring(queued);
                answer(group.drain(..), written);
            }
            // The next group is committed while this one's is synced.
            Ok(Committed {
                written,
                queued,
                syncing: Some(syncing),
            }) => {
                let mut synced = std::mem::replace(&mut group, Vec::with_capacity(GROUP_LIMIT));
                let doorbell = doorbell.clone();
                tokio::spawn(async move {
                    match syncing.durable().await {
                        Ok(()) => {
                            doorbell.ring(queued);
                            answer(synced.into_iter(), written);
                        }
                        Err(error) => answer_unavailable(&mut synced, &not_durable(error)),
                    }
                });
            }
            Err(error @ StoreError::Unavailable(_)) => answer_unavailable(&mut group, &error),
            Err(error) if group.len() == 1 => {
                let pending = group.pop().expect("a group of one");
                let _ = pending.answer.send(Err(error));
            }
            Err(_) => {
                let mut alone = group.drain(..);
                while let Some(pending) = alone.next() {
                    let outcome = commit(&pool, std::slice::from_ref(&pending), deadline).await;
                    if let Err(error @ StoreError::Unavailable(_)) = &outcome {
                        // Gone meanwhile: the rest fail now rather than each
                        // waiting out a connection attempt of its own.
                        let mut rest: Vec<_> = alone.by_ref().collect();
                        answer_unavailable(&mut rest, error);
                    }
                    let outcome = match outcome {
                        Ok(Committed {
                            written,
                            queued,
                            syncing,
                        }) => {
                            let durable = match syncing {
                                Some(syncing) => syncing.durable().await.map_err(not_durable),
                                None => Ok(()),
                            };
                            if durable.is_ok() {
                                doorbell.ring(queued);
                            }
                            durable.and_then(|()| {
                                written.into_iter().next().ok_or_else(|| {
                                    StoreError::Corrupt("a commit answered no write".into())
                                })
                            })
                        }
                        Err(error) => Err(error),
                    };
                    let _ = pending.answer.send(outcome);
                }
            }
        }
    }
}

fn answer(group: impl Iterator<Item = Pending>, written: Vec<Written>) {
    for (pending, written) in group.zip(written) {
        // The caller may have gone (its client hung up); the commit stands.
        let _ = pending.answer.send(Ok(written));
    }
}

/// Committed, and maybe seen, but not known to be on disk: not acknowledged.
fn not_durable(error: std::io::Error) -> StoreError {
    StoreError::Unavailable(sqlx::Error::Io(error))
}

fn answer_unavailable(group: &mut Vec<Pending>, error: &StoreError) {
    for pending in group.drain(..) {
        let _ = pending.answer.send(Err(error.copy()));
    }
}

async fn commit(
    pool: &impl CommitWrites,
    group: &[Pending],
    deadline: Instant,
) -> Result<Committed, StoreError> {
    let writes: Vec<&Write> = group.iter().map(|pending| &pending.write).collect();
    let committed = pool.commit_writes(&writes, deadline).await?;
    if committed.written.len() == writes.len() {
        Ok(committed)
    } else {
        Err(StoreError::Corrupt(
            "a commit answered too few writes".into(),
        ))
    }
}

#[cfg(test)]
mod tests;
