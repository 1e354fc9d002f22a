//! The unit of delivery: a [`Record`] (bytes, origin, acknowledgement) inside a [`Batch`].

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use serde::Serialize;

use crate::ack::{Ack, AckError};
use crate::config::FormatHint;
use crate::stats::SourceStats;

/// One telemetry record: the bytes of one JSON object (one line, one syslog MSG, one NATS
/// message), where it came from, and how to acknowledge it.
///
/// `bytes` never includes the line terminator. It is a slice of a larger shared read buffer, so
/// holding a record keeps that buffer alive: drop records once processed.
#[derive(Debug)]
pub struct Record {
    /// The record's payload, exactly as received (minus framing).
    pub bytes: Bytes,
    /// Where the payload came from, for alerts to cite.
    pub origin: Origin,
    /// Tells the source the engine is done with the record.
    pub ack: Ack,
}

/// Where a record came from: the source's name and the position within that source.
///
/// Serialises as a flat JSON object, e.g.
/// `{"source":"eve","kind":"file","path":"/var/log/eve.json","line":42,"offset":8190}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The configured name of the source.
    pub source: Arc<str>,
    /// The position within the source.
    #[serde(flatten)]
    pub position: Position,
}

/// The position of a record within its source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Position {
    /// A line of a file.
    File {
        /// The file the line was read from, by the name it had when the source opened it (lines
        /// read from a file after it was rotated away still carry the name it was opened by).
        path: Arc<Path>,
        /// 1-based line number within that file (empty lines are counted, never delivered).
        line: u64,
        /// Byte offset of the line's first byte.
        offset: u64,
    },
    /// A line of standard input (or another byte stream).
    Stdin {
        /// 1-based line number.
        line: u64,
        /// Byte offset of the line's first byte.
        offset: u64,
    },
    /// A syslog message.
    Syslog(Box<SyslogPosition>),
    /// A line of an HTTP ingest request.
    Http {
        /// The client's address, when the server was started with connection info.
        peer: Option<SocketAddr>,
        /// Number of the request within this source since the node started (1-based).
        request: u64,
        /// 1-based line number within the request body.
        line: u64,
    },
    /// A NATS JetStream message.
    Nats {
        /// The stream the message is stored in.
        stream: Arc<str>,
        /// The subject it was published on.
        subject: Box<str>,
        /// Its sequence number in the stream (stable across redeliveries).
        stream_sequence: u64,
        /// Its delivery sequence for the consumer.
        consumer_sequence: u64,
        /// How many times it has been delivered (1 on the first delivery).
        delivered: u64,
    },
}

/// The transport a syslog message arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// One message per datagram.
    Udp,
    /// A framed TCP stream.
    Tcp,
}

/// The header fields of a syslog message kept with its payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyslogPosition {
    /// UDP or TCP.
    pub transport: Transport,
    /// The sender's address.
    pub peer: SocketAddr,
    /// Which message format the header followed.
    pub format: crate::syslog::SyslogFormat,
    /// Facility (PRI / 8).
    pub facility: u8,
    /// Severity (PRI % 8).
    pub severity: u8,
    /// The header's timestamp, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Box<str>>,
    /// The header's host name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<Box<str>>,
    /// RFC 5424 APP-NAME, or the RFC 3164 TAG without its `[pid]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub app_name: Option<Box<str>>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "source '{}' ", self.source)?;
        match &self.position {
            Position::File { path, line, offset } => {
                write!(f, "file {} line {line} (byte {offset})", path.display())
            }
            Position::Stdin { line, offset } => write!(f, "stdin line {line} (byte {offset})"),
            Position::Syslog(s) => {
                let transport = match s.transport {
                    Transport::Udp => "udp",
                    Transport::Tcp => "tcp",
                };
                write!(f, "syslog/{transport} from {}", s.peer)?;
                if let Some(host) = &s.hostname {
                    write!(f, " host {host}")?;
                }
                Ok(())
            }
            Position::Http {
                peer,
                request,
                line,
            } => {
                write!(f, "http request {request} line {line}")?;
                if let Some(peer) = peer {
                    write!(f, " from {peer}")?;
                }
                Ok(())
            }
            Position::Nats {
                stream,
                subject,
                stream_sequence,
                delivered,
                ..
            } => write!(
                f,
                "nats stream {stream} seq {stream_sequence} subject {subject} (delivery {delivered})"
            ),
        }
    }
}

/// Records of one source handed to the engine together.
///
/// All records of a batch come from the same source, whose counters and decoding hint travel
/// with the batch in `stats`.
#[derive(Debug)]
pub struct Batch {
    /// The producing source's identity and counters (the engine's `add_decoded`, ... hooks).
    pub stats: Arc<SourceStats>,
    /// The records, in the order the source read them.
    pub records: Vec<Record>,
}

impl Batch {
    /// The decoding hint of the batch's source.
    pub fn format(&self) -> FormatHint {
        self.stats.format()
    }

    /// The producing source's name.
    pub fn source(&self) -> &str {
        self.stats.name()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the batch holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Total payload bytes.
    pub fn bytes(&self) -> usize {
        self.records.iter().map(|r| r.bytes.len()).sum()
    }

    /// Acknowledges every record, for engines that process a batch as a whole. Every record is
    /// acknowledged even if some fail; the first failure is returned.
    pub async fn ack_all(self) -> Result<(), AckError> {
        let mut first = Ok(());
        for record in self.records {
            let result = record.ack.ack().await;
            if first.is_ok() {
                first = result;
            }
        }
        first
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn origins_serialise_flat_and_display_readably() {
        let origin = Origin {
            source: Arc::from("eve"),
            position: Position::File {
                path: Arc::from(Path::new("/var/log/eve.json")),
                line: 42,
                offset: 8190,
            },
        };
        let json = serde_json::to_value(&origin).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "source": "eve", "kind": "file", "path": "/var/log/eve.json",
                "line": 42, "offset": 8190
            })
        );
        assert_eq!(
            origin.to_string(),
            "source 'eve' file /var/log/eve.json line 42 (byte 8190)"
        );

        let syslog = Origin {
            source: Arc::from("relay"),
            position: Position::Syslog(Box::new(SyslogPosition {
                transport: Transport::Tcp,
                peer: "192.0.2.1:5000".parse().unwrap(),
                format: crate::syslog::SyslogFormat::Rfc5424,
                facility: 16,
                severity: 6,
                timestamp: Some("2025-01-02T03:04:05Z".into()),
                hostname: Some("sensor1".into()),
                app_name: None,
            })),
        };
        let json = serde_json::to_value(&syslog).unwrap();
        assert_eq!(json["kind"], "syslog");
        assert_eq!(json["transport"], "tcp");
        assert_eq!(json["format"], "rfc5424");
        assert_eq!(json["hostname"], "sensor1");
        assert!(json.get("app_name").is_none());
        assert_eq!(
            syslog.to_string(),
            "source 'relay' syslog/tcp from 192.0.2.1:5000 host sensor1"
        );
    }
}
