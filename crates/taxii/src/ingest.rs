//! Validation of a posted TAXII envelope, object by object.
//!
//! A POST body must be UTF-8 JSON (400 otherwise) holding an envelope object (422 otherwise).
//! Each object in it is then judged on its own: an invalid object becomes a `failures` entry in
//! the status resource, with the reason, while the valid objects beside it are stored. Nothing
//! in one object can make the node drop another.

use serde_json::Value;

use crate::error::ApiError;

/// Largest integer magnitude I-JSON (RFC 7493) allows, which TAXII 2.1 requires.
pub const I_JSON_MAX: i64 = (1 << 53) - 1;

/// An object that passed validation and is ready to be stored.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// Position in the envelope.
    pub index: usize,
    /// STIX id.
    pub id: String,
    /// STIX type.
    pub object_type: String,
    /// `spec_version` (SCOs without one are 2.1).
    pub spec_version: String,
    /// `modified`, else `created`; `None` for objects with neither (SCOs).
    pub version: Option<phalanx_stix::Timestamp>,
    /// Compact JSON text of the object, as it will be stored and served.
    pub json: String,
}

/// An object that was refused, with the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Position in the envelope.
    pub index: usize,
    /// The object's id if it had a usable one, else a description of its position.
    pub id: String,
    /// The object's version if it had one.
    pub version: String,
    /// Why it was refused and what to do.
    pub message: String,
}

/// The outcome of judging one envelope.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    /// Number of objects in the envelope.
    pub total: usize,
    /// Objects to store.
    pub accepted: Vec<Accepted>,
    /// Objects refused.
    pub refused: Vec<Refused>,
}

/// Parses and judges a POST body.
pub fn judge_envelope(body: &[u8]) -> Result<Judged, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not valid UTF-8 (invalid byte at offset {}); TAXII bodies must be UTF-8 JSON",
            e.valid_up_to()
        ))
    })?;
    let envelope: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not valid JSON: {e} (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let Value::Object(mut envelope) = envelope else {
        return Err(ApiError::unprocessable(
            "the request body must be a TAXII envelope: a JSON object with an `objects` list",
        ));
    };
    let objects = match envelope.remove("objects") {
        None => Vec::new(),
        Some(Value::Array(objects)) => objects,
        Some(_) => {
            return Err(ApiError::unprocessable(
                "`objects` in the envelope must be a list of STIX objects",
            ));
        }
    };
    let mut judged = Judged {
        total: objects.len(),
        ..Judged::default()
    };
    for verdict in judge_all(objects) {
        match verdict {
            Ok(accepted) => judged.accepted.push(accepted),
            Err(refused) => judged.refused.push(refused),
        }
    }
    Ok(judged)
}

/// Envelopes at least this large are validated on several threads.
const PARALLEL_FROM: usize = 64;

