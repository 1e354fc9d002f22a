//! Live detection inside `phalanx serve`: the configured sources feed detection workers that
//! match against the node's active indicators, write alerts, and store aggregated sightings.
//!
//! ```text
//!  sources ──batches──▶ queue ──▶ worker 1..n (Engine: decode, facts, index) ──▶ alerts (JSONL, webhook)
//!     ▲                              ▲                │
//!     └── acks after the alerts ─────┤                └──▶ Sightings ──every flush──▶ store (sightings collection)
//!                                    │
//!  store ──every refresh──▶ indicator feed (new versions, revocations) ──▶ every worker
//! ```
//!
//! - **Index freshness**: the feed polls every collection for indicator versions added since
//!   the last poll (`refresh_ms`, default 50 ms) and hands each to every worker, which applies
//!   it before its next batch or within `refresh_ms` when idle: an indicator posted over TAXII
//!   or imported is matched within about 100 ms.
//! - **Acknowledgement after output**: a batch's alerts are written and flushed (and the file
//!   fsynced) before its records are acknowledged, and followed files' offsets are saved after
//!   every batch, so a crash re-reads at most the batch in flight. Alerts that batch already
//!   wrote are not written twice: at start the tail of the alerts file is read back and
//!   (source, position, indicator) keys already present are skipped.
//! - **Sightings** are aggregated across workers in one [`Sightings`] and stored as new
//!   versions every `sightings_flush_seconds`.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use phalanx_decode::{Decoder, Format, Mapping};
use phalanx_detect::{
    ActiveIndicator, Engine, EventSource, Offer, Sightings, alert, read_indicator,
};
use phalanx_sources::{Batch, FormatHint, Origin, SourceConfig, SourceSet, StartOptions};
use phalanx_store::{NewObject, Query, Store, VersionKey, VersionSelect};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `[detect]` in the node's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectConfig {
    /// `[[detect.sources]]`: where telemetry comes from.
    #[serde(default)]
    pub sources: Vec<SourceConfig>,
    /// The alerts file (JSON lines, appended); `-` for standard output. Default:
    /// `alerts.jsonl` in the data folder.
    #[serde(default)]
    pub alerts: Option<PathBuf>,
    /// Also POST every alert as JSON to this URL (best effort, bounded queue).
    #[serde(default)]
    pub webhook: Option<String>,
    /// The collection sightings are stored in (id, alias or `root/alias`; default: the only
    /// collection, else one aliased `sightings`).
    #[serde(default)]
    pub sightings_collection: Option<String>,
    /// The node's STIX identity (`where_sighted_refs`); default: a UUIDv5 of the host name.
    #[serde(default)]
    pub identity: Option<String>,
    /// Sighting buckets, seconds of event time.
    #[serde(default = "default_bucket")]
    pub bucket_seconds: u64,
    /// How often aggregated sightings are stored.
    #[serde(default = "default_flush")]
    pub sightings_flush_seconds: u64,
    /// How often the store is polled for new indicator versions, in milliseconds.
    #[serde(default = "default_refresh")]
    pub refresh_ms: u64,
    /// How often the indicator set is checked against the store for indicators deleted
    /// over TAXII (which the incremental poll cannot see), in seconds.
    #[serde(default = "default_resync")]
    pub resync_seconds: u64,
    /// Detection worker threads.
    #[serde(default = "default_workers")]
    pub workers: usize,
    /// Batches queued between the sources and the workers.
    #[serde(default = "default_queue")]
    pub queue_batches: usize,
    /// The field mapping for `format = "json"` sources (default: ECS).
    #[serde(default)]
    pub mapping: Option<Mapping>,
    /// `[detect.archive]`: keep the decoded records (compressed, bounded) for retro-hunts.
    /// Absent: no archive, no retro-hunts.
    #[serde(default)]
    pub archive: Option<phalanx_archive::Limits>,
}

fn default_bucket() -> u64 {
    3600
}
fn default_flush() -> u64 {
    5
}
fn default_refresh() -> u64 {
    50
}
fn default_resync() -> u64 {
    60
}
fn default_workers() -> usize {
    1
}
fn default_queue() -> usize {
    64
}

