//! Sensor telemetry to STIX 2.1 observations and matcher facts.
//!
//! A [`Decoder`] reads one telemetry record — a Suricata EVE event, a Zeek JSON log entry, or
//! any JSON log through a [`Mapping`] — into an [`Observation`]: the observables the record
//! carries, borrowed from the input line wherever possible. The detection engine then
//!
//! - describes it to the index with [`Observation::facts`] (no JSON built, nothing allocated
//!   for a typical record), and
//! - builds STIX only when it needs it ([`Observation::to_stix`]): for the exact evaluator of
//!   a candidate indicator, for an alert or a sighting.
//!
//! ```
//! use phalanx_decode::{Decoder, Format};
//!
//! let decoder = Decoder::new(Format::Eve)?;
//! let line = br#"{"timestamp":"2024-03-01T00:00:00.5+0000","event_type":"dns","src_ip":"10.0.0.1","src_port":5353,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{"version":3,"type":"request","queries":[{"rrname":"evil.example","rrtype":"A"}]}}"#;
//! let observation = decoder.decode(line)?;
//! assert_eq!(observation.domains[0], "evil.example");
//! let (observed_data, scos) = observation.to_stix("observed-data--6f3e1c6e-8f0e-4a8e-9d7e-0a1b2c3d4e5f");
//! assert_eq!(observed_data["first_observed"], "2024-03-01T00:00:00.5Z");
//! assert_eq!(scos.len(), 4); // two addresses, network-traffic, domain-name
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What each record becomes
//!
//! | SCO | Suricata EVE | Zeek | mapped JSON (ECS default) |
//! |---|---|---|---|
//! | `ipv4-addr` / `ipv6-addr` | `src_ip`, `dest_ip` | `id.orig_h`, `id.resp_h` | `source.ip`, `destination.ip` |
//! | `network-traffic` | ports, `protocols`: `ipv4`/`ipv6`, `proto` lower-cased, then `app_proto` (not `failed`/`unknown`), else the event type for `dns`, `http`, `tls`, `smtp`; `start` = event time | ports, `proto` (`tcp` for `http`, `ssl`, `smtp`, `files`, `notice` without one), then the log's application (`dns`, `http`, `tls` for `ssl`, `smtp`; `files` by `source`) | ports, `network.transport`, `network.protocol` |
//! | `domain-name` | `dns.rrname`, `dns.queries[].rrname`, `http.hostname`, `tls.sni`, `smtp.helo` | `dns` `query`, `http` `host`, `ssl` `server_name`, `smtp` `helo` | `dns.question.name`, `url.domain`, `tls.client.server_name`, `destination.domain` |
//! | `url` | `http://{hostname}[:{http_port}]{url}` (or `url` when absolute) | `http://{host}{uri}` | `url.full`, `url.original` |
//! | `file` | `fileinfo`: `md5`, `sha1`, `sha256`, `filename` (its last path segment), `size` | `files` (not certificates): hashes, `filename`, `total_bytes` | `file.hash.*`, `file.name`, `file.size` |
//! | `x509-certificate` | `tls`: `fingerprint` as SHA-1 (colons removed), `serial`, `subject`, `issuerdn` | `ssl`: first `cert_chain_fps` as SHA-256; `files` of certificates: `sha1`, `sha256` | `tls.server.hash.*`, `tls.server.x509.*` |
//! | `email-addr`, `email-message` | `smtp.mail_from`, `smtp.rcpt_to[]` (angle brackets removed), `email.subject` | `mailfrom`, `rcptto[]`, `subject` | `email.from.address`, `email.to.address`, `email.subject` |
//!
//! Every decoder reads all the application objects a record holds, so an EVE `alert` carrying
//! `http` or `tls` metadata yields those observables as well. Hashes are lower-case hex.
//! The observed-data has `first_observed` = `last_observed` = the event time and
//! `number_observed` 1; SCO ids are deterministic, so one value is one SCO everywhere.
//!
//! # Invariants
//!
//! - **Facts are the flattened STIX.** [`Observation::facts`] gives exactly the facts
//!   `phalanx_matcher::facts_from_observation` derives from [`Observation::to_stix`], except
//!   on `id` and `spec_version` properties (computing SCO ids per event would double the
//!   cost of decoding, and patterns never compare sensor SCO ids). The tests check this on
//!   every record kind of the workload generator.
//! - **Bad input costs only itself.** A record that is not JSON, not an object, lacks its
//!   time, or has an address field that is no address is a [`DecodeError`] with the reason;
//!   nothing panics, and other records are unaffected. Unknown fields are ignored.
//! - **No I/O.** Decoders read bytes they are given.

