//! Source throughput, each next to the floor measured in the same run.
//!
//! Every benchmark delivers N ≈ 500-byte EVE-like lines to a consumer task that acknowledges
//! each record, and reports records per second:
//!
//! - `floor/memchr_split`: splitting the in-memory buffer into `Bytes` lines with `memchr`,
//!   no batching, no channel — what any line source costs at least;
//! - `reader/memory`: [`ReaderSource`] over the same buffer (splitting, batching, the queue);
//! - `file/follow`: a followed file from its beginning, with acknowledgements tracked;
//! - `syslog_tcp/newline`: RFC 3164 messages over one loopback TCP connection;
//! - `http/ndjson_1000_lines`: POST bodies of 1000 lines through the axum router;
//! - `nats/workers_{1,2}`: a fresh durable consumer draining a JetStream stream, acking every
//!   message, beside the floors `nats/floor/raw_pull_{explicit_ack,no_ack}` (async-nats alone);
//!   only when `PHALANX_NATS_URL` is set.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use phalanx_sources::config::{FileConfig, FormatHint, NatsConfig, SyslogTcpConfig};
use phalanx_sources::file::{FileSource, MemoryOffsetStore};
use phalanx_sources::http::{AllowAll, HttpIngest};
use phalanx_sources::nats::{NatsPublisher, NatsSource};
use phalanx_sources::reader::{ReaderLabel, ReaderSource};
use phalanx_sources::syslog::SyslogTcpSource;
use phalanx_sources::{Batch, Source, SourceKind, SourceStats};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::Receiver;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

const N: usize = 100_000;

/// One EVE-like DNS event of about 500 bytes.
fn eve_line(n: usize) -> String {
    let mut line = format!(
        "{{\"timestamp\":\"2025-01-02T03:04:{:02}.{:06}+0000\",\"flow_id\":{},\"in_iface\":\"eth0\",\
         \"event_type\":\"dns\",\"src_ip\":\"10.{}.{}.{}\",\"src_port\":{},\"dest_ip\":\"192.0.2.{}\",\
         \"dest_port\":53,\"proto\":\"UDP\",\"dns\":{{\"version\":3,\"type\":\"request\",\"id\":{},\
         \"queries\":[{{\"rrname\":\"host{}.example.com\",\"rrtype\":\"A\"}}]}},\"pad\":\"",
        n % 60,
        n % 1_000_000,
        1_000_000_000 + n,
        n % 256,
        (n / 256) % 256,
        n % 200,
        1024 + n % 60000,
        n % 250,
        n % 65536,
        n
    );
    while line.len() < 498 {
        line.push('x');
    }
    line.push_str("\"}");
    line
}

