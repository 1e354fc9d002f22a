//! Observations: STIX observed-data and the objects they carry, prepared once
//! for evaluating many patterns.
//!
//! [`ObservationSet::from_stix`] reads observed-data objects (and bundles of
//! them) with either `object_refs` (STIX 2.1: the SCOs are looked up by id
//! among the input objects) or the deprecated `objects` dictionary. Each
//! observed-data becomes one [`Observation`]-like entry with its interval
//! `[first_observed, last_observed]` and its `number_observed`; each object it
//! carries becomes a root candidate for bracket matching.
//!
//! Everything a pattern needs is resolved up front:
//!
//! - references (`*_ref` strings, `*_refs` lists) are resolved against the
//!   objects of the same observation only (STIX 2.1 §9.7.4); a reference that
//!   does not resolve is left out (a `_ref` property is then absent, a
//!   `_refs` list is shorter), as the reference matcher does;
//! - `*_hex` and `*_bin` values are decoded to octets (§9.6.4); a value that
//!   does not decode is treated as absent;
//! - objects are indexed by type across the whole set, so a bracket visits
//!   only objects of the types it names;
//! - observations are sorted by time, which the binding search uses.
//!
//! An object shared by several observations is copied into each, because its
//! references resolve differently in each.

use foldhash::{HashMap, HashMapExt as _};
use serde_json::Value;

use crate::error::InputError;
use crate::literal;

/// A property value, with references resolved and binary data decoded.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(Box<str>),
    /// Octets of a `_hex` or `_bin` property.
    Bin(Box<[u8]>),
    List(Box<[Val]>),
    /// Keys sorted, for binary search.
    Map(Box<[(Box<str>, Val)]>),
    /// A resolved reference: an index into [`ObservationSet::objects`].
    Ref(u32),
}

impl Val {
    /// A copy with every resolved reference moved by `offset` objects.
    fn shifted(&self, offset: u32) -> Val {
        match self {
            Val::Ref(target) => Val::Ref(target.saturating_add(offset)),
            Val::List(items) => Val::List(items.iter().map(|v| v.shifted(offset)).collect()),
            Val::Map(entries) => Val::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), v.shifted(offset)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Heap bytes held by the value (not counting `self`).
    fn heap_bytes(&self) -> usize {
        match self {
            Val::Str(s) => s.len(),
            Val::Bin(b) => b.len(),
            Val::List(items) => items
                .iter()
                .map(|v| std::mem::size_of::<Val>() + v.heap_bytes())
                .sum(),
            Val::Map(entries) => entries
                .iter()
                .map(|(k, v)| std::mem::size_of::<(Box<str>, Val)>() + k.len() + v.heap_bytes())
                .sum(),
            Val::Null | Val::Bool(_) | Val::Int(_) | Val::Float(_) | Val::Ref(_) => 0,
        }
    }

    /// The value under `key` when `self` is a map.
    pub(crate) fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(entries) => entries
                .binary_search_by(|(k, _)| k.as_ref().cmp(key))
                .ok()
                .map(|i| &entries[i].1),
            _ => None,
        }
    }
}

/// One object carried by an observation.
#[derive(Debug, Clone)]
pub(crate) struct Object {
    /// The object's `type`.
    pub ty: Box<str>,
    /// The whole object as a map.
    pub body: Val,
}

/// One observed-data: `count` observations somewhere in `[first, last]`.
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    /// `first_observed`, nanoseconds since the Unix epoch.
    pub first: i128,
    /// `last_observed`, nanoseconds since the Unix epoch.
    pub last: i128,
    /// `number_observed` (at least 1).
    pub count: u64,
}

/// Observations ready for pattern evaluation. Build once, evaluate many
/// patterns against it with [`CompiledPattern::matches`](crate::CompiledPattern::matches).
#[derive(Debug, Clone, Default)]
pub struct ObservationSet {
    /// Sorted by `(first, last, input order)`.
    pub(crate) observations: Vec<Observation>,
    /// Every object of every observation (copied per observation).
    pub(crate) objects: Vec<Object>,
    /// Root objects by type: `(observation index, object index)`, in
    /// observation order.
    pub(crate) by_type: HashMap<Box<str>, Vec<(u32, u32)>>,
    /// The longest `last - first` of any observation, for pruning by time.
    pub(crate) max_span: i128,
}

