//! Cross-checks with the OASIS reference tools (stix2-validator, python-stix2,
//! stix2-matcher) through `tests/py/check_workload.py`.
//!
//! Needs `PHALANX_PYTHON` (an interpreter with those packages). Without it the test says
//! why it is skipped, unless `PHALANX_REQUIRE_EXTERNAL=1`, in which case it fails.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;

use phalanx_workload::{Config, TelemetryFormat, write_to_dir};

fn python() -> Option<String> {
    match std::env::var("PHALANX_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            let required = std::env::var("PHALANX_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "PHALANX_REQUIRE_EXTERNAL=1 but PHALANX_PYTHON is not set"
            );
            eprintln!(
                "skipped: set PHALANX_PYTHON to a Python with stix2, stix2-validator and \
                 stix2-matcher to run the reference-tool cross-check"
            );
            None
        }
    }
}

fn check(format: TelemetryFormat, seed: u64) {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        format,
        hit_rate: 0.3,
        multi_rate: 0.3,
        ipv6_share: 0.2,
        observed_limit: Some(250),
        ..Config::new(130, 250, seed)
    };
    write_to_dir(&config, dir.path()).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/check_workload.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("could not run {python}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{format}: reference tools disagree:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["observed_events"], 250);
    assert_eq!(report["hit_events"], 75);
    assert_eq!(report["matcher_hit_events"], 75);
    assert!(report["scos"].as_u64().unwrap() > 500, "{report}");
}

#[test]
fn eve_workload_passes_the_reference_tools() {
    check(TelemetryFormat::Eve, 31);
}

#[test]
fn zeek_workload_passes_the_reference_tools() {
    check(TelemetryFormat::Zeek, 32);
}
