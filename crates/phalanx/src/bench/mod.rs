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
        BenchCommand::Patterns { .. } => {
            anyhow::bail!(
                "the pattern benchmark is not built yet (it needs the multi-pattern index of issue #3)"
            )
        }
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
