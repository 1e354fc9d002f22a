//! The index: indicators in, hits out.

use std::collections::BTreeSet;
use std::fmt::Display;
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use foldhash::fast::RandomState;
use phalanx_pattern::{IpBlock, ObservationSet, Pattern};

use crate::analyze::{AtomKind, Indicator, Mode};
use crate::cidr::{BlockRef, SubsetIndex, SupersetIndex};
use crate::eq::{EqIndex, EqRef, OtherClass};
use crate::error::InsertError;
use crate::facts::{Fact, FactValue, Facts};
use crate::key::{CanonRule, Key, TextBuffer, float_key, format_v4, format_v6, latin1};
use crate::paths::{PathId, TypeId};
use crate::posting::{MAX_SLOT, Posting, Postings};
use crate::sharded::Sharded;
use crate::text::TextIndex;
use crate::window::{Offered, StateConfig, StateStats, Windows};

/// The bound on indicator keys: cheap to clone (hits carry a copy), hashable.
/// A STIX id string works; a compact handle (`u64`, `u128` from the UUID)
/// saves memory.
pub trait IndicatorKey: Clone + Eq + Hash + std::fmt::Debug {}

impl<T: Clone + Eq + Hash + std::fmt::Debug> IndicatorKey for T {}

/// Settings of a [`Matcher`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatcherConfig {
    /// Bounds of the stateful windows.
    pub state: StateConfig,
}

/// One matching indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit<K> {
    /// The indicator's key.
    pub key: K,
    /// Positions in the [`Facts`] of the facts that hit the indicator's
    /// atoms: the matched values, for alerts. Empty when the indicator was
    /// found through the scan list only.
    pub facts: Vec<u32>,
    /// How the match was decided.
    pub mode: Mode,
}

impl<K> Hit<K> {
    /// The matched facts.
    pub fn matched<'f, 'a>(&self, facts: &'f Facts<'a>) -> impl Iterator<Item = &'f Fact<'a>> {
        self.facts
            .iter()
            .filter_map(|&i| facts.as_slice().get(i as usize))
    }
}

/// What one [`Matcher::match_facts`] call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchStats {
    /// Indicators the index pointed at.
    pub candidates: u32,
    /// Hits decided by the index alone.
    pub exact_hits: u32,
    /// Candidates the evaluator checked on the observation.
    pub verified: u32,
    /// Hits among them (stateless and stateful).
    pub verified_hits: u32,
    /// Candidates left undecided because the observation could not be built
    /// or the evaluator gave up (budget); they are not reported as hits.
    pub undecided: u32,
    /// Why the observation could not be built, when it could not.
    pub observation_error: Option<String>,
}

/// Where one atom of a record was filed, to remove it again.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AtomRef {
    Eq(EqRef),
    Subset(BlockRef),
    Superset(BlockRef),
    Text { path: u32, id: u32 },
    Scan(TypeId),
}

/// A record's atoms: most indicators have one, kept inline.
#[derive(Debug, Clone)]
enum Refs {
    One(AtomRef),
    Many(Box<[AtomRef]>),
}

impl Refs {
    fn new(mut refs: Vec<AtomRef>) -> Refs {
        match refs.len() {
            1 => match refs.pop() {
                Some(one) => Refs::One(one),
                None => Refs::Many(Box::new([])),
            },
            _ => Refs::Many(refs.into_boxed_slice()),
        }
    }

    fn as_slice(&self) -> &[AtomRef] {
        match self {
            Refs::One(one) => std::slice::from_ref(one),
            Refs::Many(many) => many,
        }
    }

    /// Heap bytes (none when inline).
    fn heap_bytes(&self) -> usize {
        match self {
            Refs::One(_) => 0,
            Refs::Many(many) => many.len() * std::mem::size_of::<AtomRef>(),
        }
    }
}

