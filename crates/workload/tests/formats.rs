//! Every EVE and Zeek record is valid JSON with the fields its format defines.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use phalanx_workload::{Config, DnsLayout, EventMix, EventType, TelemetryFormat, Workload};
use serde_json::Value;

fn lines(config: Config) -> Vec<Value> {
    let workload = Workload::new(config).unwrap();
    let format = workload.config().format;
    let mut out = Vec::new();
    for record in workload.events() {
        let mut line = Vec::new();
        record.write_line(format, &mut line).unwrap();
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        out.push(serde_json::from_slice(&line).unwrap());
    }
    out
}

/// Every type at equal weight, so each is exercised.
fn all_types() -> EventMix {
    EventType::ALL
        .iter()
        .fold(EventMix::none(), |m, &t| m.with(t, 1))
}

fn has(v: &Value, path: &str, check: impl Fn(&Value) -> bool) {
    let mut cur = v;
    for key in path.split('/') {
        cur = cur
            .get(key)
            .unwrap_or_else(|| panic!("missing `{path}` in {v}"));
    }
    assert!(check(cur), "bad `{path}` = {cur} in {v}");
}

fn string(v: &Value) -> bool {
    v.as_str().is_some_and(|s| !s.is_empty())
}
fn uint(v: &Value) -> bool {
    v.as_u64().is_some()
}
fn boolean(v: &Value) -> bool {
    v.is_boolean()
}
fn number(v: &Value) -> bool {
    v.as_f64().is_some()
}
fn ip(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.parse::<std::net::IpAddr>().is_ok())
}
fn eve_time(v: &Value) -> bool {
    // 2024-03-01T00:00:00.123456+0000
    let Some(s) = v.as_str() else { return false };
    let b = s.as_bytes();
    s.len() == 31
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && s.ends_with("+0000")
        && b[20..26].iter().all(u8::is_ascii_digit)
}
fn hex_len(n: usize) -> impl Fn(&Value) -> bool {
    move |v| {
        v.as_str()
            .is_some_and(|s| s.len() == n && s.bytes().all(|c| c.is_ascii_hexdigit()))
    }
}
fn array_of_strings(v: &Value) -> bool {
    v.as_array()
        .is_some_and(|a| !a.is_empty() && a.iter().all(string))
}

