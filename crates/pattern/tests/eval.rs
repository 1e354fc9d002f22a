//! The evaluator: every comparison operator, path form and qualifier, with
//! the edge cases (missing properties, NOT, empty sets, window edges).
#![allow(clippy::unwrap_used)]

mod common;

use common::{all, eval, eval_with, observed_at, observed_between};
use phalanx_pattern::{CompiledPattern, EvalError, ObservationSet, Pattern, Semantics};
use serde_json::{Value, json};

const T0: &str = "2020-01-01T00:00:00Z";

/// One observation of one file with many kinds of properties.
fn file() -> Vec<Value> {
    observed_at(
        "file",
        T0,
        1,
        vec![json!({
            "type": "file",
            "name": "report.exe",
            "size": 100,
            "ratio": 1.5,
            "is_x": true,
            "nothing": null,
            "created": "2019-06-01T12:00:00.5Z",
            "not_a_time": "yesterday",
            "hashes": {"MD5": "0123456789abcdef0123456789abcdef", "SHA-256": "aa"},
            "tags": ["alpha", "beta"],
            "empty": [],
            "magic_number_hex": "ffd8",
            "payload_bin": "dGhpcyBpcyBhIHRlc3Q=",
            "bad_hex": "xyz",
            "multi": "line one\nline two",
            "nested": {"k": {"x": 1}},
        })],
    )
}

fn yes(pattern: &str) {
    assert!(eval(pattern, &file()), "expected a match: {pattern}");
}

fn no(pattern: &str) {
    assert!(!eval(pattern, &file()), "expected no match: {pattern}");
}

#[test]
fn equality() {
    yes("[file:name = 'report.exe']");
    no("[file:name = 'REPORT.exe']");
    yes("[file:size = 100]");
    yes("[file:size = 100.0]");
    no("[file:size = 100.5]");
    yes("[file:ratio = 1.5]");
    yes("[file:is_x = true]");
    no("[file:is_x = 1]");
    yes("[file:name != 'other']");
    no("[file:name != 'report.exe']");
    // Incompatible types: false, except for !=.
    no("[file:size = '100']");
    yes("[file:size != '100']");
    yes("[file:nothing != 1]");
    no("[file:nothing = 1]");
    yes("[file:hashes != 'x']");
}

#[test]
fn missing_properties_are_false_whatever_not_says() {
    no("[file:missing = 1]");
    no("[file:missing != 1]");
    no("[file:missing NOT = 1]");
    no("[file:missing NOT != 1]");
    no("[file:missing NOT IN ()]");
    no("[file:missing NOT LIKE 'a']");
    no("[file:missing NOT MATCHES 'a']");
    no("[file:missing NOT ISSUBSET '10.0.0.0/8']");
    no("[file:missing < 1]");
    no("[file:missing NOT < 1]");
    no("[process:pid NOT = 1]");
}

#[test]
fn not_negates_present_values() {
    yes("[file:name NOT = 'other']");
    no("[file:name NOT = 'report.exe']");
    yes("[file:size NOT > 100]");
    no("[file:size NOT >= 100]");
    yes("[file:size NOT = 'text']");
    no("[file:size NOT != 'text']");
}

#[test]
fn ordering() {
    yes("[file:size > 99]");
    no("[file:size > 100]");
    yes("[file:size >= 100]");
    yes("[file:size < 100.5]");
    yes("[file:size <= 100]");
    yes("[file:name > 'report']");
    no("[file:name < 'report']");
    yes("[file:name < 'rf']");
    // Booleans have no order; incompatible types are false.
    no("[file:is_x < 2]");
    no("[file:name > 5]");
    // NOT negates the false of an incompatible ordering (spec); the reference
    // matcher leaves it false.
    yes("[file:name NOT > 5]");
    let reference = Semantics {
        negate_incomparable_order: false,
        ..Semantics::SPEC
    };
    assert!(!eval_with("[file:name NOT > 5]", &file(), reference));
    assert!(eval_with("[file:name NOT > 'z']", &file(), reference));
}

