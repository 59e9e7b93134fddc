//! Read coalescing, for Postgres, where replicas share the database and no
//! process may keep tokens in memory. Reads of tokens by id that arrive while
//! a read is under way wait and are read together in the next one: one query
//! for many ids, instead of a round trip (and a statement for the database to
//! run) each. A read still starts after its request arrived, so it sees every
//! write that had returned by then, on any replica.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

use super::StoreError;
use crate::domain::{ClientToken, ClientTokenId, Owner};

/// The most ids one query takes.
const BATCH_LIMIT: usize = 64;

/// Reads tokens by id, each with its owner (implemented for Postgres' pool
/// in `postgres`).
pub(super) trait ReadTokens: Clone + Send + Sync + 'static {
    fn read_tokens<'a>(
        &'a self,
        ids: &'a [&'a str],
    ) -> impl Future<Output = Result<Vec<(Owner, ClientToken)>, StoreError>> + Send + 'a;
}

/// The queue in front of the readers.
#[derive(Debug)]
pub(super) struct ReadBatch {
    /// `None` once closed.
    queue: std::sync::Mutex<Option<mpsc::Sender<PendingRead>>>,
}

#[derive(Debug)]
struct PendingRead {
    owner: Owner,
    id: ClientTokenId,
    answer: oneshot::Sender<Result<Option<ClientToken>, StoreError>>,
}

impl ReadBatch {
    /// Starts `readers` tasks reading batches through `pool`, side by side;
    /// they stop once the batch is closed or dropped.
    pub(super) fn start(pool: impl ReadTokens, readers: usize) -> Self {
        let (queue, pending) = mpsc::channel(4 * BATCH_LIMIT);
        let pending = Arc::new(Mutex::new(pending));
        for _ in 0..readers {
            tokio::spawn(read_batches(pool.clone(), pending.clone()));
        }
        Self {
            queue: std::sync::Mutex::new(Some(queue)),
        }
    }

    pub(super) fn close(&self) {
        self.queue.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// The owner's token `id`, read in the next batch.
    pub(super) async fn read(
        &self,
        owner: &Owner,
        id: &ClientTokenId,
    ) -> Result<Option<ClientToken>, StoreError> {
        let stopped = || StoreError::Unavailable(sqlx::Error::PoolClosed);
        let queue = (self.queue.lock().unwrap_or_else(|e| e.into_inner())).clone();
        let queue = queue.ok_or_else(stopped)?;
        let (answer, outcome) = oneshot::channel();
        let read = PendingRead {
            owner: owner.clone(),
            id: id.clone(),
            answer,
        };
        // Bounded on the caller's side too: behind a batch held by a silent
        // network, a read waits no longer than that batch may.
        let answered = async {
            queue.send(read).await.map_err(|_| stopped())?;
            outcome.await.map_err(|_| stopped())?
        };
        let deadline = tokio::time::Instant::now() + super::bounded::READ_BOUND;
        super::bounded::by(deadline, answered).await
    }
}

async fn read_batches(pool: impl ReadTokens, pending: Arc<Mutex<mpsc::Receiver<PendingRead>>>) {
    let mut batch = Vec::with_capacity(BATCH_LIMIT);
    while pending
        .lock()
        .await
        .recv_many(&mut batch, BATCH_LIMIT)
        .await
        > 0
    {
        let ids: Vec<&str> = batch.iter().map(|read| read.id.as_str()).collect();
        match pool.read_tokens(&ids).await {
            Ok(found) => {
                for read in batch.drain(..) {
                    // Another owner's token is not found, as a lone read's
                    // `where` would have it.
                    let token = found
                        .iter()
                        .find(|(owner, token)| token.id == read.id && *owner == read.owner);
                    let _ = read.answer.send(Ok(token.map(|(_, token)| token.clone())));
                }
            }
            Err(error) => {
                for read in batch.drain(..) {
                    let _ = read.answer.send(Err(error.copy()));
                }
            }
        }
    }
}
