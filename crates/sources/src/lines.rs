//! Splitting a byte stream into lines without copying, with a bound on line length.
//!
//! Input is read straight into the splitter's buffer; each complete line is cut off the front
//! of the buffer as a [`Bytes`] that shares the read allocation (no copy per line). A line longer
//! than the limit is reported once and then discarded as it arrives, so memory never holds more
//! than `max_line` bytes of it plus one read. Line numbers count every line, including empty
//! ones (which are not delivered) and skipped ones, so they match `sed -n Np`.
//!
//! Hand-written rather than `tokio_util::codec::LinesCodec`: we need absolute byte offsets and
//! line numbers for provenance, zero-copy `Bytes` output, and skip-without-buffering for
//! over-long lines, none of which the codec offers.

use bytes::{Bytes, BytesMut};

/// A complete line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Line {
    /// The line without its `\n` (or `\r\n`).
    pub bytes: Bytes,
    /// 1-based line number.
    pub number: u64,
    /// Offset of the line's first byte.
    pub offset: u64,
    /// Offset just past the line's terminator: where reading resumes after this line.
    pub end: u64,
}

/// What the splitter found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// A complete, non-empty line.
    Line(Line),
    /// A line longer than the limit; it is skipped.
    TooLong {
        /// 1-based line number.
        number: u64,
        /// Offset of the line's first byte.
        offset: u64,
    },
}

/// Incremental line splitter over a growing buffer.
#[derive(Debug)]
pub(crate) struct LineSplitter {
    buf: BytesMut,
    max_line: usize,
    /// Input offset of `buf[0]`.
    base: u64,
    /// Lines completed so far; the next line is number `lines + 1`.
    lines: u64,
    /// Leading bytes of `buf` already searched for a newline.
    scanned: usize,
    /// Discarding the rest of a line already reported as too long.
    skipping: bool,
}

impl LineSplitter {
    /// A splitter whose next input byte is at offset `base`, after `lines` lines.
    pub fn new(max_line: usize, base: u64, lines: u64) -> LineSplitter {
        LineSplitter {
            buf: BytesMut::new(),
            max_line,
            base,
            lines,
            scanned: 0,
            skipping: false,
        }
    }

    /// The buffer to read more input into, with room for at least `want` more bytes.
    pub fn buffer(&mut self, want: usize) -> &mut BytesMut {
        if self.buf.capacity() - self.buf.len() < want {
            self.buf.reserve(want);
        }
        &mut self.buf
    }

    /// Offset just past the last input byte received.
    pub fn position(&self) -> u64 {
        self.base + self.buf.len() as u64
    }

