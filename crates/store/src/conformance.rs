//! The conformance suite every [`Store`] implementation must pass
//! (feature `conformance`).
//!
//! Each test is a plain function of a freshly opened, empty store and the
//! [`ManualClock`] that store was built with. A backend runs them with
//! [`run_all`], or one `#[test]` per entry of [`TESTS`] for finer reports.
//! Tests panic (with a message naming what differed) on failure, like any
//! test assertion.

use crate::{
    Grant, ManualClock, NewApiKey, NewObject, NewPrincipal, Outcome, Query, Store, StoreError,
    VersionKey, VersionSelect,
};

/// A conformance test: a fresh store and the clock it reads.
pub type ConformanceTest = fn(&dyn Store, &ManualClock);

/// The clock's starting time in every test: 2024-01-01T00:00:00Z.
pub const START_MICROS: i64 = 1_704_067_200_000_000;

/// Every conformance test, by name.
pub const TESTS: &[(&str, ConformanceTest)] = &[
    ("collections_are_created_once", collections_are_created_once),
    (
        "unknown_collection_is_an_error",
        unknown_collection_is_an_error,
    ),
    (
        "date_added_strictly_increases",
        date_added_strictly_increases,
    ),
    (
        "json_is_returned_byte_for_byte",
        json_is_returned_byte_for_byte,
    ),
    ("duplicates_and_conflicts", duplicates_and_conflicts),
    (
        "unversioned_objects_get_server_versions",
        unversioned_objects_get_server_versions,
    ),
    ("version_selection", version_selection),
    ("spec_version_filter", spec_version_filter),
    ("type_and_id_filters", type_and_id_filters),
    ("pages_are_exact", pages_are_exact),
    ("manifest_omits_json", manifest_omits_json),
    ("versions_of_one_object", versions_of_one_object),
    (
        "delete_keeps_first_and_last_exact",
        delete_keeps_first_and_last_exact,
    ),
    ("collections_are_isolated", collections_are_isolated),
    ("statuses", statuses),
    ("principals_keys_and_grants", principals_keys_and_grants),
    ("meta_values", meta_values),
];

/// Runs every test in [`TESTS`], each on a new store made by `make` from a
/// new clock set to [`START_MICROS`].
pub fn run_all(make: &mut dyn FnMut(ManualClock) -> Box<dyn Store>) {
    for (name, test) in TESTS {
        let clock = ManualClock::new(START_MICROS);
        let store = make(clock.clone());
        eprintln!("conformance: {name}");
        test(store.as_ref(), &clock);
    }
}

/// Unwraps a store result, panicking with what was being done.
fn ok<T>(result: crate::Result<T>, doing: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("{doing}: unexpected error: {error}"),
    }
}

fn key(text: &str) -> VersionKey {
    match VersionKey::parse(text) {
        Ok(k) => k,
        Err(e) => panic!("bad test timestamp: {e}"),
    }
}

/// An owned object for building [`NewObject`]s in tests.
struct Obj {
    id: String,
    object_type: String,
    spec_version: String,
    version: Option<VersionKey>,
    json: String,
}

impl Obj {
    fn new(id: &str, spec_version: &str, version: Option<&str>, extra: &str) -> Obj {
        let object_type = id.split("--").next().unwrap_or(id).to_string();
        let json = format!(
            r#"{{"type":"{object_type}","id":"{id}","spec_version":"{spec_version}","modified":"{}","x":"{extra}"}}"#,
            version.unwrap_or("-")
        );
        Obj {
            id: id.to_string(),
            object_type,
            spec_version: spec_version.to_string(),
            version: version.map(key),
            json,
        }
    }

    fn as_new(&self) -> NewObject<'_> {
        NewObject {
            id: &self.id,
            object_type: &self.object_type,
            spec_version: &self.spec_version,
            version: self.version.clone(),
            json: &self.json,
        }
    }
}

