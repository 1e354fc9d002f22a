//! Seeded random draws with fixed, version-independent cost and output.
//!
//! Every random value in a workload comes from ChaCha8 (`rand_chacha`, whose output is
//! specified by the cipher and stable across crate versions). Range reduction, weighted
//! choice and the like are written here rather than taken from `rand`'s distributions,
//! because `rand` documents those algorithms as not value-stable across releases and we
//! promise byte-identical output for a seed forever. Each draw consumes exactly one
//! 64-bit word pair of the key stream (or a fixed number of them), so the position of an
//! indicator's block in the stream fully determines its values.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use uuid::Uuid;

/// Domain-separation tag that fills the key bytes after the 8-byte seed.
const KEY_TAG: &[u8; 24] = b"phalanx.workload.v1.key\0";

/// Independent ChaCha streams (the cipher's 64-bit nonce). Streams never overlap, so
/// drawing more events can never shift an indicator's values and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Stream {
    /// Indicator blocks: indicator `i` owns words `i * WORDS_PER_INDICATOR ..`.
    Indicators = 1,
    /// Telemetry events, drawn sequentially.
    Events = 2,
    /// Identifiers of bundles and observed-data objects.
    Ids = 3,
}

/// 32-bit words reserved for each indicator in [`Stream::Indicators`]. An indicator uses
/// far fewer (a test checks the maximum); the rest is left unused.
pub(crate) const WORDS_PER_INDICATOR: u128 = 64;

/// A position in one seeded ChaCha8 key stream, with helpers for the draws the generator
/// needs.
#[derive(Debug, Clone)]
pub(crate) struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    /// The key stream for `seed` and `stream`, positioned at the 32-bit word `word_pos`.
    pub(crate) fn at(seed: u64, stream: Stream, word_pos: u128) -> Self {
        let mut key = [0u8; 32];
        key[..8].copy_from_slice(&seed.to_le_bytes());
        key[8..].copy_from_slice(KEY_TAG);
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(stream as u64);
        rng.set_word_pos(word_pos);
        Draw { rng }
    }

    /// The current position in 32-bit words.
    #[cfg(test)]
    pub(crate) fn word_pos(&self) -> u128 {
        self.rng.get_word_pos()
    }

    /// A uniformly random 64-bit value.
    pub(crate) fn u64(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// A value in `0..n` (0 when `n` is 0), by the multiply-high reduction. Its bias is at
    /// most `n / 2^64`, which no test or benchmark can observe.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.u64()) * u128::from(n)) >> 64) as u64
    }

    /// [`Draw::below`] for `u32` bounds.
    pub(crate) fn below32(&mut self, n: u32) -> u32 {
        self.below(u64::from(n)) as u32
    }

    /// A value in `lo..=hi` (assumes `lo <= hi`; returns `lo` otherwise).
    pub(crate) fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below32(hi.saturating_sub(lo) + 1)
    }

    /// `true` with probability `p` (53-bit resolution; `p <= 0` never, `p >= 1` always).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        let unit = (self.u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        unit < p
    }

    /// One element of a non-empty constant table.
    pub(crate) fn pick<T: Copy, const N: usize>(&mut self, items: &[T; N]) -> T {
        const { assert!(N > 0, "pick needs a non-empty table") };
        items[self.below(N as u64) as usize]
    }

    /// An index into `weights`, chosen with probability proportional to its weight. With an
    /// empty table or all weights zero it returns 0; callers validate their tables first.
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut r = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if r < u64::from(w) {
                return i;
            }
            r -= u64::from(w);
        }
        0
    }

    /// `N` random bytes, consuming `ceil(N / 8)` 64-bit draws.
    pub(crate) fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for chunk in out.chunks_mut(8) {
            let word = self.u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        out
    }

    /// A random (version 4) UUID from 128 drawn bits.
    pub(crate) fn uuid_v4(&mut self) -> Uuid {
        uuid::Builder::from_random_bytes(self.bytes::<16>()).into_uuid()
    }

    /// A lowercase ASCII label of `min..=max` letters (at most 13), from two draws.
    pub(crate) fn letters(&mut self, min: u32, max: u32, out: &mut String) {
        let len = self.range(min, max.min(13));
        let mut x = self.u64();
        for _ in 0..len {
            out.push(char::from(b'a' + (x % 26) as u8));
            x /= 26;
        }
    }

    /// Like [`Draw::letters`] but from `a-z0-9`, at most 12 characters.
    pub(crate) fn alnum(&mut self, min: u32, max: u32, out: &mut String) {
        const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let len = self.range(min, max.min(12));
        let mut x = self.u64();
        for _ in 0..len {
            out.push(char::from(ALPHABET[(x % 36) as usize]));
            x /= 36;
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn same_position_same_values() {
        let mut a = Draw::at(7, Stream::Events, 128);
        let mut b = Draw::at(7, Stream::Events, 128);
        for _ in 0..100 {
            assert_eq!(a.u64(), b.u64());
        }
    }

    #[test]
    fn streams_and_seeds_differ() {
        let a = Draw::at(7, Stream::Events, 0).u64();
        assert_ne!(a, Draw::at(7, Stream::Indicators, 0).u64());
        assert_ne!(a, Draw::at(8, Stream::Events, 0).u64());
    }

    #[test]
    fn known_answer_is_stable() {
        // Pins the key derivation and the cipher: if this changes, every generated
        // workload changes, which the crate promises never to do for a given seed.
        let mut d = Draw::at(7, Stream::Indicators, 0);
        let first = d.u64();
        assert_eq!(first, 0x48cc_ff90_d377_a354);
        let mut d2 = Draw::at(7, Stream::Indicators, 2);
        assert_eq!(d2.u64(), d.u64(), "word 2 is the second u64");
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut d = Draw::at(1, Stream::Events, 0);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = d.below(7);
            assert!(v < 7);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(d.below(0), 0);
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut d = Draw::at(3, Stream::Events, 0);
        for _ in 0..1000 {
            assert_eq!(d.weighted(&[0, 5, 0]), 1);
        }
        assert_eq!(d.weighted(&[0, 0]), 0);
    }

    #[test]
    fn fixed_consumption() {
        let mut d = Draw::at(3, Stream::Events, 0);
        d.below(10);
        d.chance(0.5);
        d.bytes::<20>();
        d.uuid_v4();
        // 1 + 1 + 3 + 2 draws of two words each.
        assert_eq!(d.word_pos(), 14);
    }

    #[test]
    fn uuid_is_version_4() {
        let mut d = Draw::at(3, Stream::Ids, 0);
        let u = d.uuid_v4();
        assert_eq!(u.get_version_num(), 4);
        assert_eq!(u.get_variant(), uuid::Variant::RFC4122);
    }
}
