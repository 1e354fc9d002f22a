//! `phalanx bench taxii`: a real node over loopback HTTP, measured at growing store sizes.
//!
//! For each size N (ascending, one store that keeps growing):
//! - **ingest**: objects/s of POSTs of envelopes (default 1000 objects) over the last envelopes
//!   before the store reaches N, each acknowledged with a `complete` status; floor: parsing the
//!   same envelope bodies with serde_json in this process.
//! - **paging**: objects/s of a full pass over the collection with `limit=1000`, following
//!   `next`; floor: parsing the same page bodies again in this process.
//! - **query**: p50/p99 latency of `match[type]=indicator&added_after=T&limit=100` at random T;
//!   floor: p50/p99 of the cheapest authenticated round trip (`GET /taxii2/`).
//!
//! The client and the server share this process and this machine's cores, as an operator's
//! load generator on the same host would.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::config::{NodeConfig, Overrides};
use crate::node::Node;

const TAXII: &str = "application/taxii+json;version=2.1";
/// Envelopes timed for the ingest figure at each size.
const INGEST_WINDOW: usize = 20;
/// Page bodies kept for the paging floor.
const FLOOR_PAGES: usize = 100;

struct Client {
    http: reqwest::Client,
    base: String,
    auth: String,
}

impl Client {
    async fn post_envelope(&self, body: Vec<u8>) -> Result<()> {
        let response = self
            .http
            .post(format!("{}api/collections/default/objects/", self.base))
            .header(ACCEPT, TAXII)
            .header(CONTENT_TYPE, TAXII)
            .header(AUTHORIZATION, &self.auth)
            .body(body)
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::ACCEPTED {
            bail!(
                "POST answered {}: {}",
                response.status(),
                response.text().await.unwrap_or_default()
            );
        }
        let status: Value = response.json().await?;
        if status["status"] != "complete" || status["failure_count"] != 0 {
            bail!("ingest not complete or with failures: {status}");
        }
        Ok(())
    }

