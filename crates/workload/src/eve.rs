//! Suricata EVE JSON rendering.
//!
//! Common envelope: `timestamp` (`2024-03-01T00:00:00.123456+0000`), `flow_id`, `in_iface`,
//! `event_type`, `src_ip`, `src_port`, `dest_ip`, `dest_port`, `proto`, then `tx_id` and
//! `app_proto` where Suricata writes them, then the event object(s):
//!
//! | `event_type` | objects |
//! |---|---|
//! | `dns` v2 | `dns` {`version`: 2, `type`: `query`, `id`, `rrname`, `rrtype`, `tx_id`, `opcode`} |
//! | `dns` v3 | `dns` {`version`: 3, `type`: `request`, `tx_id`, `id`, `flags`, `qr`, `rd`, `opcode`, `queries`: [{`rrname`, `rrtype`}]} |
//! | `http` | `http` {`hostname`, `url`, `http_user_agent`, `http_content_type`, `http_method`, `protocol`, `status`, `length`} |
//! | `tls` | `tls` {`subject`, `issuerdn`, `serial`, `fingerprint` (SHA-1, colon hex), `sni`, `version`, `notbefore`, `notafter`} |
//! | `flow` | `flow` {`pkts_toserver`, `pkts_toclient`, `bytes_toserver`, `bytes_toclient`, `start`, `end`, `age`, `state`, `reason`, `alerted`} |
//! | `fileinfo` | `http` as above and `fileinfo` {`filename`, `gaps`, `state`, `md5`, `sha1`, `sha256`, `stored`, `size`, `tx_id`} |
//! | `smtp` | `smtp` {`helo`, `mail_from`, `rcpt_to`} (addresses in angle brackets) and `email` {`status`, `from`, `to`, `subject`} |
//! | `alert` | `alert` {`action`, `gid`, `signature_id`, `rev`, `signature`, `category`, `severity`} and `flow` {counters, `start`, `src_ip`, `dest_ip`, `src_port`, `dest_port`} |

use std::net::IpAddr;

use serde::Serialize;

use crate::event::{Body, DnsVersion, Event, HttpTx};
use crate::text::{self, StackStr};
use crate::timefmt;

#[derive(Serialize)]
struct Record<'a> {
    timestamp: StackStr<40>,
    flow_id: u64,
    in_iface: &'static str,
    event_type: &'static str,
    src_ip: IpAddr,
    src_port: u16,
    dest_ip: IpAddr,
    dest_port: u16,
    proto: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tx_id: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_proto: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert: Option<Alert>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dns: Option<Dns<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<Http<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls: Option<Tls<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fileinfo: Option<FileInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    smtp: Option<Smtp<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<Email<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    flow: Option<Flow>,
}

#[derive(Serialize)]
struct Alert {
    action: &'static str,
    gid: u32,
    signature_id: u32,
    rev: u32,
    signature: &'static str,
    category: &'static str,
    severity: u8,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Dns<'a> {
    V2 {
        version: u8,
        #[serde(rename = "type")]
        kind: &'static str,
        id: u16,
        rrname: &'a str,
        rrtype: &'static str,
        tx_id: u32,
        opcode: u8,
    },
    V3 {
        version: u8,
        #[serde(rename = "type")]
        kind: &'static str,
        tx_id: u32,
        id: u16,
        flags: &'static str,
        qr: bool,
        rd: bool,
        opcode: u8,
        queries: Vec<Query<'a>>,
    },
}

#[derive(Serialize)]
struct Query<'a> {
    rrname: &'a str,
    rrtype: &'static str,
}

#[derive(Serialize)]
struct Http<'a> {
    hostname: &'a str,
    url: &'a str,
    http_user_agent: &'static str,
    http_content_type: &'static str,
    http_method: &'static str,
    protocol: &'static str,
    status: u16,
    length: u32,
}

#[derive(Serialize)]
struct Tls<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuerdn: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial: Option<StackStr<96>>,
    fingerprint: StackStr<96>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sni: Option<&'a str>,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notbefore: Option<StackStr<40>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notafter: Option<StackStr<40>>,
}

#[derive(Serialize)]
struct FileInfo<'a> {
    filename: &'a str,
    gaps: bool,
    state: &'static str,
    md5: StackStr<64>,
    sha1: StackStr<64>,
    sha256: StackStr<64>,
    stored: bool,
    size: u64,
    tx_id: u32,
}

#[derive(Serialize)]
struct Smtp<'a> {
    helo: &'a str,
    mail_from: String,
    rcpt_to: [String; 1],
}

#[derive(Serialize)]
struct Email<'a> {
    status: &'static str,
    from: String,
    to: [String; 1],
    subject: &'a str,
}

#[derive(Serialize)]
struct Flow {
    pkts_toserver: u64,
    pkts_toclient: u64,
    bytes_toserver: u64,
    bytes_toclient: u64,
    start: StackStr<40>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end: Option<StackStr<40>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    age: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alerted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_ip: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_port: Option<u16>,
}

fn http(h: &HttpTx) -> Http<'_> {
    Http {
        hostname: &h.host,
        url: &h.path,
        http_user_agent: h.user_agent,
        http_content_type: h.content_type,
        http_method: h.method,
        protocol: "HTTP/1.1",
        status: h.status,
        length: h.length,
    }
}

