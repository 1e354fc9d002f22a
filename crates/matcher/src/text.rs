//! `LIKE` and `MATCHES` atoms behind a literal prefilter.
//!
//! Every match of a `LIKE` pattern or a `MATCHES` regex contains some
//! literal text: the longest run between wildcards of a `LIKE` pattern, or a
//! set of alternatives derived from the regex's syntax tree
//! ([`required_literals`]). An atom is filed under one 4-byte *gram* of each
//! of its literals — the gram of the literal with the fewest atoms filed under
//! it so far, which keeps lists short — in a hash map keyed by `(path,
//! gram)`, with a 128 KiB bit filter in front. A string fact slides over its
//! (NFC-normalised) bytes: each 4-byte window is tested against the filter,
//! the few that pass are looked up, the literal is compared at its place, and
//! survivors are confirmed with the evaluator's own
//! [`TextMatcher`] (compiled on demand and cached: a compiled regex costs
//! kilobytes, so the index keeps only the pattern text).
//!
//! This replaces an Aho-Corasick automaton (daachorse measured fastest for
//! static dictionaries): the dictionary here changes one pattern at a time,
//! and an automaton would be rebuilt whole on every change. The gram map is
//! updated in place; the filter keeps stale bits after removals (they cost
//! only a lookup) and is rebuilt, in time proportional to the number of
//! grams, once stale bits outnumber live ones.
//!
//! Atoms whose literals are shorter than a gram have no usable literal; the
//! caller files their comparison elsewhere (another atom of the same bracket,
//! or the scan list). Octet values (`*_hex`, `*_bin`) skip the prefilter:
//! every text atom of their path is confirmed against them.

use phalanx_pattern::TextMatcher;
use regex_syntax::hir::{Hir, HirKind};

/// Bytes per gram; shorter literals are not usable.
pub(crate) const GRAM: usize = 4;

/// At most this many alternatives make a usable literal set.
const MAX_ALTERNATIVES: usize = 16;

/// The most compiled matchers kept at once.
const CACHE_LIMIT: usize = 4096;

const FILTER_BITS: usize = 1 << 20;

type FoldMap<K, V> = foldhash::HashMap<K, V>;

/// The operator of a text atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextOp {
    Like,
    Matches,
}

/// The literals every match of `op source` contains (at least one of them),
/// each at least [`GRAM`] bytes long; `None` when there is no such set.
pub(crate) fn required_literals(op: TextOp, source: &str) -> Option<Vec<String>> {
    let source = nfc(source);
    let set = match op {
        TextOp::Like => {
            let longest = source
                .split(['%', '_'])
                .max_by_key(|run| run.len())
                .unwrap_or_default();
            vec![longest.to_string()]
        }
        TextOp::Matches => {
            let hir = regex_syntax::ParserBuilder::new()
                .dot_matches_new_line(true)
                .build()
                .parse(&source)
                .ok()?;
            literal_info(&hir).best?
        }
    };
    (!set.is_empty() && set.iter().all(|l| l.len() >= GRAM)).then_some(set)
}

fn nfc(text: &str) -> std::borrow::Cow<'_, str> {
    use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.nfc().collect())
    }
}

/// What a regex node says about literals.
struct LiteralInfo {
    /// The node always matches exactly this text.
    exact: Option<String>,
    /// Every match of the node contains one of these.
    best: Option<Vec<String>>,
}

/// Worst (shortest) alternative of a set: the set's strength.
fn strength(set: &[String]) -> usize {
    set.iter().map(String::len).min().unwrap_or(0)
}

fn better(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    match (a, b) {
        (Some(a), Some(b)) => {
            if (strength(&b), std::cmp::Reverse(b.len()))
                > (strength(&a), std::cmp::Reverse(a.len()))
            {
                Some(b)
            } else {
                Some(a)
            }
        }
        (a, b) => a.or(b),
    }
}

