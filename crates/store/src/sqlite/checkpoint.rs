//! WAL checkpoints next to the write path instead of inside it.
//!
//! By default SQLite checkpoints inside the commit that pushes the WAL past 1000 pages, so the
//! request that happens to cross the line waits for pages to be copied back into the database
//! file and synced — a cost that grows with the store, since index pages touched by random ids
//! are scattered. Here each write only *signals* this thread, which then takes the writer
//! connection (the same mutex writers use) and runs `PRAGMA wal_checkpoint(PASSIVE)` on it,
//! at most once per [`MIN_INTERVAL`]. The committing request has already been answered by then,
//! and on a machine with more than one core the next request's parsing and validation overlap
//! with the checkpoint. Because the checkpoint runs on the writer connection between write
//! transactions, it normally completes and the next write restarts the WAL from its beginning;
//! `journal_size_limit` then keeps the file itself small.
//!
//! Durability is unaffected: a commit is acknowledged once the WAL is synced
//! (`synchronous=FULL`), checkpointed or not. If this thread cannot run, SQLite's own
//! auto-checkpoint (set to [`FALLBACK_PAGES`]) still bounds the WAL.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// The least time between two checkpoints.
pub(super) const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// SQLite's own auto-checkpoint threshold on the writer, in pages: the safety net.
pub(super) const FALLBACK_PAGES: i64 = 50_000;
/// Largest WAL file kept on disk after a checkpoint reset it (bytes).
pub(super) const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

#[derive(Debug, Default)]
struct Signal {
    dirty: Mutex<bool>,
    wake: Condvar,
    stop: AtomicBool,
}

/// The checkpoint thread; stops (and joins) when dropped.
#[derive(Debug)]
pub(super) struct Checkpointer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread; it holds only a weak reference to the writer.
    pub(super) fn start(writer: Weak<Mutex<Connection>>) -> Checkpointer {
        let signal = Arc::new(Signal::default());
        let for_thread = signal.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || run(&writer, &for_thread))
            .map_err(|e| tracing::warn!(error = %e, "cannot start the WAL checkpoint thread; SQLite's auto-checkpoint remains"))
            .ok();
        Checkpointer { signal, thread }
    }

    /// Tells the thread that the WAL has grown.
    pub(super) fn written(&self) {
        let mut dirty = self
            .signal
            .dirty
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *dirty = true;
        self.signal.wake.notify_one();
    }
}

fn run(writer: &Weak<Mutex<Connection>>, signal: &Signal) {
    let mut last = Instant::now() - MIN_INTERVAL;
    loop {
        {
            let mut dirty = signal.dirty.lock().unwrap_or_else(PoisonError::into_inner);
            while !*dirty && !signal.stop.load(Ordering::Acquire) {
                dirty = signal
                    .wake
                    .wait(dirty)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            *dirty = false;
        }
        if signal.stop.load(Ordering::Acquire) {
            return;
        }
        let since = last.elapsed();
        if since < MIN_INTERVAL {
            std::thread::sleep(MIN_INTERVAL - since);
        }
        let Some(writer) = writer.upgrade() else {
            return;
        };
        let conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::debug!(error = %e, "passive WAL checkpoint did not run");
        }
        drop(conn);
        last = Instant::now();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signal.stop.store(true, Ordering::Release);
        {
            let _dirty = self
                .signal
                .dirty
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.signal.wake.notify_all();
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