/// Appends the EVE JSON object of `ev` (no newline) to `out`.
pub(crate) fn write(ev: &Event, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    let mut r = Record {
        timestamp: timefmt::eve(ev.time_us),
        flow_id: ev.flow_id,
        in_iface: "eth0",
        event_type: ev.record_name(crate::TelemetryFormat::Eve),
        src_ip: ev.src,
        src_port: ev.src_port,
        dest_ip: ev.dst,
        dest_port: ev.dst_port,
        proto: ev.transport.upper(),
        tx_id: None,
        app_proto: ev.app_proto(),
        alert: None,
        dns: None,
        http: None,
        tls: None,
        fileinfo: None,
        smtp: None,
        email: None,
        flow: None,
    };
    match &ev.body {
        Body::Dns(q) => {
            let first = q.names.first().map(String::as_str).unwrap_or("");
            r.dns = Some(match q.version {
                DnsVersion::V2 => Dns::V2 {
                    version: 2,
                    kind: "query",
                    id: q.id,
                    rrname: first,
                    rrtype: q.rrtype,
                    tx_id: 0,
                    opcode: 0,
                },
                DnsVersion::V3 => Dns::V3 {
                    version: 3,
                    kind: "request",
                    tx_id: 0,
                    id: q.id,
                    flags: "100",
                    qr: false,
                    rd: true,
                    opcode: 0,
                    queries: q
                        .names
                        .iter()
                        .map(|n| Query {
                            rrname: n,
                            rrtype: q.rrtype,
                        })
                        .collect(),
                },
            });
        }
        Body::Http(h) => {
            r.tx_id = Some(0);
            r.http = Some(http(h));
        }
        Body::Tls(t) => {
            r.tls = Some(Tls {
                subject: Some(format!("CN={}", t.subject_cn)),
                issuerdn: Some(t.issuer),
                serial: Some(text::colon_hex_upper(&t.serial)),
                fingerprint: text::colon_hex(&t.sha1),
                sni: Some(&t.sni),
                version: t.version,
                notbefore: Some(timefmt::plain_seconds(t.not_before)),
                notafter: Some(timefmt::plain_seconds(t.not_before + 90 * 86_400 - 1)),
            });
        }
        Body::Certificate(c) => {
            r.tls = Some(Tls {
                subject: None,
                issuerdn: None,
                serial: None,
                fingerprint: text::colon_hex(&c.sha1),
                sni: None,
                version: "TLS 1.2",
                notbefore: None,
                notafter: None,
            });
        }
        Body::Flow(f) => {
            r.app_proto = f.established.then_some("failed");
            r.flow = Some(Flow {
                pkts_toserver: f.pkts_toserver,
                pkts_toclient: f.pkts_toclient,
                bytes_toserver: f.bytes_toserver,
                bytes_toclient: f.bytes_toclient,
                start: timefmt::eve(ev.time_us - i64::from(f.age_s) * 1_000_000),
                end: Some(timefmt::eve(ev.time_us)),
                age: Some(f.age_s),
                state: Some(if f.established { "closed" } else { "new" }),
                reason: Some("timeout"),
                alerted: Some(false),
                src_ip: None,
                dest_ip: None,
                src_port: None,
                dest_port: None,
            });
        }
        Body::File(f) => {
            r.tx_id = Some(0);
            r.http = Some(http(&f.http));
            let path = &f.http.path;
            r.fileinfo = Some(FileInfo {
                filename: path.split('?').next().unwrap_or(path),
                gaps: false,
                state: "CLOSED",
                md5: text::hex(&f.md5),
                sha1: text::hex(&f.sha1),
                sha256: text::hex(&f.sha256),
                stored: false,
                size: f.size,
                tx_id: 0,
            });
        }
        Body::Smtp(s) => {
            r.tx_id = Some(0);
            r.smtp = Some(Smtp {
                helo: &s.helo,
                mail_from: format!("<{}>", s.mail_from),
                rcpt_to: [format!("<{}>", s.rcpt_to)],
            });
            r.email = Some(Email {
                status: "PARSE_DONE",
                from: format!("{} <{}>", s.from_name, s.mail_from),
                to: [format!("<{}>", s.rcpt_to)],
                subject: s.subject,
            });
        }
        Body::Alert(a) => {
            let pkts = 1 + ev.flow_id % 20;
            r.alert = Some(Alert {
                action: "allowed",
                gid: 1,
                signature_id: a.signature_id,
                rev: 3,
                signature: a.signature,
                category: a.category,
                severity: a.severity,
            });
            r.flow = Some(Flow {
                pkts_toserver: pkts,
                pkts_toclient: pkts / 2,
                bytes_toserver: pkts * 180,
                bytes_toclient: pkts / 2 * 900,
                start: timefmt::eve(ev.time_us - 2_000_000),
                end: None,
                age: None,
                state: None,
                reason: None,
                alerted: None,
                src_ip: Some(ev.src),
                dest_ip: Some(ev.dst),
                src_port: Some(ev.src_port),
                dest_port: Some(ev.dst_port),
            });
        }
    }
    // sonic-rs escapes strings with SIMD: a third faster than serde_json on these lines.
    sonic_rs::to_writer(out, &r).map_err(serde::ser::Error::custom)
}
