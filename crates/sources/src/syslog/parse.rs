//! Syslog message headers: RFC 5424 and RFC 3164 (BSD), down to the MSG that carries the JSON.
//!
//! The parser borrows from the frame and reports the payload as a byte range, so the record is a
//! zero-copy slice of the received bytes. RFC 5424 is recognised by its VERSION field right
//! after the PRI (`<165>1 ...`); everything else with a PRI is read as RFC 3164.
//!
//! RFC 5424 is parsed strictly (every header field, the STRUCTURED-DATA grammar with its
//! escapes, the field length limits of §6), with the MSG after the structured data and an
//! optional UTF-8 BOM removed. RFC 3164 only recommends a layout, and real senders vary, so its
//! parser is tolerant: the `Mmm dd hh:mm:ss` timestamp (or an RFC 3339 one, as rsyslog
//! forwards) is optional, and the HOSTNAME and TAG are recognised by shape (a TAG ends in `:`
//! or `[pid]`). Because these sources carry JSON, a token starting with `{` or `[` is taken as
//! the start of the MSG — the only place the parser looks at the payload.

use std::ops::Range;

use serde::Serialize;

/// Which header format a syslog message followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogFormat {
    /// RFC 5424 (`<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`).
    Rfc5424,
    /// RFC 3164 / BSD (`<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG`).
    Rfc3164,
}

/// A parsed syslog message; the strings borrow from the frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogMessage<'a> {
    /// Which format the header followed.
    pub format: SyslogFormat,
    /// Facility (PRI / 8), 0..=23.
    pub facility: u8,
    /// Severity (PRI % 8), 0..=7.
    pub severity: u8,
    /// The timestamp as sent, if any (`-` in RFC 5424 gives `None`).
    pub timestamp: Option<&'a str>,
    /// HOSTNAME, if any.
    pub hostname: Option<&'a str>,
    /// RFC 5424 APP-NAME, or the RFC 3164 TAG without `[pid]` and `:`.
    pub app_name: Option<&'a str>,
    /// RFC 5424 PROCID, or the pid in an RFC 3164 TAG.
    pub proc_id: Option<&'a str>,
    /// RFC 5424 MSGID.
    pub msg_id: Option<&'a str>,
    /// Where the MSG lies in the frame: after the header (and a BOM), without trailing
    /// `\r`, `\n` or NUL bytes. Never empty.
    pub msg: Range<usize>,
}

