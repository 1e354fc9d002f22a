//! Sensor export: the active STIX 2.1 indicators of a node, written in a format a network
//! sensor loads — a Zeek Intelligence Framework file, Suricata rules, Suricata datasets, or
//! CSV — with every indicator that cannot be expressed reported with the reason.
//!
//! ```
//! use phalanx_export::{Format, Options, export};
//! use serde_json::json;
//!
//! let indicator = json!({
//!     "type": "indicator", "spec_version": "2.1",
//!     "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
//!     "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
//!     "name": "C2 server", "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
//!     "pattern": "[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'C2.example']",
//! });
//! let options = Options::new("2025-01-01T00:00:00Z".parse()?);
//! let mut out = Vec::new();
//! let report = export(&[indicator], Format::ZeekIntel, &options, &mut out)?;
//! assert_eq!((report.written, report.values), (1, 2));
//! let text = String::from_utf8(out)?;
//! assert!(text.contains("c2.example\tIntel::DOMAIN\tindicator--8e2e2d2b"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What is exported
//!
//! An indicator is *active* unless it is `revoked`, its `valid_until` is at or before
//! [`Options::now`], or its `valid_from` is after it; inactive indicators are counted in
//! [`Export::inactive`] and written nowhere. Objects that are not `indicator`s are ignored.
//!
//! An active indicator is *expressible* when its pattern (`pattern_type` `stix`) is one
//! observation expression or an OR of them, without qualifiers, and every comparison in it
//! is, possibly ORed with others inside the brackets:
//!
//! | path | operators | exported as |
//! |---|---|---|
//! | `ipv4-addr:value`, `ipv6-addr:value` | `=`, `IN`, `ISSUBSET` | address, or CIDR block (a block compared with `=` is read as the block) |
//! | `network-traffic:src_ref.value`, `dst_ref.value` | `=`, `IN`, `ISSUBSET`; may be ANDed with `…_ref.type = 'ipv4-addr'`/`'ipv6-addr'` | address or block at that end of the connection |
//! | `domain-name:value` | `=`, `IN`; `LIKE 'name'`; `LIKE '%suffix'` | domain name; domain suffix |
//! | `url:value` | `=`, `IN` | URL |
//! | `file:hashes.MD5`, `'SHA-1'`, `'SHA-256'` | `=`, `IN` | file hash |
//! | `x509-certificate:hashes.'SHA-1'` | `=`, `IN` | certificate fingerprint |
//! | `email-addr:value` | `=`, `IN` | email address |
//!
//! The pattern is then the OR of these values, and a list format says exactly that. Values
//! are canonical ([`phalanx_stix::canonical`]): lower-case hashes and domain names (IDNA to
//! ASCII), canonical IP text with `/32` and `/128` dropped and host bits cleared, WHATWG URLs.
//! A value that does not parse as what its path holds (an address that is not one, a hash
//! of the wrong length) makes the indicator invalid.
//!
//! An indicator is written whole or not at all: if one part of its pattern cannot be
//! expressed in the chosen format, the indicator is [`Skipped`] with a [`Reason`], such as
//! "the FOLLOWEDBY operator (observations in sequence) cannot be expressed in zeek-intel".
//! For every input indicator, `written + inactive + skipped.len()` counts it exactly once.
//!
//! # Not expressible in any format
//!
//! - the observation operators `AND` and `FOLLOWEDBY`, and the qualifiers `WITHIN`,
//!   `REPEATS`, `START … STOP` (a list of values has no notion of several observations or of
//!   time);
//! - an `AND` inside brackets, except a reference's `type` constraint beside its value
//!   (`[file:hashes.MD5 = 'x' AND file:name = 'y']` needs both at once; a list says either);
//! - `NOT`, `!=`, `<`, `>`, `MATCHES`, `ISSUPERSET`, `EXISTS`, `LIKE` other than
//!   `'%suffix'` on domain names, and non-string constants;
//! - any other path (`file:name`, `x509-certificate:hashes.'SHA-256'`, …) and
//!   `pattern_type`s other than `stix`.
//!
//! # Formats
//!
//! ## `zeek-intel`
//!
//! A Zeek Intelligence Framework file: the header
//! `#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url`, then one line
//! per value, tab-separated, `-` for an empty field. `meta.source` is the indicator id,
//! `meta.desc` its name (control characters as spaces), `meta.url` its first external
//! reference's URL. Types: `Intel::ADDR`, `Intel::SUBNET`, `Intel::DOMAIN`, `Intel::URL`
//! (written `host[:port]/path?query`, without `http://`, as Zeek's HTTP analyser sees it),
//! `Intel::FILE_HASH` (MD5, SHA-1, SHA-256), `Intel::CERT_HASH` (certificate SHA-1),
//! `Intel::EMAIL`. Not expressible: domain suffixes (`Intel::DOMAIN` matches whole names)
//! and URLs other than `http://` or with user information (Zeek sees the URLs of cleartext
//! HTTP requests only). Zeek matches an address wherever it appears, so the end a
//! `network-traffic` reference names is lost: the export is broader than the pattern there.
//!
//! ## `suricata-rules`
//!
//! One rule per indicator and sensor buffer, each with `msg:"Phalanx <name>"`,
//! `metadata:stix_id <id>`, a stable `sid` (see below) and `rev:1`:
//!
//! - addresses and blocks: one rule per indicator and direction, all its addresses in one
//!   group: `alert ip [a,b] any <> any any` (either end), `alert ip [a] any -> any any`
//!   (`src_ref`), `alert ip any any -> [a] any` (`dst_ref`);
//! - a domain name: three rules, `dns.query`, `tls.sni` and `http.host`, each
//!   `content:"name"; nocase; bsize:N;` (the whole buffer, any case); a domain suffix: the
//!   same three with `content:".suffix"; nocase; endswith;`;
//! - an `http://` URL: `http.host` (exact, any case) and `http.uri.raw` (the request target
//!   exactly as sent: path and query), with a non-default port in the rule header;
//! - a certificate SHA-1: `tls.cert_fingerprint; content:"aa:bb:…"; bsize:59;`.
//!
//! Content bytes outside printable ASCII and the characters `"`, `;`, `\` and `|` are
//! written in hex (`|3B|`); `msg` escapes `\`, `"` and `;` with a backslash. Not
//! expressible: file hashes (Suricata reads them from list files: use `suricata-dataset`),
//! email addresses (Suricata 7 has no buffer for SMTP envelope addresses), and URLs other
//! than `http://` or with user information.
//!
//! Each `sid` is `sid_base + h`, with `h` the top 30 bits of the SHA-256 of a key naming
//! what the rule matches (`<indicator id>|dns.query|<domain>`, `<indicator id>|ip|any`, …):
//! a rule keeps its sid across exports, however the rest of the set changes. On the rare
//! collision of `h`, the later key (in input order) takes the next free number. The base
//! defaults to [`DEFAULT_SID_BASE`] (9 000 000) and is at most [`MAX_SID_BASE`].
//!
//! ## `suricata-dataset`
//!
//! Several files ([`write_datasets`]): one list per kind of value, plus
//! [`DATASET_RULES_FILE`] with the rules that load them (`load` paths are relative to the
//! rules file and hash lists to the default rule path, so keep the files in one folder and
//! make it the rule path):
//!
//! | file | type | holds | read by |
//! |---|---|---|---|
//! | `phalanx-ip.lst` | dataset `ip` | addresses, either end | `ip.src` and `ip.dst` |
//! | `phalanx-ip-src.lst` / `phalanx-ip-dst.lst` | dataset `ip` | `src_ref` / `dst_ref` addresses | `ip.src` / `ip.dst` |
//! | `phalanx-domains.lst` | dataset `string` (base64) | domain names | `dns.query`, `tls.sni`, `http.host` |
//! | `phalanx-tls-sha1.lst` | dataset `string` (base64 of `aa:bb:…`) | certificate SHA-1s | `tls.cert_fingerprint` |
//! | `phalanx-file-md5.lst`, `-sha1`, `-sha256` | hash list (hex) | file hashes | `filemd5:`, `filesha1:`, `filesha256:` in `http` and `smtp` rules |
//!
//! File hashes go to hash lists rather than `md5`/`sha256` datasets because a dataset
//! matches a sticky buffer and no buffer holds a file's digest; the lists have the same
//! hex-per-line format. Only non-empty lists are written. Dataset lookups are exact and
//! case-sensitive (Suricata 7 has no lower-case transform), and `hashsize` is set to the
//! list's size; very large lists may need a larger `datasets.defaults.memcap`. Not
//! expressible: CIDR blocks (the `ip` type holds addresses), domain suffixes, URLs
//! (`http.uri` holds the path only) and email addresses.
//!
//! ## `csv`
//!
//! RFC 4180 CSV with the header `indicator_id,name,type,value,valid_from,valid_until,tlp` and
//! one row per indicator value. `type` is the [`Kind`] name (`ipv4-addr`, `ipv4-net`,
//! `domain-name`, `domain-suffix`, `url`, `file-md5`, `file-sha1`, `file-sha256`,
//! `x509-sha1`, `email-addr`, …), prefixed `src:`/`dst:` for a `network-traffic` end;
//! `tlp` is the label of the most restrictive TLP marking (`TLP:AMBER`) or empty. Every
//! expressible value is expressible in CSV.
//!
//! # Invariants
//!
//! No I/O except writing to the given writer, no clock (`now` is an argument), no panic on
//! any input. The output depends only on the input, in its order, and the options.

