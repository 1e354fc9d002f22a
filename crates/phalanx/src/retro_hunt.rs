//! Retro-hunts: the node's telemetry archive matched again against indicators that arrived
//! after the telemetry did.
//!
//! One hunt thread serves a queue of hunts. A hunt seals the archive's open segment, scans
//! the archive over its time range, decodes every record with its source's decoder and
//! matches it against the hunt's indicators only; matches become alerts marked
//! `"retrospective": true` and sightings marked `x_phalanx_retrospective`, with the original
//! event time. Hunts start by themselves for every new indicator (or new pattern) the store
//! delivers after start-up, and by hand through `POST /detect/retro-hunts` (administrators),
//! whose progress `GET /detect/retro-hunts/{id}` reports.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex};

use phalanx_archive::Archive;
use phalanx_detect::{ActiveIndicator, Engine, EventSource, Sightings, alert};
use phalanx_sources::FormatHint;
use serde::Serialize;
use serde_json::Value;

use crate::live_detect::{AlertSink, decoder_for, event_source, now_nanos};

/// What a hunt covers.
#[derive(Debug, Clone)]
pub struct HuntRequest {
    /// Why it runs (`new indicators`, `requested by admin`).
    pub reason: String,
    /// The indicators to look for.
    pub indicators: Vec<Arc<ActiveIndicator>>,
    /// Event times covered (nanoseconds since the Unix epoch).
    pub since: i64,
    /// Up to this event time.
    pub until: i64,
}

/// The state of one hunt, as `GET /detect/retro-hunts/{id}` shows it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HuntStatus {
    /// The hunt's number.
    pub id: u64,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Why it runs.
    pub reason: String,
    /// Indicators hunted for.
    pub indicators: usize,
    /// Archive segments finished, of `segments_total`.
    pub segments_done: u64,
    /// Archive segments the hunt covers.
    pub segments_total: u64,
    /// Records read.
    pub records: u64,
    /// Records that did not decode.
    pub malformed: u64,
    /// (record, indicator) matches.
    pub matches: u64,
    /// Why it failed, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The hunt queue and the status of every hunt since start.
#[derive(Debug, Clone)]
pub struct RetroHunts {
    queue: Sender<(u64, HuntRequest)>,
    statuses: Arc<Mutex<HashMap<u64, HuntStatus>>>,
    next: Arc<AtomicU64>,
}

/// Most hunts whose status is kept.
const KEPT: usize = 1000;

impl RetroHunts {
    /// Queues a hunt; returns its id.
    pub fn submit(&self, request: HuntRequest) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut statuses) = self.statuses.lock() {
            if statuses.len() >= KEPT
                && let Some(oldest) = statuses.keys().min().copied()
            {
                statuses.remove(&oldest);
            }
            statuses.insert(
                id,
                HuntStatus {
                    id,
                    state: "queued".into(),
                    reason: request.reason.clone(),
                    indicators: request.indicators.len(),
                    ..HuntStatus::default()
                },
            );
        }
        let _ = self.queue.send((id, request));
        id
    }

    /// The status of hunt `id`.
    pub fn status(&self, id: u64) -> Option<HuntStatus> {
        self.statuses.lock().ok()?.get(&id).cloned()
    }
}

/// What the hunt thread needs.
pub struct HuntContext {
    /// The archive (shared with the workers that append to it).
    pub archive: Arc<Mutex<Archive>>,
    /// The format of each source, by name.
    pub formats: HashMap<String, FormatHint>,
    /// The mapping for `json` sources.
    pub mapping: Option<phalanx_decode::Mapping>,
    /// Where alerts go.
    pub alerts: Arc<Mutex<AlertSink>>,
    /// The node's sightings.
    pub sightings: Arc<Mutex<Sightings>>,
}

/// Starts the hunt thread.
pub fn start(context: HuntContext) -> std::io::Result<RetroHunts> {
    let (queue, requests) = std::sync::mpsc::channel();
    let hunts = RetroHunts {
        queue,
        statuses: Arc::new(Mutex::new(HashMap::new())),
        next: Arc::new(AtomicU64::new(1)),
    };
    let statuses = Arc::clone(&hunts.statuses);
    std::thread::Builder::new()
        .name("retro-hunt".into())
        .spawn(move || serve(&context, &requests, &statuses))?;
    Ok(hunts)
}

fn update(statuses: &Mutex<HashMap<u64, HuntStatus>>, id: u64, f: impl FnOnce(&mut HuntStatus)) {
    if let Ok(mut statuses) = statuses.lock()
        && let Some(status) = statuses.get_mut(&id)
    {
        f(status);
    }
}

