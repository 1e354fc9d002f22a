//! Entries come back byte for byte: workload telemetry, hostile sizes, arbitrary bytes; and
//! the limits read from a node's TOML.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{append_all, limits, scan_all, workload_entries};
use phalanx_archive::{Archive, ArchiveError, Entry, Limits, MAX_LABEL_BYTES, OwnedEntry};
use proptest::prelude::*;

#[test]
fn workload_lines_round_trip_in_order_and_compress() {
    let entries = workload_entries(20_000);
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path(), limits(2 << 20)).unwrap();
    append_all(&mut archive, &entries);
    let before = archive.stats();
    assert!(before.segments >= 2, "{before:?}"); // sealed by size on the way
    assert!(before.open_entries > 0);
    archive.flush_segment().unwrap();

    let stats = archive.stats();
    assert_eq!(stats.entries, 20_000);
    assert_eq!(stats.open_entries, 0);
    assert_eq!(
        stats.record_bytes,
        entries.iter().map(|e| e.record.len() as u64).sum::<u64>()
    );
    assert_eq!(stats.oldest_time, entries.iter().map(|e| e.time).min());
    assert_eq!(stats.newest_time, entries.iter().map(|e| e.time).max());
    let ratio = stats.record_bytes as f64 / stats.compressed_bytes as f64;
    assert!(ratio >= 4.0, "compression ratio {ratio:.2}");
    assert_eq!(scan_all(&archive), entries);

    // Persisted: a new handle reads the same from the footers and the segments.
    archive.close().unwrap();
    let archive = Archive::open(dir.path(), limits(2 << 20)).unwrap();
    assert_eq!(archive.open_report(), &Default::default());
    let reopened = archive.stats();
    assert_eq!(
        (reopened.entries, reopened.compressed_bytes),
        (stats.entries, stats.compressed_bytes)
    );
    assert_eq!(scan_all(&archive), entries);
}

#[test]
fn hostile_sizes_round_trip() {
    let big: Vec<u8> = (0..5_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let entries = vec![
        OwnedEntry {
            time: 5,
            source: String::new(),
            position: String::new(),
            record: Vec::new(),
        },
        OwnedEntry {
            time: i64::MIN,
            source: "s".into(),
            position: "1".into(),
            record: big.clone(),
        },
        OwnedEntry {
            time: i64::MAX,
            source: "ünïcode ✓".into(),
            position: "x".repeat(MAX_LABEL_BYTES),
            record: b"PHXARC01\x00\xff".to_vec(),
        },
        OwnedEntry {
            time: -1,
            source: "s".into(),
            position: "2".into(),
            record: Vec::new(),
        },
        OwnedEntry {
            time: 0,
            source: "s".into(),
            position: "3".into(),
            record: vec![0x80; 300],
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path(), limits(1 << 20)).unwrap();
    append_all(&mut archive, &entries);
    archive.flush_segment().unwrap();
    assert_eq!(scan_all(&archive), entries);
    drop(archive);
    let archive = Archive::open(dir.path(), limits(1 << 20)).unwrap();
    assert_eq!(scan_all(&archive), entries);
}

#[test]
fn oversized_fields_are_refused_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path(), Limits::default()).unwrap();
    let long = "x".repeat(MAX_LABEL_BYTES + 1);
    let error = archive
        .append(&Entry {
            time: 0,
            source: &long,
            position: "",
            record: b"{}",
        })
        .unwrap_err();
    assert!(
        matches!(
            error,
            ArchiveError::EntryTooLarge {
                field: "source",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("not written"));
    assert_eq!(archive.stats().open_entries, 0);
}

#[test]
fn archives_and_scans_move_between_threads() {
    fn send<T: Send + 'static>() {}
    send::<Archive>();
    send::<phalanx_archive::Scan>();
}

#[test]
fn one_archive_per_folder() {
    let dir = tempfile::tempdir().unwrap();
    let archive = Archive::open(dir.path(), Limits::default()).unwrap();
    let error = Archive::open(dir.path(), Limits::default()).unwrap_err();
    assert!(matches!(error, ArchiveError::Locked { .. }), "{error}");
    assert!(error.to_string().contains("LOCK"), "{error}");
    archive.close().unwrap();
    Archive::open(dir.path(), Limits::default()).unwrap();
}

#[test]
fn limits_from_node_toml() {
    #[derive(serde::Deserialize)]
    struct Node {
        detect: Detect,
    }
    #[derive(serde::Deserialize)]
    struct Detect {
        archive: Limits,
    }
    let node: Node = toml::from_str(
        "[detect.archive]\nmax_bytes = 1073741824\nmax_age_seconds = 604800\nsegment_bytes = 8388608\n",
    )
    .unwrap();
    assert_eq!(node.detect.archive, Limits::default());

    let partial: Limits = toml::from_str("max_age_seconds = 3600").unwrap();
    assert_eq!(
        partial,
        Limits {
            max_age: Duration::from_secs(3600),
            ..Limits::default()
        }
    );

    let misspelt = toml::from_str::<Limits>("max_age = 3600").unwrap_err();
    assert!(misspelt.to_string().contains("max_age"), "{misspelt}");

    let back: Limits = toml::from_str(&toml::to_string(&partial).unwrap()).unwrap();
    assert_eq!(back, partial);

    let refused = Limits {
        max_bytes: 10,
        segment_bytes: 100,
        max_age: Duration::ZERO,
    };
    let error = refused.validate().unwrap_err().to_string();
    assert!(
        error.contains("max_bytes") && error.contains("max_age_seconds"),
        "{error}"
    );
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Archive::open(dir.path(), refused),
        Err(ArchiveError::Limits { .. })
    ));
}

fn arbitrary_entry() -> impl Strategy<Value = OwnedEntry> {
    (
        // Any time within ±2^61 ns (±73 years): the age window saturates at i64::MAX ns.
        -(1i64 << 61)..(1i64 << 61),
        ".{0,8}",
        ".{0,12}",
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..64),
            proptest::collection::vec(any::<u8>(), 0..3_000),
        ],
    )
        .prop_map(|(time, source, position, record)| OwnedEntry {
            time,
            source,
            position,
            record,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_records_round_trip(
        entries in proptest::collection::vec(arbitrary_entry(), 0..60),
        segment_bytes in 1u64..40_000,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut archive = Archive::open(dir.path(), limits(segment_bytes)).unwrap();
        append_all(&mut archive, &entries);
        archive.flush_segment().unwrap();
        prop_assert_eq!(archive.stats().entries, entries.len() as u64);
        prop_assert_eq!(scan_all(&archive), entries.clone());

        // A range scan yields exactly the entries inside it, in order.
        let mut times: Vec<i64> = entries.iter().map(|e| e.time).collect();
        times.sort_unstable();
        if let (Some(&lo), Some(&hi)) = (times.get(times.len() / 4), times.get(times.len() * 3 / 4)) {
            let got: Vec<OwnedEntry> =
                archive.scan(lo, hi).unwrap().collect::<Result<_, _>>().unwrap();
            let want: Vec<OwnedEntry> =
                entries.iter().filter(|e| e.time >= lo && e.time <= hi).cloned().collect();
            prop_assert_eq!(got, want);
        }
    }
}
