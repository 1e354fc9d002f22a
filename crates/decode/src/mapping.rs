//! Any JSON log, through a field mapping.
//!
//! A [`Mapping`] names, for each observable, the field(s) of the record that carry it. A field
//! is a dotted path (`source.ip`): at each level a key equal to the rest of the path is tried
//! first (Zeek-style flat keys such as `"id.orig_h"`), then the first segment as a nested
//! object. A field holding a list contributes each element. The default is the Elastic Common
//! Schema (ECS) layout, so ECS documents decode with no configuration.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::DecodeError;
use crate::eve::transport;
use crate::observation::{Certificate, File, Network, Observation, Text};
use crate::text::{address, plain_hex};
use crate::time;

/// Where each observable sits in a mapped JSON record. Every field is a list of dotted paths,
/// tried in order (for single values the first present wins; for lists all contribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Mapping {
    /// Event time: RFC 3339 / ISO 8601 text, or epoch seconds as a number.
    pub time: Vec<String>,
    /// The record's kind (for alerts; free text).
    pub kind: Vec<String>,
    /// Source address.
    pub src_ip: Vec<String>,
    /// Source port.
    pub src_port: Vec<String>,
    /// Destination address.
    pub dst_ip: Vec<String>,
    /// Destination port.
    pub dst_port: Vec<String>,
    /// Transport protocol (`tcp`, `udp`, …).
    pub transport: Vec<String>,
    /// Application protocol (`http`, `dns`, …).
    pub application: Vec<String>,
    /// Domain names (every listed field contributes).
    pub domains: Vec<String>,
    /// Full URLs (every listed field contributes).
    pub urls: Vec<String>,
    /// File MD5.
    pub file_md5: Vec<String>,
    /// File SHA-1.
    pub file_sha1: Vec<String>,
    /// File SHA-256.
    pub file_sha256: Vec<String>,
    /// File name.
    pub file_name: Vec<String>,
    /// File size in bytes.
    pub file_size: Vec<String>,
    /// Certificate SHA-1.
    pub x509_sha1: Vec<String>,
    /// Certificate SHA-256.
    pub x509_sha256: Vec<String>,
    /// Certificate serial number.
    pub x509_serial: Vec<String>,
    /// Certificate subject.
    pub x509_subject: Vec<String>,
    /// Certificate issuer.
    pub x509_issuer: Vec<String>,
    /// E-mail sender.
    pub email_from: Vec<String>,
    /// E-mail recipients (every listed field contributes).
    pub email_to: Vec<String>,
    /// E-mail subject.
    pub email_subject: Vec<String>,
}

fn paths(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

impl Default for Mapping {
    /// The Elastic Common Schema layout.
    fn default() -> Self {
        Mapping {
            time: paths(&["@timestamp", "timestamp"]),
            kind: paths(&["event.dataset", "event.kind"]),
            src_ip: paths(&["source.ip"]),
            src_port: paths(&["source.port"]),
            dst_ip: paths(&["destination.ip"]),
            dst_port: paths(&["destination.port"]),
            transport: paths(&["network.transport"]),
            application: paths(&["network.protocol"]),
            domains: paths(&[
                "dns.question.name",
                "url.domain",
                "tls.client.server_name",
                "destination.domain",
            ]),
            urls: paths(&["url.full", "url.original"]),
            file_md5: paths(&["file.hash.md5"]),
            file_sha1: paths(&["file.hash.sha1"]),
            file_sha256: paths(&["file.hash.sha256"]),
            file_name: paths(&["file.name"]),
            file_size: paths(&["file.size"]),
            x509_sha1: paths(&["tls.server.hash.sha1"]),
            x509_sha256: paths(&["tls.server.hash.sha256"]),
            x509_serial: paths(&["tls.server.x509.serial_number"]),
            x509_subject: paths(&["tls.server.x509.subject.distinguished_name"]),
            x509_issuer: paths(&["tls.server.x509.issuer.distinguished_name"]),
            email_from: paths(&["email.from.address", "email.sender.address"]),
            email_to: paths(&["email.to.address"]),
            email_subject: paths(&["email.subject"]),
        }
    }
}

/// The value at a dotted path: flat key first, then nested objects.
fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    let object = value.as_object()?;
    if let Some(found) = object.get(path) {
        return Some(found);
    }
    // Split at each dot in turn, so keys that contain dots themselves are found too.
    for (dot, _) in path.match_indices('.') {
        if let Some(inner) = object.get(&path[..dot])
            && let Some(found) = lookup(inner, &path[dot + 1..])
        {
            return Some(found);
        }
    }
    None
}

