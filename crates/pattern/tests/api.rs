//! The public helpers a multi-pattern index builds on: merging observation
//! sets, their time span and size, `IpBlock` and `TextMatcher`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{all, observed_at};
use phalanx_pattern::{CompiledPattern, IpBlock, ObservationSet, Pattern, TextMatcher};
use serde_json::json;

fn matches(pattern: &str, set: &ObservationSet) -> bool {
    CompiledPattern::new(&Pattern::parse(pattern).unwrap())
        .unwrap()
        .matches(set)
        .unwrap()
}

#[test]
fn merged_sets_evaluate_like_one_read() {
    let a = observed_at(
        "a",
        "2020-01-01T00:00:05Z",
        1,
        vec![
            json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "10.0.0.1"}),
            json!({"type": "network-traffic", "dst_ref": "ipv4-addr--1"}),
        ],
    );
    let b = observed_at(
        "b",
        "2020-01-01T00:00:01Z",
        1,
        vec![json!({"type": "domain-name", "value": "example.com"})],
    );
    let set_a = ObservationSet::from_stix(&a).unwrap();
    let set_b = ObservationSet::from_stix(&b).unwrap();
    let merged = ObservationSet::merge(&[&set_a, &set_b]);
    let together = ObservationSet::from_stix(&all(vec![a, b])).unwrap();
    assert_eq!(merged.len(), 2);
    assert_eq!(merged.instance_count(), 2);
    for pattern in [
        "[domain-name:value = 'example.com'] FOLLOWEDBY [network-traffic:dst_ref.value = '10.0.0.1']",
        "[network-traffic:dst_ref.value = '10.0.0.1'] FOLLOWEDBY [domain-name:value = 'example.com']",
        "[network-traffic:dst_ref.value = '10.0.0.1'] AND [domain-name:value = 'example.com']",
        "([network-traffic:dst_ref.value = '10.0.0.1'] AND [domain-name:value = 'example.com']) WITHIN 4 SECONDS",
        "([network-traffic:dst_ref.value = '10.0.0.1'] AND [domain-name:value = 'example.com']) WITHIN 5 SECONDS",
    ] {
        assert_eq!(
            matches(pattern, &merged),
            matches(pattern, &together),
            "{pattern}"
        );
    }
    assert!(matches(
        "[domain-name:value = 'example.com'] FOLLOWEDBY [network-traffic:dst_ref.value = '10.0.0.1']",
        &merged
    ));
    assert!(!matches(
        "([network-traffic:dst_ref.value = '10.0.0.1'] AND [domain-name:value = 'example.com']) WITHIN 4 SECONDS",
        &merged
    ));
    let (first, last) = merged.time_span().unwrap();
    assert_eq!(last - first, 4_000_000_000);
    assert!(ObservationSet::default().time_span().is_none());
    assert!(merged.heap_bytes() > set_a.heap_bytes());
    assert!(set_a.heap_bytes() > "example.com".len());
}

#[test]
fn ip_blocks_and_text_matchers_are_the_evaluator_rules() {
    let block = IpBlock::parse("11.22.41.123/20").unwrap();
    assert_eq!(block, IpBlock::V4(0x0b16_2000, 20));
    assert!(IpBlock::parse("11.22.33.44").unwrap().is_subset_of(&block));
    assert!(IpBlock::parse("10.0.0.0/08").is_err());
    assert!(!IpBlock::parse("::1").unwrap().is_v4());

    let like = TextMatcher::like("%.example", true);
    assert!(like.is_match_str("a.example"));
    assert!(!like.is_match_str("a.example.com"));
    let regex = TextMatcher::matches("^[a-z]+[.]test$", true).unwrap();
    assert!(regex.is_match_str("abc.test"));
    assert!(regex.is_match_bytes(b"abc.test"));
    assert!(TextMatcher::matches("(?=x)", true).is_err());
}