impl ObservationSet {
    /// Reads observed-data from STIX JSON objects. Bundles are opened; other
    /// objects (SCOs, SDOs) are available to `object_refs`. Objects that are
    /// neither observed-data nor referenced are ignored. An SCO id listed in
    /// `object_refs` but absent from the input is skipped (it cannot be
    /// followed). When two input objects share an id, the first is used.
    ///
    /// Errors name the observed-data and the property that is missing or
    /// malformed: `first_observed`, `last_observed` (STIX timestamps, first not
    /// after last), `number_observed` (an integer of at least 1), and
    /// `object_refs` or `objects` (one of them is required).
    pub fn from_stix(values: &[Value]) -> Result<ObservationSet, InputError> {
        let mut flat: Vec<&serde_json::Map<String, Value>> = Vec::new();
        for (index, value) in values.iter().enumerate() {
            let object = value.as_object().ok_or(InputError::NotAnObject { index })?;
            if object.get("type").and_then(Value::as_str) == Some("bundle") {
                let Some(members) = object.get("objects") else {
                    continue;
                };
                let members = members.as_array().ok_or(InputError::BadBundle { index })?;
                for (inner, member) in members.iter().enumerate() {
                    flat.push(
                        member
                            .as_object()
                            .ok_or(InputError::NotAnObject { index: inner })?,
                    );
                }
            } else {
                flat.push(object);
            }
        }

        let mut by_id: HashMap<&str, &serde_json::Map<String, Value>> = HashMap::new();
        for object in &flat {
            let is_observed_data =
                object.get("type").and_then(Value::as_str) == Some("observed-data");
            if let Some(id) = object.get("id").and_then(Value::as_str)
                && !is_observed_data
            {
                by_id.entry(id).or_insert(object);
            }
        }

        let mut builder = Builder::default();
        for (position, object) in flat.iter().enumerate() {
            if object.get("type").and_then(Value::as_str) == Some("observed-data") {
                builder.add_observed_data(position, object, &by_id)?;
            }
        }
        Ok(builder.finish())
    }

    /// The number of observed-data objects read.
    pub fn len(&self) -> usize {
        self.observations.len()
    }

    /// True when no observed-data was read.
    pub fn is_empty(&self) -> bool {
        self.observations.is_empty()
    }

    /// The sum of `number_observed` over all observed-data.
    pub fn instance_count(&self) -> u64 {
        self.observations
            .iter()
            .fold(0u64, |sum, o| sum.saturating_add(o.count))
    }

    /// The earliest `first_observed` and the latest `last_observed`, in
    /// nanoseconds since the Unix epoch; `None` for an empty set.
    pub fn time_span(&self) -> Option<(i128, i128)> {
        let first = self.observations.iter().map(|o| o.first).min()?;
        let last = self.observations.iter().map(|o| o.last).max()?;
        Some((first, last))
    }

    /// One set holding the observations of all `sets`, as if their STIX
    /// objects had been read together (references still resolve within their
    /// own observation only). A stateful index keeps one small set per
    /// observation and merges them to evaluate a pattern over a window.
    pub fn merge(sets: &[&ObservationSet]) -> ObservationSet {
        let mut builder = Builder::default();
        for set in sets {
            let offset = u32::try_from(builder.objects.len()).unwrap_or(u32::MAX);
            builder
                .objects
                .extend(set.objects.iter().map(|object| Object {
                    ty: object.ty.clone(),
                    body: object.body.shifted(offset),
                }));
            let mut roots: Vec<Vec<u32>> = vec![Vec::new(); set.observations.len()];
            for list in set.by_type.values() {
                for &(observation, object) in list {
                    if let Some(r) = roots.get_mut(observation as usize) {
                        r.push(object.saturating_add(offset));
                    }
                }
            }
            for (observation, mut r) in set.observations.iter().zip(roots) {
                r.sort_unstable();
                builder.pending.push((observation.clone(), r));
            }
        }
        builder.finish()
    }

    /// An estimate of the heap memory the set holds, in bytes (the values,
    /// keys and indexes, without allocator overhead).
    pub fn heap_bytes(&self) -> usize {
        let objects: usize = self
            .objects
            .iter()
            .map(|o| std::mem::size_of::<Object>() + o.ty.len() + o.body.heap_bytes())
            .sum();
        let index: usize = self
            .by_type
            .iter()
            .map(|(ty, list)| {
                std::mem::size_of::<(Box<str>, Vec<(u32, u32)>)>() + ty.len() + list.len() * 8
            })
            .sum();
        objects + index + self.observations.len() * std::mem::size_of::<Observation>()
    }
}

#[derive(Default)]
struct Builder {
    /// Observations in input order, each with its root objects.
    pending: Vec<(Observation, Vec<u32>)>,
    objects: Vec<Object>,
}

impl Builder {
    fn add_observed_data(
        &mut self,
        position: usize,
        od: &serde_json::Map<String, Value>,
        by_id: &HashMap<&str, &serde_json::Map<String, Value>>,
    ) -> Result<(), InputError> {
        let id = od
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("(input object {position})"), str::to_string);
        let bad = |problem: String| InputError::BadObservedData {
            id: id.clone(),
            problem,
        };