#[derive(Debug, Clone)]
struct Record<K> {
    key: K,
    mode: Mode,
    refs: Refs,
    /// Kept for Verify and Stateful records.
    indicator: Option<Arc<Indicator>>,
    /// `valid_until`, or `i64::MAX`.
    valid_until: i64,
}

/// Which atom kinds a path holds, counted so that removals clear them.
#[derive(Debug, Clone, Default)]
struct PathMeta {
    type_id: Option<TypeId>,
    rule: Option<Box<CanonRule>>,
    text_keys: u32,
    byte_keys: u32,
    number_keys: u32,
    bool_keys: u32,
    subset: u32,
    superset: u32,
    text_atoms: u32,
}

impl PathMeta {
    fn any(&self) -> bool {
        self.text_keys
            | self.byte_keys
            | self.number_keys
            | self.bool_keys
            | self.subset
            | self.superset
            | self.text_atoms
            != 0
    }
}

/// Reused buffers of the matching loop.
#[derive(Debug, Clone, Default)]
struct Scratch {
    pairs: Vec<(u32, u32)>,
    types: Vec<TypeId>,
    seen: Vec<u32>,
}

/// No fact: the indicator came from the scan list.
const NO_FACT: u32 = u32::MAX;

/// The index of many indicators. See the crate docs for the design.
#[derive(Debug, Clone)]
pub struct Matcher<K: IndicatorKey> {
    records: Vec<Option<Record<K>>>,
    free: Vec<u32>,
    keys: Sharded<u32>,
    key_state: RandomState,
    postings: Postings,
    eq: EqIndex,
    subset: SubsetIndex,
    superset: SupersetIndex,
    text: TextIndex,
    scans: Vec<Vec<u32>>,
    scan_total: usize,
    paths: Vec<PathMeta>,
    expiry: BTreeSet<(i64, u32)>,
    windows: Windows,
    scratch: Scratch,
    counts: [usize; 3],
}

impl<K: IndicatorKey> Default for Matcher<K> {
    fn default() -> Self {
        Matcher::new(MatcherConfig::default())
    }
}

impl<K: IndicatorKey> Matcher<K> {
    /// An empty index.
    pub fn new(config: MatcherConfig) -> Self {
        Matcher {
            records: Vec::new(),
            free: Vec::new(),
            keys: Sharded::default(),
            key_state: RandomState::default(),
            postings: Postings::default(),
            eq: EqIndex::default(),
            subset: SubsetIndex::default(),
            superset: SupersetIndex::default(),
            text: TextIndex::default(),
            scans: Vec::new(),
            scan_total: 0,
            paths: Vec::new(),
            expiry: BTreeSet::new(),
            windows: Windows::new(config.state),
            scratch: Scratch::default(),
            counts: [0; 3],
        }
    }

    /// The number of indicators.
    pub fn len(&self) -> usize {
        self.records.len() - self.free.len()
    }

    /// True when the index holds no indicator.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of indicators decided exactly, verified, and stateful.
    pub fn mode_counts(&self) -> [usize; 3] {
        self.counts
    }

    /// True when an indicator with this key is in the index.
    pub fn contains(&self, key: &K) -> bool {
        self.slot_of(key).is_some()
    }

    /// Counters of the stateful windows.
    pub fn state_stats(&self) -> StateStats {
        self.windows.stats()
    }

    fn slot_of(&self, key: &K) -> Option<u32> {
        let hash = self.key_state.hash_one(key);
        self.keys
            .find(hash, |&slot| {
                self.records
                    .get(slot as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|r| r.key == *key)
            })
            .copied()
    }

    /// Analyses `pattern` and inserts it under `key`, replacing the
    /// indicator already there (a new version). Returns how the index will
    /// decide it.
    pub fn insert(&mut self, key: K, pattern: &Pattern) -> Result<Mode, InsertError> {
        let indicator = Indicator::new(pattern)?;
        self.insert_indicator(key, Arc::new(indicator))
    }

