//! Splitting request bodies into STIX objects, and building bundles.
//!
//! [`parse_body`] accepts the four shapes clients send: a bundle, a single
//! object, a JSON array of objects, or JSON lines (one object per line). It
//! returns each object's raw JSON text untouched (so custom properties and
//! number spellings survive), with a per-item error for every item that is
//! broken: one malformed line never loses the lines beside it.
//!
//! Items nested deeper than [`MAX_DEPTH`] (128, `serde_json`'s recursion
//! limit when it builds a `Value`) get an item error, so that no later stage
//! meets a document it cannot parse or that could exhaust the stack. The depth
//! check is a byte scan; the raw-value parser itself does not recurse.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::id::{IdError, Identifier};

/// A failure that makes the whole body unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    /// The body holds nothing but whitespace.
    #[error("the body is empty; send a STIX bundle, an object, an array of objects or JSON lines")]
    Empty,
    /// The body is not UTF-8 (and not JSON lines, where only the broken line
    /// would be lost).
    #[error("the body is not valid UTF-8: the bytes at offset {offset} are not; send UTF-8 JSON")]
    InvalidUtf8 {
        /// Byte offset of the first invalid sequence.
        offset: usize,
    },
    /// The body is not JSON.
    #[error("the body is not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json found.
        message: String,
    },
    /// The body is JSON but not one of the accepted shapes.
    #[error("{0}")]
    Shape(String),
}

/// Where an item sits in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// 0-based index in a JSON array or a bundle's `objects`.
    Index(usize),
    /// 1-based line number in JSON lines.
    Line(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Index(i) => write!(f, "item {i}"),
            Position::Line(l) => write!(f, "line {l}"),
        }
    }
}

/// Why one item of a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{position}: {message}")]
pub struct ItemError {
    /// Where the item is.
    pub position: Position,
    /// What is wrong with it.
    pub message: String,
}

/// The shape a body had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// A STIX bundle.
    Bundle,
    /// A single STIX object.
    Object,
    /// A JSON array of objects.
    Array,
    /// One JSON object per line.
    JsonLines,
}

/// One item of a body: its position and its raw JSON text, or why it could
/// not be read.
#[derive(Debug)]
pub struct Item {
    /// Where the item is.
    pub position: Position,
    /// The object's JSON text exactly as sent, or the error.
    pub result: Result<Box<RawValue>, ItemError>,
}

/// A body split into items.
#[derive(Debug)]
pub struct ParsedBody {
    /// The shape the body had.
    pub shape: BodyShape,
    /// The bundle's `id` when the body was a bundle (as sent, unchecked).
    pub bundle_id: Option<String>,
    /// Every item, in order, including broken ones.
    pub items: Vec<Item>,
}

impl ParsedBody {
    /// The items that were read, in order.
    pub fn objects(&self) -> impl Iterator<Item = &RawValue> {
        self.items.iter().filter_map(|i| i.result.as_deref().ok())
    }

    /// The errors of the items that could not be read.
    pub fn errors(&self) -> impl Iterator<Item = &ItemError> {
        self.items.iter().filter_map(|i| i.result.as_ref().err())
    }
}

/// Splits a body into STIX objects. See the module docs for the shapes.
pub fn parse_body(body: &[u8]) -> Result<ParsedBody, InputError> {
    let (body, bom) = match body.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (rest, 3),
        None => (body, 0),
    };
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => {
            if looks_like_json_lines(body) {
                return Ok(json_lines(body, bom));
            }
            return Err(InputError::InvalidUtf8 {
                offset: e.valid_up_to() + bom,
            });
        }
    };
    match text.trim_start().as_bytes().first() {
        None => Err(InputError::Empty),
        Some(b'[') => array(text),
        Some(b'{') => match serde_json::from_str::<&RawValue>(text) {
            Ok(raw) => object_or_bundle(raw),
            Err(_) if looks_like_json_lines(body) => Ok(json_lines(body, bom)),
            Err(e) => Err(syntax(&e)),
        },
        Some(_) if looks_like_json_lines(body) => Ok(json_lines(body, bom)),
        Some(_) => Err(InputError::Shape(
            "the body must be a JSON object, a JSON array or JSON lines".to_string(),
        )),
    }
}

