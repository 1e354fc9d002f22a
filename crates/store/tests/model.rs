//! Model-based property test: random sequences of inserts (new objects,
//! new versions, duplicates, conflicts, unversioned SCOs), deletes, clock
//! moves and queries with random filters run against `SqliteStore` and
//! against a plain in-memory model written straight from the TAXII rules.
//! Every result must agree: same outcomes, same items in the same order,
//! same `more`.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use phalanx_store::{
    Item, ManualClock, NewObject, Outcome, Query, SqliteStore, Store, VersionKey, VersionSelect,
};
use proptest::prelude::*;

const START: i64 = 1_704_067_200_000_000;
const COLLECTIONS: [&str; 2] = ["c0", "c1"];
const TYPES: [&str; 3] = ["indicator", "malware", "ipv4-addr"];
const SPECS: [&str; 2] = ["2.0", "2.1"];
const IDS: usize = 6;

fn id_of(index: usize) -> String {
    format!("{}--00000000-0000-4000-8000-{index:012}", type_of(index))
}

fn type_of(index: usize) -> &'static str {
    TYPES[index % TYPES.len()]
}

fn version_of(second: u8) -> VersionKey {
    VersionKey::parse(&format!("2020-01-01T00:00:{second:02}Z")).unwrap()
}

/// One object of a generated batch.
#[derive(Debug, Clone)]
struct ObjSpec {
    id: usize,
    spec: usize,
    second: u8,
    payload: u8,
}

impl ObjSpec {
    /// SCOs (`ipv4-addr`) carry no version; others are versioned.
    fn version(&self) -> Option<VersionKey> {
        (type_of(self.id) != "ipv4-addr").then(|| version_of(self.second))
    }

    fn json(&self) -> String {
        match self.version() {
            Some(v) => format!(
                r#"{{"id":"{}","modified":"{v}","spec_version":"{}","p":{}}}"#,
                id_of(self.id),
                SPECS[self.spec],
                self.payload
            ),
            None => format!(
                r#"{{"id":"{}","spec_version":"{}","p":{}}}"#,
                id_of(self.id),
                SPECS[self.spec],
                self.payload
            ),
        }
    }
}

#[derive(Debug, Clone)]
struct QuerySpec {
    after: Option<usize>,
    limit: usize,
    ids: Option<Vec<usize>>,
    types: Option<Vec<usize>>,
    select: VersionSelect,
    specs: Option<Vec<usize>>,
    json: bool,
}

#[derive(Debug, Clone)]
enum Op {
    Insert(usize, Vec<ObjSpec>),
    Delete(usize, usize, VersionSelect, Option<Vec<usize>>),
    Query(usize, QuerySpec),
    Versions(usize, usize, Option<usize>, usize, Option<Vec<usize>>),
    Clock(i64),
}

fn select_strategy() -> impl Strategy<Value = VersionSelect> {
    prop_oneof![
        1 => Just(VersionSelect::All),
        4 => (any::<bool>(), any::<bool>(), proptest::collection::vec(0u8..5, 0..3)).prop_map(
            |(first, last, seconds)| VersionSelect::Only {
                first,
                last,
                versions: seconds.into_iter().map(version_of).collect(),
            }
        ),
    ]
}

fn specs_strategy() -> impl Strategy<Value = Option<Vec<usize>>> {
    prop_oneof![
        3 => Just(None),
        1 => proptest::collection::vec(0..SPECS.len(), 0..3).prop_map(Some),
    ]
}

fn obj_strategy() -> impl Strategy<Value = ObjSpec> {
    // Mostly 2.1; a few 2.0 versions make mixed-spec objects.
    (
        0..IDS,
        prop_oneof![1 => Just(0usize), 3 => Just(1usize)],
        0u8..5,
        0u8..3,
    )
        .prop_map(|(id, spec, second, payload)| ObjSpec {
            id,
            spec,
            second,
            payload,
        })
}

