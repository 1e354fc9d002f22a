//! Reads of `objects`: the SQL for TAXII queries and the version list.
//!
//! Each query form is written so that SQLite can walk one index in
//! `date_added` order and stop after `limit + 1` rows:
//!
//! - no id or type filter: `objects_added`, or the partial indexes
//!   `objects_last` / `objects_first` for the default spec-version filter
//!   with `last` or `first` alone;
//! - one type: `objects_type` / `objects_type_last`. Several types run one
//!   statement per type (each limited) in one read transaction and are merged
//!   here, because an `IN` list over an index ordered by type would force
//!   SQLite to sort every matching row before applying the limit;
//! - ids: `objects_id`, then a sort of the few versions of those ids;
//! - exact versions without ids or types: `objects_version`, then a sort.
//!
//! The last two name their index with `INDEXED BY`: without statistics the
//! planner would rather walk `objects_added` in order, which reads the whole
//! collection when the few matching rows are old. `tests/query_plans.rs`
//! checks every form with `EXPLAIN QUERY PLAN`.

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::{MAX_FILTER_VALUES, SqlContext, collection_key};
use crate::{Item, Page, Query, Result, StoreError, VersionEntry, VersionKey, VersionSelect};

/// A statement and its positional parameters.
type Statement = (String, Vec<Value>);

/// `?, ?, ?` for `n` parameters.
fn placeholders(n: usize) -> String {
    let mut out = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('?');
    }
    out
}

fn push_texts<'a>(params: &mut Vec<Value>, values: impl IntoIterator<Item = &'a str>) {
    params.extend(values.into_iter().map(|v| Value::Text(v.to_string())));
}

/// `limit + 1` as an SQL parameter, so `more` is exact.
fn fetch_limit(limit: usize) -> Value {
    let fetch = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    Value::Integer(i64::try_from(fetch).unwrap_or(i64::MAX))
}

fn check_len(what: &str, len: usize) -> Result<()> {
    if len > MAX_FILTER_VALUES {
        return Err(StoreError::InvalidQuery(format!(
            "{what} lists {len} values; at most {MAX_FILTER_VALUES} are allowed, split the request"
        )));
    }
    Ok(())
}

/// The spec-version and version conditions (`AND ...`), or `None` when the
/// selection can match nothing.
fn selection_clause(
    select: &VersionSelect,
    spec_versions: Option<&[String]>,
    params: &mut Vec<Value>,
) -> Option<String> {
    let mut sql = String::new();
    match spec_versions {
        None => sql.push_str(" AND o.latest_spec = 1"),
        Some([]) => return None,
        Some(list) => {
            sql.push_str(&format!(
                " AND o.spec_version IN ({})",
                placeholders(list.len())
            ));
            push_texts(params, list.iter().map(String::as_str));
        }
    }
    let VersionSelect::Only {
        first,
        last,
        versions,
    } = select
    else {
        return Some(sql);
    };
    let mut terms = Vec::new();
    if *first {
        terms.push(edge_term("is_first", "min", spec_versions, params));
    }
    if *last {
        terms.push(edge_term("is_last", "max", spec_versions, params));
    }
    if !versions.is_empty() {
        terms.push(format!("o.version IN ({})", placeholders(versions.len())));
        push_texts(params, versions.iter().map(VersionKey::as_str));
    }
    match terms.len() {
        0 => return None,
        1 => sql.push_str(&format!(" AND {}", terms[0])),
        _ => sql.push_str(&format!(" AND ({})", terms.join(" OR "))),
    }
    Some(sql)
}

/// The condition for "first" or "last". The stored flags are per spec
/// version, so they answer directly for the default filter or a single spec
/// version; across several spec versions the flagged rows are the candidates
/// and a per-id aggregate picks the earliest/latest of them.
fn edge_term(
    flag: &str,
    aggregate: &str,
    spec_versions: Option<&[String]>,
    params: &mut Vec<Value>,
) -> String {
    match spec_versions {
        Some(list) if list.len() > 1 => {
            push_texts(params, list.iter().map(String::as_str));
            format!(
                "(o.{flag} = 1 AND o.version = (SELECT {aggregate}(x.version) FROM objects x \
                 WHERE x.ckey = o.ckey AND x.id = o.id AND x.spec_version IN ({})))",
                placeholders(list.len())
            )
        }
        _ => format!("o.{flag} = 1"),
    }
}