/// Why a frame is not a syslog message with a payload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyslogError {
    /// Nothing was received.
    #[error("empty frame")]
    Empty,
    /// The frame does not start with `<`.
    #[error("no PRI: a syslog message starts with '<' and a priority number")]
    MissingPri,
    /// The `<PRI>` part is malformed.
    #[error("invalid PRI: {0}")]
    BadPri(&'static str),
    /// The header stops before a required field is complete (with its following space).
    #[error("the header ends early: its {0} is missing or incomplete")]
    Truncated(&'static str),
    /// A header field breaks its rules.
    #[error("invalid {field}: {reason}")]
    BadField {
        /// The field (RFC names).
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The RFC 5424 STRUCTURED-DATA is malformed.
    #[error("invalid STRUCTURED-DATA at byte {at}: {reason}")]
    BadStructuredData {
        /// Offset in the frame.
        at: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The message has a header but no payload.
    #[error("no MSG: the message carries no payload")]
    EmptyMessage,
}

/// Parses one syslog message (one UDP datagram or one TCP frame).
pub fn parse(frame: &[u8]) -> Result<SyslogMessage<'_>, SyslogError> {
    if frame.is_empty() {
        return Err(SyslogError::Empty);
    }
    let (pri, after_pri) = parse_pri(frame)?;
    match version_end(frame, after_pri) {
        Some(header) => parse_5424(frame, header, pri),
        None => parse_3164(frame, after_pri, pri),
    }
}

/// `<PRI>`: returns the value and the offset after `>`.
fn parse_pri(frame: &[u8]) -> Result<(u8, usize), SyslogError> {
    if frame.first() != Some(&b'<') {
        return Err(SyslogError::MissingPri);
    }
    let digits = frame[1..]
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    match digits {
        0 => return Err(SyslogError::BadPri("no digits after '<'")),
        4 => return Err(SyslogError::BadPri("more than 3 digits")),
        _ => {}
    }
    if frame.get(1 + digits) != Some(&b'>') {
        return Err(SyslogError::BadPri("missing '>' after the number"));
    }
    let value = frame[1..=digits]
        .iter()
        .fold(0u16, |v, d| v * 10 + u16::from(d - b'0'));
    let value = u8::try_from(value)
        .ok()
        .filter(|v| *v <= 191)
        .ok_or(SyslogError::BadPri("value above 191"))?;
    Ok((value, digits + 2))
}

/// If an RFC 5424 VERSION (a non-zero digit, at most 3 digits, then a space) starts at `at`,
/// the offset after its space.
fn version_end(frame: &[u8], at: usize) -> Option<usize> {
    let rest = frame.get(at..)?;
    if !matches!(rest.first(), Some(b'1'..=b'9')) {
        return None;
    }
    let digits = rest
        .iter()
        .take(4)
        .take_while(|b| b.is_ascii_digit())
        .count();
    (digits <= 3 && rest.get(digits) == Some(&b' ')).then_some(at + digits + 1)
}

/// A cursor over the frame.
struct Cursor<'a> {
    frame: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.frame.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.frame.len()
    }

    /// The bytes up to the next space (not included) or the end.
    fn token(&self) -> &'a [u8] {
        let rest = &self.frame[self.pos.min(self.frame.len())..];
        let len = memchr::memchr(b' ', rest).unwrap_or(rest.len());
        &rest[..len]
    }

    /// An RFC 5424 header field followed by a space: `None` for the NILVALUE `-`.
    fn field(&mut self, name: &'static str, max: usize) -> Result<Option<&'a str>, SyslogError> {
        if self.at_end() {
            return Err(SyslogError::Truncated(name));
        }
        let token = self.token();
        if self.pos + token.len() >= self.frame.len() {
            return Err(SyslogError::Truncated(name));
        }
        self.pos += token.len() + 1;
        if token == b"-" {
            return Ok(None);
        }
        printable(name, token, max).map(Some)
    }
}

/// Checks a header token: 1..=`max` printable US-ASCII characters.
fn printable<'a>(field: &'static str, token: &'a [u8], max: usize) -> Result<&'a str, SyslogError> {
    if token.is_empty() {
        return Err(SyslogError::BadField {
            field,
            reason: "empty (two spaces in a row?)".into(),
        });
    }
    if token.len() > max {
        return Err(SyslogError::BadField {
            field,
            reason: format!("longer than {max} characters"),
        });
    }
    if !token.iter().all(|b| (33..=126).contains(b)) {
        return Err(SyslogError::BadField {
            field,
            reason: "contains a character outside printable US-ASCII".into(),
        });
    }
    // Printable US-ASCII is valid UTF-8.
    std::str::from_utf8(token).map_err(|_| SyslogError::BadField {
        field,
        reason: "not UTF-8".into(),
    })
}

fn parse_5424(frame: &[u8], header: usize, pri: u8) -> Result<SyslogMessage<'_>, SyslogError> {
    let mut c = Cursor { frame, pos: header };
    let timestamp = c.field("TIMESTAMP", 64)?;
    let hostname = c.field("HOSTNAME", 255)?;
    let app_name = c.field("APP-NAME", 48)?;
    let proc_id = c.field("PROCID", 128)?;
    let msg_id = c.field("MSGID", 32)?;
    structured_data(&mut c)?;
    match c.peek() {
        None => return Err(SyslogError::EmptyMessage),
        Some(b' ') => c.pos += 1,
        Some(_) => {
            return Err(SyslogError::BadStructuredData {
                at: c.pos,
                reason: "expected a space before the MSG",
            });
        }
    }
    let mut start = c.pos;
    if frame[start..].starts_with(b"\xEF\xBB\xBF") {
        start += 3;
    }
    Ok(SyslogMessage {
        format: SyslogFormat::Rfc5424,
        facility: pri / 8,
        severity: pri % 8,
        timestamp,
        hostname,
        app_name,
        proc_id,
        msg_id,
        msg: payload(frame, start)?,
    })
}

