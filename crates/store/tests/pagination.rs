//! Paging with `added_after`: every matching object exactly once, whatever
//! the page sizes, and also while other writers (other connections, as
//! another process would be) keep committing.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use phalanx_store::{
    Item, ManualClock, NewObject, Query, SqliteStore, Store, SystemClock, VersionKey, VersionSelect,
};
use proptest::prelude::*;

const TYPES: [&str; 3] = ["indicator", "malware", "report"];

/// Inserts `count` objects with ids `{prefix}-{n}` in batches of `batch`,
/// each id in `versions` versions.
fn fill(
    store: &dyn Store,
    collection: &str,
    prefix: &str,
    count: usize,
    batch: usize,
    versions: u8,
) {
    let mut owned = Vec::new();
    for n in 0..count {
        for v in 0..versions {
            let object_type = TYPES[n % TYPES.len()];
            let id = format!("{object_type}--{prefix}-{n}");
            let version = VersionKey::parse(&format!(
                "2021-01-01T00:00:{:02}Z",
                (n + v as usize * 7) % 60
            ))
            .unwrap();
            let json = format!(r#"{{"id":"{id}","v":{v}}}"#);
            owned.push((id, object_type, version, json));
        }
    }
    for chunk in owned.chunks(batch.max(1)) {
        let objects: Vec<NewObject<'_>> = chunk
            .iter()
            .map(|(id, object_type, version, json)| NewObject {
                id,
                object_type,
                spec_version: "2.1",
                version: Some(version.clone()),
                json,
            })
            .collect();
        store.insert_batch(collection, &objects).unwrap();
    }
}

/// Pages through `query` with the given page sizes (cycled), following
/// `added_after`; checks `more` on the way.
fn page_all(store: &dyn Store, collection: &str, query: &Query, sizes: &[usize]) -> Vec<Item> {
    let mut seen = Vec::new();
    let mut after = None;
    for size in sizes.iter().cycle() {
        let page = store
            .query(
                collection,
                &Query {
                    added_after: after,
                    limit: *size,
                    ..query.clone()
                },
            )
            .unwrap();
        assert!(page.items.len() <= *size);
        seen.extend(page.items.iter().cloned());
        if !page.more {
            break;
        }
        assert!(
            !page.items.is_empty(),
            "more=true with an empty page and no deletes"
        );
        after = page.date_added_last();
    }
    seen
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_page_sizes_return_each_object_once(
        count in 0usize..120,
        batch in 1usize..40,
        versions in 1u8..3,
        sizes in proptest::collection::vec(1usize..17, 1..6),
        type_filter in proptest::option::of(0..TYPES.len()),
        all_versions in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path().join("p.db")).unwrap();
        store.ensure_collection("c").unwrap();
        fill(&store, "c", "x", count, batch, versions);
        let query = Query {
            types: type_filter.map(|t| vec![TYPES[t].to_string()]),
            versions: if all_versions { VersionSelect::All } else { VersionSelect::last() },
            ..Query::new(1)
        };
        let expected = store.query("c", &Query { limit: usize::MAX, ..query.clone() }).unwrap();
        prop_assert!(!expected.more);
        let paged = page_all(&store, "c", &query, &sizes);
        prop_assert_eq!(&paged, &expected.items);
        let per_type = count / TYPES.len() + usize::from(type_filter.is_some_and(|t| t < count % TYPES.len()));
        let objects = if type_filter.is_some() { per_type } else { count };
        let want = if all_versions { objects * usize::from(versions) } else { objects };
        prop_assert_eq!(paged.len(), want);
    }
}

#[test]
fn concurrent_writers_and_a_paging_reader_see_every_object_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("concurrent.db");
    // Two independent stores on one file behave like two processes: no
    // shared mutex, only SQLite's locks. One clock runs far behind the
    // other, so its store must take `last + 1` from the file inside the
    // write transaction.
    let fast = Arc::new(SqliteStore::open_with_clock(&path, Arc::new(SystemClock)).unwrap());
    let slow =
        Arc::new(SqliteStore::open_with_clock(&path, Arc::new(ManualClock::new(1))).unwrap());
    fast.ensure_collection("c").unwrap();
    const WRITERS: usize = 4;
    const BATCHES: usize = 25;
    const PER_BATCH: usize = 8;
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let store = Arc::clone(&fast);
        let done = Arc::clone(&done);
        thread::spawn(move || {
            let mut seen: Vec<Item> = Vec::new();
            let mut after = None;
            let mut pages_after_finish = 0;
            loop {
                // Read the flag before the page: a page read after all
                // writers finished must come back empty to stop.
                let finished = done.load(Ordering::SeqCst);
                let query = Query {
                    added_after: after,
                    include_json: false,
                    ..Query::new(7)
                };
                let page = store.query("c", &query).unwrap();
                if let Some(last) = page.date_added_last() {
                    after = Some(last);
                }
                let empty = page.items.is_empty();
                seen.extend(page.items);
                if finished && empty {
                    return seen;
                }
                if finished {
                    pages_after_finish += 1;
                    assert!(
                        pages_after_finish <= WRITERS * BATCHES * PER_BATCH,
                        "the reader never reaches an empty page: added_after is not exclusive"
                    );
                }
            }
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let store: Arc<SqliteStore> = if w % 2 == 0 {
                Arc::clone(&fast)
            } else {
                Arc::clone(&slow)
            };
            thread::spawn(move || {
                for b in 0..BATCHES {
                    fill(
                        store.as_ref(),
                        "c",
                        &format!("w{w}b{b}"),
                        PER_BATCH,
                        PER_BATCH,
                        1,
                    );
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, Ordering::SeqCst);
    let seen = reader.join().unwrap();
    let total = WRITERS * BATCHES * PER_BATCH;
    assert_eq!(seen.len(), total, "every object exactly once");
    let ids: HashSet<&str> = seen.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), total, "no object twice");
    assert!(
        seen.windows(2).all(|w| w[0].date_added < w[1].date_added),
        "date_added strictly increases in reading order"
    );
    assert_eq!(fast.count("c").unwrap(), total as u64);
    fast.integrity_check().unwrap();
}