fn insert(store: &dyn Store, collection: &str, objects: &[&Obj]) -> Vec<Outcome> {
    let batch: Vec<NewObject<'_>> = objects.iter().map(|o| o.as_new()).collect();
    let outcomes = ok(store.insert_batch(collection, &batch), "insert_batch");
    assert_eq!(outcomes.len(), objects.len(), "one outcome per object");
    outcomes
}

fn inserted_date(outcome: &Outcome) -> i64 {
    match outcome {
        Outcome::Inserted { date_added, .. } => *date_added,
        other => panic!("expected Inserted, got {other:?}"),
    }
}

/// `(id, version)` of each item of a query result, in order.
fn listing(store: &dyn Store, collection: &str, query: &Query) -> Vec<(String, String)> {
    ok(store.query(collection, query), "query")
        .items
        .into_iter()
        .map(|item| (item.id, item.version.to_string()))
        .collect()
}

fn pair(id: &str, version: &str) -> (String, String) {
    (id.to_string(), key(version).to_string())
}

const A: &str = "indicator--00000000-0000-4000-8000-00000000000a";
const B: &str = "malware--00000000-0000-4000-8000-00000000000b";
const C: &str = "indicator--00000000-0000-4000-8000-00000000000c";
const SCO: &str = "ipv4-addr--00000000-0000-5000-8000-000000000001";
const T1: &str = "2020-01-01T00:00:00.000Z";
const T2: &str = "2020-02-01T00:00:00.000Z";
const T3: &str = "2020-03-01T00:00:00.123456Z";

/// `ensure_collection` is idempotent and `collections` lists in creation order.
pub fn collections_are_created_once(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("b-collection"), "ensure");
    ok(store.ensure_collection("a-collection"), "ensure");
    ok(store.ensure_collection("b-collection"), "ensure again");
    let names = ok(store.collections(), "collections");
    assert_eq!(
        names,
        vec!["b-collection".to_string(), "a-collection".to_string()]
    );
    assert_eq!(ok(store.count("a-collection"), "count"), 0);
}

/// Every collection operation on a missing collection says so.
pub fn unknown_collection_is_an_error(store: &dyn Store, _clock: &ManualClock) {
    let a = Obj::new(A, "2.1", Some(T1), "");
    let is_unknown = |r: Result<(), StoreError>| {
        assert!(
            matches!(&r, Err(StoreError::UnknownCollection(name)) if name == "nope"),
            "expected UnknownCollection, got {r:?}"
        );
    };
    is_unknown(store.insert_batch("nope", &[a.as_new()]).map(|_| ()));
    is_unknown(store.query("nope", &Query::new(10)).map(|_| ()));
    is_unknown(store.versions("nope", A, None, 10, None).map(|_| ()));
    is_unknown(
        store
            .delete("nope", A, &VersionSelect::All, None)
            .map(|_| ()),
    );
    is_unknown(store.count("nope").map(|_| ()));
}

/// `date_added` follows the clock when it moves forward and still strictly
/// increases when it stands still or goes backwards, also across batches
/// and after the newest object is deleted.
pub fn date_added_strictly_increases(store: &dyn Store, clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let objs: Vec<Obj> = (0..6)
        .map(|i| {
            Obj::new(
                &format!("indicator--00000000-0000-4000-8000-00000000010{i}"),
                "2.1",
                Some(T1),
                "",
            )
        })
        .collect();
    let first = insert(store, "c", &[&objs[0], &objs[1]]);
    assert_eq!(
        inserted_date(&first[0]),
        START_MICROS,
        "date_added is the clock's time"
    );
    assert_eq!(
        inserted_date(&first[1]),
        START_MICROS + 1,
        "same instant: last + 1"
    );
    clock.set(START_MICROS - 1_000_000);
    let second = insert(store, "c", &[&objs[2]]);
    assert_eq!(
        inserted_date(&second[0]),
        START_MICROS + 2,
        "clock went backwards"
    );
    ok(
        store.delete("c", &objs[2].id, &VersionSelect::All, None),
        "delete newest",
    );
    let third = insert(store, "c", &[&objs[3]]);
    assert_eq!(
        inserted_date(&third[0]),
        START_MICROS + 3,
        "deleting the newest object must not lower date_added"
    );
    clock.set(START_MICROS + 5_000_000);
    let fourth = insert(store, "c", &[&objs[4], &objs[5]]);
    assert_eq!(inserted_date(&fourth[0]), START_MICROS + 5_000_000);
    assert_eq!(inserted_date(&fourth[1]), START_MICROS + 5_000_001);
}

