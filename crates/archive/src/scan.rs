//! Reading entries back by event time.

use std::io;
use std::path::PathBuf;

use crate::format::{FOOTER_LEN, FrameError, SegmentMeta};
use crate::segment::{Reader, Sealed};
use crate::{ArchiveError, OwnedEntry};

/// How far a [`Scan`] has got, for a progress bar. Counts cover only the segments whose time
/// range overlaps the scan's; the others are never opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanProgress {
    /// Segments finished (read to their end, found damaged, or found deleted).
    pub segments_done: u64,
    /// Segments the scan covers.
    pub segments_total: u64,
    /// Compressed bytes of the finished segments plus those read of the current one.
    pub bytes_done: u64,
    /// Compressed bytes of the segments the scan covers (footers included).
    pub bytes_total: u64,
    /// Segment files opened so far: a segment is opened only when the scan reaches it.
    pub segments_opened: u64,
    /// Segments that retention deleted after the scan started, before it reached them.
    pub segments_vanished: u64,
    /// Segments that turned out damaged (each reported once as an `Err` item).
    pub segments_damaged: u64,
    /// Entries decoded, inside the range or not.
    pub entries_read: u64,
    /// Entries yielded (inside the range).
    pub entries_matched: u64,
}

/// An iterator over the archived entries whose event time lies in `[since, until]`, in
/// segment order and, inside a segment, in append order (not sorted by time: sensors deliver
/// events out of order).
///
/// An `Err` item reports one segment that could not be read to its end (the entries before
/// the damage have been yielded); the scan then goes on with the next segment. The scan owns
/// what it needs and may move to another thread while the archive keeps appending; a segment
/// that retention deletes before the scan reaches it is skipped and counted in
/// [`ScanProgress::segments_vanished`].
#[derive(Debug)]
pub struct Scan {
    segments: std::vec::IntoIter<Sealed>,
    current: Option<Current>,
    since: i64,
    until: i64,
    progress: ScanProgress,
}

/// The segment being read.
#[derive(Debug)]
struct Current {
    path: PathBuf,
    file_bytes: u64,
    meta: SegmentMeta,
    reader: Reader,
}

impl Scan {
    /// A scan of `segments` (already filtered by overlap with `[since, until]`).
    pub(crate) fn new(segments: Vec<Sealed>, since: i64, until: i64) -> Self {
        let progress = ScanProgress {
            segments_total: segments.len() as u64,
            bytes_total: segments.iter().map(|s| s.file_bytes).sum(),
            ..ScanProgress::default()
        };
        Scan {
            segments: segments.into_iter(),
            current: None,
            since,
            until,
            progress,
        }
    }

    /// How far the scan has got.
    pub fn progress(&self) -> ScanProgress {
        let mut progress = self.progress;
        if let Some(current) = &self.current {
            progress.bytes_done += current.reader.compressed_read().min(current.file_bytes);
        }
        progress
    }

    /// Marks the current (or just failed) segment finished.
    fn finish(&mut self, file_bytes: u64) {
        self.current = None;
        self.progress.segments_done += 1;
        self.progress.bytes_done += file_bytes;
    }

    /// A damaged segment's error, counted.
    fn damaged(&mut self, path: PathBuf, file_bytes: u64, reason: String) -> ArchiveError {
        self.finish(file_bytes);
        self.progress.segments_damaged += 1;
        ArchiveError::Corrupt { path, reason }
    }

    /// Opens the next segment; `Some(item)` when that yields an item of its own (an error).
    fn open_next(&mut self) -> Option<Option<Result<OwnedEntry, ArchiveError>>> {
        let segment = self.segments.next()?;
        let Some(meta) = segment.meta else {
            // Listed damaged at open: the archive does not hand those to scans.
            self.finish(segment.file_bytes);
            return Some(None);
        };
        let limit = segment.file_bytes.saturating_sub(FOOTER_LEN);
        match Reader::open(&segment.path, limit) {
            Ok(Ok(reader)) => {
                self.progress.segments_opened += 1;
                self.current = Some(Current {
                    path: segment.path,
                    file_bytes: segment.file_bytes,
                    meta,
                    reader,
                });
                Some(None)
            }
            Ok(Err(error)) => {
                self.progress.segments_opened += 1;
                let reason = format!("{error} (at its start)");
                Some(Some(Err(self.damaged(
                    segment.path,
                    segment.file_bytes,
                    reason,
                ))))
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                self.progress.segments_vanished += 1;
                self.finish(segment.file_bytes);
                Some(None)
            }
            Err(error) => {
                self.finish(segment.file_bytes);
                Some(Some(Err(ArchiveError::io("open", segment.path, error))))
            }
        }
    }
}

impl Iterator for Scan {
    type Item = Result<OwnedEntry, ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(current) = &mut self.current else {
                match self.open_next()? {
                    Some(item) => return Some(item),
                    None => continue,
                }
            };
            let outcome = match current.reader.next_entry() {
                Ok(Some(view)) => {
                    self.progress.entries_read += 1;
                    if view.time < self.since || view.time > self.until {
                        continue;
                    }
                    self.progress.entries_matched += 1;
                    return Some(Ok(OwnedEntry::from_view(&view)));
                }
                Ok(None) => {
                    let (entries, stream_bytes) =
                        (current.reader.entries(), current.reader.stream_bytes());
                    if entries == current.meta.entries && stream_bytes == current.meta.stream_bytes
                    {
                        Ok(())
                    } else {
                        Err(format!(
                            "its stream holds {entries} entries in {stream_bytes} bytes, its \
                             footer says {} in {}",
                            current.meta.entries, current.meta.stream_bytes
                        ))
                    }
                }
                Err(error) => {
                    let at = current.reader.entries() + 1;
                    Err(match error {
                        FrameError::Truncated => {
                            format!("its stream ends inside entry {at}")
                        }
                        other => format!("entry {at}: {other}"),
                    })
                }
            };
            let (path, file_bytes) = (current.path.clone(), current.file_bytes);
            match outcome {
                Ok(()) => self.finish(file_bytes),
                Err(reason) => return Some(Err(self.damaged(path, file_bytes, reason))),
            }
        }
    }
}
