//! Benign background telemetry. Every value drawn here lies outside the indicator value
//! spaces (see [`crate::space`]), so a background event matches no indicator.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::{DnsLayout, TelemetryFormat};
use crate::draw::Draw;
use crate::event::{
    AlertInfo, Body, CertFile, DnsQuery, DnsVersion, Event, EventType, FileTransfer, FlowStats,
    HttpTx, SmtpTx, TlsSession, Transport,
};
use crate::space::background_hash;

const WORDS: [&str; 24] = [
    "acme",
    "contoso",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "wayne",
    "wonka",
    "cyberdyne",
    "tyrell",
    "soylent",
    "vandelay",
    "aperture",
    "oscorp",
    "gringotts",
    "northwind",
    "fabrikam",
    "tailspin",
    "litware",
    "proseware",
    "wingtip",
    "stark",
    "dunder",
    "bluth",
];
const TLDS: [&str; 12] = [
    "com", "net", "org", "io", "de", "fr", "eu", "nl", "pl", "it", "ee", "lt",
];
const PREFIXES: [&str; 10] = [
    "www",
    "api",
    "cdn",
    "static",
    "mail",
    "login",
    "updates",
    "telemetry",
    "img",
    "auth",
];
const PATHS: [&str; 10] = [
    "/",
    "/index.html",
    "/favicon.ico",
    "/api/v1/items",
    "/login",
    "/static/app.js",
    "/images/logo.png",
    "/search?q=weather",
    "/news/today",
    "/updates/check",
];
const AGENTS: [&str; 5] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "curl/8.5.0",
    "Microsoft-CryptoAPI/10.0",
    "python-requests/2.31.0",
];
const FILE_EXTS: [&str; 7] = ["exe", "dll", "pdf", "zip", "js", "docx", "bin"];
const FIRST_NAMES: [&str; 8] = [
    "anna", "jaan", "maria", "piotr", "ingrid", "lukas", "sofia", "tomas",
];
const LAST_NAMES: [&str; 8] = [
    "tamm", "kowalski", "berg", "rossi", "novak", "dubois", "jansen", "muller",
];
const DISPLAY_NAMES: [&str; 4] = ["IT Service Desk", "Payroll", "Anna Tamm", "Shipping Notice"];
const SUBJECTS: [&str; 5] = [
    "Quarterly report",
    "Invoice 2024-0311",
    "Password expiry notice",
    "Meeting notes",
    "Delivery failed",
];
const ISSUERS: [&str; 4] = [
    "C=US, O=Let's Encrypt, CN=R3",
    "C=US, O=DigiCert Inc, CN=DigiCert TLS RSA SHA256 2020 CA1",
    "C=BE, O=GlobalSign nv-sa, CN=GlobalSign RSA OV SSL CA 2018",
    "C=US, O=Google Trust Services LLC, CN=GTS CA 1C3",
];
const ALERTS: [(u32, &str, &str, u8); 5] = [
    (
        2_013_028,
        "ET POLICY curl User-Agent Outbound",
        "Attempted Information Leak",
        2,
    ),
    (
        2_210_045,
        "SURICATA STREAM Packet with invalid ack",
        "Generic Protocol Command Decode",
        3,
    ),
    (
        2_027_758,
        "ET INFO Observed DNS Query to .cloud TLD",
        "Potentially Bad Traffic",
        2,
    ),
    (
        2_001_219,
        "ET SCAN Potential SSH Scan",
        "Attempted Information Leak",
        2,
    ),
    (
        2_024_897,
        "ET USER_AGENTS Go HTTP Client User-Agent",
        "Misc activity",
        3,
    ),
];

/// A benign domain: `prefix.word.tld` (three labels, no hyphen, a real TLD).
pub(crate) fn domain(d: &mut Draw) -> String {
    let (p, w, t) = (d.pick(&PREFIXES), d.pick(&WORDS), d.pick(&TLDS));
    let mut s = String::with_capacity(p.len() + w.len() + t.len() + 2);
    s.push_str(p);
    s.push('.');
    s.push_str(w);
    s.push('.');
    s.push_str(t);
    s
}

/// A benign email address `first.last@word.tld`.
pub(crate) fn email(d: &mut Draw) -> String {
    let (f, l, w, t) = (
        d.pick(&FIRST_NAMES),
        d.pick(&LAST_NAMES),
        d.pick(&WORDS),
        d.pick(&TLDS),
    );
    format!("{f}.{l}@{w}.{t}")
}

