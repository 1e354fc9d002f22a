//! PII minimisation: what personal data may not leave the node, and how the
//! objects that carry it are rewritten consistently.
//!
//! [`Redactor::rewrite_batch`] works on a batch of related objects at once:
//!
//! 1. **Collect** the covered values the batch's SCOs carry: `email-addr`
//!    `value` (and its `display_name`) under the e-mail rule;
//!    `user-account` `user_id`, `account_login` and `display_name` under the
//!    account rule; `ipv4-addr`/`ipv6-addr` `value`s inside an internal range.
//!    Each raw value gets its replacement: a keyed pseudonym
//!    ([`crate::pseudonym`]), or for `drop` a fixed placeholder. An SCO whose
//!    rule is `drop` is withheld ([`RuleId::PiiDrop`]).
//! 2. **Indicators**: a pattern is never rewritten, because a rewritten
//!    pattern detects something else (a token address never occurs in
//!    traffic; a removed comparison widens the pattern). An indicator whose
//!    pattern holds a covered value — a collected raw value, a covered e-mail
//!    or internal address anywhere in its text, or (for STIX patterns) any
//!    literal compared with a `user-account` name property — is withheld
//!    ([`RuleId::PiiIndicatorPattern`]). Internal addresses mean nothing on a
//!    peer's network anyway.
//! 3. **Text**: every string and dictionary key of every object is scanned,
//!    in one pass, for the collected raw values (their text, ignoring ASCII
//!    case: `JDOE` is the account `jdoe`) and for covered e-mail and internal
//!    addresses (any spelling), which are replaced.
//!    Descriptions, names, external references, custom properties and
//!    extensions are all covered. Not scanned: `type`, `spec_version`, `id`,
//!    `created`, `modified`, reference properties (step 4 handles them),
//!    `hashes`, granular-marking `selectors`, an indicator's `pattern`
//!    (step 2), and strings that are well-formed identifiers or timestamps,
//!    which cannot hold personal data and must keep their syntax.
//! 4. **Ids and references**: an SCO whose id was its deterministic id
//!    (STIX 2.1 §2.9) gets it recomputed with
//!    [`phalanx_stix::deterministic_id`] from its new values; every `*_ref` /
//!    `*_refs` in the batch that named an old id names the new one, and one
//!    that named a withheld object is removed. Repeated until nothing
//!    changes, because an SCO's id can depend on the ids it references. An
//!    object that loses a required reference is withheld
//!    ([`RuleId::PiiRequiredReference`]). Old ids (hashes of the raw values)
//!    are also replaced wherever they appear in text.
//! 5. **Validity**: an object that was valid STIX and is not after the
//!    rewrite is withheld ([`RuleId::PiiInvalidResult`]).
//!
//! A reference to an SCO outside the batch cannot be rewritten (its values
//! are unknown here): send SCOs in the same batch as the objects that
//! reference them.

mod detect;
mod refs;

use std::collections::BTreeMap;

use aho_corasick::{AhoCorasick, MatchKind};
use serde_json::{Map, Value};

use phalanx_stix::{Identifier, ObjectKind, Timestamp};

use crate::config::{PiiAction, PiiRules};
use crate::decision::{Redaction, RedactionKind};
use crate::pseudonym::{PseudonymKey, ValueKind};
use crate::rule::RuleId;

use detect::{Detector, Hit};
pub use refs::{IdMap, IdMapping};

/// The text that replaces a withheld object's id in free text.
const WITHHELD_ID_TEXT: &str = "[withheld]";

/// The `user-account` properties that name a person.
const ACCOUNT_NAME_PROPERTIES: [&str; 3] = ["user_id", "account_login", "display_name"];

/// The PII rules with the node's key, ready to rewrite batches.
#[derive(Debug, Clone)]
pub struct Redactor<'k> {
    detector: Detector<'k>,
}

/// The outcome for one object of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum RewrittenItem {
    /// The object may leave in this form.
    Kept {
        /// The object to send (equal to the input when nothing changed).
        object: Value,
        /// What was changed.
        redactions: Vec<Redaction>,
    },
    /// The object must not leave.
    Withheld {
        /// The rule that withheld it.
        rule: RuleId,
        /// Why, in words (never the raw value).
        reason: String,
    },
}