    /// Bytes of an incomplete last line held back, waiting for its newline.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.buf.len()
    }

    /// Forgets everything held and continues as if the next input byte were at `base`, after
    /// `lines` lines (used after truncation).
    pub fn reset(&mut self, base: u64, lines: u64) {
        self.buf.clear();
        self.base = base;
        self.lines = lines;
        self.scanned = 0;
        self.skipping = false;
    }

    /// The next complete line or over-long-line report, or `None` if more input is needed.
    pub fn next_piece(&mut self) -> Option<Piece> {
        loop {
            let Some(found) = memchr::memchr(b'\n', &self.buf[self.scanned..]) else {
                return self.no_newline_yet();
            };
            let newline = self.scanned + found;
            self.scanned = 0;
            let chunk = self.buf.split_to(newline + 1);
            let offset = self.base;
            self.base += chunk.len() as u64;
            self.lines += 1;
            if self.skipping {
                self.skipping = false;
                continue;
            }
            if let Some(piece) = self.make_line(chunk, newline, offset) {
                return Some(piece);
            }
        }
    }

    /// At the end of input (or of a file generation): the held incomplete line, if any.
    pub fn finish(&mut self) -> Option<Piece> {
        self.scanned = 0;
        if self.skipping {
            self.skipping = false;
            self.lines += 1;
            self.base += self.buf.len() as u64;
            self.buf.clear();
            return None;
        }
        if self.buf.is_empty() {
            return None;
        }
        let chunk = self.buf.split();
        let offset = self.base;
        let len = chunk.len();
        self.base += len as u64;
        self.lines += 1;
        self.make_line(chunk, len, offset)
    }

    /// Turns `chunk[..content_end]` (maybe ending in `\r`) into a line, a report, or nothing
    /// for an empty line. `self.base` and `self.lines` already count the chunk.
    fn make_line(&self, chunk: BytesMut, content_end: usize, offset: u64) -> Option<Piece> {
        let mut len = content_end;
        if len > 0 && chunk[len - 1] == b'\r' {
            len -= 1;
        }
        if len > self.max_line {
            return Some(Piece::TooLong {
                number: self.lines,
                offset,
            });
        }
        if len == 0 {
            return None;
        }
        let bytes = chunk.freeze().slice(..len);
        Some(Piece::Line(Line {
            bytes,
            number: self.lines,
            offset,
            end: self.base,
        }))
    }

    /// No newline in the buffer: report and drop a line that has outgrown the limit.
    fn no_newline_yet(&mut self) -> Option<Piece> {
        let len = self.buf.len();
        if self.skipping {
            self.base += len as u64;
            self.buf.clear();
            self.scanned = 0;
            return None;
        }
        // One extra byte may be the `\r` of a `\r\n` terminator.
        if len > self.max_line + 1 {
            let report = Piece::TooLong {
                number: self.lines + 1,
                offset: self.base,
            };
            self.base += len as u64;
            self.buf.clear();
            self.scanned = 0;
            self.skipping = true;
            return Some(report);
        }
        self.scanned = len;
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Feeds `chunks` one by one and collects everything, including the final partial line.
    fn split_all(max: usize, chunks: &[&[u8]]) -> Vec<Piece> {
        let mut s = LineSplitter::new(max, 0, 0);
        let mut out = Vec::new();
        for chunk in chunks {
            s.buffer(chunk.len()).extend_from_slice(chunk);
            while let Some(p) = s.next_piece() {
                out.push(p);
            }
        }
        out.extend(s.finish());
        out
    }

    fn line(text: &str, number: u64, offset: u64, end: u64) -> Piece {
        Piece::Line(Line {
            bytes: Bytes::copy_from_slice(text.as_bytes()),
            number,
            offset,
            end,
        })
    }

    #[test]
    fn lines_across_chunks_with_offsets_and_numbers() {
        let pieces = split_all(100, &[b"ab", b"c\nde", b"f\r\n\ng", b"h\n"]);
        assert_eq!(
            pieces,
            vec![
                line("abc", 1, 0, 4),
                line("def", 2, 4, 9),
                line("gh", 4, 10, 13)
            ]
        );
    }

    #[test]
    fn final_line_without_newline_is_held_until_finish() {
        let mut s = LineSplitter::new(100, 0, 0);
        s.buffer(16).extend_from_slice(b"one\ntw");
        assert_eq!(s.next_piece(), Some(line("one", 1, 0, 4)));
        assert_eq!(s.next_piece(), None);
        assert_eq!(s.held(), 2);
        assert_eq!(s.position(), 6);
        s.buffer(16).extend_from_slice(b"o");
        assert_eq!(s.next_piece(), None);
        assert_eq!(s.finish(), Some(line("two", 2, 4, 7)));
        assert_eq!(s.finish(), None);
    }

    #[test]
    fn too_long_line_in_one_chunk_is_reported_and_skipped() {
        let pieces = split_all(4, &[b"1234\n12345\nok\n"]);
        assert_eq!(
            pieces,
            vec![
                line("1234", 1, 0, 5),
                Piece::TooLong {
                    number: 2,
                    offset: 5
                },
                line("ok", 3, 11, 14)
            ]
        );
    }

    #[test]
    fn too_long_line_across_chunks_is_not_buffered() {
        let mut s = LineSplitter::new(4, 0, 0);
        s.buffer(8).extend_from_slice(b"a\nxxxxxxxx");
        assert_eq!(s.next_piece(), Some(line("a", 1, 0, 2)));
        assert_eq!(
            s.next_piece(),
            Some(Piece::TooLong {
                number: 2,
                offset: 2
            })
        );
        assert_eq!(s.held(), 0, "the over-long line must not be kept");
        for _ in 0..100 {
            s.buffer(8).extend_from_slice(b"yyyyyyyy");
            assert_eq!(s.next_piece(), None);
            assert_eq!(s.held(), 0);
        }
        s.buffer(8).extend_from_slice(b"yy\nb\n");
        assert_eq!(s.next_piece(), Some(line("b", 3, 813, 815)));
    }

    #[test]
    fn crlf_does_not_count_against_the_limit() {
        let pieces = split_all(3, &[b"abc\r", b"\nabcd\r\n"]);
        assert_eq!(
            pieces,
            vec![
                line("abc", 1, 0, 5),
                Piece::TooLong {
                    number: 2,
                    offset: 5
                }
            ]
        );
    }

    #[test]
    fn resumes_with_given_offset_and_line_count() {
        let mut s = LineSplitter::new(100, 1000, 41);
        s.buffer(8).extend_from_slice(b"x\n");
        assert_eq!(s.next_piece(), Some(line("x", 42, 1000, 1002)));
        s.reset(0, 0);
        s.buffer(8).extend_from_slice(b"y\n");
        assert_eq!(s.next_piece(), Some(line("y", 1, 0, 2)));
    }

    #[test]
    fn over_long_final_line_is_reported_once() {
        let pieces = split_all(3, &[b"a\n", b"toolong"]);
        assert_eq!(
            pieces,
            vec![
                line("a", 1, 0, 2),
                Piece::TooLong {
                    number: 2,
                    offset: 2
                }
            ]
        );
    }
}
