//! Time-range scans skip segments; retention keeps the archive within its bytes and age.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{append_all, limits, scan_all, sealed_files, synthetic};
use phalanx_archive::{Archive, ArchiveError, Limits, OwnedEntry};

const SECOND: i64 = 1_000_000_000;

/// Ten segments of 100 entries: segment `k` holds seconds `100k .. 100k + 99`.
fn ten_segments(dir: &std::path::Path) -> (Archive, Vec<OwnedEntry>) {
    let entries = synthetic(0..1_000);
    let mut archive = Archive::open(dir, limits(u64::MAX / 2)).unwrap();
    for chunk in entries.chunks(100) {
        append_all(&mut archive, chunk);
        archive.flush_segment().unwrap();
    }
    assert_eq!(archive.stats().segments, 10);
    (archive, entries)
}

#[test]
fn range_scans_open_only_overlapping_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (archive, entries) = ten_segments(dir.path());
    let files = sealed_files(dir.path());
    assert!(
        files[3]
            .to_string_lossy()
            .ends_with("-300000000000-399000000000.zst"),
        "{files:?}"
    );

    // Damage every segment but the fourth in its middle (footers intact): a scan that opened
    // any of them would report it.
    for (index, file) in files.iter().enumerate() {
        if index != 3 {
            let mut bytes = std::fs::read(file).unwrap();
            let middle = bytes.len() / 2;
            bytes[middle - 8..middle + 8].fill(0x55);
            std::fs::write(file, bytes).unwrap();
        }
    }

    let mut scan = archive.scan(310 * SECOND, 320 * SECOND).unwrap();
    let before = scan.progress();
    assert_eq!(
        (
            before.segments_total,
            before.segments_opened,
            before.segments_done
        ),
        (1, 0, 0)
    );
    let found: Vec<OwnedEntry> = scan.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(found, entries[310..=320].to_vec());
    let after = scan.progress();
    assert_eq!(
        (
            after.segments_total,
            after.segments_opened,
            after.segments_done
        ),
        (1, 1, 1)
    );
    assert_eq!(after.bytes_done, after.bytes_total);
    assert_eq!(
        after.bytes_total,
        std::fs::metadata(&files[3]).unwrap().len()
    );
    assert_eq!((after.entries_read, after.entries_matched), (100, 11));

    // A range between segments opens nothing; one spanning two opens both.
    let mut gap = archive.scan(399 * SECOND + 1, 400 * SECOND - 1).unwrap();
    assert!(gap.next().is_none());
    assert_eq!(gap.progress().segments_opened, 0);
    let spanning = archive.scan(395 * SECOND, 405 * SECOND).unwrap();
    assert_eq!(spanning.progress().segments_total, 2);

    let error = archive.scan(2, 1).unwrap_err();
    assert!(matches!(error, ArchiveError::EmptyRange { .. }), "{error}");
}

#[test]
fn progress_counts_up_to_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let (archive, entries) = ten_segments(dir.path());
    let mut scan = archive.scan(i64::MIN, i64::MAX).unwrap();
    let total = scan.progress();
    assert_eq!(total.segments_total, 10);
    let mut last = total;
    let mut count = 0;
    while let Some(entry) = scan.next() {
        assert_eq!(entry.unwrap(), entries[count]);
        count += 1;
        let now = scan.progress();
        assert!(now.bytes_done >= last.bytes_done && now.bytes_done <= now.bytes_total);
        assert!(now.segments_done >= last.segments_done);
        last = now;
    }
    assert_eq!(count, 1_000);
    let end = scan.progress();
    assert_eq!((end.segments_done, end.bytes_done), (10, end.bytes_total));
}

#[test]
fn a_segment_deleted_during_a_scan_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let (archive, entries) = ten_segments(dir.path());
    let scan = archive.scan(i64::MIN, i64::MAX).unwrap();
    std::fs::remove_file(&sealed_files(dir.path())[0]).unwrap();
    let mut scan = scan;
    let found: Vec<OwnedEntry> = scan.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(found, entries[100..].to_vec());
    assert_eq!(scan.progress().segments_vanished, 1);
}

#[test]
fn retention_by_bytes_keeps_the_newest_within_the_bound() {
    let entries = synthetic(0..20_000);
    let dir = tempfile::tempdir().unwrap();
    let max_bytes = 40_000;
    let limits = Limits {
        max_bytes,
        segment_bytes: 32_000,
        ..limits(0)
    };
    let mut archive = Archive::open(dir.path(), limits).unwrap();
    for entry in &entries {
        archive.append(&entry.as_entry()).unwrap();
        assert!(archive.stats().compressed_bytes <= max_bytes);
    }
    archive.flush_segment().unwrap();
    let stats = archive.stats();
    assert!(stats.compressed_bytes <= max_bytes, "{stats:?}");
    assert!(
        stats.deleted_segments > 10 && stats.segments >= 2,
        "{stats:?}"
    );
    let on_disk: u64 = sealed_files(dir.path())
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    assert_eq!(on_disk, stats.compressed_bytes);
    assert_eq!(sealed_files(dir.path()).len() as u64, stats.segments);

    // What is left is the newest, unbroken suffix of what was written.
    let kept = scan_all(&archive);
    assert_eq!(kept.len() as u64, stats.entries);
    assert_eq!(kept[..], entries[entries.len() - kept.len()..]);

    // Reopening with a smaller bound applies it at once.
    drop(archive);
    let archive = Archive::open(
        dir.path(),
        Limits {
            max_bytes: 32_000,
            ..limits
        },
    )
    .unwrap();
    let stats = archive.stats();
    assert!(
        stats.compressed_bytes <= 32_000 && stats.deleted_segments >= 1,
        "{stats:?}"
    );
}

#[test]
fn retention_by_event_age() {
    // One entry per second for 1000 s, a segment per 50 s; keep 120 s behind the newest.
    let entries = synthetic(0..1_000);
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_age: Duration::from_secs(120),
        ..limits(u64::MAX / 2)
    };
    let mut archive = Archive::open(dir.path(), limits).unwrap();
    for chunk in entries.chunks(50) {
        append_all(&mut archive, chunk);
        archive.flush_segment().unwrap();
    }
    let stats = archive.stats();
    // Newest 999 s, cut-off 879 s: the segments ending at 899, 949 and 999 s remain.
    assert_eq!(
        (stats.segments, stats.deleted_segments),
        (3, 17),
        "{stats:?}"
    );
    assert_eq!(stats.oldest_time, Some(850 * SECOND));
    assert_eq!(scan_all(&archive), entries[850..].to_vec());

    // Old events arriving late are kept only until the next seal.
    append_all(&mut archive, &synthetic(0..10));
    assert_eq!(archive.stats().open_entries, 10);
    archive.flush_segment().unwrap();
    assert_eq!(archive.stats().segments, 3);
    assert_eq!(archive.stats().deleted_segments, 18);
}