/// Stored JSON comes back exactly, whitespace and escapes included.
pub fn json_is_returned_byte_for_byte(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let mut obj = Obj::new(A, "2.1", Some(T1), "");
    obj.json =
        "{ \"type\" : \"indicator\",\n\t\"name\": \"caf\\u00e9 ☕ \\\"q\\\"\",  \"n\": 1.50e3 }"
            .to_string();
    insert(store, "c", &[&obj]);
    let page = ok(store.query("c", &Query::new(10)), "query");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].json.as_deref(), Some(obj.json.as_str()));
    assert_eq!(page.items[0].object_type, "indicator");
    assert_eq!(page.items[0].spec_version, "2.1");
}

/// Exact re-posts are duplicates with the original `date_added`; the same
/// version with other JSON is a conflict and changes nothing.
pub fn duplicates_and_conflicts(store: &dyn Store, clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let a1 = Obj::new(A, "2.1", Some(T1), "one");
    let a1_changed = Obj::new(A, "2.1", Some(T1), "two");
    let b1 = Obj::new(B, "2.1", Some(T1), "");
    let out = insert(store, "c", &[&a1]);
    let added = inserted_date(&out[0]);
    clock.advance(1000);
    let out = insert(store, "c", &[&a1, &a1_changed, &b1, &b1]);
    assert_eq!(
        out[0],
        Outcome::Duplicate {
            date_added: added,
            version: key(T1)
        }
    );
    assert_eq!(
        out[1],
        Outcome::Conflict {
            existing_date_added: added
        }
    );
    let b_added = inserted_date(&out[2]);
    assert_eq!(
        out[3],
        Outcome::Duplicate {
            date_added: b_added,
            version: key(T1)
        },
        "a duplicate inside the same batch"
    );
    assert_eq!(ok(store.count("c"), "count"), 2);
    let page = ok(
        store.query(
            "c",
            &Query {
                ids: Some(vec![A.into()]),
                ..Query::new(10)
            },
        ),
        "query",
    );
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.items[0].json.as_deref(),
        Some(a1.json.as_str()),
        "conflict must not overwrite"
    );
    // The same version written with different digits is the same version.
    let mut a1_digits = Obj::new(A, "2.1", Some("2020-01-01T00:00:00Z"), "one");
    a1_digits.json = a1.json.clone();
    let out = insert(store, "c", &[&a1_digits]);
    assert_eq!(
        out[0],
        Outcome::Duplicate {
            date_added: added,
            version: key(T1)
        }
    );
}

/// Objects without a version get their `date_added` as version; identical
/// JSON to any stored version is a duplicate.
pub fn unversioned_objects_get_server_versions(store: &dyn Store, clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let sco1 = Obj::new(SCO, "2.1", None, "first");
    let sco2 = Obj::new(SCO, "2.1", None, "second");
    let out = insert(store, "c", &[&sco1]);
    let Outcome::Inserted {
        date_added,
        version,
    } = out[0].clone()
    else {
        panic!("expected Inserted, got {:?}", out[0]);
    };
    assert_eq!(
        Ok(version.clone()),
        VersionKey::from_unix_micros(date_added)
    );
    clock.advance(10);
    let out = insert(store, "c", &[&sco2, &sco1]);
    let second_added = inserted_date(&out[0]);
    assert!(second_added > date_added);
    assert_eq!(
        out[1],
        Outcome::Duplicate {
            date_added,
            version
        }
    );
    let versions = ok(store.versions("c", SCO, None, 10, None), "versions");
    let dates: Vec<i64> = versions.items.iter().map(|v| v.date_added).collect();
    assert_eq!(dates, vec![date_added, second_added]);
    let latest = ok(store.query("c", &Query::new(10)), "query");
    assert_eq!(latest.items.len(), 1);
    assert_eq!(latest.items[0].json.as_deref(), Some(sco2.json.as_str()));
}

