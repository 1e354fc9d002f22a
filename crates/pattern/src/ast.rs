//! The syntax tree of a STIX 2.1 pattern (STIX 2.1 §9).
//!
//! # Shape
//!
//! A [`Pattern`] is one [`ObservationExpr`]. Observation expressions are
//! bracketed comparison expressions (`[...]`), the observation operators
//! `AND`, `OR` and `FOLLOWEDBY`, and qualified expressions (`WITHIN`,
//! `REPEATS`, `START`/`STOP`). Inside brackets, [`ComparisonExpr`] combines
//! [`Comparison`]s with `AND` and `OR`.
//!
//! # Grouping is not kept
//!
//! Parentheses are not nodes. Precedence is encoded in the tree and the
//! operators are n-ary, so `a AND (b AND c)` and `(a AND b) AND c` both parse
//! to `And([a, b, c])`: observation `AND`, `OR` and `FOLLOWEDBY` and comparison
//! `AND` and `OR` are associative under their STIX semantics, so flattening
//! loses nothing. Flat n-ary nodes also keep the tree shallow: a 1 MB pattern
//! of `OR`ed comparisons is one node with many children, not a chain that
//! would overflow the stack when walked or dropped.
//!
//! Qualifiers are the one place where parentheses matter (STIX 2.1 §9.5.1: an
//! expression must not carry two qualifiers of the same type). A chain of
//! qualifiers written directly after one expression is one
//! [`ObservationExpr::Qualified`] node with a list, in source order:
//! `[x] WITHIN 5 SECONDS WITHIN 6 SECONDS` is `Qualified([x], [Within 5,
//! Within 6])`, and [`check`](crate::check) reports the duplicate. A
//! parenthesised qualified expression that is qualified again is a new
//! expression: `([x] REPEATS 2 TIMES) REPEATS 2 TIMES` is
//! `Qualified(Qualified([x], [Repeats 2]), [Repeats 2])`, which is valid and
//! needs four observations. Redundant parentheses around an unqualified
//! expression are dropped, so `([x]) WITHIN 5 SECONDS WITHIN 6 SECONDS` is the
//! same tree as the unparenthesised form and is rejected too (the OASIS
//! validator accepts it; the spec's rule is about the expression, and `([x])`
//! is the same expression as `[x]`).
//!
//! # Invariants
//!
//! Trees made by the parser satisfy these, and the printer relies on them for
//! `parse(print(tree)) == tree`. Trees built by hand must keep them too:
//!
//! - `And`, `Or` and `FollowedBy` have at least two children, and no child is
//!   a node of the same kind (the tree is flattened).
//! - `Qualified` has at least one qualifier.
//! - An [`ObjectPath`]'s `object_type` is an identifier
//!   (`[A-Za-z_][A-Za-z0-9_-]*`) that is not a keyword. Property names and keys
//!   can be anything; the printer quotes them when needed.
//! - Floats are finite, and a `WITHIN` float is not negative (nor `-0.0`).
//!   [`Literal::Binary`] is not empty (`b''` is not grammatical; an empty
//!   octet string is `h''`). Ordering operators (`<`, `<=`, `>`, `>=`) never carry
//!   a [`Literal::Bool`] (the grammar has no such comparison).
//! - Nesting stays within [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH)
//!   levels of parentheses and brackets, so recursive walks are bounded.

use std::fmt;

/// A parsed STIX pattern: one observation expression.
///
/// Parse with [`Pattern::parse`](crate::Pattern::parse), print the canonical
/// form with `Display`, check with [`check`](crate::check) and evaluate with
/// [`CompiledPattern`](crate::CompiledPattern).
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The whole pattern.
    pub expr: ObservationExpr,
}

