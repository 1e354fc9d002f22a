//! Compiled patterns: regexes built, CIDRs parsed, literals prepared, and the
//! observation tree flattened into a plan for the binding search.

use std::borrow::Cow;

use crate::ast::{
    Comparison, ComparisonExpr, Literal, ObservationExpr, Operator, PathStep, Pattern, Qualifier,
    Seconds,
};
use crate::canonical::canonical_value;
use crate::check::{self, Severity};
use crate::compare::{self, Const, StrConst};
use crate::error::{CompileError, EvalError};
use crate::ip::Block;
use crate::observation::{ObservationSet, Val};
use crate::search;
use crate::textmatch::TextMatcher;

/// The default budget of search steps for one evaluation, see
/// [`EvalError::BudgetExceeded`]. One step is one goal expanded or one
/// candidate observation tried; a million steps take well under a second.
pub const DEFAULT_STEP_BUDGET: u64 = 1_000_000;

/// Which semantics the evaluator applies where the STIX spec and the OASIS
/// reference matcher (`stix2-matcher` 3.0.0) differ.
///
/// [`Semantics::SPEC`] (the default) is the product's behaviour. Each field
/// can be switched to the reference matcher's behaviour, which the
/// differential test uses to classify disagreements; production code has no
/// reason to change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Semantics {
    /// `WITHIN x SECONDS` requires the span to be strictly less than `x`
    /// (spec §9.5.1). `false`: at most `x`, as the reference matcher does.
    pub within_exclusive: bool,
    /// Every observation instance has one (unknown) instant, and all temporal
    /// constraints of the pattern must hold for one choice of instants
    /// together. `false`: each `FOLLOWEDBY`, `WITHIN` and `START`/`STOP` is
    /// checked on its own against the observations' intervals, as the
    /// reference matcher does.
    pub joint_time: bool,
    /// `MATCHES` and `LIKE` let `.`, `%` and `_` match line breaks (DOTALL,
    /// spec §9.6.1). `false`: Python's defaults, as the reference matcher.
    pub dotall: bool,
    /// `=`, `!=` and `IN` compare well-known string values in canonical form
    /// (a product requirement, see the crate docs). `false`: exact strings.
    pub canonical_equality: bool,
    /// `IN` applies `=` to each member. `false`: Python set membership, as
    /// the reference matcher (`true` equals `1`, strings never equal octets).
    pub in_member_equality: bool,
    /// `NOT` negates an ordering comparison (`<`, `<=`, `>`, `>=`) between
    /// incompatible types, which is false, into true (spec §9.6.1: NOT
    /// negates the comparison). `false`: such a comparison stays false under
    /// `NOT`, as the reference matcher does (it negates every other operator).
    pub negate_incomparable_order: bool,
}

impl Semantics {
    /// The STIX 2.1 specification, plus canonical comparison.
    pub const SPEC: Semantics = Semantics {
        within_exclusive: true,
        joint_time: true,
        dotall: true,
        canonical_equality: true,
        in_member_equality: true,
        negate_incomparable_order: true,
    };

    /// Everything switched to the reference matcher's behaviour.
    pub const REFERENCE_MATCHER: Semantics = Semantics {
        within_exclusive: false,
        joint_time: false,
        dotall: false,
        canonical_equality: false,
        in_member_equality: false,
        negate_incomparable_order: false,
    };
}

impl Default for Semantics {
    fn default() -> Semantics {
        Semantics::SPEC
    }
}

/// A pattern ready for evaluation: checked, with regexes compiled, CIDR
/// blocks parsed and literals prepared (string constants converted to octets
/// and to canonical form where the property is known). Evaluate it against
/// any number of [`ObservationSet`]s; it is `Send` and `Sync`.
#[derive(Debug, Clone)]
pub struct CompiledPattern {
    pub(crate) plan: Vec<PlanNode>,
    pub(crate) root: usize,
    pub(crate) leaves: Vec<Leaf>,
    pub(crate) semantics: Semantics,
    /// The fewest observation instances any match needs.
    pub(crate) min_instances: u64,
}

