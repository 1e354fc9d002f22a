//! The values that cross the [`crate::Store`] trait: objects going in,
//! outcomes and pages coming out, queries, and account records.

use crate::VersionKey;

/// One STIX object to store, already validated by the caller.
///
/// The store does not parse `json`; it trusts the other fields to describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObject<'a> {
    /// The STIX `id` (`type--uuid`).
    pub id: &'a str,
    /// The STIX `type`.
    pub object_type: &'a str,
    /// The STIX `spec_version` (`"2.0"` for objects without the property).
    pub spec_version: &'a str,
    /// STIX `modified`, else `created`; `None` for SCOs that have neither, in
    /// which case the store assigns the object's `date_added` as its version.
    pub version: Option<VersionKey>,
    /// The object's exact JSON text, stored and returned byte for byte.
    pub json: &'a str,
}

/// What happened to one object of an [`insert_batch`](crate::Store::insert_batch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A new version was stored.
    Inserted {
        /// When it was added, in microseconds since the epoch.
        date_added: i64,
        /// Its version (the server-assigned one for unversioned SCOs).
        version: VersionKey,
    },
    /// The same version with byte-identical JSON was already stored; nothing
    /// changed. TAXII counts this as a success.
    Duplicate {
        /// When the existing copy was added.
        date_added: i64,
        /// The existing copy's version.
        version: VersionKey,
    },
    /// The same `(id, version)` is stored with different JSON. Nothing was
    /// written for this object: a STIX version is immutable.
    Conflict {
        /// When the existing, different copy was added.
        existing_date_added: i64,
    },
}

/// Which versions of each object a query, or a delete, selects (TAXII
/// `match[version]`).
///
/// The selection applies to the versions left after the spec-version filter:
/// "first" is the earliest of those, "last" the latest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelect {
    /// Every version (`match[version]=all`).
    All,
    /// Any combination of the first version, the last version, and exact
    /// versions (`match[version]=first,last,2016-…Z`). With nothing chosen
    /// it selects nothing.
    Only {
        /// Include the earliest version.
        first: bool,
        /// Include the latest version.
        last: bool,
        /// Include these exact versions.
        versions: Vec<VersionKey>,
    },
}

impl VersionSelect {
    /// Only the latest version: TAXII's default.
    pub fn last() -> Self {
        VersionSelect::Only {
            first: false,
            last: true,
            versions: Vec::new(),
        }
    }

    /// Only the earliest version.
    pub fn first() -> Self {
        VersionSelect::Only {
            first: true,
            last: false,
            versions: Vec::new(),
        }
    }

    /// Only the given exact version.
    pub fn exact(version: VersionKey) -> Self {
        VersionSelect::Only {
            first: false,
            last: false,
            versions: vec![version],
        }
    }

    /// Whether this selection can match nothing at all.
    pub fn is_empty(&self) -> bool {
        matches!(
            self,
            VersionSelect::Only { first: false, last: false, versions } if versions.is_empty()
        )
    }
}

impl Default for VersionSelect {
    fn default() -> Self {
        VersionSelect::last()
    }
}

/// A query over one collection: TAXII's `added_after`, `limit` and
/// `match[...]` filters. Different filters are ANDed; values within one
/// filter are ORed. An empty list matches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Only objects added strictly after this instant (microseconds since
    /// the epoch).
    pub added_after: Option<i64>,
    /// At most this many items per page.
    pub limit: usize,
    /// Only these STIX ids (`match[id]`).
    pub ids: Option<Vec<String>>,
    /// Only these STIX types (`match[type]`).
    pub types: Option<Vec<String>>,
    /// Which versions of each object (`match[version]`).
    pub versions: VersionSelect,
    /// Only these spec versions (`match[spec_version]`). `None` means, per
    /// object, only the versions with the latest spec version stored for it.
    pub spec_versions: Option<Vec<String>>,
    /// Return each object's JSON (objects endpoint) or not (manifest).
    pub include_json: bool,
}

impl Query {
    /// The default TAXII query with the given page size: no filters, latest
    /// versions, latest spec version, with JSON.
    pub fn new(limit: usize) -> Self {
        Query {
            added_after: None,
            limit,
            ids: None,
            types: None,
            versions: VersionSelect::last(),
            spec_versions: None,
            include_json: true,
        }
    }
}

/// One stored object version returned by a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// The STIX id.
    pub id: String,
    /// The STIX type.
    pub object_type: String,
    /// The version (STIX `modified`/`created`, or the server-assigned one).
    pub version: VersionKey,
    /// When it was added, in microseconds since the epoch.
    pub date_added: i64,
    /// The STIX spec version.
    pub spec_version: String,
    /// The exact JSON text, when the query asked for it.
    pub json: Option<String>,
}

/// One entry of an object's version list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEntry {
    /// The version.
    pub version: VersionKey,
    /// When that version was added, in microseconds since the epoch.
    pub date_added: i64,
}

/// Anything that carries a `date_added`, so pages can report their range.
pub trait Dated {
    /// When this entry was added, in microseconds since the epoch.
    fn date_added(&self) -> i64;
}

impl Dated for Item {
    fn date_added(&self) -> i64 {
        self.date_added
    }
}

impl Dated for VersionEntry {
    fn date_added(&self) -> i64 {
        self.date_added
    }
}

/// One page of results, ascending by `date_added`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The entries, oldest `date_added` first.
    pub items: Vec<T>,
    /// Whether more matching entries exist after the last one (exact: the
    /// store fetched one more than the limit).
    pub more: bool,
}

impl<T: Dated> Page<T> {
    /// `date_added` of the first entry (the `X-TAXII-Date-Added-First` header).
    pub fn date_added_first(&self) -> Option<i64> {
        self.items.first().map(Dated::date_added)
    }

    /// `date_added` of the last entry (the `X-TAXII-Date-Added-Last` header,
    /// and the `added_after` of the next page).
    pub fn date_added_last(&self) -> Option<i64> {
        self.items.last().map(Dated::date_added)
    }
}

/// A principal (a user or a service) to create or update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPrincipal<'a> {
    /// The unique login name.
    pub name: &'a str,
    /// The password hash, as an opaque string the caller produced (for
    /// example a PHC string from argon2); `None` for key-only principals.
    pub password_hash: Option<&'a str>,
    /// Whether the principal administers the node.
    pub admin: bool,
}

/// A stored principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The unique login name.
    pub name: String,
    /// The opaque password hash, if the principal may log in with a password.
    pub password_hash: Option<String>,
    /// Whether the principal administers the node.
    pub admin: bool,
    /// When it was first created, in microseconds since the epoch.
    pub created: i64,
}

/// An API key to create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewApiKey<'a> {
    /// The public, unique key id (shown in listings and logs).
    pub key_id: &'a str,
    /// The principal the key acts for; it must exist.
    pub principal: &'a str,
    /// The hash of the secret, as an opaque string the caller produced; unique.
    pub key_hash: &'a str,
    /// A human label ("nightly import").
    pub label: &'a str,
}

/// A stored API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The public, unique key id.
    pub key_id: String,
    /// The principal the key acts for.
    pub principal: String,
    /// The opaque hash of the secret.
    pub key_hash: String,
    /// The human label.
    pub label: String,
    /// When it was created, in microseconds since the epoch.
    pub created: i64,
    /// When it was revoked, if it was.
    pub revoked: Option<i64>,
}

/// A principal's rights on one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The principal.
    pub principal: String,
    /// The collection key (the TAXII collection id).
    pub collection: String,
    /// May read objects, the manifest and versions.
    pub can_read: bool,
    /// May add objects.
    pub can_write: bool,
}
