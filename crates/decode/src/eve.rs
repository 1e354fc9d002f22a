//! Suricata EVE JSON.
//!
//! Every event type is read the same way: the envelope (`timestamp`, `src_ip`, `src_port`,
//! `dest_ip`, `dest_port`, `proto`, `app_proto`) gives the connection, and whichever
//! application objects the record holds (`dns`, `http`, `tls`, `fileinfo`, `smtp`, `email`)
//! give the rest — so an `alert` carrying `http` or `tls` metadata yields those observables
//! too. Unknown fields and event types are accepted; only the envelope's types are checked.

use std::borrow::Cow;

use serde::Deserialize;

use crate::error::DecodeError;
use crate::observation::{Certificate, File, Network, Observation, Text};
use crate::text::{Str, address, cow, lower, plain_hex};
use crate::time;

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    event_type: Option<Str<'a>>,
    #[serde(borrow)]
    src_ip: Option<Str<'a>>,
    src_port: Option<u16>,
    #[serde(borrow)]
    dest_ip: Option<Str<'a>>,
    dest_port: Option<u16>,
    #[serde(borrow)]
    proto: Option<Str<'a>>,
    #[serde(borrow)]
    app_proto: Option<Str<'a>>,
    #[serde(borrow)]
    dns: Option<Dns<'a>>,
    #[serde(borrow)]
    http: Option<Http<'a>>,
    #[serde(borrow)]
    tls: Option<Tls<'a>>,
    #[serde(borrow)]
    fileinfo: Option<FileInfo<'a>>,
    #[serde(borrow)]
    smtp: Option<Smtp<'a>>,
    #[serde(borrow)]
    email: Option<EmailObject<'a>>,
}

#[derive(Deserialize)]
struct Dns<'a> {
    /// v2 (one query per record, and v2 answers).
    #[serde(borrow)]
    rrname: Option<Str<'a>>,
    /// v3 (Suricata 8): the queries of the transaction.
    #[serde(borrow, default)]
    queries: Vec<Query<'a>>,
}

#[derive(Deserialize)]
struct Query<'a> {
    #[serde(borrow)]
    rrname: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct Http<'a> {
    #[serde(borrow)]
    hostname: Option<Str<'a>>,
    #[serde(borrow)]
    url: Option<Str<'a>>,
    http_port: Option<u16>,
}

#[derive(Deserialize)]
struct Tls<'a> {
    #[serde(borrow)]
    sni: Option<Str<'a>>,
    #[serde(borrow)]
    subject: Option<Str<'a>>,
    #[serde(borrow)]
    issuerdn: Option<Str<'a>>,
    #[serde(borrow)]
    serial: Option<Str<'a>>,
    #[serde(borrow)]
    fingerprint: Option<Str<'a>>,
}

#[derive(Deserialize)]
struct FileInfo<'a> {
    #[serde(borrow)]
    filename: Option<Str<'a>>,
    #[serde(borrow)]
    md5: Option<Str<'a>>,
    #[serde(borrow)]
    sha1: Option<Str<'a>>,
    #[serde(borrow)]
    sha256: Option<Str<'a>>,
    size: Option<u64>,
}

#[derive(Deserialize)]
struct Smtp<'a> {
    #[serde(borrow)]
    helo: Option<Str<'a>>,
    #[serde(borrow)]
    mail_from: Option<Str<'a>>,
    #[serde(borrow, default)]
    rcpt_to: Vec<Str<'a>>,
}

#[derive(Deserialize)]
struct EmailObject<'a> {
    #[serde(borrow)]
    subject: Option<Str<'a>>,
}