/// A node of the observation plan; children are indices into the plan.
#[derive(Debug, Clone)]
pub(crate) enum PlanNode {
    /// A bracket: index into `leaves`.
    Leaf(usize),
    And(Vec<usize>),
    Or(Vec<usize>),
    FollowedBy(Vec<usize>),
    /// An expression and its qualifiers, innermost first.
    Qualified(usize, Vec<Qual>),
}

/// A qualifier with its operands in nanoseconds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Qual {
    Within(Window),
    Repeats(u64),
    StartStop(i128, i128),
}

/// One bracket: its comparison expression and the object types a root
/// object may have to satisfy it.
#[derive(Debug, Clone)]
pub(crate) struct Leaf {
    expr: Expr,
    types: Vec<Box<str>>,
}

#[derive(Debug, Clone)]
enum Expr {
    Test(Box<Test>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone)]
struct Test {
    object_type: Box<str>,
    /// The path after the object type; the first step is the first property.
    steps: Vec<PathStep>,
    negated: bool,
    op: Op,
    /// Keys of the path joined by `.`, for canonicalisation, when the path
    /// does not dereference.
    static_property: Option<Box<str>>,
}

#[derive(Debug, Clone)]
enum Op {
    Eq(Const),
    Ne(Const),
    Order(OrderOp, Const),
    In(Vec<Const>),
    Text(TextMatcher),
    Subset(Block),
    Superset(Block),
    Exists,
    /// An operand that cannot be compiled; false whatever `NOT` says. `check`
    /// rejects such patterns first, so this only keeps compilation total.
    Never,
}

#[derive(Debug, Clone, Copy)]
enum OrderOp {
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompiledPattern {
    /// Compiles a pattern with the default [`Semantics`]. Fails when
    /// [`check`](crate::check) reports an error: such a pattern is invalid and
    /// must not match anything (STIX 2.1 §9.4).
    pub fn new(pattern: &Pattern) -> Result<CompiledPattern, CompileError> {
        CompiledPattern::with_semantics(pattern, Semantics::SPEC)
    }

    /// Compiles a pattern with the given semantics.
    pub fn with_semantics(
        pattern: &Pattern,
        semantics: Semantics,
    ) -> Result<CompiledPattern, CompileError> {
        let errors: Vec<_> = check::check(pattern)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        if !errors.is_empty() {
            return Err(CompileError {
                diagnostics: errors,
            });
        }
        let mut compiler = Compiler {
            semantics,
            plan: Vec::new(),
            leaves: Vec::new(),
        };
        let (root, min_instances) = compiler.observation(&pattern.expr);
        Ok(CompiledPattern {
            plan: compiler.plan,
            root,
            leaves: compiler.leaves,
            semantics,
            min_instances,
        })
    }

    /// The semantics this pattern was compiled with.
    pub fn semantics(&self) -> Semantics {
        self.semantics
    }

    /// True when the observations satisfy the pattern, searching with
    /// [`DEFAULT_STEP_BUDGET`].
    pub fn matches(&self, observations: &ObservationSet) -> Result<bool, EvalError> {
        self.matches_with_budget(observations, DEFAULT_STEP_BUDGET)
    }

    /// True when the observations satisfy the pattern; gives up with
    /// [`EvalError::BudgetExceeded`] after `budget` search steps.
    pub fn matches_with_budget(
        &self,
        observations: &ObservationSet,
        budget: u64,
    ) -> Result<bool, EvalError> {
        if self.min_instances > observations.instance_count() {
            return Ok(false);
        }
        let leaf_matches: Vec<Vec<u32>> = self
            .leaves
            .iter()
            .map(|leaf| leaf.matching_observations(observations, self.semantics))
            .collect();
        search::run(self, observations, &leaf_matches, budget)
    }
}

struct Compiler {
    semantics: Semantics,
    plan: Vec<PlanNode>,
    leaves: Vec<Leaf>,
}

impl Compiler {
    /// Adds `expr` to the plan; returns its index and the fewest instances a
    /// binding of it uses.
    fn observation(&mut self, expr: &ObservationExpr) -> (usize, u64) {
        let (node, min) = match expr {
            ObservationExpr::Observation(inner) => {
                let leaf = self.leaf(inner);
                self.leaves.push(leaf);
                (PlanNode::Leaf(self.leaves.len() - 1), 1)
            }
            ObservationExpr::And(children) | ObservationExpr::FollowedBy(children) => {
                let (ids, mins): (Vec<_>, Vec<_>) =
                    children.iter().map(|c| self.observation(c)).unzip();
                let min = mins.into_iter().fold(0u64, u64::saturating_add);
                if matches!(expr, ObservationExpr::And(_)) {
                    (PlanNode::And(ids), min)
                } else {
                    (PlanNode::FollowedBy(ids), min)
                }
            }
            ObservationExpr::Or(children) => {
                let (ids, mins): (Vec<_>, Vec<_>) =
                    children.iter().map(|c| self.observation(c)).unzip();
                (PlanNode::Or(ids), mins.into_iter().min().unwrap_or(0))
            }
            ObservationExpr::Qualified(inner, qualifiers) => {
                let (inner, mut min) = self.observation(inner);
                let quals = qualifiers
                    .iter()
                    .map(|q| match q {
                        Qualifier::Within(seconds) => Qual::Within(Window::of(*seconds)),
                        Qualifier::Repeats(count) => {
                            min = min.saturating_mul(*count);
                            Qual::Repeats(*count)
                        }
                        Qualifier::StartStop { start, stop } => {
                            Qual::StartStop(start.unix_nanos(), stop.unix_nanos())
                        }
                    })
                    .collect();
                (PlanNode::Qualified(inner, quals), min)
            }
        };
        self.plan.push(node);
        (self.plan.len() - 1, min)
    }

