//! [`SqliteStore`]: the embedded implementation of [`Store`] on one SQLite file.
//!
//! # Connections
//!
//! One writer connection sits behind a `Mutex`; every write is one
//! `BEGIN IMMEDIATE` transaction on it, so writers in this process queue on
//! the mutex and writers in other processes queue on SQLite's write lock
//! (for up to the busy timeout). Reads use a small pool of read-only
//! connections; in WAL mode they never block the writer and each read
//! transaction sees a prefix of the commits.
//!
//! # Durability
//!
//! `journal_mode=WAL` with `synchronous=FULL`: a commit returns only after the
//! WAL is synced, so an acknowledged write survives a crash or power loss.

mod accounts;
mod check;
mod checkpoint;
mod pool;
mod read;
mod schema;
mod write;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension};

pub use schema::SCHEMA_VERSION;

use crate::{
    ApiKey, Clock, Grant, Item, NewApiKey, NewObject, NewPrincipal, Outcome, Page, Principal,
    Query, Result, Store, StoreError, SystemClock, VersionEntry, VersionSelect,
};
use pool::ReaderPool;

/// How long a writer waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Page cache of the writer connection, in KiB.
const WRITER_CACHE_KIB: i64 = 256 * 1024;
/// Idle reader connections kept open.
const MAX_IDLE_READERS: usize = 4;
/// The most values one filter (`ids`, `types`, `spec_versions`, exact
/// versions) may list; keeps statements far below SQLite's parameter limit.
pub const MAX_FILTER_VALUES: usize = 1000;

/// A [`Store`] on one SQLite database file.
#[derive(Debug)]
pub struct SqliteStore {
    path: PathBuf,
    writer: Arc<Mutex<Connection>>,
    readers: ReaderPool,
    clock: Arc<dyn Clock>,
    // Declared last: dropped after the connections it checkpoints for.
    checkpointer: checkpoint::Checkpointer,
}

impl SqliteStore {
    /// Opens (creating the file and its folder if missing) the database at
    /// `path`, migrates its schema, and uses the system clock.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_clock(path, Arc::new(SystemClock))
    }

    /// Like [`open`](Self::open), with the clock that `date_added` and the
    /// other timestamps are taken from.
    pub fn open_with_clock(path: impl AsRef<Path>, clock: Arc<dyn Clock>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut writer = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ctx("opening the database file")?;
        configure(&writer, WRITER_CACHE_KIB).ctx("configuring the writer connection")?;
        let mode: String = writer
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .ctx("switching to WAL mode")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend {
                context: "switching to WAL mode",
                source: format!(
                    "SQLite kept journal_mode={mode}; is the file on a network filesystem?"
                )
                .into(),
            });
        }
        schema::migrate(&mut writer)?;
        writer
            .pragma_update(None, "wal_autocheckpoint", checkpoint::FALLBACK_PAGES)
            .and_then(|()| {
                writer.pragma_update(None, "journal_size_limit", checkpoint::JOURNAL_SIZE_LIMIT)
            })
            .ctx("moving WAL checkpoints off the write path")?;
        tracing::debug!(path = %path.display(), "opened SQLite store");
        let writer = Arc::new(Mutex::new(writer));
        Ok(SqliteStore {
            readers: ReaderPool::new(path.clone(), MAX_IDLE_READERS),
            checkpointer: checkpoint::Checkpointer::start(Arc::downgrade(&writer)),
            path,
            writer,
            clock,
        })
    }

    /// The database file this store uses.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `sql` (one statement, with `params`) through `EXPLAIN QUERY PLAN`
    /// on a reader connection and returns the plan's detail lines. For tests
    /// and diagnostics.
    pub fn explain(&self, sql: &str, params: &[rusqlite::types::Value]) -> Result<Vec<String>> {
        let conn = self.readers.get()?;
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .ctx("preparing EXPLAIN QUERY PLAN")?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params), |row| {
                row.get::<_, String>(3)
            })
            .ctx("running EXPLAIN QUERY PLAN")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .ctx("reading EXPLAIN QUERY PLAN")
    }

    /// The SQL statements (with their parameters) that [`Store::query`] runs
    /// for `query` on `collection`, for `EXPLAIN QUERY PLAN` tests.
    pub fn query_sql(
        &self,
        collection: &str,
        query: &Query,
    ) -> Result<Vec<(String, Vec<rusqlite::types::Value>)>> {
        let conn = self.readers.get()?;
        let ckey = collection_key(&conn, collection)?;
        read::query_statements(ckey, query)
    }

    /// The SQL statements (with their parameters) that [`Store::versions`]
    /// and [`Store::delete`] run to find the versions of `id`, for
    /// `EXPLAIN QUERY PLAN` tests: `(versions statement, delete lookup)`.
    pub fn id_sql(
        &self,
        collection: &str,
        id: &str,
    ) -> Result<Vec<(String, Vec<rusqlite::types::Value>)>> {
        let conn = self.readers.get()?;
        let ckey = collection_key(&conn, collection)?;
        let mut statements = vec![read::versions_statement(ckey, id, Some(0), 10, None)];
        statements.push(write::id_rows_statement(ckey, id));
        Ok(statements)
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        // Every write is a transaction that rolls back when dropped, so a
        // panic under this lock leaves the connection usable.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn now(&self) -> i64 {
        self.clock.now_micros()
    }
}

/// Per-connection settings shared by the writer and the readers.
fn configure(conn: &Connection, cache_kib: i64) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(())
}

