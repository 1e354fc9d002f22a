//! From a pattern to what the index files: the indicator's mode and atoms.
//!
//! # Modes
//!
//! - **Exact**: one observation decides the pattern (no observation `AND`,
//!   `FOLLOWEDBY` or qualifier), every bracket is a comparison or an `OR` of
//!   comparisons, and every comparison is a positive `=`/`IN`, `ISSUBSET`,
//!   `ISSUPERSET`, `LIKE` or `MATCHES` on a path that stays on its root object
//!   and uses no `[n]` index. Then the pattern holds exactly when some fact
//!   satisfies some comparison, which the index decides by itself: equality and
//!   containment by the key, text by running the evaluator's matcher on the
//!   fact's value. No pattern is stored.
//! - **Verify**: one observation decides the pattern, but the index cannot:
//!   comparisons `AND`ed on one root object, `NOT`, `!=`, orderings,
//!   `EXISTS`, paths through references, qualifiers. The index yields a
//!   candidate and the exact evaluator decides on the full observation.
//! - **Stateful**: a match may need several observations. Each bracket is
//!   indexed; an observation that satisfies a bracket joins the indicator's
//!   window, and the evaluator decides over the window (see `window`).
//!
//! # Necessary atoms
//!
//! For a bracket that is not exact, the index needs a set of atoms such that
//! every observation satisfying the bracket hits one of them: for a
//! comparison, its own atom when it has one; for `AND`, the cheapest child's
//! set (any one child is necessary); for `OR`, the union of all children's
//! sets (or none when a child has none). A bracket without such a set is
//! filed in the scan list of its object types and verified for every
//! observation holding one of them.

use phalanx_pattern::{
    Comparison, ComparisonExpr, CompiledPattern, IpBlock, ObservationExpr, Operator, PathStep,
    Pattern, Qualifier, Seconds,
};

use crate::error::InsertError;
use crate::key::{CanonRule, Key, literal_keys};
use crate::paths::{PathId, TypeId};
use crate::text::{TextOp, required_literals};

/// How the index decides an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The index decides alone; no pattern is kept.
    Exact,
    /// Candidates are verified by the evaluator on the observation.
    Verify,
    /// Observations satisfying a bracket join a window; the evaluator decides
    /// over the window.
    Stateful,
}

/// What one atom looks for.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AtomKind {
    /// A value equal to one of these keys.
    Eq(Vec<Key<'static>>),
    /// An address or block inside this block.
    Subset(IpBlock),
    /// An address or block containing this block.
    Superset(IpBlock),
    /// A string or octets satisfying the text operator.
    Text {
        op: TextOp,
        source: String,
        literals: Vec<String>,
    },
}

/// One atom: a path and what to look for there.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Atom {
    pub path: PathId,
    pub kind: AtomKind,
}

/// An indicator prepared for the index: its pattern analysed (and compiled
/// where the evaluator will be needed). Prepare once and insert the same
/// `Arc<Indicator>` into every replica.
#[derive(Debug, Clone)]
pub struct Indicator {
    pub(crate) mode: Mode,
    pub(crate) atoms: Vec<Atom>,
    /// Object types whose observations must be verified (brackets without
    /// necessary atoms).
    pub(crate) scans: Vec<(TypeId, PathId)>,
    /// The compiled pattern, for Verify and Stateful.
    pub(crate) compiled: Option<CompiledPattern>,
    /// One compiled single-bracket pattern per bracket, for Stateful.
    pub(crate) leaves: Vec<CompiledPattern>,
    /// The fewest observation instances a match needs.
    pub(crate) min_instances: u64,
    /// The top-level `WITHIN` length, nanoseconds (rounded up).
    pub(crate) within: Option<i64>,
    /// `valid_until`, nanoseconds since the Unix epoch.
    pub(crate) valid_until: Option<i64>,
    /// The canonical pattern text, for diagnostics.
    pub(crate) text: Box<str>,
}