/// The active indicators by id, shared between the feed and the retro-hunt endpoint.
pub type ActiveSet = Arc<Mutex<HashMap<String, Arc<ActiveIndicator>>>>;

/// One change of the active indicator set, as every worker applies it.
#[derive(Debug, Clone)]
enum Update {
    Activate(Arc<ActiveIndicator>),
    Revoke(String),
}

/// The running pipeline.
#[derive(Debug)]
pub struct LiveDetection {
    /// The sources (for their HTTP router, addresses and counters).
    pub sources: SourceSet,
    /// Retro-hunts over the archive, when one is configured.
    pub hunts: Option<crate::retro_hunt::RetroHunts>,
    /// The active indicators as the workers know them (the feed keeps it current).
    pub active: ActiveSet,
    workers: Vec<std::thread::JoinHandle<()>>,
    final_flush: Option<FinalFlush>,
}

/// What shutdown needs to store the last sightings: the aggregator, the store, the collection.
type FinalFlush = (Arc<Mutex<Sightings>>, Arc<dyn Store>, String);

impl LiveDetection {
    /// Stops the sources; the workers finish the queued batches and exit.
    pub async fn shutdown(self) {
        let _ = self.sources.flush_offsets().await;
        for (name, result) in self.sources.shutdown().await {
            if let Err(error) = result {
                tracing::warn!(source = %name, %error, "source ended with an error");
            }
        }
        for worker in self.workers {
            let _ = tokio::task::spawn_blocking(move || worker.join()).await;
        }
        if let Some((sightings, store, collection)) = self.final_flush {
            let objects = match sightings.lock() {
                Ok(mut s) => s.drain(now_nanos()),
                Err(_) => Vec::new(),
            };
            let _ = tokio::task::spawn_blocking(move || {
                store_sightings(store.as_ref(), &collection, &objects)
            })
            .await;
        }
    }
}

/// What the pipeline needs from the node.
#[derive(Debug, Clone)]
pub struct LiveContext {
    /// The store.
    pub store: Arc<dyn Store>,
    /// The collection sightings go to (its store key).
    pub sightings_collection: String,
    /// The node's identity id.
    pub identity: String,
    /// The alerts file, or `None` for standard output.
    pub alerts: Option<PathBuf>,
    /// The folder for followed files' offsets.
    pub state_dir: PathBuf,
    /// Authentication of HTTP ingest.
    pub auth: Arc<dyn phalanx_sources::http::IngestAuth>,
    /// The telemetry archive's folder.
    pub archive_dir: PathBuf,
}

/// Alert output shared by the workers: a file (fsynced after each batch) or stdout, plus the
/// keys of the alerts already in the file's tail (written before a crash).
pub(crate) struct AlertSink {
    file: Option<File>,
    buffer: Vec<u8>,
    seen: HashSet<String>,
    webhook: Option<tokio::sync::mpsc::Sender<Value>>,
}

impl std::fmt::Debug for AlertSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertSink").finish_non_exhaustive()
    }
}

/// The key that identifies one alert across a restart.
fn alert_key(source: &Value, indicator: &str) -> String {
    format!("{source}|{indicator}")
}

/// How much of the alerts file is read back at start.
const TAIL_BYTES: u64 = 16 << 20;

/// The keys of the alerts in the last [`TAIL_BYTES`] of the alerts file, and whether the
/// file ends in the middle of a line (a crash while writing).
fn read_tail(path: &Path) -> Result<(HashSet<String>, bool)> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((HashSet::new(), false)),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let len = file.metadata()?.len();
    let start = len.saturating_sub(TAIL_BYTES);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let partial = tail.last().is_some_and(|b| *b != b'\n');
    let mut lines = tail.split(|b| *b == b'\n');
    if start > 0 {
        lines.next(); // begins inside a line
    }
    let keys = lines
        .filter_map(|line| serde_json::from_slice::<Value>(line).ok())
        .filter_map(|alert| {
            let indicator = alert["indicator_id"].as_str()?;
            Some(alert_key(&alert["source"], indicator))
        })
        .collect();
    Ok((keys, partial))
}

