//! STIX 2.1 observed-data for generated events.
//!
//! Each event becomes one `observed-data` object (`number_observed` 1, `first_observed` =
//! `last_observed` = the event time) whose `object_refs` list the SCOs of the values the
//! event's *written record* carries in the given format:
//!
//! | SCO | from |
//! |---|---|
//! | `ipv4-addr` / `ipv6-addr` | source and destination |
//! | `network-traffic` | `src_ref`, `dst_ref`, ports, `protocols` (`ipv4`/`ipv6`, `tcp`/`udp`, app), `start` |
//! | `domain-name` | DNS query names, HTTP host (EVE `fileinfo` too), TLS SNI, SMTP HELO |
//! | `url` | `http://{host}{path}` of HTTP (EVE `fileinfo` too) |
//! | `file` | file transfers: `hashes` (`MD5`, `SHA-1`, `SHA-256`), `name`, `size` |
//! | `x509-certificate` | EVE `tls`: `hashes.SHA-1`, `serial_number`, `subject`, `issuer`; Zeek `ssl`: `hashes.SHA-256`; certificate files: `hashes.SHA-1` |
//! | `email-addr`, `email-message` | SMTP envelope sender and recipient |
//!
//! SCO ids are deterministic (UUIDv5 over the canonical ID-contributing properties, by
//! `phalanx_stix::deterministic_id`), so a value seen in many events is one SCO; a bundle
//! writer emits it once, after the first observed-data that refers to it.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::config::TelemetryFormat;
use crate::error::WorkloadError;
use crate::event::{Body, Event};
use crate::timefmt;

/// An SCO of `sco_type` with the given properties and its deterministic id.
fn sco(sco_type: &str, props: Value) -> Result<Value, WorkloadError> {
    let mut obj = Map::new();
    obj.insert("type".into(), sco_type.into());
    obj.insert("spec_version".into(), "2.1".into());
    obj.insert("id".into(), Value::Null);
    if let Value::Object(m) = props {
        obj.extend(m);
    }
    let id = phalanx_stix::deterministic_id(&obj).ok_or(WorkloadError::ScoId {
        sco_type: sco_type.to_owned(),
    })?;
    obj.insert("id".into(), id.into());
    Ok(Value::Object(obj))
}

fn ip_sco(ip: IpAddr) -> Result<Value, WorkloadError> {
    let ty = if ip.is_ipv6() {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    };
    sco(ty, json!({ "value": ip.to_string() }))
}

fn id_of(v: &Value) -> Value {
    v.get("id").cloned().unwrap_or(Value::Null)
}

/// Collects SCOs, skipping repeats within one event.
struct Scos(Vec<Value>);

impl Scos {
    fn push(&mut self, v: Value) -> Value {
        let id = id_of(&v);
        if !self.0.iter().any(|o| o.get("id") == Some(&id)) {
            self.0.push(v);
        }
        id
    }

    fn domain(&mut self, name: &str) -> Result<Value, WorkloadError> {
        Ok(self.push(sco("domain-name", json!({ "value": name }))?))
    }

    fn url(&mut self, host: &str, path: &str) -> Result<Value, WorkloadError> {
        let url = format!("http://{host}{path}");
        Ok(self.push(sco("url", json!({ "value": url }))?))
    }
}

