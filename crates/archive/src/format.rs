//! The bytes on disk: segment file names, the entry framing inside the compressed stream, and
//! the footer of a sealed segment. The crate docs describe the format for readers; this module
//! is its only implementation.

use std::io::{self, BufRead, Read};

/// The first eight bytes of every segment's decompressed stream (format version 1).
pub(crate) const STREAM_MAGIC: &[u8; 8] = b"PHXARC01";

/// The longest record [`crate::Archive::append`] accepts: 64 MiB.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// The longest `source` or `position` [`crate::Archive::append`] accepts: 64 KiB.
pub const MAX_LABEL_BYTES: usize = 64 << 10;

/// The longest entry body a reader accepts: time, two labels with their length prefixes and a
/// record, all at their limits. A longer length prefix can only come from a damaged file.
const MAX_BODY_BYTES: u64 =
    (8 + 10 + MAX_LABEL_BYTES + 10 + MAX_LABEL_BYTES + MAX_RECORD_BYTES) as u64;

/// The zstd skippable-frame magic used for the footer (`0x184D2A50` + 14). Decoders that do
/// not know the archive, such as the `zstd` command, skip the frame.
const FOOTER_FRAME_MAGIC: u32 = 0x184D_2A5E;

/// The tag opening the footer's content.
const FOOTER_TAG: &[u8; 8] = b"PHXAFTR1";

/// Length of the footer's content: tag, five 8-byte fields, CRC-32 and a reserved word.
const FOOTER_CONTENT_LEN: u32 = 8 + 5 * 8 + 4 + 4;

/// Length of the whole footer, skippable-frame header included.
pub(crate) const FOOTER_LEN: u64 = 8 + FOOTER_CONTENT_LEN as u64;

/// What a segment holds, as its footer states it (sealed) or its writer counts it (open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SegmentMeta {
    /// Number of entries.
    pub entries: u64,
    /// Sum of the entries' record lengths.
    pub record_bytes: u64,
    /// Length of the decompressed stream: magic plus every framed entry.
    pub stream_bytes: u64,
    /// Smallest event time (meaningless when `entries` is 0).
    pub min_time: i64,
    /// Largest event time (meaningless when `entries` is 0).
    pub max_time: i64,
}

impl SegmentMeta {
    /// A segment holding nothing but its stream magic.
    pub fn empty() -> Self {
        SegmentMeta {
            entries: 0,
            record_bytes: 0,
            stream_bytes: STREAM_MAGIC.len() as u64,
            min_time: i64::MAX,
            max_time: i64::MIN,
        }
    }

    /// Counts one entry of `framed` bytes in the stream.
    pub fn add(&mut self, time: i64, record_len: usize, framed: usize) {
        self.entries += 1;
        self.record_bytes += record_len as u64;
        self.stream_bytes += framed as u64;
        self.min_time = self.min_time.min(time);
        self.max_time = self.max_time.max(time);
    }
}

// ---------------------------------------------------------------------------------------------
// File names

/// What a file name in the archive folder says it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Name {
    /// `NNNNNNNNNNNN-<min>-<max>.zst`: a sealed segment.
    Sealed {
        seq: u64,
        min_time: i64,
        max_time: i64,
    },
    /// `NNNNNNNNNNNN.open`: the segment being written, or a crash's leftover.
    Open { seq: u64 },
    /// `NNNNNNNNNNNN.recover`: a recovery that did not finish.
    Recovering { seq: u64 },
    /// `LOCK`: the lock file.
    Lock,
}

/// The lock file's name.
pub(crate) const LOCK_NAME: &str = "LOCK";

/// `NNNNNNNNNNNN.open`.
pub(crate) fn open_name(seq: u64) -> String {
    format!("{seq:012}.open")
}

/// `NNNNNNNNNNNN.recover`.
pub(crate) fn recover_name(seq: u64) -> String {
    format!("{seq:012}.recover")
}

/// `NNNNNNNNNNNN-<min>-<max>.zst`, times in decimal nanoseconds (a negative time keeps its
/// sign, so `-5--3` reads as −5 to −3).
pub(crate) fn sealed_name(seq: u64, min_time: i64, max_time: i64) -> String {
    format!("{seq:012}-{min_time}-{max_time}.zst")
}

