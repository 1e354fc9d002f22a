//! Semantic checks: what the grammar accepts but the spec forbids, or what
//! can never match.
//!
//! Errors make a pattern invalid: [`CompiledPattern::new`](crate::CompiledPattern::new)
//! refuses it, so it never matches (STIX 2.1 §9.4). Warnings point at
//! patterns that are valid but probably wrong.

use std::collections::BTreeSet;
use std::fmt;

use crate::ast::{
    Comparison, ComparisonExpr, Literal, ObservationExpr, Operator, PathStep, Pattern, Qualifier,
    Seconds,
};
use crate::ip::Block;
use crate::parser::MAX_NESTING_DEPTH;
use crate::sco;
use crate::textmatch::TextMatcher;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The pattern is invalid and never matches.
    Error,
    /// The pattern is valid but probably not what was meant.
    Warning,
}

/// What a diagnostic is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagnosticKind {
    /// Warning: an object type that is neither a STIX 2.1 SCO nor custom (`x-`).
    UnknownObjectType,
    /// Warning: a property the SCO type does not define and that is not
    /// custom (`x_`).
    UnknownProperty,
    /// Warning: an extension name that is neither predefined for the type nor
    /// custom (`x-`, `extension-definition--`).
    UnknownExtension,
    /// Error: a `MATCHES` regex that does not compile.
    InvalidRegex,
    /// Error: an `ISSUBSET`/`ISSUPERSET` operand that is not an IP or CIDR.
    InvalidAddress,
    /// Warning: `ISSUBSET`/`ISSUPERSET` on a path that is not the `value` of
    /// an `ipv4-addr` or `ipv6-addr`.
    NonAddressPath,
    /// Warning: an IPv4 block compared with `ipv6-addr:value` or the reverse.
    AddressFamilyMismatch,
    /// Error: `WITHIN 0 SECONDS`.
    ZeroWithin,
    /// Error: `REPEATS 0 TIMES`.
    ZeroRepeats,
    /// Error: `START` at or after `STOP`.
    EmptyStartStop,
    /// Error: two qualifiers of the same type on one expression (§9.5.1).
    DuplicateQualifier,
    /// Error: an `IN` set whose members are not all of one type.
    MixedTypeSet,
    /// Warning: comparisons on different object types joined by `AND` inside
    /// one bracket; no single object can satisfy them.
    DisjointObjectTypes,
    /// Warning: a negative list index, which is never in range.
    NegativeIndex,
    /// Error: a hand-built tree nested deeper than
    /// [`MAX_NESTING_DEPTH`](crate::MAX_NESTING_DEPTH).
    TooDeep,
}

/// One finding of [`check`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// What kind of problem.
    pub kind: DiagnosticKind,
    /// What is wrong, where (the comparison or qualifier, printed), and what
    /// to do.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}: {}", self.message)
    }
}

/// Checks a parsed pattern against the rules the grammar does not express.
///
/// Returns the diagnostics in pattern order (errors and warnings mixed). An
/// empty list means the pattern is valid and nothing looks wrong.
pub fn check(pattern: &Pattern) -> Vec<Diagnostic> {
    let mut checker = Checker::default();
    let depth = observation_depth(&pattern.expr);
    if depth > MAX_TREE_DEPTH {
        checker.push(
            Severity::Error,
            DiagnosticKind::TooDeep,
            format!(
                "the pattern's tree is {depth} levels deep, more than parsing allows \
                 ({MAX_NESTING_DEPTH} nested brackets); flatten it"
            ),
        );
        return checker.diagnostics;
    }
    checker.observation(&pattern.expr);
    checker.diagnostics
}

/// The deepest tree the parser can build: each level of parentheses adds at
/// most four nodes (`FOLLOWEDBY`, `OR`, `AND`, qualified), plus the bracket
/// content. Hand-built trees deeper than this are refused.
pub(crate) const MAX_TREE_DEPTH: usize = 4 * MAX_NESTING_DEPTH + 8;