    /// Inserts a prepared indicator under `key`, replacing the indicator
    /// already there. The same `Arc` can go into many replicas.
    pub fn insert_indicator(
        &mut self,
        key: K,
        indicator: Arc<Indicator>,
    ) -> Result<Mode, InsertError> {
        self.remove(&key);
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                if self.records.len() > MAX_SLOT as usize {
                    return Err(InsertError::Full {
                        limit: MAX_SLOT as usize + 1,
                    });
                }
                self.records.push(None);
                u32::try_from(self.records.len() - 1).unwrap_or(MAX_SLOT)
            }
        };
        let mut refs = Vec::with_capacity(indicator.atoms.len() + indicator.scans.len());
        for atom in &indicator.atoms {
            let path = atom.path.index();
            let path_u32 = u32::try_from(path).unwrap_or(u32::MAX);
            self.ensure_path(atom.path);
            let meta = &mut self.paths[path];
            match &atom.kind {
                AtomKind::Eq(keys) => {
                    for key in keys {
                        let eq_ref = self.eq.insert(path_u32, key, slot, &mut self.postings);
                        count_key(meta, &eq_ref, 1);
                        refs.push(AtomRef::Eq(eq_ref));
                    }
                }
                AtomKind::Subset(block) => {
                    meta.subset += 1;
                    refs.push(AtomRef::Subset(self.subset.insert(
                        path_u32,
                        block,
                        slot,
                        &mut self.postings,
                    )));
                }
                AtomKind::Superset(block) => {
                    meta.superset += 1;
                    refs.push(AtomRef::Superset(self.superset.insert(
                        path_u32,
                        block,
                        slot,
                        &mut self.postings,
                    )));
                }
                AtomKind::Text {
                    op,
                    source,
                    literals,
                } => {
                    meta.text_atoms += 1;
                    let id = self.text.insert(slot, path_u32, *op, source, literals);
                    refs.push(AtomRef::Text { path: path_u32, id });
                }
            }
        }
        for &(ty, type_path) in &indicator.scans {
            self.ensure_path(type_path);
            let index = ty.index();
            if self.scans.len() <= index {
                self.scans.resize_with(index + 1, Vec::new);
            }
            self.scans[index].push(slot);
            self.scan_total += 1;
            refs.push(AtomRef::Scan(ty));
        }
        let valid_until = indicator.valid_until.unwrap_or(i64::MAX);
        if valid_until != i64::MAX {
            self.expiry.insert((valid_until, slot));
        }
        let mode = indicator.mode;
        self.counts[mode as usize] += 1;
        let hash = self.key_state.hash_one(&key);
        self.records[slot as usize] = Some(Record {
            key,
            mode,
            refs: Refs::new(refs),
            indicator: (mode != Mode::Exact).then_some(indicator),
            valid_until,
        });
        let records = &self.records;
        let state = &self.key_state;
        self.keys.insert(hash, slot, |&s| {
            records
                .get(s as usize)
                .and_then(Option::as_ref)
                .map_or(0, |r| state.hash_one(&r.key))
        });
        Ok(mode)
    }

    /// Makes sure `path` has its metadata (type, canonical rule).
    fn ensure_path(&mut self, path: PathId) {
        let index = path.index();
        if self.paths.len() <= index {
            self.paths.resize_with(index + 1, PathMeta::default);
        }
        let meta = &mut self.paths[index];
        if meta.type_id.is_none()
            && let Some(info) = path.info()
        {
            meta.type_id = Some(info.object_type);
            meta.rule = Some(Box::new(CanonRule::new(
                &info.path.object_type,
                &info.property,
                info.dereferences(),
            )));
        }
    }

    /// Removes the indicator with this key (revoked, expired, or replaced);
    /// false when there is none.
    pub fn remove(&mut self, key: &K) -> bool {
        let Some(slot) = self.slot_of(key) else {
            return false;
        };
        let hash = self.key_state.hash_one(key);
        self.keys.remove(hash, |&s| s == slot);
        let Some(record) = self.records.get_mut(slot as usize).and_then(Option::take) else {
            return false;
        };
        for atom in record.refs.as_slice() {
            match atom {
                AtomRef::Eq(eq_ref) => {
                    self.eq.remove(eq_ref, slot, &mut self.postings);
                    let path = match eq_ref {
                        EqRef::V4 { path, .. }
                        | EqRef::V6 { path, .. }
                        | EqRef::Str { path, .. }
                        | EqRef::Other { path, .. } => *path,
                    };
                    if let Some(meta) = self.paths.get_mut(path as usize) {
                        count_key(meta, eq_ref, -1);
                    }
                }
                AtomRef::Subset(block_ref) => {
                    self.subset.remove(block_ref, slot, &mut self.postings);
                    if let Some(meta) = self.paths.get_mut(block_ref.path() as usize) {
                        meta.subset -= 1;
                    }
                }
                AtomRef::Superset(block_ref) => {
                    self.superset.remove(block_ref, slot, &mut self.postings);
                    if let Some(meta) = self.paths.get_mut(block_ref.path() as usize) {
                        meta.superset -= 1;
                    }
                }
                AtomRef::Text { path, id } => {
                    self.text.remove(*id);
                    if let Some(meta) = self.paths.get_mut(*path as usize) {
                        meta.text_atoms -= 1;
                    }
                }
                AtomRef::Scan(ty) => {
                    if let Some(list) = self.scans.get_mut(ty.index())
                        && let Some(at) = list.iter().position(|s| *s == slot)
                    {
                        list.swap_remove(at);
                        self.scan_total -= 1;
                    }
                }
            }
        }
        if record.valid_until != i64::MAX {
            self.expiry.remove(&(record.valid_until, slot));
        }
        if record.mode == Mode::Stateful {
            self.windows.forget(slot);
        }
        self.counts[record.mode as usize] -= 1;
        self.free.push(slot);
        true
    }

    /// Removes every indicator whose `valid_until` is at or before `now`
    /// (nanoseconds since the Unix epoch); returns how many.
    pub fn expire(&mut self, now: i64) -> usize {
        let mut removed = 0;
        while let Some(&(until, slot)) = self.expiry.first() {
            if until > now {
                break;
            }
            self.expiry.pop_first();
            let key = self
                .records
                .get(slot as usize)
                .and_then(Option::as_ref)
                .map(|r| r.key.clone());
            if let Some(key) = key
                && self.remove(&key)
            {
                removed += 1;
            }
        }
        removed
    }

    /// Finds every indicator the observation described by `facts` matches
    /// and appends one [`Hit`] for each to `hits`.
    ///
    /// `observation` builds the full observation for the evaluator; it is
    /// called at most once, and only when a candidate needs verification or
    /// a stateful window. When it fails, such candidates are counted as
    /// undecided in the returned [`MatchStats`] and not reported.
    pub fn match_facts<F, E>(
        &mut self,
        facts: &Facts<'_>,
        observation: F,
        hits: &mut Vec<Hit<K>>,
    ) -> MatchStats
    where
        F: FnOnce() -> Result<ObservationSet, E>,
        E: Display,
    {
        let mut stats = MatchStats::default();
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.pairs.clear();
        scratch.types.clear();
        self.collect(facts, &mut scratch);
        if scratch.pairs.is_empty() {
            self.scratch = scratch;
            return stats;
        }
        scratch.pairs.sort_unstable();
        let mut lazy = Lazy::new(observation);
        let mut start = 0;
        while start < scratch.pairs.len() {
            let slot = scratch.pairs[start].0;
            let mut end = start + 1;
            while end < scratch.pairs.len() && scratch.pairs[end].0 == slot {
                end += 1;
            }
            let mut matched: Vec<u32> = scratch.pairs[start..end]
                .iter()
                .map(|&(_, fact)| fact)
                .filter(|&f| f != NO_FACT)
                .collect();
            matched.dedup();
            start = end;
            stats.candidates += 1;
            let Some(record) = self.records.get(slot as usize).and_then(Option::as_ref) else {
                continue;
            };
            let decided = match record.mode {
                Mode::Exact => {
                    stats.exact_hits += 1;
                    Some(true)
                }
                Mode::Verify => {
                    stats.verified += 1;
                    match (lazy.get(&mut stats), &record.indicator) {
                        (Some(set), Some(indicator)) => indicator
                            .compiled
                            .as_ref()
                            .and_then(|c| c.matches(&set.set).ok()),
                        _ => None,
                    }
                }
                Mode::Stateful => {
                    stats.verified += 1;
                    match (lazy.get(&mut stats), &record.indicator) {
                        (Some(set), Some(indicator)) => {
                            let offered = Offered {
                                set: Arc::clone(&set.set),
                                first: facts.first_observed(),
                                last: facts.last_observed(),
                                count: facts.number_observed(),
                                bytes: set.bytes,
                            };
                            Some(self.windows.offer(slot, indicator, &offered))
                        }
                        _ => None,
                    }
                }
            };
            match decided {
                Some(true) => {
                    if record.mode != Mode::Exact {
                        stats.verified_hits += 1;
                    }
                    hits.push(Hit {
                        key: record.key.clone(),
                        facts: matched,
                        mode: record.mode,
                    });
                }
                Some(false) => {}
                None => stats.undecided += 1,
            }
        }
        self.scratch = scratch;
        stats
    }

    /// Looks every fact up; fills `scratch.pairs` with `(slot, fact)`.
    fn collect(&mut self, facts: &Facts<'_>, scratch: &mut Scratch) {
        let Matcher {
            postings,
            eq,
            subset,
            superset,
            text,
            scans,
            scan_total,
            paths,
            ..
        } = self;
        let postings: &Postings = postings;
        let Scratch {
            pairs, types, seen, ..
        } = scratch;
        let mut buffer = TextBuffer::new();
        for (index, fact) in facts.as_slice().iter().enumerate() {
            let Some(meta) = paths.get(fact.path.index()) else {
                continue;
            };
            let f = u32::try_from(index).unwrap_or(NO_FACT - 1);
            if *scan_total > 0
                && let Some(ty) = meta.type_id
                && scans.get(ty.index()).is_some_and(|l| !l.is_empty())
                && !types.contains(&ty)
            {
                types.push(ty);
            }
            if !meta.any() {
                continue;
            }
            let path = u32::try_from(fact.path.index()).unwrap_or(u32::MAX);
            match fact.value {
                FactValue::Ipv4(address) => {
                    if meta.text_keys > 0
                        && let Some(p) = eq.get_v4(path, address)
                    {
                        push(pairs, postings, p, f);
                    }
                    blocks(
                        meta,
                        path,
                        &IpBlock::V4(address, 32),
                        subset,
                        superset,
                        postings,
                        pairs,
                        f,
                    );
                    if meta.byte_keys > 0 || meta.text_atoms > 0 {
                        let value = format_v4(address, &mut buffer);
                        string_side(meta, path, value, eq, text, postings, seen, pairs, f);
                    }
                }
                FactValue::Ipv6(address) => {
                    if meta.text_keys > 0
                        && let Some(p) = eq.get_v6(path, address)
                    {
                        push(pairs, postings, p, f);
                    }
                    blocks(
                        meta,
                        path,
                        &IpBlock::V6(address, 128),
                        subset,
                        superset,
                        postings,
                        pairs,
                        f,
                    );
                    if meta.byte_keys > 0 || meta.text_atoms > 0 {
                        let value = format_v6(address, &mut buffer);
                        string_side(meta, path, value, eq, text, postings, seen, pairs, f);
                    }
                }
                FactValue::Str(value) => {
                    if meta.text_keys > 0
                        && let Some(rule) = &meta.rule
                    {
                        rule.text_keys(value, &mut |key| {
                            if let Some(p) = eq.get(path, &key) {
                                push(pairs, postings, p, f);
                            }
                        });
                    }
                    if (meta.subset > 0 || meta.superset > 0)
                        && let Ok(block) = IpBlock::parse(value)
                    {
                        blocks(meta, path, &block, subset, superset, postings, pairs, f);
                    }
                    if meta.byte_keys > 0 || meta.text_atoms > 0 {
                        string_side(meta, path, value, eq, text, postings, seen, pairs, f);
                    }
                }
                FactValue::Int(value) => {
                    if meta.number_keys > 0
                        && let Some(p) = eq.get(path, &Key::Int(value))
                    {
                        push(pairs, postings, p, f);
                    }
                }
                FactValue::Float(value) => {
                    if meta.number_keys > 0
                        && let Some(key) = float_key(value)
                        && let Some(p) = eq.get(path, &key)
                    {
                        push(pairs, postings, p, f);
                    }
                }
                FactValue::Bool(value) => {
                    if meta.bool_keys > 0
                        && let Some(p) = eq.get(path, &Key::Bool(value))
                    {
                        push(pairs, postings, p, f);
                    }
                }
                FactValue::Bytes(value) => {
                    if meta.byte_keys > 0
                        && let Some(p) = eq.get(path, &Key::Bytes(value.into()))
                    {
                        push(pairs, postings, p, f);
                    }
                    if meta.text_atoms > 0 {
                        text.match_bytes(path, value, |slot| pairs.push((slot, f)));
                    }
                }
            }
        }
        for ty in types.iter() {
            if let Some(list) = scans.get(ty.index()) {
                pairs.extend(list.iter().map(|&slot| (slot, NO_FACT)));
            }
        }
    }

    /// An estimate of the bytes the index holds: its tables, keys, records,
    /// posting lists, text atoms, kept patterns and stateful windows (the sum
    /// of [`Matcher::memory_report`]).
    pub fn memory_bytes(&self) -> usize {
        self.memory_report().total()
    }

    /// What the index holds, by part, in bytes. Hash tables count their whole
    /// allocation (free buckets too); owned strings their length; indicator
    /// keys their inline size (the text of a `String` key is not counted);
    /// kept patterns (Verify and Stateful indicators) are estimated from
    /// their text length.
    pub fn memory_report(&self) -> MemoryReport {
        let records = self.records.capacity() * std::mem::size_of::<Option<Record<K>>>()
            + self
                .records
                .iter()
                .flatten()
                .map(|r| r.refs.heap_bytes())
                .sum::<usize>()
            + self.free.capacity() * 4
            + self.keys.allocation_size()
            + self.expiry.len() * 32;
        let kept_patterns = self
            .records
            .iter()
            .flatten()
            .filter_map(|r| r.indicator.as_deref())
            .map(indicator_bytes)
            .sum();
        MemoryReport {
            records,
            equality: self.eq.memory_bytes() + self.postings.heap_bytes(),
            blocks: self.subset.memory_bytes() + self.superset.memory_bytes(),
            text: self.text.memory_bytes(),
            scans: self.scans.capacity() * std::mem::size_of::<Vec<u32>>()
                + self.scans.iter().map(|l| l.capacity() * 4).sum::<usize>()
                + self.paths.capacity() * std::mem::size_of::<PathMeta>()
                + self.paths.iter().filter(|m| m.rule.is_some()).count() * 64,
            kept_patterns,
            windows: self.windows.memory_bytes(),
        }
    }
}

