//! The pattern benchmark behind `phalanx bench patterns`.
//!
//! [`run`] measures, for each indicator count in [`BenchConfig::sizes`], on
//! the realistic mix of `phalanx-workload` (EVE telemetry, 1 % of events
//! carrying an indicator value):
//!
//! - **throughput**: observations per second on the calling thread, over
//!   facts prebuilt from the workload's events (the timed loop only matches;
//!   the observation for verification is built lazily, inside the loop, from
//!   the event), beside the **floor**: the same loop looking each fact value up
//!   in plain hash tables holding as many entries as the index has indicators;
//!   also the throughput on flow events alone (addresses and ports only);
//! - **memory**: the index's own accounting ([`Matcher::memory_bytes`]) and the
//!   growth of the process's resident set (`/proc/self/statm`) across building
//!   the index, both per indicator;
//! - **updates**: the time to insert 10,000 prepared indicators into the live
//!   index of that size, the longest single insert, and the time to prepare
//!   them (parse, check, analyse: done once per update, not per replica).
//!
//! Numbers depend on the machine and its load; run on an otherwise idle core.

use std::collections::HashSet;
use std::hash::BuildHasher;
use std::sync::Arc;
use std::time::{Duration, Instant};

use foldhash::fast::RandomState;
use hashbrown::HashTable;
use phalanx_pattern::ObservationSet;
use phalanx_workload::{Body, Config, Event, Workload};
use serde_json::{Value, json};

use crate::analyze::Indicator;
use crate::facts::{FactValue, Facts};
use crate::flatten::{OwnedFacts, facts_from_observation};
use crate::matcher::{Hit, Matcher};

/// What [`run`] measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchConfig {
    /// Indicator counts, e.g. `[1_000, 100_000, 1_000_000]`.
    pub sizes: Vec<usize>,
    /// Observations (workload events) matched per size.
    pub observations: usize,
    /// Workload seed.
    pub seed: u64,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            sizes: vec![1_000, 100_000, 1_000_000],
            observations: 100_000,
            seed: 7,
        }
    }
}

/// Indicators added to the live index in the update measurement.
const ADDED: usize = 10_000;

/// Runs the benchmark and returns its figures as JSON (see the module docs
/// for what each is). Sizes above the workload's limit are clamped; a size
/// that cannot be generated is reported with an `error` field.
pub fn run(config: &BenchConfig) -> Value {
    let results: Vec<Value> = config
        .sizes
        .iter()
        .map(|&size| match measure(size, config) {
            Ok(value) => value,
            Err(error) => json!({"indicators": size, "error": error}),
        })
        .collect();
    let throughput = |size: usize| {
        results
            .iter()
            .find(|r| r["indicators"] == json!(size))
            .and_then(|r| r["observations_per_second"].as_f64())
    };
    let smallest = config.sizes.iter().min().copied().and_then(throughput);
    let largest = config.sizes.iter().max().copied().and_then(throughput);
    json!({
        "benchmark": "patterns",
        "workload": {"format": "eve", "hit_rate": 0.01, "seed": config.seed, "observations": config.observations},
        "results": results,
        "throughput_smallest_over_largest": match (smallest, largest) {
            (Some(s), Some(l)) if l > 0.0 => json!(s / l),
            _ => Value::Null,
        },
    })
}

fn workload(indicators: usize, events: usize, seed: u64) -> Result<Workload, String> {
    let config = Config {
        hit_rate: 0.01,
        ..Config::new(
            u32::try_from(indicators).map_err(|e| e.to_string())?,
            events as u64,
            seed,
        )
    };
    Workload::new(config).map_err(|e| e.to_string())
}

/// The resident set size in bytes, from `/proc/self/statm` (0 elsewhere).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

fn prepare(
    workload: &Workload,
    skip: usize,
    take: usize,
) -> Result<Vec<(u32, Arc<Indicator>)>, String> {
    workload
        .indicators()
        .skip(skip)
        .take(take)
        .map(|i| {
            Indicator::parse(&i.pattern)
                .map(|prepared| (i.index, Arc::new(prepared)))
                .map_err(|e| format!("indicator {}: {e}", i.index))
        })
        .collect()
}

