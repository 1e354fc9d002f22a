//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use phalanx_archive::{Archive, Entry, Limits, OwnedEntry};
use phalanx_workload::{Config, TelemetryFormat, Workload};

/// `n` EVE lines of the workload generator (without their newline), with their event times
/// in nanoseconds and positions `events.jsonl:<line>`.
pub fn workload_entries(n: u64) -> Vec<OwnedEntry> {
    let workload = Workload::new(Config {
        format: TelemetryFormat::Eve,
        ..Config::new(100, n, 7)
    })
    .unwrap();
    let mut line = Vec::new();
    workload
        .events()
        .map(|record| {
            line.clear();
            record.write_line(TelemetryFormat::Eve, &mut line).unwrap();
            assert_eq!(line.pop(), Some(b'\n'));
            OwnedEntry {
                time: record.event.time_us * 1_000,
                source: "suricata".to_string(),
                position: format!("events.jsonl:{}", record.event.index + 1),
                record: line.clone(),
            }
        })
        .collect()
}

/// Small synthetic entries: entry `i` has time `i` seconds and a record naming `i`.
pub fn synthetic(range: std::ops::Range<u64>) -> Vec<OwnedEntry> {
    range.map(synthetic_entry).collect()
}

/// Entry `i` of [`synthetic`].
pub fn synthetic_entry(i: u64) -> OwnedEntry {
    OwnedEntry {
        time: (i as i64) * 1_000_000_000,
        source: "test".to_string(),
        position: i.to_string(),
        record: format!(r#"{{"i":{i},"pad":"{}"}}"#, "x".repeat((i % 50) as usize)).into_bytes(),
    }
}

/// Limits with the given segment size and otherwise nothing deleted.
pub fn limits(segment_bytes: u64) -> Limits {
    Limits {
        max_bytes: u64::MAX,
        max_age: Duration::from_secs(u64::MAX / 4),
        segment_bytes,
    }
}

pub fn append_all(archive: &mut Archive, entries: &[OwnedEntry]) {
    for entry in entries {
        archive.append(&entry.as_entry()).unwrap();
    }
}

/// Every entry of a full scan; panics on an error item.
pub fn scan_all(archive: &Archive) -> Vec<OwnedEntry> {
    archive
        .scan(i64::MIN, i64::MAX)
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
}

/// The sealed segment files of a folder, in sequence order.
pub fn sealed_files(dir: &Path) -> Vec<PathBuf> {
    files_ending(dir, ".zst")
}

pub fn files_ending(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    files.sort();
    files
}

/// A borrowed entry for a one-off append.
pub fn entry<'a>(time: i64, record: &'a [u8]) -> Entry<'a> {
    Entry {
        time,
        source: "s",
        position: "p",
        record,
    }
}
