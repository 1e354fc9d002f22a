//! The twenty tricky patterns of the specs digest (§3.5), from the OASIS
//! matcher test-suite and spec §9.5, as fixtures written here.
#![allow(clippy::unwrap_used)]

mod common;

use common::{all, eval, eval_with, observed_at, person};
use phalanx_pattern::{Pattern, Semantics};
use serde_json::{Value, json};

/// F1: three observations, one person each.
fn f1() -> Vec<Value> {
    all(vec![
        observed_at(
            "alice",
            "2004-10-11T21:44:58Z",
            1,
            vec![person("alice", 10)],
        ),
        observed_at(
            "carol",
            "2006-11-03T07:42:18.96Z",
            1,
            vec![person("carol", 22)],
        ),
        observed_at("bob", "2008-05-09T01:21:58.6Z", 1, vec![person("bob", 17)]),
    ])
}

/// F2: three observations five seconds apart.
fn f2() -> Vec<Value> {
    all(vec![
        observed_at(
            "alice",
            "1994-11-29T13:37:52Z",
            1,
            vec![person("alice", 10)],
        ),
        observed_at("bob", "1994-11-29T13:37:57Z", 1, vec![person("bob", 17)]),
        observed_at(
            "carol",
            "1994-11-29T13:38:02Z",
            1,
            vec![person("carol", 22)],
        ),
    ])
}

/// F3: observations with number_observed 2, 3 and 2.
fn f3() -> Vec<Value> {
    all(vec![
        observed_at(
            "alice",
            "2004-10-11T21:44:58Z",
            2,
            vec![person("alice", 10)],
        ),
        observed_at("bob", "2004-10-11T21:45:01Z", 3, vec![person("bob", 17)]),
        observed_at(
            "carol",
            "2004-10-11T21:45:02Z",
            2,
            vec![person("carol", 22)],
        ),
    ])
}

/// F4: one observation of three people who know each other.
fn f4() -> Vec<Value> {
    let scos = vec![
        json!({"type": "person", "id": "person--a", "name": "alice", "knows_ref": "person--b"}),
        json!({"type": "person", "id": "person--b", "name": "bob", "knows_refs": ["person--a", "person--c"]}),
        json!({"type": "person", "id": "person--c", "name": "carol", "knows_refs": ["person--a", "person--b", "person--c"]}),
    ];
    observed_at("f4", "2020-01-01T00:00:00Z", 1, scos)
}

#[test]
fn t01_observation_and_needs_different_observations() {
    assert!(!eval("[person:name='alice'] AND [person:age=10]", &f1()));
}

#[test]
fn t02_bracket_and_is_one_object() {
    assert!(eval("[person:name='alice' AND person:age=10]", &f1()));
}

#[test]
fn t03_and_binds_tighter_than_or() {
    assert!(eval(
        "[person:age > 20] OR [person:name > 'zelda'] AND [person:age < 0]",
        &f1()
    ));
}

#[test]
fn t04_parentheses_override() {
    assert!(!eval(
        "([person:age > 20] OR [person:name > 'zelda']) AND [person:age < 0]",
        &f1()
    ));
}

#[test]
fn t05_followedby_is_lowest() {
    assert!(!eval(
        "[person:age > 20] OR [person:name > 'zelda'] FOLLOWEDBY [person:age < 0]",
        &f1()
    ));
}

#[test]
fn t06_followedby_is_ordered() {
    assert!(!eval(
        "[person:name='bob'] FOLLOWEDBY [person:age<15]",
        &f1()
    ));
    assert!(eval(
        "[person:age<15] FOLLOWEDBY [person:name='bob']",
        &f1()
    ));
}

#[test]
fn t07_followedby_rhs_and_must_all_follow() {
    assert!(!eval(
        "[person:name='carol'] FOLLOWEDBY [person:name < 'elizabeth'] AND [person:age < 15]",
        &f1()
    ));
}

#[test]
fn t08_grouped_followedby_then_and() {
    assert!(eval(
        "([person:name='carol'] FOLLOWEDBY [person:name < 'elizabeth']) AND [person:age < 15]",
        &f1()
    ));
}

#[test]
fn t09_within_qualifies_only_the_preceding_bracket() {
    assert!(eval(
        "[person:name = 'alice'] AND [person:name < 'carol'] WITHIN 1 SECONDS",
        &f2()
    ));
}

#[test]
fn t10_within_on_a_group_and_the_exclusive_edge() {
    assert!(!eval(
        "([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 4 SECONDS",
        &f2()
    ));
    // Alice and bob are exactly 5 s apart: the spec's bound is exclusive ...
    assert!(!eval(
        "([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 5 SECONDS",
        &f2()
    ));
    // ... the reference matcher's is inclusive.
    let reference = Semantics {
        within_exclusive: false,
        ..Semantics::SPEC
    };
    assert!(eval_with(
        "([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 5 SECONDS",
        &f2(),
        reference
    ));
    assert!(eval(
        "([person:name = 'alice'] AND [person:name < 'carol']) WITHIN 5.000000001 SECONDS",
        &f2()
    ));
}

