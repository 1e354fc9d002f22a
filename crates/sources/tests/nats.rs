//! NATS JetStream against a real server: shared durable consumers, redelivery, reconnects.
//!
//! Needs `PHALANX_NATS_URL` (e.g. `nats://127.0.0.1:4222`, a server started with `-js`); the
//! reconnect test also needs the `nats-server` binary (on `PATH` or in `PHALANX_NATS_SERVER`)
//! to run a private server it can kill. Without them the tests print why and pass, unless
//! `PHALANX_REQUIRE_EXTERNAL=1`, in which case they fail.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use common::{external_required, text};
use phalanx_sources::config::{FormatHint, NatsConfig};
use phalanx_sources::nats::{NatsPublisher, NatsSource};
use phalanx_sources::{Batch, Position, Record, Source};
use tokio::sync::mpsc::Receiver;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(30);

fn nats_url() -> Option<String> {
    match std::env::var("PHALANX_NATS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                !external_required(),
                "PHALANX_NATS_URL is not set but PHALANX_REQUIRE_EXTERNAL=1 requires the NATS tests"
            );
            eprintln!(
                "skipped: set PHALANX_NATS_URL (e.g. nats://127.0.0.1:4222) to run the NATS tests"
            );
            None
        }
    }
}

/// A stream name no other run uses.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// (stream sequence, delivery count) of a NATS record.
fn seq(record: &Record) -> (u64, u64) {
    match &record.origin.position {
        Position::Nats {
            stream_sequence,
            delivered,
            ..
        } => (*stream_sequence, *delivered),
        other => panic!("not a NATS position: {other:?}"),
    }
}

fn payloads(range: std::ops::Range<usize>) -> Vec<Bytes> {
    range
        .map(|n| Bytes::from(format!("{{\"n\":{n}}}")))
        .collect()
}

struct Worker {
    rx: Receiver<Batch>,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<Result<(), phalanx_sources::SourceError>>,
}

fn start(config: NatsConfig) -> Worker {
    let source = NatsSource::new(config).unwrap();
    let (sink, rx) = phalanx_sources::channel(4);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(source.run(sink, cancel.clone()));
    Worker { rx, cancel, task }
}

impl Worker {
    async fn stop(self) {
        self.cancel.cancel();
        self.task.await.unwrap().unwrap();
    }
}

fn config(url: &str, stream: &str, subject: &str, batch: usize, ack_wait_ms: u64) -> NatsConfig {
    let mut config = NatsConfig::new("bus", FormatHint::Eve, url, stream, "workers");
    config.subject = Some(subject.to_owned());
    config.batch_records = batch;
    config.ack_wait_ms = ack_wait_ms;
    config
}

#[tokio::test]
async fn two_workers_on_one_durable_share_the_stream_without_duplicates_or_loss() {
    let Some(url) = nats_url() else { return };
    let stream = unique("PHX_SHARE");
    let subject = format!("phx.{stream}.eve");
    let publisher = NatsPublisher::connect(&url).await.unwrap();
    publisher.ensure_stream(&stream, &[&subject]).await.unwrap();

    let cfg = config(&url, &stream, &subject, 20, 10_000);
    let mut a = start(cfg.clone());
    let mut b = start(cfg);
    tokio::time::sleep(Duration::from_millis(300)).await;
    const N: usize = 2000;
    assert_eq!(
        publisher
            .publish_all(&subject, payloads(0..N), 256)
            .await
            .unwrap(),
        N as u64
    );

    let mut got: [Vec<(u64, u64, String)>; 2] = [Vec::new(), Vec::new()];
    let deadline = tokio::time::Instant::now() + WAIT;
    while got[0].len() + got[1].len() < N {
        let (worker, batch) = tokio::select! {
            Some(batch) = a.rx.recv() => (0, batch),
            Some(batch) = b.rx.recv() => (1, batch),
            () = tokio::time::sleep_until(deadline) => panic!("only {} of {N}", got[0].len() + got[1].len()),
        };
        for record in batch.records {
            let (s, d) = seq(&record);
            got[worker].push((s, d, text(&record)));
            record.ack.ack().await.unwrap();
        }
    }
    // Nothing more may come: every message was delivered once and acknowledged.
    let extra = tokio::time::timeout(Duration::from_millis(500), async {
        tokio::select! { Some(b) = a.rx.recv() => b.len(), Some(b) = b.rx.recv() => b.len() }
    })
    .await;
    assert!(extra.is_err(), "unexpected redelivery: {extra:?}");

    assert!(
        !got[0].is_empty() && !got[1].is_empty(),
        "both workers must get a share: {} / {}",
        got[0].len(),
        got[1].len()
    );
    let mut all: BTreeMap<u64, String> = BTreeMap::new();
    for (s, delivered, payload) in got.iter().flatten() {
        assert_eq!(*delivered, 1);
        assert!(
            all.insert(*s, payload.clone()).is_none(),
            "sequence {s} delivered twice"
        );
    }
    assert_eq!(all.len(), N);
    for (i, (s, payload)) in all.iter().enumerate() {
        assert_eq!(
            (*s, payload.as_str()),
            (i as u64 + 1, format!("{{\"n\":{i}}}").as_str())
        );
    }
    a.stop().await;
    b.stop().await;
    publisher.delete_stream(&stream).await.unwrap();
}

