//! Which lines of a followed file the engine has acknowledged, and saving that position.
//!
//! Every delivered line gets a sequence number (in reading order, across rotations) and carries
//! the [`Checkpoint`] just past it. The engine may acknowledge lines in any order; the
//! acknowledged position is the checkpoint of the last line of the longest prefix of acknowledged
//! sequence numbers, so a saved offset never jumps over a line still in flight. Acknowledgements
//! that arrive ahead of a gap wait in a map whose size is bounded by the records in flight (the
//! queue bound plus what the engine holds).
//!
//! A line that is failed (`nak`) or whose handle is dropped unacknowledged freezes the position
//! before it for the rest of the run: the file cannot be re-read in place, but after a restart
//! reading resumes at that line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::offsets::{Checkpoint, OffsetStore, OffsetStoreError, SavedOffset};
use crate::stats::SourceStats;

/// Tracks and saves the acknowledged position of one followed file source. Cheap to clone.
#[derive(Debug, Clone)]
pub struct FileProgress {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    source: String,
    path: PathBuf,
    store: Arc<dyn OffsetStore>,
    stats: Arc<SourceStats>,
    state: Mutex<State>,
    /// Serialises saves so two flushes never write out of order.
    saving: Mutex<()>,
}

#[derive(Debug, Default)]
struct State {
    /// Every sequence number below this one is acknowledged.
    contiguous: u64,
    /// Acknowledged sequence numbers above a gap.
    ahead: BTreeMap<u64, Checkpoint>,
    /// Checkpoint of the line `contiguous - 1`.
    acknowledged: Option<Checkpoint>,
    /// What the store holds.
    saved: Option<Checkpoint>,
    /// The first failed sequence number, if any: nothing at or after it is ever acknowledged.
    frozen_at: Option<u64>,
}

impl FileProgress {
    pub(crate) fn new(
        source: &str,
        path: &Path,
        store: Arc<dyn OffsetStore>,
        stats: Arc<SourceStats>,
        saved: Option<Checkpoint>,
    ) -> FileProgress {
        let state = State {
            acknowledged: saved,
            saved,
            ..State::default()
        };
        FileProgress {
            shared: Arc::new(Shared {
                source: source.to_owned(),
                path: path.to_owned(),
                store,
                stats,
                state: Mutex::new(state),
                saving: Mutex::new(()),
            }),
        }
    }

    /// The handle delivered with line number `seq` (in reading order), whose processing moves
    /// the position to `checkpoint`.
    pub(crate) fn handle(&self, seq: u64, checkpoint: Checkpoint) -> FileAck {
        FileAck {
            progress: Some(Arc::clone(&self.shared)),
            seq,
            checkpoint,
        }
    }

    /// The position up to which every delivered line has been acknowledged (or the position the
    /// source resumed from, before any acknowledgement).
    pub fn acknowledged(&self) -> Option<Checkpoint> {
        self.shared.lock().acknowledged
    }

    /// The position last written to the offset store.
    pub fn saved(&self) -> Option<Checkpoint> {
        self.shared.lock().saved
    }

    /// Whether a failed or dropped record has frozen the position for the rest of the run.
    pub fn is_frozen(&self) -> bool {
        self.shared.lock().frozen_at.is_some()
    }

    /// Saves the acknowledged position now if it moved since the last save. Returns whether
    /// anything was written. The store is called on a blocking thread.
    pub async fn flush(&self) -> Result<bool, OffsetStoreError> {
        let shared = Arc::clone(&self.shared);
        match tokio::task::spawn_blocking(move || shared.flush_blocking()).await {
            Ok(result) => result,
            Err(join) => Err(OffsetStoreError::Other {
                reason: format!("the offset save task failed: {join}"),
            }),
        }
    }
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn flush_blocking(&self) -> Result<bool, OffsetStoreError> {
        let _saving = self.saving.lock().unwrap_or_else(PoisonError::into_inner);
        let (acknowledged, saved) = {
            let state = self.lock();
            (state.acknowledged, state.saved)
        };
        let Some(checkpoint) = acknowledged else {
            return Ok(false);
        };
        if saved == Some(checkpoint) {
            return Ok(false);
        }
        let offset = SavedOffset {
            path: self.path.clone(),
            checkpoint,
        };
        self.store.save(&self.source, &offset)?;
        self.lock().saved = Some(checkpoint);
        Ok(true)
    }

    fn ack(&self, seq: u64, checkpoint: Checkpoint) {
        let mut state = self.lock();
        if state.frozen_at.is_some_and(|frozen| seq >= frozen) {
            return;
        }
        if seq != state.contiguous {
            state.ahead.insert(seq, checkpoint);
            return;
        }
        let State {
            contiguous,
            ahead,
            acknowledged,
            ..
        } = &mut *state;
        *acknowledged = Some(checkpoint);
        *contiguous += 1;
        while let Some(entry) = ahead.first_entry() {
            if *entry.key() != *contiguous {
                break;
            }
            *acknowledged = Some(entry.remove());
            *contiguous += 1;
        }
    }