/// Depth of the tree, computed without recursion so that a hand-built,
/// pathologically deep tree cannot overflow the stack here.
pub(crate) fn observation_depth(expr: &ObservationExpr) -> usize {
    enum Node<'a> {
        Obs(&'a ObservationExpr),
        Cmp(&'a ComparisonExpr),
    }
    let mut deepest = 0;
    let mut stack = vec![(Node::Obs(expr), 1usize)];
    while let Some((node, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        match node {
            Node::Obs(ObservationExpr::Observation(inner)) => {
                stack.push((Node::Cmp(inner), depth + 1))
            }
            Node::Obs(
                ObservationExpr::And(children)
                | ObservationExpr::Or(children)
                | ObservationExpr::FollowedBy(children),
            ) => stack.extend(children.iter().map(|c| (Node::Obs(c), depth + 1))),
            Node::Obs(ObservationExpr::Qualified(inner, _)) => {
                stack.push((Node::Obs(inner), depth + 1))
            }
            Node::Cmp(ComparisonExpr::Comparison(_)) => {}
            Node::Cmp(ComparisonExpr::And(children) | ComparisonExpr::Or(children)) => {
                stack.extend(children.iter().map(|c| (Node::Cmp(c), depth + 1)))
            }
        }
    }
    deepest
}

#[derive(Default)]
struct Checker {
    diagnostics: Vec<Diagnostic>,
    /// Unknown types already reported, to say it once per pattern.
    reported_types: BTreeSet<String>,
}

impl Checker {
    fn push(&mut self, severity: Severity, kind: DiagnosticKind, message: String) {
        self.diagnostics.push(Diagnostic {
            severity,
            kind,
            message,
        });
    }

    fn observation(&mut self, expr: &ObservationExpr) {
        match expr {
            ObservationExpr::Observation(inner) => {
                self.comparison_expr(inner);
            }
            ObservationExpr::And(children)
            | ObservationExpr::Or(children)
            | ObservationExpr::FollowedBy(children) => {
                for child in children {
                    self.observation(child);
                }
            }
            ObservationExpr::Qualified(inner, qualifiers) => {
                self.observation(inner);
                self.qualifiers(qualifiers);
            }
        }
    }

    fn qualifiers(&mut self, qualifiers: &[Qualifier]) {
        let mut seen: Vec<&'static str> = Vec::new();
        for qualifier in qualifiers {
            let name = match qualifier {
                Qualifier::Within(seconds) => {
                    let zero = match seconds {
                        Seconds::Int(n) => *n == 0,
                        Seconds::Float(x) => *x <= 0.0,
                    };
                    if zero {
                        self.push(
                            Severity::Error,
                            DiagnosticKind::ZeroWithin,
                            format!("{qualifier}: the window must be a positive number of seconds"),
                        );
                    }
                    "WITHIN"
                }
                Qualifier::Repeats(count) => {
                    if *count == 0 {
                        self.push(
                            Severity::Error,
                            DiagnosticKind::ZeroRepeats,
                            format!("{qualifier}: the repeat count must be a positive integer"),
                        );
                    }
                    "REPEATS"
                }
                Qualifier::StartStop { start, stop } => {
                    if start >= stop {
                        self.push(
                            Severity::Error,
                            DiagnosticKind::EmptyStartStop,
                            format!("{qualifier}: START must be before STOP (the interval [START, STOP) is empty)"),
                        );
                    }
                    "START/STOP"
                }
            };
            if seen.contains(&name) {
                self.push(
                    Severity::Error,
                    DiagnosticKind::DuplicateQualifier,
                    format!(
                        "{qualifier}: an expression may carry only one {name} qualifier (STIX 2.1 §9.5.1); \
                         parenthesise the qualified expression to qualify it again"
                    ),
                );
            } else {
                seen.push(name);
            }
        }
    }

    /// Checks the comparisons and returns the object types a root object may
    /// have to satisfy `expr`.
    fn comparison_expr<'a>(&mut self, expr: &'a ComparisonExpr) -> BTreeSet<&'a str> {
        match expr {
            ComparisonExpr::Comparison(comparison) => {
                self.comparison(comparison);
                BTreeSet::from([comparison.path.object_type.as_str()])
            }
            ComparisonExpr::Or(children) => {
                let mut types = BTreeSet::new();
                for child in children {
                    types.extend(self.comparison_expr(child));
                }
                types
            }
            ComparisonExpr::And(children) => {
                let child_types: Vec<_> =
                    children.iter().map(|c| self.comparison_expr(c)).collect();
                if child_types.iter().any(BTreeSet::is_empty) {
                    // Already reported further down.
                    return BTreeSet::new();
                }
                let mut rest = child_types.iter();
                let mut common = rest.next().cloned().unwrap_or_default();
                for types in rest {
                    common.retain(|t| types.contains(t));
                }
                if common.is_empty() {
                    let all: BTreeSet<&str> = child_types.iter().flatten().copied().collect();
                    self.push(
                        Severity::Warning,
                        DiagnosticKind::DisjointObjectTypes,
                        format!(
                            "{expr}: comparisons on different object types ({}) are joined by AND, \
                             but every comparison in one bracket must hold on the same object, so \
                             this can never match; use OR, or separate brackets joined by an \
                             observation operator",
                            all.into_iter().collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
                common
            }
        }
    }

    fn comparison(&mut self, comparison: &Comparison) {
        self.path(comparison);
        match &comparison.operator {
            Operator::Matches(regex) => {
                if let Err(reason) = TextMatcher::matches(regex, true) {
                    self.push(
                        Severity::Error,
                        DiagnosticKind::InvalidRegex,
                        format!("{comparison}: {reason}"),
                    );
                }
            }
            Operator::IsSubset(text) | Operator::IsSuperset(text) => {
                self.set_operation(comparison, text)
            }
            Operator::In(members) => self.set_literal(comparison, members),
            _ => {}
        }
    }

    fn path(&mut self, comparison: &Comparison) {
        let path = &comparison.path;
        let object_type = path.object_type.as_str();
        for step in &path.steps {
            if let PathStep::Index(index) = step
                && *index < 0
            {
                self.push(
                    Severity::Warning,
                    DiagnosticKind::NegativeIndex,
                    format!(
                        "{comparison}: list index {index} is never in range (indices start at 0)"
                    ),
                );
            }
        }
        if sco::is_custom_name(object_type) {
            return;
        }
        if sco::properties(object_type).is_none() {
            if self.reported_types.insert(object_type.to_string()) {
                self.push(
                    Severity::Warning,
                    DiagnosticKind::UnknownObjectType,
                    format!(
                        "{comparison}: '{object_type}' is not a STIX 2.1 Cyber-observable Object type; \
                         custom types should start with 'x-'"
                    ),
                );
            }
            return;
        }
        let property = path.property.as_str();
        if !sco::has_property(object_type, property) && !sco::is_custom_property(property) {
            self.push(
                Severity::Warning,
                DiagnosticKind::UnknownProperty,
                format!(
                    "{comparison}: '{object_type}' has no property '{property}'; custom properties \
                     should start with 'x_'"
                ),
            );
            return;
        }
        if property != "extensions" {
            return;
        }
        let mut keys = path.steps.iter();
        let Some(PathStep::Key(extension)) = keys.next() else {
            return;
        };
        if sco::is_custom_name(extension) {
            return;
        }
        let Some(ext_properties) = sco::extension_properties(object_type, extension) else {
            let known = sco::extension_names(object_type);
            self.push(
                Severity::Warning,
                DiagnosticKind::UnknownExtension,
                format!(
                    "{comparison}: '{extension}' is not a predefined extension of '{object_type}' \
                     (predefined: {}); custom extensions are named by an extension-definition id",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ),
            );
            return;
        };
        if let Some(PathStep::Key(ext_property)) = keys.next()
            && !ext_properties.contains(&ext_property.as_str())
            && !sco::is_custom_property(ext_property)
        {
            self.push(
                Severity::Warning,
                DiagnosticKind::UnknownProperty,
                format!("{comparison}: extension '{extension}' has no property '{ext_property}'"),
            );
        }
    }

    fn set_operation(&mut self, comparison: &Comparison, text: &str) {
        let block = match Block::parse(text) {
            Ok(block) => block,
            Err(reason) => {
                self.push(
                    Severity::Error,
                    DiagnosticKind::InvalidAddress,
                    format!("{comparison}: {reason}; write an address or CIDR block such as '198.51.100.0/24'"),
                );
                return;
            }
        };
        let path = &comparison.path;
        let direct_type = (!path.dereferences()).then_some(path.object_type.as_str());
        let address_value = path.last_key() == "value"
            && direct_type.is_none_or(|t| t == "ipv4-addr" || t == "ipv6-addr");
        if !address_value {
            self.push(
                Severity::Warning,
                DiagnosticKind::NonAddressPath,
                format!(
                    "{comparison}: {} applies to the value of ipv4-addr and ipv6-addr objects",
                    comparison.operator.symbol()
                ),
            );
            return;
        }
        let mismatch = match direct_type {
            Some("ipv4-addr") => !block.is_v4(),
            Some("ipv6-addr") => block.is_v4(),
            _ => false,
        };
        if mismatch {
            self.push(
                Severity::Warning,
                DiagnosticKind::AddressFamilyMismatch,
                format!(
                    "{comparison}: the operand is of the other IP family, so this can never match"
                ),
            );
        }
    }

    fn set_literal(&mut self, comparison: &Comparison, members: &[Literal]) {
        let Some(first) = members.first() else { return };
        let group = type_group(first);
        if let Some(other) = members.iter().find(|m| type_group(m) != group) {
            self.push(
                Severity::Error,
                DiagnosticKind::MixedTypeSet,
                format!(
                    "{comparison}: IN set members must all have one type, but it mixes {} and {}",
                    first.type_name(),
                    other.type_name()
                ),
            );
        }
    }
}

/// Literal types that may share an `IN` set: numbers with numbers, octets
/// with octets, and each other type alone.
fn type_group(literal: &Literal) -> u8 {
    match literal {
        Literal::Int(_) | Literal::Float(_) => 0,
        Literal::Binary(_) | Literal::Hex(_) => 1,
        Literal::String(_) => 2,
        Literal::Bool(_) => 3,
        Literal::Timestamp(_) => 4,
    }
}
