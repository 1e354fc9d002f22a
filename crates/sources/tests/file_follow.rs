//! Followed files: rotation, truncation, restarts, late files, long and partial lines.
#![allow(clippy::unwrap_used)]

mod common;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::{assert_quiet, take_records, text};
use phalanx_sources::config::{FileConfig, FormatHint, StartAt};
use phalanx_sources::file::{FileOffsetStore, FileProgress, FileSource, OffsetStore};
use phalanx_sources::{Batch, Position, Record, Source, SourceError, SourceStats};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(20);

struct Running {
    task: JoinHandle<Result<(), SourceError>>,
    rx: Receiver<Batch>,
    cancel: CancellationToken,
    progress: FileProgress,
    stats: Arc<SourceStats>,
}

fn config(path: &Path) -> FileConfig {
    let mut config = FileConfig::new("eve", FormatHint::Eve, path);
    config.poll_interval_ms = 10;
    config.batch_records = 16;
    config.commit_interval_ms = 20;
    config
}

async fn start(config: FileConfig, store: Arc<dyn OffsetStore>) -> Running {
    let source = FileSource::new(config, store).await.unwrap();
    let progress = source.progress().unwrap();
    let stats = source.stats();
    let (sink, rx) = phalanx_sources::channel(4);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(source.run(sink, cancel.clone()));
    Running {
        task,
        rx,
        cancel,
        progress,
        stats,
    }
}

impl Running {
    async fn stop(self) -> Arc<SourceStats> {
        self.cancel.cancel();
        self.task.await.unwrap().unwrap();
        self.stats
    }
}

fn store(dir: &Path) -> Arc<dyn OffsetStore> {
    Arc::new(FileOffsetStore::new(dir.join("state")).unwrap())
}

fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

fn lines(range: std::ops::Range<usize>) -> String {
    range.map(|n| format!("{{\"n\":{n}}}\n")).collect()
}

/// (payload, path, line) of each record.
fn described(records: &[Record]) -> Vec<(String, PathBuf, u64)> {
    records
        .iter()
        .map(|r| match &r.origin.position {
            Position::File { path, line, .. } => (text(r), path.to_path_buf(), *line),
            other => panic!("not a file position: {other:?}"),
        })
        .collect()
}

async fn ack_all(records: Vec<Record>) {
    for record in records {
        record.ack.ack().await.unwrap();
    }
}

/// Waits until the saved offset reaches `line`.
async fn wait_saved(progress: &FileProgress, line: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while progress.saved().map(|c| c.line) != Some(line) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "saved: {:?}",
            progress.saved()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn rotation_by_rename_while_writing_loses_and_repeats_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    let mut running = start(config(&path), store(dir.path())).await;

    const ROUNDS: usize = 6;
    const PER_FILE: usize = 400;
    const AFTER_RENAME: usize = 5;
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut n = 0;
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&writer_path)
            .unwrap();
        for round in 0..ROUNDS {
            for _ in 0..PER_FILE {
                writeln!(file, "{{\"n\":{n}}}").unwrap();
                n += 1;
                if n % 64 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            // Rotations are far rarer than polls in real life; a follower cannot see a file
            // that was created and rotated away between two of its polls.
            std::thread::sleep(Duration::from_millis(60));
            let rotated = writer_path.with_extension(format!("json.{round}"));
            fs::rename(&writer_path, &rotated).unwrap();
            // Like a logger that has not reopened yet: more lines into the renamed file.
            for _ in 0..AFTER_RENAME {
                writeln!(file, "{{\"n\":{n}}}").unwrap();
                n += 1;
            }
            std::thread::sleep(Duration::from_millis(5));
            file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&writer_path)
                .unwrap();
        }
        for _ in 0..10 {
            writeln!(file, "{{\"n\":{n}}}").unwrap();
            n += 1;
        }
        n
    });

    let total = ROUNDS * (PER_FILE + AFTER_RENAME) + 10;
    let records = take_records(&mut running.rx, total, WAIT).await;
    assert_eq!(writer.join().unwrap(), total);
    let seen = described(&records);
    ack_all(records).await;
    for (i, (payload, _, line)) in seen.iter().enumerate() {
        assert_eq!(
            payload,
            &format!("{{\"n\":{i}}}"),
            "record {i} out of order or repeated"
        );
        let expected_line = (i % (PER_FILE + AFTER_RENAME)) as u64 + 1;
        assert_eq!(*line, expected_line, "line number of record {i}");
    }
    assert_quiet(&mut running.rx, Duration::from_millis(100)).await;
    wait_saved(&running.progress, 10).await;
    let stats = running.stop().await.snapshot();
    assert_eq!(
        (stats.read, stats.errors),
        (total as u64, 0),
        "{:?}",
        stats.recent_errors
    );
}

