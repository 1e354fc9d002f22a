//! `phalanx workload`: writes a deterministic workload with its ground truth.

use anyhow::{Result, bail};

use crate::cli::{TelemetryFormat, WorkloadArgs};

/// Writes indicators.json, the telemetry, observed.json (first 1000 events) and expected.json.
pub fn run(args: &WorkloadArgs) -> Result<()> {
    if !(0.0..=1.0).contains(&args.hit_rate) {
        bail!("--hit-rate must be between 0 and 1, not {}", args.hit_rate);
    }
    let config = phalanx_workload::Config {
        seed: args.seed,
        indicators: u32::try_from(args.indicators)
            .map_err(|_| anyhow::anyhow!("--indicators {} is too large", args.indicators))?,
        events: args.events as u64,
        hit_rate: args.hit_rate,
        format: match args.format {
            TelemetryFormat::Eve => phalanx_workload::TelemetryFormat::Eve,
            TelemetryFormat::Zeek => phalanx_workload::TelemetryFormat::Zeek,
        },
        observed_limit: Some(1000.min(args.events as u64)),
        ..phalanx_workload::Config::default()
    };
    let started = std::time::Instant::now();
    let summary = phalanx_workload::write_to_dir(&config, &args.out)?;
    eprintln!(
        "wrote {} indicators and {} events ({} hit events, {} matches) to {} in {:.1}s",
        summary.indicators,
        summary.events,
        summary.hit_events,
        summary.matches,
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
