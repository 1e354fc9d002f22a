//! Configuration of sources: one `[[detect.sources]]` table per source in the node's TOML.
//!
//! Every table names its `kind` and carries that kind's settings; unknown keys are rejected so a
//! misspelt setting is an error instead of a silently ignored line. Sizes are in bytes and
//! durations in milliseconds (the `_bytes` / `_ms` suffix says which).
//!
//! ```toml
//! [[detect.sources]]
//! kind = "file"
//! name = "suricata"
//! format = "eve"
//! path = "/var/log/suricata/eve.json"
//!
//! [[detect.sources]]
//! kind = "syslog-tcp"
//! name = "zeek-relay"
//! format = "zeek"
//! listen = "0.0.0.0:6514"
//!
//! [[detect.sources]]
//! kind = "nats"
//! name = "shared"
//! format = "eve"
//! url = "nats://127.0.0.1:4222"
//! stream = "TELEMETRY"
//! subject = "telemetry.eve"
//! durable = "detect"
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;

/// The default longest line (or message) accepted: 1 MiB.
pub const DEFAULT_MAX_LINE_BYTES: usize = 1024 * 1024;
/// The default number of records gathered into one batch before it is handed on.
pub const DEFAULT_BATCH_RECORDS: usize = 1024;

/// How the engine should decode the records of a source. The sources crate never looks inside a
/// record; it passes this hint along with every batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FormatHint {
    /// Suricata EVE JSON, one event per record.
    Eve,
    /// Zeek logs written as JSON (`LogAscii::use_json = T`), one entry per record.
    Zeek,
    /// Any other JSON object per record, decoded through the engine's field mapping.
    Json,
}

impl FormatHint {
    /// The name used in configuration files and metrics (`eve`, `zeek`, `json`).
    pub fn as_str(self) -> &'static str {
        match self {
            FormatHint::Eve => "eve",
            FormatHint::Zeek => "zeek",
            FormatHint::Json => "json",
        }
    }
}

impl std::fmt::Display for FormatHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One configured source: a `[[detect.sources]]` table, selected by its `kind` key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SourceConfig {
    /// `kind = "file"`: a file followed like `tail -F`, or read once (`follow = false`).
    File(FileConfig),
    /// `kind = "stdin"`: the node's standard input, read to its end.
    Stdin(StdinConfig),
    /// `kind = "syslog-udp"`: syslog datagrams, one message each.
    SyslogUdp(SyslogUdpConfig),
    /// `kind = "syslog-tcp"`: syslog over TCP, octet-counted or newline-framed.
    SyslogTcp(SyslogTcpConfig),
    /// `kind = "http"`: `POST /ingest/{name}` with newline-delimited JSON bodies.
    Http(HttpConfig),
    /// `kind = "nats"`: a durable pull consumer on a NATS JetStream stream.
    Nats(NatsConfig),
}

impl SourceConfig {
    /// The source's name, unique among the node's sources; it labels metrics and record origins.
    pub fn name(&self) -> &str {
        match self {
            SourceConfig::File(c) => &c.name,
            SourceConfig::Stdin(c) => &c.name,
            SourceConfig::SyslogUdp(c) => &c.name,
            SourceConfig::SyslogTcp(c) => &c.name,
            SourceConfig::Http(c) => &c.name,
            SourceConfig::Nats(c) => &c.name,
        }
    }

    /// The decoding hint passed to the engine with every batch of this source.
    pub fn format(&self) -> FormatHint {
        match self {
            SourceConfig::File(c) => c.format,
            SourceConfig::Stdin(c) => c.format,
            SourceConfig::SyslogUdp(c) => c.format,
            SourceConfig::SyslogTcp(c) => c.format,
            SourceConfig::Http(c) => c.format,
            SourceConfig::Nats(c) => c.format,
        }
    }

