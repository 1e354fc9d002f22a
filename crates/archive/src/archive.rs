//! The archive: opening (with recovery), appending, sealing, retention, statistics.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use crate::format::{self, FrameError, LOCK_NAME, Name};
use crate::segment::{self, Reader, Sealed, Writer};
use crate::{ArchiveError, Entry, Limits, MAX_LABEL_BYTES, MAX_RECORD_BYTES, Scan};

/// A bounded, compressed archive of telemetry records in one folder. See the crate docs for
/// the format and the invariants.
///
/// Dropping an archive seals its open segment as [`Archive::close`] does, but cannot report
/// a failure; call `close` to see it.
pub struct Archive {
    dir: PathBuf,
    limits: Limits,
    /// Held (locked) for the archive's life; closing it releases the lock.
    _lock: File,
    /// Sealed segments, ordered by sequence number (oldest first).
    segments: Vec<Sealed>,
    /// The segment being written, created by the first append after a seal.
    open: Option<Writer>,
    next_seq: u64,
    /// The newest event time of any readable segment or appended entry.
    newest: Option<i64>,
    deleted_segments: u64,
    deleted_bytes: u64,
    recovered_entries: u64,
    report: OpenReport,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive")
            .field("dir", &self.dir)
            .field("limits", &self.limits)
            .field("segments", &self.segments.len())
            .field("open", &self.open)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

/// What [`Archive::open`] found in the folder besides healthy sealed segments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Open segments left by a crash, and what was recovered from each.
    pub recovered: Vec<Recovery>,
    /// Sealed segments whose footer is missing, damaged or disagrees with the file name.
    /// They are never scanned; their bytes still count against [`Limits::max_bytes`] and
    /// retention deletes them in turn.
    pub damaged: Vec<Damaged>,
    /// Leftovers of an interrupted seal or recovery that were deleted (a `.recover` file, or
    /// a `.open` file whose sealed segment already exists).
    pub removed: Vec<PathBuf>,
    /// Files the archive did not write; they are left alone and not counted.
    pub ignored: Vec<PathBuf>,
}

/// One open segment recovered by [`Archive::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The `.open` file (deleted once its entries were sealed).
    pub path: PathBuf,
    /// The sealed segment written from it; `None` when not one entry was complete.
    pub sealed: Option<PathBuf>,
    /// Entries recovered.
    pub entries: u64,
    /// Record bytes recovered.
    pub record_bytes: u64,
    /// Why reading stopped, e.g. "the stream ends inside an entry or a zstd block".
    pub stopped: String,
}

/// A sealed segment that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    /// The segment file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub reason: String,
}

/// What the archive holds, from the segments' footers and the writer's counters (no file is
/// read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Readable sealed segments.
    pub segments: u64,
    /// Damaged sealed segments (see [`OpenReport::damaged`]).
    pub damaged_segments: u64,
    /// Bytes the sealed segments take on disk, damaged ones included: the figure
    /// [`Limits::max_bytes`] bounds.
    pub compressed_bytes: u64,
    /// Decompressed size of the readable sealed segments (entry framing included).
    pub uncompressed_bytes: u64,
    /// Sum of the record lengths in the readable sealed segments.
    pub record_bytes: u64,
    /// Entries in the readable sealed segments: what a full [`Archive::scan`] yields.
    pub entries: u64,
    /// The oldest event time in a readable sealed segment.
    pub oldest_time: Option<i64>,
    /// The newest event time in a readable sealed segment.
    pub newest_time: Option<i64>,
    /// Entries in the open segment (not yet scannable).
    pub open_entries: u64,
    /// Decompressed size of the open segment so far.
    pub open_uncompressed_bytes: u64,
    /// Segments deleted by retention since the archive was opened.
    pub deleted_segments: u64,
    /// Bytes of the segments deleted by retention since the archive was opened.
    pub deleted_bytes: u64,
    /// Entries recovered from crash leftovers when the archive was opened.
    pub recovered_entries: u64,
}