/// first/last follow version order, not insertion order; `all`, exact
/// versions and combinations work.
pub fn version_selection(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let v2 = Obj::new(A, "2.1", Some(T2), "");
    let v3 = Obj::new(A, "2.1", Some(T3), "");
    let v1 = Obj::new(A, "2.1", Some(T1), "");
    let other = Obj::new(B, "2.1", Some(T2), "");
    // Inserted out of version order.
    insert(store, "c", &[&v2]);
    insert(store, "c", &[&v3, &other]);
    insert(store, "c", &[&v1]);
    let with = |versions| Query {
        versions,
        ..Query::new(10)
    };
    assert_eq!(
        listing(store, "c", &with(VersionSelect::last())),
        vec![pair(A, T3), pair(B, T2)]
    );
    assert_eq!(
        listing(store, "c", &with(VersionSelect::first())),
        vec![pair(B, T2), pair(A, T1)]
    );
    assert_eq!(
        listing(store, "c", &with(VersionSelect::All)),
        vec![pair(A, T2), pair(A, T3), pair(B, T2), pair(A, T1)],
        "all versions, by date_added"
    );
    assert_eq!(
        listing(store, "c", &with(VersionSelect::exact(key(T2)))),
        vec![pair(A, T2), pair(B, T2)]
    );
    let combo = VersionSelect::Only {
        first: true,
        last: true,
        versions: vec![key(T2)],
    };
    assert_eq!(
        listing(store, "c", &with(combo)),
        vec![pair(A, T2), pair(A, T3), pair(B, T2), pair(A, T1)]
    );
    let first_and_exact = VersionSelect::Only {
        first: true,
        last: false,
        versions: vec![key(T3)],
    };
    assert_eq!(
        listing(store, "c", &with(first_and_exact)),
        vec![pair(A, T3), pair(B, T2), pair(A, T1)]
    );
    let nothing = VersionSelect::Only {
        first: false,
        last: false,
        versions: vec![],
    };
    assert_eq!(listing(store, "c", &with(nothing)), vec![]);
}

/// Without a spec-version filter only each object's latest spec version is
/// visible; explicit lists pick exactly those spec versions, and first/last
/// apply within them.
pub fn spec_version_filter(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let a20_old = Obj::new(A, "2.0", Some(T1), "");
    let a21 = Obj::new(A, "2.1", Some(T2), "");
    let a20_new = Obj::new(A, "2.0", Some(T3), "");
    let b20 = Obj::new(B, "2.0", Some(T1), "");
    insert(store, "c", &[&a20_old, &a21, &a20_new, &b20]);
    let q = |versions, specs: Option<&[&str]>| Query {
        versions,
        spec_versions: specs.map(|s| s.iter().map(|v| v.to_string()).collect()),
        ..Query::new(10)
    };
    // Default: A's latest spec is 2.1, so its last (and only) 2.1 version.
    assert_eq!(
        listing(store, "c", &q(VersionSelect::last(), None)),
        vec![pair(A, T2), pair(B, T1)]
    );
    assert_eq!(
        listing(store, "c", &q(VersionSelect::first(), None)),
        vec![pair(A, T2), pair(B, T1)]
    );
    assert_eq!(
        listing(store, "c", &q(VersionSelect::All, None)),
        vec![pair(A, T2), pair(B, T1)]
    );
    assert_eq!(
        listing(store, "c", &q(VersionSelect::last(), Some(&["2.0"]))),
        vec![pair(A, T3), pair(B, T1)]
    );
    assert_eq!(
        listing(store, "c", &q(VersionSelect::first(), Some(&["2.0"]))),
        vec![pair(A, T1), pair(B, T1)]
    );
    assert_eq!(
        listing(store, "c", &q(VersionSelect::last(), Some(&["2.0", "2.1"]))),
        vec![pair(A, T3), pair(B, T1)]
    );
    assert_eq!(
        listing(
            store,
            "c",
            &q(VersionSelect::first(), Some(&["2.1", "2.0"]))
        ),
        vec![pair(A, T1), pair(B, T1)]
    );
    assert_eq!(
        listing(store, "c", &q(VersionSelect::last(), Some(&["2.1"]))),
        vec![pair(A, T2)]
    );
    assert_eq!(
        listing(store, "c", &q(VersionSelect::All, Some(&[]))),
        vec![]
    );
    let versions = ok(store.versions("c", A, None, 10, None), "versions");
    assert_eq!(
        versions.items.len(),
        1,
        "default versions list: latest spec only"
    );
    let all_specs = ["2.0".to_string(), "2.1".to_string()];
    let versions = ok(
        store.versions("c", A, None, 10, Some(&all_specs)),
        "versions",
    );
    assert_eq!(versions.items.len(), 3);
}