/// Suricata's `proto` (`TCP`, `UDP`, `ICMP`, `IPv6-ICMP`, a number) in STIX's lower case.
pub(crate) fn transport(proto: Cow<'_, str>) -> Cow<'_, str> {
    match proto.as_ref() {
        "TCP" | "tcp" => Cow::Borrowed("tcp"),
        "UDP" | "udp" => Cow::Borrowed("udp"),
        "ICMP" | "icmp" => Cow::Borrowed("icmp"),
        "IPv6-ICMP" | "IPV6-ICMP" | "ipv6-icmp" => Cow::Borrowed("ipv6-icmp"),
        "SCTP" | "sctp" => Cow::Borrowed("sctp"),
        _ => lower(proto),
    }
}

/// `http://host[:port]/path` of an HTTP transaction (`url` as it is when already absolute).
pub(crate) fn http_url<'a>(host: &str, port: Option<u16>, path: Cow<'a, str>) -> Text<'a> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return path;
    }
    let mut url = String::with_capacity(7 + host.len() + path.len() + 6);
    url.push_str("http://");
    url.push_str(host);
    if let Some(port) = port.filter(|p| *p != 80) {
        url.push(':');
        url.push_str(&port.to_string());
    }
    if !path.starts_with('/') {
        url.push('/');
    }
    url.push_str(&path);
    Cow::Owned(url)
}

/// The last segment of a path (`/download/a.zip` → `a.zip`): Suricata writes the URI path of
/// an HTTP file as its `filename`, and STIX `file:name` is the name alone.
fn base_name(path: Cow<'_, str>) -> Cow<'_, str> {
    match path {
        Cow::Borrowed(p) => Cow::Borrowed(p.rsplit('/').next().unwrap_or(p)),
        Cow::Owned(p) => Cow::Owned(p.rsplit('/').next().unwrap_or(&p).to_owned()),
    }
}

/// Decodes one EVE record.
pub(crate) fn decode(line: &[u8]) -> Result<Observation<'_>, DecodeError> {
    let record: Record<'_> = serde_json::from_slice(line).map_err(DecodeError::json)?;
    let Some(Str(stamp)) = record.timestamp else {
        return Err(DecodeError::MissingField { field: "timestamp" });
    };
    let time = time::parse_iso8601(&stamp).ok_or_else(|| DecodeError::BadTime {
        field: "timestamp",
        value: stamp.chars().take(64).collect(),
    })?;
    let kind = cow(record.event_type).unwrap_or(Cow::Borrowed(""));
    let src = address("src_ip", record.src_ip.as_ref().map(|s| s.0.as_ref()))?;
    let dst = address("dest_ip", record.dest_ip.as_ref().map(|s| s.0.as_ref()))?;
    let mut obs = Observation {
        time,
        ..Observation::default()
    };

    let application = match cow(record.app_proto) {
        Some(app) if !matches!(app.as_ref(), "failed" | "unknown" | "") => Some(lower(app)),
        Some(_) => None,
        None => match kind.as_ref() {
            "dns" | "http" | "tls" | "smtp" => Some(kind.clone()),
            _ => None,
        },
    };
    obs.network = Network::new(
        src,
        dst,
        (record.src_port, record.dest_port),
        cow(record.proto).map(transport),
        application,
    );

    if let Some(dns) = record.dns {
        if let Some(Str(name)) = dns.rrname {
            obs.add_domain(name);
        }
        for query in dns.queries {
            if let Some(Str(name)) = query.rrname {
                obs.add_domain(name);
            }
        }
    }
    if let Some(http) = record.http
        && let Some(Str(host)) = http.hostname
    {
        if let Some(Str(path)) = http.url {
            obs.add_url(http_url(&host, http.http_port, path));
        }
        obs.add_domain(host);
    }
    if let Some(tls) = record.tls {
        if let Some(Str(sni)) = tls.sni {
            obs.add_domain(sni);
        }
        obs.add_certificate(Certificate {
            sha1: cow(tls.fingerprint).map(plain_hex),
            sha256: None,
            serial_number: cow(tls.serial),
            subject: cow(tls.subject),
            issuer: cow(tls.issuerdn),
        });
    }
    if let Some(info) = record.fileinfo {
        let file = File {
            md5: cow(info.md5).map(plain_hex),
            sha1: cow(info.sha1).map(plain_hex),
            sha256: cow(info.sha256).map(plain_hex),
            name: cow(info.filename).map(base_name),
            size: info.size,
        };
        obs.add_file(file);
    }
    if let Some(smtp) = record.smtp {
        if let Some(Str(helo)) = smtp.helo {
            obs.add_domain(helo);
        }
        obs.set_email(
            cow(smtp.mail_from),
            smtp.rcpt_to.into_iter().map(Str::into_cow),
            record.email.and_then(|e| cow(e.subject)),
        );
    }
    obs.kind = kind;
    Ok(obs)
}
