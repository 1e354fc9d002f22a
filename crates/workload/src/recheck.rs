//! Independent re-derivation of the ground truth from written telemetry.
//!
//! The generator knows what it planted; this module does not use that knowledge. It reads
//! the JSON lines back, pulls out the observable values each record carries (the same
//! fields the observed-data builder and a detection engine would use, see
//! [`crate::plant`]), and looks them up in tables of every indicator's values. No pattern
//! is parsed: `ISSUBSET` becomes a `/24` lookup, `LIKE '%.p'` a lookup of each proper
//! suffix, and `MATCHES '^[a-z0-9]+[.]p$'` a lookup of the parent of a one-label subdomain.

use std::collections::HashMap;
use std::io::BufRead;
use std::net::IpAddr;

use serde_json::Value;

use crate::config::TelemetryFormat;
use crate::error::WorkloadError;
use crate::indicator::IndicatorValues;
use crate::kind::IndicatorKind;
use crate::spec::Spec;
use crate::truth::GroundTruth;

/// Every indicator's values, keyed for lookup.
#[derive(Debug, Default)]
pub struct ValueIndex {
    ipv4_any: HashMap<u32, u32>,
    ipv4_dst: HashMap<u32, u32>,
    net24: HashMap<u32, u32>,
    ipv6: HashMap<u128, u32>,
    domain: HashMap<String, u32>,
    /// Parent domain → (indicator, whether only one-label `[a-z0-9]+` subdomains match).
    suffix: HashMap<String, (u32, bool)>,
    url: HashMap<String, u32>,
    sha256: HashMap<String, u32>,
    md5: HashMap<String, u32>,
    x509_sha1: HashMap<String, u32>,
    email: HashMap<String, u32>,
}

/// The observable values of one written record.
#[derive(Debug, Default)]
struct Observables {
    src: Option<IpAddr>,
    dst: Option<IpAddr>,
    hosts: Vec<String>,
    urls: Vec<String>,
    file_hashes: Vec<String>,
    cert_sha1: Vec<String>,
    emails: Vec<String>,
}

impl ValueIndex {
    /// Indexes every indicator of `spec`.
    pub fn new(spec: &Spec) -> Self {
        let mut ix = ValueIndex::default();
        for i in 0..spec.len() {
            let Some(f) = spec.facts(i) else { continue };
            match f.values {
                IndicatorValues::Ipv4(ip) => {
                    ix.ipv4_any.insert(u32::from(ip), i);
                }
                IndicatorValues::Ipv4OrDomain { ip, domain } => {
                    ix.ipv4_any.insert(u32::from(ip), i);
                    ix.domain.insert(domain, i);
                }
                IndicatorValues::NetworkDst(ip) => {
                    ix.ipv4_dst.insert(u32::from(ip), i);
                }
                IndicatorValues::Ipv4Net(net) => {
                    ix.net24.insert(u32::from(net) >> 8, i);
                }
                IndicatorValues::Ipv6(ip) => {
                    ix.ipv6.insert(u128::from(ip), i);
                }
                IndicatorValues::Domain(d) => {
                    ix.domain.insert(d, i);
                }
                IndicatorValues::DomainSuffix(p) => {
                    ix.suffix
                        .insert(p, (i, f.kind == IndicatorKind::DomainMatches));
                }
                IndicatorValues::Url { host, path } => {
                    ix.url.insert(format!("http://{host}{path}"), i);
                }
                IndicatorValues::Sha256(h) => {
                    ix.sha256.insert(hex::encode(h), i);
                }
                IndicatorValues::Md5(h) => {
                    ix.md5.insert(hex::encode(h), i);
                }
                IndicatorValues::X509Sha1(h) => {
                    ix.x509_sha1.insert(hex::encode(h), i);
                }
                IndicatorValues::Email(e) => {
                    ix.email.insert(e, i);
                }
            }
        }
        ix
    }

    /// The sorted, distinct indices of the indicators one written record matches.
    pub fn matches_line(
        &self,
        format: TelemetryFormat,
        line: &[u8],
        line_no: u64,
    ) -> Result<Vec<u32>, WorkloadError> {
        let bad = |problem: String| WorkloadError::Recheck {
            line: line_no,
            problem,
        };
        let v: Value = serde_json::from_slice(line).map_err(|e| bad(format!("not JSON: {e}")))?;
        let obs = match format {
            TelemetryFormat::Eve => eve_observables(&v),
            TelemetryFormat::Zeek => zeek_observables(&v),
        }
        .map_err(bad)?;
        let mut hits = Vec::new();
        self.lookup(&obs, &mut hits);
        hits.sort_unstable();
        hits.dedup();
        Ok(hits)
    }

    fn lookup(&self, obs: &Observables, hits: &mut Vec<u32>) {
        for (ip, is_dst) in [(obs.src, false), (obs.dst, true)] {
            match ip {
                Some(IpAddr::V4(v4)) => {
                    let n = u32::from(v4);
                    hits.extend(self.ipv4_any.get(&n));
                    hits.extend(self.net24.get(&(n >> 8)));
                    if is_dst {
                        hits.extend(self.ipv4_dst.get(&n));
                    }
                }
                Some(IpAddr::V6(v6)) => hits.extend(self.ipv6.get(&u128::from(v6))),
                None => {}
            }
        }
        for host in &obs.hosts {
            hits.extend(self.domain.get(host.as_str()));
            // Every proper suffix, with the number of labels in front of it.
            let mut rest = host.as_str();
            let mut depth = 0;
            while let Some(dot) = rest.find('.') {
                depth += 1;
                rest = &rest[dot + 1..];
                if let Some(&(i, one_label_only)) = self.suffix.get(rest) {
                    let label = &host[..host.len() - rest.len() - 1];
                    let simple = label
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
                    if !one_label_only || (depth == 1 && simple && !label.is_empty()) {
                        hits.push(i);
                    }
                }
            }
        }
        for url in &obs.urls {
            hits.extend(self.url.get(url.as_str()));
        }
        for h in &obs.file_hashes {
            hits.extend(self.sha256.get(h.as_str()));
            hits.extend(self.md5.get(h.as_str()));
        }
        for h in &obs.cert_sha1 {
            hits.extend(self.x509_sha1.get(h.as_str()));
        }
        for e in &obs.emails {
            hits.extend(self.email.get(e.as_str()));
        }
    }
}