impl Archive {
    /// Opens (creating it if needed) the archive in `dir` and takes its lock.
    ///
    /// Leftover open segments are recovered into sealed ones, damaged sealed segments are
    /// listed in [`Archive::open_report`], and retention runs once. Fails on limits out of
    /// range, on a folder held by another archive, and on I/O errors — never on the content
    /// of a file.
    pub fn open(dir: &Path, limits: Limits) -> Result<Archive, ArchiveError> {
        limits.validate()?;
        fs::create_dir_all(dir).map_err(|e| ArchiveError::io("create the folder", dir, e))?;
        let lock_path = dir.join(LOCK_NAME);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| ArchiveError::io("create", &lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(ArchiveError::Locked { path: lock_path }),
            Err(TryLockError::Error(e)) => return Err(ArchiveError::io("lock", &lock_path, e)),
        }

        let mut report = OpenReport::default();
        let mut segments = Vec::new();
        let mut opens = Vec::new();
        let listing = fs::read_dir(dir).map_err(|e| ArchiveError::io("list", dir, e))?;
        for item in listing {
            let item = item.map_err(|e| ArchiveError::io("list", dir, e))?;
            let path = item.path();
            let is_file = item.file_type().is_ok_and(|t| t.is_file());
            let name = item.file_name();
            match name.to_str().and_then(format::parse_name) {
                Some(Name::Lock) => {}
                Some(_) if !is_file => report.ignored.push(path),
                Some(Name::Sealed {
                    seq,
                    min_time,
                    max_time,
                }) => {
                    let (file_bytes, meta) = segment::read_footer(&path)?;
                    let meta = meta.and_then(|meta| {
                        if (meta.min_time, meta.max_time) == (min_time, max_time) {
                            Ok(meta)
                        } else {
                            Err(format!(
                                "its footer's time range {}..{} disagrees with its name",
                                meta.min_time, meta.max_time
                            ))
                        }
                    });
                    let meta = meta
                        .map_err(|reason| {
                            report.damaged.push(Damaged {
                                path: path.clone(),
                                reason,
                            });
                        })
                        .ok();
                    segments.push(Sealed {
                        seq,
                        path,
                        file_bytes,
                        min_time,
                        max_time,
                        meta,
                    });
                }
                Some(Name::Open { seq }) => opens.push((seq, path)),
                Some(Name::Recovering { .. }) => {
                    fs::remove_file(&path).map_err(|e| ArchiveError::io("delete", &path, e))?;
                    report.removed.push(path);
                }
                None => report.ignored.push(path),
            }
        }

        opens.sort();
        let mut recovered_entries = 0;
        for (seq, path) in &opens {
            if segments.iter().any(|s| s.seq == *seq) {
                // Sealed (or recovered) before the crash, deleted only after.
                fs::remove_file(path).map_err(|e| ArchiveError::io("delete", path, e))?;
                report.removed.push(path.clone());
                continue;
            }
            let (sealed, recovery) = recover(dir, *seq, path)?;
            recovered_entries += recovery.entries;
            report.recovered.push(recovery);
            segments.extend(sealed);
        }
        if !report.removed.is_empty() || !opens.is_empty() {
            segment::sync_dir(dir)?;
        }
        segments.sort_by_key(|s| s.seq);
        report.ignored.sort();

        let next_seq = segments
            .iter()
            .map(|s| s.seq)
            .chain(opens.iter().map(|(seq, _)| *seq))
            .max()
            .map_or(0, |seq| seq.saturating_add(1));
        let newest = segments
            .iter()
            .filter(|s| s.meta.is_some())
            .map(|s| s.max_time)
            .max();
        let mut archive = Archive {
            dir: dir.to_path_buf(),
            limits,
            _lock: lock,
            segments,
            open: None,
            next_seq,
            newest,
            deleted_segments: 0,
            deleted_bytes: 0,
            recovered_entries,
            report,
        };
        archive.retain()?;
        Ok(archive)
    }