/// Reads a file name; `None` for names the archive did not write (they are left alone).
pub(crate) fn parse_name(name: &str) -> Option<Name> {
    if name == LOCK_NAME {
        return Some(Name::Lock);
    }
    if let Some(seq) = name.strip_suffix(".open") {
        return parse_seq(seq).map(|seq| Name::Open { seq });
    }
    if let Some(seq) = name.strip_suffix(".recover") {
        return parse_seq(seq).map(|seq| Name::Recovering { seq });
    }
    let stem = name.strip_suffix(".zst")?;
    let (seq, times) = stem.split_once('-')?;
    let seq = parse_seq(seq)?;
    // The separator is the first '-' after the first character (which may be a sign).
    let split = times.get(1..)?.find('-')? + 1;
    let (min, max) = (&times[..split], &times[split + 1..]);
    let (min_time, max_time) = (parse_time(min)?, parse_time(max)?);
    (min_time <= max_time).then_some(Name::Sealed {
        seq,
        min_time,
        max_time,
    })
}

/// At least twelve decimal digits.
fn parse_seq(text: &str) -> Option<u64> {
    if text.len() < 12 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A time exactly as [`sealed_name`] writes it (no `+`, no leading zeros).
fn parse_time(text: &str) -> Option<i64> {
    let time: i64 = text.parse().ok()?;
    (time.to_string() == text).then_some(time)
}

// ---------------------------------------------------------------------------------------------
// Entries

/// Appends `value` as an unsigned LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// The length of `value` as a varint.
fn varint_len(value: u64) -> usize {
    let bits = 64 - value.max(1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Frames one entry. The record is written after `head` so that a large record need not be
/// copied: the entry is `head ‖ record ‖ crc`.
///
/// `head` receives `varint(body_len) ‖ time ‖ varint(source_len) ‖ source ‖
/// varint(position_len) ‖ position`; the returned CRC-32 covers the body (everything after the
/// body length, record included).
pub(crate) fn frame_entry(
    head: &mut Vec<u8>,
    time: i64,
    source: &str,
    position: &str,
    record: &[u8],
) -> [u8; 4] {
    let body_len = 8
        + varint_len(source.len() as u64)
        + source.len()
        + varint_len(position.len() as u64)
        + position.len()
        + record.len();
    head.clear();
    put_varint(head, body_len as u64);
    let body_start = head.len();
    head.extend_from_slice(&time.to_le_bytes());
    put_varint(head, source.len() as u64);
    head.extend_from_slice(source.as_bytes());
    put_varint(head, position.len() as u64);
    head.extend_from_slice(position.as_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&head[body_start..]);
    crc.update(record);
    crc.finalize().to_le_bytes()
}

/// One entry as read from a stream, borrowing the reader's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryView<'a> {
    pub time: i64,
    pub source: &'a str,
    pub position: &'a str,
    pub record: &'a [u8],
    /// Bytes the entry took in the decompressed stream.
    pub framed: usize,
}

/// Why a stream stopped before its clean end.
#[derive(Debug)]
pub(crate) enum FrameError {
    /// The stream ended inside an entry (or zstd reported the frame incomplete).
    Truncated,
    /// The decompressor or the file failed.
    Io(io::Error),
    /// The bytes are not what the writer writes.
    Invalid(String),
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::Truncated => f.write_str("the stream ends inside an entry"),
            FrameError::Io(error) => write!(f, "{error}"),
            FrameError::Invalid(reason) => f.write_str(reason),
        }
    }
}

impl From<io::Error> for FrameError {
    fn from(error: io::Error) -> Self {
        if error.kind() == io::ErrorKind::UnexpectedEof {
            FrameError::Truncated
        } else {
            FrameError::Io(error)
        }
    }
}

/// Reads the stream magic.
pub(crate) fn read_magic<R: Read>(reader: &mut R) -> Result<(), FrameError> {
    let mut magic = [0u8; 8];
    reader.read_exact(&mut magic)?;
    if &magic != STREAM_MAGIC {
        return Err(FrameError::Invalid(
            "the stream does not start with the archive's magic (PHXARC01)".into(),
        ));
    }
    Ok(())
}