fn ip(v: &Value, key: &str) -> Result<IpAddr, String> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("`{key}` is missing or not a string"))?
        .parse()
        .map_err(|e| format!("`{key}` is not an IP address: {e}"))
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(str::to_owned)
}

fn texts(v: &Value, path: &[&str]) -> Vec<String> {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(next) => cur = next,
            None => return Vec::new(),
        }
    }
    match cur {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// The address inside `<…>` if present, else the whole text.
fn bare_address(s: &str) -> String {
    match (s.rfind('<'), s.rfind('>')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].to_owned(),
        _ => s.to_owned(),
    }
}

fn eve_observables(v: &Value) -> Result<Observables, String> {
    let mut o = Observables {
        src: Some(ip(v, "src_ip")?),
        dst: Some(ip(v, "dest_ip")?),
        ..Observables::default()
    };
    o.hosts.extend(text(v, &["dns", "rrname"]));
    if let Some(queries) = v.pointer("/dns/queries").and_then(Value::as_array) {
        o.hosts
            .extend(queries.iter().filter_map(|q| text(q, &["rrname"])));
    }
    if let (Some(host), Some(url)) = (text(v, &["http", "hostname"]), text(v, &["http", "url"])) {
        o.urls.push(format!("http://{host}{url}"));
        o.hosts.push(host);
    }
    o.hosts.extend(text(v, &["tls", "sni"]));
    o.hosts.extend(text(v, &["smtp", "helo"]));
    o.file_hashes.extend(text(v, &["fileinfo", "md5"]));
    o.file_hashes.extend(text(v, &["fileinfo", "sha256"]));
    o.cert_sha1
        .extend(text(v, &["tls", "fingerprint"]).map(|f| f.replace(':', "")));
    for path in [
        &["smtp", "mail_from"][..],
        &["smtp", "rcpt_to"],
        &["email", "from"],
        &["email", "to"],
    ] {
        o.emails
            .extend(texts(v, path).iter().map(|s| bare_address(s)));
    }
    Ok(o)
}

fn zeek_observables(v: &Value) -> Result<Observables, String> {
    let mut o = Observables {
        src: Some(ip(v, "id.orig_h")?),
        dst: Some(ip(v, "id.resp_h")?),
        ..Observables::default()
    };
    let path = text(v, &["_path"]).ok_or("`_path` is missing")?;
    match path.as_str() {
        "dns" => o.hosts.extend(text(v, &["query"])),
        "http" => {
            if let (Some(host), Some(uri)) = (text(v, &["host"]), text(v, &["uri"])) {
                o.urls.push(format!("http://{host}{uri}"));
                o.hosts.push(host);
            }
        }
        "ssl" => o.hosts.extend(text(v, &["server_name"])),
        "files" => {
            let mime = text(v, &["mime_type"]).unwrap_or_default();
            if mime.starts_with("application/x-x509") {
                o.cert_sha1.extend(text(v, &["sha1"]));
            } else {
                o.file_hashes.extend(text(v, &["md5"]));
                o.file_hashes.extend(text(v, &["sha256"]));
            }
        }
        "smtp" => {
            o.hosts.extend(text(v, &["helo"]));
            for key in ["mailfrom", "rcptto", "from", "to"] {
                o.emails
                    .extend(texts(v, &[key]).iter().map(|s| bare_address(s)));
            }
        }
        _ => {}
    }
    Ok(o)
}

/// Re-derives the ground truth of written telemetry (one JSON object per line, in
/// `format`) by value lookup against every indicator of `spec`.
pub fn recheck(
    spec: &Spec,
    format: TelemetryFormat,
    lines: impl BufRead,
) -> Result<GroundTruth, WorkloadError> {
    let index = ValueIndex::new(spec);
    let mut truth = GroundTruth::default();
    for (n, line) in lines.split(b'\n').enumerate() {
        let line = line.map_err(|e| WorkloadError::Recheck {
            line: n as u64,
            problem: format!("could not read: {e}"),
        })?;
        if line.is_empty() {
            continue;
        }
        let hits = index.matches_line(format, &line, n as u64)?;
        truth.record(n as u64, &hits);
    }
    Ok(truth)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bare_addresses() {
        assert_eq!(bare_address("<a@b.c>"), "a@b.c");
        assert_eq!(bare_address("Anna <a@b.c>"), "a@b.c");
        assert_eq!(bare_address("a@b.c"), "a@b.c");
    }

    #[test]
    fn rejects_lines_without_addresses() {
        let spec = Spec::new(&crate::Config::new(1, 0, 1)).unwrap();
        let ix = ValueIndex::new(&spec);
        let err = ix
            .matches_line(TelemetryFormat::Eve, br#"{"src_ip":"10.0.0.1"}"#, 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4") && err.contains("dest_ip"), "{err}");
        let err = ix
            .matches_line(TelemetryFormat::Zeek, b"not json", 0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("not JSON"), "{err}");
    }
}