/// The parts of [`Matcher::memory_report`], in bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryReport {
    /// Indicator records, the key table and the expiry order.
    pub records: usize,
    /// Equality tables with their keys, and shared posting lists.
    pub equality: usize,
    /// `ISSUBSET` and `ISSUPERSET` blocks.
    pub blocks: usize,
    /// Text atoms, the gram map and filter, and cached compiled matchers.
    pub text: usize,
    /// Scan lists and per-path metadata.
    pub scans: usize,
    /// Patterns kept for verification (estimated).
    pub kept_patterns: usize,
    /// Stateful windows.
    pub windows: usize,
}

impl MemoryReport {
    /// The sum of the parts.
    pub fn total(&self) -> usize {
        self.records
            + self.equality
            + self.blocks
            + self.text
            + self.scans
            + self.kept_patterns
            + self.windows
    }
}

/// An estimate of a kept indicator: its structure, atoms, and compiled
/// pattern (about sixteen bytes per character of pattern text, measured on
/// typical indicators, per compiled form: the whole pattern and each bracket).
fn indicator_bytes(indicator: &Indicator) -> usize {
    std::mem::size_of::<Indicator>()
        + indicator.text.len() * (16 * (1 + usize::from(!indicator.leaves.is_empty())) + 1)
        + indicator.atoms.len() * 64
}