    fn leaf(&self, expr: &ComparisonExpr) -> Leaf {
        let expr = self.expr(expr);
        let mut types = Vec::new();
        collect_types(&expr, &mut types);
        types.sort();
        types.dedup();
        Leaf { expr, types }
    }

    fn expr(&self, expr: &ComparisonExpr) -> Expr {
        match expr {
            ComparisonExpr::Comparison(comparison) => Expr::Test(Box::new(self.test(comparison))),
            ComparisonExpr::And(children) => {
                Expr::And(children.iter().map(|c| self.expr(c)).collect())
            }
            ComparisonExpr::Or(children) => {
                Expr::Or(children.iter().map(|c| self.expr(c)).collect())
            }
        }
    }

    fn test(&self, comparison: &Comparison) -> Test {
        let path = &comparison.path;
        let mut steps = Vec::with_capacity(path.steps.len() + 1);
        steps.push(PathStep::Key(path.property.clone()));
        steps.extend(path.steps.iter().cloned());
        let static_property =
            (!path.dereferences()).then(|| property_path(&steps).into_boxed_str());
        let prepare = |literal: &Literal| -> Const {
            prepare_const(
                literal,
                &path.object_type,
                static_property.as_deref(),
                self.semantics,
            )
        };
        let op = match &comparison.operator {
            Operator::Eq(literal) => Op::Eq(prepare(literal)),
            Operator::Ne(literal) => Op::Ne(prepare(literal)),
            Operator::Lt(literal) => Op::Order(OrderOp::Lt, prepare(literal)),
            Operator::Le(literal) => Op::Order(OrderOp::Le, prepare(literal)),
            Operator::Gt(literal) => Op::Order(OrderOp::Gt, prepare(literal)),
            Operator::Ge(literal) => Op::Order(OrderOp::Ge, prepare(literal)),
            Operator::In(members) => Op::In(members.iter().map(prepare).collect()),
            Operator::Like(pattern) => Op::Text(TextMatcher::like(pattern, self.semantics.dotall)),
            // `check` has accepted the regex and the blocks, so these succeed.
            Operator::Matches(regex) => {
                TextMatcher::matches(regex, self.semantics.dotall).map_or(Op::Never, Op::Text)
            }
            Operator::IsSubset(text) => Block::parse(text).map_or(Op::Never, Op::Subset),
            Operator::IsSuperset(text) => Block::parse(text).map_or(Op::Never, Op::Superset),
            Operator::Exists => Op::Exists,
        };
        Test {
            object_type: path.object_type.as_str().into(),
            steps,
            negated: comparison.negated,
            op,
            static_property,
        }
    }
}

fn collect_types(expr: &Expr, out: &mut Vec<Box<str>>) {
    match expr {
        Expr::Test(test) => out.push(test.object_type.clone()),
        Expr::And(children) | Expr::Or(children) => {
            for child in children {
                collect_types(child, out);
            }
        }
    }
}

/// Keys of a path joined by `.`; list steps are left out.
fn property_path(steps: &[PathStep]) -> String {
    let keys: Vec<&str> = steps
        .iter()
        .filter_map(|step| match step {
            PathStep::Key(key) => Some(key.as_str()),
            _ => None,
        })
        .collect();
    keys.join(".")
}

/// A `WITHIN` length in whole nanoseconds, rounded both ways.
///
/// Every other time in a pattern and in observations is a whole number of
/// nanoseconds, so the achievable spans of a set of instants form an interval
/// with whole-nanosecond ends. A span "strictly less than `x`" is then
/// achievable exactly when one strictly less than `ceil(x)` is, and a span
/// "at most `x`" when one of at most `floor(x)` is. The decimal is read from
/// its shortest text, so `0.1` is exactly 100 000 000 ns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Window {
    pub floor: i128,
    pub ceil: i128,
}