/// Skips `-` or one or more `[SD-ID *(SP PARAM-NAME="PARAM-VALUE")]` elements.
fn structured_data(c: &mut Cursor<'_>) -> Result<(), SyslogError> {
    let bad = |at, reason| SyslogError::BadStructuredData { at, reason };
    match c.peek() {
        None => return Err(SyslogError::Truncated("STRUCTURED-DATA")),
        Some(b'-') => {
            c.pos += 1;
            return Ok(());
        }
        Some(b'[') => {}
        Some(_) => return Err(bad(c.pos, "expected '-' or '['")),
    }
    while c.peek() == Some(b'[') {
        c.pos += 1;
        sd_name(c)?;
        loop {
            match c.peek() {
                Some(b']') => {
                    c.pos += 1;
                    break;
                }
                Some(b' ') => {
                    c.pos += 1;
                    sd_name(c)?;
                    if c.peek() != Some(b'=') {
                        return Err(bad(c.pos, "expected '=' after PARAM-NAME"));
                    }
                    c.pos += 1;
                    if c.peek() != Some(b'"') {
                        return Err(bad(c.pos, "expected '\"' to open PARAM-VALUE"));
                    }
                    c.pos += 1;
                    param_value(c)?;
                }
                Some(_) => return Err(bad(c.pos, "expected ' ' or ']' in SD-ELEMENT")),
                None => return Err(bad(c.pos, "unterminated SD-ELEMENT")),
            }
        }
    }
    Ok(())
}

/// SD-NAME: 1..=32 printable US-ASCII except `=`, space, `]` and `"`.
fn sd_name(c: &mut Cursor<'_>) -> Result<(), SyslogError> {
    let start = c.pos;
    while let Some(b) = c.peek() {
        if !(33..=126).contains(&b) || matches!(b, b'=' | b']' | b'"') {
            break;
        }
        c.pos += 1;
    }
    let len = c.pos - start;
    if len == 0 || len > 32 {
        return Err(SyslogError::BadStructuredData {
            at: start,
            reason: if len == 0 {
                "empty SD-NAME"
            } else {
                "SD-NAME longer than 32 characters"
            },
        });
    }
    Ok(())
}

/// Skips a PARAM-VALUE up to and including its closing quote; `\"`, `\\` and `\]` are escapes.
fn param_value(c: &mut Cursor<'_>) -> Result<(), SyslogError> {
    let start = c.pos;
    while let Some(b) = c.peek() {
        match b {
            b'\\' => c.pos += 2,
            b'"' => {
                c.pos += 1;
                return Ok(());
            }
            _ => c.pos += 1,
        }
    }
    Err(SyslogError::BadStructuredData {
        at: start,
        reason: "unterminated PARAM-VALUE",
    })
}

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Whether `s` starts with an RFC 3164 timestamp `Mmm dd hh:mm:ss` (day space-padded).
fn is_bsd_timestamp(s: &[u8]) -> bool {
    let Some(s) = s.get(..15) else { return false };
    let digit = |i: usize| s[i].is_ascii_digit();
    MONTHS.iter().any(|m| &s[..3] == *m)
        && s[3] == b' '
        && (s[4] == b' ' || digit(4))
        && digit(5)
        && s[6] == b' '
        && digit(7)
        && digit(8)
        && s[9] == b':'
        && digit(10)
        && digit(11)
        && s[12] == b':'
        && digit(13)
        && digit(14)
}

/// Whether a token looks like an RFC 3339 timestamp (`2025-01-02T03:04:05...`).
fn is_iso_timestamp(token: &[u8]) -> bool {
    token.len() >= 19
        && token[..4].iter().all(u8::is_ascii_digit)
        && token[4] == b'-'
        && matches!(token[10], b'T' | b't')
        && token[13] == b':'
}

/// If `token` is an RFC 3164 TAG (`name:`, `name[pid]:` or `name[pid]`), its name and pid.
fn as_tag(token: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let (body, colon) = match token.strip_suffix(b":") {
        Some(body) => (body, true),
        None => (token, false),
    };
    if let Some(inner) = body.strip_suffix(b"]")
        && let Some(open) = memchr::memchr(b'[', inner)
    {
        return Some((&inner[..open], Some(&inner[open + 1..])));
    }
    colon.then_some((body, None))
}

fn starts_payload(token: &[u8]) -> bool {
    matches!(token.first(), Some(b'{' | b'['))
}

