//! Append and scan throughput of the archive on workload EVE lines, beside a floor: the same
//! bytes through a bare zstd stream encoder at the archive's level.
//!
//! ```text
//! cargo run --release -p phalanx-archive --example archive_throughput [EVENTS] [DIR]
//! ```
//!
//! Prints one JSON object. `EVENTS` defaults to 200,000 (about 100 MB of lines); `DIR` (a
//! folder on the disk to measure, default a temporary folder under `TMPDIR`) receives the
//! archive and is emptied afterwards.

use std::fmt::Write as _;
use std::io::Write;
use std::time::Instant;

use phalanx_archive::{Archive, Entry, Limits};
use phalanx_workload::{Config, TelemetryFormat, Workload};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let events: u64 = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(200_000);
    let parent = args.next().map(std::path::PathBuf::from);

    // Lines first, so generation is not timed: one buffer, with the offset and time of each.
    let workload = Workload::new(Config {
        format: TelemetryFormat::Eve,
        ..Config::new(1_000, events, 7)
    })?;
    let mut lines = Vec::new();
    let mut spans = Vec::with_capacity(events as usize);
    for record in workload.events() {
        let start = lines.len();
        record.write_line(TelemetryFormat::Eve, &mut lines)?;
        lines.pop(); // the newline: the archive stores the record
        spans.push((
            start,
            lines.len(),
            record.event.time_us.saturating_mul(1_000),
        ));
    }
    let record_bytes = lines.len() as u64;
    let mb = |bytes: u64, seconds: f64| bytes as f64 / 1e6 / seconds;

    // Floor: the same records, one after another, through zstd alone (level 3, in memory).
    let floor_start = Instant::now();
    let mut encoder = zstd::stream::write::Encoder::new(Vec::new(), 3)?;
    for &(start, end, _) in &spans {
        encoder.write_all(&lines[start..end])?;
    }
    let floor_compressed = encoder.finish()?.len() as u64;
    let floor_seconds = floor_start.elapsed().as_secs_f64();

    // The archive, default limits (8 MiB segments, each synced when sealed).
    let dir = match &parent {
        Some(parent) => tempfile::tempdir_in(parent)?,
        None => tempfile::tempdir()?,
    };
    let append_start = Instant::now();
    let mut archive = Archive::open(dir.path(), Limits::default())?;
    let mut position = String::new();
    for (index, &(start, end, time)) in spans.iter().enumerate() {
        position.clear();
        write!(position, "events.jsonl:{}", index + 1)?;
        archive.append(&Entry {
            time,
            source: "suricata",
            position: &position,
            record: &lines[start..end],
        })?;
    }
    archive.flush_segment()?;
    let append_seconds = append_start.elapsed().as_secs_f64();
    let stats = archive.stats();

    // A full scan, and one of the middle tenth of the event-time range.
    let scan_start = Instant::now();
    let mut scanned = 0u64;
    for entry in archive.scan(i64::MIN, i64::MAX)? {
        scanned += entry?.record.len() as u64;
    }
    let scan_seconds = scan_start.elapsed().as_secs_f64();
    let (oldest, newest) = (
        stats.oldest_time.unwrap_or(0),
        stats.newest_time.unwrap_or(0),
    );
    let tenth = (newest - oldest) / 10;
    let mut range = archive.scan(oldest + 4 * tenth, oldest + 5 * tenth)?;
    let range_start = Instant::now();
    let range_entries = range.by_ref().filter(Result::is_ok).count();
    let range_seconds = range_start.elapsed().as_secs_f64();
    let range_progress = range.progress();
    archive.close()?;
    assert_eq!(
        scanned, record_bytes,
        "the scan must give back every record"
    );

    let report = serde_json::json!({
        "events": events,
        "record_bytes": record_bytes,
        "mean_record_bytes": record_bytes as f64 / events as f64,
        "archive": {
            "append_mb_per_s": mb(record_bytes, append_seconds),
            "append_records_per_s": events as f64 / append_seconds,
            "compressed_bytes": stats.compressed_bytes,
            "compression_ratio": record_bytes as f64 / stats.compressed_bytes as f64,
            "segments": stats.segments,
            "scan_mb_per_s": mb(record_bytes, scan_seconds),
            "scan_records_per_s": events as f64 / scan_seconds,
        },
        "floor_zstd_alone": {
            "level": 3,
            "compress_mb_per_s": mb(record_bytes, floor_seconds),
            "compressed_bytes": floor_compressed,
            "compression_ratio": record_bytes as f64 / floor_compressed as f64,
        },
        "range_scan_tenth": {
            "entries": range_entries,
            "segments_opened": range_progress.segments_opened,
            "segments_total_in_archive": stats.segments,
            "seconds": range_seconds,
        },
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
