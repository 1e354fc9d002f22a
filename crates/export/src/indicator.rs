//! One indicator object: is it active, and what values does its pattern export as.

use phalanx_pattern::{Pattern, Severity};
use phalanx_stix::{Identifier, Timestamp, Tlp};
use serde_json::{Map, Value};

use crate::analyze::{self, Problem};
use crate::format::Format;
use crate::observable::Observable;
use crate::{Reason, Skipped};

/// An active indicator with the values of its pattern.
#[derive(Debug)]
pub(crate) struct Prepared<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub valid_from: Option<&'a str>,
    pub valid_until: Option<&'a str>,
    pub tlp: Option<Tlp>,
    /// The first `external_references[].url`.
    pub url: Option<&'a str>,
    pub observables: Vec<Observable>,
}

impl Prepared<'_> {
    /// The name, or the id when the indicator has none (or an empty one).
    pub fn label(&self) -> &str {
        self.name
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(self.id)
    }
}

/// What became of one input object.
#[derive(Debug)]
pub(crate) enum Outcome<'a> {
    /// Not an `indicator`: ignored and not counted.
    NotIndicator,
    /// Revoked, expired or not yet valid.
    Inactive,
    /// Not exportable in any format.
    Skipped(Skipped),
    /// Active, with the values of its pattern (the format may still refuse some).
    Ready(Prepared<'a>),
}

fn str_field<'a>(object: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{name}` is not a string")),
    }
}

fn timestamp(object: &Map<String, Value>, name: &str) -> Result<Option<i128>, String> {
    str_field(object, name)?
        .map(|text| {
            Timestamp::parse(text)
                .map(|t| t.unix_nanos())
                .map_err(|e| format!("`{name}` {text:?} is not a STIX timestamp: {e}"))
        })
        .transpose()
}

/// Reads one object. `now` is in nanoseconds since the epoch.
pub(crate) fn prepare(object: &Value, now: i128, format: Format) -> Outcome<'_> {
    let Some(object) = object.as_object() else {
        return Outcome::NotIndicator;
    };
    if object.get("type").and_then(Value::as_str) != Some("indicator") {
        return Outcome::NotIndicator;
    }
    let raw_id = object.get("id").and_then(Value::as_str);
    let skipped = |reason: Reason| {
        Outcome::Skipped(Skipped {
            indicator_id: raw_id.unwrap_or("(no id)").to_owned(),
            reason,
        })
    };
    let invalid = |message: String| skipped(Reason::Invalid(message));
    let id = match raw_id.map(Identifier::parse) {
        Some(Ok(parsed)) if parsed.object_type() == "indicator" => raw_id.unwrap_or_default(),
        Some(Ok(_)) => return invalid("the id is not an indicator id".to_owned()),
        Some(Err(e)) => return invalid(format!("the id is malformed: {e}")),
        None => return invalid("the indicator has no id".to_owned()),
    };
    if object.get("revoked").and_then(Value::as_bool) == Some(true) {
        return Outcome::Inactive;
    }
    let (valid_from, valid_until) = match (
        timestamp(object, "valid_from"),
        timestamp(object, "valid_until"),
    ) {
        (Ok(from), Ok(until)) => (from, until),
        (Err(e), _) | (_, Err(e)) => return invalid(e),
    };
    if valid_until.is_some_and(|until| until <= now) || valid_from.is_some_and(|from| from > now) {
        return Outcome::Inactive;
    }
    match object.get("pattern_type").and_then(Value::as_str) {
        Some("stix") => {}
        Some(other) => {
            return skipped(Reason::NotExpressible {
                what: format!("pattern_type '{other}' (only STIX patterns are translated)"),
                format,
            });
        }
        None => return invalid("the indicator has no pattern_type".to_owned()),
    }
    let Some(text) = object.get("pattern").and_then(Value::as_str) else {
        return invalid("the indicator has no pattern".to_owned());
    };
    let pattern = match Pattern::parse(text) {
        Ok(pattern) => pattern,
        Err(e) => return invalid(format!("the pattern does not parse: {e}")),
    };
    if let Some(error) = phalanx_pattern::check(&pattern)
        .into_iter()
        .find(|d| d.severity == Severity::Error)
    {
        return invalid(format!("the pattern is invalid: {}", error.message));
    }
    let observables = match analyze::observables(&pattern) {
        Ok(observables) => observables,
        Err(Problem::Invalid(message)) => return invalid(message),
        Err(Problem::Unsupported(what)) => {
            return skipped(Reason::NotExpressible { what, format });
        }
    };
    let fields = (
        str_field(object, "name"),
        str_field(object, "valid_from"),
        str_field(object, "valid_until"),
    );
    let (name, from_text, until_text) = match fields {
        (Ok(name), Ok(from), Ok(until)) => (name, from, until),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return invalid(e),
    };
    let url = object
        .get("external_references")
        .and_then(Value::as_array)
        .and_then(|refs| {
            refs.iter()
                .find_map(|r| r.get("url").and_then(Value::as_str))
        });
    Outcome::Ready(Prepared {
        id,
        name,
        valid_from: from_text,
        valid_until: until_text,
        tlp: phalanx_stix::tlp_of(object),
        url,
        observables,
    })
}