/// Judges every object, in input order. Validation is pure and dominates a POST's CPU time,
/// so a large envelope is split into one contiguous chunk per available core, judged on
/// scoped threads, and the verdicts are put back in order.
fn judge_all(objects: Vec<Value>) -> Vec<Result<Accepted, Refused>> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    if threads < 2 || objects.len() < PARALLEL_FROM {
        return objects
            .into_iter()
            .enumerate()
            .map(|(index, object)| judge_object(index, object))
            .collect();
    }
    let chunk = objects.len().div_ceil(threads);
    let mut chunks: Vec<Vec<(usize, Value)>> = Vec::with_capacity(threads);
    let mut current = Vec::with_capacity(chunk);
    for item in objects.into_iter().enumerate() {
        current.push(item);
        if current.len() == chunk {
            chunks.push(std::mem::replace(&mut current, Vec::with_capacity(chunk)));
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| {
                scope.spawn(move || {
                    part.into_iter()
                        .map(|(index, object)| judge_object(index, object))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut verdicts = Vec::new();
        for handle in handles {
            match handle.join() {
                Ok(part) => verdicts.extend(part),
                // A panic in validation is a bug; re-raise it where the caller's panic
                // handling (the server's catch-panic layer) reports it.
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        verdicts
    })
}

fn describe_position(index: usize, object: &Value) -> (String, String) {
    let id = object
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("objects[{index}]"));
    let version = object
        .get("modified")
        .or_else(|| object.get("created"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    (id, version)
}

/// Every problem found in one object, errors and warnings apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Problems that make the object invalid.
    pub errors: Vec<String>,
    /// Problems that do not (the object is accepted with them).
    pub warnings: Vec<String>,
    /// The validation summary, when the object is valid.
    pub summary: Option<phalanx_stix::ObjectSummary>,
}

/// Checks one object completely: the I-JSON number range, STIX validation, and the
/// indicator's STIX pattern (syntax and semantic checks).
pub fn report_object(object: &Value) -> Report {
    let mut report = Report::default();
    if let Some(path) = find_out_of_range_integer(object, &mut String::new()) {
        report.errors.push(format!(
            "integer at {path} is outside the I-JSON range ±(2^53-1) that TAXII requires; send it as a string or a smaller number"
        ));
    }
    match phalanx_stix::validate(object) {
        Ok(summary) => {
            report
                .warnings
                .extend(summary.warnings.iter().map(ToString::to_string));
            report.summary = Some(summary);
        }
        Err(problems) => {
            for p in problems {
                if p.is_error() {
                    report.errors.push(p.to_string());
                } else {
                    report.warnings.push(p.to_string());
                }
            }
        }
    }
    check_pattern(object, &mut report);
    if !report.errors.is_empty() {
        report.summary = None;
    }
    report
}

/// Judges one object for storage: valid objects come back ready to store, invalid ones with
/// every error joined into one message.
pub fn judge_object(index: usize, object: Value) -> Result<Accepted, Refused> {
    let report = report_object(&object);
    let refuse = |message: String| {
        let (id, version) = describe_position(index, &object);
        Refused {
            index,
            id,
            version,
            message,
        }
    };
    let Some(summary) = report.summary else {
        return Err(refuse(report.errors.join("; ")));
    };
    let json = match serde_json::to_string(&object) {
        Ok(json) => json,
        Err(e) => return Err(refuse(format!("cannot serialise the object: {e}"))),
    };
    Ok(Accepted {
        index,
        version: summary.version().cloned(),
        id: summary.id.to_string(),
        object_type: summary.object_type,
        spec_version: summary.spec_version,
        json,
    })
}

/// An indicator whose STIX pattern does not parse, or fails a semantic check, is invalid STIX.
fn check_pattern(object: &Value, report: &mut Report) {
    if object.get("type").and_then(Value::as_str) != Some("indicator")
        || object.get("pattern_type").and_then(Value::as_str) != Some("stix")
    {
        return;
    }
    let Some(pattern) = object.get("pattern").and_then(Value::as_str) else {
        return;
    };
    match phalanx_pattern::Pattern::parse(pattern) {
        Err(e) => report.errors.push(format!("/pattern: {e}")),
        Ok(parsed) => {
            for d in phalanx_pattern::check(&parsed) {
                let line = format!("/pattern: {}", d.message);
                if d.severity == phalanx_pattern::Severity::Error {
                    report.errors.push(line);
                } else {
                    report.warnings.push(line);
                }
            }
        }
    }
}

fn find_out_of_range_integer(value: &Value, path: &mut String) -> Option<String> {
    match value {
        Value::Number(n) => {
            let out = if let Some(i) = n.as_i64() {
                !(-I_JSON_MAX..=I_JSON_MAX).contains(&i)
            } else {
                n.as_u64().is_some()
            };
            out.then(|| {
                if path.is_empty() {
                    "/".to_owned()
                } else {
                    path.clone()
                }
            })
        }
        Value::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("/{i}"));
            let found = find_out_of_range_integer(item, path);
            path.truncate(len);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let len = path.len();
            path.push('/');
            path.push_str(key);
            let found = find_out_of_range_integer(item, path);
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn indicator(id: &str, pattern: &str) -> Value {
        json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
            "pattern": pattern, "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z"
        })
    }

    #[test]
    fn large_envelopes_judged_in_parallel_keep_input_order() {
        let objects: Vec<Value> = (0..301u32)
            .map(|n| {
                let id = format!("indicator--{:08x}-17d4-4cbf-938f-98ee46b3cd3f", n);
                let pattern = if n % 7 == 3 {
                    "[ipv4-addr:value = ".to_string()
                } else {
                    format!("[ipv4-addr:value = '10.0.{}.{}']", n / 256, n % 256)
                };
                indicator(&id, &pattern)
            })
            .collect();
        let body = serde_json::to_vec(&json!({ "objects": objects })).unwrap();
        let judged = judge_envelope(&body).unwrap();
        assert_eq!(judged.total, 301);
        let refused: Vec<usize> = judged.refused.iter().map(|r| r.index).collect();
        let want: Vec<usize> = (0..301).filter(|n| n % 7 == 3).collect();
        assert_eq!(refused, want);
        let accepted: Vec<usize> = judged.accepted.iter().map(|a| a.index).collect();
        assert!(accepted.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(accepted.len() + refused.len(), 301);
        for a in &judged.accepted {
            assert_eq!(
                a.id,
                format!("indicator--{:08x}-17d4-4cbf-938f-98ee46b3cd3f", a.index)
            );
        }
    }

    #[test]
    fn broken_bodies_are_refused_as_a_whole() {
        assert_eq!(judge_envelope(b"\xff\xfe").unwrap_err().status, 400);
        let err = judge_envelope(b"{\"objects\": [").unwrap_err();
        assert_eq!(err.status, 400);
        assert!(err.description.contains("line 1"), "{}", err.description);
        assert_eq!(judge_envelope(b"[]").unwrap_err().status, 422);
        assert_eq!(judge_envelope(b"{\"objects\": 5}").unwrap_err().status, 422);
        assert_eq!(judge_envelope(b"{}").unwrap().total, 0);
    }

    #[test]
    fn bad_objects_never_take_good_ones_down() {
        let good = indicator(
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "[ipv4-addr:value = '1.2.3.4']",
        );
        let bad_pattern = indicator(
            "indicator--1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "[ipv4-addr:value = '1.2.3.4'",
        );
        let big = json!({"type": "x-thing", "id": "x-thing--2e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "spec_version": "2.1",
                         "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z", "x_n": 9007199254740993u64});
        let body = serde_json::to_vec(&json!({"objects": [good, bad_pattern, 42, big]})).unwrap();
        let judged = judge_envelope(&body).unwrap();
        assert_eq!(judged.total, 4);
        assert_eq!(judged.accepted.len(), 1);
        assert_eq!(
            judged.accepted[0].id,
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
        assert_eq!(judged.refused.len(), 3);
        assert!(
            judged.refused[0].message.starts_with("/pattern:"),
            "{}",
            judged.refused[0].message
        );
        assert_eq!(judged.refused[1].id, "objects[2]");
        assert!(
            judged.refused[2].message.contains("/x_n"),
            "{}",
            judged.refused[2].message
        );
    }
}
