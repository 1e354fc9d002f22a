//! On generated workloads (indicators of every kind, EVE and Zeek events
//! converted to observed-data), the index reports exactly the planted ground
//! truth: no miss, no false match.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use phalanx_matcher::{Hit, Matcher, Mode, facts_from_observation};
use phalanx_pattern::{ObservationSet, Pattern};
use phalanx_workload::{Config, TelemetryFormat, Workload};
use serde_json::Value;

fn run(format: TelemetryFormat, seed: u64) {
    let config = Config {
        hit_rate: 0.2,
        multi_rate: 0.2,
        format,
        ..Config::new(2_000, 3_000, seed)
    };
    let workload = Workload::new(config).unwrap();
    let mut matcher: Matcher<u32> = Matcher::default();
    for indicator in workload.indicators() {
        let pattern = Pattern::parse(&indicator.pattern).unwrap();
        matcher.insert(indicator.index, &pattern).unwrap();
    }
    assert_eq!(matcher.len(), 2_000);
    let [exact, verified, stateful] = matcher.mode_counts();
    assert!(
        exact > 1_500 && verified > 0 && stateful == 0,
        "{exact} {verified} {stateful}"
    );

    let mut hits: Vec<Hit<u32>> = Vec::new();
    let mut events_with_hits = 0;
    let mut verified_hits = 0;
    for record in workload.events() {
        let (od, scos) = workload.event_stix(&record.event).unwrap();
        let mut objects: Vec<Value> = vec![od];
        objects.extend(scos);
        let owned = facts_from_observation(&objects).unwrap().remove(0);
        let facts = owned.facts();
        hits.clear();
        let stats = matcher.match_facts(&facts, || ObservationSet::from_stix(&objects), &mut hits);
        assert_eq!(stats.undecided, 0);
        let got: BTreeSet<u32> = hits.iter().map(|h| h.key).collect();
        let expected: BTreeSet<u32> = record.hits.as_slice().iter().copied().collect();
        assert_eq!(
            got,
            expected,
            "event {} ({format}): {}",
            record.event.index,
            serde_json::to_string(&objects).unwrap()
        );
        events_with_hits += usize::from(!expected.is_empty());
        verified_hits += hits.iter().filter(|h| h.mode == Mode::Verify).count();
        for hit in &hits {
            assert!(!hit.facts.is_empty(), "every workload hit names its values");
        }
    }
    assert_eq!(events_with_hits, 600);
    assert!(
        verified_hits > 0,
        "network-traffic indicators were verified"
    );
}

#[test]
fn eve_workload_hits_equal_the_ground_truth() {
    run(TelemetryFormat::Eve, 11);
}

#[test]
fn zeek_workload_hits_equal_the_ground_truth() {
    run(TelemetryFormat::Zeek, 12);
}