fn push(pairs: &mut Vec<(u32, u32)>, postings: &Postings, posting: &Posting, fact: u32) {
    for &slot in postings.slots(posting) {
        pairs.push((slot, fact));
    }
}

#[allow(clippy::too_many_arguments)]
fn blocks(
    meta: &PathMeta,
    path: u32,
    block: &IpBlock,
    subset: &SubsetIndex,
    superset: &SupersetIndex,
    postings: &Postings,
    pairs: &mut Vec<(u32, u32)>,
    fact: u32,
) {
    if meta.subset > 0 {
        subset.containing(path, block, |p| push(pairs, postings, p, fact));
    }
    if meta.superset > 0 {
        superset.contained(path, block, |p| push(pairs, postings, p, fact));
    }
}

/// The octet keys and text atoms of a string value.
#[allow(clippy::too_many_arguments)]
fn string_side(
    meta: &PathMeta,
    path: u32,
    value: &str,
    eq: &EqIndex,
    text: &mut TextIndex,
    postings: &Postings,
    seen: &mut Vec<u32>,
    pairs: &mut Vec<(u32, u32)>,
    fact: u32,
) {
    if meta.byte_keys > 0
        && let Some(octets) = latin1(value)
        && let Some(p) = eq.get(path, &Key::Bytes(octets))
    {
        push(pairs, postings, p, fact);
    }
    if meta.text_atoms > 0 {
        text.match_str(path, value, seen, |slot| pairs.push((slot, fact)));
    }
}