mod analyze;
mod dataset;
mod format;
mod indicator;
mod observable;
mod rules;
mod sid;
mod zeek;

use std::collections::HashMap;
use std::io::Write;

use serde_json::Value;

pub use dataset::{DATASET_RULES_FILE, DatasetFile, ListType, dataset_names};
pub use format::{Format, UnknownFormat};
pub use observable::{Direction, Kind, Observable};
pub use rules::RULES_HEADER;
pub use sid::{DEFAULT_SID_BASE, MAX_SID_BASE, SID_RANGE};
pub use zeek::ZEEK_HEADER;

use indicator::{Outcome, Prepared};

/// The CSV header row.
pub const CSV_HEADER: [&str; 7] = [
    "indicator_id",
    "name",
    "type",
    "value",
    "valid_from",
    "valid_until",
    "tlp",
];

/// How to export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// The instant that decides which indicators are active.
    pub now: jiff::Timestamp,
    /// The lowest Suricata `sid` (rules use `sid_base .. sid_base + 2^30`); at most
    /// [`MAX_SID_BASE`].
    pub sid_base: u32,
}

impl Options {
    /// Options for `now`, with the default sid base.
    pub fn new(now: jiff::Timestamp) -> Options {
        Options {
            now,
            sid_base: DEFAULT_SID_BASE,
        }
    }
}