fn syntax(e: &serde_json::Error) -> InputError {
    InputError::Syntax {
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    }
}

/// Whether any line of the body is, on its own, a non-empty JSON object: then
/// the body is JSON lines, not one (broken) pretty-printed document.
fn looks_like_json_lines(body: &[u8]) -> bool {
    let mut lines = body.split(|&b| b == b'\n').filter(|l| !is_blank(l));
    let (Some(_), Some(_)) = (lines.next(), lines.next()) else {
        return false;
    };
    body.split(|&b| b == b'\n').any(|line| {
        std::str::from_utf8(line).is_ok_and(|l| {
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l)
                .is_ok_and(|m| !m.is_empty())
        })
    })
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

fn json_lines(body: &[u8], bom: usize) -> ParsedBody {
    let mut items = Vec::new();
    let mut offset = bom;
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        let position = Position::Line(i + 1);
        let line_offset = offset;
        offset += line.len() + 1;
        if is_blank(line) {
            continue;
        }
        let result = match std::str::from_utf8(line) {
            Err(e) => Err(ItemError {
                position,
                message: format!(
                    "not valid UTF-8 at byte offset {} of the body; send UTF-8",
                    line_offset + e.valid_up_to()
                ),
            }),
            Ok(text) => object_item(text.trim_end_matches('\r'), position),
        };
        items.push(Item { position, result });
    }
    ParsedBody {
        shape: BodyShape::JsonLines,
        bundle_id: None,
        items,
    }
}

fn object_item(text: &str, position: Position) -> Result<Box<RawValue>, ItemError> {
    let raw = serde_json::from_str::<Box<RawValue>>(text).map_err(|e| ItemError {
        position,
        message: format!("not valid JSON: {e}"),
    })?;
    check_is_object(raw, position)
}

/// The deepest nesting an item may have: `serde_json`'s recursion limit.
pub const MAX_DEPTH: usize = 128;

fn check_is_object(raw: Box<RawValue>, position: Position) -> Result<Box<RawValue>, ItemError> {
    if !raw.get().trim_start().starts_with('{') {
        return Err(ItemError {
            position,
            message: "not a JSON object; each STIX object must be a JSON object".to_string(),
        });
    }
    if nesting_depth(raw.get()) > MAX_DEPTH {
        return Err(ItemError {
            position,
            message: format!(
                "nested deeper than {MAX_DEPTH} levels (the recursion limit); flatten the object"
            ),
        });
    }
    Ok(raw)
}

/// The maximum nesting of arrays and objects in valid JSON text. Written by
/// hand: it is a single pass over the bytes that only has to skip strings.
fn nesting_depth(json: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &c in json.as_bytes() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn array(text: &str) -> Result<ParsedBody, InputError> {
    let raws: Vec<Box<RawValue>> = serde_json::from_str(text).map_err(|e| syntax(&e))?;
    let items = raws
        .into_iter()
        .enumerate()
        .map(|(i, raw)| Item {
            position: Position::Index(i),
            result: check_is_object(raw, Position::Index(i)),
        })
        .collect();
    Ok(ParsedBody {
        shape: BodyShape::Array,
        bundle_id: None,
        items,
    })
}

#[derive(Deserialize)]
struct Peek<'a> {
    #[serde(rename = "type", default, borrow)]
    object_type: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    objects: Option<&'a RawValue>,
}