/// An observation expression: what one or more observations must satisfy.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparisons ]`: one observation with one root object that satisfies
    /// the comparison expression.
    Observation(ComparisonExpr),
    /// `a AND b AND ...`: every operand holds, each on different observations.
    And(Vec<ObservationExpr>),
    /// `a OR b OR ...`: at least one operand holds.
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b FOLLOWEDBY ...`: every operand holds on different
    /// observations, and every observation of an operand is at or after every
    /// observation of the operand before it.
    FollowedBy(Vec<ObservationExpr>),
    /// An expression followed by one or more qualifiers, in source order
    /// (the first qualifier binds tightest).
    Qualified(Box<ObservationExpr>, Vec<Qualifier>),
}

/// A qualifier written after an observation expression (STIX 2.1 §9.5.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`: all observations matched by the expression lie in a
    /// window shorter than `n` seconds.
    Within(Seconds),
    /// `REPEATS n TIMES`: the expression holds `n` times on different
    /// observations.
    Repeats(u64),
    /// `START t1 STOP t2`: every observation matched by the expression lies in
    /// `[t1, t2)`.
    StartStop {
        /// Inclusive start.
        start: Timestamp,
        /// Exclusive stop.
        stop: Timestamp,
    },
}

/// The length of a `WITHIN` window, as written: an integer or a decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Seconds {
    /// `WITHIN 5 SECONDS`.
    Int(u64),
    /// `WITHIN 2.5 SECONDS`.
    Float(f64),
}

/// A comparison expression: the content of one `[...]`.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// One comparison.
    Comparison(Comparison),
    /// All operands hold on the same root object.
    And(Vec<ComparisonExpr>),
    /// At least one operand holds.
    Or(Vec<ComparisonExpr>),
}

/// One comparison: an object path, an operator and its operand.
///
/// This is the atom a multi-pattern index extracts: `path`, `operator` (with
/// its literal) and `negated`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The property compared.
    pub path: ObjectPath,
    /// `NOT` was written before the operator (or before `EXISTS`).
    pub negated: bool,
    /// The operator and its operand.
    pub operator: Operator,
}

/// A comparison operator with its operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    /// `=` or `==`.
    Eq(Literal),
    /// `!=` or `<>`.
    Ne(Literal),
    /// `<`.
    Lt(Literal),
    /// `<=`.
    Le(Literal),
    /// `>`.
    Gt(Literal),
    /// `>=`.
    Ge(Literal),
    /// `IN (a, b, ...)`; the set may be empty.
    In(Vec<Literal>),
    /// `LIKE 'pattern'`, with `%` and `_` wildcards.
    Like(String),
    /// `MATCHES 'regex'`.
    Matches(String),
    /// `ISSUBSET 'ip-or-cidr'`.
    IsSubset(String),
    /// `ISSUPERSET 'ip-or-cidr'`.
    IsSuperset(String),
    /// `EXISTS path` (written before the path).
    Exists,
}

impl Operator {
    /// The operator's keyword or symbol in canonical form (`=`, `IN`, ...).
    pub fn symbol(&self) -> &'static str {
        match self {
            Operator::Eq(_) => "=",
            Operator::Ne(_) => "!=",
            Operator::Lt(_) => "<",
            Operator::Le(_) => "<=",
            Operator::Gt(_) => ">",
            Operator::Ge(_) => ">=",
            Operator::In(_) => "IN",
            Operator::Like(_) => "LIKE",
            Operator::Matches(_) => "MATCHES",
            Operator::IsSubset(_) => "ISSUBSET",
            Operator::IsSuperset(_) => "ISSUPERSET",
            Operator::Exists => "EXISTS",
        }
    }
}

/// An object path: `object-type:property` followed by key and index steps.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    /// The SCO type, e.g. `network-traffic`.
    pub object_type: String,
    /// The first property, e.g. `src_ref` in `network-traffic:src_ref.value`.
    pub property: String,
    /// The steps after the first property.
    pub steps: Vec<PathStep>,
}

impl ObjectPath {
    /// A path with no steps after its first property.
    pub fn new(object_type: impl Into<String>, property: impl Into<String>) -> ObjectPath {
        ObjectPath {
            object_type: object_type.into(),
            property: property.into(),
            steps: Vec::new(),
        }
    }

    /// This path with one more step.
    pub fn step(mut self, step: PathStep) -> ObjectPath {
        self.steps.push(step);
        self
    }