/// A rewritten batch: one item per input, in input order, and the id map.
#[derive(Debug, Clone, PartialEq)]
pub struct RewrittenBatch {
    /// One entry per input object.
    pub items: Vec<RewrittenItem>,
    /// Old id (lower case) → new id, or withheld.
    pub id_map: IdMap,
}

impl RewrittenBatch {
    /// The objects that may leave, in input order.
    pub fn objects(&self) -> Vec<Value> {
        self.items
            .iter()
            .filter_map(|item| match item {
                RewrittenItem::Kept { object, .. } => Some(object.clone()),
                RewrittenItem::Withheld { .. } => None,
            })
            .collect()
    }
}

/// Raw values and their replacements, for one-pass exact replacement.
#[derive(Debug, Default)]
struct Known {
    values: BTreeMap<String, String>,
    automaton: Option<AhoCorasick>,
    replacements: Vec<String>,
}

impl Known {
    fn add(&mut self, raw: &str, replacement: String) {
        if !raw.is_empty() && raw != replacement {
            self.values.entry(raw.to_string()).or_insert(replacement);
        }
    }

    /// Builds the automaton. Fails only when the value set is too large for
    /// `aho-corasick`, which the caller treats as "cannot redact".
    fn build(&mut self, case_insensitive: bool) -> Result<(), String> {
        if self.values.is_empty() {
            return Ok(());
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .ascii_case_insensitive(case_insensitive)
            .build(self.values.keys())
            .map_err(|e| e.to_string())?;
        self.replacements = self.values.values().cloned().collect();
        self.automaton = Some(automaton);
        Ok(())
    }

    fn hits(&self, text: &str) -> Vec<Hit> {
        let Some(automaton) = &self.automaton else {
            return Vec::new();
        };
        automaton
            .find_iter(text)
            .filter_map(|m| {
                Some(Hit {
                    start: m.start(),
                    end: m.end(),
                    replacement: self.replacements.get(m.pattern().as_usize())?.clone(),
                })
            })
            .collect()
    }

    fn contains_in(&self, text: &str) -> bool {
        self.automaton.as_ref().is_some_and(|a| a.is_match(text))
    }
}

/// Which strings a text walk rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Personal data (step 3).
    Pii,
    /// Old ids (end of step 4).
    Ids,
}

