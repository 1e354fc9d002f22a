//! TCP syslog framing (RFC 6587): octet counting and newline (non-transparent) framing.
//!
//! The framing is recognised frame by frame from the first byte: a digit starts an
//! octet-counted frame (`MSG-LEN SP SYSLOG-MSG`, §3.4.1), `<` starts a message terminated by
//! LF (or NUL, as some senders use; §3.4.2). A connection may therefore switch between them.
//! Bytes between frames that are only `\r`, `\n`, NUL or spaces are skipped.
//!
//! A bad frame costs only itself: an over-long octet-counted frame is skipped by its announced
//! length without being buffered; an over-long newline-framed message, a bad length prefix or
//! an unexpected byte is skipped to the next LF, where framing resumes. (Octet counting has no
//! resynchronisation marker, so after garbage inside an octet-counted stream the next LF is the
//! best guess; JSON payloads contain no raw LF, and most senders end frames with one.)

use bytes::{Buf, Bytes, BytesMut};

/// What the framer found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameEvent {
    /// A complete frame: one syslog message, without length prefix or trailer.
    Frame(Bytes),
    /// A bad frame, already skipped.
    Error(FrameError),
}

/// Why a frame was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// An octet-counted frame announced more than the limit.
    #[error("octet-counted frame of {len} bytes exceeds max_message_bytes = {max}; skipped")]
    TooLarge {
        /// The announced length.
        len: u64,
        /// The configured limit.
        max: usize,
    },
    /// A newline-framed message grew past the limit without a terminator.
    #[error(
        "newline-framed message longer than max_message_bytes = {max}; skipped to the next newline"
    )]
    TooLong {
        /// The configured limit.
        max: usize,
    },
    /// The octet count is not `1*DIGIT SP` or is zero.
    #[error("invalid octet count {0:?}; skipped to the next newline")]
    BadCount(String),
    /// The frame starts with neither a digit nor `<`.
    #[error(
        "frame starts with byte 0x{0:02x}, neither a digit (octet counting) nor '<' (newline \
         framing); skipped to the next newline"
    )]
    UnexpectedByte(u8),
    /// The connection closed inside an octet-counted frame.
    #[error("connection closed inside an octet-counted frame ({have} of {len} bytes received)")]
    Truncated {
        /// Bytes received.
        have: usize,
        /// Bytes announced.
        len: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At a frame boundary.
    Ready,
    /// Discarding this many more bytes of an over-long octet-counted frame.
    Discard(u64),
    /// Discarding up to and including the next LF.
    SkipLine,
}

/// Longest octet count accepted (10 digits: up to 9,999,999,999).
const MAX_COUNT_DIGITS: usize = 10;

/// Incremental framer over the bytes of one connection.
#[derive(Debug)]
pub(crate) struct Framer {
    buf: BytesMut,
    max: usize,
    state: State,
    /// Leading bytes of a pending newline-framed message already searched for a terminator.
    scanned: usize,
}

