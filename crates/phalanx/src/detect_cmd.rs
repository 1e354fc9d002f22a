//! `phalanx detect run`: one-shot matching of a telemetry file against a bundle of indicators.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use phalanx_decode::{Decoder, Format, Mapping};
use phalanx_detect::{Engine, EventSource, Offer, Sightings, alert, objects_of, read_indicator};

use crate::cli::{DetectCommand, DetectRunArgs};
use crate::live_detect::now_nanos;

/// Malformed records whose reason is printed in the summary.
const SAMPLES: usize = 10;

/// Runs a `detect` subcommand.
pub fn run(command: DetectCommand) -> Result<ExitCode> {
    match command {
        DetectCommand::Run(args) => run_file(&args),
    }
}

fn open_input(path: &Path) -> Result<(Box<dyn Read>, Option<u64>)> {
    if path == Path::new("-") {
        return Ok((Box::new(std::io::stdin().lock()), None));
    }
    let file =
        File::open(path).with_context(|| format!("cannot open the input {}", path.display()))?;
    let len = file.metadata().ok().map(|m| m.len());
    Ok((Box::new(file), len))
}

fn open_output(path: &Path) -> Result<Box<dyn Write>> {
    if path == Path::new("-") {
        return Ok(Box::new(std::io::stdout().lock()));
    }
    let file = File::create(path)
        .with_context(|| format!("cannot create the output {}", path.display()))?;
    Ok(Box::new(file))
}

fn decoder(args: &DetectRunArgs) -> Result<Decoder> {
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let decoder = match (&args.mapping, format) {
        (Some(path), Format::Json) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the mapping {}", path.display()))?;
            let mapping: Mapping = toml::from_str(&text)
                .with_context(|| format!("{} is not a valid field mapping", path.display()))?;
            Decoder::with_mapping(mapping)?
        }
        (Some(_), _) => bail!("--mapping applies to --format json only"),
        (None, format) => Decoder::new(format)?,
    };
    Ok(decoder)
}

/// Loads the indicators; returns the engine and how many were refused (each reported).
fn load(args: &DetectRunArgs, decoder: Decoder) -> Result<(Engine, usize)> {
    let text = std::fs::read(&args.indicators)
        .with_context(|| format!("cannot read the indicators {}", args.indicators.display()))?;
    let document: serde_json::Value = serde_json::from_slice(&text).with_context(|| {
        format!(
            "{} is not JSON (expected a STIX bundle, a JSON array of objects, or one object)",
            args.indicators.display()
        )
    })?;
    let mut engine = Engine::new(decoder, Default::default());
    let mut refused = 0usize;
    for object in objects_of(document) {
        match read_indicator(&object) {
            Ok(Offer::Activate(active)) => {
                let id = active.id.clone();
                if let Err(error) = engine.activate(Arc::new(active)) {
                    refused += 1;
                    eprintln!("skipped indicator {id}: {error}");
                }
            }
            Ok(Offer::Revoke(id)) => {
                engine.deactivate(&id);
            }
            Ok(Offer::Ignore) => {}
            Err(error) => {
                refused += 1;
                eprintln!("skipped indicator: {error}");
            }
        }
    }
    if engine.is_empty() {
        bail!(
            "{} holds no indicator that can be matched (STIX `indicator` objects with pattern_type \"stix\")",
            args.indicators.display()
        );
    }
    Ok((engine, refused))
}

