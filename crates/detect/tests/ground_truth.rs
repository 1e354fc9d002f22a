//! The engine against the workload generator's ground truth: every planted match found, no
//! false match, no duplicate — for EVE and Zeek telemetry, with all indicator kinds.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use phalanx_decode::{Decoder, Format};
use phalanx_detect::{Engine, Offer, read_indicator};
use phalanx_workload::{Config, TelemetryFormat, Workload};

fn run(format: TelemetryFormat) {
    let work = Workload::new(Config {
        hit_rate: 0.05,
        ipv6_share: 0.2,
        format,
        ..Config::new(3_000, 20_000, 23)
    })
    .unwrap();
    let ids: Vec<String> = work.indicators().map(|i| i.id.clone()).collect();
    let decoder = Decoder::new(match format {
        TelemetryFormat::Eve => Format::Eve,
        TelemetryFormat::Zeek => Format::Zeek,
    })
    .unwrap();
    let mut engine = Engine::new(decoder, Default::default());
    for indicator in work.indicators() {
        let Offer::Activate(active) = read_indicator(&indicator.to_value()).unwrap() else {
            panic!("not an active indicator");
        };
        engine.activate(Arc::new(active)).unwrap();
    }
    assert_eq!(engine.len(), 3_000);

    let mut expected: BTreeSet<(u64, String)> = BTreeSet::new();
    let mut found: Vec<(u64, String)> = Vec::new();
    let mut line = Vec::new();
    for (n, record) in work.events().enumerate() {
        let n = n as u64;
        for &hit in record.hits.as_slice() {
            expected.insert((n, ids[hit as usize].clone()));
        }
        line.clear();
        record.event.write_json(format, &mut line).unwrap();
        engine
            .process(&line, |_, indicator, matched| {
                assert!(!matched.is_empty() || indicator.pattern.contains(" OR "));
                found.push((n, indicator.id.clone()));
            })
            .unwrap();
    }
    let unique: BTreeSet<(u64, String)> = found.iter().cloned().collect();
    assert_eq!(unique.len(), found.len(), "duplicate alerts");
    let missed: Vec<_> = expected.difference(&unique).take(5).collect();
    let false_matches: Vec<_> = unique.difference(&expected).take(5).collect();
    assert!(missed.is_empty(), "missed: {missed:?}");
    assert!(false_matches.is_empty(), "false matches: {false_matches:?}");
    assert!(
        expected.len() >= 1_000,
        "{} planted matches",
        expected.len()
    );
    let stats = engine.stats();
    assert_eq!(stats.records, 20_000);
    assert_eq!(stats.malformed, 0);
    assert_eq!(stats.matches as usize, expected.len());
    assert_eq!(stats.undecided, 0);
}

#[test]
fn eve_telemetry_matches_the_ground_truth_exactly() {
    run(TelemetryFormat::Eve);
}

#[test]
fn zeek_telemetry_matches_the_ground_truth_exactly() {
    run(TelemetryFormat::Zeek);
}
