//! Decoders against the workload generator: every record kind of both formats decodes to
//! exactly the STIX the generator derives from the same event, and the facts are exactly the
//! flattened STIX.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use phalanx_decode::{Decoder, Format, Paths};
use phalanx_matcher::{Facts, OwnedValue, PathId, facts_from_observation};
use phalanx_workload::{Config, DnsLayout, TelemetryFormat, Workload};
use serde_json::Value;

fn workload(format: TelemetryFormat, events: u64) -> Workload {
    Workload::new(Config {
        hit_rate: 0.3,
        ipv6_share: 0.2,
        format,
        dns_layout: DnsLayout::Mixed,
        ..Config::new(2_000, events, 11)
    })
    .unwrap()
}

fn decoder(format: TelemetryFormat) -> Decoder {
    Decoder::new(match format {
        TelemetryFormat::Eve => Format::Eve,
        TelemetryFormat::Zeek => Format::Zeek,
    })
    .unwrap()
}

/// Facts as a sorted multiset of (path text, value text), comparable across sources.
fn fact_set(facts: &Facts<'_>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = facts
        .as_slice()
        .iter()
        .map(|f| (f.path.to_string(), format!("{:?}", f.value)))
        .collect();
    out.sort();
    out
}

fn without_ids(mut objects: Vec<Value>) -> Vec<Value> {
    if let Some(od) = objects.first_mut().and_then(Value::as_object_mut) {
        od.remove("id");
    }
    objects
}

fn check(format: TelemetryFormat) {
    for path in Paths::all() {
        PathId::parse(path).unwrap();
    }
    let work = workload(format, 4_000);
    let decoder = decoder(format);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut line = Vec::new();
    for record in work.events() {
        line.clear();
        record.event.write_json(format, &mut line).unwrap();
        let text = String::from_utf8_lossy(&line).into_owned();
        let obs = decoder
            .decode(&line)
            .unwrap_or_else(|e| panic!("{e}: {text}"));
        *kinds.entry(obs.kind.to_string()).or_default() += 1;

        // The same STIX as the generator's table.
        let (want_od, want_scos) = work.event_stix(&record.event).unwrap();
        let (got_od, got_scos) = obs.to_stix("observed-data--x");
        let want: Vec<Value> = without_ids([vec![want_od], want_scos].concat());
        let got: Vec<Value> = without_ids([vec![got_od.clone()], got_scos.clone()].concat());
        assert_eq!(got, want, "{text}");

        // The facts are the flattened STIX (typed addresses, as decoders give them).
        let start = obs.start_text();
        let mut facts = Facts::new();
        obs.facts(decoder.paths(), start.as_str(), &mut facts);
        let mut objects = vec![got_od];
        objects.extend(got_scos);
        let flat = facts_from_observation(&objects).unwrap().remove(0);
        let mut flat = flat.with_typed_addresses();
        flat.entries.retain(|(path, _)| {
            let text = path.to_string();
            !text.ends_with(":id")
                && !text.ends_with(":spec_version")
                && !text.ends_with(".id")
                && !text.ends_with(".spec_version")
        });
        // An address that is also a value of another string property would be typed by the
        // conversion above; none of the workload's are.
        assert!(
            flat.entries
                .iter()
                .all(|(_, v)| !matches!(v, OwnedValue::Bytes(_)))
        );
        let flat_facts = flat.facts();
        assert_eq!(fact_set(&facts), fact_set(&flat_facts), "{text}");
        assert_eq!(facts.first_observed(), flat_facts.first_observed());
    }
    assert!(kinds.len() >= 6, "record kinds seen: {kinds:?}");
}

#[test]
fn eve_records_decode_to_the_generator_stix() {
    check(TelemetryFormat::Eve);
}

#[test]
fn zeek_records_decode_to_the_generator_stix() {
    check(TelemetryFormat::Zeek);
}
