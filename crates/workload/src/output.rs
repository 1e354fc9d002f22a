//! Writing a workload to a directory, and checking a written one.
//!
//! | file | content |
//! |---|---|
//! | `indicators.json` | STIX bundle of all indicators, one object per line |
//! | `events.jsonl` | one EVE or Zeek JSON record per line |
//! | `expected.json` | `format`, `params`, `note`, `matches` {event line → sorted indicator ids}, `counts` |
//! | `observed.json` | (only with an observed limit K) STIX bundle of the first K events as observed-data and SCOs, one object per line |
//!
//! Everything is streamed: memory stays flat whatever the sizes, apart from the set of SCO
//! ids already written to `observed.json`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::config::{Config, DnsLayout};
use crate::error::WorkloadError;
use crate::kind::IndicatorKind;
use crate::recheck::recheck;
use crate::workload::Workload;

/// Name of the indicator bundle file.
pub const INDICATORS_FILE: &str = "indicators.json";
/// Name of the telemetry file.
pub const EVENTS_FILE: &str = "events.jsonl";
/// Name of the ground-truth file.
pub const EXPECTED_FILE: &str = "expected.json";
/// Name of the observed-data bundle file.
pub const OBSERVED_FILE: &str = "observed.json";

/// What [`write_to_dir`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Indicators written.
    pub indicators: u32,
    /// Events written.
    pub events: u64,
    /// Events that match at least one indicator.
    pub hit_events: u64,
    /// Events that match two indicators.
    pub multi_hit_events: u64,
    /// (event, indicator) matches in all.
    pub matches: u64,
    /// Events converted to observed-data (0 without `observed.json`).
    pub observed_events: u64,
    /// Indicators per kind.
    pub kinds: BTreeMap<IndicatorKind, u32>,
    /// The files written, in the order above.
    pub files: Vec<PathBuf>,
}

/// Writes a bundle one object per line: easy to diff, and a reader can stream it.
struct BundleWriter<W: Write> {
    out: W,
    path: PathBuf,
    first: bool,
    buf: Vec<u8>,
}

impl<W: Write> BundleWriter<W> {
    fn start(mut out: W, path: PathBuf, id: &str) -> Result<Self, WorkloadError> {
        write!(out, "{{\"type\":\"bundle\",\"id\":\"{id}\",\"objects\":[")
            .map_err(|e| WorkloadError::io(&path, e))?;
        Ok(BundleWriter {
            out,
            path,
            first: true,
            buf: Vec::with_capacity(4096),
        })
    }

    fn object(&mut self, obj: &impl serde::Serialize) -> Result<(), WorkloadError> {
        self.buf.clear();
        self.buf
            .extend_from_slice(if self.first { b"\n" } else { b",\n" });
        self.first = false;
        sonic_rs::to_writer(&mut self.buf, obj).map_err(|e| WorkloadError::Serialize {
            what: "STIX object",
            source: serde::ser::Error::custom(e),
        })?;
        self.out
            .write_all(&self.buf)
            .map_err(|e| WorkloadError::io(&self.path, e))
    }

    fn finish(mut self) -> Result<(), WorkloadError> {
        self.out
            .write_all(b"\n]}\n")
            .and_then(|()| self.out.flush())
            .map_err(|e| WorkloadError::io(&self.path, e))
    }
}

fn create(path: &Path) -> Result<BufWriter<File>, WorkloadError> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| WorkloadError::io(path, e))
}

fn dns_layout_name(l: DnsLayout) -> &'static str {
    match l {
        DnsLayout::V2 => "v2",
        DnsLayout::V3 => "v3",
        DnsLayout::Mixed => "mixed",
    }
}

