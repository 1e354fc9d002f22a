//! `phalanx serve`: the node's HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use phalanx_taxii::AppState;
use phalanx_taxii::error::ApiError;

use crate::cli::NodeArgs;
use crate::config::{NodeConfig, Overrides};
use crate::node::Node;

/// How long TAXII status resources are kept (the standard asks for at least 24 hours).
const STATUS_RETENTION: Duration = Duration::from_secs(48 * 3600);

/// Runs `phalanx serve` until SIGINT or SIGTERM.
pub fn run(args: &NodeArgs, listen: Option<SocketAddr>) -> Result<()> {
    let overrides = Overrides {
        data_dir: args.data.clone(),
        listen,
    };
    let config = NodeConfig::load(args.config.as_deref(), &overrides)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("phalanx")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config))
}

async fn serve(config: NodeConfig) -> Result<()> {
    let node = Node::open(&config)?;
    if let Some(path) = node.bootstrap_admin_key()? {
        tracing::info!(path = %path.display(), "first start: wrote the admin API key (bearer token); keep it secret");
        eprintln!(
            "phalanx: first start — admin API key written to {}",
            path.display()
        );
    }
    let prometheus = PrometheusBuilder::new()
        .install_recorder()
        .context("cannot install the Prometheus metrics recorder")?;
    let state = AppState::new(node.taxii.clone(), node.store.clone());
    spawn_status_purge(node.store.clone());
    let detection = match &config.detect {
        Some(detect) if !detect.sources.is_empty() => {
            Some(start_detection(&config, detect, &node, state.clone()).await?)
        }
        _ => None,
    };
    let mut app = app(state, prometheus);
    if let Some(router) = detection.as_ref().and_then(|d| d.sources.http_router()) {
        app = app.nest("/ingest", router);
    }
    if let Some(detection) = &detection
        && let Some(hunts) = detection.hunts.clone()
    {
        app = app.merge(hunt_routes(HuntState {
            taxii: AppState::new(node.taxii.clone(), node.store.clone()),
            hunts,
            active: detection.active.clone(),
        }));
    }

    let shutdown = axum_server::Handle::new();
    tokio::spawn(shutdown_on_signal(shutdown.clone()));
    let addr = config.node.listen;
    match &config.tls {
        Some(tls) => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let rustls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&tls.cert, &tls.key)
                .await
                .with_context(|| {
                    format!(
                        "cannot load the TLS certificate {} and key {}",
                        tls.cert.display(),
                        tls.key.display()
                    )
                })?;
            let listener = std::net::TcpListener::bind(addr)
                .with_context(|| format!("cannot listen on {addr}"))?;
            announce(&listener, "https", &node)?;
            axum_server::from_tcp_rustls(listener, rustls)?
                .handle(shutdown)
                .serve(app.into_make_service())
                .await
                .context("the HTTPS server failed")?;
        }
        None => {
            let listener = std::net::TcpListener::bind(addr)
                .with_context(|| format!("cannot listen on {addr}"))?;
            announce(&listener, "http", &node)?;
            axum_server::from_tcp(listener)?
                .handle(shutdown)
                .serve(app.into_make_service())
                .await
                .context("the HTTP server failed")?;
        }
    }
    if let Some(detection) = detection {
        tracing::info!("stopping detection: draining the queue and saving offsets");
        detection.shutdown().await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Starts live detection with the node's store, identity and API keys.
async fn start_detection(
    config: &NodeConfig,
    detect: &crate::live_detect::DetectConfig,
    node: &Node,
    state: AppState,
) -> Result<crate::live_detect::LiveDetection> {
    let collection = match &detect.sightings_collection {
        Some(reference) => node.collection(Some(reference))?.1.id.to_string(),
        None => match node.collection(None) {
            Ok((_, c)) => c.id.to_string(),
            Err(_) => node
                .collection(Some("sightings"))
                .context("[detect] sightings_collection is not set and there is more than one collection; name the one sightings go to")?
                .1
                .id
                .to_string(),
        },
    };
    let identity = crate::detect_cmd::identity(detect.identity.as_deref())?;
    let alerts = match &detect.alerts {
        Some(path) if path.as_os_str() == "-" => None,
        Some(path) => Some(path.clone()),
        None => Some(config.node.data_dir.join("alerts.jsonl")),
    };
    let context = crate::live_detect::LiveContext {
        store: node.store.clone(),
        sightings_collection: collection,
        identity: identity.clone(),
        alerts,
        state_dir: config.node.data_dir.join("detect-state"),
        auth: Arc::new(IngestKeys(state)),
        archive_dir: config.node.data_dir.join("telemetry-archive"),
    };
    let detection = crate::live_detect::start(detect, context).await?;
    for source in &detect.sources {
        if let Some(addr) = detection.sources.local_addr(source.name()) {
            tracing::info!(source = source.name(), %addr, "detection source listening");
        }
    }
    tracing::info!(sources = detect.sources.len(), %identity, "detection started");
    Ok(detection)
}

/// State of the retro-hunt endpoints.
#[derive(Clone)]
struct HuntState {
    taxii: AppState,
    hunts: crate::retro_hunt::RetroHunts,
    active: crate::live_detect::ActiveSet,
}

/// `POST /detect/retro-hunts` and `GET /detect/retro-hunts/{id}`, for administrators.
fn hunt_routes(state: HuntState) -> Router {
    Router::new()
        .route("/detect/retro-hunts", axum::routing::post(start_hunt))
        .route("/detect/retro-hunts/{id}", get(hunt_status))
        .with_state(state)
}

async fn require_admin(state: &AppState, headers: HeaderMap) -> Result<(), Response> {
    match state.blocking(move |s| s.principal(&headers)).await {
        Ok(p) if p.admin => Ok(()),
        Ok(p) => Err(ApiError::forbidden(format!(
            "retro-hunts are for administrators; `{}` is not one",
            p.name
        ))
        .into_response()),
        Err(e) => Err(e.into_response()),
    }
}

/// The body of `POST /detect/retro-hunts`: which indicators (default: every active one) over
/// which event times (default: the whole archive).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct HuntBody {
    #[serde(default)]
    indicators: Option<Vec<String>>,
    #[serde(default)]
    since: Option<String>,
    #[serde(default)]
    until: Option<String>,
}

