//! Crashes lose only the unsealed tail; damaged files are reported and skipped, never a panic.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{
    append_all, files_ending, limits, scan_all, sealed_files, synthetic, synthetic_entry,
    workload_entries,
};
use phalanx_archive::{Archive, ArchiveError, OwnedEntry};

const CHILD_DIR: &str = "PHALANX_ARCHIVE_TEST_CHILD_DIR";

/// Opens `dir` and checks that a full scan is a prefix of `written`; returns its length.
fn recovered_prefix(dir: &Path, written: &[OwnedEntry]) -> usize {
    let archive = Archive::open(dir, limits(u64::MAX / 2)).unwrap();
    let got = scan_all(&archive);
    assert!(got.len() <= written.len());
    assert!(
        got[..] == written[..got.len()],
        "recovered entries are not a prefix of the written ones"
    );
    assert!(files_ending(dir, ".open").is_empty() && files_ending(dir, ".recover").is_empty());
    got.len()
}

#[test]
fn a_truncated_open_segment_recovers_a_prefix() {
    let entries = workload_entries(6_000);
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path(), limits(u64::MAX / 2)).unwrap();
    append_all(&mut archive, &entries);
    // A crash: nothing sealed, the compressor's buffers never written out.
    std::mem::forget(archive);
    let open = files_ending(dir.path(), ".open");
    assert_eq!(open.len(), 1);
    let name = open[0].file_name().unwrap().to_owned();
    let bytes = std::fs::read(&open[0]).unwrap();
    let len = bytes.len();
    assert!(len > 100_000, "{len}");

    let mut last = 0;
    for cut in [
        0,
        1,
        4,
        8,
        12,
        13,
        100,
        5_000,
        len / 7,
        len / 3,
        len / 2,
        len - 1_000,
        len - 1,
        len,
    ] {
        let copy = tempfile::tempdir().unwrap();
        std::fs::write(copy.path().join(&name), &bytes[..cut]).unwrap();
        let archive = Archive::open(copy.path(), limits(u64::MAX / 2)).unwrap();
        let report = archive.open_report().clone();
        assert_eq!(report.recovered.len(), 1, "{report:?}");
        let recovered = archive.stats().recovered_entries;
        assert_eq!(report.recovered[0].entries, recovered);
        assert_eq!(report.recovered[0].sealed.is_some(), recovered > 0);
        drop(archive);
        let got = recovered_prefix(copy.path(), &entries);
        assert_eq!(got as u64, recovered, "cut at {cut}");
        assert!(got >= last, "cut at {cut}: {got} < {last}");
        last = got;
    }
    // Only what the compressor still held (under a 128 KiB block of input) was lost.
    assert!(
        last + 400 >= entries.len(),
        "recovered {last} of {}",
        entries.len()
    );
    assert!(last > 0);
}

#[test]
fn leftovers_of_an_interrupted_seal_or_recovery_are_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let mut archive = Archive::open(dir.path(), limits(u64::MAX / 2)).unwrap();
    append_all(&mut archive, &synthetic(0..100));
    archive.close().unwrap();
    let sealed = sealed_files(dir.path());
    let seq = &sealed[0].file_name().unwrap().to_string_lossy()[..12].to_string();
    // A crash after the rename but before the `.open` was deleted, and one during a recovery.
    std::fs::write(dir.path().join(format!("{seq}.open")), b"stale").unwrap();
    std::fs::write(dir.path().join("000000000007.recover"), b"half").unwrap();
    std::fs::write(dir.path().join("notes.txt"), b"an operator's file").unwrap();
    std::fs::create_dir(dir.path().join("000000000009.open")).unwrap();

    let archive = Archive::open(dir.path(), limits(u64::MAX / 2)).unwrap();
    let report = archive.open_report();
    assert_eq!(report.removed.len(), 2, "{report:?}");
    assert!(report.recovered.is_empty());
    assert_eq!(report.ignored.len(), 2, "{report:?}");
    assert_eq!(
        std::fs::read(dir.path().join("notes.txt")).unwrap(),
        b"an operator's file"
    );
    assert_eq!(scan_all(&archive), synthetic(0..100));
}

