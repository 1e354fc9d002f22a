//! One index that evaluates millions of STIX indicators against sensor
//! observations at once.
//!
//! ```
//! use phalanx_matcher::{FactValue, Facts, Matcher, Mode, well_known};
//! use phalanx_pattern::{ObservationSet, Pattern};
//!
//! let mut matcher: Matcher<u64> = Matcher::default();
//! let pattern = Pattern::parse("[ipv4-addr:value ISSUBSET '198.51.100.0/24']")?;
//! assert_eq!(matcher.insert(1, &pattern)?, Mode::Exact);
//!
//! // A decoder describes one observation as facts: no JSON tree, no allocation.
//! let mut facts = Facts::new();
//! facts.push(well_known::IPV4_VALUE, FactValue::Ipv4(0xc633_6407)); // 198.51.100.7
//! let mut hits = Vec::new();
//! matcher.match_facts(&facts, || Err::<ObservationSet, _>("not needed"), &mut hits);
//! assert_eq!(hits[0].key, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The facts contract
//!
//! Sensor decoders do not build observed-data for every event. They describe
//! an observation as a flat list of [`Facts`], `(path, value)`: one fact per
//! property value of every SCO the observed-data would hold, list elements
//! under `[*]`, values one `_ref`/`_refs` step away under the referencing
//! object's type, `*_hex`/`*_bin` decoded, and nothing for `null`, whole lists
//! and dictionaries, or references themselves. Every object contributes its
//! `type` fact. Paths are interned [`PathId`]s (a [`well_known`] catalogue, or
//! [`PathId::parse`] once); values are typed and borrowed ([`FactValue`]).
//! [`facts_from_observation`] is the reference flattening of STIX JSON. See
//! [`facts`] for the rules.
//!
//! A path must be registered before facts on it are built: indicators
//! register theirs when inserted, and decoders use the catalogue or intern
//! their paths at start-up.
//!
//! # Design
//!
//! Each indicator is analysed once ([`Indicator`], shareable by `Arc`) into a
//! [`Mode`] and *atoms*, each atom a path and what to look for there:
//!
//! - **equality** (`=`, `IN` expanded): hash tables keyed by `(path, key)`,
//!   where the key is the canonical form of the value (`phalanx_stix`'s
//!   canonical rules, the same hook the evaluator uses), addresses as `u32` /
//!   `u128`, numbers by exact value, octets for `_hex`/`_bin` properties
//!   (module `key`). The tables are split 64 ways so that growth rehashes a
//!   sixty-fourth at a time, and each shard has a Bloom filter in front (2
//!   bytes per key) that answers nearly every miss without touching the
//!   table (module `sharded`).
//! - **`ISSUBSET`**: blocks in one exact-match table keyed by `(path, prefix
//!   length, network bits)`, probed once per prefix length in use, so every
//!   containing block is found, nested ones included; **`ISSUPERSET`** in an
//!   ordered map (module `cidr`).
//! - **`LIKE` / `MATCHES`**: the literals every match must contain (the longest
//!   `LIKE` run; a set derived from the regex's syntax tree), filed under a
//!   4-byte gram with a bit filter in front; candidates are confirmed with the
//!   evaluator's own matcher, compiled on demand and cached (module `text`).
//! - **everything else** (`!=`, orderings, `NOT`, `EXISTS`, paths through two
//!   references): per bracket, the most selective *necessary* atom set (`AND`:
//!   any one child's; `OR`: the union of all children's); a bracket without
//!   one goes to the scan list of its object types and is verified for every
//!   observation holding such an object.
//!
//! [`Matcher::match_facts`] looks every fact up in the tables its path uses,
//! gathers candidate indicators, and decides each by its mode:
//!
//! - [`Mode::Exact`]: the hit is the answer. These are indicators decided by
//!   one observation, whose brackets are comparisons or `OR`s of comparisons,
//!   each a positive equality, block or text test on a path that stays on its
//!   root object: a fact satisfies the comparison exactly when the key matches
//!   (or the text matcher confirms), and no pattern is stored.
//! - [`Mode::Verify`]: the exact evaluator of `phalanx-pattern` runs on the
//!   full observation, built by the caller's closure only then, at most once
//!   per call.
//! - [`Mode::Stateful`]: the observation joins the indicator's bounded window
//!   if it satisfies one of its brackets, and the evaluator decides over the
//!   window (module `window`).
//!
//! # Invariants
//!
//! - **Index answers are evaluator answers.** For facts that follow the
//!   contract, the indicators reported for an observation are exactly those
//!   whose pattern the evaluator ([`phalanx_pattern::CompiledPattern`]) matches
//!   on that observation, after any sequence of inserts, replacements and
//!   removals; for stateful indicators, exactly those the evaluator matches
//!   over the window plus the observation (see below). Candidates are a
//!   superset of the matches (every atom set is necessary), and every
//!   candidate is decided exactly. The property tests (`tests/equivalence.rs`)
//!   and the workload ground truth (`tests/ground_truth.rs`) check this.
//! - **Invalid patterns never match**: [`Indicator::new`] refuses them.
//! - **Bounded state**: windows are bounded by time, count and total bytes,
//!   with an eviction counter ([`StateStats`]); nothing else grows with
//!   traffic. The path registry holds at most [`MAX_PATHS`] paths and is never
//!   grown by observation content.
//! - **No panic from input**: malformed STIX, patterns and values are errors
//!   or non-matches; evaluation is bounded by a step budget.
//!
//! # Exact and approximate
//!
//! Everything the index reports is exact with respect to the evaluator. What
//! can be lost lies only in the stateful bounds: a match whose observations
//! span more than the top-level `WITHIN` (else the configured horizon), need
//! more observations than a window holds, arrive after the memory cap evicted
//! their partners, or arrive far out of time order, is missed. A stateful
//! match consumes its window, so one set of observations raises one alert.
//! A window evaluation that exceeds its step budget counts as an error and
//! does not match. Facts built before an indicator registered a new path lack
//! that path.
//!
//! # Updates and concurrency
//!
//! [`Matcher::insert`] (an existing key is replaced: a new version),
//! [`Matcher::remove`] and [`Matcher::expire`] change the index in place;
//! no update rebuilds it. Each detection worker owns a replica; updates are
//! prepared once and published on an [`UpdateFeed`], and each worker applies
//! its [`UpdateQueue`] between batches with a time budget
//! ([`Matcher::apply_updates`]). One update costs microseconds, tables grow a
//! shard at a time, so matching waits at most about the budget (a
//! millisecond) and never takes a lock. The cost is one index per worker;
//! stateful windows are per worker as well, so observations that must
//! correlate should reach the same worker.
//!
//! # Memory
//!
//! [`Matcher::memory_bytes`] and [`Matcher::memory_report`] account for what
//! the index holds. For an exact indicator that is its record (key, mode,
//! where its atom is filed), its key-table slot, and its table entry with the
//! key's bytes: about 150 to 250 bytes on the workload mix at 100k to 1M
//! indicators; verified indicators add their compiled pattern.
//! [`bench::run`] reports these figures beside the resident-set growth.
//!
//! # Measured
//!
//! `cargo run --release -p phalanx-matcher --example bench_patterns` on one
//! core of the 2-core development machine (shared, so read the ratios), EVE
//! workload mix, 1 % hit rate, about 18 facts per observation:
//!
//! | indicators | observations/s (all / flows) | hash-lookup floor | bytes per indicator (accounting / RSS) | 10,000 inserts into the live index |
//! |---|---|---|---|---|
//! | 1,000 | 2.17 M / 5.28 M | 3.04 M | fixed overheads dominate | 16 ms |
//! | 100,000 | 1.76 M / 3.34 M | 2.06 M | 258 | 16 ms |
//! | 1,000,000 | 1.29 M / 3.41 M | 2.38 M | 246 | 12 ms, longest insert 87 µs |
//!
//! (`cargo run --release -- bench patterns --observations 300000`, after the
//! Bloom filters; before them the same run gave 1.43 M / 0.83 M / 0.49 M.)

mod analyze;
pub mod bench;
mod cidr;
mod eq;
pub mod error;
pub mod facts;
mod feed;
mod flatten;
mod key;
mod matcher;
pub mod paths;
mod posting;
mod sharded;
mod text;
mod window;

pub use analyze::{Indicator, Mode};
pub use error::{FlattenError, InsertError, PathError};
pub use facts::{Fact, FactValue, Facts};
pub use feed::{ApplyReport, Update, UpdateFeed, UpdateQueue};
pub use flatten::{OwnedFacts, OwnedValue, facts_from_observation};
pub use matcher::{Hit, IndicatorKey, MatchStats, Matcher, MatcherConfig, MemoryReport};
pub use paths::{MAX_PATHS, PathId, PathInfo, TypeId, well_known};
pub use window::{StateConfig, StateStats};
