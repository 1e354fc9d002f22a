//! `phalanx`: the binary that wires the crates into a node and owns the CLI.

mod admin;
mod bench;
mod cli;
mod config;
mod detect_cmd;
mod live_detect;
mod node;
mod pattern_cmd;
mod retro_hunt;
mod sensor_export;
mod serve;
mod transfer;
mod workload_cmd;

use std::process::ExitCode;

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

use cli::{Cli, Command};

// The node allocates many short-lived JSON values per request; mimalloc is markedly faster than
// the system allocator for that pattern (measured on the ingest path, where malloc/free were a
// quarter of the profile).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(
        &cli.log,
        std::env::var("PHALANX_LOG_FORMAT").as_deref() == Ok("json"),
    );
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(filter: &str, json: bool) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { node, listen } => serve::run(&node, listen).map(|()| ExitCode::SUCCESS),
        Command::Import {
            node,
            collection,
            files,
        } => transfer::import(&node, collection.as_deref(), &files),
        Command::Export {
            node,
            collection,
            types,
            all_versions,
            output,
            format,
            indicators,
            sid_base,
        } => match sensor_export::sensor_format(format) {
            None if indicators.is_some() => {
                anyhow::bail!("--indicators needs a sensor format (--format zeek-intel, …)")
            }
            None => transfer::export(
                &node,
                collection.as_deref(),
                &types,
                all_versions,
                output.as_deref(),
            )
            .map(|()| ExitCode::SUCCESS),
            Some(_) if !types.is_empty() || all_versions => {
                anyhow::bail!("--type and --all-versions are for STIX bundles (--format stix)")
            }
            Some(format) => sensor_export::run(&sensor_export::Request {
                node: &node,
                collection: collection.as_deref(),
                indicators: indicators.as_deref(),
                format,
                output: output.as_deref(),
                sid_base,
            })
            .map(|()| ExitCode::SUCCESS),
        },
        Command::Validate { files } => transfer::validate(&files),
        Command::Check { node } => transfer::check(&node),
        Command::Principal(command) => admin::principal(command).map(|()| ExitCode::SUCCESS),
        Command::Key(command) => admin::key(command).map(|()| ExitCode::SUCCESS),
        Command::Pattern(command) => pattern_cmd::run(command),
        Command::Detect(command) => detect_cmd::run(command),
        Command::Workload(args) => workload_cmd::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Bench(command) => bench::run(command).map(|()| ExitCode::SUCCESS),
    }
}