fn query_strategy() -> impl Strategy<Value = QuerySpec> {
    (
        proptest::option::of(0usize..40),
        0usize..6,
        proptest::option::weighted(0.2, proptest::collection::vec(0..IDS, 0..3)),
        proptest::option::weighted(0.3, proptest::collection::vec(0..TYPES.len(), 0..3)),
        select_strategy(),
        specs_strategy(),
        any::<bool>(),
    )
        .prop_map(
            |(after, limit, ids, types, select, specs, json)| QuerySpec {
                after,
                limit,
                ids,
                types,
                select,
                specs,
                json,
            },
        )
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0..COLLECTIONS.len(), proptest::collection::vec(obj_strategy(), 1..6))
            .prop_map(|(c, objs)| Op::Insert(c, objs)),
        1 => (0..COLLECTIONS.len(), 0..IDS, select_strategy(), specs_strategy())
            .prop_map(|(c, id, select, specs)| Op::Delete(c, id, select, specs)),
        5 => (0..COLLECTIONS.len(), query_strategy()).prop_map(|(c, q)| Op::Query(c, q)),
        2 => (0..COLLECTIONS.len(), 0..IDS, proptest::option::of(0usize..40), 0usize..4, specs_strategy())
            .prop_map(|(c, id, after, limit, specs)| Op::Versions(c, id, after, limit, specs)),
        2 => prop_oneof![Just(0i64), Just(1), Just(-3), Just(1_000_000)].prop_map(Op::Clock),
    ]
}

/// One stored version in the model.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    object_type: String,
    spec: String,
    version: VersionKey,
    date_added: i64,
    json: String,
}

/// The in-memory model: every collection's rows in insertion order.
#[derive(Debug, Default)]
struct Model {
    rows: BTreeMap<usize, Vec<Row>>,
    last: BTreeMap<usize, i64>,
}

impl Model {
    fn insert(&mut self, c: usize, now: i64, objs: &[ObjSpec]) -> Vec<Outcome> {
        let mut out = Vec::new();
        for obj in objs {
            let id = id_of(obj.id);
            let json = obj.json();
            let rows = self.rows.entry(c).or_default();
            let last = self.last.entry(c).or_insert(0);
            let date_added = now.max(*last + 1);
            let version = match obj.version() {
                Some(v) => v,
                None => {
                    if let Some(r) = rows.iter().find(|r| r.id == id && r.json == json) {
                        out.push(Outcome::Duplicate {
                            date_added: r.date_added,
                            version: r.version.clone(),
                        });
                        continue;
                    }
                    VersionKey::from_unix_micros(date_added).unwrap()
                }
            };
            if let Some(r) = rows.iter().find(|r| r.id == id && r.version == version) {
                out.push(if r.json == json {
                    Outcome::Duplicate {
                        date_added: r.date_added,
                        version: r.version.clone(),
                    }
                } else {
                    Outcome::Conflict {
                        existing_date_added: r.date_added,
                    }
                });
                continue;
            }
            *last = date_added;
            rows.push(Row {
                id,
                object_type: type_of(obj.id).to_string(),
                spec: SPECS[obj.spec].to_string(),
                version: version.clone(),
                date_added,
                json,
            });
            out.push(Outcome::Inserted {
                date_added,
                version,
            });
        }
        out
    }

    /// Whether `row` is selected, judged against all rows of its object.
    fn selected(rows: &[Row], row: &Row, select: &VersionSelect, specs: Option<&[String]>) -> bool {
        let same_id: Vec<&Row> = rows.iter().filter(|r| r.id == row.id).collect();
        let latest = same_id.iter().map(|r| r.spec.clone()).max();
        let spec_ok = |r: &Row| match specs {
            Some(list) => list.contains(&r.spec),
            None => Some(&r.spec) == latest.as_ref(),
        };
        if !spec_ok(row) {
            return false;
        }
        let candidates: Vec<&VersionKey> = same_id
            .iter()
            .filter(|r| spec_ok(r))
            .map(|r| &r.version)
            .collect();
        match select {
            VersionSelect::All => true,
            VersionSelect::Only {
                first,
                last,
                versions,
            } => {
                (*first && candidates.iter().min() == Some(&&row.version))
                    || (*last && candidates.iter().max() == Some(&&row.version))
                    || versions.contains(&row.version)
            }
        }
    }

