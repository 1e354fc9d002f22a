//! One segment file: writing it through the zstd stream encoder and sealing it, reading it
//! back entry by entry.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::format::{self, EntryView, FOOTER_LEN, FrameError, STREAM_MAGIC, SegmentMeta};
use crate::{ArchiveError, Entry};

/// The zstd level segments are written at (the library's default: fast, and ~5–10× on
/// telemetry JSON).
pub(crate) const LEVEL: i32 = 3;

/// The largest zstd window a reader accepts (log2: 16 MiB). Level 3 writes 2 MiB windows;
/// the cap keeps a damaged or hostile frame header from making the decoder allocate up to
/// 2 GiB.
const WINDOW_LOG_MAX: u32 = 24;

/// Records up to this size are copied into the entry's head buffer and handed to the encoder
/// in one call; larger ones are passed on without a copy.
const INLINE_RECORD: usize = 16 << 10;

/// A sealed segment as the archive tracks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sealed {
    /// Sequence number: segments are ordered by it, oldest first.
    pub seq: u64,
    /// The file.
    pub path: PathBuf,
    /// Its length on disk, footer included.
    pub file_bytes: u64,
    /// Event-time range from the file name.
    pub min_time: i64,
    /// Event-time range from the file name.
    pub max_time: i64,
    /// The footer's counts; `None` when the segment is damaged.
    pub meta: Option<SegmentMeta>,
}

/// A segment being written: `NNNNNNNNNNNN.open` (or `.recover` during recovery).
pub(crate) struct Writer {
    seq: u64,
    path: PathBuf,
    encoder: zstd::stream::write::Encoder<'static, File>,
    meta: SegmentMeta,
    head: Vec<u8>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("seq", &self.seq)
            .field("path", &self.path)
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

impl Writer {
    /// Creates `dir/name` (which must not exist) and writes the stream magic.
    pub fn create(dir: &Path, seq: u64, name: String) -> Result<Self, ArchiveError> {
        let path = dir.join(name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| ArchiveError::io("create", &path, e))?;
        let encoder =
            new_encoder(file).map_err(|e| ArchiveError::io("start compressing", &path, e))?;
        let mut writer = Writer {
            seq,
            path,
            encoder,
            meta: SegmentMeta::empty(),
            head: Vec::with_capacity(256),
        };
        writer
            .encoder
            .write_all(STREAM_MAGIC)
            .map_err(|e| ArchiveError::io("write", &writer.path, e))?;
        Ok(writer)
    }

    /// What the segment holds so far.
    pub fn meta(&self) -> &SegmentMeta {
        &self.meta
    }

    /// Compresses one entry into the stream. The caller has checked the field limits.
    pub fn append(&mut self, entry: &Entry<'_>) -> Result<(), ArchiveError> {
        let crc = format::frame_entry(
            &mut self.head,
            entry.time,
            entry.source,
            entry.position,
            entry.record,
        );
        let framed = self.head.len() + entry.record.len() + crc.len();
        let result = if entry.record.len() <= INLINE_RECORD {
            self.head.extend_from_slice(entry.record);
            self.head.extend_from_slice(&crc);
            self.encoder.write_all(&self.head)
        } else {
            self.encoder
                .write_all(&self.head)
                .and_then(|()| self.encoder.write_all(entry.record))
                .and_then(|()| self.encoder.write_all(&crc))
        };
        result.map_err(|e| ArchiveError::io("write", &self.path, e))?;
        self.meta.add(entry.time, entry.record.len(), framed);
        Ok(())
    }