/// Reads a varint; `Ok(None)` when the stream ends cleanly before its first byte.
fn read_varint<R: BufRead>(reader: &mut R, first: bool) -> Result<Option<u64>, FrameError> {
    let mut value = 0u64;
    for index in 0..10 {
        let mut byte = [0u8; 1];
        if reader.read(&mut byte)? == 0 {
            return if first && index == 0 {
                Ok(None)
            } else {
                Err(FrameError::Truncated)
            };
        }
        let bits = u64::from(byte[0] & 0x7f);
        if index == 9 && byte[0] > 1 {
            return Err(FrameError::Invalid(
                "a length prefix overflows 64 bits".into(),
            ));
        }
        value |= bits << (7 * index);
        if byte[0] & 0x80 == 0 {
            return Ok(Some(value));
        }
    }
    Err(FrameError::Invalid(
        "a length prefix is longer than 10 bytes".into(),
    ))
}

/// Reads the next entry into `body` and returns a view of it; `Ok(None)` at the clean end of
/// the stream.
pub(crate) fn read_entry<'a, R: BufRead>(
    reader: &mut R,
    body: &'a mut Vec<u8>,
) -> Result<Option<EntryView<'a>>, FrameError> {
    let Some(body_len) = read_varint(reader, true)? else {
        return Ok(None);
    };
    if body_len > MAX_BODY_BYTES {
        return Err(FrameError::Invalid(format!(
            "an entry claims {body_len} bytes, more than any entry the archive writes"
        )));
    }
    body.clear();
    // `take` + `read_to_end` grows the buffer with the data actually present, so a damaged
    // length costs no more memory than the bytes that follow it.
    reader.by_ref().take(body_len).read_to_end(body)?;
    if (body.len() as u64) < body_len {
        return Err(FrameError::Truncated);
    }
    let mut crc = [0u8; 4];
    reader.read_exact(&mut crc)?;
    if crc32fast::hash(body).to_le_bytes() != crc {
        return Err(FrameError::Invalid(
            "an entry fails its CRC-32 check".into(),
        ));
    }
    let framed = varint_len(body_len) + body.len() + 4;
    parse_body(body, framed).map(Some)
}

/// Splits a checked body into its fields.
fn parse_body(body: &[u8], framed: usize) -> Result<EntryView<'_>, FrameError> {
    let invalid = |what: &str| FrameError::Invalid(format!("an entry's {what} is malformed"));
    let (time, rest) = body
        .split_first_chunk::<8>()
        .ok_or_else(|| invalid("time"))?;
    let time = i64::from_le_bytes(*time);
    let (source, rest) = split_label(rest).ok_or_else(|| invalid("source"))?;
    let (position, record) = split_label(rest).ok_or_else(|| invalid("position"))?;
    Ok(EntryView {
        time,
        source,
        position,
        record,
        framed,
    })
}

/// Reads `varint(len) ‖ len bytes of UTF-8` from the front of `bytes`.
fn split_label(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let mut slice = bytes;
    let len = read_varint(&mut slice, false).ok()??;
    let len = usize::try_from(len)
        .ok()
        .filter(|&len| len <= MAX_LABEL_BYTES)?;
    if len > slice.len() {
        return None;
    }
    let (label, rest) = slice.split_at(len);
    Some((std::str::from_utf8(label).ok()?, rest))
}

// ---------------------------------------------------------------------------------------------
// Footer

/// The footer written after a sealed segment's zstd frame.
pub(crate) fn encode_footer(meta: &SegmentMeta) -> [u8; FOOTER_LEN as usize] {
    let mut out = [0u8; FOOTER_LEN as usize];
    out[0..4].copy_from_slice(&FOOTER_FRAME_MAGIC.to_le_bytes());
    out[4..8].copy_from_slice(&FOOTER_CONTENT_LEN.to_le_bytes());
    out[8..16].copy_from_slice(FOOTER_TAG);
    out[16..24].copy_from_slice(&meta.entries.to_le_bytes());
    out[24..32].copy_from_slice(&meta.record_bytes.to_le_bytes());
    out[32..40].copy_from_slice(&meta.stream_bytes.to_le_bytes());
    out[40..48].copy_from_slice(&meta.min_time.to_le_bytes());
    out[48..56].copy_from_slice(&meta.max_time.to_le_bytes());
    let crc = crc32fast::hash(&out[8..56]);
    out[56..60].copy_from_slice(&crc.to_le_bytes());
    // out[60..64]: reserved, zero.
    out
}

