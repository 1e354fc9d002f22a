//! Alert records: one JSON object per (event, indicator) match.

use phalanx_decode::{Observation, time};
use serde_json::{Map, Value};

use crate::engine::MatchedValue;
use crate::indicators::ActiveIndicator;

/// Where the event came from, for the alert's `source` object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventSource {
    /// The source's configured name (or the input file name offline).
    pub name: String,
    /// The file the event was read from.
    pub file: Option<String>,
    /// Its 1-based line number in that file.
    pub line: Option<u64>,
    /// Anything else that locates it (syslog peer, NATS sequence, HTTP request), as JSON.
    pub extra: Map<String, Value>,
}

impl EventSource {
    fn to_json(&self) -> Value {
        let mut out = Map::new();
        out.insert("name".into(), self.name.clone().into());
        if let Some(file) = &self.file {
            out.insert("file".into(), file.clone().into());
        }
        if let Some(line) = self.line {
            out.insert("line".into(), line.into());
        }
        out.extend(self.extra.clone());
        Value::Object(out)
    }
}

/// The alert for one match:
///
/// ```json
/// {"indicator_id": "indicator--…", "indicator_name": "…", "pattern": "[…]",
///  "matched": [{"path": "domain-name:value", "value": "evil.example"}],
///  "event_time": "2024-03-01T00:00:00.5Z", "event_kind": "dns", "detected_at": "…",
///  "retrospective": false, "source": {"name": "…", "file": "…", "line": 12},
///  "event": { …the record as received… }}
/// ```
///
/// `event` is the original record when it is valid JSON (it is, once decoded), else its
/// text.
pub fn alert(
    indicator: &ActiveIndicator,
    matched: Vec<MatchedValue>,
    observation: &Observation<'_>,
    record: &[u8],
    source: &EventSource,
    detected_at: i64,
    retrospective: bool,
) -> Value {
    let mut out = Map::new();
    out.insert("indicator_id".into(), indicator.id.clone().into());
    if let Some(name) = &indicator.name {
        out.insert("indicator_name".into(), name.clone().into());
    }
    out.insert("pattern".into(), indicator.pattern.clone().into());
    let matched: Vec<Value> = matched
        .into_iter()
        .map(|m| {
            let mut entry = Map::new();
            entry.insert("path".into(), m.path.into());
            entry.insert("value".into(), m.value);
            Value::Object(entry)
        })
        .collect();
    out.insert("matched".into(), matched.into());
    out.insert(
        "event_time".into(),
        time::stix_text(observation.time).into(),
    );
    if !observation.kind.is_empty() {
        out.insert("event_kind".into(), observation.kind.as_ref().into());
    }
    out.insert("detected_at".into(), time::stix_text(detected_at).into());
    out.insert("retrospective".into(), retrospective.into());
    out.insert("source".into(), source.to_json());
    let event = serde_json::from_slice::<Value>(record)
        .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(record).into_owned()));
    out.insert("event".into(), event);
    Value::Object(out)
}
