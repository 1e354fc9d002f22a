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
//! SCO ids are deterministic (see [`crate::sco_id`]), so a value seen in many events is
//! one SCO; a bundle writer emits it once, after the first observed-data that refers to it.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::config::TelemetryFormat;
use crate::error::WorkloadError;
use crate::event::{Body, Event};
use crate::sco::sco_id;
use crate::timefmt;

fn sco(sco_type: &str, contributing: Value, extra: Value) -> Result<Value, WorkloadError> {
    let id = sco_id(sco_type, &contributing)?;
    let mut obj = Map::new();
    obj.insert("type".into(), sco_type.into());
    obj.insert("spec_version".into(), "2.1".into());
    obj.insert("id".into(), id.into());
    for source in [contributing, extra] {
        if let Value::Object(m) = source {
            obj.extend(m);
        }
    }
    Ok(Value::Object(obj))
}

fn ip_sco(ip: IpAddr) -> Result<Value, WorkloadError> {
    let ty = if ip.is_ipv6() {
        "ipv6-addr"
    } else {
        "ipv4-addr"
    };
    sco(ty, json!({ "value": ip.to_string() }), Value::Null)
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
        Ok(self.push(sco("domain-name", json!({ "value": name }), Value::Null)?))
    }

    fn url(&mut self, host: &str, path: &str) -> Result<Value, WorkloadError> {
        let url = format!("http://{host}{path}");
        Ok(self.push(sco("url", json!({ "value": url }), Value::Null)?))
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
    scos.push(sco("network-traffic", nt, Value::Null)?);

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
            let md5 = hex::encode(f.md5);
            scos.push(sco(
                "file",
                json!({ "hashes": { "MD5": md5 }, "name": f.name }),
                json!({ "size": f.size }),
            )?);
            // The id uses only the preferred hash (MD5); the object carries all three.
            if let Some(last) = scos.0.last_mut()
                && let Some(h) = last.get_mut("hashes").and_then(Value::as_object_mut)
            {
                h.insert("SHA-1".into(), hex::encode(f.sha1).into());
                h.insert("SHA-256".into(), hex::encode(f.sha256).into());
            }
        }
        Body::Tls(t) => {
            scos.domain(&t.sni)?;
            if eve {
                let serial = crate::text::colon_hex_upper(&t.serial).to_string();
                scos.push(sco(
                    "x509-certificate",
                    json!({ "hashes": { "SHA-1": hex::encode(t.sha1) }, "serial_number": serial }),
                    json!({ "subject": format!("CN={}", t.subject_cn), "issuer": t.issuer }),
                )?);
            } else {
                scos.push(sco(
                    "x509-certificate",
                    json!({ "hashes": { "SHA-256": hex::encode(t.sha256) } }),
                    Value::Null,
                )?);
            }
        }
        Body::Certificate(c) => {
            scos.push(sco(
                "x509-certificate",
                json!({ "hashes": { "SHA-1": hex::encode(c.sha1) } }),
                Value::Null,
            )?);
        }
        Body::Smtp(s) => {
            scos.domain(&s.helo)?;
            let from = scos.push(sco(
                "email-addr",
                json!({ "value": s.mail_from }),
                Value::Null,
            )?);
            let to = scos.push(sco(
                "email-addr",
                json!({ "value": s.rcpt_to }),
                Value::Null,
            )?);
            scos.push(sco(
                "email-message",
                json!({ "from_ref": from, "subject": s.subject }),
                json!({ "is_multipart": false, "to_refs": [to] }),
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
    fn same_endpoints_give_one_ip_sco() {
        let mut ev = http_event();
        ev.dst = ev.src;
        let (_, scos) = event_to_stix(&ev, TelemetryFormat::Eve, "observed-data--x").unwrap();
        assert_eq!(scos.iter().filter(|s| s["type"] == "ipv4-addr").count(), 1);
    }
}