/// An internal host: `10.0.0.0/8` or `fd00::/8`.
pub(crate) fn internal_ip(d: &mut Draw, ipv6: bool) -> IpAddr {
    let r = d.u64();
    if ipv6 {
        let low = u128::from(d.u64()) | (u128::from(r & 0xff_ffff_ffff_ffff) << 64);
        IpAddr::V6(Ipv6Addr::from((0xfdu128 << 120) | low))
    } else {
        let [a, b, c, ..] = r.to_le_bytes();
        IpAddr::V4(Ipv4Addr::new(10, a, b, c % 254 + 1))
    }
}

/// An external host: first octet 20–99, or `2a00::/12`.
pub(crate) fn external_ip(d: &mut Draw, ipv6: bool) -> IpAddr {
    let r = d.u64();
    if ipv6 {
        let low = u128::from(d.u64()) | (u128::from(r & 0x000f_ffff_ffff_ffff) << 64);
        IpAddr::V6(Ipv6Addr::from((0x2a00u128 << 112) | low))
    } else {
        let [a, b, c, e, ..] = r.to_le_bytes();
        IpAddr::V4(Ipv4Addr::new(20 + a % 80, b, c, e % 254 + 1))
    }
}

fn resolver(d: &mut Draw, ipv6: bool) -> IpAddr {
    let last = d.pick(&[53u8, 54]);
    if ipv6 {
        IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, u16::from(last)))
    } else {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, last))
    }
}

fn http_tx(d: &mut Draw) -> HttpTx {
    HttpTx {
        host: domain(d),
        path: d.pick(&PATHS).to_owned(),
        method: d.pick(&["GET", "GET", "GET", "POST", "HEAD"]),
        user_agent: d.pick(&AGENTS),
        status: d.pick(&[200, 200, 200, 304, 404, 302]),
        length: d.range(100, 200_000),
        content_type: d.pick(&["text/html", "application/json", "image/png", "text/css"]),
    }
}

/// Everything a background event needs to know about its place in the stream.
pub(crate) struct Frame {
    pub(crate) index: u64,
    pub(crate) time_us: i64,
    pub(crate) flow_id: u64,
    pub(crate) ipv6: bool,
    pub(crate) format: TelemetryFormat,
    pub(crate) dns_layout: DnsLayout,
}

/// A benign event of type `ty`.
pub(crate) fn event(d: &mut Draw, ty: EventType, f: &Frame) -> Event {
    let src = internal_ip(d, f.ipv6);
    let src_port = d.range(1024, 65_535) as u16;
    let (dst, dst_port, transport) = match ty {
        EventType::Dns => (resolver(d, f.ipv6), 53, Transport::Udp),
        EventType::Http | EventType::File => (
            external_ip(d, f.ipv6),
            d.pick(&[80, 80, 8080]),
            Transport::Tcp,
        ),
        EventType::Tls | EventType::Certificate => (external_ip(d, f.ipv6), 443, Transport::Tcp),
        EventType::Smtp => (external_ip(d, f.ipv6), d.pick(&[25, 587]), Transport::Tcp),
        EventType::Alert => (
            external_ip(d, f.ipv6),
            d.pick(&[22, 80, 443, 445, 3389]),
            Transport::Tcp,
        ),
        EventType::Flow => {
            let dst = external_ip(d, f.ipv6);
            if d.chance(0.3) {
                (dst, d.pick(&[123, 443, 500, 4500]), Transport::Udp)
            } else {
                (dst, d.pick(&[22, 25, 443, 445, 3389, 8443]), Transport::Tcp)
            }
        }
    };
    let body = match ty {
        EventType::Dns => Body::Dns(dns(d, f)),
        EventType::Http => Body::Http(http_tx(d)),
        EventType::Tls => Body::Tls(tls(d, f.time_us)),
        EventType::Flow => Body::Flow(flow(d)),
        EventType::File => Body::File(file(d)),
        EventType::Smtp => Body::Smtp(SmtpTx {
            helo: format!("mail.{}.{}", d.pick(&WORDS), d.pick(&TLDS)),
            mail_from: email(d),
            rcpt_to: email(d),
            from_name: d.pick(&DISPLAY_NAMES),
            subject: d.pick(&SUBJECTS),
        }),
        EventType::Alert => {
            let (signature_id, signature, category, severity) = d.pick(&ALERTS);
            Body::Alert(AlertInfo {
                signature_id,
                signature,
                category,
                severity,
            })
        }
        EventType::Certificate => Body::Certificate(CertFile {
            sha1: background_hash(d.bytes()),
            md5: background_hash(d.bytes()),
            size: d.range(600, 2_500),
            fuid: d.u64(),
        }),
    };
    Event {
        index: f.index,
        time_us: f.time_us,
        flow_id: f.flow_id,
        src,
        src_port,
        dst,
        dst_port,
        transport,
        body,
    }
}

