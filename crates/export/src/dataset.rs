//! Suricata datasets and hash lists, and the rules file that loads them.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Write;

use base64::Engine as _;

use crate::observable::{Direction, Kind, Observable};
use crate::rules::{RULES_HEADER, colon_hex, msg_text};
use crate::sid::Sids;

/// The name of the rules file written beside the lists.
pub const DATASET_RULES_FILE: &str = "phalanx-datasets.rules";

/// How a list file is written and which keyword reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListType {
    /// Dataset type `ip`: one IPv4 or IPv6 address per line, in text; read by
    /// `ip.src`/`ip.dst; dataset:isset,…`.
    Ip,
    /// Dataset type `string`: one base64-encoded value per line; read by `dataset:isset`
    /// after a sticky buffer (`dns.query`, `tls.sni`, `http.host`, `tls.cert_fingerprint`).
    String,
    /// A file-hash list of lower-case hex MD5s, read by `filemd5:` (not a dataset: no buffer
    /// holds a file's digest).
    Md5,
    /// A file-hash list of SHA-1s, read by `filesha1:`.
    Sha1,
    /// A file-hash list of SHA-256s, read by `filesha256:`.
    Sha256,
}

impl ListType {
    /// `ip`, `string`, `md5`, `sha1` or `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            ListType::Ip => "ip",
            ListType::String => "string",
            ListType::Md5 => "md5",
            ListType::Sha1 => "sha1",
            ListType::Sha256 => "sha256",
        }
    }
}

impl fmt::Display for ListType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One list file of a Suricata dataset export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetFile {
    /// The file name, e.g. `phalanx-domains.lst` (the rules refer to it relative to the
    /// rules file, so keep the files together).
    pub file_name: String,
    /// The dataset name used in the rules, e.g. `phalanx-domains`.
    pub name: String,
    /// How the lines are encoded and which keyword reads them.
    pub list_type: ListType,
    /// The lines, sorted by value, each value once, without line feeds.
    pub lines: Vec<String>,
}

impl DatasetFile {
    /// Writes the lines, each ended by a line feed.
    pub fn write_to(&self, out: &mut (impl Write + ?Sized)) -> std::io::Result<()> {
        for line in &self.lines {
            writeln!(out, "{line}")?;
        }
        Ok(())
    }
}

/// The lists in the order they are written, with which values go in each and the rules
/// that read them (protocol, buffer).
struct Layout {
    name: &'static str,
    list_type: ListType,
    takes: fn(&Observable) -> bool,
    /// `(protocol, sticky buffer)`; for hash lists the buffer is the keyword.
    rules: &'static [(&'static str, &'static str)],
}

const LAYOUT: [Layout; 8] = [
    Layout {
        name: "phalanx-ip",
        list_type: ListType::Ip,
        takes: |o| matches!(o.kind, Kind::Ipv4 | Kind::Ipv6) && o.direction == Direction::Any,
        rules: &[("ip", "ip.src"), ("ip", "ip.dst")],
    },
    Layout {
        name: "phalanx-ip-src",
        list_type: ListType::Ip,
        takes: |o| matches!(o.kind, Kind::Ipv4 | Kind::Ipv6) && o.direction == Direction::Source,
        rules: &[("ip", "ip.src")],
    },
    Layout {
        name: "phalanx-ip-dst",
        list_type: ListType::Ip,
        takes: |o| {
            matches!(o.kind, Kind::Ipv4 | Kind::Ipv6) && o.direction == Direction::Destination
        },
        rules: &[("ip", "ip.dst")],
    },
    Layout {
        name: "phalanx-domains",
        list_type: ListType::String,
        takes: |o| o.kind == Kind::Domain,
        rules: &[
            ("dns", "dns.query"),
            ("tls", "tls.sni"),
            ("http", "http.host"),
        ],
    },
    Layout {
        name: "phalanx-tls-sha1",
        list_type: ListType::String,
        takes: |o| o.kind == Kind::X509Sha1,
        rules: &[("tls", "tls.cert_fingerprint")],
    },
    Layout {
        name: "phalanx-file-md5",
        list_type: ListType::Md5,
        takes: |o| o.kind == Kind::FileMd5,
        rules: &[("http", "filemd5"), ("smtp", "filemd5")],
    },
    Layout {
        name: "phalanx-file-sha1",
        list_type: ListType::Sha1,
        takes: |o| o.kind == Kind::FileSha1,
        rules: &[("http", "filesha1"), ("smtp", "filesha1")],
    },
    Layout {
        name: "phalanx-file-sha256",
        list_type: ListType::Sha256,
        takes: |o| o.kind == Kind::FileSha256,
        rules: &[("http", "filesha256"), ("smtp", "filesha256")],
    },
];

/// The names of every dataset and hash list this format can write (`phalanx-ip`, …); the
/// file of each is the name plus `.lst`.
pub fn dataset_names() -> [&'static str; LAYOUT.len()] {
    LAYOUT.map(|layout| layout.name)
}

/// Collects values into the lists.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    sets: [BTreeSet<String>; LAYOUT.len()],
}

impl Collector {
    /// Adds one value (one that [`Format::SuricataDataset`](crate::Format) supports).
    pub fn add(&mut self, observable: &Observable) {
        if let Some(i) = LAYOUT.iter().position(|l| (l.takes)(observable)) {
            let text = match observable.kind {
                Kind::X509Sha1 => colon_hex(&observable.value),
                _ => observable.value.clone(),
            };
            self.sets[i].insert(text);
        }
    }

    /// The non-empty lists and the rules file that loads them.
    pub fn finish(self, sids: &mut Sids) -> (Vec<DatasetFile>, String) {
        let engine = base64::engine::general_purpose::STANDARD;
        let mut files = Vec::new();
        let mut rules = format!("{RULES_HEADER} (suricata-dataset)\n");
        for (layout, set) in LAYOUT.iter().zip(self.sets) {
            if set.is_empty() {
                continue;
            }
            let file_name = format!("{}.lst", layout.name);
            let hashsize = set.len().next_power_of_two().max(1024);
            for (protocol, buffer) in layout.rules {
                let sid = sids.assign(&format!("dataset|{}|{protocol}|{buffer}", layout.name));
                let (msg, body) = match layout.list_type {
                    ListType::Ip | ListType::String => (
                        format!("Phalanx dataset {} ({buffer})", layout.name),
                        format!(
                            "{buffer}; dataset:isset,{}, type {}, load {file_name}, hashsize {hashsize};",
                            layout.name, layout.list_type
                        ),
                    ),
                    ListType::Md5 | ListType::Sha1 | ListType::Sha256 => (
                        format!("Phalanx file hash list {file_name} ({protocol})"),
                        format!("{buffer}:{file_name};"),
                    ),
                };
                rules.push_str(&format!(
                    "alert {protocol} any any -> any any (msg:\"{}\"; {body} sid:{sid}; rev:1;)\n",
                    msg_text(&msg)
                ));
            }
            let lines = match layout.list_type {
                ListType::String => set.iter().map(|v| engine.encode(v)).collect(),
                _ => set.into_iter().collect(),
            };
            files.push(DatasetFile {
                file_name,
                name: layout.name.to_owned(),
                list_type: layout.list_type,
                lines,
            });
        }
        (files, rules)
    }
}
