//! From a pattern to the list of values it is an OR of, or the reason it is not one.

use phalanx_pattern::{
    Comparison, ComparisonExpr, Literal, ObjectPath, ObservationExpr, Operator, PathStep, Pattern,
    Qualifier,
};
use phalanx_stix::canonical::normalize_hash_algorithm;

use crate::observable::{self, Direction, Family, Kind, Observable};

/// Why a pattern yields no list of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The pattern cannot match anything, or a value is malformed.
    Invalid(String),
    /// The pattern uses something no list of values can say; the text names it.
    Unsupported(String),
}

/// The values of a pattern that is one observation expression or an OR of them, each a
/// comparison (or OR of comparisons) of a supported path with `=`, `IN`, `ISSUBSET` (on
/// addresses) or `LIKE` (on domain names). Duplicates are removed; the first occurrence
/// keeps its place.
pub(crate) fn observables(pattern: &Pattern) -> Result<Vec<Observable>, Problem> {
    let mut out = Vec::new();
    observation(&pattern.expr, &mut out)?;
    let mut seen = std::collections::HashSet::new();
    out.retain(|o: &Observable| seen.insert(o.clone()));
    if out.is_empty() {
        return Err(Problem::Invalid(
            "the pattern has no value to export (it matches nothing)".to_owned(),
        ));
    }
    Ok(out)
}

fn observation(expr: &ObservationExpr, out: &mut Vec<Observable>) -> Result<(), Problem> {
    match expr {
        ObservationExpr::Observation(comparisons) => comparison_expr(comparisons, None, out),
        ObservationExpr::Or(children) => children.iter().try_for_each(|c| observation(c, out)),
        ObservationExpr::And(_) => Err(Problem::Unsupported(
            "the observation operator AND (several observations together)".to_owned(),
        )),
        ObservationExpr::FollowedBy(_) => Err(Problem::Unsupported(
            "the FOLLOWEDBY operator (observations in sequence)".to_owned(),
        )),
        ObservationExpr::Qualified(_, qualifiers) => {
            let name = match qualifiers.first() {
                Some(Qualifier::Within(_)) => "WITHIN",
                Some(Qualifier::Repeats(_)) => "REPEATS",
                Some(Qualifier::StartStop { .. }) | None => "START/STOP",
            };
            Err(Problem::Unsupported(format!("the {name} qualifier")))
        }
    }
}

/// Which `network-traffic` reference a path goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Source,
    Destination,
}

impl Side {
    fn of(property: &str) -> Option<Side> {
        match property {
            "src_ref" => Some(Side::Source),
            "dst_ref" => Some(Side::Destination),
            _ => None,
        }
    }

    fn direction(self) -> Direction {
        match self {
            Side::Source => Direction::Source,
            Side::Destination => Direction::Destination,
        }
    }
}

/// `network-traffic:X_ref.type = 'ipv4-addr'` (or `ipv6-addr`) written beside the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Constraint {
    side: Side,
    family: Family,
}

/// What a supported path holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Address(Family, Direction),
    Domain,
    Url,
    FileHash(Kind, &'static str, usize),
    X509Sha1,
    Email,
}

fn comparison_expr(
    expr: &ComparisonExpr,
    constraint: Option<Constraint>,
    out: &mut Vec<Observable>,
) -> Result<(), Problem> {
    match expr {
        ComparisonExpr::Comparison(comparison) => atom(comparison, constraint, out),
        ComparisonExpr::Or(children) => children
            .iter()
            .try_for_each(|c| comparison_expr(c, constraint, out)),
        ComparisonExpr::And(children) => and(children, constraint, out),
    }
}

/// A reference's `type = '...'` comparison, when `comparison` is one.
fn type_constraint(comparison: &Comparison) -> Option<(Side, &str)> {
    let path = &comparison.path;
    let side = Side::of(&path.property)?;
    let is_type = path.object_type == "network-traffic"
        && matches!(path.steps.as_slice(), [PathStep::Key(k)] if k == "type");
    match (&comparison.operator, comparison.negated) {
        (Operator::Eq(Literal::String(name)), false) if is_type => Some((side, name)),
        _ => None,
    }
}

