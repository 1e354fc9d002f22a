//! The router and the handlers of every TAXII 2.1 endpoint.

use std::time::Instant;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::auth::Principal;
use crate::config::{ApiRootConfig, CollectionConfig};
use crate::error::ApiError;
use crate::ingest::{self, Judged};
use crate::media::{self, Produces, TAXII_MEDIA_TYPE};
use crate::query::{self, Endpoint};
use crate::state::AppState;
use crate::storage as sa;

/// The TAXII 2.1 router: discovery at `/taxii2/`, API roots at `/{name}/`.
///
/// Every path is served with and without its trailing `/` (the standard requires clients to
/// send it; accepting both costs nothing and avoids redirects, which break POSTs).
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    let routes: [(&str, axum::routing::MethodRouter<AppState>); 8] = [
        ("/taxii2", get(discovery)),
        ("/{root}", get(api_root)),
        ("/{root}/status/{status}", get(status)),
        ("/{root}/collections", get(collections)),
        ("/{root}/collections/{collection}", get(collection)),
        ("/{root}/collections/{collection}/manifest", get(manifest)),
        (
            "/{root}/collections/{collection}/objects",
            get(get_objects).post(add_objects),
        ),
        (
            "/{root}/collections/{collection}/objects/{object}",
            get(get_object).delete(delete_object),
        ),
    ];
    for (path, method_router) in routes {
        let method_router = method_router.fallback(method_not_allowed);
        router = router
            .route(path, method_router.clone())
            .route(&format!("{path}/"), method_router);
    }
    let versions = get(object_versions).fallback(method_not_allowed);
    router
        .route(
            "/{root}/collections/{collection}/objects/{object}/versions",
            versions.clone(),
        )
        .route(
            "/{root}/collections/{collection}/objects/{object}/versions/",
            versions,
        )
        .fallback(unknown_path)
        .layer(middleware::from_fn(record_metrics))
        .with_state(state)
}

async fn record_metrics(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().trim_end_matches('/').to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("phalanx_taxii_requests_total", "method" => method.to_string(), "endpoint" => endpoint.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("phalanx_taxii_request_seconds", "method" => method.to_string(), "endpoint" => endpoint)
        .record(started.elapsed().as_secs_f64());
    response
}

async fn unknown_path() -> ApiError {
    ApiError::not_found("no TAXII endpoint at this path; discovery is at /taxii2/")
}

async fn method_not_allowed(method: Method) -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        title: "Method not allowed".to_owned(),
        description: format!("{method} is not defined for this TAXII endpoint"),
        code: "method-not-allowed",
    }
}

/// A TAXII JSON response with optional `X-TAXII-Date-Added-*` headers.
fn taxii_json(status: StatusCode, body: impl Into<Body>, added: Option<(i64, i64)>) -> Response {
    let mut response = (status, body.into()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(TAXII_MEDIA_TYPE),
    );
    if let Some((first, last)) = added {
        for (name, micros) in [
            ("x-taxii-date-added-first", first),
            ("x-taxii-date-added-last", last),
        ] {
            if let Ok(value) = HeaderValue::from_str(&format_micros(micros)) {
                headers.insert(name, value);
            }
        }
    }
    response
}

fn json_response(value: &Value) -> Response {
    match serde_json::to_vec(value) {
        Ok(bytes) => taxii_json(StatusCode::OK, bytes, None),
        Err(e) => ApiError::internal(format!("cannot serialise the response: {e}")).into_response(),
    }
}

/// Formats microseconds since the epoch as a TAXII timestamp (exactly six fraction digits).
pub fn format_micros(micros: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    match jiff::Timestamp::from_second(seconds) {
        Ok(ts) => format!("{}.{fraction:06}Z", ts.strftime("%Y-%m-%dT%H:%M:%S")),
        Err(_) => format!("{micros}"),
    }
}

/// Authenticates off the async workers and returns the principal.
async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let headers = headers.clone();
    state.blocking(move |s| s.principal(&headers)).await
}

async fn discovery(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    authenticate(&state, &headers).await?;
    let config = state.config();
    let roots: Vec<String> = config
        .api_roots
        .iter()
        .map(|r| format!("/{}/", r.name))
        .collect();
    let mut body = json!({ "title": config.title });
    let object = body
        .as_object_mut()
        .ok_or_else(|| ApiError::internal("discovery body"))?;
    if let Some(d) = &config.description {
        object.insert("description".into(), json!(d));
    }
    if let Some(c) = &config.contact {
        object.insert("contact".into(), json!(c));
    }
    let default = config
        .default_api_root
        .clone()
        .or_else(|| config.api_roots.first().map(|r| r.name.clone()));
    if let Some(d) = default {
        object.insert("default".into(), json!(format!("/{d}/")));
    }
    if !roots.is_empty() {
        object.insert("api_roots".into(), json!(roots));
    }
    Ok(json_response(&body))
}

