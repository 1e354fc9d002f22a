//! The line protocol of `phalanx pattern eval`: one JSON request in, one JSON
//! verdict out.
//!
//! Request: `{"pattern": "...", "observed_data": [...]}`, where the list holds
//! observed-data objects, the SCOs they reference and/or bundles.
//! Response: `{"match": true}`, `{"match": false}` or `{"error": "message"}`.
//! An invalid pattern (parse error or a `check` error) is an error response,
//! never a match.

use serde_json::{Value, json};

use crate::{CompiledPattern, ObservationSet, Pattern};

/// Evaluates one request line of the protocol and returns the response.
pub fn eval_line(line: &str) -> Value {
    match eval_request(line) {
        Ok(matched) => json!({ "match": matched }),
        Err(message) => json!({ "error": message }),
    }
}

fn eval_request(line: &str) -> Result<bool, String> {
    let request: Value =
        serde_json::from_str(line).map_err(|e| format!("invalid JSON request: {e}"))?;
    let pattern = request
        .get("pattern")
        .and_then(Value::as_str)
        .ok_or("the request needs a string property \"pattern\"")?;
    let observed = request
        .get("observed_data")
        .and_then(Value::as_array)
        .ok_or("the request needs a list property \"observed_data\"")?;
    let pattern = Pattern::parse(pattern).map_err(|e| format!("invalid pattern: {e}"))?;
    let compiled = CompiledPattern::new(&pattern).map_err(|e| e.to_string())?;
    let observations =
        ObservationSet::from_stix(observed).map_err(|e| format!("invalid observed_data: {e}"))?;
    compiled.matches(&observations).map_err(|e| e.to_string())
}
