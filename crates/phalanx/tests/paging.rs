//! Pagination over the real API with random page sizes while writers add objects: every
//! object is returned exactly once, through `next` tokens and then `added_after` polling.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Node, indicator};
use proptest::prelude::*;
use serde_json::Value;

fn run_case(page_sizes: Vec<usize>, writers: u64, envelopes: u64) {
    let dir = tempfile::tempdir().unwrap();
    let node = Arc::new(Node::start(dir.path(), &[]));
    let done = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let node = node.clone();
            std::thread::spawn(move || {
                for e in 0..envelopes {
                    let first = (w * 1_000_000) + e * 10;
                    let objects: Vec<Value> = (first..first + 10).map(indicator).collect();
                    assert_eq!(node.post_objects(&objects).unwrap().status(), 202);
                }
            })
        })
        .collect();
    let expected = (writers * envelopes * 10) as usize;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut added_after: Option<String> = None;
    let mut next: Option<String> = None;
    let mut turn = 0usize;
    let mut idle_after_done = 0;
    while idle_after_done < 2 {
        let limit = page_sizes[turn % page_sizes.len()];
        turn += 1;
        let mut path = format!("api/collections/default/objects/?limit={limit}");
        if let Some(token) = &next {
            path.push_str(&format!("&next={token}"));
        } else if let Some(after) = &added_after {
            path.push_str(&format!("&added_after={after}"));
        }
        let writers_done = done.load(Ordering::SeqCst);
        let response = node.get(&path);
        assert_eq!(response.status(), 200);
        let last = response
            .headers()
            .get("x-taxii-date-added-last")
            .map(|v| v.to_str().unwrap().to_owned());
        let page: Value = response.json().unwrap();
        let objects = page["objects"].as_array().cloned().unwrap_or_default();
        for o in &objects {
            *seen
                .entry(o["id"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        if let Some(last) = last {
            added_after = Some(last);
        }
        next = match page["next"].as_str() {
            Some(token) if page["more"] == true => Some(token.to_owned()),
            _ => None,
        };
        if objects.is_empty() && next.is_none() && writers_done {
            idle_after_done += 1;
        }
        if handles.iter().all(|h| h.is_finished()) {
            done.store(true, Ordering::SeqCst);
        }
    }
    for h in handles {
        h.join().unwrap();
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "objects returned twice: {repeated:?}");
    assert_eq!(seen.len(), expected, "objects skipped");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn every_object_exactly_once(
        page_sizes in prop::collection::vec(1usize..40, 1..6),
        writers in 1u64..4,
        envelopes in 5u64..20,
    ) {
        run_case(page_sizes, writers, envelopes);
    }
}