async fn api_root(
    State(state): State<AppState>,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    authenticate(&state, &headers).await?;
    let root = state.api_root(&root)?;
    let mut body = json!({
        "title": root.title,
        "versions": [TAXII_MEDIA_TYPE],
        "max_content_length": root.max_content_length,
    });
    if let (Some(d), Some(object)) = (&root.description, body.as_object_mut()) {
        object.insert("description".into(), json!(d));
    }
    Ok(json_response(&body))
}

fn collection_resource(collection: &CollectionConfig, principal: &Principal) -> Value {
    let access = principal.access(&collection.id.to_string());
    let mut body = json!({
        "id": collection.id.to_string(),
        "title": collection.title,
        "can_read": access.can_read,
        "can_write": access.can_write,
        "media_types": collection.media_types,
    });
    if let Some(object) = body.as_object_mut() {
        if let Some(d) = &collection.description {
            object.insert("description".into(), json!(d));
        }
        if let Some(a) = &collection.alias {
            object.insert("alias".into(), json!(a));
        }
    }
    body
}

async fn collections(
    State(state): State<AppState>,
    Path(root): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    let principal = authenticate(&state, &headers).await?;
    let root = state.api_root(&root)?;
    let visible: Vec<Value> = root
        .collections
        .iter()
        .filter(|c| principal.sees(&c.id.to_string()))
        .map(|c| collection_resource(c, &principal))
        .collect();
    let body = if visible.is_empty() {
        json!({})
    } else {
        json!({ "collections": visible })
    };
    Ok(json_response(&body))
}

async fn collection(
    State(state): State<AppState>,
    Path((root, collection)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    let principal = authenticate(&state, &headers).await?;
    let root = state.api_root(&root)?;
    let collection = state.collection(root, &collection, &principal)?;
    Ok(json_response(&collection_resource(collection, &principal)))
}

/// Resolves root and collection and checks read access (403 when the collection is visible
/// but not readable).
fn readable<'a>(
    state: &'a AppState,
    root: &str,
    key: &str,
    principal: &Principal,
) -> Result<(&'a ApiRootConfig, &'a CollectionConfig), ApiError> {
    let root = state.api_root(root)?;
    let collection = state.collection(root, key, principal)?;
    if !principal.access(&collection.id.to_string()).can_read {
        return Err(ApiError::forbidden(format!(
            "principal `{}` may not read collection `{key}` (can_read is false)",
            principal.name
        )));
    }
    Ok((root, collection))
}

async fn manifest(
    State(state): State<AppState>,
    Path((root, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::TaxiiOrStix)?;
    let filters = query::parse(
        raw.as_deref(),
        Endpoint::Objects,
        state.config().max_page_size,
    )?;
    let principal = authenticate(&state, &headers).await?;
    let collection = readable(&state, &root, &key, &principal)?.1.id.to_string();
    let page = state
        .blocking(move |s| sa::query(s.store().as_ref(), &collection, None, &filters, false))
        .await?;
    let records: Vec<Value> = page
        .items
        .iter()
        .map(|item| {
            json!({
                "id": item.id,
                "date_added": format_micros(item.date_added),
                "version": item.version,
                "media_type": format!("application/stix+json;version={}", item.spec_version),
            })
        })
        .collect();
    let mut body = json!({ "more": page.more });
    if let Some(object) = body.as_object_mut() {
        if page.more
            && let Some(last) = page.items.last()
        {
            object.insert("next".into(), json!(query::encode_next(last.date_added)));
        }
        if !records.is_empty() {
            object.insert("objects".into(), json!(records));
        }
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(taxii_json(StatusCode::OK, bytes, page.added_range()))
}

/// Builds an envelope by concatenating the stored object texts: no re-serialisation.
fn envelope(page: &sa::Page) -> Vec<u8> {
    let size: usize = page
        .items
        .iter()
        .map(|i| i.json.as_deref().map_or(0, str::len) + 1)
        .sum();
    let mut out = Vec::with_capacity(size + 96);
    out.extend_from_slice(if page.more {
        b"{\"more\":true"
    } else {
        b"{\"more\":false"
    });
    if page.more
        && let Some(last) = page.items.last()
    {
        out.extend_from_slice(b",\"next\":\"");
        out.extend_from_slice(query::encode_next(last.date_added).as_bytes());
        out.push(b'"');
    }
    if !page.items.is_empty() {
        out.extend_from_slice(b",\"objects\":[");
        for (i, item) in page.items.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(item.json.as_deref().unwrap_or("null").as_bytes());
        }
        out.push(b']');
    }
    out.push(b'}');
    out
}

async fn get_objects(
    State(state): State<AppState>,
    Path((root, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::TaxiiOrStix)?;
    let filters = query::parse(
        raw.as_deref(),
        Endpoint::Objects,
        state.config().max_page_size,
    )?;
    let principal = authenticate(&state, &headers).await?;
    let collection = readable(&state, &root, &key, &principal)?.1.id.to_string();
    let page = state
        .blocking(move |s| sa::query(s.store().as_ref(), &collection, None, &filters, true))
        .await?;
    metrics::counter!("phalanx_taxii_objects_served_total").increment(page.items.len() as u64);
    Ok(taxii_json(
        StatusCode::OK,
        envelope(&page),
        page.added_range(),
    ))
}

fn check_object_id(object: &str) -> Result<(), ApiError> {
    let ok = object
        .split_once("--")
        .is_some_and(|(ty, uuid)| !ty.is_empty() && uuid::Uuid::parse_str(uuid).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "`{object}` is not a STIX identifier (type--uuid)"
        )))
    }
}

