//! Throughput of parsing, compiling, reading observations and matching.
//!
//! Run: `CARGO_TARGET_DIR=/work/target-pattern cargo bench -p phalanx-pattern`
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phalanx_pattern::{CompiledPattern, ObservationSet, Pattern};
use serde_json::{Value, json};

const INDICATOR: &str = "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' \
    OR file:hashes.MD5 = '00000000000000000000000000000BB5'] \
    AND [network-traffic:dst_ref.value ISSUBSET '198.51.11.0/24' AND network-traffic:dst_port = 443]";

/// `n` observations one second apart, alternating a file, a connection to
/// an IPv4 address, and a domain name.
fn observations(n: usize) -> Vec<Value> {
    let mut values = Vec::new();
    for i in 0..n {
        let at = jiff::Timestamp::from_second(1_600_000_000 + i as i64)
            .unwrap()
            .to_string();
        let (refs, objects) = match i % 3 {
            0 => (
                vec![format!("file--{i}")],
                vec![
                    json!({"type": "file", "id": format!("file--{i}"), "name": format!("f{i}.exe"),
                            "hashes": {"MD5": format!("{i:032x}")}}),
                ],
            ),
            1 => (
                vec![format!("network-traffic--{i}"), format!("ipv4-addr--{i}")],
                vec![
                    json!({"type": "network-traffic", "id": format!("network-traffic--{i}"),
                           "dst_ref": format!("ipv4-addr--{i}"), "dst_port": 443, "protocols": ["tcp"]}),
                    json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{i}"),
                           "value": format!("198.51.{}.{}", (i / 256) % 256, i % 256)}),
                ],
            ),
            _ => (
                vec![format!("domain-name--{i}")],
                vec![
                    json!({"type": "domain-name", "id": format!("domain-name--{i}"), "value": format!("host{i}.example.com")}),
                ],
            ),
        };
        values.push(
            json!({"type": "observed-data", "id": format!("observed-data--{i}"),
            "first_observed": at, "last_observed": at, "number_observed": 1, "object_refs": refs}),
        );
        values.extend(objects);
    }
    values
}

fn megabyte_pattern() -> String {
    let mut text = String::from("[");
    while text.len() < 1_000_000 {
        text.push_str("file:name = 'abcdefghijklmnop' OR ");
    }
    text.push_str("file:size = 1]");
    text
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("pattern");
    group
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);

    group.bench_function("parse indicator", |b| {
        b.iter(|| Pattern::parse(black_box(INDICATOR)).unwrap())
    });
    let big = megabyte_pattern();
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("parse 1 MB pattern", |b| {
        b.iter(|| Pattern::parse(black_box(&big)).unwrap())
    });
    group.throughput(Throughput::Elements(1));

    let parsed = Pattern::parse(INDICATOR).unwrap();
    group.bench_function("check + compile indicator", |b| {
        b.iter(|| CompiledPattern::new(black_box(&parsed)).unwrap())
    });

    let values = observations(3000);
    group.throughput(Throughput::Elements(3000));
    group.bench_function("read 3000 observed-data", |b| {
        b.iter(|| ObservationSet::from_stix(black_box(&values)).unwrap())
    });

    let set = ObservationSet::from_stix(&values).unwrap();
    let cases = [
        (
            "match equality over 3000",
            "[file:hashes.MD5 = '00000000000000000000000000000BB5']",
        ),
        ("match indicator over 3000", INDICATOR),
        (
            "match FOLLOWEDBY WITHIN over 3000",
            "([file:name LIKE 'f%.exe'] FOLLOWEDBY [domain-name:value MATCHES '^host29[0-9]{2}\\\\.']) WITHIN 3 SECONDS",
        ),
        (
            "no match REPEATS 5 WITHIN 10 s over 3000",
            "[domain-name:value LIKE 'host%'] REPEATS 5 TIMES WITHIN 10 SECONDS",
        ),
    ];
    for (name, text) in cases {
        let compiled = CompiledPattern::new(&Pattern::parse(text).unwrap()).unwrap();
        let expected = compiled.matches(&set).unwrap();
        eprintln!("{name}: {expected}");
        group.bench_function(name, |b| {
            b.iter(|| compiled.matches(black_box(&set)).unwrap())
        });
    }
    group.finish();
}

criterion_group!(pattern, benches);
criterion_main!(pattern);