#[tokio::test]
async fn copytruncate_restarts_at_the_beginning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    append(&path, &lines(0..300));
    let mut running = start(config(&path), store(dir.path())).await;
    let mut next = 0;
    for round in 0..3 {
        let got = described(&take_records(&mut running.rx, 300 - round * 50, WAIT).await);
        for (i, (payload, _, line)) in got.iter().enumerate() {
            assert_eq!(payload, &format!("{{\"n\":{}}}", next + i), "round {round}");
            assert_eq!(
                *line,
                i as u64 + 1 + if round == 0 { 0 } else { 1 },
                "round {round}"
            );
        }
        next += got.len();
        // copytruncate: copy, then truncate in place; the writer keeps appending (O_APPEND).
        fs::copy(&path, dir.path().join(format!("eve.json.{round}"))).unwrap();
        OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(0)
            .unwrap();
        append(&path, &lines(next..next + 1));
        let first = described(&take_records(&mut running.rx, 1, WAIT).await);
        assert_eq!(first[0].0, format!("{{\"n\":{next}}}"));
        assert_eq!(first[0].2, 1, "line numbers restart after truncation");
        next += 1;
        append(&path, &lines(next..next + 300 - (round + 1) * 50));
    }
    let rest = take_records(&mut running.rx, 150, WAIT).await;
    assert_eq!(text(&rest[149]), format!("{{\"n\":{}}}", next + 149));
    assert_quiet(&mut running.rx, Duration::from_millis(100)).await;
    running.stop().await;
}

#[tokio::test]
async fn restart_resumes_after_the_last_acknowledged_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    let offsets = store(dir.path());
    append(&path, &lines(0..100));

    let mut first = start(config(&path), Arc::clone(&offsets)).await;
    let mut records = take_records(&mut first.rx, 100, WAIT).await;
    let in_flight: Vec<Record> = records.split_off(40);
    ack_all(records).await;
    wait_saved(&first.progress, 40).await;
    // Lines 41..=60 were processed but the node dies before acknowledging them.
    let processed_unacked: Vec<_> = in_flight.iter().take(20).map(text).collect();
    assert_eq!(processed_unacked[0], "{\"n\":40}");
    first.task.abort();
    let _ = first.task.await;
    drop(in_flight);
    drop(first.rx);

    append(&path, &lines(100..120));
    let mut second = start(config(&path), Arc::clone(&offsets)).await;
    let records = take_records(&mut second.rx, 80, WAIT).await;
    let seen = described(&records);
    for (i, (payload, _, line)) in seen.iter().enumerate() {
        assert_eq!(
            payload,
            &format!("{{\"n\":{}}}", 40 + i),
            "no line skipped or repeated"
        );
        assert_eq!(*line, 41 + i as u64);
    }
    if let Position::File { offset, .. } = &records[0].origin.position {
        assert_eq!(*offset, lines(0..40).len() as u64);
    }
    ack_all(records).await;
    assert_quiet(&mut second.rx, Duration::from_millis(100)).await;
    wait_saved(&second.progress, 120).await;
    second.stop().await;

    let saved = offsets.load("eve").unwrap().unwrap();
    assert_eq!(saved.checkpoint.offset, fs::metadata(&path).unwrap().len());
    assert_eq!(saved.path, path);
}