fn parse_3164(frame: &[u8], after_pri: usize, pri: u8) -> Result<SyslogMessage<'_>, SyslogError> {
    let mut c = Cursor {
        frame,
        pos: after_pri,
    };
    let skip_spaces = |c: &mut Cursor<'_>| {
        while c.peek() == Some(b' ') {
            c.pos += 1;
        }
    };
    let mut timestamp = None;
    if is_bsd_timestamp(&frame[c.pos..]) {
        timestamp = Some(printable_lossy(&frame[c.pos..c.pos + 15]));
        c.pos += 15;
    } else if is_iso_timestamp(c.token()) {
        let token = c.token();
        timestamp = Some(printable("TIMESTAMP", token, 64)?);
        c.pos += token.len();
    }
    skip_spaces(&mut c);

    let mut hostname = None;
    let mut app_name = None;
    let mut proc_id = None;
    let first = c.token();
    if !first.is_empty() && !starts_payload(first) {
        if let Some((name, pid)) = as_tag(first) {
            (app_name, proc_id) = tag_fields(name, pid)?;
            c.pos += first.len();
        } else {
            hostname = Some(printable("HOSTNAME", first, 255)?);
            c.pos += first.len();
            skip_spaces(&mut c);
            let second = c.token();
            if let Some((name, pid)) = as_tag(second).filter(|_| !starts_payload(second)) {
                (app_name, proc_id) = tag_fields(name, pid)?;
                c.pos += second.len();
            }
        }
    }
    skip_spaces(&mut c);
    Ok(SyslogMessage {
        format: SyslogFormat::Rfc3164,
        facility: pri / 8,
        severity: pri % 8,
        timestamp,
        hostname,
        app_name,
        proc_id,
        msg_id: None,
        msg: payload(frame, c.pos)?,
    })
}

type TagFields<'a> = (Option<&'a str>, Option<&'a str>);

fn tag_fields<'a>(name: &'a [u8], pid: Option<&'a [u8]>) -> Result<TagFields<'a>, SyslogError> {
    let name = if name.is_empty() {
        None
    } else {
        Some(printable("TAG", name, 48)?)
    };
    let pid = match pid {
        Some(pid) if !pid.is_empty() => Some(printable("TAG pid", pid, 128)?),
        _ => None,
    };
    Ok((name, pid))
}

