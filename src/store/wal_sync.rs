//! Durability for SQLite's group commits, off the writer's path. The writer
//! commits with `synchronous = NORMAL`: the commit is written to the WAL
//! (which survives the process being killed) but not synced. Each group then
//! waits here, and is answered only once an fsync of the WAL that began after
//! its commit has returned — what `synchronous = FULL` does inside the
//! commit, except that the writer moves on to the next group meanwhile, and
//! one fsync serves every group committed before it began.
//!
//! A failed fsync is final: the kernel may have dropped the pages it could
//! not write, so a later fsync succeeding proves nothing. Every write after
//! it fails (as Postgres stops on one).

use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::mpsc;

use tokio::sync::oneshot;

/// The thread that syncs one database's WAL.
#[derive(Debug)]
pub(super) struct WalSync {
    requests: mpsc::Sender<oneshot::Sender<Result<(), String>>>,
}

/// A commit's wait for its fsync.
#[derive(Debug)]
pub(super) struct Syncing(oneshot::Receiver<Result<(), String>>);

impl Syncing {
    /// Done once the commit is on disk; the error says why it may not be.
    pub(super) async fn durable(self) -> Result<(), io::Error> {
        match self.0.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(error)) => Err(io::Error::other(error)),
            Err(_) => Err(io::Error::other("the WAL's sync thread has stopped")),
        }
    }
}

impl WalSync {
    /// Syncs the WAL of the database file at `database`; the thread ends
    /// when the `WalSync` is dropped.
    pub(super) fn start(database: &std::path::Path) -> io::Result<Self> {
        let mut wal = database.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        let (requests, waiting) = mpsc::channel();
        std::thread::Builder::new()
            .name("paddock-wal-sync".into())
            .spawn(move || sync_while_asked(&wal, &waiting))?;
        Ok(Self { requests })
    }

    /// Asks for an fsync of everything committed so far.
    pub(super) fn sync(&self) -> Syncing {
        let (answer, outcome) = oneshot::channel();
        // A send fails only once the thread is gone: `durable` says so.
        let _ = self.requests.send(answer);
        Syncing(outcome)
    }
}

fn sync_while_asked(
    wal: &std::path::Path,
    waiting: &mpsc::Receiver<oneshot::Sender<Result<(), String>>>,
) {
    let mut failed: Option<String> = None;
    while let Ok(first) = waiting.recv() {
        // Everyone asking by now committed before this fsync begins.
        let group: Vec<_> = std::iter::once(first).chain(waiting.try_iter()).collect();
        if failed.is_none()
            && let Err(error) = sync_file(wal)
        {
            tracing::error!(%error, wal = %wal.display(), "could not sync the WAL; writes fail from now on");
            failed = Some(format!("could not sync {}: {error}", wal.display()));
        }
        for answer in group {
            let _ = answer.send(failed.clone().map_or(Ok(()), Err));
        }
    }
}

/// An fsync of the file as it is now, opened anew each time: SQLite deletes
/// the WAL when its last connection closes (after copying it all into the
/// database, synced), and makes a new one when it next writes.
fn sync_file(wal: &std::path::Path) -> io::Result<()> {
    match File::open(wal) {
        Ok(file) => file.sync_data(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_commit_is_durable_once_its_wal_is_synced() {
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("paddock.db");
        std::fs::write(directory.path().join("paddock.db-wal"), b"frames").unwrap();
        let sync = WalSync::start(&database).unwrap();
        let waits: Vec<_> = (0..3).map(|_| sync.sync()).collect();
        for wait in waits {
            wait.durable().await.unwrap();
        }
    }

    /// A failed fsync fails the commits waiting for it and every one after.
    #[tokio::test]
    async fn after_a_failed_sync_no_commit_is_durable() {
        // A path under a file can't be opened: ENOTDIR, not NotFound.
        let file = tempfile::NamedTempFile::new().unwrap();
        let sync = WalSync::start(&file.path().join("paddock.db")).unwrap();
        for _ in 0..2 {
            let error = sync.sync().durable().await.unwrap_err();
            assert!(error.to_string().contains("could not sync"), "{error}");
        }
    }
}
