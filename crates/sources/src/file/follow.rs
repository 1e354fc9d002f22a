//! The `tail -F` loop: read to the end, then watch the path for rotation and truncation.

use std::io::{ErrorKind, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::sync::CancellationToken;

use super::offsets::{Checkpoint, FileId, SavedOffset};
use super::progress::FileProgress;
use crate::ack::Ack;
use crate::config::{FileConfig, StartAt};
use crate::error::SourceError;
use crate::lines::{LineSplitter, Piece};
use crate::record::{Batch, Origin, Position, Record};
use crate::sink::Sink;
use crate::stats::SourceStats;

/// Why the loop ends early.
enum Halt {
    /// Cancelled, or the engine closed the queue: a normal stop.
    Stopped,
    /// The source cannot go on.
    Failed(SourceError),
}

type Flow<T = ()> = Result<T, Halt>;

/// The file being read now.
struct Current {
    file: tokio::fs::File,
    /// Its path when opened (a rotated file found at restart has its own name).
    path: Arc<Path>,
    id: FileId,
    lines: LineSplitter,
}

/// What the configured path names now, compared with the file being read.
enum PathState {
    /// The same file, now `len` bytes long.
    Same { len: u64 },
    /// Another file: the one being read was rotated away.
    Replaced,
    /// Nothing (or nothing we may look at).
    Missing,
}

pub(super) struct Follower {
    config: FileConfig,
    path: Arc<Path>,
    stats: Arc<SourceStats>,
    name: Arc<str>,
    progress: FileProgress,
    saved: Option<SavedOffset>,
    sink: Sink,
    cancel: CancellationToken,
    next_seq: u64,
    batch: Vec<Record>,
    batch_bytes: u64,
}

impl Follower {
    pub(super) fn new(
        config: FileConfig,
        stats: Arc<SourceStats>,
        progress: FileProgress,
        saved: Option<SavedOffset>,
        sink: Sink,
        cancel: CancellationToken,
    ) -> Follower {
        let path = Arc::from(config.path.as_path());
        let name = stats.shared_name();
        let batch = Vec::with_capacity(config.batch_records);
        Follower {
            config,
            path,
            stats,
            name,
            progress,
            saved,
            sink,
            cancel,
            next_seq: 0,
            batch,
            batch_bytes: 0,
        }
    }

    pub(super) async fn run(mut self) -> Result<(), SourceError> {
        match self.follow().await {
            Ok(()) | Err(Halt::Stopped) => Ok(()),
            Err(Halt::Failed(error)) => Err(error),
        }
    }

    async fn follow(&mut self) -> Flow {
        let mut current = match self.resume().await? {
            Some(current) => current,
            None => self.wait_for_file().await?,
        };
        loop {
            self.drain(&mut current).await?;
            self.flush_batch().await?;
            match self.path_state(&current).await {
                PathState::Replaced => {
                    // The writer may have appended to the old file after our last read.
                    self.drain(&mut current).await?;
                    self.finish_generation(&mut current).await?;
                    tracing::info!(
                        source = %self.name,
                        old = %current.path.display(),
                        "file rotated; reading the new file at the path from its beginning"
                    );
                    current = match self.open_configured(0).await? {
                        Some(next) => next,
                        None => self.wait_for_file().await?,
                    };
                }
                PathState::Same { len } if len < current.lines.position() => {
                    self.finish_generation(&mut current).await?;
                    tracing::info!(
                        source = %self.name,
                        path = %current.path.display(),
                        "file truncated; reading again from its beginning"
                    );
                    self.seek(&mut current, 0).await?;
                    current.lines.reset(0, 0);
                }
                PathState::Same { .. } | PathState::Missing => self.pause().await?,
            }
        }
    }

    /// Opens the file to continue from the saved offset; `None` if there is nothing to open yet.
    async fn resume(&mut self) -> Flow<Option<Current>> {
        let Some(saved) = self.saved.take() else {
            return match self.config.start_at {
                StartAt::Beginning => self.open_configured(0).await,
                StartAt::End => self.open_configured_at_end().await,
            };
        };
        let checkpoint = saved.checkpoint;
        match self.open(&self.path.clone()).await? {
            Some(mut current) if current.id == checkpoint.file => {
                let len = self.len_of(&current).await?;
                if len < checkpoint.offset {
                    self.stats.note_error(
                        self.path.display(),
                        format!(
                            "file is shorter ({len} bytes) than the saved offset {}: it was \
                             truncated while the source was stopped; reading from its beginning",
                            checkpoint.offset
                        ),
                    );
                    return Ok(Some(current));
                }
                self.seek(&mut current, checkpoint.offset).await?;
                current.lines.reset(checkpoint.offset, checkpoint.line);
                Ok(Some(current))
            }
            at_path => {
                if let Some(current) = self.open_rotated(checkpoint).await? {
                    return Ok(Some(current));
                }
                self.stats.note_error(
                    self.path.display(),
                    format!(
                        "the file of the saved offset ({}, byte {}) is gone; lines it held \
                         after that offset are lost; reading the current file from its beginning",
                        checkpoint.file, checkpoint.offset
                    ),
                );
                Ok(at_path)
            }
        }
    }

    /// Looks beside the configured path for the file with the saved identity (renamed by a
    /// rotation while the source was stopped) and opens it at the saved offset.
    async fn open_rotated(&mut self, checkpoint: Checkpoint) -> Flow<Option<Current>> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
            _ => PathBuf::from("."),
        };
        let found = tokio::task::spawn_blocking(move || find_by_id(&dir, checkpoint.file))
            .await
            .ok()
            .flatten();
        let Some(found) = found else { return Ok(None) };
        let Some(mut current) = self.open(&Arc::from(found.as_path())).await? else {
            return Ok(None);
        };
        if current.id != checkpoint.file || self.len_of(&current).await? < checkpoint.offset {
            return Ok(None);
        }
        tracing::info!(
            source = %self.name,
            rotated = %found.display(),
            "resuming in the rotated file, then the file at the configured path"
        );
        self.seek(&mut current, checkpoint.offset).await?;
        current.lines.reset(checkpoint.offset, checkpoint.line);
        Ok(Some(current))
    }

    /// Opens the configured path positioned at the start of the line after the last newline,
    /// with the lines before it counted (for `start_at = "end"`).
    async fn open_configured_at_end(&mut self) -> Flow<Option<Current>> {
        let Some(mut current) = self.open_configured(0).await? else {
            return Ok(None);
        };
        let path = self.config.path.clone();
        let counted = tokio::task::spawn_blocking(move || count_complete_lines(&path)).await;
        let (offset, lines) = match counted {
            Ok(Ok(counted)) => counted,
            Ok(Err(error)) => return Err(self.file_error("read", &self.config.path, error)),
            Err(join) => {
                let error = std::io::Error::other(join.to_string());
                return Err(self.file_error("read", &self.config.path, error));
            }
        };
        self.seek(&mut current, offset).await?;
        current.lines.reset(offset, lines);
        Ok(Some(current))
    }

    /// Opens the configured path at `offset`; `None` if it does not exist.
    async fn open_configured(&mut self, offset: u64) -> Flow<Option<Current>> {
        let path = Arc::clone(&self.path);
        let Some(mut current) = self.open(&path).await? else {
            return Ok(None);
        };
        if offset > 0 {
            self.seek(&mut current, offset).await?;
            current.lines.reset(offset, 0);
        }
        Ok(Some(current))
    }

    /// Waits until the configured path can be opened, and opens it at its beginning.
    async fn wait_for_file(&mut self) -> Flow<Current> {
        let mut reported = false;
        loop {
            match tokio::fs::File::open(&*self.path).await {
                Ok(file) => return self.current(file, Arc::clone(&self.path)).await,
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => {
                    if !reported {
                        self.stats.note_error(
                            self.path.display(),
                            format!("cannot open ({e}); retrying every poll interval"),
                        );
                        reported = true;
                    }
                }
            }
            self.pause().await?;
        }
    }

    /// Opens `path`; `None` if it does not exist.
    async fn open(&self, path: &Arc<Path>) -> Flow<Option<Current>> {
        match tokio::fs::File::open(&**path).await {
            Ok(file) => Ok(Some(self.current(file, Arc::clone(path)).await?)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.file_error("open", path, e)),
        }
    }

    async fn current(&self, file: tokio::fs::File, path: Arc<Path>) -> Flow<Current> {
        let meta = file
            .metadata()
            .await
            .map_err(|e| self.file_error("inspect", &path, e))?;
        Ok(Current {
            file,
            path,
            id: FileId::of(&meta),
            lines: LineSplitter::new(self.config.max_line_bytes, 0, 0),
        })
    }

    async fn len_of(&self, current: &Current) -> Flow<u64> {
        let meta = current
            .file
            .metadata()
            .await
            .map_err(|e| self.file_error("inspect", &current.path, e))?;
        Ok(meta.len())
    }

    async fn seek(&self, current: &mut Current, offset: u64) -> Flow {
        current
            .file
            .seek(SeekFrom::Start(offset))
            .await
            .map_err(|e| self.file_error("seek in", &current.path, e))?;
        Ok(())
    }

    async fn path_state(&self, current: &Current) -> PathState {
        match tokio::fs::metadata(&*self.path).await {
            Ok(meta) if FileId::of(&meta) != current.id => PathState::Replaced,
            Ok(meta) => PathState::Same { len: meta.len() },
            Err(_) => PathState::Missing,
        }
    }

    /// Reads and delivers everything up to the current end of the file.
    async fn drain(&mut self, current: &mut Current) -> Flow {
        loop {
            if self.cancel.is_cancelled() {
                return Err(Halt::Stopped);
            }
            let buffer = current.lines.buffer(self.config.read_chunk_bytes);
            let read = current.file.read_buf(buffer).await;
            let read = read.map_err(|e| self.file_error("read", &current.path, e))?;
            if read == 0 {
                return Ok(());
            }
            while let Some(piece) = current.lines.next_piece() {
                self.emit(current, piece).await?;
            }
        }
    }

    /// Delivers the held partial line of a file that will not grow any more.
    async fn finish_generation(&mut self, current: &mut Current) -> Flow {
        if let Some(piece) = current.lines.finish() {
            self.emit(current, piece).await?;
        }
        self.flush_batch().await
    }

    async fn emit(&mut self, current: &Current, piece: Piece) -> Flow {
        match piece {
            Piece::Line(line) => {
                let checkpoint = Checkpoint {
                    file: current.id,
                    offset: line.end,
                    line: line.number,
                };
                let ack = Ack::file(self.progress.handle(self.next_seq, checkpoint));
                self.next_seq += 1;
                self.batch_bytes += line.bytes.len() as u64;
                self.batch.push(Record {
                    bytes: line.bytes,
                    origin: Origin {
                        source: Arc::clone(&self.name),
                        position: Position::File {
                            path: Arc::clone(&current.path),
                            line: line.number,
                            offset: line.offset,
                        },
                    },
                    ack,
                });
                if self.batch.len() >= self.config.batch_records {
                    self.flush_batch().await?;
                }
            }
            Piece::TooLong { number, offset } => self.stats.note_error(
                format!("{} line {number} (byte {offset})", current.path.display()),
                format!(
                    "line longer than max_line_bytes = {}; skipped",
                    self.config.max_line_bytes
                ),
            ),
        }
        Ok(())
    }

    async fn flush_batch(&mut self) -> Flow {
        if self.batch.is_empty() {
            return Ok(());
        }
        let records = std::mem::replace(
            &mut self.batch,
            Vec::with_capacity(self.config.batch_records),
        );
        self.stats
            .add_read(records.len() as u64, std::mem::take(&mut self.batch_bytes));
        let batch = Batch {
            stats: Arc::clone(&self.stats),
            records,
        };
        self.sink
            .send(batch, &self.cancel)
            .await
            .map_err(|_| Halt::Stopped)
    }

    /// Waits one poll interval, unless cancelled.
    async fn pause(&self) -> Flow {
        let interval = Duration::from_millis(self.config.poll_interval_ms);
        tokio::select! {
            () = self.cancel.cancelled() => Err(Halt::Stopped),
            () = tokio::time::sleep(interval) => Ok(()),
        }
    }

    fn file_error(&self, action: &'static str, path: &Path, error: std::io::Error) -> Halt {
        Halt::Failed(SourceError::File {
            name: self.config.name.clone(),
            action,
            path: path.to_owned(),
            error,
        })
    }
}

/// The entry of `dir` whose identity is `id`, if any.
fn find_by_id(dir: &Path, id: FileId) -> Option<PathBuf> {
    let entries = std::fs::read_dir(dir).ok()?;
    entries
        .filter_map(Result::ok)
        .find(|entry| {
            entry
                .metadata()
                .is_ok_and(|meta| meta.is_file() && FileId::of(&meta) == id)
        })
        .map(|entry| entry.path())
}

/// The offset just past the last newline of the file at `path`, and the number of newlines
/// before it.
fn count_complete_lines(path: &Path) -> std::io::Result<(u64, u64)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let (mut read, mut lines, mut after_last_newline) = (0u64, 0u64, 0u64);
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok((after_last_newline, lines));
        }
        for at in memchr::memchr_iter(b'\n', &buf[..n]) {
            lines += 1;
            after_last_newline = read + at as u64 + 1;
        }
        read += n as u64;
    }
}