mod error;
mod eve;
mod mapping;
mod observation;
mod paths;
mod text;
pub mod time;
mod zeek;

use std::fmt;
use std::str::FromStr;

pub use error::DecodeError;
pub use mapping::Mapping;
pub use observation::{Certificate, Email, File, Network, Observation, Text};
pub use paths::Paths;
pub use phalanx_matcher::PathError;

/// The longest record a decoder accepts by default (1 MiB).
pub const DEFAULT_MAX_RECORD: usize = 1 << 20;

/// The deepest nesting of JSON arrays and objects a record may have. Real telemetry nests a
/// handful of levels; the limit keeps hostile input from exhausting the stack of the parser,
/// which skips unknown values recursively.
pub const MAX_DEPTH: usize = 64;

/// Refuses records nested deeper than [`MAX_DEPTH`]. Counting the opening brackets bounds the
/// depth from above and vectorises, so the exact scan (aware of strings) runs only for
/// records with many brackets.
fn check_depth(record: &[u8]) -> Result<(), DecodeError> {
    let openings = record.iter().filter(|&&b| b == b'[' || b == b'{').count();
    if openings <= MAX_DEPTH {
        return Ok(());
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in record {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(DecodeError::TooDeep { limit: MAX_DEPTH });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// A telemetry format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Suricata EVE JSON.
    Eve,
    /// Zeek JSON logs.
    Zeek,
    /// Any JSON, through a [`Mapping`].
    Json,
}

impl Format {
    /// The format's name (`eve`, `zeek`, `json`).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Eve => "eve",
            Format::Zeek => "zeek",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A format name that is not one of `eve`, `zeek`, `json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown telemetry format {0:?}: expected eve, zeek or json")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Format, UnknownFormat> {
        match s {
            "eve" | "suricata" => Ok(Format::Eve),
            "zeek" | "bro" => Ok(Format::Zeek),
            "json" => Ok(Format::Json),
            other => Err(UnknownFormat(other.to_string())),
        }
    }
}

/// Decodes records of one format.
#[derive(Debug, Clone)]
pub struct Decoder {
    format: Format,
    mapping: Mapping,
    paths: Paths,
    max_record: usize,
}

impl Decoder {
    /// A decoder for `format` (mapped JSON uses the ECS [`Mapping`]).
    ///
    /// Fails only when the matcher's path registry is full.
    pub fn new(format: Format) -> Result<Decoder, PathError> {
        Ok(Decoder {
            format,
            mapping: Mapping::default(),
            paths: Paths::new()?,
            max_record: DEFAULT_MAX_RECORD,
        })
    }

    /// A decoder for mapped JSON with `mapping`.
    pub fn with_mapping(mapping: Mapping) -> Result<Decoder, PathError> {
        Ok(Decoder {
            mapping,
            ..Decoder::new(Format::Json)?
        })
    }

    /// Sets the longest record accepted, in bytes.
    pub fn max_record(mut self, bytes: usize) -> Decoder {
        self.max_record = bytes;
        self
    }

    /// The format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The fact paths outside the matcher's catalogue, for [`Observation::facts`].
    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Decodes one record (a JSON object, without its line terminator).
    pub fn decode<'a>(&self, record: &'a [u8]) -> Result<Observation<'a>, DecodeError> {
        if record.len() > self.max_record {
            return Err(DecodeError::TooLong {
                len: record.len(),
                limit: self.max_record,
            });
        }
        check_depth(record)?;
        match self.format {
            Format::Eve => eve::decode(record),
            Format::Zeek => zeek::decode(record),
            Format::Json => mapping::decode(&self.mapping, record),
        }
    }
}
