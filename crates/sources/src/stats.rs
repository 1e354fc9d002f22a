//! Per-source counters, exported through the `metrics` crate and readable as a struct.
//!
//! Every counter is kept twice: in an atomic the status page reads through
//! [`SourceStats::snapshot`], and in a `metrics` counter named `phalanx_source_<what>_total` with
//! the label `source="<name>"`, which the node's Prometheus exporter publishes. Counters are
//! bumped once per batch, not per record, so they cost nothing on the hot path.
//!
//! The source counts `read`, `bytes`, `errors` and `rejected`; the engine counts `decoded`,
//! `malformed` and `matched` through the `add_*` / `note_malformed` hooks.

use std::collections::VecDeque;
use std::fmt::Display;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use crate::config::FormatHint;

/// How many recent error (and malformed-record) reasons each source keeps.
pub const SAMPLE_CAPACITY: usize = 16;

/// Metric: records handed to the engine.
pub const METRIC_READ: &str = "phalanx_source_read_total";
/// Metric: payload bytes of the records handed to the engine.
pub const METRIC_BYTES: &str = "phalanx_source_bytes_total";
/// Metric: input the source could not turn into records (over-long lines, bad frames, I/O).
pub const METRIC_ERRORS: &str = "phalanx_source_errors_total";
/// Metric: records refused because the queue was full (HTTP 429).
pub const METRIC_REJECTED: &str = "phalanx_source_rejected_total";
/// Metric: records the engine decoded.
pub const METRIC_DECODED: &str = "phalanx_source_decoded_total";
/// Metric: records the engine found malformed.
pub const METRIC_MALFORMED: &str = "phalanx_source_malformed_total";
/// Metric: records that matched at least one indicator.
pub const METRIC_MATCHED: &str = "phalanx_source_matched_total";

/// Registers a description for every source metric with the installed recorder. Call once after
/// installing the exporter; harmless if no recorder is installed.
pub fn describe_metrics() {
    metrics::describe_counter!(METRIC_READ, "Records handed to the detection engine.");
    metrics::describe_counter!(METRIC_BYTES, "Payload bytes of the records handed on.");
    metrics::describe_counter!(
        METRIC_ERRORS,
        "Input a source could not turn into records (over-long lines, bad frames, I/O)."
    );
    metrics::describe_counter!(
        METRIC_REJECTED,
        "Records refused because the queue was full."
    );
    metrics::describe_counter!(METRIC_DECODED, "Records the engine decoded.");
    metrics::describe_counter!(METRIC_MALFORMED, "Records the engine could not decode.");
    metrics::describe_counter!(
        METRIC_MATCHED,
        "Records that matched at least one indicator."
    );
}

/// The kind of a source, as in the configuration's `kind` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A followed or once-read file.
    File,
    /// Standard input, or any other byte stream read to its end.
    Stdin,
    /// Syslog over UDP.
    SyslogUdp,
    /// Syslog over TCP.
    SyslogTcp,
    /// HTTP ingest.
    Http,
    /// NATS JetStream pull consumer.
    Nats,
}

/// One remembered problem: when, where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// When it was noted.
    pub at: jiff::Timestamp,
    /// Where: a record origin, a peer address or a file position, as text.
    pub place: String,
    /// What was wrong.
    pub reason: String,
}

/// A point-in-time copy of a source's counters, for status pages and tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Source name.
    pub name: String,
    /// Source kind.
    pub kind: SourceKind,
    /// Decoding hint.
    pub format: FormatHint,
    /// Records handed to the engine.
    pub read: u64,
    /// Payload bytes of those records.
    pub bytes: u64,
    /// Input that could not become a record.
    pub errors: u64,
    /// Records refused because the queue was full.
    pub rejected: u64,
    /// Records the engine decoded.
    pub decoded: u64,
    /// Records the engine found malformed.
    pub malformed: u64,
    /// Records that matched.
    pub matched: u64,
    /// The most recent error reasons, oldest first (at most [`SAMPLE_CAPACITY`]).
    pub recent_errors: Vec<Sample>,
    /// The most recent malformed-record reasons, oldest first.
    pub recent_malformed: Vec<Sample>,
}

/// A counter kept both as an atomic (for snapshots) and as a `metrics` counter (for export).
#[derive(Debug)]
struct Tally {
    value: AtomicU64,
    exported: metrics::Counter,
}

impl Tally {
    fn new(metric: &'static str, source: &str) -> Tally {
        Tally {
            value: AtomicU64::new(0),
            exported: metrics::counter!(metric, "source" => source.to_owned()),
        }
    }

    fn add(&self, n: u64) {
        if n > 0 {
            self.value.fetch_add(n, Ordering::Relaxed);
            self.exported.increment(n);
        }
    }

    fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// A bounded ring of recent [`Sample`]s.
#[derive(Debug, Default)]
struct SampleRing {
    samples: Mutex<VecDeque<Sample>>,
}

impl SampleRing {
    fn push(&self, place: String, reason: String) {
        let mut samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        if samples.len() == SAMPLE_CAPACITY {
            samples.pop_front();
        }
        samples.push_back(Sample {
            at: jiff::Timestamp::now(),
            place,
            reason,
        });
    }