    fn query(&self, c: usize, q: &Query) -> (Vec<Item>, bool) {
        let empty = Vec::new();
        let rows = self.rows.get(&c).unwrap_or(&empty);
        let mut hits: Vec<Item> = rows
            .iter()
            .filter(|r| q.added_after.is_none_or(|a| r.date_added > a))
            .filter(|r| q.ids.as_ref().is_none_or(|ids| ids.contains(&r.id)))
            .filter(|r| q.types.as_ref().is_none_or(|t| t.contains(&r.object_type)))
            .filter(|r| Self::selected(rows, r, &q.versions, q.spec_versions.as_deref()))
            .map(|r| Item {
                id: r.id.clone(),
                object_type: r.object_type.clone(),
                version: r.version.clone(),
                date_added: r.date_added,
                spec_version: r.spec.clone(),
                json: q.include_json.then(|| r.json.clone()),
            })
            .collect();
        hits.sort_by_key(|i| i.date_added);
        let more = hits.len() > q.limit;
        hits.truncate(q.limit);
        (hits, more)
    }

    fn delete(
        &mut self,
        c: usize,
        id: &str,
        select: &VersionSelect,
        specs: Option<&[String]>,
    ) -> usize {
        let rows = self.rows.entry(c).or_default();
        let snapshot = rows.clone();
        let before = rows.len();
        rows.retain(|r| !(r.id == id && Self::selected(&snapshot, r, select, specs)));
        before - rows.len()
    }

    /// The `added_after` value for a generated index: an existing
    /// `date_added` (or one past the end), so pages start mid-collection.
    fn after(&self, c: usize, pick: Option<usize>) -> Option<i64> {
        let pick = pick?;
        let mut dates: Vec<i64> = self
            .rows
            .get(&c)
            .map(|r| r.iter().map(|r| r.date_added).collect())
            .unwrap_or_default();
        dates.sort_unstable();
        Some(dates.get(pick).copied().unwrap_or(START + 10_000_000_000))
    }
}

fn spec_names(specs: &Option<Vec<usize>>) -> Option<Vec<String>> {
    specs
        .as_ref()
        .map(|s| s.iter().map(|i| SPECS[*i].to_string()).collect())
}