        let time = |name: &str| -> Result<i128, InputError> {
            let text = od
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| bad(format!("{name} is missing or not a string")))?;
            literal::parse_timestamp(text)
                .map(|ts| ts.unix_nanos())
                .map_err(|(_, problem)| bad(format!("{name}: {problem}")))
        };
        let first = time("first_observed")?;
        let last = time("last_observed")?;
        if first > last {
            return Err(bad("first_observed is after last_observed".to_string()));
        }
        let count = match od.get("number_observed").and_then(Value::as_u64) {
            Some(n) if n >= 1 => n,
            _ => {
                return Err(bad(format!(
                    "number_observed must be an integer of at least 1, found {}",
                    od.get("number_observed")
                        .map_or_else(|| "nothing".to_string(), Value::to_string)
                )));
            }
        };

        // (reference key, object) pairs carried by this observation.
        let mut members: Vec<(&str, &serde_json::Map<String, Value>)> = Vec::new();
        if let Some(refs) = od.get("object_refs") {
            let refs = refs
                .as_array()
                .ok_or_else(|| bad("object_refs is not a list".to_string()))?;
            for reference in refs {
                let Some(reference) = reference.as_str() else {
                    return Err(bad(
                        "object_refs contains a value that is not a string".to_string()
                    ));
                };
                if let Some(object) = by_id.get(reference)
                    && !members.iter().any(|(key, _)| *key == reference)
                {
                    members.push((reference, object));
                }
            }
        } else if let Some(objects) = od.get("objects") {
            let objects = objects
                .as_object()
                .ok_or_else(|| bad("objects is not a dictionary".to_string()))?;
            for (key, object) in objects {
                let object = object
                    .as_object()
                    .ok_or_else(|| bad(format!("objects entry '{key}' is not a JSON object")))?;
                members.push((key.as_str(), object));
            }
        } else {
            return Err(bad("it has neither object_refs nor objects".to_string()));
        }

        let base = u32::try_from(self.objects.len()).unwrap_or(u32::MAX);
        let index_of: HashMap<&str, u32> = members
            .iter()
            .enumerate()
            .map(|(i, (key, _))| {
                (
                    *key,
                    base.saturating_add(u32::try_from(i).unwrap_or(u32::MAX)),
                )
            })
            .collect();
        let mut roots = Vec::with_capacity(members.len());
        for (_, object) in &members {
            let ty: Box<str> = object
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into();
            let body = convert_map(object, &index_of);
            roots.push(u32::try_from(self.objects.len()).unwrap_or(u32::MAX));
            self.objects.push(Object { ty, body });
        }
        self.pending
            .push((Observation { first, last, count }, roots));
        Ok(())
    }

    fn finish(self) -> ObservationSet {
        let mut pending: Vec<(usize, (Observation, Vec<u32>))> =
            self.pending.into_iter().enumerate().collect();
        pending.sort_by_key(|(input, (o, _))| (o.first, o.last, *input));
        let mut set = ObservationSet {
            objects: self.objects,
            ..ObservationSet::default()
        };
        for (obs_index, (_, (observation, roots))) in pending.into_iter().enumerate() {
            let obs_index = u32::try_from(obs_index).unwrap_or(u32::MAX);
            for root in roots {
                let ty = set.objects[root as usize].ty.clone();
                set.by_type.entry(ty).or_default().push((obs_index, root));
            }
            set.max_span = set.max_span.max(observation.last - observation.first);
            set.observations.push(observation);
        }
        set
    }
}

fn convert_map(object: &serde_json::Map<String, Value>, index_of: &HashMap<&str, u32>) -> Val {
    let mut entries: Vec<(Box<str>, Val)> = Vec::with_capacity(object.len());
    for (key, value) in object {
        if let Some(converted) = convert_property(key, value, index_of) {
            entries.push((key.as_str().into(), converted));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Val::Map(entries.into_boxed_slice())
}

/// Converts one property; `None` when it is absent for matching purposes (an
/// unresolved reference, undecodable binary data).
fn convert_property(key: &str, value: &Value, index_of: &HashMap<&str, u32>) -> Option<Val> {
    if key.ends_with("_ref") {
        return match value {
            Value::String(id) => index_of.get(id.as_str()).map(|&i| Val::Ref(i)),
            other => Some(convert_value(other, index_of)),
        };
    }
    if key.ends_with("_refs")
        && let Value::Array(items) = value
        && items.iter().all(Value::is_string)
    {
        let resolved: Vec<Val> = items
            .iter()
            .filter_map(|item| {
                item.as_str()
                    .and_then(|id| index_of.get(id))
                    .map(|&i| Val::Ref(i))
            })
            .collect();
        return Some(Val::List(resolved.into_boxed_slice()));
    }
    if key.ends_with("_hex")
        && let Value::String(text) = value
    {
        return hex::decode(text)
            .ok()
            .map(|bytes| Val::Bin(bytes.into_boxed_slice()));
    }
    if key.ends_with("_bin")
        && let Value::String(text) = value
    {
        return literal::decode_base64_data(text).map(|bytes| Val::Bin(bytes.into_boxed_slice()));
    }
    Some(convert_value(value, index_of))
}

fn convert_value(value: &Value, index_of: &HashMap<&str, u32>) -> Val {
    match value {
        Value::Null => Val::Null,
        Value::Bool(b) => Val::Bool(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Val::Int(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Val::Int(i128::from(u))
            } else {
                Val::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Value::String(s) => Val::Str(s.as_str().into()),
        Value::Array(items) => {
            Val::List(items.iter().map(|v| convert_value(v, index_of)).collect())
        }
        Value::Object(map) => convert_map(map, index_of),
    }
}