fn measure(size: usize, config: &BenchConfig) -> Result<Value, String> {
    let work = workload(size + ADDED, config.observations, config.seed)?;

    // Observations: prebuilt facts, and the events to build STIX from lazily.
    let mut events: Vec<Event> = Vec::with_capacity(config.observations);
    let mut owned: Vec<OwnedFacts> = Vec::with_capacity(config.observations);
    let mut planted = 0usize;
    // The events are those of the workload with `size + ADDED` indicators;
    // hits on the added ones are counted once they are in.
    for record in work.events() {
        let (od, scos) = work.event_stix(&record.event).map_err(|e| e.to_string())?;
        let mut objects = vec![od];
        objects.extend(scos);
        let mut flat = facts_from_observation(&objects).map_err(|e| e.to_string())?;
        owned.push(
            flat.pop()
                .ok_or("an event without observed-data")?
                .with_typed_addresses(),
        );
        planted += usize::from(record.hits.as_slice().iter().any(|&i| (i as usize) < size));
        events.push(record.event);
    }
    let facts: Vec<Facts<'_>> = owned.iter().map(OwnedFacts::facts).collect();
    let fact_count: usize = facts.iter().map(Facts::len).sum();

    // Build the index, one indicator at a time (prepared, then inserted), as
    // a node loading its store does; the resident-set growth across it is
    // what the index costs, allocator overhead included.
    let rss_before = resident_bytes();
    let mut matcher: Matcher<u32> = Matcher::default();
    let mut prepare_s = 0.0;
    let mut insert_s = 0.0;
    for indicator in work.indicators().take(size) {
        let started = Instant::now();
        let prepared = Indicator::parse(&indicator.pattern)
            .map_err(|e| format!("indicator {}: {e}", indicator.index))?;
        let inserted = Instant::now();
        prepare_s += (inserted - started).as_secs_f64();
        matcher
            .insert_indicator(indicator.index, Arc::new(prepared))
            .map_err(|e| e.to_string())?;
        insert_s += inserted.elapsed().as_secs_f64();
    }
    let rss_after = resident_bytes();
    let report = matcher.memory_report();
    let index_bytes = report.total();
    let [exact, verify, stateful] = matcher.mode_counts();

    // Throughput: whole passes until a second has gone by (at most five).
    let mut hits: Vec<Hit<u32>> = Vec::new();
    let mut passes = 0u32;
    let mut matched = 0usize;
    let mut verified = 0u64;
    let mut total_hits = 0usize;
    let started = Instant::now();
    while passes < 5 && (passes == 0 || started.elapsed() < Duration::from_secs(1)) {
        for (facts, event) in facts.iter().zip(&events) {
            hits.clear();
            let stats = matcher.match_facts(facts, || build(&work, event), &mut hits);
            verified += u64::from(stats.verified);
            matched += usize::from(!hits.is_empty());
            total_hits += hits.len();
        }
        passes += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let observations = facts.len() * passes as usize;
    let per_second = observations as f64 / elapsed;

    // The same loop over flow events only.
    let flows: Vec<usize> = (0..events.len())
        .filter(|&i| matches!(events[i].body, Body::Flow(_)))
        .collect();
    let started = Instant::now();
    for _ in 0..passes {
        for &i in &flows {
            hits.clear();
            matcher.match_facts(&facts[i], || build(&work, &events[i]), &mut hits);
        }
    }
    let flow_per_second = (flows.len() * passes as usize) as f64 / started.elapsed().as_secs_f64();

    // The floor: plain hash lookups of every fact value.
    let floor = Floor::new(size);
    let started = Instant::now();
    let mut found = 0usize;
    for _ in 0..passes {
        for facts in &facts {
            found += floor.lookups(facts);
        }
    }
    let floor_per_second = observations as f64 / started.elapsed().as_secs_f64();

    // Updates: 10,000 more indicators into the live index.
    let started = Instant::now();
    let added = prepare(&work, size, ADDED)?;
    let prepare_added_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut longest = Duration::ZERO;
    let started = Instant::now();
    for (key, indicator) in added {
        let one = Instant::now();
        matcher
            .insert_indicator(key, indicator)
            .map_err(|e| e.to_string())?;
        longest = longest.max(one.elapsed());
    }
    let add_ms = started.elapsed().as_secs_f64() * 1e3;

    Ok(json!({
        "indicators": size,
        "modes": {"exact": exact, "verify": verify, "stateful": stateful},
        "prepare_seconds": prepare_s,
        "insert_seconds": insert_s,
        "index_bytes": index_bytes,
        "index_bytes_per_indicator": index_bytes as f64 / size.max(1) as f64,
        "index_bytes_by_part": {
            "records": report.records,
            "equality": report.equality,
            "blocks": report.blocks,
            "text": report.text,
            "scans": report.scans,
            "kept_patterns": report.kept_patterns,
            "windows": report.windows,
        },
        "rss_delta_bytes": rss_after.saturating_sub(rss_before),
        "rss_bytes_per_indicator": rss_after.saturating_sub(rss_before) as f64 / size.max(1) as f64,
        "observations": observations,
        "facts_per_observation": fact_count as f64 / facts.len().max(1) as f64,
        "observations_with_planted_hits_per_pass": planted,
        "observations_with_hits": matched,
        "hits": total_hits,
        "verified_candidates": verified,
        "observations_per_second": per_second,
        "flow_observations_per_second": flow_per_second,
        "floor_observations_per_second": floor_per_second,
        "floor_found": found,
        "throughput_over_floor": per_second / floor_per_second,
        "add_10k_prepared_ms": add_ms,
        "add_10k_longest_insert_us": longest.as_secs_f64() * 1e6,
        "prepare_10k_ms": prepare_added_ms,
    }))
}

fn build(work: &Workload, event: &Event) -> Result<ObservationSet, String> {
    let (od, scos) = work.event_stix(event).map_err(|e| e.to_string())?;
    let mut objects = vec![od];
    objects.extend(scos);
    ObservationSet::from_stix(&objects).map_err(|e| e.to_string())
}

/// Plain hash tables with `size` entries in all: the cost of one lookup per
/// fact value, without canonical forms, prefixes or text.
struct Floor {
    state: RandomState,
    addresses: HashSet<(u32, u32), RandomState>,
    wide: HashSet<(u32, u128), RandomState>,
    numbers: HashSet<(u32, i128), RandomState>,
    strings: HashTable<(u32, Box<str>)>,
}

impl Floor {
    fn new(size: usize) -> Floor {
        let state = RandomState::default();
        let mut floor = Floor {
            addresses: HashSet::with_hasher(state.clone()),
            wide: HashSet::with_hasher(state.clone()),
            numbers: HashSet::with_hasher(state.clone()),
            strings: HashTable::new(),
            state,
        };
        let path = crate::paths::well_known::DOMAIN_VALUE.index() as u32;
        for i in 0..size {
            let n = i as u32;
            match i % 4 {
                0 | 1 => {
                    floor.addresses.insert((1, n.wrapping_mul(2_654_435_761)));
                }
                _ => {
                    let text: Box<str> = format!("floor-{i}.example").into();
                    let hash = floor.state.hash_one((path, &*text));
                    let state = floor.state.clone();
                    floor
                        .strings
                        .insert_unique(hash, (path, text), |(p, t)| state.hash_one((*p, &**t)));
                }
            }
        }
        floor
    }

    fn lookups(&self, facts: &Facts<'_>) -> usize {
        let mut found = 0;
        for fact in facts.as_slice() {
            let path = fact.path.index() as u32;
            let hit = match fact.value {
                FactValue::Ipv4(a) => self.addresses.contains(&(path, a)),
                FactValue::Ipv6(a) => self.wide.contains(&(path, a)),
                FactValue::Int(i) => self.numbers.contains(&(path, i)),
                FactValue::Str(s) => {
                    let hash = self.state.hash_one((path, s));
                    self.strings
                        .find(hash, |(p, t)| *p == path && **t == *s)
                        .is_some()
                }
                FactValue::Float(_) | FactValue::Bool(_) | FactValue::Bytes(_) => false,
            };
            found += usize::from(hit);
        }
        found
    }
}