impl AlertSink {
    fn open(
        path: Option<&Path>,
        webhook: Option<tokio::sync::mpsc::Sender<Value>>,
    ) -> Result<Self> {
        let (file, seen) = match path {
            Some(path) => {
                let (seen, partial) = read_tail(path)?;
                let mut file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .with_context(|| format!("cannot open the alerts file {}", path.display()))?;
                if partial {
                    // A crash left a partial last line; start on a fresh one.
                    file.write_all(b"\n")?;
                }
                (Some(file), seen)
            }
            None => (None, HashSet::new()),
        };
        Ok(AlertSink {
            file,
            buffer: Vec::with_capacity(1 << 16),
            seen,
            webhook,
        })
    }

    pub(crate) fn push(&mut self, alert: &Value) {
        if !self.seen.is_empty() {
            let key = alert_key(
                &alert["source"],
                alert["indicator_id"].as_str().unwrap_or(""),
            );
            if self.seen.remove(&key) {
                return;
            }
        }
        if serde_json::to_writer(&mut self.buffer, alert).is_ok() {
            self.buffer.push(b'\n');
        }
        if let Some(webhook) = &self.webhook
            && webhook.try_send(alert.clone()).is_err()
        {
            metrics::counter!("phalanx_detect_webhook_dropped_total").increment(1);
        }
    }

    /// Writes what was pushed and makes it durable.
    pub(crate) fn commit(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        match &mut self.file {
            Some(file) => {
                file.write_all(&self.buffer)?;
                file.sync_data()?;
            }
            None => {
                let mut out = std::io::stdout().lock();
                out.write_all(&self.buffer)?;
                out.flush()?;
            }
        }
        self.buffer.clear();
        Ok(())
    }
}

/// The alert's `source` object for a record from source `name` at `position` (a record's
/// [`phalanx_sources::Position`] as JSON, as the archive keeps it too): file and line where it has them, the
/// rest of the position (`kind`, `offset`, syslog peer, NATS sequence, …) beside them.
pub(crate) fn event_source(name: &str, position: Value) -> EventSource {
    let mut source = EventSource {
        name: name.to_string(),
        ..EventSource::default()
    };
    if let Value::Object(mut map) = position {
        if map.get("kind").and_then(Value::as_str) == Some("file") {
            source.file = map
                .remove("path")
                .and_then(|p| p.as_str().map(str::to_string));
        }
        if matches!(
            map.get("kind").and_then(Value::as_str),
            Some("file" | "stdin")
        ) {
            source.line = map.remove("line").and_then(|l| l.as_u64());
        }
        source.extra = map;
    }
    source
}

/// The position of a record as JSON (for alerts and the archive).
fn position_json(origin: &Origin) -> Value {
    serde_json::to_value(&origin.position).unwrap_or_default()
}

pub(crate) fn now_nanos() -> i64 {
    i64::try_from(jiff::Timestamp::now().as_nanosecond()).unwrap_or(i64::MAX)
}

pub(crate) fn decoder_for(format: FormatHint, mapping: Option<&Mapping>) -> Result<Decoder> {
    Ok(match format {
        FormatHint::Eve => Decoder::new(Format::Eve)?,
        FormatHint::Zeek => Decoder::new(Format::Zeek)?,
        FormatHint::Json => match mapping {
            Some(mapping) => Decoder::with_mapping(mapping.clone())?,
            None => Decoder::new(Format::Json)?,
        },
    })
}

/// One worker's engines (one per format, sharing the indicator updates).
struct Worker {
    engines: Vec<(FormatHint, Engine)>,
    updates: Receiver<Update>,
    sightings: Arc<Mutex<Sightings>>,
    alerts: Arc<Mutex<AlertSink>>,
    archive: Option<Arc<Mutex<phalanx_archive::Archive>>>,
}

impl Worker {
    fn apply_updates(&mut self) {
        while let Ok(update) = self.updates.try_recv() {
            for (_, engine) in &mut self.engines {
                match &update {
                    Update::Activate(indicator) => {
                        if let Err(error) = engine.activate(Arc::clone(indicator)) {
                            tracing::warn!(indicator = %indicator.id, %error, "indicator not matched");
                        }
                    }
                    Update::Revoke(id) => {
                        engine.deactivate(id);
                    }
                }
            }
        }
        let now = now_nanos();
        for (_, engine) in &mut self.engines {
            engine.expire(now);
        }
    }

