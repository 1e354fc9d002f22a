//! Writes a workload to a directory and optionally re-checks it:
//! `write_workload DIR [INDICATORS EVENTS SEED FORMAT OBSERVED [verify]]`.
//!
//! A small stand-in for `phalanx workload`, handy when working on this crate alone.

use std::path::PathBuf;

use phalanx_workload::{Config, WorkloadError, write_to_dir};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        return Err(
            "usage: write_workload DIR [INDICATORS EVENTS SEED FORMAT OBSERVED [verify]]".into(),
        );
    };
    let num = |k: usize, default: u64| -> Result<u64, Box<dyn std::error::Error>> {
        Ok(match args.get(k) {
            Some(s) => s.parse()?,
            None => default,
        })
    };
    let config = Config {
        indicators: u32::try_from(num(1, 10_000)?)?,
        events: num(2, 100_000)?,
        seed: num(3, 7)?,
        format: match args.get(4) {
            Some(f) => f.parse::<phalanx_workload::TelemetryFormat>()?,
            None => Default::default(),
        },
        observed_limit: match args.get(5).map(String::as_str) {
            None | Some("-") => None,
            Some(k) => Some(k.parse()?),
        },
        hit_rate: 0.1,
        ..Config::default()
    };
    let started = std::time::Instant::now();
    let summary = write_to_dir(&config, &dir)?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{} indicators, {} events, {} hit events, {} multi-hit, {} matches in {seconds:.2}s",
        summary.indicators,
        summary.events,
        summary.hit_events,
        summary.multi_hit_events,
        summary.matches
    );
    if args.get(6).is_some_and(|a| a == "verify") {
        let started = std::time::Instant::now();
        let hits = phalanx_workload::verify_dir(&config, &dir).map_err(|e: WorkloadError| e)?;
        let seconds = started.elapsed().as_secs_f64();
        println!("verified {hits} hit events by value lookup in {seconds:.2}s");
    }
    Ok(())
}
