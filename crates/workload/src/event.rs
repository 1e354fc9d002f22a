//! The format-neutral event model.
//!
//! An [`Event`] holds the facts of one piece of sensor telemetry: endpoints, time, and the
//! application-layer values indicators can match. The EVE and Zeek renderers turn the same
//! event into each sensor's JSON, and the observed-data builder turns it into STIX, so the
//! three views of an event always carry the same observable values.

use std::net::IpAddr;

use crate::config::TelemetryFormat;

/// The kind of telemetry record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum EventType {
    /// A DNS query. EVE `dns`; Zeek `dns`.
    Dns,
    /// An HTTP transaction. EVE `http`; Zeek `http`.
    Http,
    /// A TLS handshake. EVE `tls`; Zeek `ssl`.
    Tls,
    /// A finished connection. EVE `flow`; Zeek `conn`.
    Flow,
    /// A file transferred over HTTP. EVE `fileinfo`; Zeek `files`.
    File,
    /// An SMTP transaction. EVE `smtp`; Zeek `smtp`.
    Smtp,
    /// A signature alert. EVE `alert`; Zeek `notice`.
    Alert,
    /// A server certificate seen in a TLS handshake. EVE `tls` (with `fingerprint`); Zeek
    /// `files` with an X.509 MIME type (as logged with `X509::log_x509_in_files_log = T`).
    Certificate,
}

impl EventType {
    /// Every type, in declaration order (the order of [`crate::EventMix`]).
    pub const ALL: [EventType; 8] = [
        EventType::Dns,
        EventType::Http,
        EventType::Tls,
        EventType::Flow,
        EventType::File,
        EventType::Smtp,
        EventType::Alert,
        EventType::Certificate,
    ];

    /// The record's name in a format: EVE `event_type` or Zeek log path.
    pub fn record_name(self, format: TelemetryFormat) -> &'static str {
        match (format, self) {
            (TelemetryFormat::Eve, EventType::Dns) => "dns",
            (TelemetryFormat::Eve, EventType::Http) => "http",
            (TelemetryFormat::Eve, EventType::Tls | EventType::Certificate) => "tls",
            (TelemetryFormat::Eve, EventType::Flow) => "flow",
            (TelemetryFormat::Eve, EventType::File) => "fileinfo",
            (TelemetryFormat::Eve, EventType::Smtp) => "smtp",
            (TelemetryFormat::Eve, EventType::Alert) => "alert",
            (TelemetryFormat::Zeek, EventType::Dns) => "dns",
            (TelemetryFormat::Zeek, EventType::Http) => "http",
            (TelemetryFormat::Zeek, EventType::Tls) => "ssl",
            (TelemetryFormat::Zeek, EventType::Flow) => "conn",
            (TelemetryFormat::Zeek, EventType::File | EventType::Certificate) => "files",
            (TelemetryFormat::Zeek, EventType::Smtp) => "smtp",
            (TelemetryFormat::Zeek, EventType::Alert) => "notice",
        }
    }
}

/// Transport protocol of an event's connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TCP
    Tcp,
    /// UDP
    Udp,
}

impl Transport {
    /// Lowercase name (`tcp`, `udp`), as Zeek and STIX `protocols` write it.
    pub fn lower(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }

    /// Uppercase name (`TCP`, `UDP`), as EVE `proto` writes it.
    pub fn upper(self) -> &'static str {
        match self {
            Transport::Tcp => "TCP",
            Transport::Udp => "UDP",
        }
    }
}

/// One telemetry event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Zero-based position in the event stream (the line number in `events.jsonl`).
    pub index: u64,
    /// Time in microseconds since the Unix epoch.
    pub time_us: i64,
    /// EVE `flow_id`; Zeek `uid` is derived from it.
    pub flow_id: u64,
    /// Client (EVE `src_ip`, Zeek `id.orig_h`).
    pub src: IpAddr,
    /// Client port.
    pub src_port: u16,
    /// Server (EVE `dest_ip`, Zeek `id.resp_h`).
    pub dst: IpAddr,
    /// Server port.
    pub dst_port: u16,
    /// Transport protocol.
    pub transport: Transport,
    /// The application-layer record.
    pub body: Body,
}

/// The application-layer part of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A DNS query.
    Dns(DnsQuery),
    /// An HTTP transaction.
    Http(HttpTx),
    /// A TLS handshake.
    Tls(TlsSession),
    /// A finished connection.
    Flow(FlowStats),
    /// A file downloaded over HTTP.
    File(FileTransfer),
    /// An SMTP transaction.
    Smtp(SmtpTx),
    /// A signature alert.
    Alert(AlertInfo),
    /// A server certificate.
    Certificate(CertFile),
}

impl Body {
    /// The event type of this body.
    pub fn event_type(&self) -> EventType {
        match self {
            Body::Dns(_) => EventType::Dns,
            Body::Http(_) => EventType::Http,
            Body::Tls(_) => EventType::Tls,
            Body::Flow(_) => EventType::Flow,
            Body::File(_) => EventType::File,
            Body::Smtp(_) => EventType::Smtp,
            Body::Alert(_) => EventType::Alert,
            Body::Certificate(_) => EventType::Certificate,
        }
    }
}

/// Which Suricata DNS layout a DNS event is written in (Zeek ignores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DnsVersion {
    /// One query per event, flat `rrname`.
    V2,
    /// `queries` array.
    V3,
}