/// A BSD timestamp is known to be ASCII; this never fails.
fn printable_lossy(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// The payload range from `start`, without trailing line terminators; an error if empty.
fn payload(frame: &[u8], start: usize) -> Result<Range<usize>, SyslogError> {
    let mut end = frame.len();
    while end > start && matches!(frame[end - 1], b'\n' | b'\r' | b'\0') {
        end -= 1;
    }
    if end <= start {
        return Err(SyslogError::EmptyMessage);
    }
    Ok(start..end)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// (frame, format, facility, severity, timestamp, hostname, app, procid, msg)
    type Row = (
        &'static [u8],
        SyslogFormat,
        u8,
        u8,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        &'static [u8],
    );

    #[test]
    fn well_formed_messages() {
        use SyslogFormat::{Rfc3164, Rfc5424};
        let table: &[Row] = &[
            // RFC 5424 §6.5 example 1 shape, JSON payload, no SD.
            (
                b"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - {\"a\":1}",
                Rfc5424, 4, 2, Some("2003-10-11T22:14:15.003Z"), Some("mymachine.example.com"),
                Some("su"), None, b"{\"a\":1}",
            ),
            // BOM before the MSG is removed.
            (
                b"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - \xEF\xBB\xBF{\"b\":2}",
                Rfc5424, 20, 5, Some("2003-08-24T05:14:15.000003-07:00"), Some("192.0.2.1"),
                Some("myproc"), Some("8710"), b"{\"b\":2}",
            ),
            // Structured data with escapes, several elements; all NILVALUEs.
            (
                b"<13>1 - - - - - [exampleSDID@32473 iut=\"3\" eventSource=\"App\\\"li]cation\\]\"][x@1 k=\"\"] {\"c\":3}\n",
                Rfc5424, 1, 5, None, None, None, None, b"{\"c\":3}",
            ),
            // RFC 3164 with host and tag[pid].
            (
                b"<34>Oct 11 22:14:15 mymachine su[123]: {\"d\":4}",
                Rfc3164, 4, 2, Some("Oct 11 22:14:15"), Some("mymachine"), Some("su"),
                Some("123"), b"{\"d\":4}",
            ),
            // Space-padded day, tag without pid, CRLF trailer.
            (
                b"<13>Feb  5 01:02:03 host suricata: {\"e\":5}\r\n",
                Rfc3164, 1, 5, Some("Feb  5 01:02:03"), Some("host"), Some("suricata"), None,
                b"{\"e\":5}",
            ),
            // No hostname (local sender): the first token is the tag.
            (
                b"<13>Feb 15 01:02:03 suricata[9]: {\"f\":6}",
                Rfc3164, 1, 5, Some("Feb 15 01:02:03"), None, Some("suricata"), Some("9"),
                b"{\"f\":6}",
            ),
            // RFC 3339 timestamp (rsyslog forwarding), host, no tag.
            (
                b"<14>2025-03-01T10:00:00.5+01:00 sensor7 {\"g\":7}",
                Rfc3164, 1, 6, Some("2025-03-01T10:00:00.5+01:00"), Some("sensor7"), None, None,
                b"{\"g\":7}",
            ),
            // Nothing but PRI and the payload.
            (b"<0>{\"h\":8}", Rfc3164, 0, 0, None, None, None, None, b"{\"h\":8}"),
            // PRI 191 is the largest.
            (b"<191>[1,2]", Rfc3164, 23, 7, None, None, None, None, b"[1,2]"),
        ];
        for (frame, format, fac, sev, ts, host, app, pid, msg) in table {
            let m = parse(frame)
                .unwrap_or_else(|e| panic!("{:?}: {e}", String::from_utf8_lossy(frame)));
            let name = String::from_utf8_lossy(frame);
            assert_eq!(m.format, *format, "{name}");
            assert_eq!((m.facility, m.severity), (*fac, *sev), "{name}");
            assert_eq!(m.timestamp, *ts, "{name}");
            assert_eq!(m.hostname, *host, "{name}");
            assert_eq!(m.app_name, *app, "{name}");
            assert_eq!(m.proc_id, *pid, "{name}");
            assert_eq!(&frame[m.msg.clone()], *msg, "{name}");
        }
    }

    #[test]
    fn malformed_messages_say_why() {
        let table: &[(&[u8], &str)] = &[
            (b"", "empty frame"),
            (b"hello", "no PRI"),
            (b"<>x", "no digits"),
            (b"<1234>x", "more than 3 digits"),
            (b"<12x", "missing '>'"),
            (b"<192>{}", "above 191"),
            (
                b"<13>1 2003-10-11T22:14:15Z host",
                "its HOSTNAME is missing",
            ),
            (
                b"<13>1 2003-10-11T22:14:15Z host ",
                "its APP-NAME is missing",
            ),
            (b"<13>1 - - - - -", "its MSGID is missing"),
            (b"<13>1 - - - - - ", "its STRUCTURED-DATA is missing"),
            (b"<13>1 - - - - - -", "no MSG"),
            (b"<13>1 - - - - - - \r\n", "no MSG"),
            (b"<13>1 - - - - - x {}", "expected '-' or '['"),
            (b"<13>1 - - - - - [id k=\"v] {}", "unterminated PARAM-VALUE"),
            (b"<13>1 - - - - - [id k=v] {}", "to open PARAM-VALUE"),
            (b"<13>1 - - - - - [] {}", "empty SD-NAME"),
            (b"<13>1 - - - - - [id]{}", "space before the MSG"),
            (b"<13>1 - - - - - [id k=\"v\"", "unterminated SD-ELEMENT"),
            (b"<13>1 - h\x01st - - - - {}", "outside printable"),
            (b"<13>Oct 11 22:14:15 host tag:", "no MSG"),
            (b"<13>Oct 11 22:14:15 host tag: \r\n", "no MSG"),
        ];
        for (frame, expected) in table {
            let err = parse(frame).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{:?}: expected {expected:?} in {err:?}",
                String::from_utf8_lossy(frame)
            );
        }
        let long_app = format!("<13>1 - - {} - - - {{}}", "a".repeat(49));
        let err = parse(long_app.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("APP-NAME: longer than 48"), "{err}");
        let ok_app = format!("<13>1 - - {} - - - {{}}", "a".repeat(48));
        assert_eq!(
            parse(ok_app.as_bytes()).unwrap().app_name.map(str::len),
            Some(48)
        );
    }
}
