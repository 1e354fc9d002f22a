//! Writes to `objects`: batch inserts and deletes, with flag maintenance.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{SqlContext, collection_key};
use crate::clock::next_date_added;
use crate::selection::{Flags, compute_flags, select_versions};
use crate::{Clock, NewObject, Outcome, Result, StoreError, VersionKey, VersionSelect};

/// One stored version of an object, as far as flag maintenance needs it.
#[derive(Debug)]
struct StoredVersion {
    seq: i64,
    date_added: i64,
    version: VersionKey,
    spec_version: String,
    flags: Flags,
}

/// The statement that loads every version of one id (shared with the
/// `EXPLAIN` tests through [`id_rows_statement`]).
const ID_ROWS_SQL: &str = "SELECT seq, date_added, version, spec_version, is_first, is_last, latest_spec \
     FROM objects WHERE ckey = ?1 AND id = ?2";

/// The lookup a delete (and each insert) runs, with its parameters.
pub(super) fn id_rows_statement(ckey: i64, id: &str) -> (String, Vec<Value>) {
    (
        ID_ROWS_SQL.to_string(),
        vec![Value::Integer(ckey), Value::Text(id.to_string())],
    )
}

fn load_versions(tx: &Transaction<'_>, ckey: i64, id: &str) -> Result<Vec<StoredVersion>> {
    let mut stmt = tx
        .prepare_cached(ID_ROWS_SQL)
        .ctx("loading the versions of an object")?;
    let rows = stmt
        .query_map(params![ckey, id], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                Flags {
                    is_first: row.get(4)?,
                    is_last: row.get(5)?,
                    latest_spec: row.get(6)?,
                },
            ))
        })
        .ctx("loading the versions of an object")?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, date_added, version, spec_version, flags) =
            row.ctx("loading the versions of an object")?;
        let version = VersionKey::parse(&version).map_err(|e| {
            StoreError::Corrupt(format!("stored version of {id:?} is unreadable: {e}"))
        })?;
        out.push(StoredVersion {
            seq,
            date_added,
            version,
            spec_version,
            flags,
        });
    }
    Ok(out)
}

/// Recomputes the flags of `versions` (all versions of one id) and writes
/// the ones that changed. Returns the flags of every version, in order.
fn refresh_flags(tx: &Transaction<'_>, versions: &[StoredVersion]) -> Result<Vec<Flags>> {
    let pairs: Vec<(&VersionKey, &str)> = versions
        .iter()
        .map(|v| (&v.version, v.spec_version.as_str()))
        .collect();
    let flags = compute_flags(&pairs);
    let mut stmt = tx
        .prepare_cached(
            "UPDATE objects SET is_first = ?1, is_last = ?2, latest_spec = ?3 WHERE seq = ?4",
        )
        .ctx("updating first/last flags")?;
    for (stored, new) in versions.iter().zip(&flags) {
        if stored.seq >= 0 && stored.flags != *new {
            stmt.execute(params![
                new.is_first,
                new.is_last,
                new.latest_spec,
                stored.seq
            ])
            .ctx("updating first/last flags")?;
        }
    }
    Ok(flags)
}

/// See [`crate::Store::insert_batch`].
pub(super) fn insert_batch(
    conn: &mut Connection,
    clock: &dyn Clock,
    collection: &str,
    objects: &[NewObject<'_>],
) -> Result<Vec<Outcome>> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting an insert transaction")?;
    // Read inside the write lock: another process may have added objects
    // since this connection last looked.
    let (ckey, mut last): (i64, i64) = tx
        .prepare_cached("SELECT ckey, last_date_added FROM collections WHERE name = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([collection], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .ctx("looking up a collection")?
        .ok_or_else(|| StoreError::UnknownCollection(collection.to_string()))?;
    let now = clock.now_micros();
    let mut outcomes = Vec::with_capacity(objects.len());
    let mut inserted = 0i64;
    for object in objects {
        let outcome = insert_one(&tx, ckey, now, &mut last, object)?;
        if matches!(outcome, Outcome::Inserted { .. }) {
            inserted += 1;
        }
        outcomes.push(outcome);
    }
    if inserted > 0 {
        tx.prepare_cached(
            "UPDATE collections SET last_date_added = ?1, object_count = object_count + ?2 WHERE ckey = ?3",
        )
        .and_then(|mut stmt| stmt.execute(params![last, inserted, ckey]))
        .ctx("updating collection counters")?;
    }
    tx.commit().ctx("committing inserted objects")?;
    Ok(outcomes)
}

fn insert_one(
    tx: &Transaction<'_>,
    ckey: i64,
    now: i64,
    last: &mut i64,
    object: &NewObject<'_>,
) -> Result<Outcome> {
    let mut versions = load_versions(tx, ckey, object.id)?;
    let date_added = next_date_added(now, *last);
    let version = match &object.version {
        Some(version) => {
            if let Some(existing) = versions.iter().find(|v| &v.version == version) {
                return same_version_outcome(tx, existing, object.json);
            }
            version.clone()
        }
        None => {
            if let Some(duplicate) = find_identical(tx, ckey, object)? {
                return Ok(duplicate);
            }
            let version = VersionKey::from_unix_micros(date_added)
                .map_err(|_| StoreError::BadClock { micros: date_added })?;
            if let Some(existing) = versions.iter().find(|v| v.version == version) {
                return same_version_outcome(tx, existing, object.json);
            }
            version
        }
    };
    versions.push(StoredVersion {
        seq: -1, // not stored yet; refresh_flags skips it
        date_added,
        version: version.clone(),
        spec_version: object.spec_version.to_string(),
        flags: Flags::default(),
    });
    let flags = refresh_flags(tx, &versions)?;
    let own = flags.last().copied().unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO objects (ckey, date_added, id, version, object_type, spec_version, \
         is_first, is_last, latest_spec, json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            ckey,
            date_added,
            object.id,
            version.as_str(),
            object.object_type,
            object.spec_version,
            own.is_first,
            own.is_last,
            own.latest_spec,
            object.json,
        ])
    })
    .ctx("inserting an object")?;
    *last = date_added;
    Ok(Outcome::Inserted {
        date_added,
        version,
    })
}

