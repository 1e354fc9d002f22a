//! Helpers shared by the integration tests: building observed-data and
//! evaluating patterns.
#![allow(clippy::unwrap_used, dead_code)]

use phalanx_pattern::{CompiledPattern, ObservationSet, Pattern, Semantics};
use serde_json::{Value, json};

/// An observed-data with `number_observed = count` at one instant, carrying
/// `scos` through `object_refs` (SCOs without an `id` get one). Returns the
/// observed-data followed by the SCOs.
pub fn observed_at(name: &str, at: &str, count: u64, scos: Vec<Value>) -> Vec<Value> {
    observed_between(name, at, at, count, scos)
}

/// Like [`observed_at`] with an interval `[first, last]`.
pub fn observed_between(
    name: &str,
    first: &str,
    last: &str,
    count: u64,
    scos: Vec<Value>,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut refs = Vec::new();
    let mut objects = Vec::new();
    for (i, mut sco) in scos.into_iter().enumerate() {
        if sco.get("id").is_none() {
            let ty = sco["type"].as_str().unwrap().to_string();
            sco["id"] = json!(format!("{ty}--{name}-{i}"));
        }
        refs.push(sco["id"].clone());
        objects.push(sco);
    }
    out.push(json!({
        "type": "observed-data",
        "id": format!("observed-data--{name}"),
        "first_observed": first,
        "last_observed": last,
        "number_observed": count,
        "object_refs": refs,
    }));
    out.extend(objects);
    out
}

/// Concatenates object lists.
pub fn all(parts: Vec<Vec<Value>>) -> Vec<Value> {
    parts.into_iter().flatten().collect()
}

/// Evaluates with the given semantics; an invalid pattern is `false`.
pub fn eval_with(pattern: &str, objects: &[Value], semantics: Semantics) -> bool {
    let Ok(pattern) = Pattern::parse(pattern) else {
        return false;
    };
    let Ok(compiled) = CompiledPattern::with_semantics(&pattern, semantics) else {
        return false;
    };
    let set = ObservationSet::from_stix(objects).unwrap();
    compiled.matches(&set).unwrap()
}

/// Evaluates with the spec semantics; an invalid pattern is `false`.
pub fn eval(pattern: &str, objects: &[Value]) -> bool {
    eval_with(pattern, objects, Semantics::SPEC)
}

/// A person (the matcher test-suite's custom SCO type).
pub fn person(name: &str, age: i64) -> Value {
    json!({"type": "person", "name": name, "age": age})
}