fn ndjson(count: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(count * 501);
    for n in 0..count {
        out.extend_from_slice(eve_line(n).as_bytes());
        out.push(b'\n');
    }
    out
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Receives and acknowledges `n` records.
async fn drain(rx: &mut Receiver<Batch>, n: usize) {
    let mut got = 0;
    while got < n {
        let batch = rx.recv().await.unwrap();
        got += batch.len();
        batch.ack_all().await.unwrap();
    }
}

fn floor_and_reader(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let data = Bytes::from(ndjson(N));
    let mut group = c.benchmark_group("lines");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(10);
    group.bench_function("floor/memchr_split", |b| {
        b.iter(|| {
            let mut start = 0;
            let mut count = 0;
            for end in memchr::memchr_iter(b'\n', &data) {
                black_box(data.slice(start..end));
                start = end + 1;
                count += 1;
            }
            assert_eq!(count, N);
        });
    });
    group.bench_function("reader/memory", |b| {
        b.iter(|| {
            rt.block_on(async {
                let stats = SourceStats::new("mem", SourceKind::Stdin, FormatHint::Eve);
                let reader = std::io::Cursor::new(data.clone());
                let source = ReaderSource::new(stats, reader, ReaderLabel::Stdin, 1 << 20, 1024);
                let (sink, mut rx) = phalanx_sources::channel(16);
                let task = tokio::spawn(source.run(sink, CancellationToken::new()));
                drain(&mut rx, N).await;
                task.await.unwrap().unwrap();
            });
        });
    });
    group.finish();
}

fn file_follow(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    std::fs::write(&path, ndjson(N)).unwrap();
    let mut group = c.benchmark_group("file");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(10);
    group.bench_function("follow", |b| {
        b.iter(|| {
            rt.block_on(async {
                let config = FileConfig::new("eve", FormatHint::Eve, &path);
                let store = Arc::new(MemoryOffsetStore::new());
                let source = FileSource::new(config, store).await.unwrap();
                let (sink, mut rx) = phalanx_sources::channel(16);
                let cancel = CancellationToken::new();
                let task = tokio::spawn(source.run(sink, cancel.clone()));
                drain(&mut rx, N).await;
                cancel.cancel();
                task.await.unwrap().unwrap();
            });
        });
    });
    group.finish();
}

fn syslog_tcp(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let mut wire = Vec::with_capacity(N * 540);
    for n in 0..N {
        wire.extend_from_slice(b"<134>Jan  2 03:04:05 sensor1 suricata[42]: ");
        wire.extend_from_slice(eve_line(n).as_bytes());
        wire.push(b'\n');
    }
    let wire = Arc::new(wire);
    let mut group = c.benchmark_group("syslog_tcp");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(10);
    group.bench_function("newline", |b| {
        b.iter(|| {
            rt.block_on(async {
                let config = SyslogTcpConfig {
                    name: "tcp".into(),
                    format: FormatHint::Eve,
                    listen: "127.0.0.1:0".parse().unwrap(),
                    max_message_bytes: 1 << 20,
                    max_connections: 4,
                    idle_timeout_ms: 60_000,
                    batch_records: 1024,
                };
                let source = SyslogTcpSource::bind(config).await.unwrap();
                let addr = source.local_addr().unwrap();
                let (sink, mut rx) = phalanx_sources::channel(16);
                let cancel = CancellationToken::new();
                let task = tokio::spawn(source.run(sink, cancel.clone()));
                let wire = Arc::clone(&wire);
                let client = tokio::spawn(async move {
                    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                    stream.write_all(&wire).await.unwrap();
                    stream.shutdown().await.unwrap();
                });
                drain(&mut rx, N).await;
                client.await.unwrap();
                cancel.cancel();
                task.await.unwrap().unwrap();
            });
        });
    });
    group.finish();
}

fn http(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    const LINES: usize = 1000;
    let body = Bytes::from(ndjson(LINES));
    let mut group = c.benchmark_group("http");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(10);
    group.bench_function("ndjson_1000_lines", |b| {
        b.iter(|| {
            rt.block_on(async {
                let (sink, mut rx) = phalanx_sources::channel(16);
                let config = phalanx_sources::config::HttpConfig {
                    name: "web".into(),
                    format: FormatHint::Eve,
                    max_body_bytes: 16 << 20,
                    max_line_bytes: 1 << 20,
                    retry_after_secs: 1,
                };
                let ingest = HttpIngest::new(vec![config], sink, Arc::new(AllowAll)).unwrap();
                let router = axum::Router::new().nest("/ingest", ingest.router());
                let consumer = tokio::spawn(async move { drain(&mut rx, N).await });
                for _ in 0..N / LINES {
                    loop {
                        let request = Request::post("/ingest/web")
                            .header(header::CONTENT_TYPE, "application/x-ndjson")
                            .body(Body::from(body.clone()))
                            .unwrap();
                        let status = router.clone().oneshot(request).await.unwrap().status();
                        if status == StatusCode::ACCEPTED {
                            break;
                        }
                        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
                        tokio::task::yield_now().await;
                    }
                }
                consumer.await.unwrap();
            });
        });
    });
    group.finish();
}

fn nats(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let Ok(url) = std::env::var("PHALANX_NATS_URL") else {
        eprintln!("nats benchmarks skipped: PHALANX_NATS_URL is not set");
        return;
    };
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let stream = format!("PHX_BENCH_{nanos}");
    let subject = format!("phx.{stream}.eve");
    let publisher = rt.block_on(async {
        let publisher = NatsPublisher::connect(&url).await.unwrap();
        publisher.ensure_stream(&stream, &[&subject]).await.unwrap();
        let payloads: Vec<Bytes> = (0..N).map(|n| Bytes::from(eve_line(n))).collect();
        publisher
            .publish_all(&subject, payloads, 1024)
            .await
            .unwrap();
        publisher
    });
    let mut group = c.benchmark_group("nats");
    group.throughput(Throughput::Elements(N as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut round = 0;
    for ack in [true, false] {
        let name = if ack {
            "floor/raw_pull_explicit_ack"
        } else {
            "floor/raw_pull_no_ack"
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                round += 1;
                rt.block_on(raw_drain(
                    &url,
                    &stream,
                    &subject,
                    &format!("raw{round}"),
                    ack,
                ));
            });
        });
    }
    for workers in [1usize, 2] {
        group.bench_function(format!("workers_{workers}"), |b| {
            b.iter(|| {
                round += 1;
                let durable = format!("bench{round}");
                rt.block_on(async {
                    let (sink, mut rx) = phalanx_sources::channel(16);
                    let cancel = CancellationToken::new();
                    let mut tasks = Vec::new();
                    for _ in 0..workers {
                        let mut config =
                            NatsConfig::new("bus", FormatHint::Eve, &url, &stream, &durable);
                        config.subject = Some(subject.clone());
                        config.batch_records = 512;
                        config.max_ack_pending = Some(20_000);
                        let source = NatsSource::new(config).unwrap();
                        tasks.push(tokio::spawn(source.run(sink.clone(), cancel.clone())));
                    }
                    drop(sink);
                    drain(&mut rx, N).await;
                    cancel.cancel();
                    for task in tasks {
                        task.await.unwrap().unwrap();
                    }
                });
            });
        });
    }
    group.finish();
    rt.block_on(publisher.delete_stream(&stream)).unwrap();
}

/// The floor for NATS: async-nats alone draining the stream with a fresh durable pull
/// consumer, acknowledging each message (or with no acknowledgements at all).
async fn raw_drain(url: &str, stream: &str, subject: &str, durable: &str, ack: bool) {
    use async_nats::jetstream::consumer::{AckPolicy, PullConsumer, pull};
    use futures_util::StreamExt;
    let client = async_nats::connect(url).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let config = pull::Config {
        durable_name: Some(durable.to_owned()),
        filter_subject: subject.to_owned(),
        ack_policy: if ack {
            AckPolicy::Explicit
        } else {
            AckPolicy::None
        },
        max_ack_pending: 20_000,
        ..Default::default()
    };
    let consumer: PullConsumer = js
        .get_stream(stream)
        .await
        .unwrap()
        .get_or_create_consumer(durable, config)
        .await
        .unwrap();
    let mut messages = consumer
        .stream()
        .max_messages_per_batch(512)
        .messages()
        .await
        .unwrap();
    for _ in 0..N {
        let message = messages.next().await.unwrap().unwrap();
        black_box(&message.payload);
        if ack {
            message.ack().await.unwrap();
        }
    }
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    floor_and_reader(c, &rt);
    file_follow(c, &rt);
    syslog_tcp(c, &rt);
    http(c, &rt);
    nats(c, &rt);
}

criterion_group!(group, benches);
criterion_main!(group);