fn count_key(meta: &mut PathMeta, eq_ref: &EqRef, delta: i32) {
    let counter = match eq_ref {
        EqRef::V4 { .. } | EqRef::V6 { .. } | EqRef::Str { .. } => &mut meta.text_keys,
        EqRef::Other { class, .. } => match class {
            OtherClass::Bytes => &mut meta.byte_keys,
            OtherClass::Number => &mut meta.number_keys,
            OtherClass::Bool => &mut meta.bool_keys,
        },
    };
    *counter = counter.saturating_add_signed(delta);
}

/// The observation, built on first use.
struct Lazy<F> {
    build: Option<F>,
    built: Option<Option<Built>>,
}

struct Built {
    set: Arc<ObservationSet>,
    bytes: usize,
}

impl<F, E> Lazy<F>
where
    F: FnOnce() -> Result<ObservationSet, E>,
    E: Display,
{
    fn new(build: F) -> Self {
        Lazy {
            build: Some(build),
            built: None,
        }
    }

    fn get(&mut self, stats: &mut MatchStats) -> Option<&Built> {
        if self.built.is_none() {
            let result = self.build.take().map(|build| build());
            self.built = Some(match result {
                Some(Ok(set)) => {
                    let bytes = set.heap_bytes() + std::mem::size_of::<ObservationSet>();
                    Some(Built {
                        set: Arc::new(set),
                        bytes,
                    })
                }
                Some(Err(e)) => {
                    stats.observation_error = Some(e.to_string());
                    None
                }
                None => None,
            });
        }
        self.built.as_ref().and_then(Option::as_ref)
    }
}