    /// Checks the settings that serde cannot: non-empty names, non-zero sizes and counts.
    ///
    /// Returns every problem found, each naming the source and the key to fix.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        let name = self.name();
        if name.trim().is_empty() {
            problems.push("`name` is empty; give every source a unique name".to_owned());
        }
        let mut positive = |key: &str, value: usize| {
            if value == 0 {
                problems.push(format!("`{key}` must be at least 1"));
            }
        };
        match self {
            SourceConfig::File(c) => {
                positive("max_line_bytes", c.max_line_bytes);
                positive("batch_records", c.batch_records);
                positive("read_chunk_bytes", c.read_chunk_bytes);
                positive("poll_interval_ms", c.poll_interval_ms as usize);
                if c.path.as_os_str().is_empty() {
                    problems.push("`path` is empty".to_owned());
                }
            }
            SourceConfig::Stdin(c) => {
                positive("max_line_bytes", c.max_line_bytes);
                positive("batch_records", c.batch_records);
            }
            SourceConfig::SyslogUdp(c) => {
                positive("batch_records", c.batch_records);
            }
            SourceConfig::SyslogTcp(c) => {
                positive("max_message_bytes", c.max_message_bytes);
                positive("max_connections", c.max_connections);
                positive("batch_records", c.batch_records);
            }
            SourceConfig::Http(c) => {
                positive("max_body_bytes", c.max_body_bytes);
                positive("max_line_bytes", c.max_line_bytes);
                positive("retry_after_secs", c.retry_after_secs as usize);
            }
            SourceConfig::Nats(c) => {
                positive("batch_records", c.batch_records);
                positive("ack_wait_ms", c.ack_wait_ms as usize);
                for (key, value) in [
                    ("url", &c.url),
                    ("stream", &c.stream),
                    ("durable", &c.durable),
                ] {
                    if value.trim().is_empty() {
                        problems.push(format!("`{key}` is empty"));
                    }
                }
                if c.durable.contains(['.', '*', '>', ' ']) {
                    problems.push(
                        "`durable` may not contain '.', '*', '>' or spaces (NATS consumer names)"
                            .to_owned(),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                name: name.to_owned(),
                problems,
            })
        }
    }
}

/// Where a followed file starts when no offset was saved for it yet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartAt {
    /// Read the whole existing file (the default).
    #[default]
    Beginning,
    /// Skip what the file holds now and read only what is appended later.
    End,
}

/// Settings of a `kind = "file"` source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Unique source name (labels metrics, origins and the saved offset).
    pub name: String,
    /// Decoding hint for the engine.
    pub format: FormatHint,
    /// The file to read. With `follow = true` it need not exist yet: the source waits for it.
    pub path: PathBuf,
    /// `true` (default): follow the file like `tail -F`, across rotation and truncation, and
    /// resume at the saved offset after a restart. `false`: read it once to its end (offline
    /// runs), with no saved offset.
    #[serde(default = "default_true")]
    pub follow: bool,
    /// Where to start when no offset was saved yet (`beginning` or `end`). Ignored once an
    /// offset exists and for files that appear after the source started (those are new, so they
    /// are read from their beginning).
    #[serde(default)]
    pub start_at: StartAt,
    /// Longest line accepted, in bytes; longer lines are counted as errors and skipped without
    /// being held in memory. Default 1 MiB.
    #[serde(default = "default_max_line")]
    pub max_line_bytes: usize,
    /// Size of each read from the file, in bytes. Default 256 KiB.
    #[serde(default = "default_read_chunk")]
    pub read_chunk_bytes: usize,
    /// Records per batch handed to the engine. Default 1024.
    #[serde(default = "default_batch")]
    pub batch_records: usize,
    /// How often to look for new data, rotation or truncation once the end of the file is
    /// reached, in milliseconds. Default 250.
    #[serde(default = "default_poll_ms")]
    pub poll_interval_ms: u64,
    /// How often the acknowledged offset is saved, in milliseconds. Default 1000. `0` means the
    /// source never saves on its own: the engine saves through
    /// [`crate::file::FileProgress::flush`] or its own [`crate::file::OffsetStore`].
    #[serde(default = "default_commit_ms")]
    pub commit_interval_ms: u64,
}

impl FileConfig {
    /// A followed-file configuration with every optional setting at its default.
    pub fn new(name: impl Into<String>, format: FormatHint, path: impl Into<PathBuf>) -> Self {
        FileConfig {
            name: name.into(),
            format,
            path: path.into(),
            follow: true,
            start_at: StartAt::Beginning,
            max_line_bytes: DEFAULT_MAX_LINE_BYTES,
            read_chunk_bytes: default_read_chunk(),
            batch_records: DEFAULT_BATCH_RECORDS,
            poll_interval_ms: default_poll_ms(),
            commit_interval_ms: default_commit_ms(),
        }
    }
}

/// Settings of a `kind = "stdin"` source (no resume: standard input cannot be re-read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdinConfig {
    /// Unique source name.
    pub name: String,
    /// Decoding hint for the engine.
    pub format: FormatHint,
    /// Longest line accepted, in bytes. Default 1 MiB.
    #[serde(default = "default_max_line")]
    pub max_line_bytes: usize,
    /// Records per batch. Default 1024.
    #[serde(default = "default_batch")]
    pub batch_records: usize,
}