fn object_or_bundle(raw: &RawValue) -> Result<ParsedBody, InputError> {
    // The peek fails only when `type` or `id` is not a string; the object is
    // then passed on whole and validation reports it.
    let peek = serde_json::from_str::<Peek<'_>>(raw.get()).ok();
    let is_bundle = peek
        .as_ref()
        .is_some_and(|p| p.object_type.as_deref() == Some("bundle"));
    if !is_bundle {
        let owned = RawValue::from_string(raw.get().to_string()).map_err(|e| syntax(&e))?;
        return Ok(ParsedBody {
            shape: BodyShape::Object,
            bundle_id: None,
            items: vec![Item {
                position: Position::Index(0),
                result: check_is_object(owned, Position::Index(0)),
            }],
        });
    }
    let (bundle_id, objects) = match peek {
        Some(p) => (p.id.map(Cow::into_owned), p.objects),
        None => (None, None),
    };
    let items = match objects {
        None => Vec::new(),
        Some(objects) => {
            let raws: Vec<Box<RawValue>> = serde_json::from_str(objects.get()).map_err(|_| {
                InputError::Shape(
                    "the bundle's \"objects\" must be a JSON array of STIX objects".to_string(),
                )
            })?;
            raws.into_iter()
                .enumerate()
                .map(|(i, raw)| Item {
                    position: Position::Index(i),
                    result: check_is_object(raw, Position::Index(i)),
                })
                .collect()
        }
    };
    Ok(ParsedBody {
        shape: BodyShape::Bundle,
        bundle_id,
        items,
    })
}

impl Default for Bundle {
    fn default() -> Self {
        Bundle::new()
    }
}

/// A STIX 2.1 bundle being assembled for output. Bundles carry no
/// `spec_version` in 2.1.
#[derive(Debug)]
pub struct Bundle {
    /// The bundle's id (`bundle--<UUIDv4>`).
    pub id: Identifier,
    /// The objects' JSON texts, written out as they are.
    pub objects: Vec<Box<RawValue>>,
}

impl Bundle {
    /// An empty bundle with a fresh UUIDv4 id.
    pub fn new() -> Bundle {
        Bundle {
            id: Identifier::new_v4_for_known_type("bundle"),
            objects: Vec::new(),
        }
    }

    /// A bundle with the given id, which must be of type `bundle`.
    pub fn with_id(id: Identifier) -> Result<Bundle, IdError> {
        if id.object_type() != "bundle" {
            return Err(IdError::TypeName {
                type_name: id.object_type().to_string(),
            });
        }
        Ok(Bundle {
            id,
            objects: Vec::new(),
        })
    }

    /// Appends an object given as raw JSON text.
    pub fn push_raw(&mut self, object: Box<RawValue>) {
        self.objects.push(object);
    }

    /// Appends an object given as a JSON value.
    pub fn push_value(&mut self, object: &serde_json::Value) -> Result<(), serde_json::Error> {
        self.objects.push(serde_json::value::to_raw_value(object)?);
        Ok(())
    }

