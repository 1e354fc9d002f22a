//! The small tables beside `objects`: POST statuses, principals, API keys,
//! grants and metadata.

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};

use super::SqlContext;
use crate::{ApiKey, Grant, NewApiKey, NewPrincipal, Principal, Result, StoreError};

pub(super) fn put_status(conn: &Connection, id: &str, json: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO statuses (id, json, updated) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, updated = excluded.updated",
    )
    .and_then(|mut stmt| stmt.execute(params![id, json, now]))
    .ctx("storing a status")?;
    Ok(())
}

pub(super) fn get_status(conn: &Connection, id: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT json FROM statuses WHERE id = ?1")
        .and_then(|mut stmt| stmt.query_row([id], |row| row.get(0)).optional())
        .ctx("reading a status")
}

pub(super) fn purge_statuses(conn: &Connection, older_than: i64) -> Result<usize> {
    conn.prepare_cached("DELETE FROM statuses WHERE updated < ?1")
        .and_then(|mut stmt| stmt.execute([older_than]))
        .ctx("purging old statuses")
}

fn principal_from_row(row: &Row<'_>) -> rusqlite::Result<Principal> {
    Ok(Principal {
        name: row.get(0)?,
        password_hash: row.get(1)?,
        admin: row.get(2)?,
        created: row.get(3)?,
    })
}

const PRINCIPAL_COLUMNS: &str = "name, password_hash, admin, created";

pub(super) fn upsert_principal(
    conn: &mut Connection,
    principal: &NewPrincipal<'_>,
    now: i64,
) -> Result<Principal> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting a principal update")?;
    tx.prepare_cached(
        "INSERT INTO principals (name, password_hash, admin, created) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, admin = excluded.admin",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![principal.name, principal.password_hash, principal.admin, now])
    })
    .ctx("storing a principal")?;
    let stored = tx
        .prepare_cached(&format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE name = ?1"
        ))
        .and_then(|mut stmt| stmt.query_row([principal.name], principal_from_row))
        .ctx("reading back a principal")?;
    tx.commit().ctx("committing a principal")?;
    Ok(stored)
}

pub(super) fn get_principal(conn: &Connection, name: &str) -> Result<Option<Principal>> {
    conn.prepare_cached(&format!(
        "SELECT {PRINCIPAL_COLUMNS} FROM principals WHERE name = ?1"
    ))
    .and_then(|mut stmt| stmt.query_row([name], principal_from_row).optional())
    .ctx("reading a principal")
}

pub(super) fn list_principals(conn: &Connection) -> Result<Vec<Principal>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {PRINCIPAL_COLUMNS} FROM principals ORDER BY name"
        ))
        .ctx("listing principals")?;
    let rows = stmt
        .query_map([], principal_from_row)
        .ctx("listing principals")?;
    rows.collect::<rusqlite::Result<_>>()
        .ctx("listing principals")
}

pub(super) fn delete_principal(conn: &Connection, name: &str) -> Result<bool> {
    let deleted = conn
        .prepare_cached("DELETE FROM principals WHERE name = ?1")
        .and_then(|mut stmt| stmt.execute([name]))
        .ctx("deleting a principal")?;
    Ok(deleted > 0)
}

const KEY_COLUMNS: &str = "key_id, principal, key_hash, label, created, revoked";

fn key_from_row(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        key_id: row.get(0)?,
        principal: row.get(1)?,
        key_hash: row.get(2)?,
        label: row.get(3)?,
        created: row.get(4)?,
        revoked: row.get(5)?,
    })
}

fn principal_exists(conn: &Connection, name: &str) -> Result<bool> {
    conn.prepare_cached("SELECT 1 FROM principals WHERE name = ?1")
        .and_then(|mut stmt| stmt.exists([name]))
        .ctx("looking up a principal")
}

