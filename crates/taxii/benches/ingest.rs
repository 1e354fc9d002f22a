//! Validation cost of one TAXII envelope of 1000 indicators (the server's CPU work per POST
//! besides storage), beside the floor of only parsing the same body.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};

fn envelope() -> Vec<u8> {
    let workload = phalanx_workload::Workload::new(phalanx_workload::Config {
        indicators: 1000,
        events: 0,
        ..phalanx_workload::Config::default()
    })
    .unwrap();
    let objects: Vec<Value> = workload.indicators().map(|i| i.to_value()).collect();
    serde_json::to_vec(&json!({ "objects": objects })).unwrap()
}

fn bench(c: &mut Criterion) {
    let body = envelope();
    let mut group = c.benchmark_group("envelope_1000_indicators");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("floor_parse_only", |b| {
        b.iter(|| serde_json::from_slice::<Value>(&body).unwrap());
    });
    group.bench_function("judge_envelope", |b| {
        b.iter(|| {
            let judged = phalanx_taxii::ingest::judge_envelope(&body).unwrap();
            assert_eq!(judged.accepted.len(), 1000);
            judged
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