/// What an export wrote and what it left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Export {
    /// Indicators written.
    pub written: usize,
    /// Values of the written indicators (one indicator may have several).
    pub values: usize,
    /// Lines, rules or rows written, headers and comments not counted.
    pub records: usize,
    /// Indicators that are revoked, expired or not yet valid.
    pub inactive: usize,
    /// Active indicators that were not written, each with the reason.
    pub skipped: Vec<Skipped>,
}

/// An indicator that was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its `id` (`(no id)` when it has none).
    pub indicator_id: String,
    /// Why.
    pub reason: Reason,
}

/// Why an indicator was not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The object is not a usable indicator: malformed id or timestamps, a pattern that
    /// does not parse or is invalid, a value that is not what its path holds, or a pattern
    /// that matches nothing.
    Invalid(String),
    /// The pattern is valid, but `what` cannot be said in `format`.
    NotExpressible {
        /// What cannot be expressed, and usually why.
        what: String,
        /// The format asked for.
        format: Format,
    },
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Invalid(message) => f.write_str(message),
            Reason::NotExpressible { what, format } => {
                write!(f, "{what} cannot be expressed in {format}")
            }
        }
    }
}

/// Why an export failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    /// Writing the CSV failed.
    #[error("cannot write the CSV: {0}")]
    Csv(#[from] csv::Error),
    /// The sid base leaves no room for the 2^30 sids above it.
    #[error("sid base {0} is too large: at most {MAX_SID_BASE}, so that every sid fits in 32 bits")]
    SidBase(u32),
    /// `suricata-dataset` is several files: use [`write_datasets`].
    #[error("suricata-dataset writes several files; it needs an output folder")]
    SeveralFiles,
}

/// The result of [`write_datasets`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datasets {
    /// The non-empty list files.
    pub files: Vec<DatasetFile>,
    /// The text of [`DATASET_RULES_FILE`]: the rules that load the lists.
    pub rules: String,
    /// What was written and left out.
    pub export: Export,
}

fn now_nanos(options: &Options) -> Result<i128, ExportError> {
    if options.sid_base > MAX_SID_BASE {
        return Err(ExportError::SidBase(options.sid_base));
    }
    Ok(options.now.as_nanosecond())
}

