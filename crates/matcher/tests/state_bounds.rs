//! Stateful windows stay within their bounds under a flood of bracket hits,
//! expire by time, and a match consumes its window.
#![allow(clippy::unwrap_used)]

use phalanx_matcher::{Facts, Hit, Matcher, MatcherConfig, StateConfig, facts_from_observation};
use phalanx_pattern::{ObservationSet, Pattern};
use serde_json::{Value, json};

const SECOND: i64 = 1_000_000_000;

/// An observation at `at` seconds of one address and one domain.
fn observation(n: u64, at: i64, address: &str, domain: &str) -> Vec<Value> {
    let time = jiff::Timestamp::from_second(1_700_000_000 + at)
        .unwrap()
        .to_string();
    vec![
        json!({"type": "observed-data", "id": format!("observed-data--{n}"),
               "first_observed": time, "last_observed": time, "number_observed": 1,
               "object_refs": [format!("ipv4-addr--{n}"), format!("domain-name--{n}")]}),
        json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{n}"), "value": address}),
        json!({"type": "domain-name", "id": format!("domain-name--{n}"), "value": domain,
               "x_padding": "p".repeat(200)}),
    ]
}

fn offer(matcher: &mut Matcher<u32>, objects: &[Value]) -> Vec<u32> {
    let owned = facts_from_observation(objects).unwrap().remove(0);
    let facts: Facts<'_> = owned.facts();
    let mut hits: Vec<Hit<u32>> = Vec::new();
    matcher.match_facts(&facts, || ObservationSet::from_stix(objects), &mut hits);
    hits.into_iter().map(|h| h.key).collect()
}

#[test]
fn a_flood_of_bracket_hits_stays_under_the_memory_cap() {
    let cap = 256 * 1024;
    let config = MatcherConfig {
        state: StateConfig {
            state_max_bytes: cap,
            window_capacity: 32,
            ..StateConfig::default()
        },
    };
    let mut matcher: Matcher<u32> = Matcher::new(config);
    // Patterns that never complete: the flood only ever fills windows.
    for i in 0..200u32 {
        let pattern = format!(
            "[ipv4-addr:value = '10.0.{}.{}'] AND [domain-name:value = 'never-{i}.example']",
            i / 250,
            i % 250
        );
        matcher
            .insert(i, &Pattern::parse(&pattern).unwrap())
            .unwrap();
    }
    matcher
        .insert(
            1_000,
            &Pattern::parse("[domain-name:value LIKE '%.flood.example'] REPEATS 1000 TIMES")
                .unwrap(),
        )
        .unwrap();
    let base = matcher.memory_bytes();
    let mut peak_state = 0;
    for n in 0..5_000u64 {
        let i = n % 200;
        let objects = observation(
            n,
            n as i64,
            &format!("10.0.{}.{}", i / 250, i % 250),
            &format!("x{n}.flood.example"),
        );
        assert!(offer(&mut matcher, &objects).is_empty());
        let stats = matcher.state_stats();
        assert!(stats.bytes <= cap, "{stats:?}");
        peak_state = peak_state.max(stats.bytes);
    }
    let stats = matcher.state_stats();
    assert!(stats.evictions > 1_000, "{stats:?}");
    assert!(
        peak_state > cap / 2,
        "the flood filled the windows: {stats:?}"
    );
    // Whole-index accounting includes the windows and stays bounded.
    assert!(
        matcher.memory_bytes() < base + 2 * cap,
        "{} vs {base}",
        matcher.memory_bytes()
    );
}

#[test]
fn the_window_count_cap_evicts_the_oldest() {
    let config = MatcherConfig {
        state: StateConfig {
            window_capacity: 4,
            ..StateConfig::default()
        },
    };
    let mut matcher: Matcher<u32> = Matcher::new(config);
    matcher
        .insert(
            1,
            &Pattern::parse("[ipv4-addr:value = '10.0.0.1'] REPEATS 6 TIMES").unwrap(),
        )
        .unwrap();
    for n in 0..20u64 {
        assert!(
            offer(
                &mut matcher,
                &observation(n, n as i64, "10.0.0.1", "a.example")
            )
            .is_empty()
        );
    }
    let stats = matcher.state_stats();
    assert_eq!(stats.entries, 4);
    assert_eq!(stats.evictions, 16);
}

#[test]
fn within_bounds_expire_and_matches_consume_the_window() {
    let mut matcher: Matcher<u32> = Matcher::default();
    let pattern =
        "([ipv4-addr:value = '10.0.0.1'] AND [domain-name:value = 'b.example']) WITHIN 10 SECONDS";
    matcher
        .insert(7, &Pattern::parse(pattern).unwrap())
        .unwrap();
    // The address at 0 s, the domain at 30 s: too far apart.
    assert!(offer(&mut matcher, &observation(1, 0, "10.0.0.1", "a.example")).is_empty());
    assert!(offer(&mut matcher, &observation(2, 30, "10.9.9.9", "b.example")).is_empty());
    assert_eq!(matcher.state_stats().expirations, 1);
    // The address again at 35 s completes the match with the domain at 30 s.
    assert_eq!(
        offer(&mut matcher, &observation(3, 35, "10.0.0.1", "a.example")),
        vec![7]
    );
    assert_eq!(
        matcher.state_stats().entries,
        0,
        "a match consumes the window"
    );
    // A lone domain afterwards does not match again.
    assert!(offer(&mut matcher, &observation(4, 36, "10.9.9.9", "b.example")).is_empty());
    // Removing the indicator drops its window.
    assert!(matcher.remove(&7));
    assert_eq!(matcher.state_stats().entries, 0);
    let horizon = StateConfig::default().horizon_ns;
    assert_eq!(horizon, 3_600 * SECOND);
}
