//! The backend-independent conformance suite, run against `SqliteStore`,
//! one `#[test]` per suite entry, each on a fresh database file.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use phalanx_store::conformance::{self, ConformanceTest, START_MICROS};
use phalanx_store::{ManualClock, SqliteStore, Store};

fn run(test: ConformanceTest) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START_MICROS);
    let store =
        SqliteStore::open_with_clock(dir.path().join("store.db"), Arc::new(clock.clone())).unwrap();
    test(&store, &clock);
    store.integrity_check().unwrap();
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(conformance::$name);
            }
        )*

        #[test]
        fn every_suite_entry_is_run_here() {
            let here = [$(stringify!($name)),*];
            let listed: Vec<&str> = conformance::TESTS.iter().map(|(name, _)| *name).collect();
            assert_eq!(here.to_vec(), listed);
        }
    };
}

suite!(
    collections_are_created_once,
    unknown_collection_is_an_error,
    date_added_strictly_increases,
    json_is_returned_byte_for_byte,
    duplicates_and_conflicts,
    unversioned_objects_get_server_versions,
    version_selection,
    spec_version_filter,
    type_and_id_filters,
    pages_are_exact,
    manifest_omits_json,
    versions_of_one_object,
    delete_keeps_first_and_last_exact,
    collections_are_isolated,
    statuses,
    principals_keys_and_grants,
    meta_values,
);

#[test]
fn run_all_runs_on_one_store_per_test() {
    let dir = tempfile::tempdir().unwrap();
    let mut n = 0;
    conformance::run_all(&mut |clock| {
        n += 1;
        let path = dir.path().join(format!("store-{n}.db"));
        Box::new(SqliteStore::open_with_clock(path, Arc::new(clock)).unwrap()) as Box<dyn Store>
    });
    assert_eq!(n, conformance::TESTS.len());
}