/// Settings of a `kind = "syslog-udp"` source: one syslog message (RFC 5424 or RFC 3164) per
/// datagram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogUdpConfig {
    /// Unique source name.
    pub name: String,
    /// Decoding hint for the engine (the format of the JSON carried in the syslog MSG).
    pub format: FormatHint,
    /// Address and port to receive on, e.g. `"0.0.0.0:5514"` (port 0 picks a free port).
    pub listen: SocketAddr,
    /// Most datagrams gathered into one batch. Default 1024.
    #[serde(default = "default_batch")]
    pub batch_records: usize,
}

/// Settings of a `kind = "syslog-tcp"` source. The framing (RFC 6587 octet counting or
/// newline-terminated) is recognised frame by frame, so both may share a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogTcpConfig {
    /// Unique source name.
    pub name: String,
    /// Decoding hint for the engine.
    pub format: FormatHint,
    /// Address and port to listen on, e.g. `"0.0.0.0:6514"`.
    pub listen: SocketAddr,
    /// Longest syslog message accepted, in bytes; longer frames are counted and skipped.
    /// Default 1 MiB.
    #[serde(default = "default_max_line")]
    pub max_message_bytes: usize,
    /// Most connections served at once; further clients wait in the listen backlog.
    /// Default 256.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// A connection that sends nothing for this long is closed, in milliseconds. `0` keeps idle
    /// connections open forever. Default 600000 (10 minutes).
    #[serde(default = "default_idle_ms")]
    pub idle_timeout_ms: u64,
    /// Records per batch. Default 1024.
    #[serde(default = "default_batch")]
    pub batch_records: usize,
}

/// Settings of a `kind = "http"` source, served at `POST /ingest/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Unique source name; also the last segment of the ingest URL.
    pub name: String,
    /// Decoding hint for the engine.
    pub format: FormatHint,
    /// Largest request body accepted, in bytes (413 above it). Default 16 MiB.
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Longest line accepted inside a body, in bytes; longer lines are skipped and reported in
    /// the answer. Default 1 MiB.
    #[serde(default = "default_max_line")]
    pub max_line_bytes: usize,
    /// Seconds announced in `Retry-After` when the queue is full (429). Default 1.
    #[serde(default = "default_retry_after")]
    pub retry_after_secs: u64,
}

/// Settings of a `kind = "nats"` source: a durable pull consumer shared by every detection
/// worker that names the same `stream` and `durable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsConfig {
    /// Unique source name.
    pub name: String,
    /// Decoding hint for the engine.
    pub format: FormatHint,
    /// Server URL, e.g. `"nats://127.0.0.1:4222"`; several may be given separated by commas.
    pub url: String,
    /// The JetStream stream holding the telemetry. It must exist unless `create_stream` is set.
    pub stream: String,
    /// Subject filter of the consumer (e.g. `"telemetry.eve"` or `"telemetry.>"`); absent means
    /// every subject of the stream.
    #[serde(default)]
    pub subject: Option<String>,
    /// Durable consumer name. Workers naming the same durable share the messages: each message
    /// is delivered to one of them.
    pub durable: String,
    /// Create the stream (capturing `subject`) if it does not exist. Default `false`.
    #[serde(default)]
    pub create_stream: bool,
    /// Most messages pulled and handed on as one batch. Default 256.
    #[serde(default = "default_nats_batch")]
    pub batch_records: usize,
    /// How long the server waits for an acknowledgement before redelivering, in milliseconds.
    /// Default 30000. Applies when the consumer is created.
    #[serde(default = "default_ack_wait_ms")]
    pub ack_wait_ms: u64,
    /// Deliveries after which the server gives up on a message; absent means no limit.
    #[serde(default)]
    pub max_deliver: Option<u32>,
    /// Most messages delivered but not yet acknowledged across all workers; absent leaves the
    /// server's default (1000).
    #[serde(default)]
    pub max_ack_pending: Option<u32>,
}

impl NatsConfig {
    /// A NATS configuration with every optional setting at its default.
    pub fn new(
        name: impl Into<String>,
        format: FormatHint,
        url: impl Into<String>,
        stream: impl Into<String>,
        durable: impl Into<String>,
    ) -> Self {
        NatsConfig {
            name: name.into(),
            format,
            url: url.into(),
            stream: stream.into(),
            subject: None,
            durable: durable.into(),
            create_stream: false,
            batch_records: default_nats_batch(),
            ack_wait_ms: default_ack_wait_ms(),
            max_deliver: None,
            max_ack_pending: None,
        }
    }
}

