//! The one error type of the crate.
//!
//! Every variant says what went wrong, where, and what the caller can do about
//! it. Backend errors are boxed so the [`crate::Store`] trait stays free of
//! any particular database's types.

use std::path::PathBuf;

/// Everything that can go wrong in a store operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The folder that should hold the database file could not be created.
    #[error(
        "cannot create the data folder {path}: {source}; check that the parent exists and is writable"
    )]
    CreateDir {
        /// The folder that was being created.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },

    /// An operation named a collection that was never created.
    #[error(
        "collection {0:?} does not exist in the store; create it with `ensure_collection` first"
    )]
    UnknownCollection(String),

    /// An operation named a principal that does not exist.
    #[error("principal {0:?} does not exist; create it with `upsert_principal` first")]
    UnknownPrincipal(String),

    /// An API key id or key hash is already taken.
    #[error("an API key with the same {what} already exists ({value:?}); generate a new key")]
    DuplicateApiKey {
        /// Which field collided: `"key_id"` or `"key_hash"`.
        what: &'static str,
        /// The colliding value (the key id, or the hash; never a secret).
        value: String,
    },

    /// A query was malformed in a way the caller should have caught (for
    /// example, more filter values than the store accepts).
    #[error("invalid query: {0}")]
    InvalidQuery(String),

    /// The database is locked by another writer for longer than the busy
    /// timeout. Retrying later usually succeeds; an HTTP server maps this to 503.
    #[error(
        "the database is busy (locked by another writer for more than {timeout_ms} ms) while {context}; retry later"
    )]
    Busy {
        /// What the store was doing.
        context: &'static str,
        /// The busy timeout that expired, in milliseconds.
        timeout_ms: u64,
    },

    /// The database file was written by a newer build with a schema this
    /// build does not know.
    #[error(
        "the database schema version is {found}, but this build supports at most {supported}; run a newer phalanx or restore a backup made by this version"
    )]
    SchemaTooNew {
        /// `PRAGMA user_version` found in the file.
        found: i64,
        /// The newest schema version this build can migrate to.
        supported: i64,
    },

    /// The injected clock returned a time that cannot be a STIX timestamp,
    /// so no server-assigned version could be made from it.
    #[error(
        "the clock returned {micros} µs since the epoch, which is outside the years 0000-9999; fix the system clock"
    )]
    BadClock {
        /// The value the clock returned (after the monotonic adjustment).
        micros: i64,
    },

    /// The integrity check found problems.
    #[error("the database failed its integrity check: {problems}; restore from a backup")]
    Integrity {
        /// The problems reported, one per line.
        problems: String,
    },

    /// A value read back from the database does not have the form the store
    /// wrote, which means the file was modified outside the store.
    #[error("corrupt data in the store: {0}; restore from a backup")]
    Corrupt(String),

    /// The database engine reported an error.
    #[error("database error while {context}: {source}")]
    Backend {
        /// What the store was doing.
        context: &'static str,
        /// The engine's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Shorthand for results of store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
