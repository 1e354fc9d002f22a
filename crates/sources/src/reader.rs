//! Byte streams read once to their end: standard input, a file read once, or any
//! [`AsyncRead`] (a decompressing reader over an archive, a test buffer).
//!
//! Records get no-op acknowledgements: a stream cannot be re-read, so there is nothing to
//! advance. The last line is delivered even without a final newline.

use std::path::Path;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

use crate::ack::Ack;
use crate::config::StdinConfig;
use crate::error::SourceError;
use crate::lines::{LineSplitter, Piece};
use crate::record::{Batch, Origin, Position, Record};
use crate::sink::{Sink, Source};
use crate::stats::{SourceKind, SourceStats};

/// How the records of a [`ReaderSource`] name their position.
#[derive(Debug, Clone)]
pub enum ReaderLabel {
    /// As [`Position::Stdin`] lines.
    Stdin,
    /// As [`Position::File`] lines of this path.
    File(Arc<Path>),
}

/// Reads a byte stream to its end, one record per non-empty line.
#[derive(Debug)]
pub struct ReaderSource<R> {
    stats: Arc<SourceStats>,
    reader: R,
    label: ReaderLabel,
    max_line_bytes: usize,
    batch_records: usize,
    chunk_bytes: usize,
}

/// Default size of one read.
const CHUNK_BYTES: usize = 256 * 1024;

impl ReaderSource<tokio::io::Stdin> {
    /// The node's standard input, as configured by a `kind = "stdin"` table.
    ///
    /// Tokio reads standard input on a blocking thread; a read waiting for input that never
    /// comes keeps that thread until the process exits, so stop the node by closing the input
    /// (end of file) or by exiting the process.
    pub fn stdin(config: &StdinConfig) -> Self {
        let stats = SourceStats::new(&config.name, SourceKind::Stdin, config.format);
        ReaderSource::new(
            stats,
            tokio::io::stdin(),
            ReaderLabel::Stdin,
            config.max_line_bytes,
            config.batch_records,
        )
    }
}

impl<R> ReaderSource<R>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    /// A source reading `reader` to its end. Lines longer than `max_line_bytes` are counted as
    /// errors and skipped; batches hold at most `batch_records` records (both at least 1).
    pub fn new(
        stats: Arc<SourceStats>,
        reader: R,
        label: ReaderLabel,
        max_line_bytes: usize,
        batch_records: usize,
    ) -> Self {
        ReaderSource {
            stats,
            reader,
            label,
            max_line_bytes: max_line_bytes.max(1),
            batch_records: batch_records.max(1),
            chunk_bytes: CHUNK_BYTES,
        }
    }

    /// Sets the size of one read (default 256 KiB).
    pub fn with_chunk_bytes(mut self, chunk_bytes: usize) -> Self {
        self.chunk_bytes = chunk_bytes.max(1);
        self
    }

    fn record(&self, name: &Arc<str>, bytes: bytes::Bytes, line: u64, offset: u64) -> Record {
        let position = match &self.label {
            ReaderLabel::Stdin => Position::Stdin { line, offset },
            ReaderLabel::File(path) => Position::File {
                path: Arc::clone(path),
                line,
                offset,
            },
        };
        Record {
            bytes,
            origin: Origin {
                source: Arc::clone(name),
                position,
            },
            ack: Ack::noop(),
        }
    }

    fn place(&self, line: u64, offset: u64) -> String {
        match &self.label {
            ReaderLabel::Stdin => format!("stdin line {line} (byte {offset})"),
            ReaderLabel::File(path) => format!("{} line {line} (byte {offset})", path.display()),
        }
    }

    /// Turns one piece into a record in `batch`, or counts it as an error.
    fn take(&self, name: &Arc<str>, piece: Piece, batch: &mut Vec<Record>, bytes: &mut u64) {
        match piece {
            Piece::Line(line) => {
                *bytes += line.bytes.len() as u64;
                batch.push(self.record(name, line.bytes, line.number, line.offset));
            }
            Piece::TooLong { number, offset } => self.stats.note_error(
                self.place(number, offset),
                format!(
                    "line longer than max_line_bytes = {}; skipped",
                    self.max_line_bytes
                ),
            ),
        }
    }
}

/// Hands the gathered records on; false if the source must stop.
async fn send(
    stats: &Arc<SourceStats>,
    sink: &Sink,
    cancel: &CancellationToken,
    batch: &mut Vec<Record>,
    bytes: &mut u64,
) -> bool {
    if batch.is_empty() {
        return true;
    }
    let records = std::mem::replace(batch, Vec::with_capacity(batch.capacity()));
    stats.add_read(records.len() as u64, std::mem::take(bytes));
    sink.send(
        Batch {
            stats: Arc::clone(stats),
            records,
        },
        cancel,
    )
    .await
    .is_ok()
}

impl<R> Source for ReaderSource<R>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    fn stats(&self) -> Arc<SourceStats> {
        Arc::clone(&self.stats)
    }

    async fn run(mut self, sink: Sink, cancel: CancellationToken) -> Result<(), SourceError> {
        let name = self.stats.shared_name();
        let mut lines = LineSplitter::new(self.max_line_bytes, 0, 0);
        let mut batch = Vec::with_capacity(self.batch_records);
        let mut bytes = 0u64;
        loop {
            let read = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                read = self.reader.read_buf(lines.buffer(self.chunk_bytes)) => read,
            };
            let read = read.map_err(|error| SourceError::Read {
                name: name.to_string(),
                what: match self.label {
                    ReaderLabel::Stdin => "standard input",
                    ReaderLabel::File(_) => "the file",
                },
                error,
            })?;
            if read == 0 {
                break;
            }
            while let Some(piece) = lines.next_piece() {
                self.take(&name, piece, &mut batch, &mut bytes);
                if batch.len() >= self.batch_records
                    && !send(&self.stats, &sink, &cancel, &mut batch, &mut bytes).await
                {
                    return Ok(());
                }
            }
        }
        if let Some(piece) = lines.finish() {
            self.take(&name, piece, &mut batch, &mut bytes);
        }
        send(&self.stats, &sink, &cancel, &mut batch, &mut bytes).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::FormatHint;

    #[tokio::test]
    async fn reads_every_line_with_numbers_in_small_batches() {
        let input: &[u8] = b"{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}";
        let stats = SourceStats::new("in", SourceKind::Stdin, FormatHint::Json);
        let source =
            ReaderSource::new(stats.clone(), input, ReaderLabel::Stdin, 100, 2).with_chunk_bytes(3);
        let (sink, mut rx) = crate::sink::channel(8);
        source.run(sink, CancellationToken::new()).await.unwrap();
        let mut got = Vec::new();
        let mut sizes = Vec::new();
        while let Some(batch) = rx.recv().await {
            sizes.push(batch.len());
            for r in batch.records {
                assert!(r.ack.is_noop());
                let Position::Stdin { line, offset } = r.origin.position else {
                    panic!()
                };
                got.push((String::from_utf8(r.bytes.to_vec()).unwrap(), line, offset));
            }
        }
        assert_eq!(
            got,
            vec![
                ("{\"a\":1}".to_owned(), 1, 0),
                ("{\"a\":2}".to_owned(), 3, 9),
                ("{\"a\":3}".to_owned(), 4, 18)
            ]
        );
        assert_eq!(sizes, vec![2, 1]);
        assert_eq!(stats.snapshot().read, 3);
        assert_eq!(stats.snapshot().bytes, 21);
    }
}