impl Indicator {
    /// Analyses and compiles `pattern`. Fails when the pattern is invalid
    /// (it must then never match) or names a path that cannot be registered.
    pub fn new(pattern: &Pattern) -> Result<Indicator, InsertError> {
        let compiled = CompiledPattern::new(pattern)?;
        let analysis = Analysis;
        let expr = &pattern.expr;
        let stateless = max_instances(expr) == 1;
        let mut brackets = Vec::new();
        collect_brackets(expr, &mut brackets);
        let plain = stateless && is_plain_or(expr);
        let exact = plain
            && brackets
                .iter()
                .all(|b| analysis.exact_bracket(b).unwrap_or(false));
        let mode = if exact {
            Mode::Exact
        } else if stateless {
            Mode::Verify
        } else {
            Mode::Stateful
        };
        let mut atoms = Vec::new();
        let mut scans = Vec::new();
        for bracket in &brackets {
            let necessary = if exact {
                analysis.union_of_all(bracket)?
            } else {
                analysis.necessary(bracket)?.map(|(atoms, _)| atoms)
            };
            match necessary {
                Some(found) => atoms.extend(found),
                None => {
                    for comparison in bracket.comparisons() {
                        let ty = TypeId::intern(&comparison.path.object_type)?;
                        // The type's `type` path marks its objects in facts.
                        let type_path = PathId::intern(&phalanx_pattern::ObjectPath::new(
                            comparison.path.object_type.as_str(),
                            "type",
                        ))?;
                        if !scans.iter().any(|(t, _)| *t == ty) {
                            scans.push((ty, type_path));
                        }
                    }
                }
            }
        }
        let leaves = if mode == Mode::Stateful {
            brackets
                .iter()
                .filter_map(|b| {
                    CompiledPattern::new(&Pattern {
                        expr: ObservationExpr::Observation((*b).clone()),
                    })
                    .ok()
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(Indicator {
            mode,
            atoms,
            scans,
            compiled: (mode != Mode::Exact).then_some(compiled),
            leaves,
            min_instances: min_instances(expr),
            within: top_within(expr),
            valid_until: None,
            text: pattern.to_string().into(),
        })
    }

    /// Parses and prepares a pattern.
    pub fn parse(text: &str) -> Result<Indicator, InsertError> {
        Indicator::new(&Pattern::parse(text)?)
    }

    /// This indicator with a `valid_until` (nanoseconds since the Unix
    /// epoch): [`Matcher::expire`](crate::Matcher::expire) removes it once
    /// that time has passed.
    pub fn with_valid_until(mut self, valid_until: i64) -> Indicator {
        self.valid_until = Some(valid_until);
        self
    }

    /// How the index decides this indicator.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The number of atoms filed for it.
    pub fn atom_count(&self) -> usize {
        self.atoms.len()
    }

    /// True when some bracket has no necessary atom and is verified for every
    /// observation holding its object types.
    pub fn scans(&self) -> bool {
        !self.scans.is_empty()
    }

    /// The canonical pattern text.
    pub fn pattern_text(&self) -> &str {
        &self.text
    }
}

struct Analysis;

/// An estimate of how many observations hit an atom, in arbitrary units:
/// smaller is more selective.
type Cost = u64;

impl Analysis {
    /// The atom of one comparison and its cost, when it has one; `Ok(None)`
    /// when the comparison cannot be indexed. The second value says whether
    /// a fact hit decides the comparison exactly.
    fn atom(&self, comparison: &Comparison) -> Result<Option<(Atom, Cost, bool)>, InsertError> {
        if comparison.negated {
            return Ok(None);
        }
        let Ok(path) = PathId::intern(&comparison.path) else {
            // Not a fact path (two references, ends at a reference): no fact
            // can carry it, so this comparison has no atom.
            return Ok(None);
        };
        let Some(info) = path.info() else {
            return Ok(None);
        };
        let plain_path = !info.dereferences()
            && !comparison
                .path
                .steps
                .iter()
                .any(|s| matches!(s, PathStep::Index(_)));
        let rule = CanonRule::new(
            &comparison.path.object_type,
            &info.property,
            info.dereferences(),
        );
        let low_selectivity = comparison.path.last_key() == "type";
        let binary_path = !matches!(
            comparison.path.steps.last(),
            Some(PathStep::Index(_) | PathStep::AnyIndex)
        ) && {
            let last = comparison.path.last_key();
            last.ends_with("_hex") || last.ends_with("_bin")
        };
        let found = match &comparison.operator {
            Operator::Eq(literal) => literal_keys(literal, &rule, binary_path).map(|keys| {
                let cost = key_cost(&keys, low_selectivity);
                (AtomKind::Eq(keys), cost)
            }),
            Operator::In(members) => {
                let mut keys = Vec::new();
                let mut usable = true;
                for member in members {
                    match literal_keys(member, &rule, binary_path) {
                        Some(found) => {
                            for key in found {
                                if !keys.contains(&key) {
                                    keys.push(key);
                                }
                            }
                        }
                        None => usable = false,
                    }
                }
                usable.then(|| {
                    let cost = key_cost(&keys, low_selectivity);
                    (AtomKind::Eq(keys), cost)
                })
            }
            Operator::IsSubset(text) => IpBlock::parse(text).ok().map(|block| {
                let (len, width) = match block {
                    IpBlock::V4(_, len) => (len, 32),
                    IpBlock::V6(_, len) => (len, 128),
                };
                let missing = width - len;
                let cost = if width == 32 {
                    [2, 20, 400, 5000][usize::from(missing / 9).min(3)]
                } else {
                    [2, 20, 400, 5000][usize::from(missing / 40).min(3)]
                };
                (AtomKind::Subset(block), cost)
            }),
            Operator::IsSuperset(text) => IpBlock::parse(text)
                .ok()
                .map(|block| (AtomKind::Superset(block), 5)),
            Operator::Like(source) | Operator::Matches(source) => {
                let op = if matches!(comparison.operator, Operator::Like(_)) {
                    TextOp::Like
                } else {
                    TextOp::Matches
                };
                required_literals(op, source).map(|literals| {
                    let shortest = literals.iter().map(String::len).min().unwrap_or(0);
                    let cost = 10 * literals.len() as u64 + if shortest < 8 { 50 } else { 5 };
                    (
                        AtomKind::Text {
                            op,
                            source: source.clone(),
                            literals,
                        },
                        cost,
                    )
                })
            }
            Operator::Ne(_)
            | Operator::Lt(_)
            | Operator::Le(_)
            | Operator::Gt(_)
            | Operator::Ge(_)
            | Operator::Exists => None,
        };
        Ok(found.map(|(kind, cost)| (Atom { path, kind }, cost, plain_path)))
    }

    /// `Some(true)` when every comparison of the bracket has an exact atom and
    /// the bracket is a comparison or an `OR` of them.
    fn exact_bracket(&self, expr: &ComparisonExpr) -> Result<bool, InsertError> {
        match expr {
            ComparisonExpr::Comparison(c) => Ok(matches!(self.atom(c)?, Some((_, _, true)))),
            ComparisonExpr::Or(children) => {
                for child in children {
                    if !self.exact_bracket(child)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            ComparisonExpr::And(_) => Ok(false),
        }
    }

    /// Every comparison's atom (for exact brackets).
    fn union_of_all(&self, expr: &ComparisonExpr) -> Result<Option<Vec<Atom>>, InsertError> {
        let mut out = Vec::new();
        for comparison in expr.comparisons() {
            match self.atom(comparison)? {
                Some((atom, _, _)) => out.push(atom),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// A necessary atom set and its cost.
    fn necessary(&self, expr: &ComparisonExpr) -> Result<Option<(Vec<Atom>, Cost)>, InsertError> {
        match expr {
            ComparisonExpr::Comparison(c) => {
                Ok(self.atom(c)?.map(|(atom, cost, _)| (vec![atom], cost)))
            }
            ComparisonExpr::And(children) => {
                let mut best: Option<(Vec<Atom>, Cost)> = None;
                for child in children {
                    if let Some((atoms, cost)) = self.necessary(child)?
                        && best.as_ref().is_none_or(|(_, b)| cost < *b)
                    {
                        best = Some((atoms, cost));
                    }
                }
                Ok(best)
            }
            ComparisonExpr::Or(children) => {
                let mut all = Vec::new();
                let mut total: Cost = 0;
                for child in children {
                    match self.necessary(child)? {
                        Some((atoms, cost)) => {
                            all.extend(atoms);
                            total = total.saturating_add(cost);
                        }
                        None => return Ok(None),
                    }
                }
                Ok(Some((all, total)))
            }
        }
    }
}

fn key_cost(keys: &[Key<'_>], low_selectivity: bool) -> Cost {
    keys.iter()
        .map(|key| {
            if low_selectivity {
                return 10_000;
            }
            match key {
                Key::Bool(_) => 10_000,
                Key::Int(i) if (0..=65_535).contains(i) => 100,
                Key::Str(s) if s.len() < 4 => 100,
                Key::Bytes(b) if b.len() < 4 => 100,
                _ => 1,
            }
        })
        .sum()
}

/// The most observation instances one match can use.
fn max_instances(expr: &ObservationExpr) -> u64 {
    match expr {
        ObservationExpr::Observation(_) => 1,
        ObservationExpr::Or(children) => children.iter().map(max_instances).max().unwrap_or(0),
        ObservationExpr::And(children) | ObservationExpr::FollowedBy(children) => children
            .iter()
            .map(max_instances)
            .fold(0u64, u64::saturating_add),
        ObservationExpr::Qualified(inner, qualifiers) => {
            qualifiers
                .iter()
                .fold(max_instances(inner), |n, q| match q {
                    Qualifier::Repeats(times) => n.saturating_mul(*times),
                    _ => n,
                })
        }
    }
}

/// The fewest observation instances one match can use.
fn min_instances(expr: &ObservationExpr) -> u64 {
    match expr {
        ObservationExpr::Observation(_) => 1,
        ObservationExpr::Or(children) => children.iter().map(min_instances).min().unwrap_or(0),
        ObservationExpr::And(children) | ObservationExpr::FollowedBy(children) => children
            .iter()
            .map(min_instances)
            .fold(0u64, u64::saturating_add),
        ObservationExpr::Qualified(inner, qualifiers) => {
            qualifiers
                .iter()
                .fold(min_instances(inner), |n, q| match q {
                    Qualifier::Repeats(times) => n.saturating_mul(*times),
                    _ => n,
                })
        }
    }
}

/// True for brackets joined only by observation `OR`, without qualifiers.
fn is_plain_or(expr: &ObservationExpr) -> bool {
    match expr {
        ObservationExpr::Observation(_) => true,
        ObservationExpr::Or(children) => children.iter().all(is_plain_or),
        _ => false,
    }
}

fn collect_brackets<'a>(expr: &'a ObservationExpr, out: &mut Vec<&'a ComparisonExpr>) {
    match expr {
        ObservationExpr::Observation(c) => out.push(c),
        ObservationExpr::And(children)
        | ObservationExpr::Or(children)
        | ObservationExpr::FollowedBy(children) => {
            for child in children {
                collect_brackets(child, out);
            }
        }
        ObservationExpr::Qualified(inner, _) => collect_brackets(inner, out),
    }
}

/// The `WITHIN` bound of the whole pattern, rounded up to nanoseconds.
fn top_within(expr: &ObservationExpr) -> Option<i64> {
    let ObservationExpr::Qualified(_, qualifiers) = expr else {
        return None;
    };
    qualifiers
        .iter()
        .filter_map(|q| match q {
            Qualifier::Within(Seconds::Int(n)) => Some(
                i64::try_from(*n)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(1_000_000_000),
            ),
            Qualifier::Within(Seconds::Float(x)) => {
                let nanos = (x * 1e9).ceil() + 1.0;
                Some(if nanos >= i64::MAX as f64 {
                    i64::MAX
                } else {
                    nanos as i64
                })
            }
            _ => None,
        })
        .min()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn prepared(text: &str) -> Indicator {
        Indicator::parse(text).unwrap()
    }

    #[test]
    fn modes() {
        assert_eq!(
            prepared("[ipv4-addr:value = '10.0.0.1']").mode(),
            Mode::Exact
        );
        assert_eq!(
            prepared("[ipv4-addr:value = '10.0.0.1'] OR [domain-name:value LIKE '%.evil.example']")
                .mode(),
            Mode::Exact
        );
        assert_eq!(
            prepared("[file:hashes.MD5 = 'x' OR file:name IN ('a', 'b')]").mode(),
            Mode::Exact
        );
        let nt = prepared(
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '10.0.0.1']",
        );
        assert_eq!(nt.mode(), Mode::Verify);
        assert_eq!(nt.atom_count(), 1);
        assert_eq!(nt.atoms[0].path, crate::paths::well_known::NT_DST_VALUE);
        assert_eq!(prepared("[file:name != 'x']").mode(), Mode::Verify);
        assert!(prepared("[file:name != 'x']").scans());
        assert_eq!(
            prepared("[ipv4-addr:value = '10.0.0.1'] WITHIN 5 SECONDS").mode(),
            Mode::Verify
        );
        let s = prepared("[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES WITHIN 60 SECONDS");
        assert_eq!(s.mode(), Mode::Stateful);
        assert_eq!(s.min_instances, 3);
        assert_eq!(s.within, Some(60_000_000_000));
        assert_eq!(s.leaves.len(), 1);
        assert_eq!(prepared("[a:b = 1] AND [c:d = 2]").mode(), Mode::Stateful);
        assert!(Indicator::parse("[a:b MATCHES '(?=x)']").is_err());
    }

    #[test]
    fn and_picks_the_most_selective_atom() {
        let i = prepared(
            "[network-traffic:dst_port = 443 AND network-traffic:dst_ref.value = '10.0.0.1']",
        );
        assert_eq!(i.atoms.len(), 1);
        assert_eq!(i.atoms[0].path, crate::paths::well_known::NT_DST_VALUE);
        let i = prepared("[file:name = 'a' OR file:size > 5]");
        assert!(i.atoms.is_empty());
        assert!(i.scans());
    }
}