/// Reads a footer; the reason when it is not one the archive wrote.
pub(crate) fn decode_footer(bytes: &[u8; FOOTER_LEN as usize]) -> Result<SegmentMeta, String> {
    let u32_at =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let u64_at = |at: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(word)
    };
    if u32_at(0) != FOOTER_FRAME_MAGIC
        || u32_at(4) != FOOTER_CONTENT_LEN
        || &bytes[8..16] != FOOTER_TAG
    {
        return Err(
            "it has no archive footer (the file is truncated or not a sealed segment)".into(),
        );
    }
    if u32_at(56) != crc32fast::hash(&bytes[8..56]) {
        return Err("its footer fails its CRC-32 check".into());
    }
    let meta = SegmentMeta {
        entries: u64_at(16),
        record_bytes: u64_at(24),
        stream_bytes: u64_at(32),
        min_time: u64_at(40) as i64,
        max_time: u64_at(48) as i64,
    };
    if meta.entries == 0 || meta.min_time > meta.max_time {
        return Err("its footer describes no entries".into());
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn names_round_trip() {
        for (seq, min, max) in [
            (0, 0, 0),
            (7, -5, -3),
            (1 << 40, i64::MIN, i64::MAX),
            (12, -1, 4),
        ] {
            let name = sealed_name(seq, min, max);
            assert_eq!(
                parse_name(&name),
                Some(Name::Sealed {
                    seq,
                    min_time: min,
                    max_time: max
                }),
                "{name}"
            );
        }
        assert_eq!(parse_name("000000000003.open"), Some(Name::Open { seq: 3 }));
        assert_eq!(
            parse_name("000000000003.recover"),
            Some(Name::Recovering { seq: 3 })
        );
        assert_eq!(parse_name("LOCK"), Some(Name::Lock));
        for other in [
            "3.open",
            "00000000000x.open",
            "000000000001-5-3.zst",
            "000000000001-+5-6.zst",
            "000000000001-05-6.zst",
            "000000000001-5.zst",
            "000000000001--.zst",
            "notes.txt",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn varints() {
        for value in [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            assert_eq!(out.len(), varint_len(value));
            assert_eq!(read_varint(&mut out.as_slice(), true).unwrap(), Some(value));
        }
        let overlong = [0xffu8; 10];
        assert!(read_varint(&mut overlong.as_slice(), true).is_err());
    }

    #[test]
    fn entries_round_trip_and_detect_damage() {
        let mut head = Vec::new();
        let crc = frame_entry(&mut head, -42, "suricata", "eve.json:12", b"{\"a\":1}");
        let mut framed = head.clone();
        framed.extend_from_slice(b"{\"a\":1}");
        framed.extend_from_slice(&crc);
        let mut body = Vec::new();
        let view = read_entry(&mut framed.as_slice(), &mut body)
            .unwrap()
            .unwrap();
        assert_eq!(
            (view.time, view.source, view.position, view.record),
            (-42, "suricata", "eve.json:12", &b"{\"a\":1}"[..])
        );
        assert_eq!(view.framed, framed.len());
        for cut in 1..framed.len() {
            assert!(
                matches!(
                    read_entry(&mut &framed[..cut], &mut body),
                    Err(FrameError::Truncated)
                ),
                "{cut}"
            );
        }
        for at in 0..framed.len() {
            let mut damaged = framed.clone();
            damaged[at] ^= 0x10;
            assert!(
                read_entry(&mut damaged.as_slice(), &mut body).is_err(),
                "{at}"
            );
        }
    }

    #[test]
    fn footers_round_trip_and_detect_damage() {
        let meta = SegmentMeta {
            entries: 3,
            record_bytes: 10,
            stream_bytes: 60,
            min_time: -1,
            max_time: 9,
        };
        let footer = encode_footer(&meta);
        assert_eq!(decode_footer(&footer).unwrap(), meta);
        for at in 0..60 {
            let mut damaged = footer;
            damaged[at] ^= 1;
            assert!(decode_footer(&damaged).is_err(), "{at}");
        }
    }
}