fn strings<'v>(record: &'v Value, fields: &[String]) -> Vec<&'v str> {
    let mut out = Vec::new();
    for field in fields {
        match lookup(record, field) {
            Some(Value::String(s)) if !s.is_empty() => out.push(s.as_str()),
            Some(Value::Array(items)) => {
                out.extend(
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .filter(|s| !s.is_empty()),
                );
            }
            _ => {}
        }
    }
    out
}

fn first_string<'v>(record: &'v Value, fields: &[String]) -> Option<&'v str> {
    fields.iter().find_map(|f| match lookup(record, f) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
        Some(Value::Array(items)) => items.iter().find_map(Value::as_str),
        _ => None,
    })
}

fn first_u64(record: &Value, fields: &[String]) -> Option<u64> {
    fields.iter().find_map(|f| match lookup(record, f) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    })
}

fn owned<'a>(text: &str) -> Text<'a> {
    Cow::Owned(text.to_owned())
}

/// Decodes one record through `mapping`.
pub(crate) fn decode<'a>(mapping: &Mapping, line: &[u8]) -> Result<Observation<'a>, DecodeError> {
    let record: Value = serde_json::from_slice(line).map_err(DecodeError::json)?;
    if !record.is_object() {
        return Err(DecodeError::NotAnObject);
    }
    let time = mapping
        .time
        .iter()
        .find_map(|f| lookup(&record, f).map(|v| (f, v)))
        .ok_or(DecodeError::MissingField { field: "time" })
        .and_then(|(_, value)| {
            let parsed = match value {
                Value::String(s) => time::parse_iso8601(s),
                Value::Number(n) => n.as_f64().and_then(time::from_epoch_seconds),
                _ => None,
            };
            parsed.ok_or_else(|| DecodeError::BadTime {
                field: "time",
                value: value.to_string().chars().take(64).collect(),
            })
        })?;
    let src = address("src_ip", first_string(&record, &mapping.src_ip))?;
    let dst = address("dst_ip", first_string(&record, &mapping.dst_ip))?;
    let port = |fields: &[String]| first_u64(&record, fields).and_then(|p| u16::try_from(p).ok());

    let mut obs = Observation {
        kind: first_string(&record, &mapping.kind).map_or(Cow::Borrowed(""), owned),
        time,
        ..Observation::default()
    };
    obs.network = Network::new(
        src,
        dst,
        (port(&mapping.src_port), port(&mapping.dst_port)),
        first_string(&record, &mapping.transport)
            .map(|t| Cow::Owned(transport(Cow::Borrowed(t)).into_owned())),
        first_string(&record, &mapping.application).map(|a| Cow::Owned(a.to_ascii_lowercase())),
    );
    for domain in strings(&record, &mapping.domains) {
        obs.add_domain(owned(domain));
    }
    for url in strings(&record, &mapping.urls) {
        obs.add_url(owned(url));
    }
    let hash = |fields: &[String]| first_string(&record, fields).map(|h| plain_hex(owned(h)));
    let file = File {
        md5: hash(&mapping.file_md5),
        sha1: hash(&mapping.file_sha1),
        sha256: hash(&mapping.file_sha256),
        name: first_string(&record, &mapping.file_name).map(owned),
        size: first_u64(&record, &mapping.file_size),
    };
    obs.add_file(file);
    obs.add_certificate(Certificate {
        sha1: hash(&mapping.x509_sha1),
        sha256: hash(&mapping.x509_sha256),
        serial_number: first_string(&record, &mapping.x509_serial).map(owned),
        subject: first_string(&record, &mapping.x509_subject).map(owned),
        issuer: first_string(&record, &mapping.x509_issuer).map(owned),
    });
    obs.set_email(
        first_string(&record, &mapping.email_from).map(owned),
        strings(&record, &mapping.email_to).into_iter().map(owned),
        first_string(&record, &mapping.email_subject).map(owned),
    );
    Ok(obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_nested_keys() {
        let v: Value = serde_json::json!({"a": {"b": {"c": 1}}, "x.y": 2, "p": {"q.r": 3}});
        assert_eq!(lookup(&v, "a.b.c"), Some(&Value::from(1)));
        assert_eq!(lookup(&v, "x.y"), Some(&Value::from(2)));
        assert_eq!(lookup(&v, "p.q.r"), Some(&Value::from(3)));
        assert_eq!(lookup(&v, "a.z"), None);
        assert_eq!(lookup(&v, "nothing"), None);
    }
}