    /// The folder of the archive.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// What [`Archive::open`] recovered, found damaged, removed and ignored.
    pub fn open_report(&self) -> &OpenReport {
        &self.report
    }

    /// Appends one entry to the open segment (creating it if needed), and seals the segment
    /// once it reaches [`Limits::segment_bytes`] (which runs retention).
    ///
    /// The entry is in the process's compressor until the segment is sealed; a crash loses
    /// what the compressor had not yet written out (see the crate docs). An I/O error while
    /// writing abandons the open segment: its file stays and is recovered at the next open,
    /// and the next append starts a new segment.
    pub fn append(&mut self, entry: &Entry<'_>) -> Result<(), ArchiveError> {
        for (field, len, limit) in [
            ("record", entry.record.len(), MAX_RECORD_BYTES),
            ("source", entry.source.len(), MAX_LABEL_BYTES),
            ("position", entry.position.len(), MAX_LABEL_BYTES),
        ] {
            if len > limit {
                return Err(ArchiveError::EntryTooLarge { field, len, limit });
            }
        }
        let writer = match &mut self.open {
            Some(writer) => writer,
            None => {
                let seq = self.next_seq;
                self.next_seq = seq.saturating_add(1);
                self.open
                    .insert(Writer::create(&self.dir, seq, format::open_name(seq))?)
            }
        };
        if let Err(error) = writer.append(entry) {
            self.open = None;
            return Err(error);
        }
        let full = writer.meta().stream_bytes >= self.limits.segment_bytes;
        self.newest = Some(self.newest.map_or(entry.time, |t| t.max(entry.time)));
        if full {
            self.flush_segment()?;
        }
        Ok(())
    }

    /// Seals the open segment now, if it holds anything, so that [`Archive::scan`] sees
    /// every entry appended so far; then runs retention.
    ///
    /// Sealing finishes the zstd frame, writes the footer, syncs the file, renames it to its
    /// sealed name and syncs the folder. On an error the segment's file stays on disk, and
    /// the next open finds or recovers it.
    pub fn flush_segment(&mut self) -> Result<(), ArchiveError> {
        let Some(writer) = self.open.take() else {
            return Ok(());
        };
        let sealed = writer.seal(&self.dir)?;
        self.segments.push(sealed);
        self.retain()
    }

    /// Seals the open segment, runs retention and releases the folder's lock.
    pub fn close(mut self) -> Result<(), ArchiveError> {
        self.flush_segment()
    }

    /// The entries whose event time lies in `[since, until]` (nanoseconds, inclusive), from
    /// the sealed segments whose time range overlaps it; the others are not opened.
    ///
    /// The open segment is not scanned: call [`Archive::flush_segment`] first to include
    /// everything appended so far. Fails only on `since > until`.
    pub fn scan(&self, since: i64, until: i64) -> Result<Scan, ArchiveError> {
        if since > until {
            return Err(ArchiveError::EmptyRange { since, until });
        }
        let segments = self
            .segments
            .iter()
            .filter(|s| s.meta.is_some() && s.min_time <= until && s.max_time >= since)
            .cloned()
            .collect();
        Ok(Scan::new(segments, since, until))
    }

    /// What the archive holds now.
    pub fn stats(&self) -> Stats {
        let mut stats = Stats {
            deleted_segments: self.deleted_segments,
            deleted_bytes: self.deleted_bytes,
            recovered_entries: self.recovered_entries,
            ..Stats::default()
        };
        for segment in &self.segments {
            stats.compressed_bytes += segment.file_bytes;
            let Some(meta) = &segment.meta else {
                stats.damaged_segments += 1;
                continue;
            };
            stats.segments += 1;
            stats.uncompressed_bytes += meta.stream_bytes;
            stats.record_bytes += meta.record_bytes;
            stats.entries += meta.entries;
            stats.oldest_time = Some(
                stats
                    .oldest_time
                    .map_or(meta.min_time, |t| t.min(meta.min_time)),
            );
            stats.newest_time = Some(
                stats
                    .newest_time
                    .map_or(meta.max_time, |t| t.max(meta.max_time)),
            );
        }
        if let Some(writer) = &self.open {
            stats.open_entries = writer.meta().entries;
            stats.open_uncompressed_bytes = writer.meta().stream_bytes;
        }
        stats
    }