/// The outcome for an object whose `(id, version)` is already stored.
fn same_version_outcome(
    tx: &Transaction<'_>,
    existing: &StoredVersion,
    json: &str,
) -> Result<Outcome> {
    let identical: bool = tx
        .prepare_cached("SELECT json = ?2 FROM objects WHERE seq = ?1")
        .and_then(|mut stmt| stmt.query_row(params![existing.seq, json], |row| row.get(0)))
        .ctx("comparing with a stored version")?;
    Ok(if identical {
        Outcome::Duplicate {
            date_added: existing.date_added,
            version: existing.version.clone(),
        }
    } else {
        Outcome::Conflict {
            existing_date_added: existing.date_added,
        }
    })
}

/// For unversioned objects: a stored version of the id with the same JSON.
fn find_identical(
    tx: &Transaction<'_>,
    ckey: i64,
    object: &NewObject<'_>,
) -> Result<Option<Outcome>> {
    let found: Option<(i64, String)> = tx
        .prepare_cached(
            "SELECT date_added, version FROM objects WHERE ckey = ?1 AND id = ?2 AND json = ?3 \
             ORDER BY date_added LIMIT 1",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![ckey, object.id, object.json], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
        })
        .ctx("looking for an identical stored object")?;
    found
        .map(|(date_added, version)| {
            let version = VersionKey::parse(&version).map_err(|e| {
                StoreError::Corrupt(format!(
                    "stored version of {:?} is unreadable: {e}",
                    object.id
                ))
            })?;
            Ok(Outcome::Duplicate {
                date_added,
                version,
            })
        })
        .transpose()
}

/// See [`crate::Store::delete`].
pub(super) fn delete(
    conn: &mut Connection,
    collection: &str,
    id: &str,
    select: &VersionSelect,
    spec_versions: Option<&[String]>,
) -> Result<usize> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting a delete transaction")?;
    let ckey = collection_key(&tx, collection)?;
    let versions = load_versions(&tx, ckey, id)?;
    let pairs: Vec<(&VersionKey, &str)> = versions
        .iter()
        .map(|v| (&v.version, v.spec_version.as_str()))
        .collect();
    let chosen = select_versions(&pairs, select, spec_versions);
    let (gone, kept): (Vec<_>, Vec<_>) = versions
        .into_iter()
        .zip(chosen)
        .partition(|(_, chosen)| *chosen);
    if gone.is_empty() {
        return Ok(0);
    }
    {
        let mut stmt = tx
            .prepare_cached("DELETE FROM objects WHERE seq = ?1")
            .ctx("deleting an object version")?;
        for (version, _) in &gone {
            stmt.execute([version.seq])
                .ctx("deleting an object version")?;
        }
    }
    let kept: Vec<StoredVersion> = kept.into_iter().map(|(v, _)| v).collect();
    refresh_flags(&tx, &kept)?;
    tx.prepare_cached("UPDATE collections SET object_count = object_count - ?1 WHERE ckey = ?2")
        .and_then(|mut stmt| stmt.execute(params![gone.len() as i64, ckey]))
        .ctx("updating collection counters")?;
    tx.commit().ctx("committing a delete")?;
    Ok(gone.len())
}