    async fn get(
        &self,
        path_and_query: &str,
    ) -> Result<(reqwest::header::HeaderMap, bytes::Bytes)> {
        let response = self
            .http
            .get(format!("{}{}", self.base, path_and_query))
            .header(ACCEPT, TAXII)
            .header(AUTHORIZATION, &self.auth)
            .send()
            .await?;
        if !response.status().is_success() {
            bail!("GET {path_and_query} answered {}", response.status());
        }
        let headers = response.headers().clone();
        Ok((headers, response.bytes().await?))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Runs the benchmark and returns its report.
pub fn run(sizes: &[usize], envelope: usize, queries: usize, data: Option<&Path>) -> Result<Value> {
    let mut sizes = sizes.to_vec();
    sizes.sort_unstable();
    sizes.dedup();
    let Some(&largest) = sizes.last() else {
        bail!("give at least one size with --sizes")
    };
    if envelope == 0 {
        bail!("--envelope must be at least 1");
    }
    let temp = tempfile::tempdir().context("cannot create a temporary data folder")?;
    let data_dir = data.map_or_else(|| temp.path().to_path_buf(), Path::to_path_buf);
    let overrides = Overrides {
        data_dir: Some(data_dir),
        listen: Some("127.0.0.1:0".parse()?),
    };
    let config = NodeConfig::load(None, &overrides)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(bench(config, &sizes, largest, envelope, queries))
}

async fn bench(
    config: NodeConfig,
    sizes: &[usize],
    largest: usize,
    envelope: usize,
    queries: usize,
) -> Result<Value> {
    let node = Node::open(&config)?;
    node.bootstrap_admin_key()?;
    let key = std::fs::read_to_string(config.admin_key_path())?
        .trim()
        .to_owned();
    let store = node.store.clone();
    let collection = node.collection(None)?.1.id.to_string();
    if store.count(&collection)? > 0 {
        bail!("the data folder already holds objects; the benchmark needs an empty collection");
    }
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new()
        .build_recorder()
        .handle();
    let app = crate::serve::app(
        phalanx_taxii::AppState::new(node.taxii.clone(), store.clone()),
        prometheus,
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Ok(server) = axum_server::from_tcp(listener) {
            let _ = server.serve(app.into_make_service()).await;
        }
    });
    let client = Arc::new(Client {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(4)
            .build()?,
        base: format!("http://{addr}/"),
        auth: format!("Bearer {key}"),
    });

    let workload = phalanx_workload::Workload::new(phalanx_workload::Config {
        indicators: u32::try_from(largest).context("size too large")?,
        events: 0,
        ..phalanx_workload::Config::default()
    })?;
    let mut indicators = workload.indicators();
    let bar = ProgressBar::new(largest as u64);
    bar.set_style(
        ProgressStyle::with_template("ingest {bar:40} {pos}/{len} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut stored = 0usize;
    let mut results = Vec::new();
    for &size in sizes {
        // Fill up to `size`, timing the last INGEST_WINDOW envelopes.
        let mut window = (Duration::ZERO, 0usize, Vec::new());
        while stored < size {
            let n = envelope.min(size - stored);
            let objects: Vec<Value> = indicators.by_ref().take(n).map(|i| i.to_value()).collect();
            let body = serde_json::to_vec(&json!({ "objects": objects }))?;
            let timed = size - stored <= INGEST_WINDOW * envelope;
            let started = Instant::now();
            client.post_envelope(body.clone()).await?;
            if timed {
                window.0 += started.elapsed();
                window.1 += n;
                window.2.push(body);
            }
            stored += n;
            bar.set_position(stored as u64);
        }
        let ingest_rate = window.1 as f64 / window.0.as_secs_f64().max(1e-9);
        let parse_started = Instant::now();
        for body in &window.2 {
            let parsed: Value = serde_json::from_slice(body)?;
            std::hint::black_box(parsed);
        }
        let parse_rate = window.1 as f64 / parse_started.elapsed().as_secs_f64().max(1e-9);

        // Full paging pass.
        bar.suspend(|| eprintln!("paging through {size} objects"));
        let mut seen = 0usize;
        let mut pages: Vec<bytes::Bytes> = Vec::new();
        let mut boundaries: Vec<String> = Vec::new();
        let mut next: Option<String> = None;
        let started = Instant::now();
        loop {
            let path = match &next {
                Some(token) => format!("api/collections/default/objects/?limit=1000&next={token}"),
                None => "api/collections/default/objects/?limit=1000".to_owned(),
            };
            let (headers, body) = client.get(&path).await?;
            let page: Value = serde_json::from_slice(&body)?;
            seen += page["objects"].as_array().map_or(0, Vec::len);
            if let Some(first) = headers
                .get("x-taxii-date-added-first")
                .and_then(|v| v.to_str().ok())
            {
                boundaries.push(first.to_owned());
            }
            if pages.len() < FLOOR_PAGES {
                pages.push(body);
            }
            match page["next"].as_str() {
                Some(token) if page["more"] == true => next = Some(token.to_owned()),
                _ => break,
            }
        }
        let paging_elapsed = started.elapsed();
        if seen != size {
            bail!("paging returned {seen} objects, expected {size}");
        }
        let floor_objects: usize = pages.iter().map(|p| p.len()).sum::<usize>();
        let parse_started = Instant::now();
        let mut floor_count = 0usize;
        for body in &pages {
            let page: Value = serde_json::from_slice(body)?;
            floor_count += page["objects"].as_array().map_or(0, Vec::len);
        }
        let paging_floor = floor_count as f64 / parse_started.elapsed().as_secs_f64().max(1e-9);
        let paging_rate = seen as f64 / paging_elapsed.as_secs_f64().max(1e-9);
        std::hint::black_box(floor_objects);

        // Filtered queries at random points, and the floor round trip.
        let mut latencies = Vec::with_capacity(queries);
        let mut floor_latencies = Vec::with_capacity(queries);
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ size as u64;
        for _ in 0..queries {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let point = &boundaries[(state % boundaries.len() as u64) as usize];
            let path = format!(
                "api/collections/default/objects/?match[type]=indicator&added_after={point}&limit=100"
            );
            let started = Instant::now();
            let (_, body) = client.get(&path).await?;
            latencies.push(started.elapsed());
            std::hint::black_box(body);
            let started = Instant::now();
            let (_, body) = client.get("taxii2/").await?;
            floor_latencies.push(started.elapsed());
            std::hint::black_box(body);
        }
        latencies.sort_unstable();
        floor_latencies.sort_unstable();
        results.push(json!({
            "stored": size,
            "ingest": {
                "objects_per_s": ingest_rate.round(),
                "floor_parse_objects_per_s": parse_rate.round(),
                "ratio_to_floor": round(ingest_rate / parse_rate),
                "window_objects": window.1,
            },
            "paging": {
                "objects_per_s": paging_rate.round(),
                "floor_parse_objects_per_s": paging_floor.round(),
                "ratio_to_floor": round(paging_rate / paging_floor),
                "limit": 1000,
            },
            "query": {
                "p50_ms": round(percentile(&latencies, 50.0)),
                "p99_ms": round(percentile(&latencies, 99.0)),
                "floor_p50_ms": round(percentile(&floor_latencies, 50.0)),
                "floor_p99_ms": round(percentile(&floor_latencies, 99.0)),
                "limit": 100,
                "queries": queries,
            },
        }));
    }
    bar.finish_and_clear();
    Ok(report(results, envelope))
}

fn report(results: Vec<Value>, envelope: usize) -> Value {
    let first = results.first().cloned().unwrap_or(Value::Null);
    let last = results.last().cloned().unwrap_or(Value::Null);
    let slowdown = |a: &Value, b: &Value, higher_is_better: bool| -> f64 {
        let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
        if a <= 0.0 || b <= 0.0 {
            return f64::NAN;
        }
        round(if higher_is_better { a / b } else { b / a })
    };
    let scaling = json!({
        "from_stored": first["stored"],
        "to_stored": last["stored"],
        "ingest_slowdown": slowdown(&first["ingest"]["objects_per_s"], &last["ingest"]["objects_per_s"], true),
        "paging_slowdown": slowdown(&first["paging"]["objects_per_s"], &last["paging"]["objects_per_s"], true),
        "query_p99_slowdown": slowdown(&first["query"]["p99_ms"], &last["query"]["p99_ms"], false),
    });
    let targets = json!({
        "ingest_objects_per_s_min": 20000,
        "paging_objects_per_s_min": 100000,
        "query_p99_ms_max_at_largest": 20,
        "slowdown_max": 2.0,
    });
    let meets = last["ingest"]["objects_per_s"].as_f64().unwrap_or(0.0) >= 20000.0
        && last["paging"]["objects_per_s"].as_f64().unwrap_or(0.0) >= 100000.0
        && last["query"]["p99_ms"].as_f64().unwrap_or(f64::MAX) <= 20.0
        && ["ingest_slowdown", "paging_slowdown", "query_p99_slowdown"]
            .iter()
            .all(|k| scaling[k].as_f64().is_some_and(|s| s <= 2.0));
    json!({
        "bench": "taxii",
        "envelope_objects": envelope,
        "cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "results": results,
        "scaling": scaling,
        "targets": targets,
        "meets_targets": meets,
    })
}
