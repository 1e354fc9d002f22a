//! Durable, versioned storage of STIX objects per TAXII collection.
//!
//! # Shape
//!
//! One trait, [`Store`], is all the rest of Phalanx sees. [`SqliteStore`]
//! implements it on one embedded SQLite file; a PostgreSQL implementation
//! can follow behind the same trait, which therefore mentions no SQL.
//! The backend-independent rules (first/last flags, version selection, the
//! next `date_added`) live in [`selection`] and [`clock`] so every backend
//! shares them, and `conformance` (feature `conformance`) is a test suite
//! that any implementation must pass.
//!
//! This crate does not parse STIX. The caller validates each object and
//! hands over a [`NewObject`]: id, type, spec version, version key and the
//! exact JSON text, which is stored and returned byte for byte.
//!
//! # Units and keys
//!
//! - `date_added` and every other server time is an `i64` of microseconds
//!   since the Unix epoch (TAXII timestamps have microsecond precision).
//! - A version is a [`VersionKey`]: a STIX timestamp normalised to nine
//!   fractional digits in fixed-width text, so byte order is time order in
//!   Rust, SQLite and PostgreSQL alike (the type's docs give the reasons).
//! - Collections are named by the TAXII collection id; the SQLite backend
//!   maps each to a small integer key internally.
//!
//! # Code map
//!
//! - `store.rs`: the [`Store`] trait. `types.rs`: what crosses it.
//! - [`selection`]: first/last flags and version selection rules.
//! - [`clock`]: the injected clock and the `date_added` rule.
//! - [`sqlite`]: [`SqliteStore`]: schema and migrations (`schema.rs`), writes
//!   (`write.rs`), query SQL (`read.rs`), accounts and statuses
//!   (`accounts.rs`), the integrity check (`check.rs`), reader pool (`pool.rs`).
//! - `conformance` (feature `conformance`): the backend-independent test suite.
//!
//! # Example
//!
//! ```
//! use phalanx_store::{NewObject, Outcome, Query, SqliteStore, Store, VersionKey};
//!
//! let dir = tempfile::tempdir()?;
//! let store = SqliteStore::open(dir.path().join("phalanx.db"))?;
//! store.ensure_collection("91a7b528-80eb-42ed-a74d-c6fbd5a26116")?;
//! let json = r#"{"type":"malware","id":"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}"#;
//! let outcomes = store.insert_batch(
//!     "91a7b528-80eb-42ed-a74d-c6fbd5a26116",
//!     &[NewObject {
//!         id: "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
//!         object_type: "malware",
//!         spec_version: "2.1",
//!         version: Some(VersionKey::parse("2016-04-06T20:07:09.000Z")?),
//!         json,
//!     }],
//! )?;
//! assert!(matches!(outcomes[0], Outcome::Inserted { .. }));
//! let page = store.query("91a7b528-80eb-42ed-a74d-c6fbd5a26116", &Query::new(100))?;
//! assert_eq!(page.items[0].json.as_deref(), Some(json));
//! assert!(!page.more);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Invariants
//!
//! - **Every version is kept**, keyed by `(collection, id, version)`; a
//!   version is immutable: the same key with different JSON is a
//!   [`Outcome::Conflict`], never an overwrite. Only [`Store::delete`]
//!   removes versions.
//! - **`date_added` strictly increases per collection, in commit order.** It
//!   is `max(now, last + 1)` in microseconds, computed inside the write
//!   transaction (`BEGIN IMMEDIATE`, which also excludes writers in other
//!   processes) from a per-collection high-water mark that deletes never
//!   lower. Readers see a prefix of commits, so a client paging with
//!   `added_after` = the last `date_added` it saw never skips or repeats an
//!   object, even while others write.
//! - **A write is acknowledged only once it is durable** (WAL,
//!   `synchronous=FULL`): each [`Store::insert_batch`] is one transaction.
//! - **First/last flags are exact after every insert and delete**, so TAXII's
//!   default `match[version]=last` is an index walk (see [`selection`]).
//! - **Pages are exact**: the store fetches `limit + 1` rows, so
//!   [`Page::more`] is true if and only if another matching row exists.
//! - **The clock is injected** ([`Clock`]); nothing reads the system time
//!   directly, so tests control time.
//! - Principals, API keys, grants, statuses and metadata live in the same
//!   file, so one backup covers a node; secrets arrive already hashed.
//! - The schema is versioned by `PRAGMA user_version` and migrated forward on
//!   open; a file from a newer build is refused, not damaged.

mod error;
mod store;
mod types;
mod version_key;

pub mod clock;
pub mod selection;
pub mod sqlite;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Result, StoreError};
pub use sqlite::SqliteStore;
pub use store::Store;
pub use types::{
    ApiKey, Dated, Grant, Item, NewApiKey, NewObject, NewPrincipal, Outcome, Page, Principal,
    Query, VersionEntry, VersionSelect,
};
pub use version_key::{VersionKey, VersionKeyError};
