//! `cargo run --release -p phalanx-detect --example bench_detect [SIZES] [EVENTS]`: the
//! detection benchmark without the CLI (the same as `phalanx bench detect`).

fn main() {
    let mut args = std::env::args().skip(1);
    let sizes = args
        .next()
        .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    let events = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let report = phalanx_detect::bench::run(&phalanx_detect::bench::BenchConfig {
        sizes,
        events,
        seed: 7,
    });
    println!("{report:#}");
}
