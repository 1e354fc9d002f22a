//! `EXPLAIN QUERY PLAN` for every query form: each must walk the intended
//! index (never a full scan), and the paging forms must read rows in
//! `date_added` order straight from the index (no sort before the limit).
#![allow(clippy::unwrap_used)]

use phalanx_store::{NewObject, Query, SqliteStore, Store, VersionKey, VersionSelect};
use rusqlite::types::Value;

fn store_with_data() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("plans.db")).unwrap();
    store.ensure_collection("c").unwrap();
    let mut owned = Vec::new();
    for i in 0..300 {
        let object_type = ["indicator", "malware", "report"][i % 3];
        let id = format!("{object_type}--00000000-0000-4000-8000-{i:012}");
        let version = VersionKey::parse(&format!("2020-01-01T00:00:{:02}Z", i % 7)).unwrap();
        let json = format!(r#"{{"id":"{id}","n":{i}}}"#);
        owned.push((id, object_type, version, json));
    }
    let batch: Vec<NewObject<'_>> = owned
        .iter()
        .map(|(id, object_type, version, json)| NewObject {
            id,
            object_type,
            spec_version: "2.1",
            version: Some(version.clone()),
            json,
        })
        .collect();
    store.insert_batch("c", &batch).unwrap();
    (dir, store)
}

/// The plan of each statement `query` runs, one string per statement.
fn plans(store: &SqliteStore, query: &Query) -> Vec<String> {
    store
        .query_sql("c", query)
        .unwrap()
        .into_iter()
        .map(|(sql, params)| plan_of(store, &sql, &params))
        .collect()
}

fn plan_of(store: &SqliteStore, sql: &str, params: &[Value]) -> String {
    store.explain(sql, params).unwrap().join(" | ")
}

fn assert_plan(plan: &str, index: &str, ordered: bool) {
    assert!(!plan.contains("SCAN "), "full scan in: {plan}");
    assert!(
        plan.contains(&format!("USING INDEX {index} ")),
        "expected index {index} in: {plan}"
    );
    if ordered {
        assert!(
            !plan.contains("TEMP B-TREE"),
            "sorts before the limit: {plan}"
        );
    }
}

fn strings(values: &[&str]) -> Option<Vec<String>> {
    Some(values.iter().map(|v| v.to_string()).collect())
}

fn base() -> Query {
    Query {
        added_after: Some(0),
        ..Query::new(1000)
    }
}

#[test]
fn every_query_form_uses_an_index() {
    let (_dir, store) = store_with_data();
    let version = VersionKey::parse("2020-01-01T00:00:03Z").unwrap();
    let cases: Vec<(&str, Query, &str, bool)> = vec![
        (
            "added_after + limit (default last)",
            base(),
            "objects_last",
            true,
        ),
        ("no added_after", Query::new(10), "objects_last", true),
        (
            "manifest",
            Query {
                include_json: false,
                ..base()
            },
            "objects_last",
            true,
        ),
        (
            "type, last",
            Query {
                types: strings(&["malware"]),
                ..base()
            },
            "objects_type_last",
            true,
        ),
        (
            "type, all",
            Query {
                types: strings(&["malware"]),
                versions: VersionSelect::All,
                ..base()
            },
            "objects_type",
            true,
        ),
        (
            "version=first",
            Query {
                versions: VersionSelect::first(),
                ..base()
            },
            "objects_first",
            true,
        ),
        (
            "version=all",
            Query {
                versions: VersionSelect::All,
                ..base()
            },
            "objects_added",
            true,
        ),
        (
            "first,last",
            Query {
                versions: VersionSelect::Only {
                    first: true,
                    last: true,
                    versions: vec![],
                },
                ..base()
            },
            "objects_added",
            true,
        ),
        (
            "specific version",
            Query {
                versions: VersionSelect::exact(version.clone()),
                ..base()
            },
            "objects_version",
            false,
        ),
        (
            "spec_version=2.1, last",
            Query {
                spec_versions: strings(&["2.1"]),
                ..base()
            },
            "objects_added",
            true,
        ),
        (
            "spec_version=2.0,2.1, last",
            Query {
                spec_versions: strings(&["2.0", "2.1"]),
                ..base()
            },
            "objects_added",
            true,
        ),
        (
            "id filter",
            Query {
                ids: strings(&["malware--00000000-0000-4000-8000-000000000001"]),
                ..base()
            },
            "objects_id",
            false,
        ),
        (
            "id + type + all",
            Query {
                ids: strings(&["malware--00000000-0000-4000-8000-000000000001"]),
                types: strings(&["malware", "report"]),
                versions: VersionSelect::All,
                ..base()
            },
            "objects_id",
            false,
        ),
    ];
    for (name, query, index, ordered) in cases {
        let plans = plans(&store, &query);
        assert!(!plans.is_empty(), "{name}: no statement");
        for plan in plans {
            eprintln!("{name}: {plan}");
            assert_plan(&plan, index, ordered);
        }
    }
}

#[test]
fn several_types_run_one_ordered_walk_each() {
    let (_dir, store) = store_with_data();
    let plans = plans(
        &store,
        &Query {
            types: strings(&["malware", "report", "malware"]),
            ..base()
        },
    );
    assert_eq!(plans.len(), 2, "duplicates are merged: {plans:?}");
    for plan in plans {
        assert_plan(&plan, "objects_type_last", true);
    }
}

#[test]
fn multi_spec_subquery_uses_the_id_index() {
    let (_dir, store) = store_with_data();
    let plans = plans(
        &store,
        &Query {
            spec_versions: strings(&["2.0", "2.1"]),
            ..base()
        },
    );
    assert!(plans[0].contains("SUBQUERY"), "{}", plans[0]);
    assert!(
        plans[0].contains("SEARCH x USING INDEX objects_id"),
        "{}",
        plans[0]
    );
}

#[test]
fn versions_and_delete_use_the_id_index() {
    let (_dir, store) = store_with_data();
    let statements = store
        .id_sql("c", "malware--00000000-0000-4000-8000-000000000001")
        .unwrap();
    assert_eq!(statements.len(), 2);
    for (sql, params) in statements {
        let plan = plan_of(&store, &sql, &params);
        eprintln!("{sql}: {plan}");
        assert_plan(&plan, "objects_id", false);
    }
}