/// An AND inside brackets is a list of values only when it is one value comparison (or OR
/// of them) on a `network-traffic` reference plus `type` constraints on that reference.
fn and(
    children: &[ComparisonExpr],
    outer: Option<Constraint>,
    out: &mut Vec<Observable>,
) -> Result<(), Problem> {
    let mut constraint = outer;
    let mut rest = Vec::new();
    for child in children {
        let found = match child {
            ComparisonExpr::Comparison(c) => type_constraint(c),
            _ => None,
        };
        let Some((side, type_name)) = found else {
            rest.push(child);
            continue;
        };
        let Some(family) = observable::family_of_type(type_name) else {
            return Err(Problem::Unsupported(format!(
                "a network-traffic reference of type '{type_name}' (only addresses are exported)"
            )));
        };
        let new = Constraint { side, family };
        match constraint {
            Some(old) if old.side != new.side => {
                return Err(Problem::Unsupported(
                    "an AND of comparisons on both ends of a connection".to_owned(),
                ));
            }
            Some(old) if old.family != new.family => {
                return Err(Problem::Invalid(
                    "the reference's type is both ipv4-addr and ipv6-addr: the pattern never \
                     matches"
                        .to_owned(),
                ));
            }
            _ => constraint = Some(new),
        }
    }
    match (rest.as_slice(), constraint) {
        ([value], Some(_)) => comparison_expr(value, constraint, out),
        _ => Err(Problem::Unsupported(
            "an AND of comparisons on different values (a list format holds single values)"
                .to_owned(),
        )),
    }
}

fn target(path: &ObjectPath) -> Result<Target, Problem> {
    let unsupported = || Problem::Unsupported(format!("the path {path}"));
    let steps = path.steps.as_slice();
    let key = match steps {
        [PathStep::Key(key)] => Some(key.as_str()),
        _ => None,
    };
    let plain_value = steps.is_empty() && path.property == "value";
    Ok(match (path.object_type.as_str(), path.property.as_str()) {
        ("ipv4-addr", _) if plain_value => Target::Address(Family::V4, Direction::Any),
        ("ipv6-addr", _) if plain_value => Target::Address(Family::V6, Direction::Any),
        ("domain-name", _) if plain_value => Target::Domain,
        ("url", _) if plain_value => Target::Url,
        ("email-addr", _) if plain_value => Target::Email,
        ("file", "hashes") => match key.map(normalize_hash_algorithm) {
            Some(Some("MD5")) => Target::FileHash(Kind::FileMd5, "MD5", 32),
            Some(Some("SHA-1")) => Target::FileHash(Kind::FileSha1, "SHA-1", 40),
            Some(Some("SHA-256")) => Target::FileHash(Kind::FileSha256, "SHA-256", 64),
            _ => return Err(unsupported()),
        },
        ("x509-certificate", "hashes") => match key.map(normalize_hash_algorithm) {
            Some(Some("SHA-1")) => Target::X509Sha1,
            _ => return Err(unsupported()),
        },
        ("network-traffic", property) => match (Side::of(property), key) {
            (Some(side), Some("value")) => Target::Address(Family::Either, side.direction()),
            _ => return Err(unsupported()),
        },
        _ => return Err(unsupported()),
    })
}