/// Type and id filters OR within themselves and AND with each other; empty
/// lists match nothing.
pub fn type_and_id_filters(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let a = Obj::new(A, "2.1", Some(T1), "");
    let b = Obj::new(B, "2.1", Some(T1), "");
    let c = Obj::new(C, "2.1", Some(T1), "");
    let sco = Obj::new(SCO, "2.1", None, "");
    insert(store, "c", &[&a, &b, &c, &sco]);
    let ids_of = |query: Query| -> Vec<String> {
        listing(store, "c", &query)
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    };
    let strings = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(
        ids_of(Query {
            types: strings(&["indicator"]),
            ..Query::new(10)
        }),
        vec![A, C]
    );
    assert_eq!(
        ids_of(Query {
            types: strings(&["ipv4-addr", "indicator", "malware", "indicator"]),
            ..Query::new(10)
        }),
        vec![A, B, C, SCO],
        "several types merge in date_added order"
    );
    assert_eq!(
        ids_of(Query {
            types: strings(&["ipv4-addr", "indicator"]),
            ..Query::new(2)
        }),
        vec![A, C],
        "the limit applies after merging types"
    );
    assert_eq!(
        ids_of(Query {
            ids: strings(&[C, B]),
            ..Query::new(10)
        }),
        vec![B, C]
    );
    assert_eq!(
        ids_of(Query {
            ids: strings(&[A, B]),
            types: strings(&["malware"]),
            ..Query::new(10)
        }),
        vec![B]
    );
    assert_eq!(
        ids_of(Query {
            types: strings(&["report"]),
            ..Query::new(10)
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        ids_of(Query {
            types: strings(&[]),
            ..Query::new(10)
        }),
        Vec::<String>::new()
    );
    assert_eq!(
        ids_of(Query {
            ids: strings(&[]),
            ..Query::new(10)
        }),
        Vec::<String>::new()
    );
}

/// `added_after` is exclusive, `more` is exact at every boundary, and the
/// page reports its first and last `date_added`.
pub fn pages_are_exact(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let objs: Vec<Obj> = (0..5)
        .map(|i| {
            Obj::new(
                &format!("indicator--00000000-0000-4000-8000-00000000020{i}"),
                "2.1",
                Some(T1),
                "",
            )
        })
        .collect();
    let refs: Vec<&Obj> = objs.iter().collect();
    let dates: Vec<i64> = insert(store, "c", &refs)
        .iter()
        .map(inserted_date)
        .collect();
    let page = |after: Option<i64>, limit| {
        ok(
            store.query(
                "c",
                &Query {
                    added_after: after,
                    ..Query::new(limit)
                },
            ),
            "query",
        )
    };
    let full = page(None, 5);
    assert_eq!(full.items.len(), 5);
    assert!(!full.more, "exactly limit items: no more");
    assert_eq!(full.date_added_first(), Some(dates[0]));
    assert_eq!(full.date_added_last(), Some(dates[4]));
    let short = page(None, 4);
    assert_eq!(short.items.len(), 4);
    assert!(short.more);
    let rest = page(short.date_added_last(), 4);
    assert_eq!(rest.items.len(), 1);
    assert_eq!(
        rest.items[0].date_added, dates[4],
        "added_after is exclusive"
    );
    assert!(!rest.more);
    let none = page(Some(dates[4]), 4);
    assert!(none.items.is_empty() && !none.more);
    assert_eq!(none.date_added_first(), None);
    let zero = page(None, 0);
    assert!(zero.items.is_empty());
    assert!(zero.more, "limit 0 still reports that objects exist");
}

/// With `include_json: false` (the manifest) no JSON is returned.
pub fn manifest_omits_json(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    insert(store, "c", &[&Obj::new(A, "2.1", Some(T1), "")]);
    let page = ok(
        store.query(
            "c",
            &Query {
                include_json: false,
                ..Query::new(10)
            },
        ),
        "query",
    );
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].json, None);
    assert_eq!(page.items[0].version, key(T1));
}

