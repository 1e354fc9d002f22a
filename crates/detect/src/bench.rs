//! The detection benchmark behind `phalanx bench detect`.
//!
//! For each indicator count, on generated Suricata EVE lines (the `phalanx-workload` mix,
//! 1 % of events carrying an indicator value), on the calling thread:
//!
//! - **floor**: split the buffer into lines and decode each into the same [`Observation`]
//!   structs the engine uses, with no matching: the cost of reading and parsing;
//! - **detect**: the same lines through [`Engine::process`] — decode, facts, index lookups,
//!   exact verification where needed — with an alert record serialised for every match;
//! - **ratio**: detect over floor throughput (1.0 would mean matching is free);
//! - also `serde_json::Value` parsing of the same lines, a generic-parser reference.
//!
//! Index memory per indicator and the time to load the indicators are reported beside.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use phalanx_decode::{Decoder, Format, Observation};
use phalanx_workload::{Config, TelemetryFormat, Workload};
use serde_json::{Value, json};

use crate::alert::{EventSource, alert};
use crate::engine::Engine;
use crate::indicators::{Offer, read_indicator};

/// What [`run`] measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchConfig {
    /// Indicator counts.
    pub sizes: Vec<usize>,
    /// EVE lines matched per size.
    pub events: usize,
    /// Workload seed.
    pub seed: u64,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            sizes: vec![100_000, 1_000_000],
            events: 1_000_000,
            seed: 7,
        }
    }
}

/// Runs the benchmark; a size that cannot be generated is reported with an `error` field.
pub fn run(config: &BenchConfig) -> Value {
    let results: Vec<Value> = config
        .sizes
        .iter()
        .map(|&size| {
            measure(size, config).unwrap_or_else(|e| json!({"indicators": size, "error": e}))
        })
        .collect();
    json!({
        "benchmark": "detect",
        "workload": {"format": "eve", "hit_rate": 0.01, "events": config.events, "seed": config.seed},
        "threads": 1,
        "results": results,
    })
}

fn lines(buffer: &[u8]) -> impl Iterator<Item = &[u8]> {
    buffer
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
}

fn touch(observation: &Observation<'_>) -> usize {
    observation.domains.len()
        + observation.urls.len()
        + observation.files.len()
        + usize::from(observation.network.is_some())
}

fn measure(size: usize, config: &BenchConfig) -> Result<Value, String> {
    let work = Workload::new(Config {
        hit_rate: 0.01,
        format: TelemetryFormat::Eve,
        ..Config::new(
            u32::try_from(size).map_err(|e| e.to_string())?,
            config.events as u64,
            config.seed,
        )
    })
    .map_err(|e| e.to_string())?;
    let mut buffer = Vec::with_capacity(config.events * 520);
    let mut planted = 0usize;
    for record in work.events() {
        planted += record.hits.len();
        record
            .write_line(TelemetryFormat::Eve, &mut buffer)
            .map_err(|e| e.to_string())?;
    }
    let events = lines(&buffer).count();

    let decoder = Decoder::new(Format::Eve).map_err(|e| e.to_string())?;
    let mut engine = Engine::new(decoder.clone(), Default::default());
    let loading = Instant::now();
    for indicator in work.indicators() {
        if let Offer::Activate(active) =
            read_indicator(&indicator.to_value()).map_err(|e| e.to_string())?
        {
            engine
                .activate(Arc::new(active))
                .map_err(|e| e.to_string())?;
        }
    }
    let load_s = loading.elapsed().as_secs_f64();

    // Floor: read and decode into the same structs, no matching.
    let started = Instant::now();
    let mut sink = 0usize;
    let mut malformed = 0usize;
    for line in lines(&buffer) {
        match decoder.decode(line) {
            Ok(observation) => sink += touch(&observation),
            Err(_) => malformed += 1,
        }
    }
    black_box(sink);
    let floor_s = started.elapsed().as_secs_f64();

    // Generic reference: serde_json::Value of every line.
    let started = Instant::now();
    let mut values = 0usize;
    for line in lines(&buffer) {
        if let Ok(value) = serde_json::from_slice::<Value>(line) {
            values += usize::from(value.is_object());
        }
    }
    black_box(values);
    let value_s = started.elapsed().as_secs_f64();

    // Detection, with an alert serialised per match.
    let source = EventSource {
        name: "bench".into(),
        ..EventSource::default()
    };
    let mut out: Vec<u8> = Vec::with_capacity(1 << 20);
    let mut alerts = 0usize;
    let started = Instant::now();
    for line in lines(&buffer) {
        let _ = engine.process(line, |observation, indicator, matched| {
            let record = alert(indicator, matched, observation, line, &source, 0, false);
            out.clear();
            if serde_json::to_writer(&mut out, &record).is_ok() {
                alerts += 1;
            }
        });
    }
    let detect_s = started.elapsed().as_secs_f64();
    black_box(&out);

    let per_s = |s: f64| if s > 0.0 { events as f64 / s } else { 0.0 };
    Ok(json!({
        "indicators": size,
        "events": events,
        "malformed": malformed,
        "planted_matches": planted,
        "alerts": alerts,
        "events_per_second": per_s(detect_s),
        "floor_decode_events_per_second": per_s(floor_s),
        "ratio_to_floor": if detect_s > 0.0 { floor_s / detect_s } else { 0.0 },
        "serde_json_value_lines_per_second": per_s(value_s),
        "candidates": engine.stats().candidates,
        "verified": engine.stats().verified,
        "index_bytes_per_indicator": engine.index_bytes() as f64 / size.max(1) as f64,
        "load_indicators_seconds": load_s,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_run_reports_every_figure_and_finds_the_planted_matches() {
        let report = run(&BenchConfig {
            sizes: vec![500],
            events: 5_000,
            seed: 3,
        });
        let r = &report["results"][0];
        assert_eq!(r["events"], 5_000, "{report}");
        assert_eq!(r["malformed"], 0);
        assert_eq!(r["alerts"], r["planted_matches"]);
        assert!(r["events_per_second"].as_f64().unwrap_or(0.0) > 0.0);
        assert!(r["ratio_to_floor"].as_f64().unwrap_or(0.0) > 0.0);
    }
}
