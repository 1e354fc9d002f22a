//! `phalanx bench …`: benchmarks that print JSON, every figure beside a floor measured in the
//! same run, so ratios stay meaningful on a noisy machine.

mod taxii;

use anyhow::Result;

use crate::cli::BenchCommand;

/// Runs a benchmark and prints its JSON report on stdout.
pub fn run(command: BenchCommand) -> Result<()> {
    let report = match command {
        BenchCommand::Taxii {
            sizes,
            envelope,
            queries,
            data,
        } => taxii::run(&sizes, envelope, queries, data.as_deref())?,
        BenchCommand::Patterns {
            sizes,
            observations,
            seed,
        } => {
            if sizes.is_empty() || sizes.contains(&0) {
                anyhow::bail!(
                    "--sizes needs one or more indicator counts above zero, e.g. --sizes 1000,100000"
                );
            }
            if observations == 0 {
                anyhow::bail!("--observations must be above zero");
            }
            phalanx_matcher::bench::run(&phalanx_matcher::bench::BenchConfig {
                sizes,
                observations,
                seed,
            })
        }
        BenchCommand::Detect {
            sizes,
            events,
            seed,
        } => {
            if sizes.is_empty() || sizes.contains(&0) || events == 0 {
                anyhow::bail!(
                    "--sizes and --events need counts above zero, e.g. --sizes 100000 --events 100000"
                );
            }
            phalanx_detect::bench::run(&phalanx_detect::bench::BenchConfig {
                sizes,
                events,
                seed,
            })
        }
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