impl Window {
    /// Longer windows than this (about 3 * 10^13 years) are all the same;
    /// the cap keeps the arithmetic far from overflow.
    const CAP_SECONDS: i128 = 1_000_000_000_000_000_000_000;

    pub(crate) fn of(seconds: Seconds) -> Window {
        match seconds {
            Seconds::Int(n) => {
                let nanos = i128::from(n) * 1_000_000_000;
                Window {
                    floor: nanos,
                    ceil: nanos,
                }
            }
            Seconds::Float(x) => {
                let text = x.abs().to_string();
                let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
                let whole: i128 = whole
                    .parse()
                    .unwrap_or(Window::CAP_SECONDS)
                    .min(Window::CAP_SECONDS);
                let mut nanos: i128 = 0;
                for digit in fraction.bytes().chain(std::iter::repeat(b'0')).take(9) {
                    nanos = nanos * 10 + i128::from(digit.saturating_sub(b'0'));
                }
                let floor = whole * 1_000_000_000 + nanos;
                let beyond = fraction.bytes().skip(9).any(|digit| digit != b'0');
                Window {
                    floor,
                    ceil: floor + i128::from(beyond),
                }
            }
        }
    }
}

fn prepare_const(
    literal: &Literal,
    object_type: &str,
    property: Option<&str>,
    semantics: Semantics,
) -> Const {
    match literal {
        Literal::Int(v) => Const::Int(*v),
        Literal::Float(v) => Const::Float(*v),
        Literal::Bool(v) => Const::Bool(*v),
        Literal::Binary(bytes) | Literal::Hex(bytes) => {
            Const::Bytes(bytes.clone().into_boxed_slice())
        }
        Literal::Timestamp(ts) => Const::Timestamp(ts.unix_nanos()),
        Literal::String(text) => {
            let canonical = match property {
                Some(property) if semantics.canonical_equality => {
                    match canonical_value(object_type, property, text) {
                        Cow::Owned(canonical) if canonical != *text => {
                            Some(canonical.into_boxed_str())
                        }
                        _ => None,
                    }
                }
                _ => None,
            };
            Const::Str(StrConst {
                text: text.as_str().into(),
                latin1: compare::latin1(text).map(Vec::into_boxed_slice),
                canonical,
            })
        }
    }
}