fn atom(
    comparison: &Comparison,
    constraint: Option<Constraint>,
    out: &mut Vec<Observable>,
) -> Result<(), Problem> {
    if comparison.negated {
        return Err(Problem::Unsupported(format!(
            "a negated comparison ({comparison})"
        )));
    }
    let path = &comparison.path;
    let mut target = target(path)?;
    if let Some(constraint) = constraint {
        match target {
            Target::Address(Family::Either, direction)
                if direction == constraint.side.direction() =>
            {
                target = Target::Address(constraint.family, direction);
            }
            _ => {
                return Err(Problem::Unsupported(
                    "an AND of comparisons on different properties".to_owned(),
                ));
            }
        }
    }
    let literals: Vec<&Literal> = match &comparison.operator {
        Operator::Eq(literal) => vec![literal],
        Operator::In(literals) => literals.iter().collect(),
        Operator::IsSubset(block) => {
            let Target::Address(family, direction) = target else {
                return Err(Problem::Unsupported(format!("ISSUBSET on {path}")));
            };
            return push_address(block, family, direction, out);
        }
        Operator::Like(like) => {
            if target != Target::Domain {
                return Err(Problem::Unsupported(format!("LIKE on {path}")));
            }
            return push_like(like, out);
        }
        other => {
            return Err(Problem::Unsupported(format!(
                "the operator {} on {path}",
                other.symbol()
            )));
        }
    };
    for literal in literals {
        let Literal::String(text) = literal else {
            return Err(Problem::Unsupported(format!(
                "a {} constant compared with {path}",
                literal.type_name()
            )));
        };
        push_value(target, text, out)?;
    }
    Ok(())
}

fn push_address(
    text: &str,
    family: Family,
    direction: Direction,
    out: &mut Vec<Observable>,
) -> Result<(), Problem> {
    let (kind, value) = observable::address(text, family).map_err(Problem::Invalid)?;
    out.push(Observable {
        kind,
        direction,
        value,
    });
    Ok(())
}

/// `LIKE 'name'` (no wildcard) is an equality; `LIKE '%suffix'` a suffix; nothing else is a
/// list of values.
fn push_like(like: &str, out: &mut Vec<Observable>) -> Result<(), Problem> {
    let wildcard = |s: &str| s.contains(['%', '_']);
    if !wildcard(like) {
        return push_value(Target::Domain, like, out);
    }
    match like.strip_prefix('%') {
        Some(suffix) if !wildcard(suffix) => {
            let value = observable::domain_suffix(suffix).map_err(Problem::Unsupported)?;
            out.push(Observable {
                kind: Kind::DomainSuffix,
                direction: Direction::Any,
                value,
            });
            Ok(())
        }
        _ => Err(Problem::Unsupported(format!(
            "LIKE '{like}' on domain-name:value (only LIKE '%suffix' is a list of values)"
        ))),
    }
}

