//! Generation throughput: indicators and telemetry lines, serialised to JSON in memory.
//!
//! `cargo bench -p phalanx-workload --bench generate`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phalanx_workload::{Config, TelemetryFormat, Workload};

const N: u64 = 20_000;

fn indicators(c: &mut Criterion) {
    let workload = Workload::new(Config::new(N as u32, 0, 7)).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("indicators");
    group.throughput(Throughput::Elements(N));
    group.bench_function("generate only", |b| {
        b.iter(|| {
            workload
                .indicators()
                .map(|i| i.pattern.len())
                .sum::<usize>()
        });
    });
    group.bench_function("generate+serialise serde_json", |b| {
        let mut out = Vec::with_capacity(16 << 20);
        b.iter(|| {
            out.clear();
            for indicator in workload.indicators() {
                serde_json::to_writer(&mut out, &indicator).unwrap_or_else(|e| panic!("{e}"));
                out.push(b'\n');
            }
            black_box(out.len())
        });
    });
    // The path `write_to_dir` takes.
    group.bench_function("generate+serialise sonic-rs", |b| {
        let mut out = Vec::with_capacity(16 << 20);
        b.iter(|| {
            out.clear();
            for indicator in workload.indicators() {
                sonic_rs::to_writer(&mut out, &indicator).unwrap_or_else(|e| panic!("{e}"));
                out.push(b'\n');
            }
            black_box(out.len())
        });
    });
    group.finish();
}

fn events(c: &mut Criterion) {
    let mut group = c.benchmark_group("events");
    group.throughput(Throughput::Elements(N));
    for format in [TelemetryFormat::Eve, TelemetryFormat::Zeek] {
        let workload = Workload::new(Config {
            format,
            hit_rate: 0.01,
            ..Config::new(10_000, N, 7)
        })
        .unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(format!("{format} generate+serialise"), |b| {
            let mut out = Vec::with_capacity(16 << 20);
            b.iter(|| {
                out.clear();
                for record in workload.events() {
                    record
                        .write_line(format, &mut out)
                        .unwrap_or_else(|e| panic!("{e}"));
                }
                black_box(out.len())
            });
        });
    }
    group.finish();
}

fn spec(c: &mut Criterion) {
    let mut group = c.benchmark_group("spec");
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("build 100k", |b| {
        b.iter(|| Workload::new(Config::new(100_000, 0, 7)).map(|w| w.spec().len()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = indicators, events, spec
}
criterion_main!(benches);