impl Leaf {
    /// Indices of the observations with a root object satisfying this
    /// bracket, ascending, without duplicates.
    fn matching_observations(&self, set: &ObservationSet, semantics: Semantics) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for ty in &self.types {
            let Some(roots) = set.by_type.get(ty) else {
                continue;
            };
            for &(observation, object) in roots {
                if out.last() == Some(&observation) && self.types.len() == 1 {
                    continue;
                }
                if eval_expr(&self.expr, set, object, semantics) {
                    out.push(observation);
                }
            }
        }
        if self.types.len() > 1 {
            out.sort_unstable();
        }
        out.dedup();
        out
    }
}

fn eval_expr(expr: &Expr, set: &ObservationSet, root: u32, semantics: Semantics) -> bool {
    match expr {
        Expr::Test(test) => eval_test(test, set, root, semantics),
        Expr::And(children) => children.iter().all(|c| eval_expr(c, set, root, semantics)),
        Expr::Or(children) => children.iter().any(|c| eval_expr(c, set, root, semantics)),
    }
}

/// Where a path walk stands: the value, the step to take next, and the object
/// the relative property path starts at (for canonicalisation).
struct Cursor<'s> {
    value: &'s Val,
    next_step: usize,
    object: u32,
    relative_start: usize,
}

/// Evaluates one comparison with `root` as the root object.
fn eval_test(test: &Test, set: &ObservationSet, root: u32, semantics: Semantics) -> bool {
    let root_object = &set.objects[root as usize];
    if *root_object.ty != *test.object_type {
        return false;
    }
    if let Op::Exists = test.op {
        let mut found = false;
        walk(test, set, root, &mut |_, _| {
            found = true;
            true
        });
        return found != test.negated;
    }
    walk(test, set, root, &mut |value, cursor| {
        value_matches(test, set, value, cursor, semantics)
            .is_some_and(|result| result != test.negated)
    })
}

/// Visits every value the path reaches from `root` (several with `[*]`),
/// until `visit` returns true. A step that cannot be taken (missing key, index
/// out of range, not a list or map) ends that branch: the property is absent.
fn walk<'s>(
    test: &Test,
    set: &'s ObservationSet,
    root: u32,
    visit: &mut dyn FnMut(&'s Val, &Cursor<'s>) -> bool,
) -> bool {
    let mut stack = vec![Cursor {
        value: &set.objects[root as usize].body,
        next_step: 0,
        object: root,
        relative_start: 0,
    }];
    while let Some(mut cursor) = stack.pop() {
        loop {
            let Some(step) = test.steps.get(cursor.next_step) else {
                if visit(cursor.value, &cursor) {
                    return true;
                }
                break;
            };
            let mut current = cursor.value;
            if let (PathStep::Key(_), Val::Ref(target)) = (step, current) {
                current = &set.objects[*target as usize].body;
                cursor.object = *target;
                cursor.relative_start = cursor.next_step;
            }
            let next = match (step, current) {
                (PathStep::Key(key), _) => current.get(key),
                (PathStep::Index(index), Val::List(items)) => {
                    usize::try_from(*index).ok().and_then(|i| items.get(i))
                }
                (PathStep::AnyIndex, Val::List(items)) => {
                    for item in items.iter().rev() {
                        stack.push(Cursor {
                            value: item,
                            next_step: cursor.next_step + 1,
                            object: cursor.object,
                            relative_start: cursor.relative_start,
                        });
                    }
                    None
                }
                _ => None,
            };
            match next {
                Some(value) => {
                    cursor.value = value;
                    cursor.next_step += 1;
                }
                None => break,
            }
        }
    }
    false
}

