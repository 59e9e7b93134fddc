//! The connections served at once, and which of them are idle. Past the
//! cap, a new connection makes room by asking the connection idle longest
//! to close (hyper closes it at once if it is between requests, or after
//! the request it is serving), so a flood of idle keep-alive connections
//! can't lock ordinary clients out, and memory stays bounded by the cap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// While full, how often another idle connection is looked for when those
/// asked have not closed yet (one mid-head closes only after its head).
const RETRY: Duration = Duration::from_millis(20);

/// `idle_since` of a connection serving a request.
const BUSY: u64 = u64::MAX;

pub(super) struct Connections {
    slots: Arc<Semaphore>,
    cap: u32,
    epoch: Instant,
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
}

/// One connection's state, shared with its request hooks.
pub(super) struct Connection {
    /// Microseconds since the epoch when it last went idle, or [`BUSY`].
    idle_since: AtomicU64,
    epoch: Instant,
    asked_to_close: AtomicBool,
    close: Notify,
}

/// A connection's place under the cap; dropping it frees the place.
pub(super) struct Slot {
    id: u64,
    connection: Arc<Connection>,
    connections: Arc<Connections>,
    _permit: OwnedSemaphorePermit,
}

impl Connections {
    pub(super) fn new(cap: usize) -> Arc<Self> {
        let cap = u32::try_from(cap.max(1)).unwrap_or(u32::MAX >> 3);
        Arc::new(Self {
            slots: Arc::new(Semaphore::new(cap as usize)),
            cap,
            epoch: Instant::now(),
            next_id: AtomicU64::new(0),
            open: Mutex::default(),
        })
    }

    /// A place for a new connection: at once under the cap; past it, once
    /// an idle connection asked to close has closed (or any other has).
    pub(super) async fn slot(self: &Arc<Self>) -> Slot {
        loop {
            if let Ok(permit) = self.slots.clone().try_acquire_owned() {
                return self.register(permit);
            }
            self.ask_idlest_to_close();
            let acquired = tokio::time::timeout(RETRY, self.slots.clone().acquire_owned()).await;
            if let Ok(permit) = acquired {
                return self.register(permit.expect("never closed"));
            }
        }
    }

    /// Asks every connection to close once idle, and waits until all have.
    pub(super) async fn close_all(&self) {
        let open: Vec<_> = self.lock().values().cloned().collect();
        for connection in open {
            connection.ask_to_close();
        }
        let _ = self.slots.acquire_many(self.cap).await;
    }

    fn register(self: &Arc<Self>, permit: OwnedSemaphorePermit) -> Slot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let connection = Arc::new(Connection {
            idle_since: AtomicU64::new(0),
            epoch: self.epoch,
            asked_to_close: AtomicBool::new(false),
            close: Notify::new(),
        });
        // Idle from its start: a connection that sends nothing holds no
        // better claim than one between requests.
        connection.idle();
        self.lock().insert(id, connection.clone());
        Slot {
            id,
            connection,
            connections: self.clone(),
            _permit: permit,
        }
    }

    /// Asks the connection idle longest, not yet asked, to close. A scan:
    /// it runs only past the cap, over at most `cap` entries.
    fn ask_idlest_to_close(&self) {
        let open = self.lock();
        let idlest = (open.values())
            .filter(|connection| !connection.asked_to_close.load(Ordering::Relaxed))
            .map(|connection| (connection.idle_since.load(Ordering::Relaxed), connection))
            .filter(|(since, _)| *since != BUSY)
            .min_by_key(|(since, _)| *since);
        if let Some((_, connection)) = idlest {
            connection.ask_to_close();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        self.open
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Connection {
    /// A request has begun.
    pub(super) fn busy(&self) {
        self.idle_since.store(BUSY, Ordering::Relaxed);
    }

    /// A request has been answered (its body may still be being written:
    /// hyper finishes that before closing a connection asked to close).
    pub(super) fn idle(&self) {
        let since = u64::try_from(self.epoch.elapsed().as_micros()).unwrap_or(BUSY - 1);
        self.idle_since.store(since, Ordering::Relaxed);
    }

    /// Completes once the connection has been asked to close.
    pub(super) async fn asked_to_close(&self) {
        self.close.notified().await;
    }

    fn ask_to_close(&self) {
        self.asked_to_close.store(true, Ordering::Relaxed);
        // Stores a permit: a connection not yet waiting sees it too.
        self.close.notify_one();
    }
}

impl Slot {
    pub(super) fn connection(&self) -> Arc<Connection> {
        self.connection.clone()
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.lock().remove(&self.id);
    }
}