#[test]
fn eve_records_have_their_fields() {
    let mut seen = BTreeMap::new();
    for v in lines(Config {
        mix: Some(all_types()),
        hit_rate: 0.3,
        ipv6_share: 0.3,
        ..Config::new(300, 4_000, 17)
    }) {
        has(&v, "timestamp", eve_time);
        has(&v, "flow_id", uint);
        has(&v, "in_iface", string);
        has(&v, "src_ip", ip);
        has(&v, "dest_ip", ip);
        has(&v, "src_port", uint);
        has(&v, "dest_port", uint);
        has(&v, "proto", |p| p == "TCP" || p == "UDP");
        let ty = v["event_type"].as_str().unwrap().to_owned();
        match ty.as_str() {
            "dns" => match v["dns"]["version"].as_u64() {
                Some(2) => {
                    has(&v, "dns/type", |t| t == "query");
                    has(&v, "dns/rrname", string);
                    has(&v, "dns/rrtype", string);
                    has(&v, "dns/id", uint);
                    *seen.entry("dns v2").or_insert(0) += 1;
                }
                Some(3) => {
                    has(&v, "dns/type", |t| t == "request");
                    has(&v, "dns/queries", |q| {
                        q.as_array().is_some_and(|a| {
                            !a.is_empty()
                                && a.iter()
                                    .all(|x| string(&x["rrname"]) && string(&x["rrtype"]))
                        })
                    });
                    has(&v, "dns/flags", string);
                    has(&v, "dns/rd", boolean);
                    *seen.entry("dns v3").or_insert(0) += 1;
                }
                other => panic!("dns version {other:?} in {v}"),
            },
            "http" => {
                for f in [
                    "hostname",
                    "url",
                    "http_user_agent",
                    "http_method",
                    "protocol",
                ] {
                    has(&v, &format!("http/{f}"), string);
                }
                has(&v, "http/status", uint);
                has(&v, "http/length", uint);
            }
            "tls" => {
                has(&v, "tls/fingerprint", |f| {
                    f.as_str()
                        .is_some_and(|s| s.len() == 59 && s.split(':').all(|p| p.len() == 2))
                });
                has(&v, "tls/version", string);
                if v["tls"].get("sni").is_some() {
                    has(&v, "tls/subject", string);
                    has(&v, "tls/issuerdn", string);
                    has(&v, "tls/serial", string);
                    has(&v, "tls/notbefore", |t| {
                        t.as_str().is_some_and(|s| s.len() == 19)
                    });
                    has(&v, "tls/notafter", |t| {
                        t.as_str().is_some_and(|s| s.len() == 19)
                    });
                }
            }
            "flow" => {
                for f in [
                    "pkts_toserver",
                    "pkts_toclient",
                    "bytes_toserver",
                    "bytes_toclient",
                    "age",
                ] {
                    has(&v, &format!("flow/{f}"), uint);
                }
                has(&v, "flow/start", eve_time);
                has(&v, "flow/end", eve_time);
                has(&v, "flow/state", string);
                has(&v, "flow/reason", string);
                has(&v, "flow/alerted", boolean);
            }
            "fileinfo" => {
                has(&v, "http/hostname", string);
                has(&v, "fileinfo/filename", string);
                has(&v, "fileinfo/md5", hex_len(32));
                has(&v, "fileinfo/sha1", hex_len(40));
                has(&v, "fileinfo/sha256", hex_len(64));
                has(&v, "fileinfo/size", uint);
                has(&v, "fileinfo/state", |s| s == "CLOSED");
                has(&v, "fileinfo/gaps", boolean);
                has(&v, "fileinfo/stored", boolean);
            }
            "smtp" => {
                has(&v, "smtp/helo", string);
                has(&v, "smtp/mail_from", |m| {
                    m.as_str()
                        .is_some_and(|s| s.starts_with('<') && s.ends_with('>'))
                });
                has(&v, "smtp/rcpt_to", array_of_strings);
                has(&v, "email/from", string);
                has(&v, "email/to", array_of_strings);
                has(&v, "email/status", string);
            }
            "alert" => {
                has(&v, "alert/action", |a| a == "allowed" || a == "blocked");
                for f in ["gid", "signature_id", "rev", "severity"] {
                    has(&v, &format!("alert/{f}"), uint);
                }
                has(&v, "alert/signature", string);
                has(&v, "alert/category", string);
                has(&v, "flow/start", eve_time);
                assert_eq!(v["flow"]["src_ip"], v["src_ip"]);
                assert_eq!(v["flow"]["dest_ip"], v["dest_ip"]);
            }
            other => panic!("unexpected event_type {other}"),
        }
        *seen
            .entry(match ty.as_str() {
                "dns" => "dns",
                "http" => "http",
                "tls" => "tls",
                "flow" => "flow",
                "fileinfo" => "fileinfo",
                "smtp" => "smtp",
                _ => "alert",
            })
            .or_insert(0) += 1;
    }
    for ty in [
        "dns", "dns v2", "dns v3", "http", "tls", "flow", "fileinfo", "smtp", "alert",
    ] {
        assert!(
            seen.get(ty).copied().unwrap_or(0) > 10,
            "too few {ty}: {seen:?}"
        );
    }
}

#[test]
fn eve_dns_layout_is_honoured() {
    for (layout, version) in [(DnsLayout::V2, 2), (DnsLayout::V3, 3)] {
        let records = lines(Config {
            dns_layout: layout,
            mix: Some(EventMix::none().with(EventType::Dns, 1)),
            ..Config::new(10, 300, 3)
        });
        let dns: Vec<_> = records
            .iter()
            .filter(|v| v["event_type"] == "dns")
            .collect();
        assert!(dns.len() > 250);
        assert!(dns.iter().all(|v| v["dns"]["version"] == version));
    }
}

