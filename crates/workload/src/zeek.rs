//! Zeek JSON log rendering.
//!
//! Every record starts with `_path` (the log name, as Zeek's JSON streaming output writes
//! it, because all logs share one file here), `ts` (epoch seconds as a float), the log's
//! id fields (`uid`; `fuid` first for `files`) and the flattened connection id `id.orig_h`,
//! `id.orig_p`, `id.resp_h`, `id.resp_p`. Then, per log:
//!
//! | `_path` | fields |
//! |---|---|
//! | `conn` | `proto`, `service`, `duration`, `orig_bytes`, `resp_bytes`, `conn_state`, `local_orig`, `local_resp`, `missed_bytes`, `history`, `orig_pkts`, `orig_ip_bytes`, `resp_pkts`, `resp_ip_bytes`, `ip_proto` |
//! | `dns` | `proto`, `trans_id`, `rtt`, `query`, `qclass`, `qclass_name`, `qtype`, `qtype_name`, `rcode`, `rcode_name`, `AA`, `TC`, `RD`, `RA`, `Z`, `rejected` |
//! | `http` | `trans_depth`, `method`, `host`, `uri`, `version`, `user_agent`, `request_body_len`, `response_body_len`, `status_code`, `status_msg`, `tags`, `resp_mime_types` |
//! | `ssl` | `version`, `cipher`, `curve`, `server_name`, `resumed`, `established`, `ssl_history`, `cert_chain_fps` (SHA-256), `client_cert_chain_fps`, `subject`, `issuer`, `sni_matches_cert` |
//! | `files` | `source`, `depth`, `analyzers`, `mime_type`, `filename`, `duration`, `local_orig`, `is_orig`, `seen_bytes`, `total_bytes`, `missing_bytes`, `overflow_bytes`, `timedout`, `md5`, `sha1`, `sha256` (not for certificates) |
//! | `smtp` | `trans_depth`, `helo`, `mailfrom`, `rcptto`, `from`, `to`, `msg_id`, `subject`, `last_reply`, `path`, `tls` |
//! | `notice` | `note`, `msg`, `sub`, `src`, `dst`, `p`, `actions`, `suppress_for` |

use std::net::IpAddr;

use serde::Serialize;

use crate::event::{Body, Event, FlowStats, Transport};
use crate::text::{self, StackStr};
use crate::timefmt;

#[derive(Serialize)]
struct Log<B: Serialize> {
    _path: &'static str,
    ts: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    fuid: Option<StackStr<18>>,
    uid: StackStr<18>,
    #[serde(rename = "id.orig_h")]
    orig_h: IpAddr,
    #[serde(rename = "id.orig_p")]
    orig_p: u16,
    #[serde(rename = "id.resp_h")]
    resp_h: IpAddr,
    #[serde(rename = "id.resp_p")]
    resp_p: u16,
    #[serde(flatten)]
    body: B,
}

#[derive(Serialize)]
struct Conn {
    proto: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    service: Option<&'static str>,
    duration: f64,
    orig_bytes: u64,
    resp_bytes: u64,
    conn_state: &'static str,
    local_orig: bool,
    local_resp: bool,
    missed_bytes: u64,
    history: &'static str,
    orig_pkts: u64,
    orig_ip_bytes: u64,
    resp_pkts: u64,
    resp_ip_bytes: u64,
    ip_proto: u8,
}

#[derive(Serialize)]
#[allow(non_snake_case)] // Zeek's dns.log spells these flags in upper case.
struct Dns<'a> {
    proto: &'static str,
    trans_id: u16,
    rtt: f64,
    query: &'a str,
    qclass: u8,
    qclass_name: &'static str,
    qtype: u16,
    qtype_name: &'static str,
    rcode: u8,
    rcode_name: &'static str,
    AA: bool,
    TC: bool,
    RD: bool,
    RA: bool,
    Z: u8,
    rejected: bool,
}

#[derive(Serialize)]
struct Http<'a> {
    trans_depth: u32,
    method: &'static str,
    host: &'a str,
    uri: &'a str,
    version: &'static str,
    user_agent: &'static str,
    request_body_len: u64,
    response_body_len: u32,
    status_code: u16,
    status_msg: &'static str,
    tags: [&'static str; 0],
    resp_mime_types: [&'static str; 1],
}

#[derive(Serialize)]
struct Ssl<'a> {
    version: &'static str,
    cipher: &'static str,
    curve: &'static str,
    server_name: &'a str,
    resumed: bool,
    established: bool,
    ssl_history: &'static str,
    cert_chain_fps: [StackStr<64>; 1],
    client_cert_chain_fps: [&'static str; 0],
    subject: String,
    issuer: String,
    sni_matches_cert: bool,
}

#[derive(Serialize)]
struct Files<'a> {
    source: &'static str,
    depth: u32,
    analyzers: &'static [&'static str],
    mime_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    filename: Option<&'a str>,
    duration: f64,
    local_orig: bool,
    is_orig: bool,
    seen_bytes: u64,
    total_bytes: u64,
    missing_bytes: u64,
    overflow_bytes: u64,
    timedout: bool,
    md5: StackStr<64>,
    sha1: StackStr<64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<StackStr<64>>,
}