    /// Matches a batch and commits its alerts; false when they could not be made durable (the
    /// records must then not be acknowledged).
    fn process(&mut self, batch: &Batch) -> bool {
        self.apply_updates();
        let format = batch.format();
        let Some((_, engine)) = self.engines.iter_mut().find(|(f, _)| *f == format) else {
            return true;
        };
        let before = engine.stats().clone();
        let now = now_nanos();
        let mut matched: Vec<(String, i64)> = Vec::new();
        let mut alerts: Vec<Value> = Vec::new();
        // Decoded records and their event times, for the archive.
        let archiving = self.archive.is_some();
        let mut decoded: Vec<(usize, i64)> = Vec::new();
        for (index, record) in batch.records.iter().enumerate() {
            // Built only for records that match: most never do.
            let mut source: Option<EventSource> = None;
            let result = engine.process_timed(&record.bytes, |observation, indicator, values| {
                let source = source.get_or_insert_with(|| {
                    event_source(&record.origin.source, position_json(&record.origin))
                });
                matched.push((indicator.id.clone(), observation.time));
                alerts.push(alert(
                    indicator,
                    values,
                    observation,
                    &record.bytes,
                    source,
                    now,
                    false,
                ));
            });
            match result {
                Ok((_, time)) if archiving => decoded.push((index, time)),
                Ok(_) => {}
                Err(error) => batch
                    .stats
                    .note_malformed(position_json(&record.origin), &error),
            }
        }
        let after = engine.stats();
        batch.stats.add_decoded(after.decoded - before.decoded);
        batch
            .stats
            .add_malformed(after.malformed - before.malformed);
        batch
            .stats
            .add_matched(after.matched_events - before.matched_events);
        metrics::counter!("phalanx_detect_matches_total").increment(after.matches - before.matches);
        if !matched.is_empty()
            && let Ok(mut sightings) = self.sightings.lock()
        {
            for (id, time) in &matched {
                sightings.record(id, *time, now, false);
            }
        }
        if let Ok(mut sink) = self.alerts.lock() {
            for alert in &alerts {
                sink.push(alert);
            }
            if let Err(error) = sink.commit() {
                // Without durable output the records must not be acknowledged: they will be
                // delivered again.
                tracing::error!(%error, "cannot write alerts; records are not acknowledged");
                return false;
            }
        }
        if let Some(archive) = &self.archive
            && let Ok(mut archive) = archive.lock()
        {
            for (index, time) in decoded {
                let record = &batch.records[index];
                let position = position_json(&record.origin).to_string();
                let entry = phalanx_archive::Entry {
                    time,
                    source: batch.source(),
                    position: &position,
                    record: &record.bytes,
                };
                if let Err(error) = archive.append(&entry) {
                    metrics::counter!("phalanx_detect_archive_errors_total").increment(1);
                    tracing::warn!(%error, "cannot archive a record");
                }
            }
        }
        true
    }
}

/// The ids of every indicator stored in any collection (latest versions, no JSON read).
fn indicator_ids(store: &dyn Store) -> phalanx_store::Result<HashSet<String>> {
    let mut ids = HashSet::new();
    for collection in store.collections()? {
        let mut cursor = None;
        loop {
            let query = Query {
                added_after: cursor,
                types: Some(vec!["indicator".to_string()]),
                include_json: false,
                ..Query::new(1000)
            };
            let page = store.query(&collection, &query)?;
            for item in &page.items {
                cursor = Some(item.date_added);
                ids.insert(item.id.clone());
            }
            if !page.more {
                break;
            }
        }
    }
    Ok(ids)
}