#[test]
fn garbage_open_segments_recover_nothing() {
    for garbage in [
        &b""[..],
        b"PHXARC01",
        b"\x28\xb5\x2f\xfd garbage",
        &[0xAB; 4096],
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("000000000000.open"), garbage).unwrap();
        let mut archive = Archive::open(dir.path(), limits(1 << 20)).unwrap();
        assert_eq!(archive.open_report().recovered[0].entries, 0);
        assert!(archive.open_report().recovered[0].sealed.is_none());
        assert_eq!(archive.stats().segments, 0);
        // The sequence number of the leftover is not reused.
        append_all(&mut archive, &synthetic(0..3));
        archive.flush_segment().unwrap();
        let files = sealed_files(dir.path());
        assert!(
            files[0]
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("000000000001-"),
            "{files:?}"
        );
    }
}

/// Writes three sealed segments of 100 entries each; returns them.
fn three_segments(dir: &Path) -> Vec<Vec<OwnedEntry>> {
    let mut archive = Archive::open(dir, limits(u64::MAX / 2)).unwrap();
    let segments: Vec<Vec<OwnedEntry>> =
        (0..3).map(|k| synthetic(k * 100..k * 100 + 100)).collect();
    for segment in &segments {
        append_all(&mut archive, segment);
        archive.flush_segment().unwrap();
    }
    segments
}

#[test]
fn damaged_sealed_segments_are_reported_at_open_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let segments = three_segments(dir.path());
    let files = sealed_files(dir.path());
    let random: Vec<u8> = (0..3_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(&files[0], random).unwrap();
    let len = std::fs::metadata(&files[2]).unwrap().len();
    std::fs::File::options()
        .write(true)
        .open(&files[2])
        .unwrap()
        .set_len(len / 2)
        .unwrap();

    let archive = Archive::open(dir.path(), limits(u64::MAX / 2)).unwrap();
    let report = archive.open_report();
    let damaged: Vec<_> = report.damaged.iter().map(|d| d.path.clone()).collect();
    assert_eq!(damaged.len(), 2, "{report:?}");
    assert!(damaged.contains(&files[0]) && damaged.contains(&files[2]));
    assert!(
        report
            .damaged
            .iter()
            .all(|d| d.reason.contains("footer") || d.reason.contains("short"))
    );
    let stats = archive.stats();
    assert_eq!(
        (stats.segments, stats.damaged_segments, stats.entries),
        (1, 2, 100)
    );
    assert_eq!(scan_all(&archive), segments[1]);
    // Damaged bytes still count against the bound, and retention removes them in turn.
    assert!(stats.compressed_bytes > std::fs::metadata(&files[1]).unwrap().len());
}

#[test]
fn damage_inside_a_segment_is_reported_by_the_scan_which_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let segments = three_segments(dir.path());
    let files = sealed_files(dir.path());
    let mut bytes = std::fs::read(&files[1]).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 4]
        .iter_mut()
        .for_each(|b| *b ^= 0xA5);
    std::fs::write(&files[1], bytes).unwrap();

    let archive = Archive::open(dir.path(), limits(u64::MAX / 2)).unwrap();
    assert!(archive.open_report().damaged.is_empty()); // footers are intact
    let mut scan = archive.scan(i64::MIN, i64::MAX).unwrap();
    let items: Vec<_> = scan.by_ref().collect();
    let errors: Vec<&ArchiveError> = items.iter().filter_map(|i| i.as_ref().err()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    match errors[0] {
        ArchiveError::Corrupt { path, reason } => assert!(path == &files[1], "{path:?}: {reason}"),
        other => panic!("{other}"),
    }
    let ok: Vec<OwnedEntry> = items.into_iter().filter_map(Result::ok).collect();
    assert_eq!(ok[..100], segments[0][..]);
    assert_eq!(ok[ok.len() - 100..], segments[2][..]);
    // Anything yielded from the damaged segment came before the damage, unaltered.
    let middle = &ok[100..ok.len() - 100];
    assert_eq!(middle[..], segments[1][..middle.len()]);
    let progress = scan.progress();
    assert_eq!((progress.segments_done, progress.segments_damaged), (3, 1));
}