fn bad_request(message: String) -> Response {
    (
        axum::http::StatusCode::BAD_REQUEST,
        axum::Json(
            serde_json::json!({ "title": "bad retro-hunt request", "description": message }),
        ),
    )
        .into_response()
}

fn time_bound(text: Option<&str>, name: &str, default: i64) -> Result<i64, String> {
    match text {
        None => Ok(default),
        Some(t) => phalanx_stix::Timestamp::parse(t)
            .map(|ts| i64::try_from(ts.unix_nanos()).unwrap_or(default))
            .map_err(|e| format!("`{name}`: {e}")),
    }
}

async fn start_hunt(
    State(state): State<HuntState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(response) = require_admin(&state.taxii, headers).await {
        return response;
    }
    let body: HuntBody = if body.iter().all(u8::is_ascii_whitespace) {
        HuntBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(body) => body,
            Err(e) => return bad_request(format!("the body is not a retro-hunt request: {e}")),
        }
    };
    let since = match time_bound(body.since.as_deref(), "since", i64::MIN) {
        Ok(t) => t,
        Err(message) => return bad_request(message),
    };
    let until = match time_bound(body.until.as_deref(), "until", i64::MAX) {
        Ok(t) => t,
        Err(message) => return bad_request(message),
    };
    let active = match state.active.lock() {
        Ok(set) => set.clone(),
        Err(_) => {
            return ApiError::internal("the active indicator set is unavailable").into_response();
        }
    };
    let indicators: Vec<_> = match &body.indicators {
        None => active.into_values().collect(),
        Some(ids) => {
            let unknown: Vec<&String> = ids.iter().filter(|id| !active.contains_key(*id)).collect();
            if !unknown.is_empty() {
                return bad_request(format!(
                    "not active indicators of this node: {}",
                    unknown
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            ids.iter()
                .filter_map(|id| active.get(id).cloned())
                .collect()
        }
    };
    let count = indicators.len();
    let id = state.hunts.submit(crate::retro_hunt::HuntRequest {
        reason: "requested".into(),
        indicators,
        since,
        until,
    });
    (
        axum::http::StatusCode::ACCEPTED,
        axum::Json(serde_json::json!({
            "id": id,
            "indicators": count,
            "status": format!("/detect/retro-hunts/{id}"),
        })),
    )
        .into_response()
}

async fn hunt_status(
    State(state): State<HuntState>,
    axum::extract::Path(id): axum::extract::Path<u64>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = require_admin(&state.taxii, headers).await {
        return response;
    }
    match state.hunts.status(id) {
        Some(status) => axum::Json(status).into_response(),
        None => (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({ "title": "no such retro-hunt", "description": format!("no retro-hunt {id} since the node started") })),
        )
            .into_response(),
    }
}

/// HTTP ingest is for principals that may write to some collection (or administrators), by
/// the same API keys and passwords as TAXII.
#[derive(Debug, Clone)]
struct IngestKeys(AppState);

impl phalanx_sources::http::IngestAuth for IngestKeys {
    fn check<'a>(
        &'a self,
        request: phalanx_sources::http::AuthRequest<'a>,
    ) -> phalanx_sources::http::AuthFuture<'a> {
        let headers = request.headers.clone();
        Box::pin(async move {
            let principal = self.0.blocking(move |s| s.principal(&headers)).await;
            match principal {
                Ok(p) if p.admin || p.grants.values().any(|a| a.can_write) => Ok(()),
                Ok(p) => Err(ApiError::forbidden(format!(
                    "`{}` may not post telemetry: it needs write access to a collection",
                    p.name
                ))
                .into_response()),
                Err(e) => Err(e.into_response()),
            }
        })
    }
}