/// The versions list pages by `date_added` with an exact `more`.
pub fn versions_of_one_object(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let v3 = Obj::new(A, "2.1", Some(T3), "");
    let v1 = Obj::new(A, "2.1", Some(T1), "");
    let v2 = Obj::new(A, "2.1", Some(T2), "");
    insert(
        store,
        "c",
        &[&v3, &v1, &Obj::new(B, "2.1", Some(T1), ""), &v2],
    );
    let first = ok(store.versions("c", A, None, 2, None), "versions");
    let shown: Vec<String> = first.items.iter().map(|v| v.version.to_string()).collect();
    assert_eq!(shown, vec![key(T3).to_string(), key(T1).to_string()]);
    assert!(first.more);
    let second = ok(
        store.versions("c", A, first.date_added_last(), 2, None),
        "versions",
    );
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.items[0].version, key(T2));
    assert!(!second.more);
    let missing = ok(
        store.versions("c", C, None, 2, None),
        "versions of a missing id",
    );
    assert!(missing.items.is_empty() && !missing.more);
}

/// Deleting versions keeps first/last exact for what remains.
pub fn delete_keeps_first_and_last_exact(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("c"), "ensure");
    let v1 = Obj::new(A, "2.1", Some(T1), "");
    let v2 = Obj::new(A, "2.1", Some(T2), "");
    let v3 = Obj::new(A, "2.1", Some(T3), "");
    insert(
        store,
        "c",
        &[&v1, &v2, &v3, &Obj::new(B, "2.1", Some(T1), "")],
    );
    let last_of_a = |select| {
        let q = Query {
            ids: Some(vec![A.to_string()]),
            versions: select,
            ..Query::new(10)
        };
        listing(store, "c", &q)
    };
    assert_eq!(
        ok(
            store.delete("c", A, &VersionSelect::last(), None),
            "delete last"
        ),
        1
    );
    assert_eq!(last_of_a(VersionSelect::last()), vec![pair(A, T2)]);
    assert_eq!(
        ok(
            store.delete("c", A, &VersionSelect::first(), None),
            "delete first"
        ),
        1
    );
    assert_eq!(last_of_a(VersionSelect::first()), vec![pair(A, T2)]);
    assert_eq!(last_of_a(VersionSelect::last()), vec![pair(A, T2)]);
    assert_eq!(
        ok(
            store.delete("c", A, &VersionSelect::exact(key(T3)), None),
            "delete a deleted version"
        ),
        0
    );
    assert_eq!(
        ok(
            store.delete("c", C, &VersionSelect::All, None),
            "delete a missing id"
        ),
        0
    );
    assert_eq!(
        ok(
            store.delete("c", A, &VersionSelect::All, Some(&["2.0".into()])),
            "other spec"
        ),
        0
    );
    assert_eq!(ok(store.count("c"), "count"), 2);
    assert_eq!(
        ok(
            store.delete("c", A, &VersionSelect::All, None),
            "delete all"
        ),
        1
    );
    assert_eq!(last_of_a(VersionSelect::All), vec![]);
    assert_eq!(ok(store.count("c"), "count"), 1);
    ok(store.integrity_check(), "integrity check after deletes");
}

