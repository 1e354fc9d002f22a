//! The index's public operations: replacement, removal, expiry, matched
//! values, errors and memory accounting.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use phalanx_matcher::{
    FactValue, Facts, Hit, Indicator, InsertError, Matcher, Mode, PathId, well_known,
};
use phalanx_pattern::{ObservationSet, Pattern};

fn keys(matcher: &mut Matcher<String>, facts: &Facts<'_>) -> Vec<String> {
    let mut hits: Vec<Hit<String>> = Vec::new();
    let stats = matcher.match_facts(
        facts,
        || Err::<ObservationSet, _>("no observation"),
        &mut hits,
    );
    assert_eq!(stats.undecided, 0);
    let mut keys: Vec<String> = hits.into_iter().map(|h| h.key).collect();
    keys.sort();
    keys
}

fn address(a: u32) -> Facts<'static> {
    let mut facts = Facts::new();
    facts.push(well_known::IPV4_VALUE, FactValue::Ipv4(a));
    facts
}

#[test]
fn replace_remove_and_expire() {
    let mut matcher: Matcher<String> = Matcher::default();
    let id = "indicator--00000000-0000-4000-8000-000000000001".to_string();
    matcher
        .insert(
            id.clone(),
            &Pattern::parse("[ipv4-addr:value = '10.0.0.1']").unwrap(),
        )
        .unwrap();
    assert_eq!(keys(&mut matcher, &address(0x0a00_0001)), vec![id.clone()]);
    // A new version replaces the old one.
    matcher
        .insert(
            id.clone(),
            &Pattern::parse("[ipv4-addr:value = '10.0.0.2']").unwrap(),
        )
        .unwrap();
    assert_eq!(matcher.len(), 1);
    assert!(keys(&mut matcher, &address(0x0a00_0001)).is_empty());
    assert_eq!(keys(&mut matcher, &address(0x0a00_0002)), vec![id.clone()]);
    assert!(matcher.remove(&id));
    assert!(!matcher.remove(&id));
    assert!(matcher.is_empty());

    // valid_until: expire removes what has passed, and only that.
    let soon = Indicator::parse("[ipv4-addr:value = '10.0.0.3']")
        .unwrap()
        .with_valid_until(100);
    let later = Indicator::parse("[ipv4-addr:value = '10.0.0.3']")
        .unwrap()
        .with_valid_until(200);
    matcher
        .insert_indicator("soon".into(), Arc::new(soon))
        .unwrap();
    matcher
        .insert_indicator("later".into(), Arc::new(later))
        .unwrap();
    assert_eq!(
        keys(&mut matcher, &address(0x0a00_0003)),
        vec!["later", "soon"]
    );
    assert_eq!(matcher.expire(99), 0);
    assert_eq!(matcher.expire(100), 1);
    assert_eq!(keys(&mut matcher, &address(0x0a00_0003)), vec!["later"]);
    assert_eq!(matcher.expire(1_000), 1);
    assert!(matcher.is_empty());
}

#[test]
fn hits_name_the_matched_values() {
    let mut matcher: Matcher<u32> = Matcher::default();
    matcher
        .insert(
            1,
            &Pattern::parse(
                "[domain-name:value = 'Evil.Example.'] OR [ipv4-addr:value = '10.0.0.1']",
            )
            .unwrap(),
        )
        .unwrap();
    let mut facts = Facts::new();
    facts.push(well_known::IPV4_VALUE, FactValue::Ipv4(0x0a00_0009));
    facts.push(well_known::DOMAIN_VALUE, FactValue::Str("evil.example"));
    facts.push(well_known::IPV4_VALUE, FactValue::Str("10.0.0.1"));
    let mut hits = Vec::new();
    matcher.match_facts(&facts, || Err::<ObservationSet, _>("unused"), &mut hits);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].mode, Mode::Exact);
    let values: Vec<FactValue<'_>> = hits[0].matched(&facts).map(|f| f.value).collect();
    assert_eq!(
        values,
        vec![FactValue::Str("evil.example"), FactValue::Str("10.0.0.1")]
    );
}

#[test]
fn invalid_patterns_are_refused_with_the_reason() {
    let mut matcher: Matcher<u32> = Matcher::default();
    let err = matcher
        .insert(1, &Pattern::parse("[file:name MATCHES '(?=x)']").unwrap())
        .unwrap_err();
    assert!(matches!(err, InsertError::Invalid(_)));
    assert!(err.to_string().contains("invalid"), "{err}");
    assert!(matcher.is_empty());
    assert!(matches!(
        Indicator::parse("[file:name ="),
        Err(InsertError::Syntax(_))
    ));
}

#[test]
fn verification_failures_are_counted_not_reported() {
    let mut matcher: Matcher<u32> = Matcher::default();
    matcher
        .insert(
            1,
            &Pattern::parse(
                "[network-traffic:dst_ref.value = '10.0.0.1' AND network-traffic:dst_port = 443]",
            )
            .unwrap(),
        )
        .unwrap();
    let mut facts = Facts::new();
    facts.push(well_known::NT_DST_VALUE, FactValue::Ipv4(0x0a00_0001));
    let mut hits = Vec::new();
    let stats = matcher.match_facts(
        &facts,
        || Err::<ObservationSet, _>("sensor record gone"),
        &mut hits,
    );
    assert!(hits.is_empty());
    assert_eq!(stats.candidates, 1);
    assert_eq!(stats.undecided, 1);
    assert_eq!(
        stats.observation_error.as_deref(),
        Some("sensor record gone")
    );
}

#[test]
fn memory_accounting_follows_inserts_and_removals() {
    let mut matcher: Matcher<u32> = Matcher::default();
    let empty = matcher.memory_bytes();
    for i in 0..5_000u32 {
        let text = format!(
            "[file:hashes.'SHA-256' = '{:064x}']",
            u128::from(i) * 0x9e37_79b9
        );
        matcher.insert(i, &Pattern::parse(&text).unwrap()).unwrap();
    }
    let full = matcher.memory_bytes();
    let per_indicator = (full - empty) / 5_000;
    // At least the 64 bytes of each hash; well under a kilobyte in all.
    assert!((64..1_000).contains(&per_indicator), "{per_indicator}");
    for i in 0..5_000u32 {
        assert!(matcher.remove(&i));
    }
    let report = matcher.memory_report();
    assert!(report.total() < full, "{report:?}");
    assert_eq!(report.kept_patterns, 0);
    // Paths registered by indicators can be looked up by decoders.
    assert!(PathId::parse("file:hashes.'SHA-256'").is_ok());
}
