//! Checks of single values against a [`ValueKind`], and of embedded objects
//! against their [`ObjectDef`].

use base64::Engine as _;
use serde_json::{Map, Value};

use super::constraints::check_constraints;
use super::embedded;
use super::problem::{Problems, child, index};
use crate::id::Identifier;
use crate::timestamp::Timestamp;
use crate::types::{ObjectDef, PropertyDef, TimestampPrecision, ValueKind};

/// The largest magnitude of a STIX integer (I-JSON: ±(2^53−1)).
pub(crate) const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A short name of a JSON value's type, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a non-integer number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Checks `value` at `path` against `kind`.
pub(crate) fn check_value(p: &mut Problems, path: &str, value: &Value, kind: &ValueKind) {
    if value.is_null() {
        p.error(
            path,
            "null is not a STIX value; omit the property instead of setting it to null",
        );
        return;
    }
    match kind {
        ValueKind::String => {
            expect_str(p, path, value, "a string");
        }
        ValueKind::Integer { min, max } => check_integer(p, path, value, *min, *max),
        ValueKind::Float { min, max } => check_float(p, path, value, *min, *max),
        ValueKind::Boolean => {
            if !value.is_boolean() {
                p.error(
                    path,
                    format!("must be true or false, not {}", json_type(value)),
                );
            }
        }
        ValueKind::Timestamp(precision) => {
            check_timestamp(p, path, value, *precision);
        }
        ValueKind::Identifier(target) => {
            if let Some(id) = check_identifier(p, path, value)
                && !target.allows(id.object_type())
            {
                p.error(
                    path,
                    format!(
                        "must refer to {}, but {} is a {}",
                        target.describe(),
                        id,
                        id.object_type()
                    ),
                );
            }
        }
        ValueKind::List(inner) => {
            let Some(items) = value.as_array() else {
                p.error(path, format!("must be a list, not {}", json_type(value)));
                return;
            };
            if items.is_empty() {
                p.error(
                    path,
                    "empty lists are not allowed in STIX; omit the property instead",
                );
            }
            for (i, item) in items.iter().enumerate() {
                check_value(p, &index(path, i), item, inner);
            }
        }
        ValueKind::Dictionary => embedded::check_dictionary(p, path, value),
        ValueKind::Hashes => embedded::check_hashes(p, path, value),
        ValueKind::KillChainPhase => embedded::check_kill_chain_phase(p, path, value),
        ValueKind::ExternalReference => embedded::check_external_reference(p, path, value),
        ValueKind::GranularMarking => embedded::check_granular_marking(p, path, value),
        ValueKind::Enum(allowed) => {
            if let Some(s) = expect_str(p, path, value, "a string")
                && !allowed.contains(&s)
            {
                p.error(
                    path,
                    format!(
                        "{s:?} is not allowed here; use one of: {}",
                        allowed.join(", ")
                    ),
                );
            }
        }
        ValueKind::OpenVocab(suggested) => {
            if let Some(s) = expect_str(p, path, value, "a string")
                && !suggested.contains(&s)
            {
                p.warn(
                        path,
                        format!(
                            "{s:?} is not in the suggested vocabulary ({}); it is accepted, but prefer a listed term when one fits",
                            suggested.join(", ")
                        ),
                    );
            }
        }
        ValueKind::Binary => check_binary(p, path, value),
        ValueKind::Hex => check_hex(p, path, value),
        ValueKind::Object(def) => {
            if let Some(map) = expect_object(p, path, value) {
                check_object(p, path, map, def);
            }
        }
        ValueKind::ObservableContainer => embedded::check_observable_container(p, path, value),
    }
}

/// Checks an embedded object: its declared properties, its required ones,
/// custom property names for the rest, and its constraints.
pub(crate) fn check_object(
    p: &mut Problems,
    path: &str,
    map: &Map<String, Value>,
    def: &ObjectDef,
) {
    if map.is_empty() {
        p.error(
            path,
            format!("an empty {} object says nothing; omit it", def.name),
        );
        return;
    }
    check_properties(p, path, map, def.properties, true);
    check_constraints(p, path, map, def.properties, def.constraints);
}

/// Checks the declared properties present in `map`, reports missing required
/// ones, and (when `custom_rest`) applies the custom-property rules to the
/// others.
pub(crate) fn check_properties(
    p: &mut Problems,
    path: &str,
    map: &Map<String, Value>,
    properties: &[PropertyDef],
    custom_rest: bool,
) {
    for (name, value) in map {
        match properties.iter().find(|d| d.name == name) {
            Some(def) => check_value(p, &child(path, name), value, &def.kind),
            None if custom_rest => check_custom_property(p, path, name, value, false),
            None => {}
        }
    }
    for def in properties.iter().filter(|d| d.required) {
        if !map.contains_key(def.name) {
            p.error(
                path,
                format!("the required property {:?} is missing; add it", def.name),
            );
        }
    }
}