/// Generates the workload of `config` into `dir` (created if missing; existing files of
/// the same names are replaced).
pub fn write_to_dir(config: &Config, dir: &Path) -> Result<Summary, WorkloadError> {
    let workload = Workload::new(config.clone())?;
    let spec = workload.spec();
    std::fs::create_dir_all(dir).map_err(|e| WorkloadError::io(dir, e))?;
    let mut files = Vec::new();

    // indicators.json
    let path = dir.join(INDICATORS_FILE);
    let mut bundle = BundleWriter::start(
        create(&path)?,
        path.clone(),
        &workload.indicator_bundle_id(),
    )?;
    for indicator in workload.indicators() {
        bundle.object(&indicator)?;
    }
    bundle.finish()?;
    files.push(path);

    // events.jsonl, expected.json and observed.json in one pass over the events.
    let events_path = dir.join(EVENTS_FILE);
    let expected_path = dir.join(EXPECTED_FILE);
    let observed_path = dir.join(OBSERVED_FILE);
    let mut events_out = create(&events_path)?;
    let mut expected_out = create(&expected_path)?;
    let observed_limit = config.observed_limit.map(|k| k.min(config.events));
    let mut observed = match observed_limit {
        Some(_) => Some(BundleWriter::start(
            create(&observed_path)?,
            observed_path.clone(),
            &workload.observed_bundle_id(),
        )?),
        None => None,
    };
    let mut seen_scos = HashSet::new();

    let params = json!({
        "indicators": config.indicators,
        "events": config.events,
        "seed": config.seed,
        "hit_rate": config.hit_rate,
        "multi_rate": config.multi_rate,
        "ipv6_share": config.ipv6_share,
        "dns_layout": dns_layout_name(config.dns_layout),
        "observed_events": observed_limit.unwrap_or(0),
    });
    let note = "matches: event index (0-based line of events.jsonl, and the index-th \
                observed-data object in observed.json) -> ids of the indicators it must match; \
                events not listed match none";
    let io_exp = |e| WorkloadError::io(&expected_path, e);
    write!(
        expected_out,
        "{{\n\"format\":\"{}\",\n\"params\":{params},\n\"note\":{},\n\"matches\":{{",
        config.format,
        Value::from(note)
    )
    .map_err(io_exp)?;

    let (mut hit_events, mut multi, mut matches) = (0u64, 0u64, 0u64);
    let mut line = Vec::with_capacity(1024);
    for record in workload.events() {
        line.clear();
        record.write_line(config.format, &mut line)?;
        events_out
            .write_all(&line)
            .map_err(|e| WorkloadError::io(&events_path, e))?;

        if !record.hits.is_empty() {
            let mut ids: Vec<String> = record
                .hits
                .as_slice()
                .iter()
                .filter_map(|&i| spec.indicator_id(i))
                .collect();
            ids.sort_unstable();
            let sep = if hit_events == 0 { "\n" } else { ",\n" };
            write!(
                expected_out,
                "{sep}\"{}\":{}",
                record.event.index,
                Value::from(ids)
            )
            .map_err(io_exp)?;
            hit_events += 1;
            multi += u64::from(record.hits.len() > 1);
            matches += record.hits.len() as u64;
        }

        if let (Some(bundle), Some(limit)) = (observed.as_mut(), observed_limit)
            && record.event.index < limit
        {
            let (od, scos) = workload.event_stix(&record.event)?;
            bundle.object(&od)?;
            for s in scos {
                if let Some(id) = s.get("id").and_then(Value::as_str)
                    && seen_scos.insert(id.to_owned())
                {
                    bundle.object(&s)?;
                }
            }
        }
    }

    let kinds = spec.kind_counts();
    let kind_counts: serde_json::Map<String, Value> = kinds
        .iter()
        .map(|(k, n)| (k.name().to_owned(), Value::from(*n)))
        .collect();
    let counts = json!({
        "hit_events": hit_events,
        "multi_hit_events": multi,
        "matches": matches,
        "indicator_kinds": kind_counts,
    });
    write!(expected_out, "\n}},\n\"counts\":{counts}\n}}\n").map_err(io_exp)?;
    expected_out.flush().map_err(io_exp)?;
    events_out
        .flush()
        .map_err(|e| WorkloadError::io(&events_path, e))?;
    files.push(events_path);
    files.push(expected_path);
    if let Some(bundle) = observed {
        bundle.finish()?;
        files.push(observed_path);
    }

    Ok(Summary {
        indicators: spec.len(),
        events: config.events,
        hit_events,
        multi_hit_events: multi,
        matches,
        observed_events: observed_limit.unwrap_or(0),
        kinds,
        files,
    })
}

/// Re-derives the ground truth of `dir/events.jsonl` by value lookup (see
/// [`crate::recheck()`]) and compares it with `dir/expected.json`. `config` must be the
/// configuration the directory was written with. Returns the number of hit events.
pub fn verify_dir(config: &Config, dir: &Path) -> Result<u64, WorkloadError> {
    let workload = Workload::new(config.clone())?;
    let spec = workload.spec();

    let events_path = dir.join(EVENTS_FILE);
    let events = File::open(&events_path).map_err(|e| WorkloadError::io(&events_path, e))?;
    let derived = recheck(spec, config.format, BufReader::new(events))?;

    let expected_path = dir.join(EXPECTED_FILE);
    let text = std::fs::read(&expected_path).map_err(|e| WorkloadError::io(&expected_path, e))?;
    let expected: Value = serde_json::from_slice(&text).map_err(|e| {
        WorkloadError::io(
            &expected_path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        )
    })?;
    let Some(listed) = expected.get("matches").and_then(Value::as_object) else {
        return Err(WorkloadError::io(
            &expected_path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, "no `matches` object"),
        ));
    };

    let mut index_of = HashMap::new();
    for i in 0..spec.len() {
        if let Some(id) = spec.indicator_id(i) {
            index_of.insert(id, i);
        }
    }
    let mut written = crate::GroundTruth::default();
    for (event, ids) in listed {
        let event: u64 = event.parse().map_err(|_| {
            WorkloadError::SelfCheck(format!("`matches` key {event:?} is not an event index"))
        })?;
        let mut indices = Vec::new();
        for id in ids.as_array().into_iter().flatten() {
            let found = id.as_str().and_then(|s| index_of.get(s));
            match found {
                Some(&i) => indices.push(i),
                None => {
                    return Err(WorkloadError::SelfCheck(format!(
                        "event {event} lists {id}, which is not an indicator of this workload"
                    )));
                }
            }
        }
        written.record(event, &indices);
    }
    match written.diff(&derived) {
        None => Ok(derived.hit_events() as u64),
        Some(d) => Err(WorkloadError::SelfCheck(format!(
            "expected.json (left) and the value lookup (right) differ: {d}"
        ))),
    }
}