/// The integer key of a collection, or [`StoreError::UnknownCollection`].
fn collection_key(conn: &Connection, collection: &str) -> Result<i64> {
    conn.prepare_cached("SELECT ckey FROM collections WHERE name = ?1")
        .and_then(|mut stmt| stmt.query_row([collection], |row| row.get(0)).optional())
        .ctx("looking up a collection")?
        .ok_or_else(|| StoreError::UnknownCollection(collection.to_string()))
}

/// Attaches what the store was doing to a SQLite error.
pub(crate) trait SqlContext<T> {
    /// Converts the error, recording `context` ("inserting objects").
    fn ctx(self, context: &'static str) -> Result<T>;
}

impl<T> SqlContext<T> for rusqlite::Result<T> {
    fn ctx(self, context: &'static str) -> Result<T> {
        self.map_err(|error| match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
                context,
                timeout_ms: BUSY_TIMEOUT.as_millis() as u64,
            },
            _ => StoreError::Backend {
                context,
                source: Box::new(error),
            },
        })
    }
}

impl Store for SqliteStore {
    fn ensure_collection(&self, collection: &str) -> Result<()> {
        let conn = self.writer();
        conn.prepare_cached(
            "INSERT INTO collections (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
        )
        .and_then(|mut stmt| stmt.execute([collection]))
        .ctx("creating a collection")?;
        Ok(())
    }

    fn collections(&self) -> Result<Vec<String>> {
        let conn = self.readers.get()?;
        let mut stmt = conn
            .prepare_cached("SELECT name FROM collections ORDER BY ckey")
            .ctx("listing collections")?;
        let rows = stmt
            .query_map([], |row| row.get(0))
            .ctx("listing collections")?;
        rows.collect::<rusqlite::Result<Vec<String>>>()
            .ctx("listing collections")
    }

    fn insert_batch(&self, collection: &str, objects: &[NewObject<'_>]) -> Result<Vec<Outcome>> {
        let mut conn = self.writer();
        let outcomes = write::insert_batch(&mut conn, self.clock.as_ref(), collection, objects)?;
        drop(conn);
        self.checkpointer.written();
        Ok(outcomes)
    }

    fn query(&self, collection: &str, query: &Query) -> Result<Page<Item>> {
        let mut conn = self.readers.get()?;
        read::query(&mut conn, collection, query)
    }

    fn versions(
        &self,
        collection: &str,
        id: &str,
        added_after: Option<i64>,
        limit: usize,
        spec_versions: Option<&[String]>,
    ) -> Result<Page<VersionEntry>> {
        let mut conn = self.readers.get()?;
        read::versions(&mut conn, collection, id, added_after, limit, spec_versions)
    }

    fn delete(
        &self,
        collection: &str,
        id: &str,
        select: &VersionSelect,
        spec_versions: Option<&[String]>,
    ) -> Result<usize> {
        let mut conn = self.writer();
        write::delete(&mut conn, collection, id, select, spec_versions)
    }

    fn count(&self, collection: &str) -> Result<u64> {
        let conn = self.readers.get()?;
        let count: Option<i64> = conn
            .prepare_cached("SELECT object_count FROM collections WHERE name = ?1")
            .and_then(|mut stmt| stmt.query_row([collection], |row| row.get(0)).optional())
            .ctx("counting objects")?;
        let count = count.ok_or_else(|| StoreError::UnknownCollection(collection.to_string()))?;
        u64::try_from(count).map_err(|_| {
            StoreError::Corrupt(format!(
                "collection {collection:?} has a negative object count"
            ))
        })
    }

    fn integrity_check(&self) -> Result<()> {
        let mut conn = self.readers.get()?;
        check::integrity_check(&mut conn)
    }

    fn put_status(&self, id: &str, json: &str) -> Result<()> {
        accounts::put_status(&self.writer(), id, json, self.now())
    }

    fn get_status(&self, id: &str) -> Result<Option<String>> {
        accounts::get_status(&*self.readers.get()?, id)
    }

    fn purge_statuses(&self, older_than: i64) -> Result<usize> {
        accounts::purge_statuses(&self.writer(), older_than)
    }

    fn upsert_principal(&self, principal: &NewPrincipal<'_>) -> Result<Principal> {
        accounts::upsert_principal(&mut self.writer(), principal, self.now())
    }

    fn get_principal(&self, name: &str) -> Result<Option<Principal>> {
        accounts::get_principal(&*self.readers.get()?, name)
    }

    fn list_principals(&self) -> Result<Vec<Principal>> {
        accounts::list_principals(&*self.readers.get()?)
    }

    fn delete_principal(&self, name: &str) -> Result<bool> {
        accounts::delete_principal(&self.writer(), name)
    }

    fn create_api_key(&self, key: &NewApiKey<'_>) -> Result<ApiKey> {
        accounts::create_api_key(&mut self.writer(), key, self.now())
    }

    fn list_api_keys(&self, principal: Option<&str>) -> Result<Vec<ApiKey>> {
        accounts::list_api_keys(&*self.readers.get()?, principal)
    }

    fn revoke_api_key(&self, key_id: &str) -> Result<bool> {
        accounts::revoke_api_key(&self.writer(), key_id, self.now())
    }

    fn find_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        accounts::find_api_key_by_hash(&*self.readers.get()?, key_hash)
    }

    fn set_grant(&self, grant: &Grant) -> Result<()> {
        accounts::set_grant(&mut self.writer(), grant)
    }

    fn list_grants(&self, principal: Option<&str>) -> Result<Vec<Grant>> {
        accounts::list_grants(&*self.readers.get()?, principal)
    }

    fn get_meta(&self, key: &str) -> Result<Option<String>> {
        accounts::get_meta(&*self.readers.get()?, key)
    }

    fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        accounts::set_meta(&self.writer(), key, value)
    }
}
