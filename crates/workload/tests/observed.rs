//! The observed-data bundle is well formed and carries every planted value.
#![allow(clippy::unwrap_used)]

use std::collections::{HashMap, HashSet};

use phalanx_workload::{Config, IndicatorValues, TelemetryFormat, Workload};
use serde_json::Value;

fn workload(format: TelemetryFormat) -> Workload {
    Workload::new(Config {
        format,
        hit_rate: 0.4,
        multi_rate: 0.3,
        ..Config::new(200, 600, 13)
    })
    .unwrap()
}

#[test]
fn bundle_is_well_formed() {
    for format in [TelemetryFormat::Eve, TelemetryFormat::Zeek] {
        let w = workload(format);
        let bundle = w.observed_bundle(300).unwrap();
        assert_eq!(bundle["type"], "bundle");
        assert!(bundle.get("spec_version").is_none());
        let objects = bundle["objects"].as_array().unwrap();
        let mut ids = HashSet::new();
        for o in objects {
            assert!(
                ids.insert(o["id"].as_str().unwrap()),
                "duplicate {}",
                o["id"]
            );
            assert_eq!(o["spec_version"], "2.1");
            let ty = o["type"].as_str().unwrap();
            assert!(o["id"].as_str().unwrap().starts_with(&format!("{ty}--")));
        }
        let observed: Vec<&Value> = objects
            .iter()
            .filter(|o| o["type"] == "observed-data")
            .collect();
        assert_eq!(observed.len(), 300);
        for (i, od) in observed.iter().enumerate() {
            assert_eq!(od["id"], w.observed_data_id(i as u64));
            assert_eq!(od["number_observed"], 1);
            assert_eq!(od["first_observed"], od["last_observed"]);
            assert_eq!(od["created"].as_str().unwrap().len(), 24);
            for r in od["object_refs"].as_array().unwrap() {
                assert!(ids.contains(r.as_str().unwrap()), "dangling {r}");
            }
        }
        // Network traffic refers to address objects of the bundle.
        for nt in objects.iter().filter(|o| o["type"] == "network-traffic") {
            assert!(ids.contains(nt["src_ref"].as_str().unwrap()));
            assert!(ids.contains(nt["dst_ref"].as_str().unwrap()));
        }
    }
}

/// Every planted value appears among the SCOs its observed-data refers to.
#[test]
fn planted_values_are_observable() {
    for format in [TelemetryFormat::Eve, TelemetryFormat::Zeek] {
        let w = workload(format);
        let mut checked = 0;
        for record in w.events() {
            if record.hits.is_empty() {
                continue;
            }
            let (od, scos) = w.event_stix(&record.event).unwrap();
            let by_id: HashMap<&str, &Value> = scos
                .iter()
                .map(|s| (s["id"].as_str().unwrap(), s))
                .collect();
            let refs: Vec<&Value> = od["object_refs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| by_id[r.as_str().unwrap()])
                .collect();
            let values: HashSet<String> = refs
                .iter()
                .filter_map(|s| s.get("value").and_then(Value::as_str).map(str::to_owned))
                .collect();
            let hashes: HashSet<String> = refs
                .iter()
                .filter_map(|s| s.get("hashes").and_then(Value::as_object))
                .flat_map(|h| h.values().filter_map(Value::as_str).map(str::to_owned))
                .collect();
            let nt = refs
                .iter()
                .find(|s| s["type"] == "network-traffic")
                .unwrap();
            let dst_value = by_id[nt["dst_ref"].as_str().unwrap()]["value"]
                .as_str()
                .unwrap();
            for &i in record.hits.as_slice() {
                let facts = w.spec().facts(i).unwrap();
                let ok = match &facts.values {
                    IndicatorValues::Ipv4(ip) => values.contains(&ip.to_string()),
                    IndicatorValues::Ipv6(ip) => values.contains(&ip.to_string()),
                    IndicatorValues::NetworkDst(ip) => dst_value == ip.to_string(),
                    IndicatorValues::Ipv4Net(net) => {
                        let p = net.to_string();
                        let p = &p[..p.len() - 1];
                        values.iter().any(|v| v.starts_with(p))
                    }
                    IndicatorValues::Domain(d) | IndicatorValues::Email(d) => values.contains(d),
                    IndicatorValues::DomainSuffix(p) => {
                        values.iter().any(|v| v.ends_with(&format!(".{p}")))
                    }
                    IndicatorValues::Url { host, path } => {
                        values.contains(&format!("http://{host}{path}"))
                    }
                    IndicatorValues::Sha256(h) => hashes.contains(&hex::encode(h)),
                    IndicatorValues::Md5(h) => hashes.contains(&hex::encode(h)),
                    IndicatorValues::X509Sha1(h) => hashes.contains(&hex::encode(h)),
                    IndicatorValues::Ipv4OrDomain { ip, domain } => {
                        values.contains(&ip.to_string()) || values.contains(domain)
                    }
                };
                assert!(
                    ok,
                    "{format} event {}: {:?} not observable",
                    record.event.index, facts.values
                );
                checked += 1;
            }
        }
        assert!(checked > 240, "{checked}");
    }
}