    /// The last key of the path (the first property when there are no key
    /// steps), e.g. `value` for `network-traffic:dst_ref.value`.
    pub fn last_key(&self) -> &str {
        self.steps
            .iter()
            .rev()
            .find_map(|step| match step {
                PathStep::Key(key) => Some(key.as_str()),
                _ => None,
            })
            .unwrap_or(&self.property)
    }

    /// True when some key of the path ends in `_ref` or `_refs`, so the
    /// path may leave its root object.
    pub fn dereferences(&self) -> bool {
        is_reference_key(&self.property)
            || self
                .steps
                .iter()
                .any(|step| matches!(step, PathStep::Key(key) if is_reference_key(key)))
    }
}

/// True for property names that hold object references (`*_ref`, `*_refs`).
pub(crate) fn is_reference_key(key: &str) -> bool {
    key.ends_with("_ref") || key.ends_with("_refs")
}

/// One step of an object path after its first property.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.key` or `.'quoted key'`: a dictionary key or nested property.
    Key(String),
    /// `[n]`: a zero-based list index. Negative indices are grammatical and
    /// never in range.
    Index(i64),
    /// `[*]`: any element of a list.
    AnyIndex,
}

/// A constant in a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer, e.g. `-5`.
    Int(i128),
    /// A finite float, e.g. `2.5`.
    Float(f64),
    /// A string, with its escapes resolved.
    String(String),
    /// `true` or `false`.
    Bool(bool),
    /// `b'...'`: base64 octets.
    Binary(Vec<u8>),
    /// `h'...'`: hexadecimal octets.
    Hex(Vec<u8>),
    /// `t'...'`: a timestamp.
    Timestamp(Timestamp),
}

impl Literal {
    /// The literal's type as the STIX spec names it (`string`, `hex`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::Int(_) => "integer",
            Literal::Float(_) => "float",
            Literal::String(_) => "string",
            Literal::Bool(_) => "boolean",
            Literal::Binary(_) => "binary",
            Literal::Hex(_) => "hex",
            Literal::Timestamp(_) => "timestamp",
        }
    }
}

/// A STIX timestamp: a civil date and time in UTC with nanosecond precision.
///
/// Years 0000 to 9999 are representable, so `t'9999-12-31T23:59:59Z'` (a
/// common "forever" `STOP`) works. Ordering is chronological.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(jiff::civil::DateTime);

impl Timestamp {
    /// Wraps a civil date and time, read as UTC.
    pub fn from_civil(datetime: jiff::civil::DateTime) -> Timestamp {
        Timestamp(datetime)
    }

    /// The civil date and time in UTC.
    pub fn civil(&self) -> jiff::civil::DateTime {
        self.0
    }

    /// Nanoseconds since 1970-01-01T00:00:00Z (negative before).
    pub fn unix_nanos(&self) -> i128 {
        let epoch = jiff::civil::date(1970, 1, 1).at(0, 0, 0, 0);
        self.0.duration_since(epoch).as_nanos()
    }
}

impl fmt::Display for Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, with trailing zeros of the fraction
    /// removed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dt = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )?;
        let nanos = dt.subsec_nanosecond();
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl Pattern {
    /// Every comparison of the pattern, in source order.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        self.expr.collect_comparisons(&mut out);
        out
    }
}

impl ObservationExpr {
    fn collect_comparisons<'a>(&'a self, out: &mut Vec<&'a Comparison>) {
        match self {
            ObservationExpr::Observation(expr) => expr.collect_comparisons(out),
            ObservationExpr::And(children)
            | ObservationExpr::Or(children)
            | ObservationExpr::FollowedBy(children) => {
                for child in children {
                    child.collect_comparisons(out);
                }
            }
            ObservationExpr::Qualified(inner, _) => inner.collect_comparisons(out),
        }
    }
}

impl ComparisonExpr {
    /// Every comparison of this expression, in source order.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        self.collect_comparisons(&mut out);
        out
    }

    fn collect_comparisons<'a>(&'a self, out: &mut Vec<&'a Comparison>) {
        match self {
            ComparisonExpr::Comparison(comparison) => out.push(comparison),
            ComparisonExpr::And(children) | ComparisonExpr::Or(children) => {
                for child in children {
                    child.collect_comparisons(out);
                }
            }
        }
    }
}