#[test]
fn zeek_records_have_their_fields() {
    let mut seen = BTreeMap::new();
    for v in lines(Config {
        format: TelemetryFormat::Zeek,
        mix: Some(all_types()),
        hit_rate: 0.3,
        ipv6_share: 0.3,
        ..Config::new(300, 4_000, 17)
    }) {
        has(&v, "ts", |t| {
            t.as_f64().is_some_and(|x| x > 1.7e9 && x < 1.8e9)
        });
        has(&v, "uid", |u| {
            u.as_str()
                .is_some_and(|s| s.len() == 18 && s.starts_with('C'))
        });
        has(&v, "id.orig_h", ip);
        has(&v, "id.resp_h", ip);
        has(&v, "id.orig_p", uint);
        has(&v, "id.resp_p", uint);
        let path = v["_path"].as_str().unwrap().to_owned();
        match path.as_str() {
            "conn" => {
                has(&v, "proto", |p| p == "tcp" || p == "udp");
                has(&v, "conn_state", string);
                has(&v, "history", string);
                has(&v, "duration", number);
                for f in [
                    "orig_bytes",
                    "resp_bytes",
                    "missed_bytes",
                    "orig_pkts",
                    "orig_ip_bytes",
                    "resp_pkts",
                    "resp_ip_bytes",
                    "ip_proto",
                ] {
                    has(&v, f, uint);
                }
                has(&v, "local_orig", boolean);
            }
            "dns" => {
                has(&v, "query", string);
                has(&v, "qtype_name", string);
                has(&v, "rcode_name", string);
                for f in ["trans_id", "qclass", "qtype", "rcode", "Z"] {
                    has(&v, f, uint);
                }
                for f in ["AA", "TC", "RD", "RA", "rejected"] {
                    has(&v, f, boolean);
                }
            }
            "http" => {
                for f in [
                    "method",
                    "host",
                    "uri",
                    "version",
                    "user_agent",
                    "status_msg",
                ] {
                    has(&v, f, string);
                }
                has(&v, "status_code", uint);
                has(&v, "response_body_len", uint);
                has(&v, "trans_depth", uint);
            }
            "ssl" => {
                for f in ["version", "cipher", "server_name", "subject", "issuer"] {
                    has(&v, f, string);
                }
                has(&v, "established", boolean);
                has(&v, "cert_chain_fps", |a| {
                    a.as_array()
                        .is_some_and(|a| a.len() == 1 && hex_len(64)(&a[0]))
                });
            }
            "files" => {
                has(&v, "fuid", |u| {
                    u.as_str()
                        .is_some_and(|s| s.len() == 18 && s.starts_with('F'))
                });
                has(&v, "source", string);
                has(&v, "mime_type", string);
                has(&v, "analyzers", array_of_strings);
                has(&v, "md5", hex_len(32));
                has(&v, "sha1", hex_len(40));
                has(&v, "seen_bytes", uint);
                has(&v, "is_orig", boolean);
                if v["source"] == "HTTP" {
                    has(&v, "sha256", hex_len(64));
                    has(&v, "filename", string);
                    *seen.entry("files http".to_owned()).or_insert(0) += 1;
                } else {
                    has(&v, "mime_type", |m| m == "application/x-x509-user-cert");
                    *seen.entry("files x509".to_owned()).or_insert(0) += 1;
                }
            }
            "smtp" => {
                for f in [
                    "helo",
                    "mailfrom",
                    "from",
                    "msg_id",
                    "subject",
                    "last_reply",
                ] {
                    has(&v, f, string);
                }
                has(&v, "rcptto", array_of_strings);
                has(&v, "to", array_of_strings);
                has(&v, "path", |p| {
                    p.as_array().is_some_and(|a| a.iter().all(ip))
                });
            }
            "notice" => {
                for f in ["note", "msg", "sub", "src", "dst"] {
                    has(&v, f, string);
                }
                has(&v, "p", uint);
            }
            other => panic!("unexpected _path {other}"),
        }
        *seen.entry(path).or_insert(0) += 1;
    }
    for p in [
        "conn",
        "dns",
        "http",
        "ssl",
        "files",
        "files http",
        "files x509",
        "smtp",
        "notice",
    ] {
        assert!(
            seen.get(p).copied().unwrap_or(0) > 10,
            "too few {p}: {seen:?}"
        );
    }
}

#[test]
fn timestamps_increase() {
    let records = lines(Config::new(10, 2_000, 4));
    let times: Vec<&str> = records
        .iter()
        .map(|v| v["timestamp"].as_str().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    assert!(times[0].starts_with("2024-03-01T00:00:00."));
}