/// Whether `name` is a valid custom property name: `^[a-z][a-z0-9_]{0,245}$`
/// and at least three characters.
pub fn is_valid_custom_property_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=246).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// Checks a property that no table defines: its name, and its value as far as
/// the specification constrains custom values (`_bin` base64, `_hex` hex, no
/// null, no empty list). When `warn_prefix`, a name without the recommended
/// `x_` prefix draws a warning.
pub(crate) fn check_custom_property(
    p: &mut Problems,
    parent: &str,
    name: &str,
    value: &Value,
    warn_prefix: bool,
) {
    let path = child(parent, name);
    if !is_valid_custom_property_name(name) {
        p.error(
            &path,
            format!(
                "{name:?} is not a property STIX defines here, and not a valid custom property name: custom names are 3-246 characters of a-z, 0-9 and _, starting with a letter (e.g. x_acme_score)"
            ),
        );
    } else if warn_prefix && !name.starts_with("x_") {
        p.warn(
            &path,
            format!(
                "custom property {name:?} should be named x_<source>_<name> so it cannot collide with future STIX properties"
            ),
        );
    }
    match value {
        Value::Null => p.error(
            &path,
            "null is not a STIX value; omit the property instead of setting it to null",
        ),
        Value::Array(items) if items.is_empty() => p.error(
            &path,
            "empty lists are not allowed in STIX; omit the property instead",
        ),
        _ if name.ends_with("_bin") => check_binary(p, &path, value),
        _ if name.ends_with("_hex") => check_hex(p, &path, value),
        _ => {}
    }
}

pub(crate) fn expect_str<'v>(
    p: &mut Problems,
    path: &str,
    value: &'v Value,
    what: &str,
) -> Option<&'v str> {
    match value.as_str() {
        Some(s) => Some(s),
        None => {
            p.error(path, format!("must be {what}, not {}", json_type(value)));
            None
        }
    }
}

pub(crate) fn expect_object<'v>(
    p: &mut Problems,
    path: &str,
    value: &'v Value,
) -> Option<&'v Map<String, Value>> {
    match value.as_object() {
        Some(m) => Some(m),
        None => {
            p.error(path, format!("must be an object, not {}", json_type(value)));
            None
        }
    }
}

fn check_integer(p: &mut Problems, path: &str, value: &Value, min: Option<i64>, max: Option<i64>) {
    let n = match value {
        Value::Number(n) => n.as_i64().or_else(|| n.as_u64().map(|_| i64::MAX)),
        _ => None,
    };
    let Some(n) = n else {
        p.error(
            path,
            format!("must be an integer, not {}", json_type(value)),
        );
        return;
    };
    if !(-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&n) {
        p.error(
            path,
            "STIX integers must lie within ±(2^53-1) so every JSON reader can hold them exactly",
        );
        return;
    }
    if let Some(min) = min
        && n < min
    {
        p.error(path, format!("{n} is below the minimum {min}"));
    }
    if let Some(max) = max
        && n > max
    {
        p.error(path, format!("{n} is above the maximum {max}"));
    }
}

fn check_float(p: &mut Problems, path: &str, value: &Value, min: Option<f64>, max: Option<f64>) {
    let Some(x) = value.as_f64() else {
        p.error(path, format!("must be a number, not {}", json_type(value)));
        return;
    };
    if let Some(min) = min
        && x < min
    {
        p.error(path, format!("{x} is below the minimum {min}"));
    }
    if let Some(max) = max
        && x > max
    {
        p.error(path, format!("{x} is above the maximum {max}"));
    }
}

/// Checks a timestamp value and returns it when valid.
pub(crate) fn check_timestamp(
    p: &mut Problems,
    path: &str,
    value: &Value,
    precision: TimestampPrecision,
) -> Option<Timestamp> {
    let text = expect_str(p, path, value, "a timestamp string")?;
    let ts = match Timestamp::parse(text) {
        Ok(ts) => ts,
        Err(e) => {
            p.error(path, e.to_string());
            return None;
        }
    };
    match precision {
        TimestampPrecision::Any => {}
        TimestampPrecision::AtLeastMillis if ts.fractional_digits() < 3 => {
            p.error(
                path,
                format!(
                    "{text:?} must have at least millisecond precision (three fraction digits), e.g. {}",
                    ts.to_millis_string()
                ),
            );
            return None;
        }
        TimestampPrecision::AtLeastMillis => {}
        TimestampPrecision::Seconds if ts.fractional_digits() > 0 => {
            p.error(
                path,
                format!("{text:?} must have no fractional seconds (precision: second)"),
            );
            return None;
        }
        TimestampPrecision::Seconds => {}
    }
    Some(ts)
}

/// Checks an identifier value and returns it when valid.
pub(crate) fn check_identifier(p: &mut Problems, path: &str, value: &Value) -> Option<Identifier> {
    let text = expect_str(p, path, value, "an identifier string")?;
    match Identifier::parse(text) {
        Ok(id) => Some(id),
        Err(e) => {
            p.error(path, e.to_string());
            None
        }
    }
}