impl<'k> Redactor<'k> {
    /// A redactor for `rules` under `key`.
    pub fn new(rules: &PiiRules, key: &'k PseudonymKey) -> Redactor<'k> {
        Redactor {
            detector: Detector::new(rules, key),
        }
    }

    /// Whether any rule can change anything (with none, batches pass
    /// through unchanged).
    pub fn is_active(&self) -> bool {
        self.detector.is_active()
    }

    /// Rewrites a batch of related objects (see the module docs). Pure and
    /// deterministic: the same batch, rules and key give the same output.
    pub fn rewrite_batch(&self, objects: &[Value]) -> RewrittenBatch {
        let mut withheld: Vec<Option<(RuleId, String)>> = vec![None; objects.len()];
        let mut known = Known::default();
        for (i, object) in objects.iter().enumerate() {
            withheld[i] = self.collect(object, &mut known);
        }
        if let Err(e) = known.build(true) {
            return withhold_all(
                objects.len(),
                &format!("the redaction automaton could not be built ({e})"),
            );
        }
        for (i, object) in objects.iter().enumerate() {
            if withheld[i].is_none() {
                withheld[i] = self.check_indicator(object, &known);
            }
        }

        // Step 3: text.
        let mut base: Vec<(Value, Vec<Redaction>)> = objects
            .iter()
            .map(|o| {
                let mut o = o.clone();
                let redactions = self.rewrite_strings(&mut o, &known, Pass::Pii);
                (o, redactions)
            })
            .collect();

        // Step 4: ids and references, to a fixed point.
        let deterministic: Vec<Option<String>> = objects.iter().map(deterministic_id_of).collect();
        let mut id_map = IdMap::new();
        for (i, w) in withheld.iter().enumerate() {
            if let (Some(_), Some(id)) = (w, object_id(&objects[i])) {
                id_map.insert(id, IdMapping::Withheld);
            }
        }
        let mut current: Vec<Option<(Value, Vec<Redaction>)>> = vec![None; objects.len()];
        let mut settled = false;
        for _ in 0..objects.len() + 2 {
            let mut changed = false;
            for i in 0..objects.len() {
                if withheld[i].is_some() {
                    current[i] = None;
                    continue;
                }
                let mut object = base[i].0.clone();
                let (ref_redactions, lost_required) = refs::apply(&mut object, &id_map);
                if lost_required {
                    withheld[i] = Some((
                        RuleId::PiiRequiredReference,
                        "a reference it requires points at an object withheld by a PII rule".into(),
                    ));
                    if let Some(id) = object_id(&objects[i]) {
                        id_map.insert(id, IdMapping::Withheld);
                    }
                    changed = true;
                    continue;
                }
                if let Some(old) = &deterministic[i]
                    && let Some(new) = object.as_object().and_then(phalanx_stix::deterministic_id)
                    && !new.eq_ignore_ascii_case(old)
                {
                    if let Some(m) = object.as_object_mut() {
                        m.insert("id".into(), Value::String(new.clone()));
                    }
                    let mapping = IdMapping::Rewritten(new);
                    if id_map.get(old) != Some(&mapping) {
                        id_map.insert(old.clone(), mapping);
                        changed = true;
                    }
                }
                current[i] = Some((object, ref_redactions));
            }
            if !changed {
                settled = true;
                break;
            }
        }
        if !settled {
            return withhold_all(
                objects.len(),
                "SCO ids did not settle (circular references between SCOs)",
            );
        }

        // Old ids in text.
        let mut old_ids = Known::default();
        for (old, mapping) in &id_map {
            let replacement = match mapping {
                IdMapping::Rewritten(new) => new.clone(),
                IdMapping::Withheld => WITHHELD_ID_TEXT.to_string(),
            };
            old_ids.add(old, replacement);
        }
        if let Err(e) = old_ids.build(true) {
            return withhold_all(
                objects.len(),
                &format!("the id automaton could not be built ({e})"),
            );
        }

        let mut items = Vec::with_capacity(objects.len());
        for (i, input) in objects.iter().enumerate() {
            if let Some((rule, reason)) = withheld[i].take() {
                items.push(RewrittenItem::Withheld { rule, reason });
                continue;
            }
            let Some((mut object, ref_redactions)) = current[i].take() else {
                items.push(RewrittenItem::Withheld {
                    rule: RuleId::InputShape,
                    reason: "internal: no rewritten form".into(),
                });
                continue;
            };
            let mut redactions = std::mem::take(&mut base[i].1);
            redactions.extend(ref_redactions);
            redactions.extend(self.rewrite_strings(&mut object, &old_ids, Pass::Ids));
            if let (Some(old), Some(new)) =
                (object_id(input), object.get("id").and_then(Value::as_str))
                && !old.eq_ignore_ascii_case(new)
            {
                redactions.push(Redaction {
                    rule: RuleId::PiiRewrite,
                    path: "/id".into(),
                    kind: RedactionKind::IdRewritten {
                        from: old,
                        to: new.to_string(),
                    },
                });
            }
            if object != *input
                && phalanx_stix::validate(input).is_ok()
                && let Err(problems) = phalanx_stix::validate(&object)
            {
                let first = problems
                    .iter()
                    .find(|p| p.is_error())
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                items.push(RewrittenItem::Withheld {
                    rule: RuleId::PiiInvalidResult,
                    reason: format!("the rewritten object is not valid STIX: {first}"),
                });
                continue;
            }
            items.push(RewrittenItem::Kept { object, redactions });
        }
        RewrittenBatch { items, id_map }
    }

    /// Step 1 for one object: adds its covered values to `known`; returns
    /// why it is withheld, if it is.
    fn collect(&self, object: &Value, known: &mut Known) -> Option<(RuleId, String)> {
        let Some(map) = object.as_object() else {
            return Some((RuleId::InputShape, "not a JSON object".into()));
        };
        let Some(object_type) = map.get("type").and_then(Value::as_str) else {
            return Some((RuleId::InputShape, "no string \"type\" property".into()));
        };
        let text = |name: &str| map.get(name).and_then(Value::as_str);
        let drop = |what: &str| Some((RuleId::PiiDrop, format!("{what}: the rule for it is drop")));
        let d = &self.detector;
        match object_type {
            "email-addr" => {
                let (canonical, action) = text("value").and_then(|v| d.email(v))?;
                let replacement = d.replacement(ValueKind::Email, &canonical, action);
                if let Some(raw) = text("value") {
                    known.add(raw, replacement.clone());
                }
                known.add(&canonical, replacement);
                if let Some(name) = text("display_name") {
                    known.add(name, d.replacement(ValueKind::Text, name, action));
                }
                (action == PiiAction::Drop)
                    .then(|| drop("a covered e-mail address"))
                    .flatten()
            }
            "user-account" => {
                let action = d.account_action();
                if action == PiiAction::Keep {
                    return None;
                }
                let mut any = false;
                for name in ACCOUNT_NAME_PROPERTIES {
                    if let Some(raw) = text(name) {
                        known.add(raw, d.replacement(ValueKind::Text, raw, action));
                        any = true;
                    }
                }
                (any && action == PiiAction::Drop)
                    .then(|| drop("a user account"))
                    .flatten()
            }
            "ipv4-addr" | "ipv6-addr" => {
                let raw = text("value")?;
                let (kind, canonical, action) = d.internal(raw)?;
                let replacement = d.replacement(kind, &canonical, action);
                known.add(raw, replacement.clone());
                known.add(&canonical, replacement);
                (action == PiiAction::Drop)
                    .then(|| drop("an internal address"))
                    .flatten()
            }
            _ => None,
        }
    }

    /// Step 2: whether an indicator's pattern holds a covered value.
    fn check_indicator(&self, object: &Value, known: &Known) -> Option<(RuleId, String)> {
        if object.get("type").and_then(Value::as_str) != Some("indicator") {
            return None;
        }
        let pattern = object.get("pattern").and_then(Value::as_str)?;
        let withhold = |why: &str| {
            Some((
                RuleId::PiiIndicatorPattern,
                format!("its pattern {why}; patterns are never rewritten"),
            ))
        };
        if known.contains_in(pattern) {
            return withhold("holds a value redacted elsewhere in the batch");
        }
        if !self.detector.find(pattern).is_empty() {
            return withhold("holds a covered e-mail address or an internal address");
        }
        let pattern_type = object
            .get("pattern_type")
            .and_then(Value::as_str)
            .unwrap_or("stix");
        if pattern_type != "stix" {
            return None;
        }
        let Ok(parsed) = phalanx_pattern::Pattern::parse(pattern) else {
            return None;
        };
        for comparison in parsed.comparisons() {
            let path = &comparison.path;
            if self.detector.account_action() != PiiAction::Keep
                && path.object_type == "user-account"
                && ACCOUNT_NAME_PROPERTIES.contains(&path.last_key())
                && !matches!(comparison.operator, phalanx_pattern::ast::Operator::Exists)
            {
                return withhold("compares a user account's name");
            }
            for literal in string_literals(&comparison.operator) {
                if self.detector.email(literal).is_some()
                    || self.detector.internal(literal).is_some()
                    || known.contains_in(literal)
                {
                    return withhold("compares with a covered value");
                }
            }
        }
        None
    }

    /// Rewrites the strings and keys of `object` that `pass` covers.
    fn rewrite_strings(&self, object: &mut Value, known: &Known, pass: Pass) -> Vec<Redaction> {
        let mut out = Vec::new();
        let is_indicator = object.get("type").and_then(Value::as_str) == Some("indicator");
        if let Value::Object(map) = object {
            *map = self.walk_map(map, "", true, is_indicator, known, pass, &mut out);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_map(
        &self,
        map: &mut Map<String, Value>,
        path: &str,
        top: bool,
        is_indicator: bool,
        known: &Known,
        pass: Pass,
        out: &mut Vec<Redaction>,
    ) -> Map<String, Value> {
        let mut next = Map::new();
        for (key, mut value) in std::mem::take(map) {
            let skip = refs::is_reference_key(&key)
                || (top && matches!(key.as_str(), "type" | "spec_version" | "id"))
                || (pass == Pass::Pii
                    && (matches!(key.as_str(), "hashes" | "selectors")
                        || (top && matches!(key.as_str(), "created" | "modified"))
                        || (top && is_indicator && key == "pattern")));
            let new_key = if Identifier::parse(&key).is_ok() && pass == Pass::Pii {
                None
            } else {
                self.rewrite_text(&key, known, pass)
            };
            // Paths name the key as it is sent, so they never hold a raw value.
            let key = new_key.clone().unwrap_or(key);
            let here = format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
            if new_key.is_some() {
                out.push(Redaction {
                    rule: RuleId::PiiRewrite,
                    path: here.clone(),
                    kind: RedactionKind::Rewritten,
                });
            }
            if !skip {
                self.walk_value(&mut value, &here, known, pass, out);
            }
            next.insert(key, value);
        }
        next
    }

    fn walk_value(
        &self,
        value: &mut Value,
        path: &str,
        known: &Known,
        pass: Pass,
        out: &mut Vec<Redaction>,
    ) {
        match value {
            Value::String(s) => {
                let protected = pass == Pass::Pii
                    && (Identifier::parse(s).is_ok() || Timestamp::parse(s).is_ok());
                if !protected && let Some(new) = self.rewrite_text(s, known, pass) {
                    *s = new;
                    out.push(Redaction {
                        rule: RuleId::PiiRewrite,
                        path: path.to_string(),
                        kind: RedactionKind::Rewritten,
                    });
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    self.walk_value(item, &format!("{path}/{i}"), known, pass, out);
                }
            }
            Value::Object(map) => {
                *map = self.walk_map(map, path, false, false, known, pass, out);
            }
            _ => {}
        }
    }

    fn rewrite_text(&self, text: &str, known: &Known, pass: Pass) -> Option<String> {
        let mut hits = known.hits(text);
        if pass == Pass::Pii {
            hits.extend(self.detector.find(text));
        }
        detect::apply(text, hits)
    }
}

/// Rewrites a batch under this node's PII rules and key: the PII step alone,
/// without the TLP and peer rules (see [`Redactor::rewrite_batch`]).
pub fn rewrite_batch(node: &crate::context::NodeContext<'_>, objects: &[Value]) -> RewrittenBatch {
    Redactor::new(&node.defaults.pii, node.key).rewrite_batch(objects)
}

/// The string operands of a comparison operator.
fn string_literals(op: &phalanx_pattern::ast::Operator) -> Vec<&str> {
    use phalanx_pattern::ast::{Literal, Operator};
    fn lit(l: &Literal) -> Option<&str> {
        match l {
            Literal::String(s) => Some(s.as_str()),
            _ => None,
        }
    }
    match op {
        Operator::Eq(l)
        | Operator::Ne(l)
        | Operator::Lt(l)
        | Operator::Le(l)
        | Operator::Gt(l)
        | Operator::Ge(l) => lit(l).into_iter().collect(),
        Operator::In(list) => list.iter().filter_map(lit).collect(),
        Operator::Like(s)
        | Operator::Matches(s)
        | Operator::IsSubset(s)
        | Operator::IsSuperset(s) => vec![s.as_str()],
        Operator::Exists => Vec::new(),
    }
}

/// The object's id in lower case.
fn object_id(object: &Value) -> Option<String> {
    object
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase)
}

/// The id (lower case) of an SCO whose id is its deterministic id, so it
/// must be recomputed when its values change.
fn deterministic_id_of(object: &Value) -> Option<String> {
    let map = object.as_object()?;
    let object_type = map.get("type")?.as_str()?;
    if phalanx_stix::types::kind_of(object_type) != ObjectKind::Sco {
        return None;
    }
    let id = object_id(object)?;
    let computed = phalanx_stix::deterministic_id(map)?;
    computed.eq_ignore_ascii_case(&id).then_some(id)
}

fn withhold_all(n: usize, reason: &str) -> RewrittenBatch {
    RewrittenBatch {
        items: (0..n)
            .map(|_| RewrittenItem::Withheld {
                rule: RuleId::PiiInvalidResult,
                reason: reason.to_string(),
            })
            .collect(),
        id_map: IdMap::new(),
    }
}
