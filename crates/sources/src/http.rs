//! HTTP ingest: `POST` newline-delimited JSON to `/ingest/{source}`.
//!
//! [`HttpIngest::router`] returns an axum [`Router`] with the single route `POST /{source}`,
//! meant to be nested by the node: `app.nest("/ingest", ingest.router())`. A request goes
//! through, in order:
//!
//! 1. authentication, delegated to the caller's [`IngestAuth`] (which answers 401/403 itself);
//! 2. the source name (404 if no `kind = "http"` source has it);
//! 3. the media type: `application/x-ndjson` (also `application/ndjson`, `application/jsonl`)
//!    or `application/json` holding one JSON value per line (415 otherwise);
//! 4. the body limit (413, from `Content-Length` before reading, or while reading);
//! 5. the queue: the whole body becomes **one** batch, offered to the queue without waiting.
//!    If the queue is full the answer is `429 Too Many Requests` with `Retry-After`, and nothing
//!    of the request was enqueued — a client can retry the same body without duplicates.
//!
//! The answer to an accepted request is `202 Accepted` with `{"accepted": N, "skipped": M}`
//! (`skipped` counts lines over `max_line_bytes`). Empty lines are ignored. Records carry no-op
//! acknowledgements: once the client has its 202, the records are the node's responsibility.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::BytesMut;
use futures_util::StreamExt;

use crate::ack::Ack;
use crate::config::{HttpConfig, SourceConfig};
use crate::error::{ConfigError, SourceError};
use crate::lines::{LineSplitter, Piece};
use crate::record::{Batch, Origin, Position, Record};
use crate::sink::{Sink, TrySendError};
use crate::stats::{SourceKind, SourceStats};

/// What an [`IngestAuth`] gets to decide on.
#[derive(Debug, Clone, Copy)]
pub struct AuthRequest<'a> {
    /// The source named in the URL (not yet checked to exist).
    pub source: &'a str,
    /// The request headers (`Authorization`, client certificates forwarded by a proxy, ...).
    pub headers: &'a HeaderMap,
    /// The client's address, if the server was started with connection info.
    pub peer: Option<SocketAddr>,
}

/// The future an [`IngestAuth`] returns: `Ok(())` to allow, or the response (401, 403, ...)
/// to send instead.
pub type AuthFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Response>> + Send + 'a>>;

/// Decides whether a request may post to a source. The node plugs in its own API-key or
/// certificate check.
pub trait IngestAuth: Send + Sync + 'static {
    /// Checks one request, before its body is read.
    fn check<'a>(&'a self, request: AuthRequest<'a>) -> AuthFuture<'a>;
}

impl fmt::Debug for dyn IngestAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IngestAuth")
    }
}

/// Allows every request. Only for tests, or when a proxy in front already authenticates.
#[derive(Debug, Clone, Copy, Default)]
pub struct AllowAll;

impl IngestAuth for AllowAll {
    fn check<'a>(&'a self, _request: AuthRequest<'a>) -> AuthFuture<'a> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// An [`IngestAuth`] from a closure. The closure reads what it needs from the request and
/// returns an owned future, e.g.
/// `AuthFn(|r: &AuthRequest<'_>| { let key = r.headers.get("x-key").cloned(); async move { ... } })`.
pub struct AuthFn<F>(pub F);

impl<F> fmt::Debug for AuthFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthFn")
    }
}

impl<F, Fut> IngestAuth for AuthFn<F>
where
    F: for<'r> Fn(&AuthRequest<'r>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), Response>> + Send + 'static,
{
    fn check<'a>(&'a self, request: AuthRequest<'a>) -> AuthFuture<'a> {
        Box::pin((self.0)(&request))
    }
}

/// The HTTP ingest endpoints of every `kind = "http"` source.
#[derive(Clone)]
pub struct HttpIngest {
    inner: Arc<Inner>,
}

struct Inner {
    endpoints: HashMap<String, Endpoint>,
    sink: Sink,
    auth: Arc<dyn IngestAuth>,
}

struct Endpoint {
    config: HttpConfig,
    stats: Arc<SourceStats>,
    requests: AtomicU64,
}

impl fmt::Debug for HttpIngest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.inner.endpoints.keys().collect();
        names.sort();
        f.debug_struct("HttpIngest")
            .field("sources", &names)
            .finish_non_exhaustive()
    }
}

impl HttpIngest {
    /// Endpoints for `configs`, delivering into `sink`, guarded by `auth`.
    pub fn new(
        configs: Vec<HttpConfig>,
        sink: Sink,
        auth: Arc<dyn IngestAuth>,
    ) -> Result<HttpIngest, SourceError> {
        let mut endpoints = HashMap::new();
        for config in configs {
            SourceConfig::Http(config.clone()).validate()?;
            let stats = SourceStats::new(&config.name, SourceKind::Http, config.format);
            let name = config.name.clone();
            let endpoint = Endpoint {
                config,
                stats,
                requests: AtomicU64::new(0),
            };
            if endpoints.insert(name.clone(), endpoint).is_some() {
                return Err(ConfigError::DuplicateName { name }.into());
            }
        }
        Ok(HttpIngest {
            inner: Arc::new(Inner {
                endpoints,
                sink,
                auth,
            }),
        })
    }

