//! The compact indicator table behind a workload.

use std::collections::BTreeMap;

use crate::config::{Config, KindWeights, TlpWeights};
use crate::draw::Draw;
use crate::error::WorkloadError;
use crate::indicator::{self, IndicatorFacts};
use crate::kind::IndicatorKind;
use crate::space::Keys;

/// The indicator side of a workload, compact enough for millions of indicators: one byte
/// of kind per indicator plus index lists of the address kinds (used to pick second hits),
/// about 5 bytes per indicator in all. Everything else about indicator `i` is rebuilt on
/// demand by [`Spec::facts`].
#[derive(Debug, Clone)]
pub struct Spec {
    seed: u64,
    keys: Keys,
    kind_weights: KindWeights,
    tlp_weights: TlpWeights,
    kinds: Vec<IndicatorKind>,
    /// IPv4 kinds that match in either address slot.
    v4_any_slot: Vec<u32>,
    /// IPv4 kinds that match only as the destination.
    v4_dst_only: Vec<u32>,
    /// IPv6 kinds.
    v6: Vec<u32>,
}

/// Which address slot of an event a second hit goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IpSlot {
    Src,
    Dst,
}

impl Spec {
    /// Builds the table for a configuration (validating it first).
    pub fn new(config: &Config) -> Result<Self, WorkloadError> {
        config.validate()?;
        let n = config.indicators;
        let mut kinds = Vec::with_capacity(n as usize);
        let (mut v4_any_slot, mut v4_dst_only, mut v6) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            let kind = indicator::derive_kind(config.seed, &config.kinds, i);
            kinds.push(kind);
            match kind {
                k if k.fits_v4_source() => v4_any_slot.push(i),
                IndicatorKind::NetworkTrafficDst => v4_dst_only.push(i),
                IndicatorKind::Ipv6 => v6.push(i),
                _ => {}
            }
        }
        Ok(Spec {
            seed: config.seed,
            keys: Keys::new(config.seed),
            kind_weights: config.kinds,
            tlp_weights: config.tlp,
            kinds,
            v4_any_slot,
            v4_dst_only,
            v6,
        })
    }

    /// Number of indicators.
    pub fn len(&self) -> u32 {
        self.kinds.len() as u32
    }

    /// Whether the workload has no indicators.
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }

    /// The kind of indicator `i`, or `None` past the end.
    pub fn kind(&self, i: u32) -> Option<IndicatorKind> {
        self.kinds.get(i as usize).copied()
    }

    /// Everything about indicator `i` (rebuilt from the seed), or `None` past the end.
    pub fn facts(&self, i: u32) -> Option<IndicatorFacts> {
        self.kind(i)?;
        Some(IndicatorFacts::derive(
            self.seed,
            &self.keys,
            &self.kind_weights,
            &self.tlp_weights,
            i,
        ))
    }

    /// The STIX id of indicator `i`, or `None` past the end.
    pub fn indicator_id(&self, i: u32) -> Option<String> {
        self.facts(i).map(|f| f.stix_id())
    }

    /// How many indicators of each kind there are (kinds with none are left out).
    pub fn kind_counts(&self) -> BTreeMap<IndicatorKind, u32> {
        let mut counts = BTreeMap::new();
        for &k in &self.kinds {
            *counts.entry(k).or_insert(0) += 1;
        }
        counts
    }

    /// Heap memory held by the table, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.kinds.capacity()
            + 4 * (self.v4_any_slot.capacity() + self.v4_dst_only.capacity() + self.v6.capacity())
    }

    pub(crate) fn seed(&self) -> u64 {
        self.seed
    }

    /// Picks an address indicator other than `exclude` whose value matches in `slot` of an
    /// event of the given family, or `None` when there is none.
    pub(crate) fn pick_address(
        &self,
        d: &mut Draw,
        ipv6: bool,
        slot: IpSlot,
        exclude: u32,
    ) -> Option<u32> {
        let (a, b): (&[u32], &[u32]) = match (ipv6, slot) {
            (true, _) => (&self.v6, &[]),
            (false, IpSlot::Src) => (&self.v4_any_slot, &[]),
            (false, IpSlot::Dst) => (&self.v4_any_slot, &self.v4_dst_only),
        };
        let total = (a.len() + b.len()) as u64;
        let at = |k: u64| -> Option<u32> {
            let k = (k % total.max(1)) as usize;
            if k < a.len() {
                a.get(k).copied()
            } else {
                b.get(k - a.len()).copied()
            }
        };
        if total == 0 {
            return None;
        }
        let r = d.below(total);
        match at(r)? {
            first if first != exclude => Some(first),
            _ if total > 1 => at(r + 1),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::draw::Stream;

    #[test]
    fn kinds_follow_the_weights() {
        let spec = Spec::new(&Config::new(20_000, 0, 3)).unwrap();
        let counts = spec.kind_counts();
        let ipv4 = f64::from(counts[&IndicatorKind::Ipv4]) / 20_000.0;
        assert!((ipv4 - 0.20).abs() < 0.02, "ipv4 share {ipv4}");
        assert_eq!(counts.values().sum::<u32>(), 20_000);
        assert!(spec.heap_bytes() < 20_000 * 6);
    }

    #[test]
    fn facts_past_the_end_are_none() {
        let spec = Spec::new(&Config::new(3, 0, 3)).unwrap();
        assert!(spec.facts(2).is_some());
        assert!(spec.facts(3).is_none());
        assert!(spec.indicator_id(3).is_none());
    }

    #[test]
    fn pick_address_never_returns_the_excluded_or_a_wrong_kind() {
        let spec = Spec::new(&Config::new(500, 0, 11)).unwrap();
        let mut d = Draw::at(1, Stream::Events, 0);
        for _ in 0..2000 {
            let j = spec.pick_address(&mut d, false, IpSlot::Src, 0).unwrap();
            assert_ne!(j, 0);
            assert!(spec.kind(j).unwrap().fits_v4_source());
            let j = spec.pick_address(&mut d, true, IpSlot::Dst, 0).unwrap();
            assert_eq!(spec.kind(j).unwrap(), IndicatorKind::Ipv6);
        }
    }

    #[test]
    fn pick_address_with_only_the_excluded_one() {
        let config = Config {
            kinds: KindWeights::only(IndicatorKind::Ipv4),
            ..Config::new(1, 0, 1)
        };
        let spec = Spec::new(&config).unwrap();
        let mut d = Draw::at(1, Stream::Events, 0);
        assert_eq!(spec.pick_address(&mut d, false, IpSlot::Dst, 0), None);
        assert_eq!(spec.pick_address(&mut d, true, IpSlot::Dst, 0), None);
    }
}
