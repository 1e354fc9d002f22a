//! The indicators an engine matches: STIX `indicator` objects read into what matching needs.

use std::sync::Arc;

use phalanx_matcher::Indicator as Prepared;
use serde_json::Value;

use crate::error::IndicatorError;

/// One active indicator as the engine knows it.
#[derive(Debug)]
pub struct ActiveIndicator {
    /// `indicator--…`.
    pub id: String,
    /// `modified` (or `created`), as written.
    pub modified: String,
    /// `name`, when it has one.
    pub name: Option<String>,
    /// `pattern`.
    pub pattern: String,
    /// `valid_until`, nanoseconds since the Unix epoch.
    pub valid_until: Option<i64>,
    /// The analysed pattern, shareable between engine replicas.
    pub prepared: Arc<Prepared>,
}

fn text<'v>(object: &'v Value, name: &str) -> Option<&'v str> {
    object.get(name).and_then(Value::as_str)
}

fn nanos(text: &str) -> Option<i64> {
    let ts = phalanx_stix::Timestamp::parse(text).ok()?;
    i64::try_from(ts.unix_nanos()).ok()
}

/// What to do with one STIX object offered to the engine.
#[derive(Debug)]
pub enum Offer {
    /// An indicator to match (new, or a new version of one already active).
    Activate(ActiveIndicator),
    /// A revoked indicator: stop matching it.
    Revoke(String),
    /// Not an indicator: nothing to do.
    Ignore,
}

/// Reads one STIX object. Indicators must have an `id`, `pattern_type` `stix` and a valid
/// STIX 2.1 pattern; a revoked one is an [`Offer::Revoke`].
pub fn read_indicator(object: &Value) -> Result<Offer, IndicatorError> {
    if text(object, "type") != Some("indicator") {
        return Ok(Offer::Ignore);
    }
    let id = text(object, "id")
        .filter(|id| id.starts_with("indicator--"))
        .ok_or(IndicatorError::MissingId)?
        .to_string();
    if object.get("revoked").and_then(Value::as_bool) == Some(true) {
        return Ok(Offer::Revoke(id));
    }
    match text(object, "pattern_type") {
        Some("stix") => {}
        other => {
            return Err(IndicatorError::PatternType {
                id,
                pattern_type: other.unwrap_or("(missing)").to_string(),
            });
        }
    }
    let pattern = text(object, "pattern")
        .ok_or_else(|| IndicatorError::MissingPattern { id: id.clone() })?
        .to_string();
    let valid_until = match text(object, "valid_until") {
        None => None,
        Some(t) => Some(nanos(t).ok_or_else(|| IndicatorError::BadValidUntil {
            id: id.clone(),
            value: t.to_string(),
        })?),
    };
    let mut prepared = Prepared::parse(&pattern).map_err(|error| IndicatorError::Pattern {
        id: id.clone(),
        message: error.to_string(),
    })?;
    if let Some(until) = valid_until {
        prepared = prepared.with_valid_until(until);
    }
    Ok(Offer::Activate(ActiveIndicator {
        modified: text(object, "modified")
            .or_else(|| text(object, "created"))
            .unwrap_or_default()
            .to_string(),
        name: text(object, "name").map(str::to_string),
        id,
        pattern,
        valid_until,
        prepared: Arc::new(prepared),
    }))
}

/// The objects of a JSON document: a bundle's `objects`, a list, or one object.
pub fn objects_of(document: Value) -> Vec<Value> {
    match document {
        Value::Object(mut map) if map.get("type").and_then(Value::as_str) == Some("bundle") => {
            match map.remove("objects") {
                Some(Value::Array(objects)) => objects,
                _ => Vec::new(),
            }
        }
        Value::Array(objects) => objects,
        other @ Value::Object(_) => vec![other],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn indicator(extra: Value) -> Value {
        let mut base = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-02T00:00:00.000Z",
            "pattern": "[domain-name:value = 'evil.example']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z"
        });
        base.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        base
    }

    #[test]
    fn reads_active_revoked_and_others() {
        let Offer::Activate(active) = read_indicator(&indicator(json!({}))).unwrap() else {
            panic!("not active");
        };
        assert_eq!(active.modified, "2024-01-02T00:00:00.000Z");
        assert!(matches!(
            read_indicator(&indicator(json!({"revoked": true}))).unwrap(),
            Offer::Revoke(_)
        ));
        assert!(matches!(
            read_indicator(&json!({"type": "malware"})).unwrap(),
            Offer::Ignore
        ));
    }

    #[test]
    fn refuses_what_cannot_match() {
        let bad = read_indicator(&indicator(json!({"pattern": "[domain-name:value = "})));
        assert!(
            matches!(bad, Err(IndicatorError::Pattern { .. })),
            "{bad:?}"
        );
        let sigma = read_indicator(&indicator(json!({"pattern_type": "sigma"})));
        assert!(matches!(sigma, Err(IndicatorError::PatternType { .. })));
        let until = read_indicator(&indicator(json!({"valid_until": "tomorrow"})));
        assert!(matches!(until, Err(IndicatorError::BadValidUntil { .. })));
        let no_id = read_indicator(&json!({"type": "indicator"}));
        assert!(matches!(no_id, Err(IndicatorError::MissingId)));
    }

    #[test]
    fn documents() {
        assert_eq!(
            objects_of(json!({"type": "bundle", "objects": [1, 2]})).len(),
            2
        );
        assert_eq!(objects_of(json!([{"a": 1}])).len(), 1);
        assert_eq!(objects_of(json!({"type": "indicator"})).len(), 1);
        assert!(objects_of(json!("x")).is_empty());
    }
}
