//! `phalanx detect run` end to end: generated telemetry with a known ground truth through the
//! CLI; the alerts must equal the ground truth exactly, with the right source lines.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use common::cli;
use serde_json::Value;

fn ground_truth(dir: &std::path::Path) -> BTreeSet<(u64, String)> {
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let mut out = BTreeSet::new();
    for (event, ids) in expected["matches"].as_object().unwrap() {
        for id in ids.as_array().unwrap() {
            out.insert((
                event.parse::<u64>().unwrap() + 1,
                id.as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn run(format: &str) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, _, err) = cli(
        &[
            "workload",
            "--out",
            d,
            "--indicators",
            "2000",
            "--events",
            "20000",
            "--hit-rate",
            "0.05",
            "--format",
            format,
            "--seed",
            "5",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    // A malformed line and a blank one in the middle: counted, skipped, nothing else lost.
    let events = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let mut lines: Vec<&str> = events.lines().collect();
    lines.insert(10, "{not json");
    lines.insert(11, "");
    std::fs::write(dir.path().join("input.jsonl"), lines.join("\n")).unwrap();

    let input = format!("{d}/input.jsonl");
    let alerts = format!("{d}/alerts.jsonl");
    let sightings = format!("{d}/sightings.json");
    let indicators = format!("{d}/indicators.json");
    let (code, _, err) = cli(
        &[
            "detect",
            "run",
            "--indicators",
            &indicators,
            "--input",
            &input,
            "--format",
            format,
            "--output",
            &alerts,
            "--sightings",
            &sightings,
            "--quiet",
            "--identity",
            "identity--0b5ff1b1-4a0b-4b1d-9e36-0b1f0c7b8e4a",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("20001 events, 20000 decoded, 1 malformed"),
        "{err}"
    );
    assert!(err.contains("malformed: line 11: invalid JSON"), "{err}");

    // Lines after the inserted two are shifted by two.
    let want: BTreeSet<(u64, String)> = ground_truth(dir.path())
        .into_iter()
        .map(|(line, id)| (if line > 10 { line + 2 } else { line }, id))
        .collect();
    let mut got = Vec::new();
    for line in std::fs::read_to_string(&alerts).unwrap().lines() {
        let alert: Value = serde_json::from_str(line).unwrap();
        assert_eq!(alert["source"]["file"], input.as_str());
        assert!(alert["event"].is_object());
        assert!(
            !alert["matched"].as_array().unwrap().is_empty()
                || alert["pattern"].as_str().unwrap().contains(" OR ")
        );
        got.push((
            alert["source"]["line"].as_u64().unwrap(),
            alert["indicator_id"].as_str().unwrap().to_string(),
        ));
    }
    let unique: BTreeSet<_> = got.iter().cloned().collect();
    assert_eq!(unique.len(), got.len(), "duplicate alerts");
    assert_eq!(unique, want);

    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(&sightings).unwrap()).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    let total: u64 = objects.iter().map(|s| s["count"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, want.len());
    for sighting in objects {
        assert_eq!(
            sighting["where_sighted_refs"][0],
            "identity--0b5ff1b1-4a0b-4b1d-9e36-0b1f0c7b8e4a"
        );
        assert!(phalanx_stix::validate(sighting).is_ok(), "{sighting}");
    }
}

#[test]
fn eve_file_alerts_equal_the_ground_truth() {
    run("eve");
}

#[test]
fn zeek_file_alerts_equal_the_ground_truth() {
    run("zeek");
}

/// Runs `phalanx detect run --indicators INDICATORS --input - EXTRA…` on empty input and
/// checks that it fails with `message` on stderr.
fn refused(indicators: &std::path::Path, extra: &[&str], message: &str) {
    let mut args = vec![
        "detect",
        "run",
        "--indicators",
        indicators.to_str().unwrap(),
        "--input",
        "-",
    ];
    args.extend_from_slice(extra);
    let (code, _, err) = cli(&args, Some(""));
    assert_ne!(code, 0, "{err}");
    assert!(err.contains(message), "{err}");
}

#[test]
fn clear_errors_for_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &dir.path().join("none.json"),
        &[],
        "cannot read the indicators",
    );
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "[]").unwrap();
    refused(&empty, &[], "holds no indicator that can be matched");
    refused(
        &empty,
        &["--format", "pcap"],
        "unknown telemetry format \"pcap\"",
    );
}
