//! The [`Store`] trait: everything the rest of Phalanx may ask of storage.

use crate::{
    ApiKey, Grant, Item, NewApiKey, NewObject, NewPrincipal, Outcome, Page, Principal, Query,
    Result, VersionEntry, VersionSelect,
};

/// Durable, versioned storage of STIX objects per TAXII collection, plus the
/// small records a node keeps beside them (POST statuses, principals, API
/// keys, grants, metadata).
///
/// The trait is synchronous; async callers run it on a blocking thread
/// (`tokio::task::spawn_blocking`). Implementations are shared between
/// threads, so every method takes `&self`.
///
/// Times are microseconds since the Unix epoch. Every write is durable when
/// the method returns `Ok`.
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Creates the collection `collection` (the TAXII collection id) if it
    /// does not exist yet; does nothing if it does.
    fn ensure_collection(&self, collection: &str) -> Result<()>;

    /// The keys of all collections, in creation order.
    fn collections(&self) -> Result<Vec<String>>;

    /// Stores `objects` in one transaction, durable before it returns, and
    /// reports one [`Outcome`] per object, in input order.
    ///
    /// Each inserted version gets a `date_added` that is strictly greater than
    /// every earlier one of the collection, so commit order is `date_added`
    /// order. Exact duplicates are reported, not rejected; a different JSON
    /// text for an existing `(id, version)` is a [`Outcome::Conflict`] and is
    /// not written. Objects without a version (SCOs) are duplicates if their
    /// JSON equals any stored version of the id; otherwise they become a new
    /// version whose version is their `date_added`.
    fn insert_batch(&self, collection: &str, objects: &[NewObject<'_>]) -> Result<Vec<Outcome>>;

    /// One page of the versions matching `query`, ascending by `date_added`,
    /// with an exact `more` flag.
    fn query(&self, collection: &str, query: &Query) -> Result<Page<Item>>;

    /// One page of the versions of object `id` (TAXII's versions endpoint),
    /// ascending by `date_added`. `spec_versions: None` keeps only the
    /// object's latest spec version.
    fn versions(
        &self,
        collection: &str,
        id: &str,
        added_after: Option<i64>,
        limit: usize,
        spec_versions: Option<&[String]>,
    ) -> Result<Page<VersionEntry>>;

    /// Deletes the versions of object `id` that `select` and `spec_versions`
    /// pick (same meaning as in [`Query`]) and returns how many were deleted.
    /// First/last flags of the remaining versions are updated.
    fn delete(
        &self,
        collection: &str,
        id: &str,
        select: &VersionSelect,
        spec_versions: Option<&[String]>,
    ) -> Result<usize>;

    /// The number of stored versions in the collection.
    fn count(&self, collection: &str) -> Result<u64>;

    /// Checks the whole database for corruption and for broken store
    /// invariants. Slow on large databases (it reads everything).
    fn integrity_check(&self) -> Result<()>;

    /// Stores or replaces the TAXII status resource `id` (its JSON text) and
    /// stamps it with the current time.
    fn put_status(&self, id: &str, json: &str) -> Result<()>;

    /// The JSON text of status `id`, if it exists.
    fn get_status(&self, id: &str) -> Result<Option<String>>;

    /// Deletes statuses last written before `older_than` and returns how many.
    fn purge_statuses(&self, older_than: i64) -> Result<usize>;

    /// Creates the principal, or updates its password hash and admin flag if
    /// it exists (its creation time is kept). Returns the stored record.
    fn upsert_principal(&self, principal: &NewPrincipal<'_>) -> Result<Principal>;

    /// The principal named `name`, if any.
    fn get_principal(&self, name: &str) -> Result<Option<Principal>>;

    /// All principals, by name.
    fn list_principals(&self) -> Result<Vec<Principal>>;

    /// Deletes the principal with its API keys and grants; returns whether it
    /// existed.
    fn delete_principal(&self, name: &str) -> Result<bool>;

    /// Creates an API key for an existing principal. Fails with
    /// [`StoreError::UnknownPrincipal`](crate::StoreError::UnknownPrincipal) or
    /// [`StoreError::DuplicateApiKey`](crate::StoreError::DuplicateApiKey).
    fn create_api_key(&self, key: &NewApiKey<'_>) -> Result<ApiKey>;

    /// The API keys of `principal` (all keys if `None`), revoked ones
    /// included, by key id.
    fn list_api_keys(&self, principal: Option<&str>) -> Result<Vec<ApiKey>>;

    /// Revokes the key; returns `false` if no such key exists or it was
    /// already revoked (the first revocation time is kept).
    fn revoke_api_key(&self, key_id: &str) -> Result<bool>;

    /// The **unrevoked** key whose hash is `key_hash`, if any. Revoked keys
    /// are never returned, so a caller cannot forget to check.
    fn find_api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>>;

    /// Sets a principal's rights on a collection, replacing earlier ones. A
    /// grant with neither right removes the record. The collection need not
    /// exist yet; the principal must.
    fn set_grant(&self, grant: &Grant) -> Result<()>;

    /// The grants of `principal` (all grants if `None`), by principal then
    /// collection.
    fn list_grants(&self, principal: Option<&str>) -> Result<Vec<Grant>>;

    /// The value stored under `key` in the metadata table, if any.
    fn get_meta(&self, key: &str) -> Result<Option<String>>;

    /// Stores `value` under `key` in the metadata table.
    fn set_meta(&self, key: &str, value: &str) -> Result<()>;
}