/// Which type filter one statement carries.
enum TypeFilter<'a> {
    None,
    One(&'a str),
    Any(&'a [String]),
}

fn object_statement(ckey: i64, query: &Query, types: TypeFilter<'_>) -> Option<Statement> {
    let mut params = vec![Value::Integer(ckey)];
    let mut sql =
        String::from("SELECT o.id, o.object_type, o.version, o.date_added, o.spec_version");
    if query.include_json {
        sql.push_str(", o.json");
    }
    sql.push_str(" FROM objects o");
    // Without statistics SQLite prefers an index that yields `date_added`
    // order (to stop at the limit) even when a far more selective one
    // exists; name the selective one where it is always the better choice.
    let exact_versions_only = matches!(
        &query.versions,
        VersionSelect::Only { first: false, last: false, versions } if !versions.is_empty()
    );
    if query.ids.is_some() {
        sql.push_str(" INDEXED BY objects_id");
    } else if exact_versions_only && matches!(types, TypeFilter::None) {
        sql.push_str(" INDEXED BY objects_version");
    }
    sql.push_str(" WHERE o.ckey = ?");
    if let Some(after) = query.added_after {
        sql.push_str(" AND o.date_added > ?");
        params.push(Value::Integer(after));
    }
    if let Some(ids) = &query.ids {
        sql.push_str(&format!(" AND o.id IN ({})", placeholders(ids.len())));
        push_texts(&mut params, ids.iter().map(String::as_str));
    }
    match types {
        TypeFilter::None => {}
        TypeFilter::One(t) => {
            sql.push_str(" AND o.object_type = ?");
            params.push(Value::Text(t.to_string()));
        }
        TypeFilter::Any(list) => {
            sql.push_str(&format!(
                " AND o.object_type IN ({})",
                placeholders(list.len())
            ));
            push_texts(&mut params, list.iter().map(String::as_str));
        }
    }
    let selection = selection_clause(&query.versions, query.spec_versions.as_deref(), &mut params)?;
    sql.push_str(&selection);
    sql.push_str(" ORDER BY o.date_added LIMIT ?");
    params.push(fetch_limit(query.limit));
    Some((sql, params))
}

/// The statements that answer `query`; empty when it can match nothing.
pub(super) fn query_statements(ckey: i64, query: &Query) -> Result<Vec<Statement>> {
    check_len("match[id]", query.ids.as_ref().map_or(0, Vec::len))?;
    check_len("match[type]", query.types.as_ref().map_or(0, Vec::len))?;
    check_len(
        "match[spec_version]",
        query.spec_versions.as_ref().map_or(0, Vec::len),
    )?;
    if let VersionSelect::Only { versions, .. } = &query.versions {
        check_len("match[version]", versions.len())?;
    }
    if query.ids.as_ref().is_some_and(Vec::is_empty)
        || query.types.as_ref().is_some_and(Vec::is_empty)
    {
        return Ok(Vec::new());
    }
    let statements = match (&query.ids, &query.types) {
        (Some(_), Some(types)) => vec![object_statement(ckey, query, TypeFilter::Any(types))],
        (None, Some(types)) => {
            let mut distinct: Vec<&str> = types.iter().map(String::as_str).collect();
            distinct.sort_unstable();
            distinct.dedup();
            distinct
                .into_iter()
                .map(|t| object_statement(ckey, query, TypeFilter::One(t)))
                .collect()
        }
        (_, None) => vec![object_statement(ckey, query, TypeFilter::None)],
    };
    Ok(statements.into_iter().flatten().collect())
}

/// One result row before its version text is checked.
struct RawItem {
    id: String,
    object_type: String,
    version: String,
    date_added: i64,
    spec_version: String,
    json: Option<String>,
}

fn raw_item(row: &Row<'_>, include_json: bool) -> rusqlite::Result<RawItem> {
    Ok(RawItem {
        id: row.get(0)?,
        object_type: row.get(1)?,
        version: row.get(2)?,
        date_added: row.get(3)?,
        spec_version: row.get(4)?,
        json: if include_json {
            Some(row.get(5)?)
        } else {
            None
        },
    })
}

fn parse_stored_version(text: &str) -> Result<VersionKey> {
    VersionKey::parse(text)
        .map_err(|e| StoreError::Corrupt(format!("a stored version is unreadable: {e}")))
}

/// See [`crate::Store::query`].
pub(super) fn query(conn: &mut Connection, collection: &str, query: &Query) -> Result<Page<Item>> {
    // One read transaction, so several statements see the same snapshot.
    let tx = conn.transaction().ctx("starting a read transaction")?;
    let ckey = collection_key(&tx, collection)?;
    let statements = query_statements(ckey, query)?;
    let mut items = Vec::new();
    for (sql, params) in &statements {
        let mut stmt = tx.prepare_cached(sql).ctx("preparing a query")?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                raw_item(row, query.include_json)
            })
            .ctx("running a query")?;
        for row in rows {
            let raw = row.ctx("reading a query result")?;
            items.push(Item {
                version: parse_stored_version(&raw.version)?,
                id: raw.id,
                object_type: raw.object_type,
                date_added: raw.date_added,
                spec_version: raw.spec_version,
                json: raw.json,
            });
        }
    }
    tx.finish().ctx("ending a read transaction")?;
    if statements.len() > 1 {
        items.sort_by_key(|item| item.date_added);
    }
    Ok(into_page(items, query.limit))
}

