//! Bounded state for stateful indicators (observation `AND`, `OR` across
//! observations, `FOLLOWEDBY`, `WITHIN`, `REPEATS`, `START`/`STOP`).
//!
//! Each stateful indicator has a window: the recent observations that
//! satisfied one of its brackets, each kept as its own small
//! [`ObservationSet`] (shared between indicators). When an observation
//! satisfies a bracket, the evaluator runs over the window plus that
//! observation (merged with [`ObservationSet::merge`]); a match is reported
//! and consumes the window (the next match needs new observations).
//! Otherwise the observation joins the window.
//!
//! # Bounds
//!
//! - **time**: an observation leaves the window once its `last_observed` is
//!   more than the pattern's top-level `WITHIN` length (else the configured
//!   horizon) before the new observation's `first_observed`: it could no
//!   longer share a match with it.
//! - **count**: a window holds at most `window_capacity` observations; the
//!   oldest arrival leaves first.
//! - **memory**: all windows together hold at most `state_max_bytes` (sizes
//!   from [`ObservationSet::heap_bytes`], counted per window even when an
//!   observation is shared); beyond it the globally oldest entries leave.
//!
//! Every departure other than by time counts as an eviction
//! ([`StateStats::evictions`]). What the bounds cost: a match whose
//! observations span more than the horizon, or need more observations than a
//! window holds, is missed; observations arriving far out of time order may
//! leave early. Within the bounds the answer is the evaluator's, exactly.

use std::collections::VecDeque;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt as _};
use phalanx_pattern::ObservationSet;

use crate::analyze::Indicator;

/// Limits of the stateful windows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateConfig {
    /// How long an observation may wait for the rest of a match when the
    /// pattern has no top-level `WITHIN`, in nanoseconds (default one hour).
    pub horizon_ns: i64,
    /// The most observations one indicator's window holds (default 64).
    pub window_capacity: usize,
    /// The most bytes all windows hold together (default 64 MiB).
    pub state_max_bytes: usize,
    /// The evaluator's step budget for one window evaluation (default
    /// 100,000): a window that needs more counts as an evaluation error and
    /// does not match.
    pub eval_budget: u64,
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            horizon_ns: 3_600 * 1_000_000_000,
            window_capacity: 64,
            state_max_bytes: 64 << 20,
            eval_budget: 100_000,
        }
    }
}

/// Counters of the stateful windows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateStats {
    /// Observations held in all windows now.
    pub entries: usize,
    /// Bytes held in all windows now.
    pub bytes: usize,
    /// Observations that left a window because of the count or memory cap.
    pub evictions: u64,
    /// Observations that left a window because they grew too old.
    pub expirations: u64,
    /// Window evaluations that exceeded the step budget.
    pub eval_errors: u64,
}

/// One observation in a window.
#[derive(Debug, Clone)]
struct Entry {
    seq: u64,
    set: Arc<ObservationSet>,
    last: i64,
    count: u64,
    bytes: usize,
}

/// The observation being offered to the windows.
#[derive(Debug, Clone)]
pub(crate) struct Offered {
    pub set: Arc<ObservationSet>,
    pub first: i64,
    pub last: i64,
    pub count: u64,
    pub bytes: usize,
}

/// All windows of one matcher.
#[derive(Debug, Clone, Default)]
pub(crate) struct Windows {
    config: StateConfig,
    windows: HashMap<u32, VecDeque<Entry>>,
    fifo: VecDeque<(u32, u64)>,
    next_seq: u64,
    stats: StateStats,
}

impl Windows {
    pub(crate) fn new(config: StateConfig) -> Windows {
        Windows {
            config,
            windows: HashMap::new(),
            fifo: VecDeque::new(),
            next_seq: 0,
            stats: StateStats::default(),
        }
    }

    pub(crate) fn stats(&self) -> StateStats {
        self.stats
    }