/// Applies one update to the active set as the engines apply it (a newer `modified`
/// replaces); true when it activates a new indicator or a new pattern (what a retro-hunt
/// should look for).
fn apply_to_set(set: &mut HashMap<String, Arc<ActiveIndicator>>, update: &Update) -> bool {
    match update {
        Update::Activate(indicator) => {
            let modified = |i: &ActiveIndicator| {
                phalanx_stix::Timestamp::parse(&i.modified)
                    .ok()
                    .map(|t| t.unix_nanos())
            };
            match set.get(&indicator.id) {
                // An older version arriving late changes nothing (the engines ignore it too).
                Some(old) if modified(old) > modified(indicator) => false,
                old => {
                    let fresh = old.is_none_or(|old| old.pattern != indicator.pattern);
                    set.insert(indicator.id.clone(), Arc::clone(indicator));
                    fresh
                }
            }
        }
        Update::Revoke(id) => {
            set.remove(id);
            false
        }
    }
}

/// Reads every indicator version added since `cursor` (per collection) and returns the
/// updates in commit order.
fn poll_indicators(store: &dyn Store, cursors: &mut Vec<(String, Option<i64>)>) -> Vec<Update> {
    let mut updates = Vec::new();
    if let Ok(collections) = store.collections() {
        for collection in collections {
            if !cursors.iter().any(|(c, _)| *c == collection) {
                cursors.push((collection, None));
            }
        }
    }
    for (collection, cursor) in cursors.iter_mut() {
        loop {
            let query = Query {
                added_after: *cursor,
                types: Some(vec!["indicator".to_string()]),
                versions: VersionSelect::All,
                ..Query::new(1000)
            };
            let page = match store.query(collection, &query) {
                Ok(page) => page,
                Err(error) => {
                    tracing::warn!(%collection, %error, "cannot read indicators");
                    break;
                }
            };
            for item in &page.items {
                *cursor = Some(item.date_added);
                let Some(json) = &item.json else { continue };
                let Ok(value) = serde_json::from_str::<Value>(json) else {
                    continue;
                };
                match read_indicator(&value) {
                    Ok(Offer::Activate(active)) => updates.push(Update::Activate(Arc::new(active))),
                    Ok(Offer::Revoke(id)) => updates.push(Update::Revoke(id)),
                    Ok(Offer::Ignore) => {}
                    Err(error) => {
                        metrics::counter!("phalanx_detect_indicators_refused_total").increment(1);
                        tracing::debug!(%error, "indicator not matched");
                    }
                }
            }
            if !page.more {
                break;
            }
        }
    }
    updates
}

fn store_sightings(store: &dyn Store, collection: &str, objects: &[Value]) {
    if objects.is_empty() {
        return;
    }
    let texts: Vec<String> = objects.iter().map(|o| o.to_string()).collect();
    let mut new = Vec::with_capacity(objects.len());
    for (object, json) in objects.iter().zip(&texts) {
        let (Some(id), Some(modified)) = (object["id"].as_str(), object["modified"].as_str())
        else {
            continue;
        };
        let Ok(version) = VersionKey::parse(modified) else {
            continue;
        };
        new.push(NewObject {
            id,
            object_type: "sighting",
            spec_version: "2.1",
            version: Some(version),
            json,
        });
    }
    match store.insert_batch(collection, &new) {
        Ok(_) => {
            metrics::counter!("phalanx_detect_sightings_stored_total").increment(new.len() as u64)
        }
        Err(error) => tracing::error!(%error, "cannot store sightings"),
    }
}

