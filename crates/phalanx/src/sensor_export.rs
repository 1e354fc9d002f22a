//! `phalanx export --format zeek-intel|suricata-rules|suricata-dataset|csv`: the active
//! indicators, from a file or from the node's store, in a sensor format.

use std::io::{BufWriter, Read as _, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use phalanx_export::{DATASET_RULES_FILE, Export, Format, Options};
use phalanx_store::{Query, VersionSelect};
use serde_json::Value;

use crate::cli::{ExportFormat, NodeArgs};
use crate::config::NodeConfig;
use crate::node::Node;

/// Skipped indicators listed one by one on stderr before the rest is only counted.
const LISTED_SKIPS: usize = 20;

/// What `phalanx export` was asked for, in a sensor format.
#[derive(Debug)]
pub struct Request<'a> {
    /// The node (used when `indicators` is `None`).
    pub node: &'a NodeArgs,
    /// Only this collection of the store (default: every collection).
    pub collection: Option<&'a str>,
    /// Read the indicators from this file (`-`: standard input) instead of the store.
    pub indicators: Option<&'a Path>,
    /// The format.
    pub format: Format,
    /// Output file, or folder for `suricata-dataset`; standard output when `None`.
    pub output: Option<&'a Path>,
    /// The lowest Suricata sid.
    pub sid_base: u32,
}

/// The sensor format `--format` names, or `None` for a STIX bundle.
pub fn sensor_format(format: ExportFormat) -> Option<Format> {
    match format {
        ExportFormat::Stix => None,
        ExportFormat::SuricataDataset => Some(Format::SuricataDataset),
        ExportFormat::SuricataRules => Some(Format::SuricataRules),
        ExportFormat::ZeekIntel => Some(Format::ZeekIntel),
        ExportFormat::Csv => Some(Format::Csv),
    }
}

/// Runs the export and prints the summary on stderr.
pub fn run(request: &Request<'_>) -> Result<()> {
    if request.format == Format::SuricataDataset && request.output.is_none() {
        bail!(
            "--format suricata-dataset writes several files: give --output DIR (the folder for \
             the lists and {DATASET_RULES_FILE})"
        );
    }
    let objects = match request.indicators {
        Some(path) => read_file(path)?,
        None => read_store(request.node, request.collection)?,
    };
    let (mut objects, _older) = phalanx_export::latest_versions(objects);
    // Id order: the same set of indicators gives the same file whatever their source order,
    // and sid collisions are resolved the same way every time.
    objects.sort_by(|a, b| id_of(a).cmp(id_of(b)));
    let options = Options {
        now: jiff::Timestamp::now(),
        sid_base: request.sid_base,
    };
    let report = match request.format {
        Format::SuricataDataset => write_datasets(&objects, &options, request.output)?,
        format => write_single(&objects, format, &options, request.output)?,
    };
    summarise(&report, request.format);
    Ok(())
}

fn id_of(object: &Value) -> &str {
    object.get("id").and_then(Value::as_str).unwrap_or("")
}

fn read_file(path: &Path) -> Result<Vec<Value>> {
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
        bytes
    } else {
        std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    let parsed = phalanx_stix::parse_body(&bytes)
        .with_context(|| format!("{} is not STIX JSON", path.display()))?;
    let mut objects = Vec::with_capacity(parsed.items.len());
    for item in parsed.items {
        match item.result {
            Ok(raw) => match serde_json::from_str::<Value>(raw.get()) {
                Ok(value) => objects.push(value),
                Err(e) => eprintln!("{}: {}: {e}", path.display(), item.position),
            },
            Err(e) => eprintln!("{}: {}: {}", path.display(), item.position, e.message),
        }
    }
    Ok(objects)
}

/// The latest version of every indicator in the store (or in one collection).
fn read_store(args: &NodeArgs, collection: Option<&str>) -> Result<Vec<Value>> {
    let config = NodeConfig::for_command(args)?;
    let db = config.database_path();
    if !db.exists() {
        bail!(
            "no store at {} (give --data or --config of a node, or --indicators FILE)",
            db.display()
        );
    }
    let node = Node::open(&config)?;
    let collections = match collection {
        Some(reference) => vec![node.collection(Some(reference))?.1.id.to_string()],
        None => node.store.collections()?,
    };
    let mut objects = Vec::new();
    for collection in collections {
        let mut query = Query::new(1000);
        query.types = Some(vec!["indicator".to_owned()]);
        query.versions = VersionSelect::last();
        loop {
            let page = node.store.query(&collection, &query)?;
            for item in &page.items {
                if let Some(json) = &item.json {
                    objects.push(
                        serde_json::from_str(json)
                            .with_context(|| format!("stored object {} is not JSON", item.id))?,
                    );
                }
            }
            match (page.more, page.date_added_last()) {
                (true, Some(last)) => query.added_after = Some(last),
                _ => break,
            }
        }
    }
    Ok(objects)
}

/// Writes `path` through a temporary file in the same folder, so a sensor reloading it
/// never sees half a file.
fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(folder)
        .with_context(|| format!("cannot create a file in {}", folder.display()))?;
    {
        let mut out = BufWriter::new(file.as_file_mut());
        write(&mut out)?;
        out.flush()
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    // A temporary file is private (0600); the sensor, often another user, must read it, as
    // it could read a file made by `File::create`.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .with_context(|| format!("cannot set the permissions of {}", path.display()))?;
    }
    file.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn write_single(
    objects: &[Value],
    format: Format,
    options: &Options,
    output: Option<&Path>,
) -> Result<Export> {
    match output {
        Some(path) => {
            let mut report = None;
            write_atomically(path, |out| {
                report = Some(phalanx_export::export(objects, format, options, out)?);
                Ok(())
            })?;
            report.context("the export wrote nothing")
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            Ok(phalanx_export::export(objects, format, options, &mut out)?)
        }
    }
}

fn write_datasets(objects: &[Value], options: &Options, output: Option<&Path>) -> Result<Export> {
    let Some(folder) = output else {
        bail!("--format suricata-dataset needs --output DIR");
    };
    if folder.exists() && !folder.is_dir() {
        bail!(
            "--output {} is not a folder (suricata-dataset writes several files)",
            folder.display()
        );
    }
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let datasets = phalanx_export::write_datasets(objects, options)?;
    for file in &datasets.files {
        write_atomically(&folder.join(&file.file_name), |out| {
            file.write_to(out)?;
            Ok(())
        })?;
    }
    // Lists that are empty this time are removed, so the folder holds exactly what the rules
    // load.
    for name in phalanx_export::dataset_names() {
        let file_name = format!("{name}.lst");
        let path = folder.join(&file_name);
        if !datasets.files.iter().any(|f| f.file_name == file_name) && path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove the stale {}", path.display()))?;
        }
    }
    write_atomically(&folder.join(DATASET_RULES_FILE), |out| {
        out.write_all(datasets.rules.as_bytes())?;
        Ok(())
    })?;
    Ok(datasets.export)
}

fn summarise(report: &Export, format: Format) {
    eprintln!(
        "exported {} indicators ({} values) as {format}; {} not expressible; {} inactive",
        report.written,
        report.values,
        report.skipped.len(),
        report.inactive
    );
    for skipped in report.skipped.iter().take(LISTED_SKIPS) {
        eprintln!("  {}: {}", skipped.indicator_id, skipped.reason);
    }
    if report.skipped.len() > LISTED_SKIPS {
        eprintln!(
            "  … and {} more not expressible",
            report.skipped.len() - LISTED_SKIPS
        );
    }
}