fn serve(
    context: &HuntContext,
    requests: &Receiver<(u64, HuntRequest)>,
    statuses: &Mutex<HashMap<u64, HuntStatus>>,
) {
    while let Ok((id, request)) = requests.recv() {
        update(statuses, id, |s| s.state = "running".into());
        let outcome = hunt(context, id, &request, statuses);
        update(statuses, id, |s| match outcome {
            Ok(()) => s.state = "done".into(),
            Err(error) => {
                s.state = "failed".into();
                s.error = Some(error);
            }
        });
        if let Some(status) = statuses.lock().ok().and_then(|s| s.get(&id).cloned()) {
            tracing::info!(
                hunt = id,
                reason = %status.reason,
                indicators = status.indicators,
                records = status.records,
                matches = status.matches,
                state = %status.state,
                "retro-hunt finished"
            );
        }
    }
}

fn hunt(
    context: &HuntContext,
    id: u64,
    request: &HuntRequest,
    statuses: &Mutex<HashMap<u64, HuntStatus>>,
) -> Result<(), String> {
    // One engine per format, holding only the hunted indicators.
    let mut engines: HashMap<FormatHint, Engine> = HashMap::new();
    for format in context.formats.values() {
        if engines.contains_key(format) {
            continue;
        }
        let decoder = decoder_for(*format, context.mapping.as_ref()).map_err(|e| e.to_string())?;
        let mut engine = Engine::new(decoder, Default::default());
        for indicator in &request.indicators {
            if let Err(error) = engine.activate(Arc::clone(indicator)) {
                tracing::warn!(indicator = %indicator.id, %error, "retro-hunt: indicator not matched");
            }
        }
        engines.insert(*format, engine);
    }
    let mut scan = {
        let mut archive = context
            .archive
            .lock()
            .map_err(|_| "the archive lock is poisoned".to_string())?;
        archive
            .flush_segment()
            .map_err(|e| format!("cannot seal the archive's open segment: {e}"))?;
        archive
            .scan(request.since, request.until)
            .map_err(|e| e.to_string())?
    };
    let now = now_nanos();
    let mut pending: Vec<Value> = Vec::new();
    let mut matched: Vec<(String, i64)> = Vec::new();
    let mut records = 0u64;
    let mut malformed = 0u64;
    while let Some(item) = scan.next() {
        let entry = match item {
            Ok(entry) => entry,
            Err(error) => {
                tracing::warn!(%error, "retro-hunt: an archive segment is damaged; skipped");
                continue;
            }
        };
        records += 1;
        let Some(engine) = context
            .formats
            .get(&entry.source)
            .and_then(|format| engines.get_mut(format))
        else {
            continue;
        };
        let mut source: Option<EventSource> = None;
        let result = engine.process(&entry.record, |observation, indicator, values| {
            let source = source.get_or_insert_with(|| {
                event_source(
                    &entry.source,
                    serde_json::from_str(&entry.position).unwrap_or_default(),
                )
            });
            matched.push((indicator.id.clone(), observation.time));
            pending.push(alert(
                indicator,
                values,
                observation,
                &entry.record,
                source,
                now,
                true,
            ));
        });
        if result.is_err() {
            malformed += 1;
        }
        if pending.len() >= 1024 || records.is_multiple_of(10_000) {
            flush(context, &mut pending, &mut matched, now)?;
            report(statuses, id, &scan, &engines, records, malformed);
        }
    }
    flush(context, &mut pending, &mut matched, now)?;
    let total = report(statuses, id, &scan, &engines, records, malformed);
    metrics::counter!("phalanx_detect_retro_matches_total").increment(total);
    Ok(())
}

/// Publishes a hunt's progress; returns its matches so far.
fn report(
    statuses: &Mutex<HashMap<u64, HuntStatus>>,
    id: u64,
    scan: &phalanx_archive::Scan,
    engines: &HashMap<FormatHint, Engine>,
    records: u64,
    malformed: u64,
) -> u64 {
    let progress = scan.progress();
    let matches = engines.values().map(|e| e.stats().matches).sum();
    update(statuses, id, |s| {
        s.segments_done = progress.segments_done;
        s.segments_total = progress.segments_total;
        s.records = records;
        s.malformed = malformed;
        s.matches = matches;
    });
    matches
}

fn flush(
    context: &HuntContext,
    pending: &mut Vec<Value>,
    matched: &mut Vec<(String, i64)>,
    now: i64,
) -> Result<(), String> {
    if let Ok(mut sightings) = context.sightings.lock() {
        for (id, time) in matched.drain(..) {
            sightings.record(&id, time, now, true);
        }
    }
    let mut sink = context
        .alerts
        .lock()
        .map_err(|_| "the alert sink lock is poisoned".to_string())?;
    for alert in pending.drain(..) {
        sink.push(&alert);
    }
    sink.commit()
        .map_err(|e| format!("cannot write retro-hunt alerts: {e}"))
}