async fn get_object(
    State(state): State<AppState>,
    Path((root, key, object)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::TaxiiOrStix)?;
    check_object_id(&object)?;
    let filters = query::parse(
        raw.as_deref(),
        Endpoint::Object,
        state.config().max_page_size,
    )?;
    let principal = authenticate(&state, &headers).await?;
    let collection = readable(&state, &root, &key, &principal)?.1.id.to_string();
    let page = state
        .blocking(move |s| {
            let store = s.store().as_ref();
            let page = sa::query(store, &collection, Some(&object), &filters, true)?;
            if page.items.is_empty() && !sa::exists(store, &collection, &object)? {
                return Err(ApiError::not_found(format!(
                    "object `{object}` is not in collection `{key}`"
                )));
            }
            Ok(page)
        })
        .await?;
    Ok(taxii_json(
        StatusCode::OK,
        envelope(&page),
        page.added_range(),
    ))
}

async fn object_versions(
    State(state): State<AppState>,
    Path((root, key, object)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    check_object_id(&object)?;
    let filters = query::parse(
        raw.as_deref(),
        Endpoint::Versions,
        state.config().max_page_size,
    )?;
    let principal = authenticate(&state, &headers).await?;
    let collection = readable(&state, &root, &key, &principal)?.1.id.to_string();
    let page = state
        .blocking(move |s| {
            let store = s.store().as_ref();
            let page = sa::versions(store, &collection, &object, &filters)?;
            if page.items.is_empty() && !sa::exists(store, &collection, &object)? {
                return Err(ApiError::not_found(format!(
                    "object `{object}` is not in collection `{key}`"
                )));
            }
            Ok(page)
        })
        .await?;
    let versions: Vec<&str> = page.items.iter().map(|i| i.version.as_str()).collect();
    let mut body = json!({ "more": page.more });
    if let Some(map) = body.as_object_mut() {
        if page.more
            && let Some(last) = page.items.last()
        {
            map.insert("next".into(), json!(query::encode_next(last.date_added)));
        }
        if !versions.is_empty() {
            map.insert("versions".into(), json!(versions));
        }
    }
    let bytes = serde_json::to_vec(&body).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(taxii_json(StatusCode::OK, bytes, page.added_range()))
}

async fn delete_object(
    State(state): State<AppState>,
    Path((root, key, object)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    check_object_id(&object)?;
    let filters = query::parse(
        raw.as_deref(),
        Endpoint::Delete,
        state.config().max_page_size,
    )?;
    let principal = authenticate(&state, &headers).await?;
    let root_config = state.api_root(&root)?;
    let collection = state.collection(root_config, &key, &principal)?;
    let access = principal.access(&collection.id.to_string());
    // TAXII 2.1 §5.7: deleting needs both rights; a requester with exactly one of them gets 403.
    if !(access.can_read && access.can_write) {
        return Err(ApiError::forbidden(format!(
            "deleting from collection `{key}` needs can_read and can_write; principal `{}` has {}",
            principal.name,
            if access.can_read {
                "only can_read"
            } else {
                "only can_write"
            }
        )));
    }
    let collection = collection.id.to_string();
    state
        .blocking(move |s| {
            let removed = sa::delete(s.store().as_ref(), &collection, &object, &filters)?;
            if removed == 0 {
                return Err(ApiError::not_found(format!(
                    "object `{object}` (with the requested versions) is not in collection `{key}`"
                )));
            }
            tracing::info!(principal = %principal.name, %collection, %object, removed, "deleted object versions");
            Ok(())
        })
        .await?;
    Ok(taxii_json(StatusCode::OK, Body::empty(), None))
}

async fn add_objects(
    State(state): State<AppState>,
    Path((root, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    media::require_taxii_content_type(&headers)?;
    let principal = authenticate(&state, &headers).await?;
    let root_config = state.api_root(&root)?;
    let collection = state.collection(root_config, &key, &principal)?;
    if !principal.access(&collection.id.to_string()).can_write {
        return Err(ApiError::forbidden(format!(
            "principal `{}` may not add objects to collection `{key}` (can_write is false)",
            principal.name
        )));
    }
    let limit = root_config.max_content_length;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(limit));
    }
    let bytes: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large(limit))?;
    let collection_id = collection.id.to_string();
    let request_timestamp = jiff::Timestamp::now().as_microsecond();
    let status = state
        .blocking(move |s| {
            let judged = ingest::judge_envelope(&bytes)?;
            store_and_report(
                s,
                &root,
                &collection_id,
                &principal,
                judged,
                request_timestamp,
            )
        })
        .await?;
    let bytes = serde_json::to_vec(&status).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(taxii_json(StatusCode::ACCEPTED, bytes, None))
}

fn too_large(limit: usize) -> ApiError {
    ApiError::too_large(format!(
        "the request body is larger than this API root's max_content_length of {limit} bytes; \
         split the envelope into smaller ones"
    ))
}

fn store_and_report(
    state: &AppState,
    root: &str,
    collection: &str,
    principal: &Principal,
    judged: Judged,
    request_timestamp: i64,
) -> Result<Value, ApiError> {
    let stored = sa::insert(state.store().as_ref(), collection, &judged.accepted)?;
    let mut successes = Vec::new();
    let mut failures: Vec<(usize, Value)> = judged
        .refused
        .iter()
        .map(|r| {
            (
                r.index,
                json!({ "id": r.id, "version": r.version, "message": r.message }),
            )
        })
        .collect();
    for (accepted, outcome) in judged.accepted.iter().zip(stored) {
        match outcome {
            sa::Stored::Added { version } => {
                successes.push(json!({ "id": accepted.id, "version": version }))
            }
            sa::Stored::Duplicate { version } => successes.push(json!({
                "id": accepted.id, "version": version, "message": "already present; nothing changed"
            })),
            sa::Stored::Conflict { version, message } => failures.push((
                accepted.index,
                json!({ "id": accepted.id, "version": version, "message": message }),
            )),
        }
    }
    failures.sort_by_key(|(i, _)| *i);
    let failures: Vec<Value> = failures.into_iter().map(|(_, v)| v).collect();
    metrics::counter!("phalanx_taxii_objects_accepted_total").increment(successes.len() as u64);
    metrics::counter!("phalanx_taxii_objects_refused_total").increment(failures.len() as u64);
    let id = uuid::Uuid::new_v4().to_string();
    let mut status = json!({
        "id": id,
        "status": "complete",
        "request_timestamp": format_micros(request_timestamp),
        "total_count": judged.total,
        "success_count": successes.len(),
        "failure_count": failures.len(),
        "pending_count": 0,
    });
    if let Some(map) = status.as_object_mut() {
        if !successes.is_empty() {
            map.insert("successes".into(), Value::Array(successes));
        }
        if !failures.is_empty() {
            map.insert("failures".into(), Value::Array(failures));
        }
    }
    sa::put_status(state.store().as_ref(), &id, root, &principal.name, &status)?;
    Ok(status)
}

async fn status(
    State(state): State<AppState>,
    Path((root, status_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    media::negotiate(&headers, Produces::Taxii)?;
    let principal = authenticate(&state, &headers).await?;
    state.api_root(&root)?;
    let status = state
        .blocking(move |s| {
            let found = sa::get_status(s.store().as_ref(), &status_id)?;
            match found {
                Some(record) if record.api_root == root && (principal.admin || record.principal == principal.name) => {
                    Ok(record.status)
                }
                _ => Err(ApiError::not_found(format!(
                    "no status `{status_id}` in API root `{root}` for you; statuses are kept for 24 hours"
                ))),
            }
        })
        .await?;
    Ok(json_response(&status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_format_has_six_digits() {
        assert_eq!(format_micros(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_micros(1_704_067_200_000_001),
            "2024-01-01T00:00:00.000001Z"
        );
    }

    #[test]
    fn envelope_concatenates_stored_texts() {
        let page = sa::Page {
            items: vec![
                sa::Item {
                    id: "a".into(),
                    version: "v".into(),
                    date_added: 1,
                    spec_version: "2.1".into(),
                    json: Some("{\"id\":1}".into()),
                },
                sa::Item {
                    id: "b".into(),
                    version: "v".into(),
                    date_added: 2,
                    spec_version: "2.1".into(),
                    json: Some("{\"id\":2}".into()),
                },
            ],
            more: true,
        };
        let bytes = envelope(&page);
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert_eq!(value["more"], json!(true));
        assert_eq!(value["objects"], json!([{"id": 1}, {"id": 2}]));
        assert!(value["next"].is_string());
        let empty = envelope(&sa::Page {
            items: vec![],
            more: false,
        });
        assert_eq!(empty, b"{\"more\":false}");
    }
}
