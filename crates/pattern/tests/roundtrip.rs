//! Property tests: the canonical printer and the parser are inverses on
//! random trees, printing is idempotent, and the parser never panics.
#![allow(clippy::unwrap_used)]

use phalanx_pattern::{
    Comparison, ComparisonExpr, CompiledPattern, Literal, ObjectPath, ObservationExpr,
    ObservationSet, Operator, PathStep, Pattern, Qualifier, Seconds, Timestamp,
};
use proptest::prelude::*;
use serde_json::json;

/// A small observation set with the object types the generator names.
fn observations() -> ObservationSet {
    let mut values = Vec::new();
    for (i, at) in [
        "2020-01-01T00:00:00Z",
        "2020-01-01T00:00:03Z",
        "2020-01-01T00:00:09Z",
    ]
    .iter()
    .enumerate()
    {
        values.push(json!({
            "type": "observed-data", "id": format!("observed-data--{i}"),
            "first_observed": at, "last_observed": at, "number_observed": i + 1,
            "object_refs": [format!("file--{i}"), format!("ipv4-addr--{i}")],
        }));
        values.push(json!({
            "type": "file", "id": format!("file--{i}"), "name": "AND", "size": i,
            "hashes": {"SHA-256": "aa"}, "tags": ["true", "x"], "magic_number_hex": "ff00",
            "parent_directory_ref": format!("ipv4-addr--{i}"),
        }));
        values.push(
            json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{i}"), "value": "10.0.0.1"}),
        );
    }
    ObservationSet::from_stix(&values).unwrap()
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        0i16..=9999,
        1i8..=12,
        1i8..=28,
        0i8..=23,
        0i8..=59,
        0i8..=59,
        prop_oneof![Just(0i32), 0i32..1_000_000_000],
    )
        .prop_map(|(y, mo, d, h, mi, s, ns)| {
            Timestamp::from_civil(jiff::civil::DateTime::new(y, mo, d, h, mi, s, ns).unwrap())
        })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_]{0,8}",
        Just("AND".to_string()),
        Just("true".to_string()),
        Just("SHA-256".to_string()),
        Just("it's \\ odd".to_string()),
        any::<String>(),
    ]
}

fn literal(allow_bool: bool) -> impl Strategy<Value = Literal> {
    let bool_weight = if allow_bool { 1 } else { 0 };
    prop_oneof![
        3 => any::<i128>().prop_map(Literal::Int),
        3 => any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Literal::Float),
        3 => text().prop_map(Literal::String),
        bool_weight => any::<bool>().prop_map(Literal::Bool),
        1 => proptest::collection::vec(any::<u8>(), 1..12).prop_map(Literal::Binary),
        1 => proptest::collection::vec(any::<u8>(), 0..12).prop_map(Literal::Hex),
        1 => timestamp().prop_map(Literal::Timestamp),
    ]
}

fn path() -> impl Strategy<Value = ObjectPath> {
    let object_type = prop_oneof![
        Just("file".to_string()),
        Just("ipv4-addr".to_string()),
        Just("x-custom-type".to_string()),
        "[a-z_][a-z0-9_-]{0,10}".prop_filter("not a keyword", |t| t != "true" && t != "false"),
    ];
    let step = prop_oneof![
        3 => text().prop_map(PathStep::Key),
        1 => any::<i64>().prop_map(PathStep::Index),
        1 => Just(PathStep::AnyIndex),
    ];
    (object_type, text(), proptest::collection::vec(step, 0..4)).prop_map(
        |(object_type, property, steps)| ObjectPath {
            object_type,
            property,
            steps,
        },
    )
}

fn operator() -> impl Strategy<Value = Operator> {
    prop_oneof![
        literal(true).prop_map(Operator::Eq),
        literal(true).prop_map(Operator::Ne),
        literal(false).prop_map(Operator::Lt),
        literal(false).prop_map(Operator::Le),
        literal(false).prop_map(Operator::Gt),
        literal(false).prop_map(Operator::Ge),
        proptest::collection::vec(literal(true), 0..4).prop_map(Operator::In),
        text().prop_map(Operator::Like),
        text().prop_map(Operator::Matches),
        text().prop_map(Operator::IsSubset),
        text().prop_map(Operator::IsSuperset),
        Just(Operator::Exists),
    ]
}

fn comparison() -> impl Strategy<Value = Comparison> {
    (path(), any::<bool>(), operator()).prop_map(|(path, negated, operator)| Comparison {
        path,
        negated,
        operator,
    })
}

/// Children for an n-ary node of `kind`: at least two, none of the same kind.
fn no_same_kind<T: Clone + std::fmt::Debug>(
    inner: impl Strategy<Value = T>,
    same: fn(&T) -> bool,
) -> impl Strategy<Value = Vec<T>> {
    proptest::collection::vec(inner, 2..4)
        .prop_filter("flattened", move |children| !children.iter().any(same))
}

fn comparison_expr() -> impl Strategy<Value = ComparisonExpr> {
    comparison()
        .prop_map(ComparisonExpr::Comparison)
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                no_same_kind(inner.clone(), |c| matches!(c, ComparisonExpr::And(_)))
                    .prop_map(ComparisonExpr::And),
                no_same_kind(inner, |c| matches!(c, ComparisonExpr::Or(_)))
                    .prop_map(ComparisonExpr::Or),
            ]
        })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        any::<u64>().prop_map(|n| Qualifier::Within(Seconds::Int(n))),
        (0.0f64..1e12).prop_map(|x| Qualifier::Within(Seconds::Float(x))),
        any::<u64>().prop_map(Qualifier::Repeats),
        (timestamp(), timestamp()).prop_map(|(start, stop)| Qualifier::StartStop { start, stop }),
    ]
}

