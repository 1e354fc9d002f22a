//! Evaluation of the table-driven [`Constraint`]s.

use serde_json::{Map, Value};

use super::problem::{Problems, child};
use crate::timestamp::Timestamp;
use crate::types::{Constraint, PropertyDef};

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks every constraint of an object or embedded object.
pub(crate) fn check_constraints(
    p: &mut Problems,
    path: &str,
    map: &Map<String, Value>,
    properties: &[PropertyDef],
    constraints: &[Constraint],
) {
    let has = |name: &str| map.contains_key(name);
    for constraint in constraints {
        match *constraint {
            Constraint::AtLeastOne(names) => {
                if !names.iter().any(|n| has(n)) {
                    p.error(
                        path,
                        format!("at least one of {} must be present", quoted(names)),
                    );
                }
            }
            Constraint::AtLeastOneSpecific => {
                let any = properties.iter().any(|d| has(d.name)) || has("extensions");
                if !any {
                    p.error(
                        path,
                        "at least one property besides the common ones must be present; an object with none says nothing",
                    );
                }
            }
            Constraint::ExactlyOne(names) => {
                let present: Vec<&str> = names.iter().copied().filter(|n| has(n)).collect();
                if present.len() != 1 {
                    p.error(
                        path,
                        format!(
                            "exactly one of {} must be present, found {}",
                            quoted(names),
                            if present.is_empty() {
                                "none".to_string()
                            } else {
                                quoted(&present)
                            }
                        ),
                    );
                }
            }
            Constraint::Requires { property, requires } => {
                if has(property) {
                    for needed in requires.iter().filter(|n| !has(n)) {
                        p.error(
                            child(path, property),
                            format!("{property:?} requires {needed:?} to be present as well"),
                        );
                    }
                }
            }
            Constraint::Excludes { property, excludes } => {
                if has(property) {
                    for other in excludes.iter().filter(|n| has(n)) {
                        p.error(
                            child(path, other),
                            format!("{other:?} must not be present together with {property:?}"),
                        );
                    }
                }
            }
            Constraint::When {
                flag,
                value,
                require,
                forbid,
            } => {
                if map.get(flag).and_then(Value::as_bool) == Some(value) {
                    for needed in require.iter().filter(|n| !has(n)) {
                        p.error(
                            path,
                            format!("{needed:?} is required when {flag:?} is {value}"),
                        );
                    }
                    for other in forbid.iter().filter(|n| has(n)) {
                        p.error(
                            child(path, other),
                            format!("{other:?} must not be present when {flag:?} is {value}"),
                        );
                    }
                }
            }
            Constraint::Order {
                earlier,
                later,
                strict,
            } => {
                let time = |name: &str| {
                    map.get(name)
                        .and_then(Value::as_str)
                        .and_then(|s| Timestamp::parse(s).ok())
                };
                if let (Some(a), Some(b)) = (time(earlier), time(later))
                    && (b < a || (strict && b == a))
                {
                    let relation = if strict { "later than" } else { "at or after" };
                    p.error(
                        child(path, later),
                        format!("{later:?} ({b}) must be {relation} {earlier:?} ({a})"),
                    );
                }
            }
        }
    }
}