    /// The bundle as JSON text: `{"type":"bundle","id":…,"objects":[…]}`, with
    /// the objects' texts copied verbatim (`objects` is omitted when empty, as
    /// the specification forbids empty lists).
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(
            64 + self
                .objects
                .iter()
                .map(|o| o.get().len() + 1)
                .sum::<usize>(),
        );
        out.push_str("{\"type\":\"bundle\",\"id\":\"");
        out.push_str(self.id.as_str());
        out.push('"');
        if !self.objects.is_empty() {
            out.push_str(",\"objects\":[");
            for (i, o) in self.objects.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(o.get());
            }
            out.push(']');
        }
        out.push('}');
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const A: &str = r#"{"type":"x-a","id":"x-a--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","n":1.50}"#;
    const B: &str = r#"{"type":"x-b","id":"x-b--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#;

    fn texts(body: &ParsedBody) -> Vec<&str> {
        body.objects().map(RawValue::get).collect()
    }

    #[test]
    fn single_object() {
        let body = parse_body(A.as_bytes()).unwrap();
        assert_eq!(body.shape, BodyShape::Object);
        assert_eq!(texts(&body), [A]);
    }

    #[test]
    fn bundle_keeps_raw_text() {
        let text = format!(
            r#"{{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{A}, 7, {B}]}}"#
        );
        let body = parse_body(text.as_bytes()).unwrap();
        assert_eq!(body.shape, BodyShape::Bundle);
        assert_eq!(
            body.bundle_id.as_deref(),
            Some("bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
        );
        assert_eq!(texts(&body), [A, B]);
        let errors: Vec<_> = body.errors().collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].position, Position::Index(1));
        let bad = parse_body(br#"{"type":"bundle","id":"x","objects":{}}"#);
        assert!(matches!(bad, Err(InputError::Shape(_))));
    }

    #[test]
    fn array_of_objects() {
        let text = format!("[{A},{B}]");
        let body = parse_body(text.as_bytes()).unwrap();
        assert_eq!(body.shape, BodyShape::Array);
        assert_eq!(texts(&body), [A, B]);
    }

    #[test]
    fn json_lines_isolate_bad_lines() {
        let text = format!("{A}\n{{\"type\": broken\n\n{B}\r\n[1]\n");
        let body = parse_body(text.as_bytes()).unwrap();
        assert_eq!(body.shape, BodyShape::JsonLines);
        assert_eq!(texts(&body), [A, B]);
        let errors: Vec<_> = body.errors().map(|e| e.position).collect();
        assert_eq!(errors, [Position::Line(2), Position::Line(5)]);
    }

    #[test]
    fn broken_utf8() {
        let mut bytes = format!("{A}\n").into_bytes();
        let bad_line_start = bytes.len();
        bytes.extend_from_slice(b"{\"type\":\"x-c\",\"n\":\"\xff\"}\n");
        bytes.extend_from_slice(B.as_bytes());
        let body = parse_body(&bytes).unwrap();
        assert_eq!(texts(&body), [A, B]);
        let err = body.errors().next().unwrap();
        assert_eq!(err.position, Position::Line(2));
        assert!(
            err.message
                .contains(&format!("offset {}", bad_line_start + 19)),
            "{}",
            err.message
        );
        let whole = parse_body(b"{\"a\":\"\xff\"}");
        assert_eq!(whole.unwrap_err(), InputError::InvalidUtf8 { offset: 6 });
    }

    #[test]
    fn whole_body_errors() {
        assert_eq!(parse_body(b"  \n ").unwrap_err(), InputError::Empty);
        let err = parse_body(b"{\n  \"type\": \"x-a\",\n  oops\n}").unwrap_err();
        assert!(matches!(err, InputError::Syntax { line: 3, .. }), "{err:?}");
        assert!(matches!(
            parse_body(b"42").unwrap_err(),
            InputError::Shape(_)
        ));
        assert!(matches!(
            parse_body(b"[1,").unwrap_err(),
            InputError::Syntax { .. }
        ));
    }

    #[test]
    fn deep_nesting_is_an_item_error() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let text = format!("{A}\n{{\"x\":{deep}}}\n{B}");
        let body = parse_body(text.as_bytes()).unwrap();
        assert!(texts(&body) == [A, B], "the deep item must not be read");
        let err = body.errors().next().unwrap();
        assert_eq!(err.position, Position::Line(2));
        assert!(err.message.contains("recursion limit"), "{}", err.message);
        let at_limit = format!("{{\"x\":{}{}}}", "[".repeat(127), "]".repeat(127));
        assert_eq!(nesting_depth(&at_limit), 128);
        assert!(
            parse_body(at_limit.as_bytes())
                .unwrap()
                .errors()
                .next()
                .is_none()
        );
        assert_eq!(nesting_depth(r#"{"a":"[[[{{\"]]"}"#), 1);
        let whole = format!("{{\"x\":{deep}}}");
        let body = parse_body(whole.as_bytes()).unwrap();
        assert_eq!(body.objects().count(), 0);
        assert_eq!(body.errors().count(), 1);
    }

    #[test]
    fn bundles_are_written_verbatim() {
        let mut bundle = Bundle::new();
        bundle.push_raw(RawValue::from_string(A.to_string()).unwrap());
        bundle
            .push_value(&serde_json::json!({"type": "x-b", "id": "x-b--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}))
            .unwrap();
        let text = bundle.to_json();
        let parsed = parse_body(text.as_bytes()).unwrap();
        assert_eq!(parsed.shape, BodyShape::Bundle);
        assert_eq!(texts(&parsed), [A, B]);
        let empty = Bundle::with_id(bundle.id.clone()).unwrap().to_json();
        assert!(!empty.contains("objects"));
        let wrong = Identifier::new_v4("report").unwrap();
        assert!(Bundle::with_id(wrong).is_err());
    }
}