impl Framer {
    /// A framer accepting messages of at most `max` bytes.
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: BytesMut::new(),
            max,
            state: State::Ready,
            scanned: 0,
        }
    }

    /// The buffer to read more input into, with room for at least `want` more bytes.
    pub fn buffer(&mut self, want: usize) -> &mut BytesMut {
        if self.buf.capacity() - self.buf.len() < want {
            self.buf.reserve(want);
        }
        &mut self.buf
    }

    /// The next frame or error, or `None` when more input is needed.
    pub fn next_event(&mut self) -> Option<FrameEvent> {
        loop {
            match self.state {
                State::Discard(left) => {
                    let n = usize::try_from(left)
                        .unwrap_or(usize::MAX)
                        .min(self.buf.len());
                    self.buf.advance(n);
                    let left = left - n as u64;
                    if left > 0 {
                        self.state = State::Discard(left);
                        return None;
                    }
                    self.state = State::Ready;
                }
                State::SkipLine => match memchr::memchr(b'\n', &self.buf) {
                    Some(at) => {
                        self.buf.advance(at + 1);
                        self.state = State::Ready;
                    }
                    None => {
                        self.buf.clear();
                        return None;
                    }
                },
                State::Ready => {
                    let gap = self
                        .buf
                        .iter()
                        .take_while(|b| matches!(b, b'\n' | b'\r' | 0 | b' '))
                        .count();
                    self.buf.advance(gap);
                    let first = *self.buf.first()?;
                    return if first.is_ascii_digit() {
                        self.octet_counted()
                    } else if first == b'<' {
                        self.newline_framed()
                    } else {
                        self.state = State::SkipLine;
                        Some(FrameEvent::Error(FrameError::UnexpectedByte(first)))
                    };
                }
            }
        }
    }

    /// At the end of the connection: what is left, as a last frame or an error.
    pub fn finish(&mut self) -> Option<FrameEvent> {
        let state = std::mem::replace(&mut self.state, State::Ready);
        self.scanned = 0;
        if state != State::Ready {
            self.buf.clear();
            return None;
        }
        let gap = self
            .buf
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r' | 0 | b' '))
            .count();
        self.buf.advance(gap);
        let first = *self.buf.first()?;
        let rest = self.buf.split();
        if first == b'<' {
            return Some(FrameEvent::Frame(trim_cr(rest.freeze())));
        }
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let event = match count_value(&rest, digits) {
            Some(len) if rest.get(digits) == Some(&b' ') => FrameError::Truncated {
                have: rest.len() - digits - 1,
                len,
            },
            _ if first.is_ascii_digit() => bad_count(&rest, digits),
            _ => FrameError::UnexpectedByte(first),
        };
        Some(FrameEvent::Error(event))
    }

    fn octet_counted(&mut self) -> Option<FrameEvent> {
        let digits = self
            .buf
            .iter()
            .take(MAX_COUNT_DIGITS + 1)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > MAX_COUNT_DIGITS {
            return Some(self.skip_line(bad_count(&self.buf, digits)));
        }
        if digits == self.buf.len() {
            return None;
        }
        if self.buf[digits] != b' ' {
            return Some(self.skip_line(bad_count(&self.buf, digits)));
        }
        let len = match count_value(&self.buf, digits) {
            Some(len) if len > 0 => len,
            _ => return Some(self.skip_line(bad_count(&self.buf, digits))),
        };
        if len > self.max {
            self.buf.advance(digits + 1);
            self.state = State::Discard(len as u64);
            return Some(FrameEvent::Error(FrameError::TooLarge {
                len: len as u64,
                max: self.max,
            }));
        }
        let needed = digits + 1 + len;
        if self.buf.len() < needed {
            self.buf.reserve(needed - self.buf.len());
            return None;
        }
        self.buf.advance(digits + 1);
        Some(FrameEvent::Frame(self.buf.split_to(len).freeze()))
    }

    fn newline_framed(&mut self) -> Option<FrameEvent> {
        match memchr::memchr2(b'\n', 0, &self.buf[self.scanned..]) {
            Some(at) => {
                let end = self.scanned + at;
                self.scanned = 0;
                let frame = self.buf.split_to(end).freeze();
                self.buf.advance(1);
                let frame = trim_cr(frame);
                if frame.len() > self.max {
                    return Some(FrameEvent::Error(FrameError::TooLong { max: self.max }));
                }
                Some(FrameEvent::Frame(frame))
            }
            None if self.buf.len() > self.max => {
                self.scanned = 0;
                self.buf.clear();
                self.state = State::SkipLine;
                Some(FrameEvent::Error(FrameError::TooLong { max: self.max }))
            }
            None => {
                self.scanned = self.buf.len();
                None
            }
        }
    }

    fn skip_line(&mut self, error: FrameError) -> FrameEvent {
        self.state = State::SkipLine;
        FrameEvent::Error(error)
    }
}

/// The value of the first `digits` bytes of `buf`, if it fits in `usize`.
fn count_value(buf: &[u8], digits: usize) -> Option<usize> {
    if digits == 0 || digits > MAX_COUNT_DIGITS {
        return None;
    }
    buf[..digits].iter().try_fold(0usize, |v, d| {
        v.checked_mul(10)?.checked_add(usize::from(d - b'0'))
    })
}