fn dns(d: &mut Draw, f: &Frame) -> DnsQuery {
    let version = match (f.format, f.dns_layout) {
        (TelemetryFormat::Zeek, _) | (_, DnsLayout::V2) => DnsVersion::V2,
        (_, DnsLayout::V3) => DnsVersion::V3,
        (_, DnsLayout::Mixed) => {
            if d.chance(0.5) {
                DnsVersion::V3
            } else {
                DnsVersion::V2
            }
        }
    };
    let mut names = vec![domain(d)];
    // Suricata 8 logs all questions of a request in one event; a few requests carry two.
    if version == DnsVersion::V3 && d.chance(0.1) {
        names.push(domain(d));
    }
    DnsQuery {
        id: d.below(65_536) as u16,
        names,
        rrtype: d.pick(&["A", "A", "AAAA", "HTTPS", "MX", "TXT"]),
        version,
    }
}

fn tls(d: &mut Draw, time_us: i64) -> TlsSession {
    let sni = domain(d);
    TlsSession {
        subject_cn: sni.clone(),
        sni,
        issuer: d.pick(&ISSUERS),
        serial: d.bytes(),
        sha1: background_hash(d.bytes()),
        sha256: background_hash(d.bytes()),
        version: d.pick(&["TLS 1.2", "TLS 1.3", "TLS 1.3"]),
        not_before: time_us.div_euclid(1_000_000) - 86_400 - d.below(80 * 86_400) as i64,
    }
}

fn flow(d: &mut Draw) -> FlowStats {
    let established = d.chance(0.85);
    let pkts_toserver = u64::from(d.range(1, 200));
    let pkts_toclient = if established {
        u64::from(d.range(1, 200))
    } else {
        0
    };
    FlowStats {
        pkts_toserver,
        pkts_toclient,
        bytes_toserver: pkts_toserver * u64::from(d.range(60, 1500)),
        bytes_toclient: pkts_toclient * u64::from(d.range(60, 1500)),
        age_s: d.range(0, 120),
        established,
    }
}

fn file(d: &mut Draw) -> FileTransfer {
    let mut http = http_tx(d);
    let mut name = String::with_capacity(16);
    d.letters(5, 10, &mut name);
    name.push('.');
    name.push_str(d.pick(&FILE_EXTS));
    http.path = format!("/download/{name}");
    http.content_type = "application/octet-stream";
    http.method = "GET";
    http.status = 200;
    FileTransfer {
        http,
        name,
        size: u64::from(d.range(1_000, 5_000_000)),
        md5: background_hash(d.bytes()),
        sha1: background_hash(d.bytes()),
        sha256: background_hash(d.bytes()),
        fuid: d.u64(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::draw::Stream;
    use crate::space::{V4Space, is_ioc_domain, is_ioc_v6, v4_space};

    #[test]
    fn background_addresses_and_names_stay_in_their_spaces() {
        let mut d = Draw::at(4, Stream::Events, 0);
        for _ in 0..5_000 {
            match internal_ip(&mut d, false) {
                IpAddr::V4(ip) => assert_eq!(v4_space(ip), V4Space::Internal),
                other => panic!("{other}"),
            }
            match external_ip(&mut d, false) {
                IpAddr::V4(ip) => assert_eq!(v4_space(ip), V4Space::External),
                other => panic!("{other}"),
            }
            for ip in [internal_ip(&mut d, true), external_ip(&mut d, true)] {
                let IpAddr::V6(v6) = ip else { panic!("{ip}") };
                assert!(!is_ioc_v6(v6));
            }
            assert!(!is_ioc_domain(&domain(&mut d)));
            assert!(!is_ioc_domain(&email(&mut d)));
        }
    }

    #[test]
    fn zeek_dns_has_one_name() {
        let mut d = Draw::at(4, Stream::Events, 0);
        let frame = Frame {
            index: 0,
            time_us: 0,
            flow_id: 0,
            ipv6: false,
            format: TelemetryFormat::Zeek,
            dns_layout: DnsLayout::V3,
        };
        for _ in 0..200 {
            let ev = event(&mut d, EventType::Dns, &frame);
            let Body::Dns(q) = ev.body else { panic!() };
            assert_eq!(q.names.len(), 1);
            assert_eq!(q.version, DnsVersion::V2);
        }
    }
}