fn push_value(target: Target, text: &str, out: &mut Vec<Observable>) -> Result<(), Problem> {
    let (kind, value) = match target {
        Target::Address(family, direction) => return push_address(text, family, direction, out),
        Target::Domain => (Kind::Domain, observable::domain(text)),
        Target::Url => (Kind::Url, observable::url(text)),
        Target::Email => (Kind::Email, observable::email(text)),
        Target::FileHash(kind, algorithm, digits) => {
            (kind, observable::hash(text, algorithm, digits))
        }
        Target::X509Sha1 => (Kind::X509Sha1, observable::hash(text, "SHA-1", 40)),
    };
    out.push(Observable {
        kind,
        direction: Direction::Any,
        value: value.map_err(Problem::Invalid)?,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn values(pattern: &str) -> Result<Vec<(Kind, Direction, String)>, Problem> {
        let pattern = Pattern::parse(pattern).unwrap();
        observables(&pattern).map(|v| {
            v.into_iter()
                .map(|o| (o.kind, o.direction, o.value))
                .collect()
        })
    }

    fn unsupported(pattern: &str) -> String {
        match values(pattern) {
            Err(Problem::Unsupported(what)) => what,
            other => panic!("{pattern}: {other:?}"),
        }
    }

    #[test]
    fn ors_of_equalities_and_sets() {
        let v = values(
            "[ipv4-addr:value = '198.51.100.7' OR domain-name:value IN ('A.example', 'b.example')] \
             OR [file:hashes.'SHA-256' = 'AB00000000000000000000000000000000000000000000000000000000000000'] \
             OR [ipv6-addr:value ISSUBSET '2001:db8::/32']",
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                (Kind::Ipv4, Direction::Any, "198.51.100.7".to_owned()),
                (Kind::Domain, Direction::Any, "a.example".to_owned()),
                (Kind::Domain, Direction::Any, "b.example".to_owned()),
                (
                    Kind::FileSha256,
                    Direction::Any,
                    format!("ab{}", "0".repeat(62))
                ),
                (Kind::Ipv6Net, Direction::Any, "2001:db8::/32".to_owned()),
            ]
        );
    }

    #[test]
    fn duplicates_are_removed() {
        let v = values("[domain-name:value = 'x.example'] OR [domain-name:value = 'X.example.']")
            .unwrap();
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn network_traffic_references_keep_their_direction() {
        let v = values(
            "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.5']",
        )
        .unwrap();
        assert_eq!(
            v,
            vec![(Kind::Ipv4, Direction::Destination, "203.0.113.5".to_owned())]
        );
        let v = values("[network-traffic:src_ref.value ISSUBSET '2001:db8::/48']").unwrap();
        assert_eq!(
            v,
            vec![(Kind::Ipv6Net, Direction::Source, "2001:db8::/48".to_owned())]
        );
        assert!(matches!(
            values(
                "[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = '203.0.113.5']"
            ),
            Err(Problem::Invalid(_))
        ));
        assert!(
            unsupported(
                "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '203.0.113.5']"
            )
            .contains("different properties")
        );
    }

    #[test]
    fn like_suffixes() {
        assert_eq!(
            values("[domain-name:value LIKE '%.Evil.example']").unwrap(),
            vec![(
                Kind::DomainSuffix,
                Direction::Any,
                ".evil.example".to_owned()
            )]
        );
        assert_eq!(
            values("[domain-name:value LIKE 'exact.example']").unwrap(),
            vec![(Kind::Domain, Direction::Any, "exact.example".to_owned())]
        );
        assert!(unsupported("[domain-name:value LIKE 'a%.example']").contains("LIKE"));
        assert!(unsupported("[domain-name:value LIKE '%.ex_mple']").contains("LIKE"));
        assert!(unsupported("[url:value LIKE '%.exe']").contains("LIKE on url:value"));
    }

    #[test]
    fn what_is_not_a_list_of_values() {
        assert!(unsupported("[a:b = 'x'] FOLLOWEDBY [a:b = 'y']").contains("FOLLOWEDBY"));
        assert!(unsupported("[ipv4-addr:value = '1.2.3.4'] WITHIN 5 SECONDS").contains("WITHIN"));
        assert!(unsupported("[ipv4-addr:value = '1.2.3.4'] REPEATS 2 TIMES").contains("REPEATS"));
        assert!(
            unsupported("[ipv4-addr:value = '1.2.3.4'] AND [ipv4-addr:value = '1.2.3.5']")
                .contains("observation operator AND")
        );
        assert!(
            unsupported("[file:hashes.MD5 = 'x' AND file:name = 'y']")
                .contains("AND of comparisons")
        );
        assert!(unsupported("[ipv4-addr:value != '1.2.3.4']").contains("operator !="));
        assert!(unsupported("[ipv4-addr:value NOT = '1.2.3.4']").contains("negated"));
        assert!(unsupported("[domain-name:value MATCHES '^a[.]example$']").contains("MATCHES"));
        assert!(unsupported("[file:name = 'evil.exe']").contains("file:name"));
        assert!(unsupported("[file:hashes.'SHA-512' = 'aa']").contains("SHA-512"));
        assert!(
            unsupported("[x509-certificate:hashes.'SHA-256' = 'aa']").contains("x509-certificate")
        );
        assert!(unsupported("[ipv4-addr:value = 5]").contains("integer"));
        assert!(unsupported("[domain-name:value ISSUBSET '10.0.0.0/8']").contains("ISSUBSET"));
    }

    #[test]
    fn malformed_values_are_invalid() {
        for pattern in [
            "[ipv4-addr:value = 'not-an-address']",
            "[ipv4-addr:value = '2001:db8::1']",
            "[file:hashes.MD5 = 'abc']",
            "[domain-name:value = 'has space.example']",
            "[url:value = 'relative/path']",
            "[email-addr:value = 'nobody']",
            "[ipv4-addr:value IN ()]",
        ] {
            assert!(
                matches!(values(pattern), Err(Problem::Invalid(_))),
                "{pattern}: {:?}",
                values(pattern)
            );
        }
    }
}