fn progress(len: Option<u64>) -> ProgressBar {
    let bar = match len {
        Some(len) => ProgressBar::new(len),
        None => ProgressBar::new_spinner(),
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {bytes}/{total_bytes} {bytes_per_sec} {wide_bar} {eta} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn run_file(args: &DetectRunArgs) -> Result<ExitCode> {
    let decoder = decoder(args)?;
    let (mut engine, refused) = load(args, decoder)?;
    let (input, len) = open_input(&args.input)?;
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let mut out = BufWriter::with_capacity(1 << 16, open_output(&args.output)?);
    let identity = identity(args.identity.as_deref())?;
    let mut sightings = Sightings::new(&identity, args.bucket_seconds);
    let file_name = if args.input == Path::new("-") {
        "-".to_string()
    } else {
        args.input.display().to_string()
    };
    let mut source = EventSource {
        name: args
            .source_name
            .clone()
            .unwrap_or_else(|| file_name.clone()),
        file: Some(file_name),
        ..EventSource::default()
    };
    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        progress(len)
    };

    let started = Instant::now();
    let mut line = Vec::with_capacity(4096);
    let mut number = 0u64;
    let mut bytes = 0u64;
    let mut samples: Vec<String> = Vec::new();
    let mut write_error: Option<std::io::Error> = None;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .with_context(|| format!("cannot read {} after line {number}", args.input.display()))?;
        if read == 0 {
            break;
        }
        number += 1;
        bytes += read as u64;
        if number.is_multiple_of(4096) {
            bar.set_position(bytes);
        }
        let record = trim(&line);
        if record.is_empty() {
            continue;
        }
        source.line = Some(number);
        let now = now_nanos();
        let result = engine.process(record, |observation, indicator, matched| {
            sightings.record(&indicator.id, observation.time, now, false);
            let alert = alert(indicator, matched, observation, record, &source, now, false);
            if write_error.is_none()
                && let Err(error) = serde_json::to_writer(&mut out, &alert)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"))
            {
                write_error = Some(error);
            }
        });
        if let Some(error) = write_error.take() {
            return Err(error)
                .with_context(|| format!("cannot write to {}", args.output.display()));
        }
        if let Err(error) = result
            && samples.len() < SAMPLES
        {
            samples.push(format!("line {number}: {error}"));
        }
    }
    out.flush()
        .with_context(|| format!("cannot write to {}", args.output.display()))?;
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();

    if let Some(path) = &args.sightings {
        write_sightings(path, sightings.drain(now_nanos()))?;
    }

    let stats = engine.stats();
    let rate = if elapsed > 0.0 {
        stats.records as f64 / elapsed
    } else {
        0.0
    };
    eprintln!(
        "{} events, {} decoded, {} malformed, {} matches in {} events; {:.0} events/s ({:.2} s); {} indicators active, {} refused",
        stats.records,
        stats.decoded,
        stats.malformed,
        stats.matches,
        stats.matched_events,
        rate,
        elapsed,
        engine.len(),
        refused,
    );
    if stats.undecided > 0 {
        eprintln!(
            "{} candidate matches could not be decided by the evaluator (step budget) and were not reported",
            stats.undecided
        );
    }
    for sample in &samples {
        eprintln!("malformed: {sample}");
    }
    if stats.malformed as usize > samples.len() {
        eprintln!(
            "malformed: … and {} more",
            stats.malformed as usize - samples.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The sighting node's identity: the one given (checked), or a UUIDv5 of the host name.
pub(crate) fn identity(given: Option<&str>) -> Result<String> {
    if let Some(id) = given {
        let valid = id
            .strip_prefix("identity--")
            .is_some_and(|uuid| uuid::Uuid::parse_str(uuid).is_ok());
        if !valid {
            bail!("--identity {id:?} is not a STIX identity id (identity--<uuid>)");
        }
        return Ok(id.to_string());
    }
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    let uuid = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_DNS, host.as_bytes());
    Ok(format!("identity--{uuid}"))
}

/// Writes the sightings as a STIX bundle.
fn write_sightings(path: &Path, objects: Vec<serde_json::Value>) -> Result<()> {
    let bundle = serde_json::json!({
        "type": "bundle",
        "id": format!("bundle--{}", uuid::Uuid::new_v4()),
        "objects": objects,
    });
    let mut out = BufWriter::new(open_output(path)?);
    serde_json::to_writer_pretty(&mut out, &bundle)?;
    out.write_all(b"\n")?;
    out.flush()
        .with_context(|| format!("cannot write the sightings to {}", path.display()))?;
    Ok(())
}

/// The record without its line terminator and surrounding blanks.
fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &line[start..end]
}