/// Walks the indicators: counts the inactive ones, reports the ones `format` cannot hold,
/// and hands every other one to `write`.
fn each_exportable<'a>(
    indicators: &'a [Value],
    format: Format,
    now: i128,
    report: &mut Export,
    mut write: impl FnMut(&Prepared<'a>) -> Result<usize, ExportError>,
) -> Result<(), ExportError> {
    for object in indicators {
        let prepared = match indicator::prepare(object, now, format) {
            Outcome::NotIndicator => continue,
            Outcome::Inactive => {
                report.inactive += 1;
                continue;
            }
            Outcome::Skipped(skipped) => {
                report.skipped.push(skipped);
                continue;
            }
            Outcome::Ready(prepared) => prepared,
        };
        let refused = prepared
            .observables
            .iter()
            .find_map(|o| format.supports(o).err());
        if let Some(what) = refused {
            report.skipped.push(Skipped {
                indicator_id: prepared.id.to_owned(),
                reason: Reason::NotExpressible { what, format },
            });
            continue;
        }
        report.records += write(&prepared)?;
        report.written += 1;
        report.values += prepared.observables.len();
    }
    Ok(())
}

/// Writes the active, expressible `indicators` to `out` in `format` (any format except
/// [`Format::SuricataDataset`], which is several files: see [`write_datasets`]).
/// Objects that are not indicators are ignored.
pub fn export(
    indicators: &[Value],
    format: Format,
    options: &Options,
    out: &mut (impl Write + ?Sized),
) -> Result<Export, ExportError> {
    let now = now_nanos(options)?;
    let mut report = Export::default();
    match format {
        Format::SuricataDataset => return Err(ExportError::SeveralFiles),
        Format::ZeekIntel => {
            zeek::write_header(out)?;
            each_exportable(indicators, format, now, &mut report, |indicator| {
                zeek::write_indicator(out, indicator)?;
                Ok(indicator.observables.len())
            })?;
        }
        Format::SuricataRules => {
            writeln!(out, "{RULES_HEADER}")?;
            let mut sids = sid::Sids::new(options.sid_base);
            each_exportable(indicators, format, now, &mut report, |indicator| {
                Ok(rules::write_indicator(
                    &mut &mut *out,
                    indicator,
                    &mut sids,
                )?)
            })?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer.write_record(CSV_HEADER)?;
            each_exportable(indicators, format, now, &mut report, |indicator| {
                let tlp = indicator.tlp.map(|t| t.label()).unwrap_or("");
                for observable in &indicator.observables {
                    writer.write_record([
                        indicator.id,
                        indicator.name.unwrap_or(""),
                        &observable.csv_type(),
                        &observable.value,
                        indicator.valid_from.unwrap_or(""),
                        indicator.valid_until.unwrap_or(""),
                        tlp,
                    ])?;
                }
                Ok(indicator.observables.len())
            })?;
            writer.flush()?;
        }
    }
    out.flush()?;
    Ok(report)
}

/// The [`Format::SuricataDataset`] export: the list files and the rules that load them.
pub fn write_datasets(indicators: &[Value], options: &Options) -> Result<Datasets, ExportError> {
    let now = now_nanos(options)?;
    let mut report = Export::default();
    let mut collector = dataset::Collector::default();
    each_exportable(
        indicators,
        Format::SuricataDataset,
        now,
        &mut report,
        |indicator| {
            for observable in &indicator.observables {
                collector.add(observable);
            }
            Ok(0)
        },
    )?;
    let mut sids = sid::Sids::new(options.sid_base);
    let (files, rules) = collector.finish(&mut sids);
    report.records = files.iter().map(|f| f.lines.len()).sum();
    Ok(Datasets {
        files,
        rules,
        export: report,
    })
}

/// Keeps only the latest version of each object: the one with the greatest `modified`
/// (for equal or missing `modified`, the first seen). Objects keep the position of the
/// first version of their id; objects without an id are kept. Returns the objects and how
/// many older versions were dropped.
pub fn latest_versions(objects: Vec<Value>) -> (Vec<Value>, usize) {
    let modified = |object: &Value| {
        object
            .get("modified")
            .and_then(Value::as_str)
            .and_then(|text| phalanx_stix::Timestamp::parse(text).ok())
            .map(|t| t.unix_nanos())
    };
    let mut out: Vec<Value> = Vec::with_capacity(objects.len());
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut dropped = 0;
    for object in objects {
        let Some(id) = object.get("id").and_then(Value::as_str).map(str::to_owned) else {
            out.push(object);
            continue;
        };
        match position.get(&id) {
            Some(&i) => {
                dropped += 1;
                if modified(&object) > modified(&out[i]) {
                    out[i] = object;
                }
            }
            None => {
                position.insert(id, out.len());
                out.push(object);
            }
        }
    }
    (out, dropped)
}
