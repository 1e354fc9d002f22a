//! The integrity check: SQLite's own, then the store's invariants.

use std::collections::HashMap;

use rusqlite::Connection;

use super::SqlContext;
use crate::selection::{Flags, compute_flags};
use crate::{Result, StoreError, VersionKey};

/// At most this many problems are listed in the error.
const MAX_REPORTED: usize = 20;

/// See [`crate::Store::integrity_check`].
pub(super) fn integrity_check(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction().ctx("starting an integrity check")?;
    let mut problems: Vec<String> = Vec::new();
    {
        let mut stmt = tx
            .prepare("PRAGMA integrity_check")
            .ctx("running PRAGMA integrity_check")?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .ctx("running PRAGMA integrity_check")?;
        for row in rows {
            let line = row.ctx("running PRAGMA integrity_check")?;
            if line != "ok" {
                problems.push(line);
            }
        }
        let mut stmt = tx
            .prepare("PRAGMA foreign_key_check")
            .ctx("running PRAGMA foreign_key_check")?;
        let rows = stmt
            .query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, Option<i64>>(1)?))
            })
            .ctx("running PRAGMA foreign_key_check")?;
        for row in rows {
            let (table, rowid) = row.ctx("running PRAGMA foreign_key_check")?;
            problems.push(format!(
                "row {rowid:?} of {table} refers to a missing parent"
            ));
        }
    }
    // The store's own invariants only mean something on an intact file.
    if problems.is_empty() {
        check_flags(&tx, &mut problems)?;
        check_counters(&tx, &mut problems)?;
    }
    tx.finish().ctx("ending an integrity check")?;
    if problems.is_empty() {
        return Ok(());
    }
    let total = problems.len();
    problems.truncate(MAX_REPORTED);
    if total > MAX_REPORTED {
        problems.push(format!("… and {} more", total - MAX_REPORTED));
    }
    Err(StoreError::Integrity {
        problems: problems.join("\n"),
    })
}

/// Every object's stored flags equal the ones computed from its versions.
fn check_flags(conn: &Connection, problems: &mut Vec<String>) -> Result<()> {
    let mut stmt = conn
        .prepare(
            "SELECT ckey, id, version, spec_version, is_first, is_last, latest_spec \
             FROM objects ORDER BY ckey, id",
        )
        .ctx("reading objects for the integrity check")?;
    let mut rows = stmt
        .query([])
        .ctx("reading objects for the integrity check")?;
    let mut group: Vec<(VersionKey, String, Flags)> = Vec::new();
    let mut current: Option<(i64, String)> = None;
    while let Some(row) = rows.next().ctx("reading objects for the integrity check")? {
        let key: (i64, String) = (
            row.get(0).ctx("reading objects")?,
            row.get(1).ctx("reading objects")?,
        );
        let version: String = row.get(2).ctx("reading objects")?;
        let version = match VersionKey::parse(&version) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("object {:?}: unreadable version: {e}", key.1));
                continue;
            }
        };
        let flags = Flags {
            is_first: row.get(4).ctx("reading objects")?,
            is_last: row.get(5).ctx("reading objects")?,
            latest_spec: row.get(6).ctx("reading objects")?,
        };
        if current.as_ref() != Some(&key) {
            if let Some((_, id)) = &current {
                compare_group(id, &group, problems);
            }
            group.clear();
            current = Some(key);
        }
        group.push((version, row.get(3).ctx("reading objects")?, flags));
    }
    if let Some((_, id)) = &current {
        compare_group(id, &group, problems);
    }
    Ok(())
}

fn compare_group(id: &str, group: &[(VersionKey, String, Flags)], problems: &mut Vec<String>) {
    let pairs: Vec<(&VersionKey, &str)> = group.iter().map(|(v, s, _)| (v, s.as_str())).collect();
    let expected = compute_flags(&pairs);
    for ((version, _, stored), expected) in group.iter().zip(expected) {
        if *stored != expected {
            problems.push(format!(
                "object {id:?} version {version}: first/last flags are {stored:?}, expected {expected:?}"
            ));
        }
    }
}

/// Each collection's counters agree with its rows.
fn check_counters(conn: &Connection, problems: &mut Vec<String>) -> Result<()> {
    let mut actual: HashMap<i64, (i64, i64)> = HashMap::new();
    {
        let mut stmt = conn
            .prepare("SELECT ckey, count(*), max(date_added) FROM objects GROUP BY ckey")
            .ctx("counting objects for the integrity check")?;
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, (row.get(1)?, row.get(2)?))))
            .ctx("counting objects for the integrity check")?;
        for row in rows {
            let (ckey, counts) = row.ctx("counting objects for the integrity check")?;
            actual.insert(ckey, counts);
        }
    }
    let mut stmt = conn
        .prepare("SELECT ckey, name, object_count, last_date_added FROM collections")
        .ctx("reading collections for the integrity check")?;
    let rows = stmt
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        })
        .ctx("reading collections for the integrity check")?;
    for row in rows {
        let (ckey, name, count, last) = row.ctx("reading collections for the integrity check")?;
        let (real_count, real_max) = actual.get(&ckey).copied().unwrap_or((0, i64::MIN));
        if count != real_count {
            problems.push(format!(
                "collection {name:?} records {count} objects but holds {real_count}"
            ));
        }
        if real_max > last {
            problems.push(format!(
                "collection {name:?} records last date_added {last} but holds one at {real_max}"
            ));
        }
    }
    Ok(())
}