/// Starts the sources, the workers, the indicator feed and the sightings flusher.
pub async fn start(config: &DetectConfig, context: LiveContext) -> Result<LiveDetection> {
    if config.workers == 0 {
        bail!("[detect] workers must be at least 1");
    }
    let webhook = config
        .webhook
        .as_ref()
        .map(|url| spawn_webhook(url.clone()));
    let alerts = Arc::new(Mutex::new(AlertSink::open(
        context.alerts.as_deref(),
        webhook,
    )?));
    let sightings = Arc::new(Mutex::new(Sightings::new(
        &context.identity,
        config.bucket_seconds,
    )));
    let formats: Vec<FormatHint> = {
        let mut f: Vec<FormatHint> = config.sources.iter().map(SourceConfig::format).collect();
        f.sort_by_key(|f| f.as_str());
        f.dedup();
        f
    };

    // The initial indicator set, before any record is matched.
    let store = Arc::clone(&context.store);
    let (initial, cursors) = tokio::task::spawn_blocking(move || {
        let mut cursors = Vec::new();
        let updates = poll_indicators(store.as_ref(), &mut cursors);
        (updates, cursors)
    })
    .await?;
    tracing::info!(versions = initial.len(), "detection: loaded the indicators");

    let archive = match &config.archive {
        Some(limits) => {
            let archive = phalanx_archive::Archive::open(&context.archive_dir, *limits)
                .with_context(|| {
                    format!(
                        "cannot open the telemetry archive {}",
                        context.archive_dir.display()
                    )
                })?;
            let report = archive.open_report();
            if !report.damaged.is_empty() {
                tracing::warn!(
                    damaged = report.damaged.len(),
                    "the telemetry archive has damaged segments; they are skipped"
                );
            }
            Some(Arc::new(Mutex::new(archive)))
        }
        None => None,
    };
    let hunts = match &archive {
        Some(archive) => Some(
            crate::retro_hunt::start(crate::retro_hunt::HuntContext {
                archive: Arc::clone(archive),
                formats: config
                    .sources
                    .iter()
                    .map(|s| (s.name().to_string(), s.format()))
                    .collect(),
                mapping: config.mapping.clone(),
                alerts: Arc::clone(&alerts),
                sightings: Arc::clone(&sightings),
            })
            .context("cannot start the retro-hunt thread")?,
        ),
        None => None,
    };

    let (sink, queue) = phalanx_sources::channel(config.queue_batches);
    let queue = Arc::new(tokio::sync::Mutex::new(queue));
    let offsets =
        phalanx_sources::file::FileOffsetStore::new(&context.state_dir).with_context(|| {
            format!(
                "cannot use {} for file offsets",
                context.state_dir.display()
            )
        })?;
    let sources = SourceSet::start(
        &config.sources,
        sink,
        StartOptions {
            offsets: Arc::new(offsets),
            auth: Arc::clone(&context.auth),
        },
    )
    .await
    .context("cannot start the detection sources")?;

    let mut feeds: Vec<Sender<Update>> = Vec::new();
    let mut workers = Vec::new();
    let handle = tokio::runtime::Handle::current();
    let refresh = Duration::from_millis(config.refresh_ms.max(1));
    let progress: Vec<phalanx_sources::file::FileProgress> = sources.file_progress().to_vec();
    for n in 0..config.workers {
        let (tx, rx) = std::sync::mpsc::channel();
        for update in &initial {
            let _ = tx.send(update.clone());
        }
        feeds.push(tx);
        let mut engines = Vec::new();
        for format in &formats {
            engines.push((
                *format,
                Engine::new(
                    decoder_for(*format, config.mapping.as_ref())?,
                    Default::default(),
                ),
            ));
        }
        let mut worker = Worker {
            engines,
            updates: rx,
            sightings: Arc::clone(&sightings),
            alerts: Arc::clone(&alerts),
            archive: archive.clone(),
        };
        let queue = Arc::clone(&queue);
        let handle = handle.clone();
        let progress = progress.clone();
        let thread = std::thread::Builder::new()
            .name(format!("detect-{n}"))
            .spawn(move || {
                worker.apply_updates();
                loop {
                    let next = handle.block_on(async {
                        let mut queue = queue.lock().await;
                        tokio::time::timeout(refresh, queue.recv()).await
                    });
                    match next {
                        Ok(Some(batch)) => {
                            if !worker.process(&batch) {
                                // Dropping unacknowledged records freezes the file offsets
                                // and leaves NATS messages for redelivery.
                                continue;
                            }
                            let records = batch.records;
                            handle.block_on(async {
                                for record in records {
                                    if let Err(error) = record.ack.ack().await {
                                        tracing::warn!(%error, "cannot acknowledge a record");
                                    }
                                }
                                for file in &progress {
                                    if let Err(error) = file.flush().await {
                                        tracing::warn!(%error, "cannot save a file offset");
                                    }
                                }
                            });
                        }
                        Ok(None) => break,
                        Err(_) => worker.apply_updates(),
                    }
                }
            })
            .context("cannot start a detection worker")?;
        workers.push(thread);
    }

    // Indicator feed; new indicators (or new patterns) after start-up are retro-hunted, and
    // every `resync_seconds` indicators deleted from the store stop matching.
    let resync = Duration::from_secs(config.resync_seconds.max(1));
    let store = Arc::clone(&context.store);
    let feed_hunts = hunts.clone();
    let active: ActiveSet = Arc::new(Mutex::new(HashMap::new()));
    if let Ok(mut set) = active.lock() {
        for update in &initial {
            apply_to_set(&mut set, update);
        }
    }
    let feed_active = Arc::clone(&active);
    tokio::spawn(async move {
        let mut cursors = cursors;
        let mut every = tokio::time::interval(refresh);
        let mut last_resync = std::time::Instant::now();
        loop {
            every.tick().await;
            let poll_store = Arc::clone(&store);
            let polled = tokio::task::spawn_blocking(move || {
                let updates = poll_indicators(poll_store.as_ref(), &mut cursors);
                (updates, cursors)
            })
            .await;
            let Ok((updates, back)) = polled else { break };
            cursors = back;
            let mut fresh = Vec::new();
            let mut updates = updates;
            if last_resync.elapsed() >= resync {
                last_resync = std::time::Instant::now();
                let store = Arc::clone(&store);
                if let Ok(Ok(present)) =
                    tokio::task::spawn_blocking(move || indicator_ids(store.as_ref())).await
                {
                    let gone: Vec<String> = feed_active
                        .lock()
                        .map(|set| {
                            set.keys()
                                .filter(|id| !present.contains(*id))
                                .cloned()
                                .collect()
                        })
                        .unwrap_or_default();
                    for id in gone {
                        tracing::info!(indicator = %id, "indicator deleted from the store; no longer matched");
                        updates.push(Update::Revoke(id));
                    }
                }
            }
            if let Ok(mut set) = feed_active.lock() {
                for update in &updates {
                    if apply_to_set(&mut set, update)
                        && let Update::Activate(indicator) = update
                    {
                        fresh.push(Arc::clone(indicator));
                    }
                }
            }
            for update in updates {
                feeds.retain(|feed| feed.send(update.clone()).is_ok());
            }
            if let Some(hunts) = &feed_hunts
                && !fresh.is_empty()
            {
                hunts.submit(crate::retro_hunt::HuntRequest {
                    reason: "new indicators".into(),
                    indicators: fresh,
                    since: i64::MIN,
                    until: i64::MAX,
                });
            }
            if feeds.is_empty() {
                break;
            }
        }
    });

    // Sightings flusher.
    let final_sightings = Arc::clone(&sightings);
    let final_store = Arc::clone(&context.store);
    let final_collection = context.sightings_collection.clone();
    let store = Arc::clone(&context.store);
    let collection = context.sightings_collection.clone();
    let every = Duration::from_secs(config.sightings_flush_seconds.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let objects = match sightings.lock() {
                Ok(mut s) => s.flush(now_nanos()),
                Err(_) => break,
            };
            let store = Arc::clone(&store);
            let collection = collection.clone();
            let _ = tokio::task::spawn_blocking(move || {
                store_sightings(store.as_ref(), &collection, &objects)
            })
            .await;
        }
    });
    Ok(LiveDetection {
        sources,
        hunts,
        active,
        workers,
        final_flush: Some((final_sightings, final_store, final_collection)),
    })
}

/// Posts alerts to `url` from a bounded queue; failures are logged and counted.
fn spawn_webhook(url: String) -> tokio::sync::mpsc::Sender<Value> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Value>(1024);
    tokio::spawn(async move {
        let client = reqwest::Client::new();
        while let Some(alert) = rx.recv().await {
            match client.post(&url).json(&alert).send().await {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => {
                    metrics::counter!("phalanx_detect_webhook_failed_total").increment(1);
                    tracing::warn!(status = %response.status(), %url, "the alert webhook refused an alert");
                }
                Err(error) => {
                    metrics::counter!("phalanx_detect_webhook_failed_total").increment(1);
                    tracing::warn!(%error, %url, "cannot post an alert to the webhook");
                }
            }
        }
    });
    tx
}