fn default_true() -> bool {
    true
}
fn default_max_line() -> usize {
    DEFAULT_MAX_LINE_BYTES
}
fn default_read_chunk() -> usize {
    256 * 1024
}
fn default_batch() -> usize {
    DEFAULT_BATCH_RECORDS
}
fn default_poll_ms() -> u64 {
    250
}
fn default_commit_ms() -> u64 {
    1000
}
fn default_max_connections() -> usize {
    256
}
fn default_idle_ms() -> u64 {
    600_000
}
fn default_max_body() -> usize {
    16 * 1024 * 1024
}
fn default_retry_after() -> u64 {
    1
}
fn default_nats_batch() -> usize {
    256
}
fn default_ack_wait_ms() -> u64 {
    30_000
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Deserialize)]
    struct Detect {
        sources: Vec<SourceConfig>,
    }

    #[test]
    fn every_kind_parses_from_toml_with_defaults() {
        let text = r#"
            [[sources]]
            kind = "file"
            name = "eve"
            format = "eve"
            path = "/var/log/suricata/eve.json"
            start_at = "end"

            [[sources]]
            kind = "stdin"
            name = "in"
            format = "json"

            [[sources]]
            kind = "syslog-udp"
            name = "udp"
            format = "zeek"
            listen = "127.0.0.1:5514"

            [[sources]]
            kind = "syslog-tcp"
            name = "tcp"
            format = "eve"
            listen = "127.0.0.1:6514"
            max_connections = 4

            [[sources]]
            kind = "http"
            name = "web"
            format = "json"
            max_body_bytes = 1000

            [[sources]]
            kind = "nats"
            name = "bus"
            format = "eve"
            url = "nats://127.0.0.1:4222"
            stream = "TELEMETRY"
            subject = "telemetry.>"
            durable = "detect"
        "#;
        let detect: Detect = toml::from_str(text).unwrap();
        let s = &detect.sources;
        assert_eq!(s.len(), 6);
        let SourceConfig::File(file) = &s[0] else {
            panic!("not a file source: {:?}", s[0])
        };
        assert!(file.follow);
        assert_eq!(file.start_at, StartAt::End);
        assert_eq!(file.max_line_bytes, 1024 * 1024);
        assert_eq!(file.commit_interval_ms, 1000);
        assert_eq!(s[1].format(), FormatHint::Json);
        let SourceConfig::SyslogTcp(tcp) = &s[3] else {
            panic!("not tcp: {:?}", s[3])
        };
        assert_eq!(tcp.max_connections, 4);
        assert_eq!(tcp.max_message_bytes, DEFAULT_MAX_LINE_BYTES);
        let SourceConfig::Http(http) = &s[4] else {
            panic!("not http: {:?}", s[4])
        };
        assert_eq!(http.max_body_bytes, 1000);
        assert_eq!(http.retry_after_secs, 1);
        let SourceConfig::Nats(nats) = &s[5] else {
            panic!("not nats: {:?}", s[5])
        };
        assert_eq!(nats.subject.as_deref(), Some("telemetry.>"));
        assert_eq!(nats.batch_records, 256);
        assert!(!nats.create_stream);
        for source in s {
            source.validate().unwrap();
        }
    }

    #[test]
    fn unknown_keys_and_kinds_are_rejected() {
        let typo = r#"
            kind = "file"
            name = "eve"
            format = "eve"
            path = "/x"
            max_line_byte = 10
        "#;
        let err = toml::from_str::<SourceConfig>(typo)
            .unwrap_err()
            .to_string();
        assert!(err.contains("max_line_byte"), "{err}");

        let kind = r#"
            kind = "kafka"
            name = "k"
            format = "eve"
        "#;
        let err = toml::from_str::<SourceConfig>(kind)
            .unwrap_err()
            .to_string();
        assert!(err.contains("kafka"), "{err}");
    }

    #[test]
    fn validate_reports_every_problem_with_the_source_name() {
        let mut cfg = FileConfig::new("eve", FormatHint::Eve, "/x");
        cfg.batch_records = 0;
        cfg.max_line_bytes = 0;
        let err = SourceConfig::File(cfg).validate().unwrap_err();
        let ConfigError::Invalid { name, problems } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(name, "eve");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(err.to_string().contains("batch_records"));

        let mut nats = NatsConfig::new("bus", FormatHint::Eve, "nats://x", "S", "a.b");
        nats.stream = String::new();
        let err = SourceConfig::Nats(nats).validate().unwrap_err().to_string();
        assert!(
            err.contains("`stream` is empty") && err.contains("`durable`"),
            "{err}"
        );
    }
}