    /// Deletes the segments that fell out of [`Limits::max_age`], then the oldest ones while
    /// the total exceeds [`Limits::max_bytes`].
    fn retain(&mut self) -> Result<(), ArchiveError> {
        if let Some(newest) = self.newest {
            let cutoff = newest.saturating_sub(self.limits.max_age_ns());
            let mut index = 0;
            while index < self.segments.len() {
                if self.segments[index].max_time < cutoff {
                    self.delete(index)?;
                } else {
                    index += 1;
                }
            }
        }
        let mut total: u64 = self.segments.iter().map(|s| s.file_bytes).sum();
        while total > self.limits.max_bytes && !self.segments.is_empty() {
            total -= self.delete(0)?;
        }
        Ok(())
    }

    /// Deletes segment `index`; returns its size.
    fn delete(&mut self, index: usize) -> Result<u64, ArchiveError> {
        let path = &self.segments[index].path;
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(ArchiveError::io("delete", path, e)),
        }
        let segment = self.segments.remove(index);
        self.deleted_segments += 1;
        self.deleted_bytes += segment.file_bytes;
        Ok(segment.file_bytes)
    }
}

impl Drop for Archive {
    fn drop(&mut self) {
        // Best effort: an error leaves the `.open` file for the next open to recover.
        let _ = self.flush_segment();
    }
}

/// Recovers the open segment `path` (sequence `seq`): decodes the entries the (possibly
/// truncated) stream yields, seals them under the same sequence number through a `.recover`
/// file, and deletes the `.open` file.
fn recover(dir: &Path, seq: u64, path: &Path) -> Result<(Option<Sealed>, Recovery), ArchiveError> {
    let mut writer: Option<Writer> = None;
    let mut record_bytes = 0;
    let stopped =
        match Reader::open(path, u64::MAX).map_err(|e| ArchiveError::io("open", path, e))? {
            Err(error) => format!("nothing to recover: {}", describe_stop(&error)),
            Ok(mut reader) => loop {
                match reader.next_entry() {
                    Ok(Some(view)) => {
                        if writer.is_none() {
                            writer = Some(Writer::create(dir, seq, format::recover_name(seq))?);
                        }
                        if let Some(writer) = writer.as_mut() {
                            writer.append(&Entry {
                                time: view.time,
                                source: view.source,
                                position: view.position,
                                record: view.record,
                            })?;
                        }
                        record_bytes += view.record.len() as u64;
                    }
                    Ok(None) => break "the stream ends cleanly".to_string(),
                    Err(error) => break describe_stop(&error),
                }
            },
        };
    let entries = writer.as_ref().map_or(0, |w| w.meta().entries);
    let sealed = writer.map(|w| w.seal(dir)).transpose()?;
    fs::remove_file(path).map_err(|e| ArchiveError::io("delete", path, e))?;
    let recovery = Recovery {
        path: path.to_path_buf(),
        sealed: sealed.as_ref().map(|s| s.path.clone()),
        entries,
        record_bytes,
        stopped,
    };
    Ok((sealed, recovery))
}

/// Why a recovery stopped, in words.
fn describe_stop(error: &FrameError) -> String {
    match error {
        FrameError::Truncated => {
            "the stream ends inside an entry or a zstd block (the unsealed tail lost in the crash)"
                .to_string()
        }
        other => format!("damaged after the last complete entry: {other}"),
    }
}