fn run(ops: &[Op]) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(START);
    let store =
        SqliteStore::open_with_clock(dir.path().join("model.db"), Arc::new(clock.clone())).unwrap();
    for name in COLLECTIONS {
        store.ensure_collection(name).unwrap();
    }
    let mut model = Model::default();
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::Insert(c, objs) => {
                let owned: Vec<(String, String, Option<VersionKey>, String)> = objs
                    .iter()
                    .map(|o| {
                        (
                            id_of(o.id),
                            type_of(o.id).to_string(),
                            o.version(),
                            o.json(),
                        )
                    })
                    .collect();
                let batch: Vec<NewObject<'_>> = owned
                    .iter()
                    .zip(objs)
                    .map(|((id, t, v, json), o)| NewObject {
                        id,
                        object_type: t,
                        spec_version: SPECS[o.spec],
                        version: v.clone(),
                        json,
                    })
                    .collect();
                let got = store.insert_batch(COLLECTIONS[*c], &batch).unwrap();
                let want = model.insert(*c, clock.now_micros_for_test(), objs);
                assert_eq!(got, want, "step {step}: insert outcomes");
            }
            Op::Delete(c, id, select, specs) => {
                let specs = spec_names(specs);
                let got = store
                    .delete(COLLECTIONS[*c], &id_of(*id), select, specs.as_deref())
                    .unwrap();
                let want = model.delete(*c, &id_of(*id), select, specs.as_deref());
                assert_eq!(got, want, "step {step}: deleted count");
            }
            Op::Query(c, spec) => {
                let query = Query {
                    added_after: model.after(*c, spec.after),
                    limit: spec.limit,
                    ids: spec
                        .ids
                        .as_ref()
                        .map(|ids| ids.iter().map(|i| id_of(*i)).collect()),
                    types: spec
                        .types
                        .as_ref()
                        .map(|t| t.iter().map(|i| TYPES[*i].to_string()).collect()),
                    versions: spec.select.clone(),
                    spec_versions: spec_names(&spec.specs),
                    include_json: spec.json,
                };
                let got = store.query(COLLECTIONS[*c], &query).unwrap();
                let (items, more) = model.query(*c, &query);
                assert_eq!(got.items, items, "step {step}: items for {query:?}");
                assert_eq!(got.more, more, "step {step}: more for {query:?}");
            }
            Op::Versions(c, id, after, limit, specs) => {
                let specs = spec_names(specs);
                let added_after = model.after(*c, *after);
                let got = store
                    .versions(
                        COLLECTIONS[*c],
                        &id_of(*id),
                        added_after,
                        *limit,
                        specs.as_deref(),
                    )
                    .unwrap();
                let query = Query {
                    added_after,
                    limit: *limit,
                    ids: Some(vec![id_of(*id)]),
                    versions: VersionSelect::All,
                    spec_versions: specs,
                    include_json: false,
                    ..Query::new(*limit)
                };
                let (items, more) = model.query(*c, &query);
                let want: Vec<(VersionKey, i64)> = items
                    .into_iter()
                    .map(|i| (i.version, i.date_added))
                    .collect();
                let got_pairs: Vec<(VersionKey, i64)> = got
                    .items
                    .into_iter()
                    .map(|v| (v.version, v.date_added))
                    .collect();
                assert_eq!(got_pairs, want, "step {step}: versions");
                assert_eq!(got.more, more, "step {step}: versions more");
            }
            Op::Clock(delta) => clock.advance(*delta),
        }
    }
    for (c, name) in COLLECTIONS.iter().enumerate() {
        let want = model.rows.get(&c).map_or(0, Vec::len) as u64;
        assert_eq!(store.count(name).unwrap(), want, "final count of {name}");
    }
    store.integrity_check().unwrap();
}

/// Reads a `ManualClock` without importing the trait at every call site.
trait NowForTest {
    fn now_micros_for_test(&self) -> i64;
}

impl NowForTest for ManualClock {
    fn now_micros_for_test(&self) -> i64 {
        phalanx_store::Clock::now_micros(self)
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn store_agrees_with_the_model(ops in proptest::collection::vec(op_strategy(), 1..50)) {
        run(&ops);
    }
}

/// A fixed sequence that exercises mixed spec versions, conflicts, SCO
/// duplicates and deletes, so the comparison runs even without proptest's
/// luck.
#[test]
fn fixed_mixed_sequence_agrees_with_the_model() {
    let obj = |id, spec, second, payload| ObjSpec {
        id,
        spec,
        second,
        payload,
    };
    let all_specs = Some(vec![0, 1]);
    let q = |select: VersionSelect, specs: Option<Vec<usize>>| QuerySpec {
        after: None,
        limit: 10,
        ids: None,
        types: None,
        select,
        specs,
        json: true,
    };
    run(&[
        Op::Insert(
            0,
            vec![
                obj(0, 1, 2, 0),
                obj(0, 0, 1, 0),
                obj(0, 0, 4, 0),
                obj(2, 1, 0, 0),
            ],
        ),
        Op::Insert(
            0,
            vec![
                obj(0, 1, 2, 1),
                obj(2, 1, 0, 0),
                obj(2, 1, 0, 1),
                obj(1, 1, 3, 0),
            ],
        ),
        Op::Clock(-3),
        Op::Insert(0, vec![obj(1, 1, 1, 0), obj(5, 1, 0, 2)]),
        Op::Query(0, q(VersionSelect::last(), None)),
        Op::Query(0, q(VersionSelect::first(), all_specs.clone())),
        Op::Query(0, q(VersionSelect::last(), Some(vec![0]))),
        Op::Delete(0, 0, VersionSelect::last(), None),
        Op::Query(0, q(VersionSelect::last(), None)),
        Op::Query(0, q(VersionSelect::All, all_specs.clone())),
        Op::Versions(0, 0, None, 2, all_specs),
    ]);
}
