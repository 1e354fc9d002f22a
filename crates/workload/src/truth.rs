//! Ground truth: which events match which indicators.

use std::collections::BTreeMap;

use crate::stream::EventRecord;

/// For every event that must match something, the sorted indices of the indicators it
/// matches. Events not listed match nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroundTruth {
    /// Event index → sorted, distinct indicator indices.
    pub matches: BTreeMap<u64, Vec<u32>>,
}

impl GroundTruth {
    /// Records the hits of one event (ignored when it has none).
    pub fn record(&mut self, event: u64, indicators: &[u32]) {
        if indicators.is_empty() {
            return;
        }
        let mut v = indicators.to_vec();
        v.sort_unstable();
        v.dedup();
        self.matches.insert(event, v);
    }

    /// The ground truth of a stream of generated events.
    pub fn from_records(records: impl IntoIterator<Item = EventRecord>) -> Self {
        let mut truth = GroundTruth::default();
        for r in records {
            truth.record(r.event.index, r.hits.as_slice());
        }
        truth
    }

    /// Number of events that match something.
    pub fn hit_events(&self) -> usize {
        self.matches.len()
    }

    /// Number of events that match two or more indicators.
    pub fn multi_hit_events(&self) -> usize {
        self.matches.values().filter(|v| v.len() > 1).count()
    }

    /// Total (event, indicator) matches.
    pub fn total_matches(&self) -> usize {
        self.matches.values().map(Vec::len).sum()
    }

    /// `None` when equal to `other`, otherwise a description of the first few differences.
    pub fn diff(&self, other: &GroundTruth) -> Option<String> {
        let mut out = Vec::new();
        let keys: std::collections::BTreeSet<u64> = self
            .matches
            .keys()
            .chain(other.matches.keys())
            .copied()
            .collect();
        for k in keys {
            let (a, b) = (self.matches.get(&k), other.matches.get(&k));
            if a != b {
                out.push(format!("event {k}: {a:?} vs {b:?}"));
                if out.len() == 10 {
                    break;
                }
            }
        }
        (!out.is_empty()).then(|| out.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_sorts_and_skips_empty() {
        let mut t = GroundTruth::default();
        t.record(3, &[9, 2, 9]);
        t.record(4, &[]);
        assert_eq!(t.matches.len(), 1);
        assert_eq!(t.matches[&3], vec![2, 9]);
        assert_eq!(t.multi_hit_events(), 1);
        assert_eq!(t.total_matches(), 2);
    }

    #[test]
    fn diff_names_the_event() {
        let mut a = GroundTruth::default();
        let b = GroundTruth::default();
        assert_eq!(a.diff(&b), None);
        a.record(7, &[1]);
        let d = a.diff(&b).unwrap_or_default();
        assert!(d.contains("event 7"), "{d}");
    }
}