#[test]
fn timestamps_compare_as_instants() {
    yes("[file:created = t'2019-06-01T12:00:00.500Z']");
    yes("[file:created > t'2019-06-01T12:00:00Z']");
    no("[file:created < t'2019-06-01T12:00:00.5Z']");
    no("[file:not_a_time = t'2019-06-01T12:00:00Z']");
    yes("[file:not_a_time != t'2019-06-01T12:00:00Z']");
    yes("[file:created IN (t'2019-06-01T12:00:00.5Z')]");
}

#[test]
fn set_membership() {
    yes("[file:size IN (1, 100)]");
    yes("[file:size IN (100.0)]");
    no("[file:size IN (1, 2)]");
    no("[file:size IN ()]");
    yes("[file:size NOT IN ()]");
    yes("[file:size NOT IN (1, 2)]");
    no("[file:size NOT IN (100)]");
    yes("[file:name IN ('a', 'report.exe')]");
    no("[file:is_x IN (1)]");
    yes("[file:payload_bin IN ('this is a test')]");
    // The reference matcher's set membership: true is 1, strings are not octets.
    let reference = Semantics {
        in_member_equality: false,
        ..Semantics::SPEC
    };
    assert!(eval_with("[file:is_x IN (1)]", &file(), reference));
    assert!(!eval_with(
        "[file:payload_bin IN ('this is a test')]",
        &file(),
        reference
    ));
    // Mixed-type sets are invalid patterns.
    no("[file:size IN (100, '100')]");
}

#[test]
fn like_is_sql_over_the_whole_value() {
    yes("[file:name LIKE 'report.%']");
    yes("[file:name LIKE '%.exe']");
    yes("[file:name LIKE 'r_port.exe']");
    no("[file:name LIKE 'report']");
    no("[file:name LIKE 'r_port']");
    yes("[file:name NOT LIKE 'x%']");
    no("[file:size LIKE '1%']");
    yes("[file:size NOT LIKE '1%']");
    yes("[file:multi LIKE 'line%two']");
    yes("[file:payload_bin LIKE 'this%']");
}

#[test]
fn matches_is_a_dotall_search() {
    yes("[file:name MATCHES 'port']");
    yes("[file:name MATCHES '^report\\\\.exe$']");
    no("[file:name MATCHES '^port']");
    yes("[file:multi MATCHES 'one.line']");
    let no_dotall = Semantics {
        dotall: false,
        ..Semantics::SPEC
    };
    assert!(!eval_with(
        "[file:multi MATCHES 'one.line']",
        &file(),
        no_dotall
    ));
    yes("[file:multi MATCHES '(?m)^line two$']");
    yes("[file:name NOT MATCHES 'xyz']");
    no("[file:size MATCHES '1']");
    yes("[file:size NOT MATCHES '1']");
    // Binary properties match octets, without Unicode.
    yes("[file:magic_number_hex MATCHES '^\\\\xff\\\\xd8$']");
    yes("[file:payload_bin MATCHES '^this']");
    // Invalid regexes make the pattern invalid.
    no("[file:name NOT MATCHES '(?=x)']");
}

#[test]
fn binary_values() {
    yes("[file:payload_bin = 'this is a test']");
    yes("[file:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']");
    yes("[file:payload_bin = h'7468697320697320612074657374']");
    no("[file:payload_bin = 'dGhpcyBpcyBhIHRlc3Q=']");
    yes("[file:payload_bin != '\u{100}']");
    no("[file:payload_bin = '\u{100}']");
    yes("[file:magic_number_hex = h'FFD8']");
    yes("[file:magic_number_hex < h'ffd9']");
    yes("[file:magic_number_hex > h'ff']");
    yes("[file:magic_number_hex = '\u{ff}\u{d8}']");
    // A _hex value that does not decode is absent.
    no("[file:bad_hex = 'xyz']");
    yes("[NOT EXISTS file:bad_hex]");
}

#[test]
fn exists() {
    yes("[EXISTS file:name]");
    yes("[EXISTS file:nothing]");
    yes("[EXISTS file:hashes.MD5]");
    no("[EXISTS file:hashes.SHA1]");
    yes("[NOT EXISTS file:hashes.SHA1]");
    no("[NOT EXISTS file:name]");
    no("[NOT EXISTS process:pid]");
    yes("[EXISTS file:tags[1]]");
    no("[EXISTS file:tags[2]]");
    no("[EXISTS file:empty[*]]");
    yes("[NOT EXISTS file:empty[*]]");
}