#[tokio::test]
async fn messages_of_a_dead_worker_are_redelivered_to_another() {
    let Some(url) = nats_url() else { return };
    let stream = unique("PHX_REDELIVER");
    let subject = format!("phx.{stream}.eve");
    let publisher = NatsPublisher::connect(&url).await.unwrap();
    publisher.ensure_stream(&stream, &[&subject]).await.unwrap();
    const N: usize = 100;
    publisher
        .publish_all(&subject, payloads(0..N), 64)
        .await
        .unwrap();

    let cfg = config(&url, &stream, &subject, 10, 1_000);
    let mut doomed = start(cfg.clone());
    let held = common::take_records(&mut doomed.rx, 10, WAIT).await;
    let held_seqs: BTreeSet<u64> = held.iter().map(|r| seq(r).0).collect();
    // The worker dies with its records processed but not acknowledged.
    doomed.task.abort();
    let _ = doomed.task.await;
    drop(held);
    drop(doomed.rx);

    let mut survivor = start(cfg);
    let mut seen: BTreeMap<u64, u64> = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + WAIT;
    while seen.len() < N {
        let batch = tokio::time::timeout_at(deadline, survivor.rx.recv())
            .await
            .unwrap_or_else(|_| panic!("only {} of {N} after the worker died", seen.len()))
            .unwrap();
        for record in batch.records {
            let (s, delivered) = seq(&record);
            assert!(
                seen.insert(s, delivered).is_none(),
                "sequence {s} twice to the survivor"
            );
            record.ack.ack().await.unwrap();
        }
    }
    assert_eq!(
        seen.keys().copied().collect::<Vec<_>>(),
        (1..=N as u64).collect::<Vec<_>>()
    );
    for s in &held_seqs {
        assert!(
            seen[s] >= 2,
            "sequence {s} held by the dead worker has delivery count {}",
            seen[s]
        );
    }
    survivor.stop().await;
    publisher.delete_stream(&stream).await.unwrap();
}

#[tokio::test]
async fn a_nak_brings_the_message_back() {
    let Some(url) = nats_url() else { return };
    let stream = unique("PHX_NAK");
    let subject = format!("phx.{stream}.eve");
    let publisher = NatsPublisher::connect(&url).await.unwrap();
    publisher.ensure_stream(&stream, &[&subject]).await.unwrap();
    let sequence = publisher
        .publish(&subject, Bytes::from_static(b"{\"once\":1}"))
        .await
        .unwrap();

    let mut worker = start(config(&url, &stream, &subject, 10, 30_000));
    let first = common::take_records(&mut worker.rx, 1, WAIT).await;
    assert_eq!(seq(&first[0]), (sequence, 1));
    first
        .into_iter()
        .next()
        .unwrap()
        .ack
        .nak(None)
        .await
        .unwrap();
    let again = common::take_records(&mut worker.rx, 1, WAIT).await;
    assert_eq!(seq(&again[0]), (sequence, 2));
    assert_eq!(text(&again[0]), "{\"once\":1}");
    again.into_iter().next().unwrap().ack.ack().await.unwrap();
    worker.stop().await;
    publisher.delete_stream(&stream).await.unwrap();
}