    /// The counters of every HTTP source.
    pub fn stats(&self) -> Vec<Arc<SourceStats>> {
        self.inner
            .endpoints
            .values()
            .map(|e| Arc::clone(&e.stats))
            .collect()
    }

    /// The router: `POST /{source}`. Nest it at `/ingest`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/{source}", post(ingest))
            .with_state(Arc::clone(&self.inner))
    }
}

/// A JSON error answer.
fn refuse(status: StatusCode, message: impl fmt::Display) -> Response {
    let body = serde_json::json!({ "error": message.to_string() });
    (status, axum::Json(body)).into_response()
}

/// Whether the media type is one we read as newline-delimited JSON.
fn accepted_media_type(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/x-ndjson" | "application/ndjson" | "application/jsonl" | "application/json"
    )
}

async fn ingest(
    State(inner): State<Arc<Inner>>,
    Path(source): Path<String>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let auth = AuthRequest {
        source: &source,
        headers: &parts.headers,
        peer,
    };
    if let Err(denied) = inner.auth.check(auth).await {
        return denied;
    }
    let Some(endpoint) = inner.endpoints.get(&source) else {
        return refuse(
            StatusCode::NOT_FOUND,
            format_args!("no HTTP ingest source named '{source}'"),
        );
    };
    if !accepted_media_type(&parts.headers) {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send newline-delimited JSON with Content-Type: application/x-ndjson",
        );
    }
    let limit = endpoint.config.max_body_bytes;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return too_large(limit);
    }
    // Refuse early rather than read a body we cannot queue.
    if inner.sink.free_slots() == 0 {
        return queue_full(endpoint, None);
    }
    let body = match read_body(body, limit, declared).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let request_number = endpoint.requests.fetch_add(1, Ordering::Relaxed) + 1;
    let (records, bytes, skipped) = split_body(endpoint, body, peer, request_number);
    let accepted = records.len();
    if accepted > 0 {
        let batch = Batch {
            stats: Arc::clone(&endpoint.stats),
            records,
        };
        match inner.sink.try_send(batch) {
            Ok(()) => endpoint.stats.add_read(accepted as u64, bytes),
            Err(TrySendError::Full(batch)) => return queue_full(endpoint, Some(batch.len())),
            Err(TrySendError::Closed(_)) => {
                return refuse(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the detection engine is stopping",
                );
            }
        }
    }
    let body = serde_json::json!({ "accepted": accepted, "skipped": skipped });
    (StatusCode::ACCEPTED, axum::Json(body)).into_response()
}

fn too_large(limit: usize) -> Response {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        format_args!("the body exceeds max_body_bytes = {limit}; split it into smaller requests"),
    )
}

/// 429 with `Retry-After`; counts the refused records when known.
fn queue_full(endpoint: &Endpoint, records: Option<usize>) -> Response {
    if let Some(records) = records {
        endpoint.stats.add_rejected(records as u64);
    }
    let secs = endpoint.config.retry_after_secs;
    let mut response = refuse(
        StatusCode::TOO_MANY_REQUESTS,
        format_args!("the detection queue is full; nothing was accepted; retry after {secs} s"),
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Reads the whole body, refusing it (413) as soon as it exceeds `limit`.
async fn read_body(body: Body, limit: usize, declared: Option<u64>) -> Result<BytesMut, Response> {
    let capacity = declared.map_or(0, |len| usize::try_from(len).unwrap_or(limit).min(limit));
    let mut buf = BytesMut::with_capacity(capacity);
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            refuse(
                StatusCode::BAD_REQUEST,
                format_args!("could not read the request body: {e}"),
            )
        })?;
        if buf.len() + chunk.len() > limit {
            return Err(too_large(limit));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// Splits a body into records; returns them with their payload bytes and the number of lines
/// skipped for being too long.
fn split_body(
    endpoint: &Endpoint,
    body: BytesMut,
    peer: Option<SocketAddr>,
    request: u64,
) -> (Vec<Record>, u64, usize) {
    let max_line = endpoint.config.max_line_bytes;
    let name = endpoint.stats.shared_name();
    let mut lines = LineSplitter::new(max_line, 0, 0);
    *lines.buffer(0) = body;
    let (mut records, mut bytes, mut skipped) = (Vec::new(), 0u64, 0usize);
    let mut take = |piece: Piece| match piece {
        Piece::Line(line) => {
            bytes += line.bytes.len() as u64;
            records.push(Record {
                bytes: line.bytes,
                origin: Origin {
                    source: Arc::clone(&name),
                    position: Position::Http {
                        peer,
                        request,
                        line: line.number,
                    },
                },
                ack: Ack::noop(),
            });
        }
        Piece::TooLong { number, .. } => {
            skipped += 1;
            endpoint.stats.note_error(
                format!("http request {request} line {number}"),
                format!("line longer than max_line_bytes = {max_line}; skipped"),
            );
        }
    };
    while let Some(piece) = lines.next_piece() {
        take(piece);
    }
    if let Some(piece) = lines.finish() {
        take(piece);
    }
    (records, bytes, skipped)
}
