//! Durability and opening: data survives a drop without close and a killed
//! writer process; the schema is versioned; settings are what the crate
//! documents.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use phalanx_store::sqlite::SCHEMA_VERSION;
use phalanx_store::{
    NewObject, Outcome, Query, SqliteStore, Store, StoreError, VersionKey, VersionSelect,
};

/// Environment variable that turns `crash_child_writer` into a writer loop.
const CHILD_DB: &str = "PHALANX_STORE_CRASH_CHILD_DB";

fn batch_of(prefix: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let id = format!("indicator--{prefix}-{i}");
            let json = format!(r#"{{"id":"{id}","pad":"{}"}}"#, "x".repeat(500));
            (id, json)
        })
        .collect()
}

fn insert(store: &SqliteStore, collection: &str, objects: &[(String, String)]) -> Vec<Outcome> {
    let version = VersionKey::parse("2022-02-02T02:02:02.002Z").unwrap();
    let batch: Vec<NewObject<'_>> = objects
        .iter()
        .map(|(id, json)| NewObject {
            id,
            object_type: "indicator",
            spec_version: "2.1",
            version: Some(version.clone()),
            json,
        })
        .collect();
    store.insert_batch(collection, &batch).unwrap()
}

fn all_ids(store: &SqliteStore, collection: &str) -> Vec<String> {
    let query = Query {
        versions: VersionSelect::All,
        include_json: false,
        ..Query::new(usize::MAX)
    };
    store
        .query(collection, &query)
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.id)
        .collect()
}

#[test]
fn data_survives_drop_without_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/folder/store.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store.ensure_collection("c").unwrap();
        insert(&store, "c", &batch_of("a", 50));
        store.put_status("s", "{}").unwrap();
        // Dropped here without any explicit close or checkpoint.
    }
    assert!(path.exists(), "open creates missing folders");
    let store = SqliteStore::open(&path).unwrap();
    store.integrity_check().unwrap();
    assert_eq!(store.count("c").unwrap(), 50);
    assert_eq!(all_ids(&store, "c").len(), 50);
    assert_eq!(store.get_status("s").unwrap().as_deref(), Some("{}"));
    // date_added continues after the stored high-water mark.
    let before = store
        .query(
            "c",
            &Query {
                versions: VersionSelect::All,
                ..Query::new(usize::MAX)
            },
        )
        .unwrap();
    let out = insert(&store, "c", &batch_of("b", 1));
    let Outcome::Inserted { date_added, .. } = out[0] else {
        panic!("{out:?}")
    };
    assert!(date_added > before.date_added_last().unwrap());
}

#[test]
fn database_uses_wal_and_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    drop(SqliteStore::open(&path).unwrap()); // reopening migrates nothing
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 7)
        .unwrap();
    drop(conn);
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found, supported } if found == SCHEMA_VERSION + 7 && supported == SCHEMA_VERSION),
        "{err}"
    );
    assert!(err.to_string().contains("newer phalanx"), "{err}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION + 7, "the file is not touched");
}

#[test]
fn an_unwritable_folder_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let err = SqliteStore::open(blocker.join("sub/store.db")).unwrap_err();
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err}");
    assert!(
        err.to_string().contains("cannot create the data folder"),
        "{err}"
    );
}

#[test]
fn integrity_check_reports_broken_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let store = SqliteStore::open(&path).unwrap();
    store.ensure_collection("c").unwrap();
    insert(&store, "c", &batch_of("a", 3));
    store.integrity_check().unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE objects SET is_last = 0 WHERE id = 'indicator--a-1'",
        [],
    )
    .unwrap();
    conn.execute("UPDATE collections SET object_count = 9", [])
        .unwrap();
    drop(conn);
    let err = store.integrity_check().unwrap_err();
    let text = err.to_string();
    assert!(text.contains("indicator--a-1"), "{text}");
    assert!(text.contains("records 9 objects but holds 3"), "{text}");
}

/// Not a test on its own: the writer process that
/// `killed_writer_loses_nothing_acknowledged` starts and kills.
#[test]
#[ignore = "helper process for killed_writer_loses_nothing_acknowledged"]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_DB) else {
        return;
    };
    let store = SqliteStore::open(&path).unwrap();
    for n in 0.. {
        let prefix = format!("child{n}");
        insert(&store, "c", &batch_of(&prefix, 20));
        // Acknowledged: insert_batch returned, so the batch must survive.
        println!("ack {prefix}");
    }
}

#[test]
fn killed_writer_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let parent = SqliteStore::open(&path).unwrap();
    parent.ensure_collection("c").unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "crash_child_writer",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut acknowledged = Vec::new();
    let mut parent_batches = 0;
    // Both processes write the same file until the child has acknowledged
    // 15 batches; then the child is killed mid-flight.
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let Some(prefix) = line.strip_prefix("ack ") else {
            continue;
        };
        acknowledged.push(prefix.to_string());
        insert(
            &parent,
            "c",
            &batch_of(&format!("parent{parent_batches}"), 5),
        );
        parent_batches += 1;
        if acknowledged.len() == 15 {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(parent);
    assert_eq!(
        acknowledged.len(),
        15,
        "the child wrote and acknowledged batches"
    );

    let store = SqliteStore::open(&path).unwrap();
    store.integrity_check().unwrap();
    let ids: HashSet<String> = all_ids(&store, "c").into_iter().collect();
    for prefix in &acknowledged {
        for (id, _) in batch_of(prefix, 20) {
            assert!(ids.contains(&id), "acknowledged {id} was lost");
        }
    }
    for n in 0..parent_batches {
        assert!(ids.contains(&format!("indicator--parent{n}-0")));
    }
    // Whole batches or nothing: a killed transaction leaves no partial batch.
    for n in 0.. {
        let first = ids.contains(&format!("indicator--child{n}-0"));
        let last = ids.contains(&format!("indicator--child{n}-19"));
        assert_eq!(first, last, "batch child{n} is partial");
        if !first {
            break;
        }
    }
    let page = store
        .query(
            "c",
            &Query {
                versions: VersionSelect::All,
                ..Query::new(usize::MAX)
            },
        )
        .unwrap();
    assert!(
        page.items
            .windows(2)
            .all(|w| w[0].date_added < w[1].date_added)
    );
    assert_eq!(store.count("c").unwrap(), ids.len() as u64);
}