/// The error for a bad octet count: its digits and the byte after them (what made it bad).
fn bad_count(buf: &[u8], digits: usize) -> FrameError {
    let end = if digits > MAX_COUNT_DIGITS {
        MAX_COUNT_DIGITS + 1
    } else {
        digits + 1
    };
    FrameError::BadCount(String::from_utf8_lossy(&buf[..end.min(buf.len())]).into_owned())
}

fn trim_cr(frame: Bytes) -> Bytes {
    match frame.last() {
        Some(b'\r') => frame.slice(..frame.len() - 1),
        _ => frame,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Feeds the input in pieces of `step` bytes and collects every event.
    fn events(max: usize, input: &[u8], step: usize) -> Vec<FrameEvent> {
        let mut framer = Framer::new(max);
        let mut out = Vec::new();
        for piece in input.chunks(step) {
            framer.buffer(piece.len()).extend_from_slice(piece);
            while let Some(e) = framer.next_event() {
                out.push(e);
            }
        }
        out.extend(framer.finish());
        out
    }

    fn frame(text: &str) -> FrameEvent {
        FrameEvent::Frame(Bytes::copy_from_slice(text.as_bytes()))
    }

    #[test]
    fn both_framings_mixed_on_one_connection_in_any_chunking() {
        let input = b"8 <1>{\"a\"}<2>{\"b\"}\n8 <3>{\"c\"}<4>{\"d\"}\r\n<5>{\"e\"}\x00<6>{\"f\"}";
        let expected = vec![
            frame("<1>{\"a\"}"),
            frame("<2>{\"b\"}"),
            frame("<3>{\"c\"}"),
            frame("<4>{\"d\"}"),
            frame("<5>{\"e\"}"),
            frame("<6>{\"f\"}"),
        ];
        for step in [1, 2, 3, 7, input.len()] {
            assert_eq!(events(100, input, step), expected, "chunks of {step}");
        }
    }

    #[test]
    fn oversized_octet_frame_is_skipped_by_its_length() {
        let mut input = b"20 ".to_vec();
        input.extend_from_slice(&[b'x'; 20]);
        input.extend_from_slice(b"5 <1>ok");
        for step in [1, 4, input.len()] {
            assert_eq!(
                events(10, &input, step),
                vec![
                    FrameEvent::Error(FrameError::TooLarge { len: 20, max: 10 }),
                    frame("<1>ok")
                ],
                "chunks of {step}"
            );
        }
    }

    #[test]
    fn garbage_and_bad_counts_cost_only_their_line() {
        let input =
            b"<1>good\nhello world\n<2>good\n12x <3>bad\n00 \n<4>good\n12345678901 x\n5 <5>ok";
        assert_eq!(
            events(100, input, 5),
            vec![
                frame("<1>good"),
                FrameEvent::Error(FrameError::UnexpectedByte(b'h')),
                frame("<2>good"),
                FrameEvent::Error(FrameError::BadCount("12x".into())),
                FrameEvent::Error(FrameError::BadCount("00 ".into())),
                frame("<4>good"),
                FrameEvent::Error(FrameError::BadCount("12345678901".into())),
                frame("<5>ok"),
            ]
        );
    }

    #[test]
    fn unterminated_long_message_is_dropped_without_buffering() {
        let mut framer = Framer::new(8);
        framer.buffer(16).extend_from_slice(b"<1>0123456789");
        assert_eq!(
            framer.next_event(),
            Some(FrameEvent::Error(FrameError::TooLong { max: 8 }))
        );
        framer.buffer(16).extend_from_slice(b"still the same line");
        assert_eq!(framer.next_event(), None);
        assert_eq!(framer.buf.len(), 0);
        framer.buffer(16).extend_from_slice(b"\n<2>fine\n");
        assert_eq!(framer.next_event(), Some(frame("<2>fine")));
    }

    #[test]
    fn end_of_connection() {
        assert_eq!(events(100, b"<1>last", 3), vec![frame("<1>last")]);
        assert_eq!(
            events(100, b"10 <1>ab", 3),
            vec![FrameEvent::Error(FrameError::Truncated {
                have: 5,
                len: 10
            })]
        );
        assert_eq!(events(100, b"\n\r\n", 1), vec![]);
    }
}
