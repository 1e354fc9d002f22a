//! Crash test: writes through the TAXII API, `kill -9`s the server at random moments,
//! restarts it, and checks that every object whose POST was acknowledged is there, byte for
//! byte, and that the store passes SQLite's integrity check.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Node, cli, indicator};
use serde_json::Value;

const ROUNDS: u64 = 6;
const WRITERS: usize = 3;
const ENVELOPE: u64 = 20;

#[test]
fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let acknowledged: Arc<Mutex<HashMap<String, Value>>> = Arc::default();
    let counter = Arc::new(AtomicU64::new(0));
    let mut node = Node::start(dir.path(), &[]);
    // A fixed-seed xorshift for the kill moments, so a failure can be replayed.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for round in 0..ROUNDS {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (stop, acked, counter) = (stop.clone(), acknowledged.clone(), counter.clone());
                let base = node.base.clone();
                let key = node.key.clone();
                std::thread::spawn(move || {
                    let http = reqwest::blocking::Client::builder()
                        .timeout(Duration::from_secs(10))
                        .build()
                        .unwrap();
                    while !stop.load(Ordering::Relaxed) {
                        let first = counter.fetch_add(ENVELOPE, Ordering::Relaxed);
                        let objects: Vec<Value> =
                            (first..first + ENVELOPE).map(indicator).collect();
                        let body = serde_json::json!({ "objects": objects }).to_string();
                        let response = http
                            .post(format!("{base}api/collections/default/objects/"))
                            .header("Accept", common::TAXII)
                            .header("Content-Type", common::TAXII)
                            .bearer_auth(&key)
                            .body(body)
                            .send();
                        let Ok(response) = response else { return };
                        if response.status() != 202 {
                            return;
                        }
                        let Ok(status) = response.json::<Value>() else {
                            return;
                        };
                        assert_eq!(status["success_count"], ENVELOPE, "{status}");
                        let mut acked = acked.lock().unwrap();
                        for object in objects {
                            acked.insert(object["id"].as_str().unwrap().to_owned(), object);
                        }
                    }
                })
            })
            .collect();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_millis(150 + seed % 600));
        node.child.kill().unwrap(); // SIGKILL: no shutdown handler runs
        node.child.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.join().unwrap();
        }
        let data = dir.path().to_str().unwrap();
        let (code, out, err) = cli(&["check", "--data", data], None);
        assert_eq!(
            code, 0,
            "round {round}: store damaged after kill -9: {out} {err}"
        );

        node = Node::start(dir.path(), &[]);
        let stored: HashMap<String, Value> = node
            .all_objects(1000, "")
            .into_iter()
            .map(|o| (o["id"].as_str().unwrap().to_owned(), o))
            .collect();
        let acked = acknowledged.lock().unwrap();
        assert!(
            !acked.is_empty(),
            "round {round}: no write was acknowledged before the kill"
        );
        for (id, object) in acked.iter() {
            assert_eq!(
                stored.get(id),
                Some(object),
                "round {round}: acknowledged {id} lost or changed"
            );
        }
    }
}