#[tokio::test]
async fn a_stalled_engine_leaves_the_messages_on_the_server() {
    let Some(url) = nats_url() else { return };
    let stream = unique("PHX_STALL");
    let subject = format!("phx.{stream}.eve");
    let publisher = NatsPublisher::connect(&url).await.unwrap();
    publisher.ensure_stream(&stream, &[&subject]).await.unwrap();
    const N: usize = 2000;
    publisher
        .publish_all(&subject, payloads(0..N), 256)
        .await
        .unwrap();

    // Queue of 4 batches of 10; nobody reads it for a while.
    let mut worker = start(config(&url, &stream, &subject, 10, 30_000));
    tokio::time::sleep(Duration::from_millis(700)).await;
    let client = async_nats::connect(&url).await.unwrap();
    let consumer: async_nats::jetstream::consumer::PullConsumer =
        async_nats::jetstream::new(client)
            .get_stream(&stream)
            .await
            .unwrap()
            .get_consumer("workers")
            .await
            .unwrap();
    let info = consumer.get_info().await.unwrap();
    // Queue (4 batches) + one batch waiting to be queued + the client's pull buffer (2 batches).
    assert!(
        info.num_ack_pending <= 7 * 10,
        "{} messages pulled by a stalled worker",
        info.num_ack_pending
    );
    assert!(
        info.num_pending as usize >= N - 70,
        "{} still on the server",
        info.num_pending
    );

    // Acknowledge as we go: the consumer delivers at most max_ack_pending (1000) unacked.
    let mut seqs = BTreeSet::new();
    while seqs.len() < N {
        let batch = tokio::time::timeout(WAIT, worker.rx.recv())
            .await
            .unwrap()
            .unwrap();
        for record in batch.records {
            assert!(
                seqs.insert(seq(&record).0),
                "sequence {} twice",
                seq(&record).0
            );
            record.ack.ack().await.unwrap();
        }
    }
    worker.stop().await;
    publisher.delete_stream(&stream).await.unwrap();
}

/// A private nats-server this test may kill.
struct PrivateServer {
    child: Child,
    port: u16,
    store: PathBuf,
}

impl PrivateServer {
    fn binary() -> Option<String> {
        if let Ok(path) = std::env::var("PHALANX_NATS_SERVER") {
            return Some(path);
        }
        let found = Command::new("nats-server")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        found.then(|| "nats-server".to_owned())
    }

    fn start(binary: &str, port: u16, store: PathBuf) -> PrivateServer {
        let child = Command::new(binary)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(&store)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + WAIT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "nats-server did not start on {port}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        PrivateServer { child, port, store }
    }

    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_consumer_survives_a_server_restart() {
    if nats_url().is_none() {
        return;
    }
    let Some(binary) = PrivateServer::binary() else {
        assert!(
            !external_required(),
            "nats-server is not on PATH (or PHALANX_NATS_SERVER)"
        );
        eprintln!("skipped: nats-server binary not found");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = PrivateServer::start(&binary, port, dir.path().join("js"));
    let url = format!("nats://127.0.0.1:{}", server.port);
    let stream = unique("PHX_RESTART");
    let subject = format!("phx.{stream}.eve");
    let publisher = NatsPublisher::connect(&url).await.unwrap();
    publisher.ensure_stream(&stream, &[&subject]).await.unwrap();
    publisher
        .publish_all(&subject, payloads(0..50), 64)
        .await
        .unwrap();

    let mut worker = start(config(&url, &stream, &subject, 10, 5_000));
    for record in common::take_records(&mut worker.rx, 50, WAIT).await {
        record.ack.ack().await.unwrap();
    }
    // Let the acknowledgements reach the server before it dies.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let store = server.store.clone();
    drop(server);
    let _server = PrivateServer::start(&binary, port, store);

    let publisher = NatsPublisher::connect(&url).await.unwrap();
    publisher
        .publish_all(&subject, payloads(50..80), 64)
        .await
        .unwrap();
    let after = common::take_records(&mut worker.rx, 30, WAIT).await;
    let texts: Vec<String> = after.iter().map(text).collect();
    let expected: Vec<String> = (50..80).map(|n| format!("{{\"n\":{n}}}")).collect();
    assert_eq!(texts, expected, "only the new messages, once each");
    for record in after {
        record.ack.ack().await.unwrap();
    }
    worker.stop().await;
}