#[test]
fn paths() {
    yes("[file:hashes.'SHA-256' = 'aa']");
    yes("[file:tags[0] = 'alpha']");
    no("[file:tags[0] = 'beta']");
    no("[file:tags[2] = 'alpha']");
    no("[file:tags[-1] = 'beta']");
    no("[file:tags[2] != 'alpha']");
    yes("[file:tags[*] = 'beta']");
    no("[file:tags[*] = 'gamma']");
    no("[file:empty[*] = 'x']");
    no("[file:empty[*] NOT = 'x']");
    yes("[file:nested.k.x = 1]");
    no("[file:nested.k.y = 1]");
    // A key step on a list and an index step on a map are absent.
    no("[file:tags.x = 1]");
    no("[file:nested[0] = 1]");
    // NOT applies to each element: some element is not 'alpha'.
    yes("[file:tags[*] NOT = 'alpha']");
    yes("[file:tags[*] != 'alpha']");
}

#[test]
fn references_resolve_within_the_observation() {
    let scos = vec![
        json!({"type": "network-traffic", "id": "network-traffic--1", "src_ref": "ipv4-addr--1", "dst_ref": "ipv4-addr--2", "protocols": ["tcp"]}),
        json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "203.0.113.10"}),
        json!({"type": "email-message", "id": "email-message--1", "to_refs": ["email-addr--1", "email-addr--missing", "email-addr--2"], "from_ref": "email-addr--missing"}),
        json!({"type": "email-addr", "id": "email-addr--1", "value": "a@example.com"}),
        json!({"type": "email-addr", "id": "email-addr--2", "value": "b@example.com"}),
    ];
    let mut objects = observed_at("one", T0, 1, scos);
    // ipv4-addr--2 exists in the input, but in another observation only.
    objects.extend(observed_at(
        "two",
        T0,
        1,
        vec![json!({"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "198.51.100.58"})],
    ));
    let yes = |p: &str| assert!(eval(p, &objects), "expected a match: {p}");
    let no = |p: &str| assert!(!eval(p, &objects), "expected no match: {p}");
    yes("[network-traffic:src_ref.value = '203.0.113.10']");
    yes("[network-traffic:src_ref.type = 'ipv4-addr']");
    no("[network-traffic:dst_ref.value = '198.51.100.58']");
    yes("[NOT EXISTS network-traffic:dst_ref]");
    no("[network-traffic:dst_ref.value != 'x']");
    yes("[network-traffic:src_ref.value ISSUBSET '203.0.113.0/24']");
    // A resolved reference is an object, incompatible with a string.
    no("[network-traffic:src_ref = 'ipv4-addr--1']");
    yes("[email-message:to_refs[*].value = 'b@example.com']");
    yes("[email-message:to_refs[0].value = 'a@example.com']");
    // Unresolved references are left out of a _refs list.
    yes("[email-message:to_refs[1].value = 'b@example.com']");
    no("[EXISTS email-message:from_ref]");
}

#[test]
fn deprecated_objects_dictionary() {
    let od = json!({
        "type": "observed-data", "id": "observed-data--x",
        "first_observed": T0, "last_observed": T0, "number_observed": 1,
        "objects": {
            "0": {"type": "file", "name": "a", "parent_directory_ref": "1"},
            "1": {"type": "directory", "path": "C:\\Windows"}
        }
    });
    assert!(eval(
        "[file:parent_directory_ref.path = 'C:\\\\Windows']",
        &[od]
    ));
}

#[test]
fn set_operations_on_addresses() {
    let objects = all(vec![
        observed_at(
            "a",
            T0,
            1,
            vec![json!({"type": "ipv4-addr", "value": "198.51.100.0/27"})],
        ),
        observed_at(
            "b",
            T0,
            1,
            vec![json!({"type": "ipv6-addr", "value": "2001:db8::1"})],
        ),
        observed_at(
            "c",
            T0,
            1,
            vec![json!({"type": "ipv4-addr", "value": "not an address"})],
        ),
    ]);
    let yes = |p: &str| assert!(eval(p, &objects), "expected a match: {p}");
    let no = |p: &str| assert!(!eval(p, &objects), "expected no match: {p}");
    yes("[ipv4-addr:value ISSUBSET '198.51.100.0/24']");
    yes("[ipv4-addr:value ISSUBSET '198.51.100.0/27']");
    yes("[ipv4-addr:value ISSUPERSET '198.51.100.0/27']");
    yes("[ipv4-addr:value ISSUPERSET '198.51.100.7']");
    no("[ipv4-addr:value ISSUBSET '198.51.100.0/28']");
    no("[ipv4-addr:value ISSUPERSET '198.51.100.0/24']");
    yes("[ipv6-addr:value ISSUBSET '2001:db8::/32']");
    yes("[ipv6-addr:value ISSUBSET '2001:DB8:0::1']");
    no("[ipv6-addr:value ISSUBSET '2001:db9::/32']");
    no("[ipv6-addr:value ISSUBSET '0.0.0.0/0']");
    yes("[ipv6-addr:value NOT ISSUBSET '10.0.0.0/8']");
    // A value that is not an address is false (so NOT makes it true).
    yes("[ipv4-addr:value NOT ISSUBSET '198.51.100.0/24' AND ipv4-addr:value = 'not an address']");
}

#[test]
fn observation_operators() {
    let objects = all(vec![
        observed_at(
            "a1",
            "2020-01-01T00:00:00Z",
            1,
            vec![json!({"type": "x-t", "v": "a"})],
        ),
        observed_at(
            "b1",
            "2020-01-01T00:00:10Z",
            2,
            vec![json!({"type": "x-t", "v": "b"})],
        ),
    ]);
    let yes = |p: &str| assert!(eval(p, &objects), "expected a match: {p}");
    let no = |p: &str| assert!(!eval(p, &objects), "expected no match: {p}");
    yes("[x-t:v = 'a'] AND [x-t:v = 'b']");
    no("[x-t:v = 'a'] AND [x-t:v = 'a']");
    // number_observed = 2: two distinct instances of b.
    yes("[x-t:v = 'b'] AND [x-t:v = 'b']");
    no("[x-t:v = 'b'] AND [x-t:v = 'b'] AND [x-t:v = 'b']");
    yes("[x-t:v = 'c'] OR [x-t:v = 'b']");
    no("[x-t:v = 'c'] OR [x-t:v = 'd']");
    yes("[x-t:v = 'a'] FOLLOWEDBY [x-t:v = 'b']");
    no("[x-t:v = 'b'] FOLLOWEDBY [x-t:v = 'a']");
    // Two instances of one observation share its instant: b follows b.
    yes("[x-t:v = 'b'] FOLLOWEDBY [x-t:v = 'b']");
    yes("[x-t:v = 'b'] REPEATS 2 TIMES");
    no("[x-t:v = 'b'] REPEATS 3 TIMES");
    yes("[x-t:v = 'a' OR x-t:v = 'b'] REPEATS 3 TIMES");
    no("[x-t:v = 'a' OR x-t:v = 'b'] REPEATS 4 TIMES");
    assert!(!eval("[x-t:v = 'a']", &[]));
}

#[test]
fn within_edges() {
    let objects = all(vec![
        observed_at(
            "a",
            "2020-01-01T00:00:00Z",
            1,
            vec![json!({"type": "x-t", "v": "a"})],
        ),
        observed_at(
            "b",
            "2020-01-01T00:00:05Z",
            1,
            vec![json!({"type": "x-t", "v": "b"})],
        ),
    ]);
    let both = "([x-t:v = 'a'] AND [x-t:v = 'b'])";
    assert!(!eval(&format!("{both} WITHIN 5 SECONDS"), &objects));
    assert!(eval(
        &format!("{both} WITHIN 5.000000001 SECONDS"),
        &objects
    ));
    assert!(!eval(
        &format!("{both} WITHIN 4.999999999 SECONDS"),
        &objects
    ));
    let inclusive = Semantics {
        within_exclusive: false,
        ..Semantics::SPEC
    };
    assert!(eval_with(
        &format!("{both} WITHIN 5 SECONDS"),
        &objects,
        inclusive
    ));
    assert!(!eval_with(
        &format!("{both} WITHIN 4.999999999 SECONDS"),
        &objects,
        inclusive
    ));
}

#[test]
fn intervals_are_read_optimistically() {
    // a somewhere in [0 s, 100 s], b at 50 s.
    let objects = all(vec![
        observed_between(
            "a",
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:01:40Z",
            1,
            vec![json!({"type": "x-t", "v": "a"})],
        ),
        observed_at(
            "b",
            "2020-01-01T00:00:50Z",
            1,
            vec![json!({"type": "x-t", "v": "b"})],
        ),
    ]);
    let yes = |p: &str| assert!(eval(p, &objects), "expected a match: {p}");
    let no = |p: &str| assert!(!eval(p, &objects), "expected no match: {p}");
    yes("[x-t:v = 'a'] FOLLOWEDBY [x-t:v = 'b']");
    yes("[x-t:v = 'b'] FOLLOWEDBY [x-t:v = 'a']");
    yes("([x-t:v = 'a'] AND [x-t:v = 'b']) WITHIN 1 SECONDS");
    yes("[x-t:v = 'a'] START t'2020-01-01T00:01:39Z' STOP t'2020-01-01T00:01:41Z'");
    yes("[x-t:v = 'a'] START t'2020-01-01T00:01:40Z' STOP t'2020-01-01T00:01:41Z'");
    no("[x-t:v = 'a'] START t'2020-01-01T00:01:40.000000001Z' STOP t'2020-01-01T00:01:41Z'");
    no("[x-t:v = 'a'] START t'2019-12-31T23:59:00Z' STOP t'2020-01-01T00:00:00Z'");
    yes("[x-t:v = 'a'] START t'2019-12-31T23:59:00Z' STOP t'2020-01-01T00:00:00.000000001Z'");

    // One instant for a must satisfy every constraint together: after b
    // (>= 50 s) and before 10 s cannot both hold. The reference matcher checks
    // each operator alone and says yes.
    let joint = "[x-t:v = 'b'] FOLLOWEDBY ([x-t:v = 'a'] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:10Z')";
    no(joint);
    let per_operator = Semantics {
        joint_time: false,
        ..Semantics::SPEC
    };
    assert!(eval_with(joint, &objects, per_operator));
    yes(&joint.replace("00:00:10Z", "00:00:51Z"));
}

#[test]
fn repeats_search_stays_small_on_many_observations() {
    // 1000 observations 10 s apart: a 60 s window holds at most 6 of them.
    let mut objects = Vec::new();
    for i in 0..1000 {
        let at = jiff::Timestamp::from_second(1_600_000_000 + 10 * i)
            .unwrap()
            .to_string();
        objects.extend(observed_at(
            &format!("o{i}"),
            &at,
            1,
            vec![json!({"type": "x-t", "v": "login"})],
        ));
    }
    let set = ObservationSet::from_stix(&objects).unwrap();
    let compile = |p: &str| CompiledPattern::new(&Pattern::parse(p).unwrap()).unwrap();
    assert!(
        !compile("[x-t:v = 'login'] REPEATS 7 TIMES WITHIN 60 SECONDS")
            .matches(&set)
            .unwrap()
    );
    assert!(
        compile("[x-t:v = 'login'] REPEATS 6 TIMES WITHIN 60 SECONDS")
            .matches(&set)
            .unwrap()
    );
    assert!(
        compile("[x-t:v = 'login'] REPEATS 1000 TIMES")
            .matches(&set)
            .unwrap()
    );
    assert!(
        !compile("[x-t:v = 'login'] REPEATS 1001 TIMES")
            .matches(&set)
            .unwrap()
    );
}

#[test]
fn adversarial_searches_hit_the_budget() {
    let mut objects = Vec::new();
    for i in 0..12 {
        objects.extend(observed_at(
            &format!("o{i}"),
            T0,
            1,
            vec![json!({"type": "x-t", "v": "a"})],
        ));
    }
    let set = ObservationSet::from_stix(&objects).unwrap();
    // Eight interchangeable brackets joined by AND, then one that never
    // matches: every ordered choice of eight observations is tried.
    let pattern = format!("{}[x-t:v = 'never']", "[x-t:v = 'a'] AND ".repeat(8));
    let compiled = CompiledPattern::new(&Pattern::parse(&pattern).unwrap()).unwrap();
    assert_eq!(
        compiled.matches_with_budget(&set, 10_000),
        Err(EvalError::BudgetExceeded { steps: 10_000 })
    );
    assert!(matches!(
        compiled.matches(&set),
        Err(EvalError::BudgetExceeded { .. })
    ));
    // The same shape that can match is found quickly.
    let easy = format!("{}[x-t:v = 'a']", "[x-t:v = 'a'] AND ".repeat(8));
    let compiled = CompiledPattern::new(&Pattern::parse(&easy).unwrap()).unwrap();
    assert_eq!(compiled.matches_with_budget(&set, 10_000), Ok(true));
}

#[test]
fn invalid_patterns_never_match() {
    yes("[file:name = 'report.exe']");
    no("[file:name = 'report.exe'] WITHIN 0 SECONDS");
    no("[file:name = 'report.exe'] REPEATS 0 TIMES");
    no("[file:name = 'report.exe'] REPEATS 1 TIMES REPEATS 1 TIMES");
    no("[file:name = 'report.exe' AND file:name MATCHES '(']");
    no("[file:name = 'report.exe' OR ipv4-addr:value ISSUBSET 'nope']");
    no("[file:name = 'report.exe'");
}

#[test]
fn well_known_values_compare_in_canonical_form() {
    let scos = vec![
        json!({"type": "file", "id": "file--1", "hashes": {"MD5": "0123456789abcdef0123456789abcdef"}}),
        json!({"type": "domain-name", "id": "domain-name--1", "value": "example.com"}),
        json!({"type": "ipv6-addr", "id": "ipv6-addr--1", "value": "2001:db8::1"}),
        json!({"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv6-addr--1", "protocols": ["tcp"]}),
    ];
    let objects = observed_at("c", T0, 1, scos);
    let yes = |p: &str| assert!(eval(p, &objects), "expected a match: {p}");
    let no = |p: &str| assert!(!eval(p, &objects), "expected no match: {p}");
    yes("[file:hashes.MD5 = '0123456789ABCDEF0123456789ABCDEF']");
    no("[file:hashes.MD5 != '0123456789ABCDEF0123456789ABCDEF']");
    yes("[file:hashes.MD5 IN ('0123456789ABCDEF0123456789ABCDEF')]");
    no("[file:hashes.MD5 = '0123456789ABCDEF0123456789ABCDEE']");
    yes("[domain-name:value = 'Example.COM.']");
    yes("[ipv6-addr:value = '2001:DB8:0:0::1']");
    // Through a reference, the referenced object's type and property decide.
    yes("[network-traffic:dst_ref.value = '2001:0db8::0001']");
    yes("[network-traffic:protocols[*] = 'TCP']");
    // Canonical forms are not used for ordering or LIKE.
    no("[domain-name:value LIKE 'Example.COM']");
    // Exact comparison, as the reference matcher does.
    let exact = Semantics {
        canonical_equality: false,
        ..Semantics::SPEC
    };
    assert!(!eval_with(
        "[file:hashes.MD5 = '0123456789ABCDEF0123456789ABCDEF']",
        &objects,
        exact
    ));
    assert!(!eval_with(
        "[network-traffic:dst_ref.value = '2001:0db8::0001']",
        &objects,
        exact
    ));
}

#[test]
fn extreme_windows_do_not_overflow() {
    let objects = all(vec![
        observed_at(
            "a",
            "0001-01-01T00:00:00Z",
            1,
            vec![json!({"type": "x-t", "v": "a"})],
        ),
        observed_at(
            "b",
            "9999-12-31T23:59:59.999999999Z",
            1,
            vec![json!({"type": "x-t", "v": "b"})],
        ),
    ]);
    let both = "([x-t:v = 'a'] AND [x-t:v = 'b'])";
    assert!(eval(
        &format!("{both} WITHIN 18446744073709551615 SECONDS"),
        &objects
    ));
    assert!(eval(
        &format!("{both} WITHIN 1{} SECONDS", "0".repeat(300) + ".0"),
        &objects
    ));
    assert!(!eval(
        &format!("{both} WITHIN 0.000000000001 SECONDS"),
        &objects
    ));
    // A window shorter than a nanosecond still holds a single instant.
    assert!(eval(
        "[x-t:v = 'a'] WITHIN 0.000000000001 SECONDS",
        &objects
    ));
    assert!(eval(
        "[x-t:v = 'a'] START t'0000-01-01T00:00:00Z' STOP t'9999-12-31T23:59:59.999999999Z'",
        &objects
    ));
}