#[derive(Serialize)]
struct Smtp<'a> {
    trans_depth: u32,
    helo: &'a str,
    mailfrom: &'a str,
    rcptto: [&'a str; 1],
    from: String,
    to: [&'a str; 1],
    msg_id: String,
    subject: &'static str,
    last_reply: &'static str,
    path: [IpAddr; 2],
    tls: bool,
}

#[derive(Serialize)]
struct Notice {
    note: &'static str,
    msg: &'static str,
    sub: &'static str,
    src: IpAddr,
    dst: IpAddr,
    p: u16,
    actions: [&'static str; 1],
    suppress_for: f64,
}

fn conn(ev: &Event, f: &FlowStats) -> Conn {
    let (ip_proto, header) = match ev.transport {
        Transport::Tcp => (6, 40),
        Transport::Udp => (17, 28),
    };
    let service = match (f.established, ev.dst_port) {
        (false, _) => None,
        (true, 22) => Some("ssh"),
        (true, 25) => Some("smtp"),
        (true, 123) => Some("ntp"),
        (true, 443 | 8443) => Some("ssl"),
        (true, 500 | 4500) => Some("ike"),
        (true, _) => None,
    };
    let (state, history) = match (ev.transport, f.established) {
        (Transport::Tcp, true) => ("SF", "ShADadFf"),
        (Transport::Tcp, false) => ("S0", "S"),
        (Transport::Udp, true) => ("SF", "Dd"),
        (Transport::Udp, false) => ("S0", "D"),
    };
    Conn {
        proto: ev.transport.lower(),
        service,
        duration: f64::from(f.age_s) + (ev.flow_id % 1_000_000) as f64 / 1e6,
        orig_bytes: f.bytes_toserver.saturating_sub(f.pkts_toserver * header),
        resp_bytes: f.bytes_toclient.saturating_sub(f.pkts_toclient * header),
        conn_state: state,
        local_orig: true,
        local_resp: false,
        missed_bytes: 0,
        history,
        orig_pkts: f.pkts_toserver,
        orig_ip_bytes: f.bytes_toserver,
        resp_pkts: f.pkts_toclient,
        resp_ip_bytes: f.bytes_toclient,
        ip_proto,
    }
}

fn qtype(name: &str) -> u16 {
    match name {
        "A" => 1,
        "MX" => 15,
        "TXT" => 16,
        "AAAA" => 28,
        "HTTPS" => 65,
        _ => 255,
    }
}

fn status_msg(code: u16) -> &'static str {
    match code {
        200 => "OK",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        _ => "Unknown",
    }
}

/// Zeek writes distinguished names in RFC 2253 order: most specific first, no spaces.
fn zeek_dn(eve_dn: &str) -> String {
    let parts: Vec<&str> = eve_dn.split(", ").collect();
    let mut out = String::with_capacity(eve_dn.len());
    for (k, p) in parts.iter().rev().enumerate() {
        if k > 0 {
            out.push(',');
        }
        out.push_str(p);
    }
    out
}

/// The common fields of `ev` around a log-specific body.
fn log<B: Serialize>(ev: &Event, fuid: Option<u64>, body: B) -> Log<B> {
    Log {
        _path: ev.record_name(crate::TelemetryFormat::Zeek),
        ts: timefmt::zeek(ev.time_us),
        fuid: fuid.map(|f| text::zeek_id(b'F', f)),
        uid: text::zeek_id(b'C', ev.flow_id),
        orig_h: ev.src,
        orig_p: ev.src_port,
        resp_h: ev.dst,
        resp_p: ev.dst_port,
        body,
    }
}

/// Appends the Zeek JSON object of `ev` (no newline) to `out`.
pub(crate) fn write(ev: &Event, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
    // sonic-rs escapes strings with SIMD; the output is the same as serde_json's.
    let written = match &ev.body {
        Body::Flow(f) => sonic_rs::to_writer(out, &log(ev, None, conn(ev, f))),
        Body::Dns(q) => sonic_rs::to_writer(
            out,
            &log(
                ev,
                None,
                Dns {
                    proto: ev.transport.lower(),
                    trans_id: q.id,
                    rtt: 0.000_5 + (ev.flow_id % 40_000) as f64 / 1e6,
                    query: q.names.first().map(String::as_str).unwrap_or(""),
                    qclass: 1,
                    qclass_name: "C_INTERNET",
                    qtype: qtype(q.rrtype),
                    qtype_name: q.rrtype,
                    rcode: 0,
                    rcode_name: "NOERROR",
                    AA: false,
                    TC: false,
                    RD: true,
                    RA: true,
                    Z: 0,
                    rejected: false,
                },
            ),
        ),
        Body::Http(h) => sonic_rs::to_writer(
            out,
            &log(
                ev,
                None,
                Http {
                    trans_depth: 1,
                    method: h.method,
                    host: &h.host,
                    uri: &h.path,
                    version: "1.1",
                    user_agent: h.user_agent,
                    request_body_len: 0,
                    response_body_len: h.length,
                    status_code: h.status,
                    status_msg: status_msg(h.status),
                    tags: [],
                    resp_mime_types: [h.content_type],
                },
            ),
        ),
        Body::Tls(t) => {
            let v13 = t.version == "TLS 1.3";
            sonic_rs::to_writer(
                out,
                &log(
                    ev,
                    None,
                    Ssl {
                        version: if v13 { "TLSv13" } else { "TLSv12" },
                        cipher: if v13 {
                            "TLS_AES_128_GCM_SHA256"
                        } else {
                            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
                        },
                        curve: "x25519",
                        server_name: &t.sni,
                        resumed: false,
                        established: true,
                        ssl_history: "CsxknGIi",
                        cert_chain_fps: [text::hex(&t.sha256)],
                        client_cert_chain_fps: [],
                        subject: format!("CN={}", t.subject_cn),
                        issuer: zeek_dn(t.issuer),
                        sni_matches_cert: t.sni == t.subject_cn,
                    },
                ),
            )
        }
        Body::File(f) => sonic_rs::to_writer(
            out,
            &log(
                ev,
                Some(f.fuid),
                Files {
                    source: "HTTP",
                    depth: 0,
                    analyzers: &["MD5", "SHA1", "SHA256"],
                    mime_type: "application/octet-stream",
                    filename: Some(&f.name),
                    duration: 0.05,
                    local_orig: false,
                    is_orig: false,
                    seen_bytes: f.size,
                    total_bytes: f.size,
                    missing_bytes: 0,
                    overflow_bytes: 0,
                    timedout: false,
                    md5: text::hex(&f.md5),
                    sha1: text::hex(&f.sha1),
                    sha256: Some(text::hex(&f.sha256)),
                },
            ),
        ),
        Body::Certificate(c) => sonic_rs::to_writer(
            out,
            &log(
                ev,
                Some(c.fuid),
                Files {
                    source: "SSL",
                    depth: 0,
                    analyzers: &["X509", "MD5", "SHA1"],
                    mime_type: "application/x-x509-user-cert",
                    filename: None,
                    duration: 0.0,
                    local_orig: false,
                    is_orig: false,
                    seen_bytes: u64::from(c.size),
                    total_bytes: u64::from(c.size),
                    missing_bytes: 0,
                    overflow_bytes: 0,
                    timedout: false,
                    md5: text::hex(&c.md5),
                    sha1: text::hex(&c.sha1),
                    sha256: None,
                },
            ),
        ),
        Body::Smtp(s) => sonic_rs::to_writer(
            out,
            &log(
                ev,
                None,
                Smtp {
                    trans_depth: 1,
                    helo: &s.helo,
                    mailfrom: &s.mail_from,
                    rcptto: [&s.rcpt_to],
                    from: format!("{} <{}>", s.from_name, s.mail_from),
                    to: [&s.rcpt_to],
                    msg_id: format!("<{}@{}>", text::zeek_id(b'M', ev.flow_id), s.helo),
                    subject: s.subject,
                    last_reply: "250 2.0.0 Ok: queued",
                    path: [ev.dst, ev.src],
                    tls: false,
                },
            ),
        ),
        Body::Alert(a) => sonic_rs::to_writer(
            out,
            &log(
                ev,
                None,
                Notice {
                    note: "Signatures::Sensitive_Signature",
                    msg: a.signature,
                    sub: a.category,
                    src: ev.src,
                    dst: ev.dst,
                    p: ev.dst_port,
                    actions: ["Notice::ACTION_LOG"],
                    suppress_for: 3600.0,
                },
            ),
        ),
    };
    written.map_err(serde::ser::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sonic_and_serde_json_write_the_same_timestamps() {
        let mut t = timefmt::EVENTS_EPOCH_S * 1_000_000;
        for step in 0..20_000i64 {
            t += step * 7_919 % 2_000_003;
            let ts = timefmt::zeek(t);
            assert_eq!(
                sonic_rs::to_string(&ts).unwrap_or_default(),
                serde_json::to_string(&ts).unwrap_or_default()
            );
        }
    }

    #[test]
    fn dn_order() {
        assert_eq!(
            zeek_dn("C=US, O=Let's Encrypt, CN=R3"),
            "CN=R3,O=Let's Encrypt,C=US"
        );
    }
}
