//! Handing freed memory back to the system after a burst of connections
//! (a flood of 5,000 left 75 MB resident for good). paddock's allocator,
//! mimalloc, keeps memory freed by one thread with the thread that allocated
//! it, so each runtime thread hands its own back, when it next has nothing
//! to do (`on_thread_park`). Under glibc's malloc (the tests' allocator),
//! `malloc_trim` returns every free page.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often closed connections are checked for.
const EVERY: Duration = Duration::from_secs(2);

/// Closed connections that make a trim worth its cost (it briefly locks
/// each heap in turn).
const CLOSED_BEFORE_TRIM: u64 = 64;

/// Counts closed connections; a background task trims memory after many.
#[derive(Clone, Debug, Default)]
pub struct Trimmer {
    closed: Arc<AtomicU64>,
}

impl Trimmer {
    /// Starts the task; it ends when every clone of the trimmer is dropped.
    pub fn start() -> Self {
        let trimmer = Self::default();
        let closed = Arc::downgrade(&trimmer.closed);
        tokio::spawn(async move {
            let mut trimmed_at = 0;
            loop {
                tokio::time::sleep(EVERY).await;
                let Some(closed) = closed.upgrade() else {
                    return;
                };
                let now = closed.load(Ordering::Relaxed);
                if now - trimmed_at >= CLOSED_BEFORE_TRIM {
                    trimmed_at = now;
                    let _ = tokio::task::spawn_blocking(trim).await;
                }
            }
        });
        trimmer
    }

    pub fn connection_closed(&self) {
        self.closed.fetch_add(1, Ordering::Relaxed);
    }
}

/// Trims so far: each runtime thread collects once after each.
static TRIMS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static COLLECTED: Cell<u64> = const { Cell::new(0) };
}

/// For the runtime's `on_thread_park`: a thread about to wait for work
/// hands back the memory it holds free, once per trim (else it costs a
/// load of one counter).
pub fn on_thread_park() {
    let trims = TRIMS.load(Ordering::Relaxed);
    COLLECTED.with(|collected| {
        if collected.get() != trims {
            collected.set(trims);
            // SAFETY: takes no pointers and may be called at any time.
            unsafe { libmimalloc_sys::mi_collect(true) }
        }
    });
}

fn trim() {
    TRIMS.fetch_add(1, Ordering::Relaxed);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and may be called at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
