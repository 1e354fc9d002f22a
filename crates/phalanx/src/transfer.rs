//! `phalanx import`, `phalanx export` and `phalanx validate`.

use std::io::{BufWriter, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use phalanx_stix::input::{Item, ParsedBody, Position};
use phalanx_store::{Query, VersionSelect};
use phalanx_taxii::ingest::{self, Accepted};
use phalanx_taxii::storage::{self, Stored};
use serde_json::Value;

use crate::cli::NodeArgs;
use crate::config::NodeConfig;
use crate::node::Node;

/// Objects stored per transaction by `import` (the same order of size as a TAXII envelope).
const IMPORT_BATCH: usize = 1000;

fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        return Ok(bytes);
    }
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

fn progress(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let style =
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} objects ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(what.to_owned());
    bar
}

fn open_node(args: &NodeArgs) -> Result<Node> {
    let config = NodeConfig::for_command(args)?;
    Node::open(&config)
}

#[derive(Default)]
struct Tally {
    added: u64,
    duplicates: u64,
    refused: u64,
}

/// `phalanx import`: validates like the TAXII API and stores in batches.
pub fn import(args: &NodeArgs, collection: Option<&str>, files: &[PathBuf]) -> Result<ExitCode> {
    let node = open_node(args)?;
    let (root, target) = node.collection(collection)?;
    let collection_id = target.id.to_string();
    let label = format!(
        "{}/{}",
        root.name,
        target.alias.as_deref().unwrap_or(&collection_id)
    );
    let mut tally = Tally::default();
    let mut unreadable = 0;
    for file in files {
        let name = file.display().to_string();
        let parsed = match read_input(file)
            .and_then(|b| phalanx_stix::parse_body(&b).map_err(anyhow::Error::from))
        {
            Ok(parsed) => parsed,
            Err(e) => {
                eprintln!("{name}: {e:#}");
                unreadable += 1;
                continue;
            }
        };
        import_body(&node, &collection_id, &name, parsed, &mut tally)?;
    }
    eprintln!(
        "imported into {label}: {} added, {} already present, {} refused{}",
        tally.added,
        tally.duplicates,
        tally.refused,
        if unreadable > 0 {
            format!(", {unreadable} file(s) unreadable")
        } else {
            String::new()
        }
    );
    Ok(if tally.refused == 0 && unreadable == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn import_body(
    node: &Node,
    collection: &str,
    name: &str,
    parsed: ParsedBody,
    tally: &mut Tally,
) -> Result<()> {
    let bar = progress(parsed.items.len() as u64, name);
    let mut positions: Vec<Position> = Vec::new();
    let mut batch: Vec<Accepted> = Vec::with_capacity(IMPORT_BATCH);
    let report = |bar: &ProgressBar, position: Position, id: &str, message: &str| {
        bar.suspend(|| eprintln!("{name}: {position}: {id}: {message}"));
    };
    for Item { position, result } in parsed.items {
        bar.inc(1);
        let raw = match result {
            Ok(raw) => raw,
            Err(e) => {
                tally.refused += 1;
                report(&bar, position, "-", &e.message);
                continue;
            }
        };
        let value: Value = match serde_json::from_str(raw.get()) {
            Ok(value) => value,
            Err(e) => {
                tally.refused += 1;
                report(&bar, position, "-", &e.to_string());
                continue;
            }
        };
        match ingest::judge_object(positions.len(), value) {
            Ok(accepted) => {
                positions.push(position);
                batch.push(accepted);
            }
            Err(refused) => {
                tally.refused += 1;
                report(&bar, position, &refused.id, &refused.message);
            }
        }
        if batch.len() == IMPORT_BATCH {
            flush(
                node,
                collection,
                &mut batch,
                &positions,
                tally,
                &|p, id, m| report(&bar, p, id, m),
            )?;
            positions.clear();
        }
    }
    flush(
        node,
        collection,
        &mut batch,
        &positions,
        tally,
        &|p, id, m| report(&bar, p, id, m),
    )?;
    bar.finish_and_clear();
    Ok(())
}

fn flush(
    node: &Node,
    collection: &str,
    batch: &mut Vec<Accepted>,
    positions: &[Position],
    tally: &mut Tally,
    report: &dyn Fn(Position, &str, &str),
) -> Result<()> {
    let outcomes = storage::insert(node.store.as_ref(), collection, batch)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (accepted, outcome) in batch.iter().zip(outcomes) {
        match outcome {
            Stored::Added { .. } => tally.added += 1,
            Stored::Duplicate { .. } => tally.duplicates += 1,
            Stored::Conflict { message, .. } => {
                tally.refused += 1;
                report(positions[accepted.index], &accepted.id, &message);
            }
        }
    }
    batch.clear();
    Ok(())
}

/// `phalanx export`: writes a bundle of the selected objects.
pub fn export(
    args: &NodeArgs,
    collection: Option<&str>,
    types: &[String],
    all_versions: bool,
    output: Option<&Path>,
) -> Result<()> {
    let node = open_node(args)?;
    let (_, source) = node.collection(collection)?;
    let collection_id = source.id.to_string();
    let sink: Box<dyn Write> = match output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut out = BufWriter::new(sink);
    let mut query = Query::new(1000);
    query.types = (!types.is_empty()).then(|| types.to_vec());
    query.versions = if all_versions {
        VersionSelect::All
    } else {
        VersionSelect::last()
    };
    let total = node.store.count(&collection_id)?;
    let bar = progress(total, "export");
    write!(
        out,
        "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[",
        uuid::Uuid::new_v4()
    )?;
    let mut first = true;
    loop {
        let page = node.store.query(&collection_id, &query)?;
        for item in &page.items {
            if let Some(json) = &item.json {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                out.write_all(json.as_bytes())?;
                first = false;
            }
        }
        bar.inc(page.items.len() as u64);
        match (page.more, page.date_added_last()) {
            (true, Some(last)) => query.added_after = Some(last),
            _ => break,
        }
    }
    out.write_all(b"\n]}\n")?;
    out.flush()?;
    bar.finish_and_clear();
    Ok(())
}

/// `phalanx validate`: every problem of every object; exit 1 if any object is invalid.
pub fn validate(files: &[PathBuf]) -> Result<ExitCode> {
    let (mut objects, mut invalid, mut warnings) = (0u64, 0u64, 0u64);
    for file in files {
        let name = file.display().to_string();
        let parsed = match read_input(file)
            .and_then(|b| phalanx_stix::parse_body(&b).map_err(anyhow::Error::from))
        {
            Ok(parsed) => parsed,
            Err(e) => {
                println!("{name}: error: {e:#}");
                invalid += 1;
                continue;
            }
        };
        for Item { position, result } in parsed.items {
            objects += 1;
            let value: Value = match result
                .map_err(|e| e.message)
                .and_then(|raw| serde_json::from_str(raw.get()).map_err(|e| e.to_string()))
            {
                Ok(value) => value,
                Err(message) => {
                    println!("{name}: {position}: error: {message}");
                    invalid += 1;
                    continue;
                }
            };
            let id = value
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("-")
                .to_owned();
            let report = ingest::report_object(&value);
            for problem in &report.warnings {
                warnings += 1;
                println!("{name}: {position}: {id}: warning: {problem}");
            }
            for problem in &report.errors {
                println!("{name}: {position}: {id}: error: {problem}");
            }
            if !report.errors.is_empty() {
                invalid += 1;
            }
        }
    }
    eprintln!("{objects} object(s) checked: {invalid} invalid, {warnings} warning(s)");
    Ok(if invalid == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `phalanx check`: integrity of the store, and what each collection holds.
pub fn check(args: &NodeArgs) -> Result<ExitCode> {
    let node = open_node(args)?;
    if let Err(e) = node.store.integrity_check() {
        println!("store {}: DAMAGED: {e}", node.data_dir.display());
        return Ok(ExitCode::FAILURE);
    }
    println!("store {}: ok", node.data_dir.display());
    for (root, collection) in node.taxii.collections() {
        let count = node.store.count(&collection.id.to_string())?;
        println!(
            "{}/{} ({}): {count} object versions",
            root.name,
            collection.alias.as_deref().unwrap_or("-"),
            collection.id
        );
    }
    Ok(ExitCode::SUCCESS)
}