fn observation_expr() -> impl Strategy<Value = ObservationExpr> {
    comparison_expr()
        .prop_map(ObservationExpr::Observation)
        .prop_recursive(4, 16, 3, |inner| {
            prop_oneof![
                no_same_kind(inner.clone(), |o| matches!(o, ObservationExpr::And(_)))
                    .prop_map(ObservationExpr::And),
                no_same_kind(inner.clone(), |o| matches!(o, ObservationExpr::Or(_)))
                    .prop_map(ObservationExpr::Or),
                no_same_kind(inner.clone(), |o| matches!(
                    o,
                    ObservationExpr::FollowedBy(_)
                ))
                .prop_map(ObservationExpr::FollowedBy),
                (inner, proptest::collection::vec(qualifier(), 1..3))
                    .prop_map(|(inner, quals)| ObservationExpr::Qualified(Box::new(inner), quals)),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_gives_the_tree_back(expr in observation_expr()) {
        let pattern = Pattern { expr };
        let printed = pattern.to_string();
        let reparsed = Pattern::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}\n{e}")))?;
        prop_assert_eq!(&reparsed, &pattern, "{}", printed);
        prop_assert_eq!(reparsed.to_string(), printed);
    }

    #[test]
    fn checking_compiling_and_evaluating_never_panic(expr in observation_expr()) {
        let pattern = Pattern { expr };
        let _ = phalanx_pattern::check(&pattern);
        if let Ok(compiled) = CompiledPattern::new(&pattern) {
            // Either a verdict or the budget error; never a panic or a hang.
            let _ = compiled.matches_with_budget(&observations(), 20_000);
        }
    }

    #[test]
    fn the_parser_never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = Pattern::parse(&text);
    }

    #[test]
    fn the_parser_never_panics_on_token_soup(tokens in proptest::collection::vec(prop_oneof![
        Just("["), Just("]"), Just("("), Just(")"), Just("AND"), Just("OR"), Just("NOT"),
        Just("FOLLOWEDBY"), Just("WITHIN"), Just("SECONDS"), Just("REPEATS"), Just("TIMES"),
        Just("START"), Just("STOP"), Just("EXISTS"), Just("IN"), Just("LIKE"), Just("MATCHES"),
        Just("ISSUBSET"), Just("ISSUPERSET"), Just("file:name"), Just("x:y[*].z"), Just("="),
        Just("!="), Just("<"), Just(">="), Just("'a'"), Just("5"), Just("-1.5"), Just("true"),
        Just("h'ff'"), Just("b'AA=='"), Just("t'2020-01-01T00:00:00Z'"), Just(","), Just("'"),
        Just("\\"), Just("."), Just(":"), Just("/*"), Just("//"), Just("h'"), Just("-"),
    ], 0..24)) {
        let text = tokens.join(" ");
        if let Ok(pattern) = Pattern::parse(&text) {
            // Whatever parses prints to something that parses the same way.
            prop_assert_eq!(Pattern::parse(&pattern.to_string()).unwrap(), pattern);
        }
    }
}

#[test]
fn canonical_form_examples() {
    let cases = [
        (
            "[file:hashes.'SHA-256' == 'a' AND file:size <> +5]",
            "[file:hashes.'SHA-256' = 'a' AND file:size != 5]",
        ),
        (
            "([a:x=1] AND [a:x=2]) OR [a:x=3]",
            "[a:x = 1] AND [a:x = 2] OR [a:x = 3]",
        ),
        (
            "[a:x=1] AND ([a:x=2] OR [a:x=3])",
            "[a:x = 1] AND ([a:x = 2] OR [a:x = 3])",
        ),
        (
            "([a:x=1] FOLLOWEDBY [a:x=2]) WITHIN 5 SECONDS",
            "([a:x = 1] FOLLOWEDBY [a:x = 2]) WITHIN 5 SECONDS",
        ),
        (
            "([a:x=1] REPEATS 2 TIMES) REPEATS 2 TIMES",
            "([a:x = 1] REPEATS 2 TIMES) REPEATS 2 TIMES",
        ),
        (
            "[a:x = h'FF' OR a:x = b'AB==' OR a:x = 1.50]",
            "[a:x = h'ff' OR a:x = b'AA==' OR a:x = 1.5]",
        ),
        (
            "[a:x = t'2020-01-01T00:00:00.500Z']",
            "[a:x = t'2020-01-01T00:00:00.5Z']",
        ),
        ("[a:x = 1e0]", ""),
        (
            "[a:x = 100000000000000000000.0]",
            "[a:x = 100000000000000000000.0]",
        ),
        (
            "[a:'true' = true AND a:'b c' = 'it\\'s']",
            "[a:'true' = true AND a:'b c' = 'it\\'s']",
        ),
        ("[a:x NOT IN ( 1 , 2 )]", "[a:x NOT IN (1, 2)]"),
        ("[NOT   EXISTS a:x]", "[NOT EXISTS a:x]"),
        (
            "[(a:x = 1 OR a:y = 2) AND a:z = 3]",
            "[(a:x = 1 OR a:y = 2) AND a:z = 3]",
        ),
    ];
    for (input, expected) in cases {
        match Pattern::parse(input) {
            Ok(p) => assert_eq!(p.to_string(), expected, "{input}"),
            Err(e) => assert!(expected.is_empty(), "{input}: {e}"),
        }
    }
}