/// The comparison on one reached value, before `NOT`; `None` when the
/// result is false whatever `NOT` says (see [`Op::Never`] and
/// [`Semantics::negate_incomparable_order`]).
fn value_matches(
    test: &Test,
    set: &ObservationSet,
    value: &Val,
    cursor: &Cursor<'_>,
    semantics: Semantics,
) -> Option<bool> {
    Some(match &test.op {
        Op::Eq(constant) => {
            equal_canonical(test, set, value, constant, cursor, semantics).unwrap_or(false)
        }
        Op::Ne(constant) => {
            equal_canonical(test, set, value, constant, cursor, semantics).is_none_or(|eq| !eq)
        }
        Op::Order(op, constant) => match compare::order(value, constant) {
            Some(ord) => match op {
                OrderOp::Lt => ord.is_lt(),
                OrderOp::Le => ord.is_le(),
                OrderOp::Gt => ord.is_gt(),
                OrderOp::Ge => ord.is_ge(),
            },
            None if semantics.negate_incomparable_order => false,
            None => return None,
        },
        Op::In(members) => members.iter().any(|member| {
            if semantics.in_member_equality {
                equal_canonical(test, set, value, member, cursor, semantics).unwrap_or(false)
            } else {
                compare::reference_set_equal(value, member)
            }
        }),
        Op::Text(matcher) => match value {
            Val::Str(text) => matcher.is_match_str(text),
            Val::Bin(bytes) => matcher.is_match_bytes(bytes),
            _ => false,
        },
        Op::Subset(block) => address(value).is_some_and(|v| v.is_subset_of(block)),
        Op::Superset(block) => address(value).is_some_and(|v| block.is_subset_of(&v)),
        Op::Exists => true,
        Op::Never => return None,
    })
}

fn address(value: &Val) -> Option<Block> {
    match value {
        Val::Str(text) => Block::parse(text).ok(),
        _ => None,
    }
}

/// `=` with canonical comparison of strings when enabled.
fn equal_canonical(
    test: &Test,
    set: &ObservationSet,
    value: &Val,
    constant: &Const,
    cursor: &Cursor<'_>,
    semantics: Semantics,
) -> Option<bool> {
    let (Val::Str(text), Const::Str(string), true) =
        (value, constant, semantics.canonical_equality)
    else {
        return compare::equal(value, constant);
    };
    if **text == *string.text {
        return Some(true);
    }
    let (object_type, property): (&str, Cow<'_, str>) = match &test.static_property {
        Some(property) => (&test.object_type, Cow::Borrowed(property)),
        None => (
            &set.objects[cursor.object as usize].ty,
            Cow::Owned(property_path(&test.steps[cursor.relative_start..])),
        ),
    };
    let value_form = canonical_value(object_type, &property, text);
    let constant_form = match (&test.static_property, &string.canonical) {
        (Some(_), Some(canonical)) => Cow::Borrowed(canonical.as_ref()),
        (Some(_), None) => Cow::Borrowed(string.text.as_ref()),
        (None, _) => canonical_value(object_type, &property, &string.text),
    };
    Some(value_form == constant_form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_lengths_are_exact_decimals() {
        assert_eq!(
            Window::of(Seconds::Int(5)),
            Window {
                floor: 5_000_000_000,
                ceil: 5_000_000_000
            }
        );
        assert_eq!(
            Window::of(Seconds::Float(0.1)),
            Window {
                floor: 100_000_000,
                ceil: 100_000_000
            }
        );
        assert_eq!(
            Window::of(Seconds::Float(2.5)),
            Window {
                floor: 2_500_000_000,
                ceil: 2_500_000_000
            }
        );
        assert_eq!(
            Window::of(Seconds::Float(1e-12)),
            Window { floor: 0, ceil: 1 }
        );
        assert_eq!(
            Window::of(Seconds::Float(1.0000000005)),
            Window {
                floor: 1_000_000_000,
                ceil: 1_000_000_001
            }
        );
        let huge = Window::of(Seconds::Float(1e300));
        assert_eq!(huge.floor, Window::CAP_SECONDS * 1_000_000_000);
        let max = Window::of(Seconds::Int(u64::MAX));
        assert_eq!(max.floor, i128::from(u64::MAX) * 1_000_000_000);
    }
}