    /// Offers an observation to the window of `slot`; true when the pattern
    /// matches over the window and the observation.
    pub(crate) fn offer(&mut self, slot: u32, indicator: &Indicator, offered: &Offered) -> bool {
        let satisfies_a_bracket = indicator.leaves.is_empty()
            || indicator
                .leaves
                .iter()
                .any(|leaf| leaf.matches(&offered.set).unwrap_or(true));
        if !satisfies_a_bracket {
            return false;
        }
        let bound = indicator
            .within
            .unwrap_or(self.config.horizon_ns)
            .min(self.config.horizon_ns);
        let window = self.windows.entry(slot).or_default();
        let before = window.len();
        let mut freed = 0;
        window.retain(|e| {
            let keep = e.last.saturating_add(bound) >= offered.first;
            if !keep {
                freed += e.bytes;
            }
            keep
        });
        let expired = before - window.len();
        let instances = window
            .iter()
            .fold(offered.count, |n, e| n.saturating_add(e.count));
        let verdict = if instances >= indicator.min_instances {
            let mut sets: Vec<&ObservationSet> = window.iter().map(|e| &*e.set).collect();
            sets.push(&offered.set);
            let merged = ObservationSet::merge(&sets);
            indicator
                .compiled
                .as_ref()
                .map(|c| c.matches_with_budget(&merged, self.config.eval_budget))
        } else {
            Some(Ok(false))
        };
        self.stats.expirations += expired as u64;
        self.stats.entries -= expired;
        self.stats.bytes -= freed;
        let matched = match verdict {
            Some(Ok(result)) => result,
            Some(Err(_)) => {
                self.stats.eval_errors += 1;
                false
            }
            None => false,
        };
        if matched {
            self.forget(slot);
            return true;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        let capacity = self.config.window_capacity.max(1);
        let window = self.windows.entry(slot).or_default();
        window.push_back(Entry {
            seq,
            set: Arc::clone(&offered.set),
            last: offered.last,
            count: offered.count,
            bytes: offered.bytes,
        });
        let evicted = if window.len() > capacity {
            window.pop_front()
        } else {
            None
        };
        self.stats.entries += 1;
        self.stats.bytes += offered.bytes;
        self.fifo.push_back((slot, seq));
        if let Some(old) = evicted {
            self.stats.evictions += 1;
            self.stats.entries -= 1;
            self.stats.bytes -= old.bytes;
        }
        self.enforce_memory();
        false
    }

    /// Drops the globally oldest entries until the byte cap holds.
    fn enforce_memory(&mut self) {
        while self.stats.bytes > self.config.state_max_bytes {
            let Some((slot, seq)) = self.fifo.pop_front() else {
                break;
            };
            let Some(window) = self.windows.get_mut(&slot) else {
                continue;
            };
            if window.front().is_some_and(|e| e.seq == seq)
                && let Some(old) = window.pop_front()
            {
                self.stats.evictions += 1;
                self.stats.entries -= 1;
                self.stats.bytes -= old.bytes;
                if window.is_empty() {
                    self.windows.remove(&slot);
                }
            }
        }
        if self.fifo.len() > 2 * self.stats.entries + 1024 {
            let windows = &self.windows;
            self.fifo.retain(|(slot, seq)| {
                windows
                    .get(slot)
                    .is_some_and(|w| w.iter().any(|e| e.seq == *seq))
            });
        }
    }

    /// Drops the window of `slot` (its indicator was removed or matched).
    pub(crate) fn forget(&mut self, slot: u32) {
        if let Some(window) = self.windows.remove(&slot) {
            self.stats.entries -= window.len();
            self.stats.bytes -= window.iter().map(|e| e.bytes).sum::<usize>();
        }
    }

    /// Bytes held by the windows and their bookkeeping.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.stats.bytes
            + self.fifo.capacity() * 16
            + self.windows.capacity() * (std::mem::size_of::<VecDeque<Entry>>() + 8)
            + self
                .windows
                .values()
                .map(|w| w.capacity() * std::mem::size_of::<Entry>())
                .sum::<usize>()
    }
}