/// Cuts `limit + 1` fetched entries to a page with an exact `more`.
fn into_page<T>(mut items: Vec<T>, limit: usize) -> Page<T> {
    let more = items.len() > limit;
    items.truncate(limit);
    Page { items, more }
}

/// The statement behind [`versions`]; `spec_versions` must not be empty.
pub(super) fn versions_statement(
    ckey: i64,
    id: &str,
    added_after: Option<i64>,
    limit: usize,
    spec_versions: Option<&[String]>,
) -> Statement {
    let mut params = vec![Value::Integer(ckey), Value::Text(id.to_string())];
    let mut sql = String::from(
        "SELECT o.version, o.date_added FROM objects o INDEXED BY objects_id \
         WHERE o.ckey = ? AND o.id = ?",
    );
    if let Some(after) = added_after {
        sql.push_str(" AND o.date_added > ?");
        params.push(Value::Integer(after));
    }
    match spec_versions {
        None => sql.push_str(" AND o.latest_spec = 1"),
        Some(list) => {
            sql.push_str(&format!(
                " AND o.spec_version IN ({})",
                placeholders(list.len())
            ));
            push_texts(&mut params, list.iter().map(String::as_str));
        }
    }
    sql.push_str(" ORDER BY o.date_added LIMIT ?");
    params.push(fetch_limit(limit));
    (sql, params)
}

/// See [`crate::Store::versions`].
pub(super) fn versions(
    conn: &mut Connection,
    collection: &str,
    id: &str,
    added_after: Option<i64>,
    limit: usize,
    spec_versions: Option<&[String]>,
) -> Result<Page<VersionEntry>> {
    check_len(
        "match[spec_version]",
        spec_versions.map_or(0, <[String]>::len),
    )?;
    let tx = conn.transaction().ctx("starting a read transaction")?;
    let ckey = collection_key(&tx, collection)?;
    if spec_versions.is_some_and(<[String]>::is_empty) {
        return Ok(Page {
            items: Vec::new(),
            more: false,
        });
    }
    let (sql, params) = versions_statement(ckey, id, added_after, limit, spec_versions);
    let mut entries = Vec::new();
    {
        let mut stmt = tx.prepare_cached(&sql).ctx("preparing a versions query")?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(&params), |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })
            .ctx("running a versions query")?;
        for row in rows {
            let (version, date_added) = row.ctx("reading a versions result")?;
            entries.push(VersionEntry {
                version: parse_stored_version(&version)?,
                date_added,
            });
        }
    }
    tx.finish().ctx("ending a read transaction")?;
    Ok(into_page(entries, limit))
}