#[tokio::test]
async fn a_failed_record_is_read_again_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    let offsets = store(dir.path());
    append(&path, &lines(0..10));
    let mut first = start(config(&path), Arc::clone(&offsets)).await;
    let records = take_records(&mut first.rx, 10, WAIT).await;
    for (i, record) in records.into_iter().enumerate() {
        if i == 5 {
            record.ack.nak(None).await.unwrap();
        } else {
            record.ack.ack().await.unwrap();
        }
    }
    wait_saved(&first.progress, 5).await;
    assert!(first.progress.is_frozen());
    let stats = first.stop().await.snapshot();
    assert_eq!(stats.errors, 1);

    let mut second = start(config(&path), offsets).await;
    let again = described(&take_records(&mut second.rx, 5, WAIT).await);
    assert_eq!(again[0], ("{\"n\":5}".to_owned(), path.clone(), 6));
    second.stop().await;
}

#[tokio::test]
async fn restart_finishes_a_file_rotated_while_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    let offsets = store(dir.path());
    append(&path, &lines(0..10));
    let mut first = start(config(&path), Arc::clone(&offsets)).await;
    ack_all(take_records(&mut first.rx, 10, WAIT).await).await;
    wait_saved(&first.progress, 10).await;
    first.stop().await;

    append(&path, &lines(10..15));
    let rotated = dir.path().join("eve.json.1");
    fs::rename(&path, &rotated).unwrap();
    append(&path, &lines(15..18));

    let mut second = start(config(&path), offsets).await;
    let seen = described(&take_records(&mut second.rx, 8, WAIT).await);
    let expected: Vec<_> = (10..15)
        .map(|n| (format!("{{\"n\":{n}}}"), rotated.clone(), n as u64 + 1))
        .chain((15..18).map(|n| (format!("{{\"n\":{n}}}"), path.clone(), n as u64 - 14)))
        .collect();
    assert_eq!(seen, expected);
    second.stop().await;
}

#[tokio::test]
async fn restart_after_truncation_while_stopped_starts_over_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    let offsets = store(dir.path());
    append(&path, &lines(0..10));
    let mut first = start(config(&path), Arc::clone(&offsets)).await;
    ack_all(take_records(&mut first.rx, 10, WAIT).await).await;
    wait_saved(&first.progress, 10).await;
    first.stop().await;

    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(0)
        .unwrap();
    append(&path, &lines(100..102));
    let mut second = start(config(&path), offsets).await;
    let seen = described(&take_records(&mut second.rx, 2, WAIT).await);
    assert_eq!((seen[0].0.as_str(), seen[0].2), ("{\"n\":100}", 1));
    let stats = second.stop().await.snapshot();
    assert_eq!(stats.errors, 1);
    assert!(
        stats.recent_errors[0].reason.contains("truncated"),
        "{:?}",
        stats.recent_errors
    );
}

#[tokio::test]
async fn a_file_that_appears_late_is_read_from_its_beginning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("later.json");
    let mut cfg = config(&path);
    cfg.start_at = StartAt::End;
    let mut running = start(cfg, store(dir.path())).await;
    assert_quiet(&mut running.rx, Duration::from_millis(100)).await;
    append(&path, &lines(0..3));
    let seen = described(&take_records(&mut running.rx, 3, WAIT).await);
    assert_eq!(seen[0], ("{\"n\":0}".to_owned(), path.clone(), 1));
    assert_eq!(seen[2].2, 3);
    running.stop().await;
}