pub(super) fn create_api_key(
    conn: &mut Connection,
    key: &NewApiKey<'_>,
    now: i64,
) -> Result<ApiKey> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting an API key insert")?;
    if !principal_exists(&tx, key.principal)? {
        return Err(StoreError::UnknownPrincipal(key.principal.to_string()));
    }
    for (what, column, value) in [
        ("key_id", "key_id", key.key_id),
        ("key_hash", "key_hash", key.key_hash),
    ] {
        let taken = tx
            .prepare_cached(&format!("SELECT 1 FROM api_keys WHERE {column} = ?1"))
            .and_then(|mut stmt| stmt.exists([value]))
            .ctx("checking an API key for duplicates")?;
        if taken {
            return Err(StoreError::DuplicateApiKey {
                what,
                value: value.to_string(),
            });
        }
    }
    tx.prepare_cached(
        "INSERT INTO api_keys (key_id, principal, key_hash, label, created, revoked) \
         VALUES (?1, ?2, ?3, ?4, ?5, NULL)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            key.key_id,
            key.principal,
            key.key_hash,
            key.label,
            now
        ])
    })
    .map_err(|e| match e.sqlite_error_code() {
        Some(ErrorCode::ConstraintViolation) => StoreError::DuplicateApiKey {
            what: "key_id",
            value: key.key_id.to_string(),
        },
        _ => StoreError::Backend {
            context: "storing an API key",
            source: Box::new(e),
        },
    })?;
    tx.commit().ctx("committing an API key")?;
    Ok(ApiKey {
        key_id: key.key_id.to_string(),
        principal: key.principal.to_string(),
        key_hash: key.key_hash.to_string(),
        label: key.label.to_string(),
        created: now,
        revoked: None,
    })
}

pub(super) fn list_api_keys(conn: &Connection, principal: Option<&str>) -> Result<Vec<ApiKey>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {KEY_COLUMNS} FROM api_keys WHERE ?1 IS NULL OR principal = ?1 ORDER BY key_id"
        ))
        .ctx("listing API keys")?;
    let rows = stmt
        .query_map([principal], key_from_row)
        .ctx("listing API keys")?;
    rows.collect::<rusqlite::Result<_>>()
        .ctx("listing API keys")
}

pub(super) fn revoke_api_key(conn: &Connection, key_id: &str, now: i64) -> Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE api_keys SET revoked = ?2 WHERE key_id = ?1 AND revoked IS NULL")
        .and_then(|mut stmt| stmt.execute(params![key_id, now]))
        .ctx("revoking an API key")?;
    Ok(changed > 0)
}

pub(super) fn find_api_key_by_hash(conn: &Connection, key_hash: &str) -> Result<Option<ApiKey>> {
    conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = ?1 AND revoked IS NULL"
    ))
    .and_then(|mut stmt| stmt.query_row([key_hash], key_from_row).optional())
    .ctx("looking up an API key")
}

pub(super) fn set_grant(conn: &mut Connection, grant: &Grant) -> Result<()> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .ctx("starting a grant update")?;
    if !principal_exists(&tx, &grant.principal)? {
        return Err(StoreError::UnknownPrincipal(grant.principal.clone()));
    }
    if grant.can_read || grant.can_write {
        tx.prepare_cached(
            "INSERT INTO grants (principal, collection, can_read, can_write) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (principal, collection) DO UPDATE \
             SET can_read = excluded.can_read, can_write = excluded.can_write",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![grant.principal, grant.collection, grant.can_read, grant.can_write])
        })
        .ctx("storing a grant")?;
    } else {
        tx.prepare_cached("DELETE FROM grants WHERE principal = ?1 AND collection = ?2")
            .and_then(|mut stmt| stmt.execute(params![grant.principal, grant.collection]))
            .ctx("removing a grant")?;
    }
    tx.commit().ctx("committing a grant")
}

pub(super) fn list_grants(conn: &Connection, principal: Option<&str>) -> Result<Vec<Grant>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT principal, collection, can_read, can_write FROM grants \
             WHERE ?1 IS NULL OR principal = ?1 ORDER BY principal, collection",
        )
        .ctx("listing grants")?;
    let rows = stmt
        .query_map([principal], |row| {
            Ok(Grant {
                principal: row.get(0)?,
                collection: row.get(1)?,
                can_read: row.get(2)?,
                can_write: row.get(3)?,
            })
        })
        .ctx("listing grants")?;
    rows.collect::<rusqlite::Result<_>>().ctx("listing grants")
}

pub(super) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")
        .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
        .ctx("reading a metadata value")
}

pub(super) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .and_then(|mut stmt| stmt.execute(params![key, value]))
    .ctx("storing a metadata value")?;
    Ok(())
}