/// The observed-data object (with id `observed_id`) and the SCOs of one event, as the
/// record written in `format` carries them.
pub fn event_to_stix(
    ev: &Event,
    format: TelemetryFormat,
    observed_id: &str,
) -> Result<(Value, Vec<Value>), WorkloadError> {
    let eve = format == TelemetryFormat::Eve;
    let mut scos = Scos(Vec::with_capacity(8));
    let src = scos.push(ip_sco(ev.src)?);
    let dst = scos.push(ip_sco(ev.dst)?);
    let mut protocols = vec![
        if ev.src.is_ipv6() { "ipv6" } else { "ipv4" },
        ev.transport.lower(),
    ];
    if let Some(app) = ev.app_proto() {
        protocols.push(app);
    }
    let start = timefmt::stix_exact(ev.time_us);
    let nt = json!({
        "start": start,
        "src_ref": src,
        "dst_ref": dst,
        "src_port": ev.src_port,
        "dst_port": ev.dst_port,
        "protocols": protocols,
    });
    scos.push(sco("network-traffic", nt)?);

    match &ev.body {
        Body::Dns(q) => {
            let names = if eve {
                &q.names[..]
            } else {
                &q.names[..q.names.len().min(1)]
            };
            for name in names {
                scos.domain(name)?;
            }
        }
        Body::Http(h) => {
            scos.domain(&h.host)?;
            scos.url(&h.host, &h.path)?;
        }
        Body::File(f) => {
            if eve {
                scos.domain(&f.http.host)?;
                scos.url(&f.http.host, &f.http.path)?;
            }
            scos.push(sco(
                "file",
                json!({
                    "hashes": {
                        "MD5": hex::encode(f.md5),
                        "SHA-1": hex::encode(f.sha1),
                        "SHA-256": hex::encode(f.sha256),
                    },
                    "name": f.name,
                    "size": f.size,
                }),
            )?);
        }
        Body::Tls(t) => {
            scos.domain(&t.sni)?;
            if eve {
                let serial = crate::text::colon_hex_upper(&t.serial).to_string();
                scos.push(sco(
                    "x509-certificate",
                    json!({
                        "hashes": { "SHA-1": hex::encode(t.sha1) },
                        "serial_number": serial,
                        "subject": format!("CN={}", t.subject_cn),
                        "issuer": t.issuer,
                    }),
                )?);
            } else {
                scos.push(sco(
                    "x509-certificate",
                    json!({ "hashes": { "SHA-256": hex::encode(t.sha256) } }),
                )?);
            }
        }
        Body::Certificate(c) => {
            scos.push(sco(
                "x509-certificate",
                json!({ "hashes": { "SHA-1": hex::encode(c.sha1) } }),
            )?);
        }
        Body::Smtp(s) => {
            scos.domain(&s.helo)?;
            let from = scos.push(sco("email-addr", json!({ "value": s.mail_from }))?);
            let to = scos.push(sco("email-addr", json!({ "value": s.rcpt_to }))?);
            scos.push(sco(
                "email-message",
                json!({
                    "is_multipart": false,
                    "from_ref": from,
                    "to_refs": [to],
                    "subject": s.subject,
                }),
            )?);
        }
        Body::Flow(_) | Body::Alert(_) => {}
    }

    let created = timefmt::stix_millis(ev.time_us.div_euclid(1000));
    let refs: Vec<Value> = scos.0.iter().map(id_of).collect();
    let observed = json!({
        "type": "observed-data",
        "spec_version": "2.1",
        "id": observed_id,
        "created": created,
        "modified": created,
        "first_observed": start,
        "last_observed": start,
        "number_observed": 1,
        "object_refs": refs,
    });
    Ok((observed, scos.0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::event::{HttpTx, Transport};

    fn http_event() -> Event {
        Event {
            index: 0,
            time_us: timefmt::EVENTS_EPOCH_S * 1_000_000 + 1_500_000,
            flow_id: 1,
            src: "10.0.0.1".parse().unwrap(),
            src_port: 5000,
            dst: "20.0.0.1".parse().unwrap(),
            dst_port: 80,
            transport: Transport::Tcp,
            body: Body::Http(HttpTx {
                host: "www.acme.com".into(),
                path: "/".into(),
                method: "GET",
                user_agent: "curl/8.5.0",
                status: 200,
                length: 10,
                content_type: "text/html",
            }),
        }
    }

    #[test]
    fn http_event_objects() {
        let (od, scos) =
            event_to_stix(&http_event(), TelemetryFormat::Eve, "observed-data--x").unwrap();
        let types: Vec<_> = scos.iter().map(|s| s["type"].as_str().unwrap()).collect();
        assert_eq!(
            types,
            [
                "ipv4-addr",
                "ipv4-addr",
                "network-traffic",
                "domain-name",
                "url"
            ]
        );
        assert_eq!(od["object_refs"].as_array().unwrap().len(), 5);
        assert_eq!(od["first_observed"], "2024-03-01T00:00:01.5Z");
        assert_eq!(od["created"], "2024-03-01T00:00:01.500Z");
        assert_eq!(scos[4]["value"], "http://www.acme.com/");
        assert_eq!(scos[2]["protocols"], json!(["ipv4", "tcp", "http"]));
    }

    #[test]
    fn sco_ids_match_python_stix2() {
        // Ids computed with python-stix2 for the same objects.
        let (_, scos) =
            event_to_stix(&http_event(), TelemetryFormat::Eve, "observed-data--x").unwrap();
        let d = scos.iter().find(|s| s["type"] == "domain-name").unwrap();
        assert_eq!(d["value"], "www.acme.com");
        let f = sco(
            "file",
            json!({"name": "a.exe", "hashes": {"MD5": "00112233445566778899aabbccddeeff", "SHA-256": "ab".repeat(32)}}),
        )
        .unwrap();
        assert_eq!(f["id"], "file--32ce5a32-5795-5b9f-bd1e-4b4a1125c1ae");
        let d = sco("domain-name", json!({"value": "example.com"})).unwrap();
        assert_eq!(d["id"], "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
        let keys: Vec<_> = d.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["type", "spec_version", "id", "value"]);
    }

    #[test]
    fn same_endpoints_give_one_ip_sco() {
        let mut ev = http_event();
        ev.dst = ev.src;
        let (_, scos) = event_to_stix(&ev, TelemetryFormat::Eve, "observed-data--x").unwrap();
        assert_eq!(scos.iter().filter(|s| s["type"] == "ipv4-addr").count(), 1);
    }
}