#[test]
fn no_damage_makes_open_or_scan_panic() {
    let dir = tempfile::tempdir().unwrap();
    let segments = three_segments(dir.path());
    let all: Vec<OwnedEntry> = segments.concat();
    let files = sealed_files(dir.path());
    let original = std::fs::read(&files[1]).unwrap();
    let name = files[1].file_name().unwrap().to_owned();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..60 {
        let mut bytes = original.clone();
        match round % 3 {
            0 => bytes.truncate((next() as usize) % bytes.len()),
            1 => {
                for _ in 0..1 + next() % 4 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] ^= 1 << (next() % 8);
                }
            }
            _ => {
                let at = (next() as usize) % bytes.len();
                let end = (at + 64).min(bytes.len());
                bytes[at..end].fill(next() as u8);
            }
        }
        for (target, content) in [
            (name.to_string_lossy().into_owned(), &bytes),
            ("000000000009.open".to_string(), &bytes),
        ] {
            let copy = tempfile::tempdir().unwrap();
            std::fs::write(copy.path().join(target), content).unwrap();
            let archive = Archive::open(copy.path(), limits(u64::MAX / 2)).unwrap();
            // Errors are expected; every entry yielded must be one that was written.
            for entry in archive.scan(i64::MIN, i64::MAX).unwrap().flatten() {
                assert!(
                    all.contains(&entry),
                    "round {round}: an entry that was never written"
                );
            }
        }
    }
}

/// The child half of [`a_killed_writer_loses_only_the_unsealed_tail`]: appends entries until
/// it is killed. Does nothing unless started by that test.
#[test]
fn child_writer() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let mut archive = Archive::open(Path::new(&dir), limits(1 << 20)).unwrap();
    let mut ready = false;
    for i in 0..2_000_000u64 {
        archive.append(&synthetic_entry(i).as_entry()).unwrap();
        let stats = archive.stats();
        // Two segments sealed, and the open one past four zstd blocks (128 KiB of input
        // each), which the compressor has written out.
        if !ready && stats.segments >= 2 && stats.open_uncompressed_bytes >= 600 << 10 {
            println!("ready {}", stats.entries);
            ready = true;
        }
    }
    std::thread::sleep(std::time::Duration::from_secs(60));
}

#[test]
fn a_killed_writer_loses_only_the_unsealed_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writer", "--nocapture", "--test-threads=1"])
        .env(CHILD_DIR, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut sealed_at_ready = None;
    // libtest prints "test child_writer ... " before the child's own line.
    for line in BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
    {
        if let Some((_, count)) = line.split_once("ready ") {
            sealed_at_ready = count.trim().parse::<usize>().ok();
            break;
        }
    }
    // Kill it while it writes.
    std::thread::sleep(std::time::Duration::from_millis(20));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let sealed_at_ready = sealed_at_ready.expect("the child never got ready");
    // One open segment, or none when the kill fell between a seal and the next append.
    let open = files_ending(dir.path(), ".open").len();
    assert!(open <= 1);

    let archive = Archive::open(dir.path(), limits(1 << 20)).unwrap();
    let got = scan_all(&archive);
    let written = synthetic(0..got.len() as u64);
    assert!(
        got == written,
        "the archive after the kill is not a prefix of what was written"
    );
    // Everything sealed survives, and so do the blocks the compressor had written out.
    assert!(
        got.len() > sealed_at_ready,
        "{} <= {sealed_at_ready}",
        got.len()
    );
    assert_eq!(archive.open_report().recovered.len(), open);
}