/// A DNS query.
#[derive(Debug, Clone, PartialEq)]
pub struct DnsQuery {
    /// DNS transaction id.
    pub id: u16,
    /// Queried names. One in v2 and Zeek events (only the first is written there); v3
    /// events sometimes carry two.
    pub names: Vec<String>,
    /// Record type name (`A`, `AAAA`, `HTTPS`, …).
    pub rrtype: &'static str,
    /// EVE layout.
    pub version: DnsVersion,
}

/// An HTTP transaction. The request URL is `http://{host}{path}`.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpTx {
    /// `Host` header.
    pub host: String,
    /// Request target (path and query).
    pub path: String,
    /// Request method.
    pub method: &'static str,
    /// `User-Agent` header.
    pub user_agent: &'static str,
    /// Response status code.
    pub status: u16,
    /// Response body length.
    pub length: u32,
    /// Response `Content-Type`.
    pub content_type: &'static str,
}

/// A TLS handshake with the server certificate's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct TlsSession {
    /// Server Name Indication.
    pub sni: String,
    /// Certificate subject CN.
    pub subject_cn: String,
    /// Certificate issuer DN.
    pub issuer: &'static str,
    /// Certificate serial number.
    pub serial: [u8; 9],
    /// SHA-1 fingerprint of the certificate (EVE `fingerprint`).
    pub sha1: [u8; 20],
    /// SHA-256 fingerprint of the certificate (Zeek `cert_chain_fps`).
    pub sha256: [u8; 32],
    /// Protocol version (`TLS 1.2`, `TLS 1.3`).
    pub version: &'static str,
    /// Certificate validity start, seconds since the epoch.
    pub not_before: i64,
}

/// Connection statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowStats {
    /// Packets client to server.
    pub pkts_toserver: u64,
    /// Packets server to client.
    pub pkts_toclient: u64,
    /// Bytes client to server.
    pub bytes_toserver: u64,
    /// Bytes server to client.
    pub bytes_toclient: u64,
    /// Duration in seconds.
    pub age_s: u32,
    /// Whether the server answered (Zeek `SF` versus `S0`).
    pub established: bool,
}

/// A file downloaded over HTTP.
#[derive(Debug, Clone, PartialEq)]
pub struct FileTransfer {
    /// The HTTP transaction that carried the file.
    pub http: HttpTx,
    /// File name (last path segment).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// MD5 of the content.
    pub md5: [u8; 16],
    /// SHA-1 of the content.
    pub sha1: [u8; 20],
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
    /// Zeek file id seed.
    pub fuid: u64,
}

/// An SMTP transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct SmtpTx {
    /// HELO/EHLO argument (a host name).
    pub helo: String,
    /// Envelope sender address (without angle brackets).
    pub mail_from: String,
    /// Envelope recipient address (without angle brackets).
    pub rcpt_to: String,
    /// Display name of the sender in the `From` header.
    pub from_name: &'static str,
    /// `Subject` header.
    pub subject: &'static str,
}

/// A signature alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertInfo {
    /// Rule id.
    pub signature_id: u32,
    /// Rule message.
    pub signature: &'static str,
    /// Classtype description.
    pub category: &'static str,
    /// Rule priority (1 is most severe).
    pub severity: u8,
}

/// A server certificate transferred in a TLS handshake.
#[derive(Debug, Clone, PartialEq)]
pub struct CertFile {
    /// SHA-1 of the DER certificate.
    pub sha1: [u8; 20],
    /// MD5 of the DER certificate.
    pub md5: [u8; 16],
    /// DER size in bytes.
    pub size: u32,
    /// Zeek file id seed.
    pub fuid: u64,
}

impl Event {
    /// The EVE or Zeek record name of this event.
    pub fn record_name(&self, format: TelemetryFormat) -> &'static str {
        self.body.event_type().record_name(format)
    }

    /// The application-layer protocol name, where the event has one.
    pub fn app_proto(&self) -> Option<&'static str> {
        match self.body {
            Body::Dns(_) => Some("dns"),
            Body::Http(_) | Body::File(_) => Some("http"),
            Body::Tls(_) | Body::Certificate(_) => Some("tls"),
            Body::Smtp(_) => Some("smtp"),
            Body::Flow(_) | Body::Alert(_) => None,
        }
    }
}

impl Event {
    /// Appends the event's JSON object in `format` (no newline) to `out`.
    pub fn write_json(
        &self,
        format: TelemetryFormat,
        out: &mut Vec<u8>,
    ) -> Result<(), crate::WorkloadError> {
        match format {
            TelemetryFormat::Eve => crate::eve::write(self, out),
            TelemetryFormat::Zeek => crate::zeek::write(self, out),
        }
        .map_err(|source| crate::WorkloadError::Serialize {
            what: "event",
            source,
        })
    }

    /// The event's JSON object in `format`, as a string without a newline.
    pub fn to_json(&self, format: TelemetryFormat) -> Result<String, crate::WorkloadError> {
        let mut out = Vec::with_capacity(512);
        self.write_json(format, &mut out)?;
        String::from_utf8(out).map_err(|e| crate::WorkloadError::Serialize {
            what: "event",
            source: serde::ser::Error::custom(e),
        })
    }
}
