//! Handing freed memory back to the system. glibc's malloc keeps what a
//! burst of connections freed, scattered through its heaps (a flood of
//! 5,000 connections left 75 MB resident for good); `malloc_trim` returns
//! every free page. Other allocators are left to themselves.

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

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim takes no pointers and may be called at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