fn literal_info(hir: &Hir) -> LiteralInfo {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => LiteralInfo {
            exact: Some(String::new()),
            best: None,
        },
        HirKind::Literal(literal) => {
            let text = String::from_utf8(literal.0.to_vec()).ok();
            LiteralInfo {
                best: text.clone().map(|t| vec![t]),
                exact: text,
            }
        }
        HirKind::Class(class) => {
            let single = match class {
                regex_syntax::hir::Class::Unicode(c) => {
                    let ranges = c.ranges();
                    (ranges.len() == 1 && ranges[0].start() == ranges[0].end())
                        .then(|| ranges[0].start().to_string())
                }
                regex_syntax::hir::Class::Bytes(c) => {
                    let ranges = c.ranges();
                    (ranges.len() == 1
                        && ranges[0].start() == ranges[0].end()
                        && ranges[0].start().is_ascii())
                    .then(|| char::from(ranges[0].start()).to_string())
                }
            };
            LiteralInfo {
                best: single.clone().map(|t| vec![t]),
                exact: single,
            }
        }
        HirKind::Capture(capture) => literal_info(&capture.sub),
        HirKind::Repetition(repetition) => {
            if repetition.min == 0 {
                return LiteralInfo {
                    exact: None,
                    best: None,
                };
            }
            let inner = literal_info(&repetition.sub);
            let exact = if repetition.max == Some(1) {
                inner.exact
            } else {
                None
            };
            LiteralInfo {
                exact,
                best: inner.best,
            }
        }
        HirKind::Concat(children) => {
            let mut best: Option<Vec<String>> = None;
            let mut run = Some(String::new());
            let mut current = String::new();
            for child in children {
                let info = literal_info(child);
                match info.exact {
                    Some(text) => {
                        current.push_str(&text);
                        if let Some(r) = run.as_mut() {
                            r.push_str(&text);
                        }
                    }
                    None => {
                        run = None;
                        if !current.is_empty() {
                            best = better(best, Some(vec![std::mem::take(&mut current)]));
                        }
                    }
                }
                best = better(best, info.best);
            }
            if !current.is_empty() {
                best = better(best, Some(vec![current]));
            }
            LiteralInfo { exact: run, best }
        }
        HirKind::Alternation(children) => {
            let mut union: Vec<String> = Vec::new();
            for child in children {
                match literal_info(child).best {
                    Some(set) => union.extend(set),
                    None => {
                        return LiteralInfo {
                            exact: None,
                            best: None,
                        };
                    }
                }
            }
            union.sort();
            union.dedup();
            LiteralInfo {
                exact: None,
                best: (union.len() <= MAX_ALTERNATIVES).then_some(union),
            }
        }
    }
}

#[derive(Debug, Clone)]
struct TextAtom {
    slot: u32,
    path: u32,
    op: TextOp,
    source: Box<str>,
    literals: Box<[Box<str>]>,
    /// The gram each literal is filed under, and its offset in the literal.
    grams: Box<[(u32, u16)]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct GramRef {
    atom: u32,
    literal: u16,
    offset: u16,
}

/// A confirmed text hit: the indicator slot.
pub(crate) type TextHit = u32;

/// The text atoms of the index.
#[derive(Debug, Clone)]
pub(crate) struct TextIndex {
    atoms: Vec<Option<TextAtom>>,
    free: Vec<u32>,
    grams: FoldMap<(u32, u32), Vec<GramRef>>,
    by_path: FoldMap<u32, Vec<u32>>,
    filter: Vec<u64>,
    filter_live: usize,
    filter_stale: usize,
    cache: FoldMap<u32, TextMatcher>,
    source_bytes: usize,
}

impl Default for TextIndex {
    fn default() -> Self {
        TextIndex {
            atoms: Vec::new(),
            free: Vec::new(),
            grams: FoldMap::default(),
            by_path: FoldMap::default(),
            filter: vec![0; FILTER_BITS / 64],
            filter_live: 0,
            filter_stale: 0,
            cache: FoldMap::default(),
            source_bytes: 0,
        }
    }
}

#[inline]
fn filter_bit(path: u32, gram: u32) -> usize {
    let mixed = ((u64::from(path) << 32) | u64::from(gram)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (mixed >> (64 - 20)) as usize
}

#[inline]
fn gram_at(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + GRAM]);
    u32::from_le_bytes(word)
}