/// The same object in two collections is two independent copies.
pub fn collections_are_isolated(store: &dyn Store, _clock: &ManualClock) {
    ok(store.ensure_collection("one"), "ensure");
    ok(store.ensure_collection("two"), "ensure");
    let a = Obj::new(A, "2.1", Some(T1), "");
    let in_one = insert(store, "one", &[&a]);
    let in_two = insert(store, "two", &[&a]);
    assert!(
        matches!(in_two[0], Outcome::Inserted { .. }),
        "not a duplicate across collections"
    );
    assert!(matches!(in_one[0], Outcome::Inserted { .. }));
    ok(store.delete("one", A, &VersionSelect::All, None), "delete");
    assert_eq!(ok(store.count("one"), "count"), 0);
    assert_eq!(ok(store.count("two"), "count"), 1);
    assert_eq!(listing(store, "two", &Query::new(10)), vec![pair(A, T1)]);
}

/// Statuses are stored, replaced and purged by age.
pub fn statuses(store: &dyn Store, clock: &ManualClock) {
    ok(store.put_status("s1", r#"{"status":"pending"}"#), "put");
    clock.advance(1_000_000);
    ok(store.put_status("s2", r#"{"status":"complete"}"#), "put");
    ok(
        store.put_status("s1", r#"{"status":"complete","n":1}"#),
        "replace",
    );
    assert_eq!(
        ok(store.get_status("s1"), "get").as_deref(),
        Some(r#"{"status":"complete","n":1}"#)
    );
    assert_eq!(ok(store.get_status("missing"), "get"), None);
    clock.advance(1_000_000);
    ok(store.put_status("s3", "{}"), "put");
    // s1 and s2 were last written at START + 1 s; s3 at START + 2 s.
    assert_eq!(
        ok(store.purge_statuses(START_MICROS + 1_000_000), "purge none"),
        0
    );
    assert_eq!(
        ok(store.purge_statuses(START_MICROS + 1_500_000), "purge two"),
        2
    );
    assert_eq!(ok(store.get_status("s2"), "get"), None);
    assert_eq!(ok(store.get_status("s3"), "get").as_deref(), Some("{}"));
}

/// Principals, API keys and grants, including cascades and revocation.
pub fn principals_keys_and_grants(store: &dyn Store, clock: &ManualClock) {
    let alice = ok(
        store.upsert_principal(&NewPrincipal {
            name: "alice",
            password_hash: Some("h1"),
            admin: false,
        }),
        "create alice",
    );
    assert_eq!(alice.created, START_MICROS);
    clock.advance(5);
    let alice2 = ok(
        store.upsert_principal(&NewPrincipal {
            name: "alice",
            password_hash: Some("h2"),
            admin: true,
        }),
        "update alice",
    );
    assert_eq!(
        alice2.created, START_MICROS,
        "updates keep the creation time"
    );
    assert_eq!(alice2.password_hash.as_deref(), Some("h2"));
    assert!(alice2.admin);
    ok(
        store.upsert_principal(&NewPrincipal {
            name: "bot",
            password_hash: None,
            admin: false,
        }),
        "bot",
    );
    let names: Vec<String> = ok(store.list_principals(), "list")
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["alice", "bot"]);
    assert_eq!(
        ok(store.get_principal("bot"), "get").map(|p| p.password_hash),
        Some(None)
    );

    let key = NewApiKey {
        key_id: "k1",
        principal: "bot",
        key_hash: "hash-1",
        label: "import",
    };
    let created = ok(store.create_api_key(&key), "create key");
    assert_eq!(created.revoked, None);
    let again = store.create_api_key(&NewApiKey {
        key_hash: "hash-2",
        ..key
    });
    assert!(
        matches!(
            again,
            Err(StoreError::DuplicateApiKey { what: "key_id", .. })
        ),
        "{again:?}"
    );
    let same_hash = store.create_api_key(&NewApiKey {
        key_id: "k2",
        ..key
    });
    assert!(
        matches!(
            same_hash,
            Err(StoreError::DuplicateApiKey {
                what: "key_hash",
                ..
            })
        ),
        "{same_hash:?}"
    );
    let orphan = store.create_api_key(&NewApiKey {
        key_id: "k3",
        principal: "nobody",
        key_hash: "h3",
        label: "",
    });
    assert!(
        matches!(orphan, Err(StoreError::UnknownPrincipal(_))),
        "{orphan:?}"
    );
    ok(
        store.create_api_key(&NewApiKey {
            key_id: "k4",
            principal: "alice",
            key_hash: "h4",
            label: "",
        }),
        "k4",
    );
    assert_eq!(
        ok(store.find_api_key_by_hash("hash-1"), "find"),
        Some(created.clone())
    );
    assert_eq!(ok(store.list_api_keys(Some("bot")), "list"), vec![created]);
    assert_eq!(ok(store.list_api_keys(None), "list all").len(), 2);
    assert!(ok(store.revoke_api_key("k1"), "revoke"));
    assert!(!ok(store.revoke_api_key("k1"), "revoke twice"));
    assert!(!ok(store.revoke_api_key("missing"), "revoke missing"));
    assert_eq!(
        ok(store.find_api_key_by_hash("hash-1"), "find revoked"),
        None
    );
    let listed = ok(store.list_api_keys(Some("bot")), "list");
    assert!(listed[0].revoked.is_some(), "revoked keys stay listed");

    let grant = |principal: &str, collection: &str, can_read, can_write| Grant {
        principal: principal.into(),
        collection: collection.into(),
        can_read,
        can_write,
    };
    ok(store.set_grant(&grant("bot", "c1", true, false)), "grant");
    ok(store.set_grant(&grant("bot", "c1", true, true)), "regrant");
    ok(store.set_grant(&grant("bot", "c2", true, false)), "grant");
    ok(store.set_grant(&grant("alice", "c1", true, false)), "grant");
    assert_eq!(
        ok(store.list_grants(Some("bot")), "grants"),
        vec![
            grant("bot", "c1", true, true),
            grant("bot", "c2", true, false)
        ]
    );
    ok(
        store.set_grant(&grant("bot", "c2", false, false)),
        "revoke grant",
    );
    assert_eq!(ok(store.list_grants(None), "grants").len(), 2);
    let bad = store.set_grant(&grant("nobody", "c1", true, true));
    assert!(
        matches!(bad, Err(StoreError::UnknownPrincipal(_))),
        "{bad:?}"
    );

    assert!(ok(store.delete_principal("bot"), "delete"));
    assert!(!ok(store.delete_principal("bot"), "delete twice"));
    assert_eq!(
        ok(store.list_api_keys(Some("bot")), "keys of deleted"),
        vec![]
    );
    assert_eq!(
        ok(store.list_grants(Some("bot")), "grants of deleted"),
        vec![]
    );
    assert_eq!(ok(store.list_grants(None), "grants").len(), 1);
    ok(store.integrity_check(), "integrity check");
}

/// Metadata values are stored and replaced.
pub fn meta_values(store: &dyn Store, _clock: &ManualClock) {
    assert_eq!(ok(store.get_meta("node_id"), "get"), None);
    ok(store.set_meta("node_id", "n1"), "set");
    ok(store.set_meta("node_id", "n2"), "replace");
    assert_eq!(ok(store.get_meta("node_id"), "get").as_deref(), Some("n2"));
}
