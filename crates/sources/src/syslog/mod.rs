//! Syslog over UDP and TCP carrying JSON payloads.
//!
//! - [`parse`]: RFC 5424 and RFC 3164 headers down to the MSG (the record's bytes).
//! - [`framing`]: RFC 6587 octet counting and newline framing on TCP, recognised per frame.
//! - [`SyslogUdpSource`]: one message per datagram.
//! - [`SyslogTcpSource`]: a listener with a bounded number of connections.
//!
//! Each record's origin keeps the sender's address and the header's host name, app name and
//! timestamp. A malformed frame or header is counted in the source's errors with a sample of the
//! reason and the peer; it never stops the listener or the connection, and the messages around
//! it are delivered. Syslog has no acknowledgements, so records carry no-op [`crate::Ack`]s;
//! backpressure on TCP is by not reading the socket, on UDP the kernel drops what does not fit
//! its receive buffer.

pub mod framing;
pub mod parse;
mod tcp;
mod udp;

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;

pub use parse::{SyslogError, SyslogFormat, SyslogMessage};
pub use tcp::SyslogTcpSource;
pub use udp::SyslogUdpSource;

use crate::ack::Ack;
use crate::record::{Origin, Position, Record, SyslogPosition, Transport};
use crate::stats::SourceStats;

/// Parses one frame and turns it into a record, or counts why it could not.
fn frame_to_record(
    stats: &SourceStats,
    name: &Arc<str>,
    frame: Bytes,
    peer: SocketAddr,
    transport: Transport,
) -> Option<Record> {
    let message = match parse::parse(&frame) {
        Ok(message) => message,
        Err(error) => {
            let transport = match transport {
                Transport::Udp => "udp",
                Transport::Tcp => "tcp",
            };
            stats.note_error(format!("syslog/{transport} from {peer}"), error);
            return None;
        }
    };
    let boxed = |s: Option<&str>| s.map(Box::from);
    let position = SyslogPosition {
        transport,
        peer,
        format: message.format,
        facility: message.facility,
        severity: message.severity,
        timestamp: boxed(message.timestamp),
        hostname: boxed(message.hostname),
        app_name: boxed(message.app_name),
    };
    Some(Record {
        bytes: frame.slice(message.msg),
        origin: Origin {
            source: Arc::clone(name),
            position: Position::Syslog(Box::new(position)),
        },
        ack: Ack::noop(),
    })
}
