//! Store benchmarks, each next to a floor measured in the same run:
//!
//! - `insert_batch_1000`: one `insert_batch` of 1000 new ~600-byte objects
//!   (one durable transaction), against the floor of inserting the same rows
//!   into a bare two-column SQLite table with the same WAL/fsync settings;
//! - `page_1000/{100k,1M}`: the next page of 1000 objects (default TAXII
//!   query, with JSON) following `added_after`, against the floor of reading
//!   the same 1000 JSON texts by rowid range;
//! - `type_after_1000/1M`: `match[type]` + `added_after`, limit 1000, against
//!   the same floor.
//!
//! Databases are built once per run in a temporary folder. Set
//! `PHALANX_BENCH_SKIP_1M=1` to skip the 1M-row database (it takes most of
//! the run's time to build).
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use phalanx_store::{NewObject, Query, SqliteStore, Store, VersionKey};

const TYPES: [&str; 5] = [
    "indicator",
    "malware",
    "report",
    "attack-pattern",
    "threat-actor",
];
const PAGE: usize = 1000;

/// One benchmark object: id, type and ~600 bytes of JSON.
struct Obj {
    id: String,
    object_type: &'static str,
    json: String,
}

fn make_obj(n: u64) -> Obj {
    let object_type = TYPES[(n % TYPES.len() as u64) as usize];
    let id = format!("{object_type}--{:08x}-0000-4000-8000-{n:012x}", n >> 20);
    let mut json = format!(
        r#"{{"type":"{object_type}","spec_version":"2.1","id":"{id}","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"benchmark object {n}","pattern":"[ipv4-addr:value = '10.{}.{}.{}']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","labels":["malicious-activity"],"description":""#,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    );
    while json.len() < 596 {
        json.push_str("lorem ipsum ");
    }
    json.truncate(596);
    json.push_str(r#""}"#);
    Obj {
        id,
        object_type,
        json,
    }
}

fn insert_range(
    store: &SqliteStore,
    collection: &str,
    range: std::ops::Range<u64>,
    version: &VersionKey,
) {
    let objs: Vec<Obj> = range.map(make_obj).collect();
    let batch: Vec<NewObject<'_>> = objs
        .iter()
        .map(|o| NewObject {
            id: &o.id,
            object_type: o.object_type,
            spec_version: "2.1",
            version: Some(version.clone()),
            json: &o.json,
        })
        .collect();
    store.insert_batch(collection, &batch).unwrap();
}

fn version() -> VersionKey {
    VersionKey::parse("2024-01-01T00:00:00.000Z").unwrap()
}

fn build(path: &Path, rows: u64) -> SqliteStore {
    let store = SqliteStore::open(path).unwrap();
    store.ensure_collection("bench").unwrap();
    let version = version();
    let started = std::time::Instant::now();
    let mut next = 0;
    while next < rows {
        let end = (next + 10_000).min(rows);
        insert_range(&store, "bench", next..end, &version);
        next = end;
    }
    eprintln!(
        "built {rows} rows in {:.1} s ({:.0} rows/s)",
        started.elapsed().as_secs_f64(),
        rows as f64 / started.elapsed().as_secs_f64()
    );
    store
}

fn bench_insert(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("insert.db")).unwrap();
    store.ensure_collection("bench").unwrap();
    let version = version();
    // Start from a non-empty collection so indexes have some depth.
    for start in (0..50_000).step_by(10_000) {
        insert_range(&store, "bench", start..start + 10_000, &version);
    }
    let mut group = c.benchmark_group("insert_batch_1000");
    let mut next = 50_000u64;
    group.bench_function("store", |b| {
        b.iter(|| {
            insert_range(&store, "bench", next..next + PAGE as u64, &version);
            next += PAGE as u64;
        })
    });

    let floor = rusqlite::Connection::open(dir.path().join("floor.db")).unwrap();
    floor
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
        .unwrap();
    floor.pragma_update(None, "synchronous", "FULL").unwrap();
    floor
        .execute_batch("CREATE TABLE bare (id TEXT NOT NULL, json TEXT NOT NULL)")
        .unwrap();
    let mut floor = floor;
    let mut next = 0u64;
    group.bench_function("floor_bare_sqlite", |b| {
        b.iter(|| {
            let objs: Vec<Obj> = (next..next + PAGE as u64).map(make_obj).collect();
            let tx = floor.transaction().unwrap();
            {
                let mut stmt = tx
                    .prepare_cached("INSERT INTO bare (id, json) VALUES (?1, ?2)")
                    .unwrap();
                for o in &objs {
                    stmt.execute([&o.id, &o.json]).unwrap();
                }
            }
            tx.commit().unwrap();
            next += PAGE as u64;
        })
    });
    group.finish();
}

/// Pages through the collection with `added_after`, wrapping at the end.
fn bench_paging(c: &mut Criterion, label: &str, rows: u64, with_type_filter: bool) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.db");
    let store = build(&path, rows);
    let floor = rusqlite::Connection::open(&path).unwrap();

    let mut group = c.benchmark_group(format!("page_{PAGE}/{label}"));
    group.throughput(criterion::Throughput::Elements(PAGE as u64));
    let mut after: Option<i64> = None;
    group.bench_function("default_query", |b| {
        b.iter(|| {
            let page = store
                .query(
                    "bench",
                    &Query {
                        added_after: after,
                        ..Query::new(PAGE)
                    },
                )
                .unwrap();
            after = if page.more {
                page.date_added_last()
            } else {
                None
            };
            black_box(page.items.len())
        })
    });
    if with_type_filter {
        let mut after: Option<i64> = None;
        group.bench_function("type_and_added_after", |b| {
            b.iter(|| {
                let query = Query {
                    added_after: after,
                    types: Some(vec!["malware".to_string()]),
                    ..Query::new(PAGE)
                };
                let page = store.query("bench", &query).unwrap();
                after = if page.more {
                    page.date_added_last()
                } else {
                    None
                };
                black_box(page.items.len())
            })
        });
    }
    let mut seq = 0i64;
    let mut stmt = floor
        .prepare("SELECT json FROM objects WHERE seq > ?1 ORDER BY seq LIMIT ?2")
        .unwrap();
    group.bench_function("floor_read_json_by_rowid", |b| {
        b.iter(|| {
            let texts: Vec<String> = stmt
                .query_map((seq, PAGE as i64), |r| r.get(0))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            seq = if texts.len() == PAGE {
                seq + PAGE as i64
            } else {
                0
            };
            black_box(texts.len())
        })
    });
    group.finish();
}

fn bench_paging_100k(c: &mut Criterion) {
    bench_paging(c, "100k", 100_000, false);
}

fn bench_paging_1m(c: &mut Criterion) {
    if std::env::var_os("PHALANX_BENCH_SKIP_1M").is_some() {
        eprintln!("PHALANX_BENCH_SKIP_1M set: skipping the 1M-row benchmarks");
        return;
    }
    bench_paging(c, "1M", 1_000_000, true);
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_insert, bench_paging_100k, bench_paging_1m
}
criterion_main!(benches);
