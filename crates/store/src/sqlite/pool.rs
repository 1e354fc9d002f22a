//! A small pool of read-only connections.
//!
//! Hand-written rather than taken from `r2d2`: the whole job is "reuse an
//! idle connection or open one", which is a `Mutex<Vec<_>>`, and it avoids a
//! background thread and a dependency for it.

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OpenFlags};

use super::{SqlContext, configure};
use crate::Result;

/// Read-only connections to one database file. At most `max_idle` are kept
/// open between uses; under heavier concurrency extra ones are opened and
/// closed on return.
#[derive(Debug)]
pub(super) struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl ReaderPool {
    pub(super) fn new(path: PathBuf, max_idle: usize) -> Self {
        ReaderPool {
            path,
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// An idle connection, or a new one.
    pub(super) fn get(&self) -> Result<PooledReader<'_>> {
        let reused = self.lock().pop();
        let conn = match reused {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )
                .ctx("opening a reader connection")?;
                configure(&conn, 32 * 1024).ctx("configuring a reader connection")?;
                conn
            }
        };
        Ok(PooledReader {
            pool: self,
            conn: Some(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Connection>> {
        // A panic while holding this lock cannot leave the Vec inconsistent.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A reader connection on loan; it goes back to the pool when dropped.
#[derive(Debug)]
pub(super) struct PooledReader<'a> {
    pool: &'a ReaderPool,
    // Always `Some` until `drop` takes it.
    conn: Option<Connection>,
}

impl Deref for PooledReader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match &self.conn {
            Some(conn) => conn,
            None => unreachable!("a pooled connection is only taken in drop"),
        }
    }
}

impl DerefMut for PooledReader<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        match &mut self.conn {
            Some(conn) => conn,
            None => unreachable!("a pooled connection is only taken in drop"),
        }
    }
}

impl Drop for PooledReader<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        // A connection left inside a transaction (a panic mid-read) is not
        // returned: the next user would see a stale snapshot.
        if !conn.is_autocommit() {
            return;
        }
        let mut idle = self.pool.lock();
        if idle.len() < self.pool.max_idle {
            idle.push(conn);
        }
    }
}
