//! Criterion benchmarks of the index: matching workload observations at 1k
//! and 100k indicators (and 1M with `PHALANX_BENCH_1M=1`), and inserting
//! prepared indicators. `bench::run` (what `phalanx bench patterns` prints)
//! measures the full set of figures, including the hash-lookup floor.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use phalanx_matcher::{Facts, Indicator, Matcher, OwnedFacts, facts_from_observation};
use phalanx_pattern::ObservationSet;
use phalanx_workload::{Config, Workload};

const OBSERVATIONS: usize = 10_000;

fn setup(
    size: u32,
) -> (
    Workload,
    Matcher<u32>,
    Vec<OwnedFacts>,
    Vec<phalanx_workload::Event>,
) {
    let work = Workload::new(Config {
        hit_rate: 0.01,
        ..Config::new(size, OBSERVATIONS as u64, 7)
    })
    .unwrap();
    let mut matcher = Matcher::default();
    for indicator in work.indicators() {
        let prepared = Arc::new(Indicator::parse(&indicator.pattern).unwrap());
        matcher.insert_indicator(indicator.index, prepared).unwrap();
    }
    let mut owned = Vec::new();
    let mut events = Vec::new();
    for record in work.events() {
        let (od, scos) = work.event_stix(&record.event).unwrap();
        let mut objects = vec![od];
        objects.extend(scos);
        owned.push(
            facts_from_observation(&objects)
                .unwrap()
                .remove(0)
                .with_typed_addresses(),
        );
        events.push(record.event);
    }
    (work, matcher, owned, events)
}

fn matching(c: &mut Criterion) {
    let mut sizes = vec![1_000u32, 100_000];
    if std::env::var("PHALANX_BENCH_1M").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    let mut group = c.benchmark_group("match_observations");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Elements(OBSERVATIONS as u64));
    for size in sizes {
        let (work, mut matcher, owned, events) = setup(size);
        let facts: Vec<Facts<'_>> = owned.iter().map(OwnedFacts::facts).collect();
        let mut hits = Vec::new();
        group.bench_function(format!("{size}_indicators"), |b| {
            b.iter(|| {
                for (facts, event) in facts.iter().zip(&events) {
                    hits.clear();
                    matcher.match_facts(
                        facts,
                        || {
                            let (od, scos) = work.event_stix(event).map_err(|e| e.to_string())?;
                            let mut objects = vec![od];
                            objects.extend(scos);
                            ObservationSet::from_stix(&objects).map_err(|e| e.to_string())
                        },
                        &mut hits,
                    );
                    black_box(&hits);
                }
            })
        });
    }
    group.finish();
}

fn inserting(c: &mut Criterion) {
    let work = Workload::new(Config::new(101_000, 0, 9)).unwrap();
    let base: Vec<(u32, Arc<Indicator>)> = work
        .indicators()
        .take(100_000)
        .map(|i| (i.index, Arc::new(Indicator::parse(&i.pattern).unwrap())))
        .collect();
    let added: Vec<(u32, Arc<Indicator>)> = work
        .indicators()
        .skip(100_000)
        .map(|i| (i.index, Arc::new(Indicator::parse(&i.pattern).unwrap())))
        .collect();
    let mut matcher = Matcher::default();
    for (key, indicator) in &base {
        matcher
            .insert_indicator(*key, Arc::clone(indicator))
            .unwrap();
    }
    let mut group = c.benchmark_group("insert");
    group.sample_size(10);
    group.throughput(Throughput::Elements(added.len() as u64));
    group.bench_function("1000_into_100k", |b| {
        b.iter_batched(
            || matcher.clone(),
            |mut live| {
                for (key, indicator) in &added {
                    live.insert_indicator(*key, Arc::clone(indicator)).unwrap();
                }
                live
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, matching, inserting);
criterion_main!(benches);