/// The base64 alphabet of RFC 4648 §4 with padding, accepting non-zero
/// trailing bits as the STIX schema's regex does.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireCanonical)
        .with_decode_allow_trailing_bits(true),
);

fn check_binary(p: &mut Problems, path: &str, value: &Value) {
    let Some(s) = expect_str(p, path, value, "a base64 string") else {
        return;
    };
    if s.is_empty() || BASE64.decode(s).is_err() {
        p.error(
            path,
            "must be non-empty, padded base64 (RFC 4648 §4: A-Z a-z 0-9 + /, '=' padding, no whitespace)",
        );
    }
}

fn check_hex(p: &mut Problems, path: &str, value: &Value) {
    let Some(s) = expect_str(p, path, value, "a hex string") else {
        return;
    };
    if s.is_empty() || s.len() % 2 != 0 || !s.bytes().all(|c| c.is_ascii_hexdigit()) {
        p.error(
            path,
            "must be a non-empty string of hex digit pairs (0-9, a-f), e.g. \"4d5a\"",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::RefTarget;
    use serde_json::json;

    fn problems(value: Value, kind: ValueKind) -> Vec<String> {
        let mut p = Problems::default();
        check_value(&mut p, "/x", &value, &kind);
        p.list.into_iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn custom_names() {
        assert!(is_valid_custom_property_name("x_acme_score"));
        assert!(is_valid_custom_property_name("abc"));
        assert!(!is_valid_custom_property_name("ab"));
        assert!(!is_valid_custom_property_name("X_acme"));
        assert!(!is_valid_custom_property_name("x-acme"));
        assert!(!is_valid_custom_property_name("_xy"));
        assert!(!is_valid_custom_property_name(&"a".repeat(247)));
    }

    #[test]
    fn integers() {
        assert!(problems(json!(5), crate::types::UINT).is_empty());
        assert_eq!(problems(json!(-1), crate::types::UINT).len(), 1);
        assert_eq!(problems(json!(1.5), crate::types::INT).len(), 1);
        assert_eq!(problems(json!("1"), crate::types::INT).len(), 1);
        assert_eq!(problems(json!(1u64 << 60), crate::types::INT).len(), 1);
        assert_eq!(problems(json!(u64::MAX), crate::types::INT).len(), 1);
    }

    #[test]
    fn lists_must_not_be_empty() {
        let out = problems(json!([]), crate::types::STR_LIST);
        assert_eq!(out.len(), 1);
        assert!(out[0].contains("empty lists"));
        let out = problems(json!(["a", 1]), crate::types::STR_LIST);
        assert_eq!(out, vec!["error at /x/1: must be a string, not an integer"]);
    }

    #[test]
    fn references_check_the_target() {
        let kind = ValueKind::Identifier(RefTarget::Types(&["identity"]));
        assert!(
            problems(
                json!("identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
                kind
            )
            .is_empty()
        );
        let out = problems(json!("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), kind);
        assert_eq!(out.len(), 1);
        assert!(out[0].contains("must refer to identity"), "{out:?}");
    }

    #[test]
    fn binary_and_hex() {
        assert!(problems(json!("aGVsbG8="), ValueKind::Binary).is_empty());
        assert_eq!(problems(json!("aGVsbG8"), ValueKind::Binary).len(), 1);
        assert_eq!(problems(json!(""), ValueKind::Binary).len(), 1);
        assert!(problems(json!("4D5a"), ValueKind::Hex).is_empty());
        assert_eq!(problems(json!("4D5"), ValueKind::Hex).len(), 1);
        assert_eq!(problems(json!("zz"), ValueKind::Hex).len(), 1);
    }

    #[test]
    fn vocabularies() {
        let closed = ValueKind::Enum(&["a", "b"]);
        assert!(problems(json!("a"), closed).is_empty());
        assert!(problems(json!("c"), closed)[0].starts_with("error"));
        let open = ValueKind::OpenVocab(&["a", "b"]);
        let out = problems(json!("c"), open);
        assert!(out[0].starts_with("warning"), "{out:?}");
    }

    #[test]
    fn timestamps_by_precision() {
        let millis = ValueKind::Timestamp(TimestampPrecision::AtLeastMillis);
        assert!(problems(json!("2020-01-01T00:00:00.000Z"), millis).is_empty());
        assert_eq!(problems(json!("2020-01-01T00:00:00Z"), millis).len(), 1);
        let secs = ValueKind::Timestamp(TimestampPrecision::Seconds);
        assert!(problems(json!("2020-01-01T00:00:00Z"), secs).is_empty());
        assert_eq!(problems(json!("2020-01-01T00:00:00.1Z"), secs).len(), 1);
    }

    #[test]
    fn null_is_rejected() {
        assert_eq!(problems(Value::Null, ValueKind::String).len(), 1);
    }
}