#[test]
fn t11_start_inclusive_stop_exclusive() {
    assert!(eval(
        "[person:name = 'bob'] START t'1994-11-29T13:37:57Z' STOP t'1994-11-29T13:37:58Z'",
        &f2()
    ));
    assert!(!eval(
        "[person:name = 'bob'] START t'1994-11-29T13:37:58Z' STOP t'1994-11-29T13:37:59Z'",
        &f2()
    ));
    assert!(!eval(
        "[person:name = 'bob'] START t'1994-11-29T13:37:56Z' STOP t'1994-11-29T13:37:57Z'",
        &f2()
    ));
    assert!(!eval(
        "[person:name = 'bob'] START t'1994-11-29T13:37:58Z' STOP t'1994-11-29T13:37:58Z'",
        &f2()
    ));
}

#[test]
fn t12_repeats_within_start_stop() {
    let pattern = "[person:name MATCHES ''] REPEATS 3 TIMES START t'1994-11-29T13:37:50Z' STOP t'1994-11-29T13:37:58Z'";
    assert!(!eval(pattern, &f2()));
    assert!(eval(&pattern.replace("REPEATS 3", "REPEATS 2"), &f2()));
}

#[test]
fn t13_repeats_counts_number_observed() {
    assert!(eval("[person:age < 20] REPEATS 5 TIMES", &f3()));
    assert!(!eval("[person:age < 20] REPEATS 6 TIMES", &f3()));
    assert!(!eval("[person:age < 20] REPEATS 10 TIMES", &f3()));
}

#[test]
fn t14_two_repeats_on_one_expression_are_invalid() {
    assert!(!eval(
        "[person:age < 20] REPEATS 2 TIMES REPEATS 3 TIMES",
        &f3()
    ));
    // Parenthesised, the second REPEATS qualifies a new expression: 2 x 3 = 6
    // instances, but only 5 are younger than 20; 2 x 2 = 4 fit.
    assert!(!eval(
        "([person:age < 20] REPEATS 2 TIMES) REPEATS 3 TIMES",
        &f3()
    ));
    assert!(eval(
        "([person:age < 20] REPEATS 2 TIMES) REPEATS 2 TIMES",
        &f3()
    ));
}

#[test]
fn t15_refs_star_on_the_same_root() {
    assert!(eval(
        "[person:knows_refs[*].name = 'carol' AND person:knows_refs[*].name = 'bob']",
        &f4()
    ));
}

#[test]
fn t16_no_single_root_satisfies_both() {
    assert!(!eval(
        "[person:knows_refs[*].name = 'alice' AND person:knows_ref.name = 'darlene']",
        &f4()
    ));
    assert!(eval(
        "[person:knows_refs[*].name = 'alice' AND person:knows_refs[*].name = 'carol']",
        &f4()
    ));
}

#[test]
fn t17_src_and_dst_from_different_roots() {
    let od = json!({
        "type": "observed-data", "id": "observed-data--spec",
        "first_observed": "2019-10-20T00:12:01.000000Z", "last_observed": "2019-10-20T00:51:02.000000Z",
        "number_observed": 1,
        "objects": {
            "0": {"type": "network-traffic", "src_ref": "1"},
            "1": {"type": "ipv4-addr", "value": "203.0.113.10"},
            "2": {"type": "network-traffic", "dst_ref": "3"},
            "3": {"type": "ipv4-addr", "value": "198.51.100.58"}
        }
    });
    let pattern = "[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:dst_ref.value = '198.51.100.58']";
    assert!(!eval(pattern, std::slice::from_ref(&od)));
    assert!(eval(
        "[network-traffic:src_ref.value = '203.0.113.10']",
        &[od]
    ));
}

#[test]
fn t18_only_two_escapes() {
    let err = Pattern::parse(r"[file:name = 'C:\Windows\x.dll']").unwrap_err();
    assert_eq!(err.column(), 17);
    assert!(err.to_string().contains(r"invalid escape '\W'"), "{err}");
    let objects = observed_at(
        "f",
        "2020-01-01T00:00:00Z",
        1,
        vec![json!({"type": "file", "name": r"C:\Windows\x.dll"})],
    );
    assert!(!eval(r"[file:name = 'C:\Windows\x.dll']", &objects));
    assert!(eval(r"[file:name = 'C:\\Windows\\x.dll']", &objects));
}

#[test]
fn t19_type_mismatch_is_false_then_negated() {
    let present = observed_at(
        "t",
        "2020-01-01T00:00:00Z",
        1,
        vec![json!({"type": "test", "int": 5})],
    );
    assert!(eval("[test:int NOT MATCHES 'l+']", &present));
    let absent = observed_at(
        "t",
        "2020-01-01T00:00:00Z",
        1,
        vec![json!({"type": "test", "other": 5})],
    );
    assert!(!eval("[test:int NOT MATCHES 'l+']", &absent));
}

#[test]
fn t20_cidr_host_bits_are_cleared() {
    let objects = observed_at(
        "t",
        "2020-01-01T00:00:00Z",
        1,
        vec![json!({"type": "test", "ip": "11.22.33.44"})],
    );
    assert!(eval("[test:ip ISSUBSET '11.22.41.123/20']", &objects));
    assert!(!eval("[test:ip ISSUBSET '11.22.48.0/20']", &objects));
}
