//! Parser: structure, precedence, every literal form, and error messages.
#![allow(clippy::unwrap_used)]

use phalanx_pattern::{
    Comparison, ComparisonExpr, Literal, MAX_NESTING_DEPTH, ObjectPath, ObservationExpr, Operator,
    PathStep, Pattern, PatternError, Qualifier, Seconds,
};

fn parse(text: &str) -> Pattern {
    Pattern::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn error(text: &str) -> PatternError {
    match Pattern::parse(text) {
        Ok(p) => panic!("{text} parsed as {p}"),
        Err(e) => e,
    }
}

/// The single comparison of a one-bracket pattern.
fn comparison(text: &str) -> Comparison {
    match parse(text).expr {
        ObservationExpr::Observation(ComparisonExpr::Comparison(c)) => c,
        other => panic!("{text}: not a single comparison: {other:?}"),
    }
}

fn literal(text: &str) -> Literal {
    match comparison(&format!("[x:y = {text}]")).operator {
        Operator::Eq(literal) => literal,
        other => panic!("{other:?}"),
    }
}

#[test]
fn observation_precedence_and_flattening() {
    let p = parse("[a:x = 1] OR [a:x = 2] AND [a:x = 3] FOLLOWEDBY [a:x = 4] FOLLOWEDBY [a:x = 5]");
    let ObservationExpr::FollowedBy(parts) = p.expr else {
        panic!()
    };
    assert_eq!(parts.len(), 3);
    let ObservationExpr::Or(or) = &parts[0] else {
        panic!()
    };
    assert!(matches!(or[1], ObservationExpr::And(ref and) if and.len() == 2));

    // Parentheses with the same operator are flattened.
    let flat = parse("[a:x = 1] AND ([a:x = 2] AND [a:x = 3])");
    assert!(matches!(flat.expr, ObservationExpr::And(ref c) if c.len() == 3));
    assert_eq!(parse("(([a:x = 1]))"), parse("[a:x = 1]"));
}

#[test]
fn qualifiers_bind_to_the_preceding_expression() {
    let p = parse("[a:x = 'b'] FOLLOWEDBY [c:x = 'd'] REPEATS 5 TIMES");
    let ObservationExpr::FollowedBy(parts) = p.expr else {
        panic!()
    };
    assert!(matches!(parts[0], ObservationExpr::Observation(_)));
    assert!(
        matches!(&parts[1], ObservationExpr::Qualified(_, q) if q == &vec![Qualifier::Repeats(5)])
    );

    let grouped = parse("([a:x = 'b'] FOLLOWEDBY [c:x = 'd']) REPEATS 5 TIMES WITHIN 2.5 SECONDS");
    let ObservationExpr::Qualified(inner, quals) = grouped.expr else {
        panic!()
    };
    assert!(matches!(*inner, ObservationExpr::FollowedBy(_)));
    assert_eq!(
        quals,
        vec![
            Qualifier::Repeats(5),
            Qualifier::Within(Seconds::Float(2.5))
        ]
    );
}

#[test]
fn qualifier_chains_and_nesting_are_distinct() {
    let chained = parse("[x:y = 1] REPEATS 2 TIMES REPEATS 2 TIMES");
    assert!(matches!(&chained.expr, ObservationExpr::Qualified(inner, q)
        if q.len() == 2 && matches!(**inner, ObservationExpr::Observation(_))));
    let nested = parse("([x:y = 1] REPEATS 2 TIMES) REPEATS 2 TIMES");
    assert!(matches!(&nested.expr, ObservationExpr::Qualified(inner, q)
        if q.len() == 1 && matches!(**inner, ObservationExpr::Qualified(..))));
    assert_ne!(chained, nested);
    // Redundant parentheses are not kept.
    assert_eq!(
        parse("([x:y = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS"),
        parse("[x:y = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS")
    );
    let start = parse("[x:y = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'");
    assert!(
        matches!(&start.expr, ObservationExpr::Qualified(_, q) if matches!(q[0], Qualifier::StartStop { .. }))
    );
}

#[test]
fn comparison_precedence() {
    let p = parse("[a:j = 'W' AND a:k = 'X' OR a:l = 'Z']");
    let ObservationExpr::Observation(ComparisonExpr::Or(or)) = p.expr else {
        panic!()
    };
    assert!(matches!(or[0], ComparisonExpr::And(ref c) if c.len() == 2));
    let grouped = parse("[a:j = 'W' AND (a:k = 'X' OR a:l = 'Z')]");
    let ObservationExpr::Observation(ComparisonExpr::And(and)) = grouped.expr else {
        panic!()
    };
    assert!(matches!(and[1], ComparisonExpr::Or(_)));
}

#[test]
fn operators_and_not() {
    let ops = [
        ("=", "Eq"),
        ("==", "Eq"),
        ("!=", "Ne"),
        ("<>", "Ne"),
        ("<", "Lt"),
        ("<=", "Le"),
        (">", "Gt"),
        (">=", "Ge"),
    ];
    for (symbol, name) in ops {
        let c = comparison(&format!("[x:y NOT {symbol} 1]"));
        assert!(c.negated);
        assert_eq!(
            format!("{:?}", c.operator).split('(').next(),
            Some(name),
            "{symbol}"
        );
    }
    assert_eq!(comparison("[x:y IN ()]").operator, Operator::In(vec![]));
    assert_eq!(
        comparison("[x:y NOT IN (1, 2.5)]").operator,
        Operator::In(vec![Literal::Int(1), Literal::Float(2.5)])
    );
    assert_eq!(
        comparison("[x:y LIKE 'a%']").operator,
        Operator::Like("a%".into())
    );
    assert_eq!(
        comparison("[x:y NOT MATCHES '^a']").operator,
        Operator::Matches("^a".into())
    );
    assert_eq!(
        comparison("[x:y ISSUBSET '10.0.0.0/8']").operator,
        Operator::IsSubset("10.0.0.0/8".into())
    );
    assert_eq!(
        comparison("[x:y ISSUPERSET '10.0.0.1']").operator,
        Operator::IsSuperset("10.0.0.1".into())
    );
    let exists = comparison("[EXISTS x:y]");
    assert_eq!((exists.negated, exists.operator), (false, Operator::Exists));
    let not_exists = comparison("[NOT EXISTS x:y]");
    assert_eq!(
        (not_exists.negated, not_exists.operator),
        (true, Operator::Exists)
    );
}

#[test]
fn object_paths() {
    let c = comparison("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    assert_eq!(
        c.path,
        ObjectPath::new("file", "extensions")
            .step(PathStep::Key("windows-pebinary-ext".into()))
            .step(PathStep::Key("sections".into()))
            .step(PathStep::AnyIndex)
            .step(PathStep::Key("entropy".into()))
    );
    let c = comparison("[network-traffic:protocols[0] = 'tcp']");
    assert_eq!(c.path.steps, vec![PathStep::Index(0)]);
    assert_eq!(
        comparison("[x:y[-1] = 1]").path.steps,
        vec![PathStep::Index(-1)]
    );
    assert_eq!(
        comparison("[x:y[+2] = 1]").path.steps,
        vec![PathStep::Index(2)]
    );
    assert_eq!(
        comparison("[file:hashes.'SHA-256' = 'a']").path.steps,
        vec![PathStep::Key("SHA-256".into())]
    );
    assert_eq!(comparison("[x:'a.b' = 1]").path.property, "a.b");
    // Whitespace between path tokens is allowed by the grammar.
    assert_eq!(
        comparison("[x : y . z = 1]").path,
        ObjectPath::new("x", "y").step(PathStep::Key("z".into()))
    );
}

#[test]
fn literals() {
    assert_eq!(literal("-5"), Literal::Int(-5));
    assert_eq!(literal("+5"), Literal::Int(5));
    assert_eq!(literal("-0"), Literal::Int(0));
    assert_eq!(literal(".5"), Literal::Float(0.5));
    assert_eq!(literal("-00.25"), Literal::Float(-0.25));
    assert_eq!(literal("true"), Literal::Bool(true));
    assert_eq!(literal("'it\\'s'"), Literal::String("it's".into()));
    assert_eq!(literal("''"), Literal::String(String::new()));
    assert_eq!(
        literal("'line\nbreak'"),
        Literal::String("line\nbreak".into())
    );
    assert_eq!(literal("h''"), Literal::Hex(vec![]));
    assert_eq!(literal("h'FFc3'"), Literal::Hex(vec![0xff, 0xc3]));
    assert_eq!(literal("b'ABI='"), Literal::Binary(vec![0x00, 0x12]));
    let Literal::Timestamp(ts) = literal("t'2014-01-13T07:03:17.5Z'") else {
        panic!()
    };
    assert_eq!(ts.to_string(), "2014-01-13T07:03:17.5Z");
}

#[test]
fn lexical_errors() {
    let cases = [
        ("[x:y = h'abc']", "even number"),
        ("[x:y = b'']", "multiple of 4"),
        ("[x:y = b'====']", "padding"),
        ("[x:y = t'2020-13-01T00:00:00Z']", "month 13"),
        ("[x:y = t'2020-01-01T00:00:00']", "expected YYYY"),
        ("[x:y = t'2021-02-29T00:00:00Z']", "does not exist"),
        ("[x:y = 'unterminated]", "unterminated string"),
        ("[x:y = 007]", "leading zero"),
        ("[x:y = 1] /* open", "unterminated /*"),
        ("[x:y = 1] #", "unexpected character '#'"),
        ("[x:y = 1e5]", "expected"),
    ];
    for (text, needle) in cases {
        let message = error(text).to_string();
        assert!(message.contains(needle), "{text}: {message}");
    }
}

#[test]
fn syntax_errors_say_what_was_expected() {
    let e = error("[file:name = 'a' FOLLOWEDBY [file:name = 'b']]");
    assert_eq!(
        e.to_string(),
        "expected ']' at column 18, found 'FOLLOWEDBY'"
    );
    assert_eq!(e.column(), 18);
    assert_eq!(
        error("[file:name = 'a'").to_string(),
        "expected ']' at column 17, found end of pattern"
    );
    let cases = [
        ("[x:y = 1] within 5 seconds", "found 'within'"),
        (
            "[x:y = 1] WITHIN -5 SECONDS",
            "non-negative number of seconds",
        ),
        ("[x:y = 1] WITHIN 5 MINUTES", "expected SECONDS"),
        ("[x:y = 1] REPEATS 2.5 TIMES", "non-negative integer"),
        (
            "[x:y = 1] START '2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
            "timestamp literal",
        ),
        ("[file:hashes.SHA-256 = 'a']", "found 'SHA-256'"),
        ("[x:y > true]", "orderable literal"),
        ("[x:y = null]", "found 'null'"),
        ("[x:y NOT EXISTS]", "NOT EXISTS before the path"),
        ("[file:name NOT]", "comparison operator"),
        ("[x:AND = 1]", "property name"),
        ("[x:y IN (1 2)]", "',' or ')'"),
        ("[x:y = 1] [x:y = 2]", "FOLLOWEDBY, AND, OR"),
        ("", "'[' or '('"),
        ("[]", "object path"),
        ("[x = 1]", "':' after the object type"),
    ];
    for (text, needle) in cases {
        let message = error(text).to_string();
        assert!(message.contains(needle), "{text}: {message}");
    }
}

#[test]
fn comments_and_unicode_whitespace() {
    let p = parse("/* c */[x:y\u{2003}=\u{a0}1] // trailing");
    assert_eq!(p, parse("[x:y = 1]"));
}

#[test]
fn nesting_limit_is_an_error_not_a_crash() {
    let ok = format!(
        "{}[x:y = 1]{}",
        "(".repeat(MAX_NESTING_DEPTH - 1),
        ")".repeat(MAX_NESTING_DEPTH - 1)
    );
    assert!(Pattern::parse(&ok).is_ok());
    let deep = format!("{}[x:y = 1]{}", "(".repeat(100_000), ")".repeat(100_000));
    let e = error(&deep);
    assert!(
        matches!(e, PatternError::TooDeep { column, limit } if column == MAX_NESTING_DEPTH + 1 && limit == MAX_NESTING_DEPTH)
    );
    let deep_comparison = format!("[{}x:y = 1{}]", "(".repeat(100_000), ")".repeat(100_000));
    assert!(matches!(
        error(&deep_comparison),
        PatternError::TooDeep { .. }
    ));
}

#[test]
fn a_megabyte_pattern_parses_in_linear_time() {
    let term = "file:name = 'abcdefghijklmnop' OR ";
    let mut text = String::from("[");
    while text.len() < 1_000_000 {
        text.push_str(term);
    }
    text.push_str("file:size = 1]");
    let start = std::time::Instant::now();
    let p = parse(&text);
    let elapsed = start.elapsed();
    let ObservationExpr::Observation(ComparisonExpr::Or(terms)) = &p.expr else {
        panic!()
    };
    assert!(terms.len() > 25_000);
    // Generous: a linear parse takes milliseconds even in a debug build.
    assert!(elapsed.as_secs() < 10, "parsing took {elapsed:?}");
    // Printing and dropping a wide tree does not recurse per operand.
    assert_eq!(p.to_string().len(), text.len());

    let chain = format!("{}[x:y = 1]", "[x:y = 1] AND ".repeat(40_000));
    assert!(matches!(parse(&chain).expr, ObservationExpr::And(ref c) if c.len() == 40_001));
}