    /// Finishes the zstd frame, writes the footer, syncs the file, renames it to its sealed
    /// name and syncs the folder. The writer must hold at least one entry.
    pub fn seal(self, dir: &Path) -> Result<Sealed, ArchiveError> {
        let Writer {
            seq,
            path,
            encoder,
            meta,
            ..
        } = self;
        let mut file = encoder
            .finish()
            .map_err(|e| ArchiveError::io("finish compressing", &path, e))?;
        file.write_all(&format::encode_footer(&meta))
            .map_err(|e| ArchiveError::io("write", &path, e))?;
        file.sync_all()
            .map_err(|e| ArchiveError::io("sync", &path, e))?;
        let file_bytes = file
            .stream_position()
            .map_err(|e| ArchiveError::io("measure", &path, e))?;
        drop(file);
        let sealed = dir.join(format::sealed_name(seq, meta.min_time, meta.max_time));
        fs::rename(&path, &sealed).map_err(|e| ArchiveError::io("rename", &path, e))?;
        sync_dir(dir)?;
        Ok(Sealed {
            seq,
            path: sealed,
            file_bytes,
            min_time: meta.min_time,
            max_time: meta.max_time,
            meta: Some(meta),
        })
    }
}

/// A zstd encoder at [`LEVEL`] with the frame checksum on.
fn new_encoder(file: File) -> io::Result<zstd::stream::write::Encoder<'static, File>> {
    let mut encoder = zstd::stream::write::Encoder::new(file, LEVEL)?;
    encoder.include_checksum(true)?;
    Ok(encoder)
}

/// Syncs a folder, so that a rename or a new file in it survives a power loss.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), ArchiveError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| ArchiveError::io("sync the folder", dir, e))
}

/// Reads a sealed segment's footer: its length on disk and the counts, or the reason it is
/// damaged.
pub(crate) fn read_footer(path: &Path) -> Result<(u64, Result<SegmentMeta, String>), ArchiveError> {
    let mut file = File::open(path).map_err(|e| ArchiveError::io("open", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| ArchiveError::io("inspect", path, e))?
        .len();
    if len < FOOTER_LEN + 8 {
        return Ok((
            len,
            Err(format!(
                "it is {len} bytes long, too short for a sealed segment"
            )),
        ));
    }
    let mut footer = [0u8; FOOTER_LEN as usize];
    file.seek(SeekFrom::Start(len - FOOTER_LEN))
        .and_then(|_| file.read_exact(&mut footer))
        .map_err(|e| ArchiveError::io("read", path, e))?;
    Ok((len, format::decode_footer(&footer)))
}

/// Counts the bytes read through it.
#[derive(Debug)]
pub(crate) struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

type Decoder = zstd::stream::read::Decoder<'static, BufReader<Counting<io::Take<File>>>>;

/// Reads a segment's entries in order.
pub(crate) struct Reader {
    stream: BufReader<Decoder>,
    body: Vec<u8>,
    entries: u64,
    stream_bytes: u64,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("entries", &self.entries)
            .field("stream_bytes", &self.stream_bytes)
            .finish_non_exhaustive()
    }
}

impl Reader {
    /// Opens a segment file, reading at most `limit` bytes of it (a sealed segment's zstd
    /// frame ends where its footer starts). The outer error is the file's; the inner one says
    /// the stream does not start like a segment.
    pub fn open(path: &Path, limit: u64) -> Result<Result<Self, FrameError>, io::Error> {
        let file = File::open(path)?;
        let counting = Counting {
            inner: file.take(limit),
            count: 0,
        };
        let mut decoder = Decoder::new(counting)?.single_frame();
        decoder.window_log_max(WINDOW_LOG_MAX)?;
        let mut stream = BufReader::with_capacity(64 << 10, decoder);
        if let Err(error) = format::read_magic(&mut stream) {
            return Ok(Err(error));
        }
        Ok(Ok(Reader {
            stream,
            body: Vec::new(),
            entries: 0,
            stream_bytes: STREAM_MAGIC.len() as u64,
        }))
    }

    /// The next entry; `Ok(None)` at the clean end of the stream (the zstd frame complete
    /// and its checksum verified).
    pub fn next_entry(&mut self) -> Result<Option<EntryView<'_>>, FrameError> {
        let entry = format::read_entry(&mut self.stream, &mut self.body)?;
        if let Some(view) = &entry {
            self.entries += 1;
            self.stream_bytes += view.framed as u64;
        }
        Ok(entry)
    }

    /// Entries read so far.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// Decompressed bytes read so far, magic included.
    pub fn stream_bytes(&self) -> u64 {
        self.stream_bytes
    }

    /// Compressed bytes read from the file so far.
    pub fn compressed_read(&self) -> u64 {
        self.stream.get_ref().get_ref().get_ref().count
    }
}
