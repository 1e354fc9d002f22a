//! Semantic checks: each diagnostic, its severity, and that errors make the
//! pattern uncompilable.
#![allow(clippy::unwrap_used)]

use phalanx_pattern::{
    ComparisonExpr, CompiledPattern, DiagnosticKind, ObjectPath, ObservationExpr, Operator,
    Pattern, Severity, check,
};

fn kinds(text: &str) -> Vec<(Severity, DiagnosticKind)> {
    check(&Pattern::parse(text).unwrap())
        .into_iter()
        .map(|d| (d.severity, d.kind))
        .collect()
}

fn only(text: &str, severity: Severity, kind: DiagnosticKind) {
    assert_eq!(kinds(text), vec![(severity, kind)], "{text}");
    let compiles = CompiledPattern::new(&Pattern::parse(text).unwrap()).is_ok();
    assert_eq!(
        compiles,
        severity == Severity::Warning,
        "{text}: errors must block compilation"
    );
}

fn clean(text: &str) {
    assert_eq!(kinds(text), vec![], "{text}");
}

#[test]
fn valid_patterns_are_clean() {
    clean("[file:hashes.'SHA-256' = 'aa' AND file:name = 'x']");
    clean("[network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8']");
    clean("[ipv6-addr:value ISSUPERSET '2001:db8::/32']");
    clean("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    clean("[x-custom:anything = 1] AND [file:x_custom = 2]");
    clean("[file:extensions.'extension-definition--1234'.rank = 5]");
    clean("([x-b:x = 1] REPEATS 2 TIMES) REPEATS 2 TIMES");
    clean(
        "[x-a:y = 1] WITHIN 0.5 SECONDS REPEATS 2 TIMES START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
    );
    clean("[x-a:y IN (1, 2.5)] AND [x-a:y IN (h'00', b'AA==')] AND [x-a:y IN ()]");
    clean("[x-a:y = 1 OR file:name = 'a']");
    clean("[(file:name = 'a' OR process:pid = 1) AND file:size = 2]");
}

#[test]
fn unknown_types_and_properties_are_warnings() {
    only(
        "[person:name = 'a']",
        Severity::Warning,
        DiagnosticKind::UnknownObjectType,
    );
    only(
        "[file:nmae = 'a']",
        Severity::Warning,
        DiagnosticKind::UnknownProperty,
    );
    only(
        "[file:extensions.'pe-ext'.x = 1]",
        Severity::Warning,
        DiagnosticKind::UnknownExtension,
    );
    only(
        "[file:extensions.'archive-ext'.nope = 1]",
        Severity::Warning,
        DiagnosticKind::UnknownProperty,
    );
    // One warning per unknown type, not per comparison.
    assert_eq!(kinds("[person:a = 1 AND person:b = 2]").len(), 1);
}

#[test]
fn regex_errors() {
    only(
        "[file:name MATCHES 'a(?=b)']",
        Severity::Error,
        DiagnosticKind::InvalidRegex,
    );
    only(
        "[file:name MATCHES '(a)\\\\1']",
        Severity::Error,
        DiagnosticKind::InvalidRegex,
    );
    only(
        "[file:name MATCHES '(']",
        Severity::Error,
        DiagnosticKind::InvalidRegex,
    );
    let message = &check(&Pattern::parse("[file:name MATCHES 'a(?<=b)']").unwrap())[0].message;
    assert!(
        message.contains("look-around") && message.contains("file:name MATCHES"),
        "{message}"
    );
    clean("[file:name MATCHES '^[a-z]+\\\\.exe$']");
}

#[test]
fn address_operand_checks() {
    only(
        "[ipv4-addr:value ISSUBSET '10.0.0.0/33']",
        Severity::Error,
        DiagnosticKind::InvalidAddress,
    );
    only(
        "[ipv4-addr:value ISSUPERSET 'example.com']",
        Severity::Error,
        DiagnosticKind::InvalidAddress,
    );
    only(
        "[domain-name:value ISSUBSET '10.0.0.0/8']",
        Severity::Warning,
        DiagnosticKind::NonAddressPath,
    );
    only(
        "[network-traffic:src_port ISSUBSET '10.0.0.0/8']",
        Severity::Warning,
        DiagnosticKind::NonAddressPath,
    );
    only(
        "[ipv4-addr:value ISSUBSET '2001:db8::/32']",
        Severity::Warning,
        DiagnosticKind::AddressFamilyMismatch,
    );
    only(
        "[ipv6-addr:value ISSUBSET '10.0.0.0/8']",
        Severity::Warning,
        DiagnosticKind::AddressFamilyMismatch,
    );
}

#[test]
fn qualifier_checks() {
    only(
        "[file:name = 'a'] WITHIN 0 SECONDS",
        Severity::Error,
        DiagnosticKind::ZeroWithin,
    );
    only(
        "[file:name = 'a'] WITHIN 0.0 SECONDS",
        Severity::Error,
        DiagnosticKind::ZeroWithin,
    );
    only(
        "[file:name = 'a'] REPEATS 0 TIMES",
        Severity::Error,
        DiagnosticKind::ZeroRepeats,
    );
    only(
        "[file:name = 'a'] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
        Severity::Error,
        DiagnosticKind::EmptyStartStop,
    );
    only(
        "[file:name = 'a'] START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
        Severity::Error,
        DiagnosticKind::EmptyStartStop,
    );
    only(
        "[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS",
        Severity::Error,
        DiagnosticKind::DuplicateQualifier,
    );
    only(
        "[file:name = 'a'] REPEATS 2 TIMES REPEATS 3 TIMES",
        Severity::Error,
        DiagnosticKind::DuplicateQualifier,
    );
    only(
        "([file:name = 'a']) WITHIN 5 SECONDS WITHIN 6 SECONDS",
        Severity::Error,
        DiagnosticKind::DuplicateQualifier,
    );
    clean("([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 6 SECONDS");
}

#[test]
fn set_and_type_checks() {
    only(
        "[file:size IN (1, 'a')]",
        Severity::Error,
        DiagnosticKind::MixedTypeSet,
    );
    only(
        "[file:size IN (true, 1)]",
        Severity::Error,
        DiagnosticKind::MixedTypeSet,
    );
    only(
        "[file:name IN ('a', h'61')]",
        Severity::Error,
        DiagnosticKind::MixedTypeSet,
    );
    only(
        "[network-traffic:src_port = 37020 AND user-account:user_id = 'root']",
        Severity::Warning,
        DiagnosticKind::DisjointObjectTypes,
    );
    only(
        "[(file:name = 'a' OR process:pid = 1) AND user-account:user_id = 'root']",
        Severity::Warning,
        DiagnosticKind::DisjointObjectTypes,
    );
    only(
        "[file:name[-1] = 'a']",
        Severity::Warning,
        DiagnosticKind::NegativeIndex,
    );
}

#[test]
fn hand_built_trees_that_are_too_deep_are_refused() {
    let leaf =
        ObservationExpr::Observation(ComparisonExpr::Comparison(phalanx_pattern::Comparison {
            path: ObjectPath::new("file", "name"),
            negated: false,
            operator: Operator::Exists,
        }));
    let mut expr = leaf.clone();
    for _ in 0..2_000 {
        expr = ObservationExpr::And(vec![
            ObservationExpr::Or(vec![expr, leaf.clone()]),
            leaf.clone(),
        ]);
    }
    let pattern = Pattern { expr };
    let diagnostics = check(&pattern);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].kind, DiagnosticKind::TooDeep);
    assert!(CompiledPattern::new(&pattern).is_err());
    // Dropping a deep tree recurses; keep this one alive past the test's
    // end in a leak so the test thread's stack is not the thing measured.
    std::mem::forget(pattern);
}

#[test]
fn diagnostics_display_with_their_severity() {
    let d = &check(&Pattern::parse("[file:name = 'a'] REPEATS 0 TIMES").unwrap())[0];
    assert_eq!(
        d.to_string(),
        "error: REPEATS 0 TIMES: the repeat count must be a positive integer"
    );
}
