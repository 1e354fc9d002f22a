//! Collection storage for TAXII: filter translation to the [`Store`] trait, version keys,
//! the storing of accepted objects (shared by the API and `phalanx import`), and status records.

use phalanx_store::{NewObject, Outcome, Query, Store, VersionKey, VersionSelect};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::ingest::Accepted;
use crate::query::{Filters, VersionFilter};

/// One object version in a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// STIX id.
    pub id: String,
    /// Version as a STIX timestamp.
    pub version: String,
    /// Microseconds since the epoch.
    pub date_added: i64,
    /// `spec_version` of the stored object.
    pub spec_version: String,
    /// Stored JSON text, when asked for.
    pub json: Option<String>,
}

/// One page of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// Items, ascending by `date_added`.
    pub items: Vec<Item>,
    /// Whether more items follow.
    pub more: bool,
}

impl Page {
    /// The `date_added` of the first and last items, for the `X-TAXII-Date-Added-*` headers.
    pub fn added_range(&self) -> Option<(i64, i64)> {
        Some((
            self.items.first()?.date_added,
            self.items.last()?.date_added,
        ))
    }
}

fn store_error(e: phalanx_store::StoreError) -> ApiError {
    tracing::error!(error = %e, "store failure");
    ApiError::internal(format!("the node's store failed: {e}"))
}

fn version_key(ts: &jiff::Timestamp) -> Result<VersionKey, ApiError> {
    VersionKey::parse(&ts.to_string())
        .map_err(|e| ApiError::bad_request(format!("version {ts} cannot be matched: {e}")))
}

fn select(filter: &VersionFilter) -> Result<VersionSelect, ApiError> {
    Ok(match filter {
        VersionFilter::All => VersionSelect::All,
        VersionFilter::Select { first, last, exact } => VersionSelect::Only {
            first: *first,
            last: *last,
            versions: exact.iter().map(version_key).collect::<Result<_, _>>()?,
        },
    })
}

/// Runs an objects / manifest / object query. `object` restricts it to one STIX id.
pub fn query(
    store: &dyn Store,
    collection: &str,
    object: Option<&str>,
    filters: &Filters,
    include_json: bool,
) -> Result<Page, ApiError> {
    let query = Query {
        added_after: filters.added_after,
        limit: filters.limit,
        ids: match object {
            Some(id) => Some(vec![id.to_owned()]),
            None => filters.ids.clone(),
        },
        types: filters.types.clone(),
        versions: select(&filters.versions)?,
        spec_versions: filters.spec_versions.clone(),
        include_json,
    };
    let page = store.query(collection, &query).map_err(store_error)?;
    Ok(Page {
        more: page.more,
        items: page
            .items
            .into_iter()
            .map(|i| Item {
                id: i.id,
                version: i.version.to_string(),
                date_added: i.date_added,
                spec_version: i.spec_version,
                json: i.json,
            })
            .collect(),
    })
}

/// The versions of one object, ascending by `date_added`.
pub fn versions(
    store: &dyn Store,
    collection: &str,
    object: &str,
    filters: &Filters,
) -> Result<Page, ApiError> {
    let page = store
        .versions(
            collection,
            object,
            filters.added_after,
            filters.limit,
            filters.spec_versions.as_deref(),
        )
        .map_err(store_error)?;
    Ok(Page {
        more: page.more,
        items: page
            .items
            .into_iter()
            .map(|v| Item {
                id: object.to_owned(),
                version: v.version.to_string(),
                date_added: v.date_added,
                spec_version: String::new(),
                json: None,
            })
            .collect(),
    })
}

/// Whether any version of the object is in the collection.
pub fn exists(store: &dyn Store, collection: &str, object: &str) -> Result<bool, ApiError> {
    let page = store
        .versions(collection, object, None, 1, None)
        .map_err(store_error)?;
    Ok(!page.items.is_empty())
}

/// Deletes the selected versions of an object; returns how many were removed.
pub fn delete(
    store: &dyn Store,
    collection: &str,
    object: &str,
    filters: &Filters,
) -> Result<usize, ApiError> {
    store
        .delete(
            collection,
            object,
            &select(&filters.versions)?,
            filters.spec_versions.as_deref(),
        )
        .map_err(store_error)
}

/// What became of one accepted object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Stored as a new version.
    Added {
        /// The version, as a STIX timestamp.
        version: String,
    },
    /// Already present, unchanged.
    Duplicate {
        /// The version.
        version: String,
    },
    /// A different object with the same id and version is stored.
    Conflict {
        /// The version.
        version: String,
        /// Why, and what to do.
        message: String,
    },
}

/// Stores the accepted objects of one envelope in one durable transaction.
pub fn insert(
    store: &dyn Store,
    collection: &str,
    accepted: &[Accepted],
) -> Result<Vec<Stored>, ApiError> {
    if accepted.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<Option<VersionKey>> = accepted
        .iter()
        .map(|a| {
            a.version
                .as_ref()
                .and_then(|v| VersionKey::parse(v.as_str()).ok())
        })
        .collect();
    let objects: Vec<NewObject<'_>> = accepted
        .iter()
        .zip(&keys)
        .map(|(a, key)| NewObject {
            id: &a.id,
            object_type: &a.object_type,
            spec_version: &a.spec_version,
            version: key.clone(),
            json: &a.json,
        })
        .collect();
    let outcomes = store
        .insert_batch(collection, &objects)
        .map_err(store_error)?;
    Ok(outcomes
        .into_iter()
        .zip(accepted)
        .map(|(outcome, a)| {
            let given = a.version.as_ref().map(|v| v.as_str().to_owned());
            match outcome {
                Outcome::Inserted { version, .. } => Stored::Added {
                    version: given.unwrap_or_else(|| version.to_string()),
                },
                Outcome::Duplicate { version, .. } => Stored::Duplicate {
                    version: given.unwrap_or_else(|| version.to_string()),
                },
                Outcome::Conflict { .. } => Stored::Conflict {
                    version: given.unwrap_or_default(),
                    message: "a different object with this id and version is already stored; \
                              a changed object needs a later `modified`"
                        .to_owned(),
                },
            }
        })
        .collect())
}

/// A stored TAXII status with what is needed to decide who may read it.
#[derive(Debug, Clone)]
pub struct StatusRecord {
    /// API root the POST went to.
    pub api_root: String,
    /// Principal who posted.
    pub principal: String,
    /// The status resource.
    pub status: Value,
}

/// Keeps a status resource.
pub fn put_status(
    store: &dyn Store,
    id: &str,
    api_root: &str,
    principal: &str,
    status: &Value,
) -> Result<(), ApiError> {
    let record = json!({ "api_root": api_root, "principal": principal, "status": status });
    store
        .put_status(id, &record.to_string())
        .map_err(store_error)
}

/// Reads a status resource.
pub fn get_status(store: &dyn Store, id: &str) -> Result<Option<StatusRecord>, ApiError> {
    let Some(text) = store.get_status(id).map_err(store_error)? else {
        return Ok(None);
    };
    let mut record: Value = serde_json::from_str(&text)
        .map_err(|e| ApiError::internal(format!("stored status {id} is unreadable: {e}")))?;
    let field = |record: &Value, name: &str| {
        record
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    Ok(Some(StatusRecord {
        api_root: field(&record, "api_root"),
        principal: field(&record, "principal"),
        status: record
            .get_mut("status")
            .map(Value::take)
            .unwrap_or(Value::Null),
    }))
}
