//! Files: followed like `tail -F` with durable, acknowledgement-driven offsets, or read once.
//!
//! # Following
//!
//! A followed file is read to its end, then checked every `poll_interval_ms`:
//!
//! - **New data** is read and split into lines as it arrives. A final line without its newline
//!   is held back until the newline arrives (or the file is rotated away).
//! - **Rotation by rename** (`logrotate` default, Suricata, Zeek): the path now names a file
//!   with another identity (device + inode). The old file, still open, is read to its end —
//!   including what the writer appended after the rename — its held partial line is delivered,
//!   and reading switches to the new file at the same path from its beginning.
//! - **Truncation** (`copytruncate`): the file is now shorter than what was read. The held
//!   partial line is delivered and reading restarts at offset 0, line 1. (As with every
//!   polling follower, a truncation followed by more writing than had been read before the
//!   next poll cannot be told from an append.)
//!   A file that is created and rotated away again between two polls is never seen (as with
//!   `tail -F`); rotation intervals are minutes or hours, polls a fraction of a second.
//! - **The path does not exist** (not created yet, or between a rename and the new file's
//!   creation): the source waits, and reads a file that appears from its beginning.
//!
//! Polling (rather than inotify) works on every file system, including network mounts, and a
//! busy file never waits: polling starts only at the end of the data.
//!
//! # Offsets
//!
//! Every line carries an [`crate::Ack`]. The source saves, through an [`OffsetStore`], the
//! position after the longest prefix of acknowledged lines, with the file's identity and line
//! count ([`Checkpoint`]), every `commit_interval_ms` and when it stops (see [`FileProgress`]).
//! On restart it resumes there: in the same file if the path still names it; in the rotated
//! file if the path names a new one and a file with the saved identity is found beside it
//! (read to its end first, then the new file from its beginning); at the beginning if the file
//! was truncated while the node was down.
//!
//! Lines processed but not yet acknowledged when the node dies are read again after the restart
//! (at-least-once); acknowledged and saved lines are never read again, and no line is skipped.

mod follow;
mod offsets;
mod progress;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

pub use offsets::{
    Checkpoint, FileId, FileOffsetStore, MemoryOffsetStore, OffsetStore, OffsetStoreError,
    SavedOffset,
};
pub(crate) use progress::FileAck;
pub use progress::FileProgress;

use crate::config::{FileConfig, SourceConfig};
use crate::error::SourceError;
use crate::reader::{ReaderLabel, ReaderSource};
use crate::sink::{Sink, Source};
use crate::stats::{SourceKind, SourceStats};

/// A `kind = "file"` source.
#[derive(Debug)]
pub struct FileSource {
    config: FileConfig,
    stats: Arc<SourceStats>,
    /// `None` when the file is read once (no offsets).
    progress: Option<(FileProgress, Option<SavedOffset>)>,
}

impl FileSource {
    /// Prepares a file source: checks the configuration and, for a followed file, loads the
    /// saved offset from `store` (so a corrupt state file is reported before anything runs).
    pub async fn new(
        config: FileConfig,
        store: Arc<dyn OffsetStore>,
    ) -> Result<FileSource, SourceError> {
        SourceConfig::File(config.clone()).validate()?;
        let stats = SourceStats::new(&config.name, SourceKind::File, config.format);
        if !config.follow {
            return Ok(FileSource {
                config,
                stats,
                progress: None,
            });
        }
        let name = config.name.clone();
        let loader = Arc::clone(&store);
        let saved = tokio::task::spawn_blocking(move || loader.load(&name))
            .await
            .map_err(|join| SourceError::Offsets {
                name: config.name.clone(),
                error: OffsetStoreError::Other {
                    reason: format!("loading failed: {join}"),
                },
            })?
            .map_err(|error| SourceError::Offsets {
                name: config.name.clone(),
                error,
            })?;
        let progress = FileProgress::new(
            &config.name,
            &config.path,
            store,
            Arc::clone(&stats),
            saved.as_ref().map(|s| s.checkpoint),
        );
        Ok(FileSource {
            config,
            stats,
            progress: Some((progress, saved)),
        })
    }

    /// The acknowledged-position tracker, for engines that save offsets themselves or flush
    /// after draining the queue at shutdown. `None` for a file read once.
    pub fn progress(&self) -> Option<FileProgress> {
        self.progress.as_ref().map(|(p, _)| p.clone())
    }

    /// The configured path.
    pub fn path(&self) -> &Path {
        &self.config.path
    }
}

impl Source for FileSource {
    fn stats(&self) -> Arc<SourceStats> {
        Arc::clone(&self.stats)
    }

    async fn run(self, sink: Sink, cancel: CancellationToken) -> Result<(), SourceError> {
        let Some((progress, saved)) = self.progress else {
            return run_once(self.config, self.stats, sink, cancel).await;
        };
        let stop_committer = cancel.child_token();
        // Stops the committer even if this future is dropped (the task aborted).
        let _stop_on_drop = stop_committer.clone().drop_guard();
        let committer = (self.config.commit_interval_ms > 0).then(|| {
            tokio::spawn(commit_periodically(
                progress.clone(),
                Arc::clone(&self.stats),
                Duration::from_millis(self.config.commit_interval_ms),
                stop_committer.clone(),
            ))
        });
        let result = follow::Follower::new(self.config, self.stats, progress, saved, sink, cancel)
            .run()
            .await;
        stop_committer.cancel();
        if let Some(committer) = committer {
            // The committer only logs; a panic in it must not hide the reader's result.
            let _ = committer.await;
        }
        result
    }
}

/// Reads the whole file once, with no offsets (for offline runs).
async fn run_once(
    config: FileConfig,
    stats: Arc<SourceStats>,
    sink: Sink,
    cancel: CancellationToken,
) -> Result<(), SourceError> {
    let file = tokio::fs::File::open(&config.path)
        .await
        .map_err(|error| SourceError::File {
            name: config.name.clone(),
            action: "open",
            path: config.path.clone(),
            error,
        })?;
    let label = ReaderLabel::File(Arc::from(config.path.as_path()));
    ReaderSource::new(
        stats,
        file,
        label,
        config.max_line_bytes,
        config.batch_records,
    )
    .with_chunk_bytes(config.read_chunk_bytes)
    .run(sink, cancel)
    .await
}

/// Saves the acknowledged position every `interval`, and once more when stopped.
async fn commit_periodically(
    progress: FileProgress,
    stats: Arc<SourceStats>,
    interval: Duration,
    stop: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let stopping = tokio::select! {
            () = stop.cancelled() => true,
            _ = ticker.tick() => false,
        };
        if let Err(error) = progress.flush().await {
            tracing::warn!(source = %stats.name(), %error, "saving the file offset failed");
            stats.note_error("offset store", &error);
        }
        if stopping {
            return;
        }
    }
}