impl TextIndex {
    /// Files a text atom for `slot`; returns its id. `literals` come from
    /// [`required_literals`] (each at least [`GRAM`] bytes).
    pub(crate) fn insert(
        &mut self,
        slot: u32,
        path: u32,
        op: TextOp,
        source: &str,
        literals: &[String],
    ) -> u32 {
        let id = self.free.pop().unwrap_or_else(|| {
            self.atoms.push(None);
            u32::try_from(self.atoms.len() - 1).unwrap_or(u32::MAX)
        });
        let mut grams = Vec::with_capacity(literals.len());
        for (literal_index, literal) in literals.iter().enumerate() {
            let bytes = literal.as_bytes();
            let (offset, gram) = (0..=bytes.len().saturating_sub(GRAM))
                .map(|at| (at, gram_at(bytes, at)))
                .min_by_key(|(_, gram)| self.grams.get(&(path, *gram)).map_or(0, Vec::len))
                .unwrap_or((0, 0));
            let offset = u16::try_from(offset).unwrap_or(u16::MAX);
            let list = self.grams.entry((path, gram)).or_default();
            if list.is_empty() {
                let bit = filter_bit(path, gram);
                if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
                    self.filter[bit / 64] |= 1 << (bit % 64);
                    self.filter_live += 1;
                }
            }
            list.push(GramRef {
                atom: id,
                literal: u16::try_from(literal_index).unwrap_or(u16::MAX),
                offset,
            });
            grams.push((gram, offset));
        }
        self.source_bytes += source.len() + literals.iter().map(String::len).sum::<usize>();
        self.atoms[id as usize] = Some(TextAtom {
            slot,
            path,
            op,
            source: source.into(),
            literals: literals.iter().map(|l| l.as_str().into()).collect(),
            grams: grams.into_boxed_slice(),
        });
        self.by_path.entry(path).or_default().push(id);
        id
    }

    /// Removes the atom `id`.
    pub(crate) fn remove(&mut self, id: u32) {
        let Some(atom) = self.atoms.get_mut(id as usize).and_then(Option::take) else {
            return;
        };
        for &(gram, _) in atom.grams.iter() {
            if let Some(list) = self.grams.get_mut(&(atom.path, gram)) {
                list.retain(|r| r.atom != id);
                if list.is_empty() {
                    self.grams.remove(&(atom.path, gram));
                    self.filter_stale += 1;
                }
            }
        }
        if let Some(list) = self.by_path.get_mut(&atom.path) {
            list.retain(|a| *a != id);
            if list.is_empty() {
                self.by_path.remove(&atom.path);
            }
        }
        self.source_bytes -=
            atom.source.len() + atom.literals.iter().map(|l| l.len()).sum::<usize>();
        self.cache.remove(&id);
        self.free.push(id);
        if self.filter_stale > self.filter_live / 2 + 1024 {
            self.rebuild_filter();
        }
    }

    fn rebuild_filter(&mut self) {
        self.filter.iter_mut().for_each(|w| *w = 0);
        self.filter_live = 0;
        for &(path, gram) in self.grams.keys() {
            let bit = filter_bit(path, gram);
            if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
                self.filter[bit / 64] |= 1 << (bit % 64);
                self.filter_live += 1;
            }
        }
        self.filter_stale = 0;
    }

    /// True when some text atom is on `path`.
    #[cfg(test)]
    pub(crate) fn has_path(&self, path: u32) -> bool {
        self.by_path.contains_key(&path)
    }

    /// Calls `hit` with the slot of every text atom on `path` that the string
    /// `value` satisfies. `seen` is scratch space.
    pub(crate) fn match_str(
        &mut self,
        path: u32,
        value: &str,
        seen: &mut Vec<u32>,
        mut hit: impl FnMut(TextHit),
    ) {
        seen.clear();
        let normal = nfc(value);
        let bytes = normal.as_bytes();
        if bytes.len() >= GRAM {
            for at in 0..=bytes.len() - GRAM {
                let gram = gram_at(bytes, at);
                let bit = filter_bit(path, gram);
                if self.filter[bit / 64] & (1 << (bit % 64)) == 0 {
                    continue;
                }
                let Some(list) = self.grams.get(&(path, gram)) else {
                    continue;
                };
                for r in list {
                    if seen.contains(&r.atom) {
                        continue;
                    }
                    let Some(start) = at.checked_sub(usize::from(r.offset)) else {
                        continue;
                    };
                    let Some(Some(atom)) = self.atoms.get(r.atom as usize) else {
                        continue;
                    };
                    let literal = atom.literals.get(usize::from(r.literal)).map_or("", |l| l);
                    if bytes.get(start..start + literal.len()) == Some(literal.as_bytes()) {
                        seen.push(r.atom);
                    }
                }
            }
        }
        for &id in seen.iter() {
            if let Some(slot) = self.confirm(id, |m| m.is_match_str(value)) {
                hit(slot);
            }
        }
    }

    /// Calls `hit` with the slot of every text atom on `path` that the octets
    /// `value` satisfy (no prefilter: octet values are rare).
    pub(crate) fn match_bytes(&mut self, path: u32, value: &[u8], mut hit: impl FnMut(TextHit)) {
        let ids = self.by_path.get(&path).cloned().unwrap_or_default();
        for id in ids {
            if let Some(slot) = self.confirm(id, |m| m.is_match_bytes(value)) {
                hit(slot);
            }
        }
    }

    /// Runs `test` with the atom's compiled matcher; its slot when it passes.
    fn confirm(&mut self, id: u32, test: impl Fn(&TextMatcher) -> bool) -> Option<u32> {
        let atom = self.atoms.get(id as usize)?.as_ref()?;
        if !self.cache.contains_key(&id) {
            if self.cache.len() >= CACHE_LIMIT {
                self.cache.clear();
            }
            let matcher = match atom.op {
                TextOp::Like => TextMatcher::like(&atom.source, true),
                // The pattern passed the checks, so its regex compiles; one
                // that did not would never match, like the evaluator's.
                TextOp::Matches => TextMatcher::matches(&atom.source, true).ok()?,
            };
            self.cache.insert(id, matcher);
        }
        let matcher = self.cache.get(&id)?;
        test(matcher).then_some(atom.slot)
    }

    /// The number of text atoms.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.atoms.len() - self.free.len()
    }

    /// Bytes held (the compiled-matcher cache is estimated at 4 KiB each).
    pub(crate) fn memory_bytes(&self) -> usize {
        self.atoms.capacity() * std::mem::size_of::<Option<TextAtom>>()
            + self.free.capacity() * 4
            + self.grams.capacity() * (std::mem::size_of::<((u32, u32), Vec<GramRef>)>() + 1)
            + self.grams.values().map(|v| v.capacity() * 8).sum::<usize>()
            + self
                .by_path
                .values()
                .map(|v| v.capacity() * 4 + 48)
                .sum::<usize>()
            + self.filter.len() * 8
            + self.cache.len() * 4096
            + self.source_bytes
            + self
                .atoms
                .iter()
                .flatten()
                .map(|a| a.grams.len() * 8 + a.literals.len() * 16)
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(op: TextOp, source: &str) -> Option<Vec<String>> {
        required_literals(op, source)
    }

    #[test]
    fn literals_of_like_and_regex() {
        assert_eq!(
            lits(TextOp::Like, "%.evil.example"),
            Some(vec![".evil.example".into()])
        );
        assert_eq!(lits(TextOp::Like, "a%b_c"), None);
        assert_eq!(
            lits(TextOp::Matches, "^[a-z0-9]+[.]abc-tok[.]example$"),
            Some(vec![".abc-tok.example".into()])
        );
        assert_eq!(
            lits(TextOp::Matches, "(evil|wicked)\\.com"),
            Some(vec![".com".into()])
        );
        assert_eq!(
            lits(TextOp::Matches, "(evilx|wicked)[0-9]"),
            Some(vec!["evilx".into(), "wicked".into()])
        );
        assert_eq!(lits(TextOp::Matches, "a.*b"), None);
        assert_eq!(lits(TextOp::Matches, "(?i)abcdef"), None);
        assert_eq!(lits(TextOp::Matches, "x(abcd)?"), None);
        assert_eq!(
            lits(TextOp::Matches, "(abcd){2,}"),
            Some(vec!["abcd".into()])
        );
    }

    #[test]
    fn prefilter_finds_and_confirms() {
        let mut index = TextIndex::default();
        let like = lits(TextOp::Like, "%.evil.example").unwrap_or_default();
        let a = index.insert(7, 1, TextOp::Like, "%.evil.example", &like);
        let re = lits(TextOp::Matches, "^[a-z]+[.]evil[.]example$").unwrap_or_default();
        index.insert(8, 1, TextOp::Matches, "^[a-z]+[.]evil[.]example$", &re);
        let run = |index: &mut TextIndex, value: &str| {
            let mut out = Vec::new();
            let mut seen = Vec::new();
            index.match_str(1, value, &mut seen, |slot| out.push(slot));
            out.sort_unstable();
            out
        };
        assert_eq!(run(&mut index, "www.evil.example"), vec![7, 8]);
        assert_eq!(run(&mut index, "a.b.evil.example"), vec![7]);
        assert_eq!(run(&mut index, "evil.example"), Vec::<u32>::new());
        assert_eq!(run(&mut index, "www.evil.example.com"), Vec::<u32>::new());
        let mut out = Vec::new();
        index.match_bytes(1, b"x.evil.example", |slot| out.push(slot));
        assert_eq!(out.len(), 2);
        index.remove(a);
        assert_eq!(run(&mut index, "www.evil.example"), vec![8]);
        assert_eq!(index.len(), 1);
        assert!(index.has_path(1));
        assert!(!index.has_path(2));
    }
}