    /// Freezes the position before `seq`. An explicit failure (`why` given) is counted as an
    /// error of the source; a handle dropped unacknowledged (at shutdown, typically: batches in
    /// the queue are dropped) is only logged.
    fn freeze(&self, seq: u64, checkpoint: Checkpoint, why: Option<&str>) {
        let mut state = self.lock();
        if state.frozen_at.is_some_and(|frozen| frozen <= seq) {
            return;
        }
        state.frozen_at = Some(seq);
        state.ahead.retain(|&s, _| s < seq);
        drop(state);
        let place = format!("{} line {}", self.path.display(), checkpoint.line);
        match why {
            Some(why) => self.stats.note_error(
                place,
                format!(
                    "record {why}; the saved offset stays before it until restart, when reading \
                     resumes there"
                ),
            ),
            None => tracing::debug!(
                source = %self.source,
                %place,
                "record dropped without acknowledgement; the saved offset stays before it"
            ),
        }
    }
}

/// The acknowledgement of one followed-file line (inside [`crate::Ack`]).
#[derive(Debug)]
pub(crate) struct FileAck {
    progress: Option<Arc<Shared>>,
    seq: u64,
    checkpoint: Checkpoint,
}

impl FileAck {
    pub(crate) fn ack(mut self) {
        if let Some(shared) = self.progress.take() {
            shared.ack(self.seq, self.checkpoint);
        }
    }

    pub(crate) fn nak(mut self) {
        if let Some(shared) = self.progress.take() {
            shared.freeze(
                self.seq,
                self.checkpoint,
                Some("failed by the engine (nak)"),
            );
        }
    }
}

impl Drop for FileAck {
    fn drop(&mut self) {
        if let Some(shared) = self.progress.take() {
            shared.freeze(self.seq, self.checkpoint, None);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::FormatHint;
    use crate::file::offsets::{FileId, MemoryOffsetStore};
    use crate::stats::SourceKind;

    fn cp(line: u64) -> Checkpoint {
        Checkpoint {
            file: FileId { dev: 1, inode: 2 },
            offset: line * 10,
            line,
        }
    }

    fn progress() -> (FileProgress, Arc<MemoryOffsetStore>) {
        let store = Arc::new(MemoryOffsetStore::new());
        let stats = SourceStats::new("f", SourceKind::File, FormatHint::Eve);
        let p = FileProgress::new("f", Path::new("/x"), store.clone(), stats, None);
        (p, store)
    }

    #[test]
    fn out_of_order_acks_advance_only_over_a_complete_prefix() {
        let (p, _) = progress();
        let handles: Vec<_> = (0..5).map(|i| p.handle(i, cp(i + 1))).collect();
        let mut handles: Vec<Option<FileAck>> = handles.into_iter().map(Some).collect();
        handles[2].take().unwrap().ack();
        handles[1].take().unwrap().ack();
        assert_eq!(p.acknowledged(), None, "line 1 is still in flight");
        handles[0].take().unwrap().ack();
        assert_eq!(p.acknowledged(), Some(cp(3)));
        handles[4].take().unwrap().ack();
        assert_eq!(p.acknowledged(), Some(cp(3)));
        handles[3].take().unwrap().ack();
        assert_eq!(p.acknowledged(), Some(cp(5)));
    }

    #[tokio::test]
    async fn flush_saves_only_when_moved() {
        let (p, store) = progress();
        assert!(!p.flush().await.unwrap());
        p.handle(0, cp(1)).ack();
        assert!(p.flush().await.unwrap());
        assert!(!p.flush().await.unwrap());
        assert_eq!(store.load("f").unwrap().unwrap().checkpoint, cp(1));
        assert_eq!(p.saved(), Some(cp(1)));
    }

    #[test]
    fn a_dropped_handle_freezes_the_position_before_it() {
        let (p, _) = progress();
        let first = p.handle(0, cp(1));
        let second = p.handle(1, cp(2));
        let third = p.handle(2, cp(3));
        first.ack();
        drop(second);
        third.ack();
        assert_eq!(p.acknowledged(), Some(cp(1)));
        assert!(p.is_frozen());
        assert_eq!(
            p.shared.stats.snapshot().errors,
            0,
            "a drop is not an engine-reported failure"
        );
    }

    #[test]
    fn a_nak_freezes_and_is_counted() {
        let (p, _) = progress();
        p.handle(0, cp(1)).ack();
        p.handle(1, cp(2)).nak();
        p.handle(2, cp(3)).ack();
        assert_eq!(p.acknowledged(), Some(cp(1)));
        let snap = p.shared.stats.snapshot();
        assert_eq!(snap.errors, 1);
        assert!(
            snap.recent_errors[0].reason.contains("nak"),
            "{:?}",
            snap.recent_errors
        );
    }
}