#[tokio::test]
async fn huge_lines_are_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    let mut cfg = config(&path);
    cfg.max_line_bytes = 1024;
    cfg.read_chunk_bytes = 4096;
    let mut content = String::from("{\"a\":1}\n");
    content.push_str(&"x".repeat(5 * 1024 * 1024));
    content.push_str("\n{\"b\":2}\n");
    append(&path, &content);
    let mut running = start(cfg, store(dir.path())).await;
    let seen = described(&take_records(&mut running.rx, 2, WAIT).await);
    assert_eq!((seen[0].0.as_str(), seen[0].2), ("{\"a\":1}", 1));
    assert_eq!((seen[1].0.as_str(), seen[1].2), ("{\"b\":2}", 3));
    let stats = running.stop().await.snapshot();
    assert_eq!(stats.errors, 1);
    assert!(
        stats.recent_errors[0].place.ends_with("line 2 (byte 8)"),
        "{:?}",
        stats.recent_errors
    );
    assert!(
        stats.recent_errors[0]
            .reason
            .contains("max_line_bytes = 1024")
    );
}

#[tokio::test]
async fn a_partial_last_line_waits_for_its_newline_or_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    append(&path, "{\"a\":1}\n{\"b\"");
    let mut running = start(config(&path), store(dir.path())).await;
    let first = take_records(&mut running.rx, 1, WAIT).await;
    assert_eq!(text(&first[0]), "{\"a\":1}");
    assert_quiet(&mut running.rx, Duration::from_millis(200)).await;
    append(&path, ":2}\n{\"c\"");
    let second = described(&take_records(&mut running.rx, 1, WAIT).await);
    assert_eq!((second[0].0.as_str(), second[0].2), ("{\"b\":2}", 2));
    assert_quiet(&mut running.rx, Duration::from_millis(100)).await;

    fs::rename(&path, dir.path().join("eve.json.1")).unwrap();
    append(&path, "{\"d\":4}\n");
    let rest = described(&take_records(&mut running.rx, 2, WAIT).await);
    assert_eq!(
        (rest[0].0.as_str(), rest[0].2),
        ("{\"c\"", 3),
        "held line delivered at rotation"
    );
    assert_eq!((rest[1].0.as_str(), rest[1].2), ("{\"d\":4}", 1));
    running.stop().await;
}

#[tokio::test]
async fn start_at_end_skips_history_but_counts_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    append(&path, &lines(0..5));
    append(&path, "{\"p\"");
    let mut cfg = config(&path);
    cfg.start_at = StartAt::End;
    let mut running = start(cfg, store(dir.path())).await;
    assert_quiet(&mut running.rx, Duration::from_millis(100)).await;
    append(&path, ":1}\n{\"q\":2}\n");
    let seen = described(&take_records(&mut running.rx, 2, WAIT).await);
    assert_eq!((seen[0].0.as_str(), seen[0].2), ("{\"p\":1}", 6));
    assert_eq!((seen[1].0.as_str(), seen[1].2), ("{\"q\":2}", 7));
    running.stop().await;
}

#[tokio::test]
async fn a_file_read_once_ends_with_its_last_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("offline.json");
    append(&path, "{\"a\":1}\n\n{\"b\":2}\n{\"c\":3}");
    let mut cfg = config(&path);
    cfg.follow = false;
    let source = FileSource::new(cfg, store(dir.path())).await.unwrap();
    assert!(source.progress().is_none());
    let (sink, mut rx) = phalanx_sources::channel(4);
    source.run(sink, CancellationToken::new()).await.unwrap();
    let records = take_records(&mut rx, 3, WAIT).await;
    assert!(records.iter().all(|r| r.ack.is_noop()));
    let seen = described(&records);
    assert_eq!(
        seen.iter()
            .map(|(t, _, l)| (t.as_str(), *l))
            .collect::<Vec<_>>(),
        vec![("{\"a\":1}", 1), ("{\"b\":2}", 3), ("{\"c\":3}", 4)]
    );
    assert!(
        rx.recv().await.is_none(),
        "the source ended and closed its side"
    );
}

#[tokio::test]
async fn a_missing_once_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.json");
    let mut cfg = config(&path);
    cfg.follow = false;
    let source = FileSource::new(cfg, store(dir.path())).await.unwrap();
    let (sink, _rx) = phalanx_sources::channel(1);
    let err = source
        .run(sink, CancellationToken::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("absent.json") && err.contains("cannot open"),
        "{err}"
    );
}
