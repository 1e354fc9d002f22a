//! Prints the figures of `phalanx_matcher::bench::run` as JSON.
//!
//! `cargo run --release -p phalanx-matcher --example bench_patterns -- [SIZES] [OBSERVATIONS]`
//! with SIZES a comma-separated list (default `1000,100000,1000000`).

fn main() {
    let mut args = std::env::args().skip(1);
    let mut config = phalanx_matcher::bench::BenchConfig::default();
    if let Some(sizes) = args.next() {
        config.sizes = sizes
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect();
    }
    if let Some(observations) = args.next().and_then(|s| s.parse().ok()) {
        config.observations = observations;
    }
    let result = phalanx_matcher::bench::run(&config);
    println!(
        "{}",
        serde_json::to_string_pretty(&result).unwrap_or_default()
    );
}
