//! The SQLite schema and its migrations, keyed by `PRAGMA user_version`.
//!
//! `MIGRATIONS[i]` takes a database from version `i` to `i + 1`. A fresh file
//! is at version 0 and runs them all. Each migration runs in its own
//! transaction together with the `user_version` bump, so a crash leaves the
//! file at a whole version. Never edit a released migration: append one.

use rusqlite::{Connection, TransactionBehavior};

use super::SqlContext;
use crate::{Result, StoreError};

/// Version 1: collections, objects and their indexes, statuses, accounts, meta.
///
/// `objects` is a rowid table: rows are appended in commit order, and commit
/// order is `date_added` order, so each collection's rows sit on disk in the
/// order pages are read. Large JSON texts stay in the table b-tree, which
/// holds up to ~4 KB per row before spilling to overflow pages.
const V1: &str = "
CREATE TABLE collections (
    ckey INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    last_date_added INTEGER NOT NULL DEFAULT 0,
    object_count INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE objects (
    seq INTEGER PRIMARY KEY,
    ckey INTEGER NOT NULL REFERENCES collections(ckey),
    date_added INTEGER NOT NULL,
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    object_type TEXT NOT NULL,
    spec_version TEXT NOT NULL,
    is_first INTEGER NOT NULL,
    is_last INTEGER NOT NULL,
    latest_spec INTEGER NOT NULL,
    json TEXT NOT NULL
) STRICT;

-- Paging order; also what makes date_added unique per collection.
CREATE UNIQUE INDEX objects_added ON objects(ckey, date_added);
-- match[id], GET/DELETE one object, versions, duplicate detection.
CREATE UNIQUE INDEX objects_id ON objects(ckey, id, version);
-- match[type] with any version selection.
CREATE INDEX objects_type ON objects(ckey, object_type, date_added);
-- match[version]=<timestamp> without match[id].
CREATE INDEX objects_version ON objects(ckey, version);
-- TAXII's default (latest version, latest spec version), with and without match[type].
CREATE INDEX objects_last ON objects(ckey, date_added) WHERE is_last = 1 AND latest_spec = 1;
CREATE INDEX objects_type_last ON objects(ckey, object_type, date_added)
    WHERE is_last = 1 AND latest_spec = 1;
-- match[version]=first.
CREATE INDEX objects_first ON objects(ckey, date_added) WHERE is_first = 1 AND latest_spec = 1;

CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX statuses_updated ON statuses(updated);

CREATE TABLE principals (
    name TEXT PRIMARY KEY,
    password_hash TEXT,
    admin INTEGER NOT NULL,
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE api_keys (
    key_id TEXT PRIMARY KEY,
    principal TEXT NOT NULL REFERENCES principals(name) ON DELETE CASCADE,
    key_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created INTEGER NOT NULL,
    revoked INTEGER
) STRICT;
CREATE INDEX api_keys_principal ON api_keys(principal);

CREATE TABLE grants (
    principal TEXT NOT NULL REFERENCES principals(name) ON DELETE CASCADE,
    collection TEXT NOT NULL,
    can_read INTEGER NOT NULL,
    can_write INTEGER NOT NULL,
    PRIMARY KEY (principal, collection)
) STRICT, WITHOUT ROWID;

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT, WITHOUT ROWID;
";

/// All migrations, oldest first.
const MIGRATIONS: &[&str] = &[V1];

/// The schema version this build creates and understands.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the database up to [`SCHEMA_VERSION`], or refuses a newer file.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .ctx("reading the schema version")?;
    if found > SCHEMA_VERSION {
        return Err(StoreError::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let target = index as i64 + 1;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("starting a schema migration")?;
        // Another process may have migrated while we waited for the lock.
        let current: i64 = tx
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .ctx("reading the schema version")?;
        if current >= target {
            continue;
        }
        tx.execute_batch(sql).ctx("applying a schema migration")?;
        tx.pragma_update(None, "user_version", target)
            .ctx("recording the schema version")?;
        tx.commit().ctx("committing a schema migration")?;
        tracing::info!(version = target, "applied store schema migration");
    }
    Ok(())
}