    fn to_vec(&self) -> Vec<Sample> {
        let samples = self.samples.lock().unwrap_or_else(PoisonError::into_inner);
        samples.iter().cloned().collect()
    }
}

/// Identity and counters of one source, shared (in an [`Arc`]) by the source, every batch it
/// produces, and the status page.
#[derive(Debug)]
pub struct SourceStats {
    name: Arc<str>,
    kind: SourceKind,
    format: FormatHint,
    read: Tally,
    bytes: Tally,
    errors: Tally,
    rejected: Tally,
    decoded: Tally,
    malformed: Tally,
    matched: Tally,
    recent_errors: SampleRing,
    recent_malformed: SampleRing,
}

impl SourceStats {
    /// Creates the counters of a source and registers its metrics with the recorder installed
    /// at this moment (a no-op recorder if none is).
    pub fn new(name: &str, kind: SourceKind, format: FormatHint) -> Arc<SourceStats> {
        Arc::new(SourceStats {
            name: Arc::from(name),
            kind,
            format,
            read: Tally::new(METRIC_READ, name),
            bytes: Tally::new(METRIC_BYTES, name),
            errors: Tally::new(METRIC_ERRORS, name),
            rejected: Tally::new(METRIC_REJECTED, name),
            decoded: Tally::new(METRIC_DECODED, name),
            malformed: Tally::new(METRIC_MALFORMED, name),
            matched: Tally::new(METRIC_MATCHED, name),
            recent_errors: SampleRing::default(),
            recent_malformed: SampleRing::default(),
        })
    }

    /// The source's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The source's name as a shared string (cheap to clone into origins).
    pub fn shared_name(&self) -> Arc<str> {
        Arc::clone(&self.name)
    }

    /// The source's kind.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// The decoding hint of the source's records.
    pub fn format(&self) -> FormatHint {
        self.format
    }

    /// Counts `records` records of `bytes` payload bytes handed to the engine.
    pub fn add_read(&self, records: u64, bytes: u64) {
        self.read.add(records);
        self.bytes.add(bytes);
    }

    /// Counts one piece of input that could not become a record, and remembers why.
    pub fn note_error(&self, place: impl Display, reason: impl Display) {
        self.errors.add(1);
        self.recent_errors
            .push(place.to_string(), reason.to_string());
    }

    /// Counts `records` records refused because the queue was full.
    pub fn add_rejected(&self, records: u64) {
        self.rejected.add(records);
    }

    /// Engine hook: counts `records` records decoded.
    pub fn add_decoded(&self, records: u64) {
        self.decoded.add(records);
    }

    /// Engine hook: counts `records` malformed records without remembering a reason.
    pub fn add_malformed(&self, records: u64) {
        self.malformed.add(records);
    }

    /// Engine hook: counts one malformed record and remembers where it was and why.
    pub fn note_malformed(&self, place: impl Display, reason: impl Display) {
        self.malformed.add(1);
        self.recent_malformed
            .push(place.to_string(), reason.to_string());
    }

    /// Engine hook: counts `records` records that matched at least one indicator.
    pub fn add_matched(&self, records: u64) {
        self.matched.add(records);
    }

    /// Reads every counter and the samples.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            name: self.name.to_string(),
            kind: self.kind,
            format: self.format,
            read: self.read.get(),
            bytes: self.bytes.get(),
            errors: self.errors.get(),
            rejected: self.rejected.get(),
            decoded: self.decoded.get(),
            malformed: self.malformed.get(),
            matched: self.matched.get(),
            recent_errors: self.recent_errors.to_vec(),
            recent_malformed: self.recent_malformed.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn counters_reach_both_the_snapshot_and_the_prometheus_exporter() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let stats = metrics::with_local_recorder(&recorder, || {
            SourceStats::new("eve-tap", SourceKind::File, FormatHint::Eve)
        });
        stats.add_read(3, 120);
        stats.add_read(2, 80);
        stats.note_error("file x line 4", "line too long");
        stats.add_decoded(4);
        stats.note_malformed("file x line 5", "expected `{`");
        stats.add_matched(1);
        stats.add_rejected(7);

        let snap = stats.snapshot();
        assert_eq!(
            (
                snap.read,
                snap.bytes,
                snap.errors,
                snap.decoded,
                snap.malformed,
                snap.matched
            ),
            (5, 200, 1, 4, 1, 1)
        );
        assert_eq!(snap.rejected, 7);
        assert_eq!(snap.recent_errors[0].reason, "line too long");
        assert_eq!(snap.recent_malformed[0].place, "file x line 5");

        let text = handle.render();
        for line in [
            "phalanx_source_read_total{source=\"eve-tap\"} 5",
            "phalanx_source_bytes_total{source=\"eve-tap\"} 200",
            "phalanx_source_errors_total{source=\"eve-tap\"} 1",
            "phalanx_source_rejected_total{source=\"eve-tap\"} 7",
            "phalanx_source_decoded_total{source=\"eve-tap\"} 4",
            "phalanx_source_malformed_total{source=\"eve-tap\"} 1",
            "phalanx_source_matched_total{source=\"eve-tap\"} 1",
        ] {
            assert!(text.contains(line), "missing {line} in\n{text}");
        }
    }

    #[test]
    fn samples_keep_only_the_most_recent() {
        let stats = SourceStats::new("s", SourceKind::Http, FormatHint::Json);
        for i in 0..(SAMPLE_CAPACITY + 5) {
            stats.note_error("here", format!("problem {i}"));
        }
        let snap = stats.snapshot();
        assert_eq!(snap.errors, (SAMPLE_CAPACITY + 5) as u64);
        assert_eq!(snap.recent_errors.len(), SAMPLE_CAPACITY);
        assert_eq!(snap.recent_errors[0].reason, "problem 5");
        assert_eq!(
            snap.recent_errors[SAMPLE_CAPACITY - 1].reason,
            format!("problem {}", SAMPLE_CAPACITY + 4)
        );
    }
}