fn announce(listener: &std::net::TcpListener, scheme: &str, node: &Node) -> Result<()> {
    listener.set_nonblocking(true)?;
    let local = listener.local_addr()?;
    tracing::info!(%local, data = %node.data_dir.display(), "serving TAXII 2.1");
    // One machine-readable line on stdout: scripts and tests read the bound address from it
    // (useful with `--listen 127.0.0.1:0`).
    println!("listening on {scheme}://{local}/taxii2/");
    Ok(())
}

pub(crate) fn app(state: AppState, prometheus: PrometheusHandle) -> Router {
    let ops = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state((state.clone(), prometheus));
    phalanx_taxii::router(state)
        .merge(ops)
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::new())
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn metrics(
    State((state, prometheus)): State<(AppState, PrometheusHandle)>,
    headers: HeaderMap,
) -> Response {
    let principal = state.blocking(move |s| s.principal(&headers)).await;
    match principal {
        Ok(p) if p.admin => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            prometheus.render(),
        )
            .into_response(),
        Ok(p) => ApiError::forbidden(format!(
            "metrics are for administrators; `{}` is not one",
            p.name
        ))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

fn spawn_status_purge(store: Arc<dyn phalanx_store::Store>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            let store = store.clone();
            let cutoff = jiff::Timestamp::now().as_microsecond()
                - i64::try_from(STATUS_RETENTION.as_micros()).unwrap_or(i64::MAX);
            let result = tokio::task::spawn_blocking(move || store.purge_statuses(cutoff)).await;
            match result {
                Ok(Ok(n)) if n > 0 => {
                    tracing::info!(purged = n, "purged old TAXII status resources")
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "cannot purge TAXII status resources"),
                Err(e) => tracing::warn!(error = %e, "status purge task failed"),
            }
        }
    });
}

async fn shutdown_on_signal(handle: axum_server::Handle<std::net::SocketAddr>) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
    handle.graceful_shutdown(Some(Duration::from_secs(10)));
}
