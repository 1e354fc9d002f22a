//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use phalanx_sources::{Batch, Record};
use tokio::sync::mpsc::Receiver;

/// Receives records until `n` have arrived, failing the test after `limit`.
pub async fn take_records(rx: &mut Receiver<Batch>, n: usize, limit: Duration) -> Vec<Record> {
    let mut out = Vec::with_capacity(n);
    let deadline = tokio::time::Instant::now() + limit;
    while out.len() < n {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(batch)) => out.extend(batch.records),
            Ok(None) => panic!("queue closed after {} of {n} records", out.len()),
            Err(_) => panic!("only {} of {n} records within {limit:?}", out.len()),
        }
    }
    out
}

/// Asserts that nothing arrives for `quiet`.
pub async fn assert_quiet(rx: &mut Receiver<Batch>, quiet: Duration) {
    if let Ok(Some(batch)) = tokio::time::timeout(quiet, rx.recv()).await {
        let texts: Vec<_> = batch.records.iter().map(text).collect();
        panic!("unexpected records: {texts:?}");
    }
}

/// The record's payload as text.
pub fn text(record: &Record) -> String {
    String::from_utf8(record.bytes.to_vec()).unwrap()
}

/// Whether tests needing an external service must fail rather than skip.
pub fn external_required() -> bool {
    std::env::var("PHALANX_REQUIRE_EXTERNAL").is_ok_and(|v| v == "1")
}
