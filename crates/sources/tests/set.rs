//! Starting a node's sources from its TOML configuration.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::text;
use phalanx_sources::file::{FileOffsetStore, OffsetStore};
use phalanx_sources::http::AllowAll;
use phalanx_sources::{SourceConfig, SourceError, SourceKind, SourceSet, StartOptions};
use tokio::io::AsyncWriteExt;
use tower::ServiceExt;

#[derive(serde::Deserialize)]
struct Detect {
    sources: Vec<SourceConfig>,
}

fn parse(text: &str) -> Vec<SourceConfig> {
    toml::from_str::<Detect>(text).unwrap().sources
}

fn options(dir: &std::path::Path) -> (StartOptions, Arc<FileOffsetStore>) {
    let offsets = Arc::new(FileOffsetStore::new(dir.join("state")).unwrap());
    (
        StartOptions {
            offsets: offsets.clone(),
            auth: Arc::new(AllowAll),
        },
        offsets,
    )
}

#[tokio::test]
async fn every_kind_starts_delivers_and_stops() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eve.json");
    std::fs::write(
        &path,
        "{\"from\":\"file\",\"n\":1}\n{\"from\":\"file\",\"n\":2}\n",
    )
    .unwrap();
    let configs = parse(&format!(
        r#"
        [[sources]]
        kind = "file"
        name = "eve"
        format = "eve"
        path = "{}"
        poll_interval_ms = 10
        commit_interval_ms = 0

        [[sources]]
        kind = "syslog-udp"
        name = "udp"
        format = "zeek"
        listen = "127.0.0.1:0"

        [[sources]]
        kind = "syslog-tcp"
        name = "tcp"
        format = "json"
        listen = "127.0.0.1:0"

        [[sources]]
        kind = "http"
        name = "web"
        format = "json"
        "#,
        path.display()
    ));
    let (sink, mut rx) = phalanx_sources::channel(16);
    let (opts, offsets) = options(dir.path());
    let set = SourceSet::start(&configs, sink, opts).await.unwrap();

    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    udp.send_to(b"<14>{\"from\":\"udp\"}", set.local_addr("udp").unwrap())
        .await
        .unwrap();
    let mut tcp = tokio::net::TcpStream::connect(set.local_addr("tcp").unwrap())
        .await
        .unwrap();
    tcp.write_all(b"<14>{\"from\":\"tcp\"}\n").await.unwrap();
    let router = axum::Router::new().nest("/ingest", set.http_router().unwrap());
    let request = Request::post("/ingest/web")
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(Body::from("{\"from\":\"http\"}\n"))
        .unwrap();
    assert_eq!(
        router.oneshot(request).await.unwrap().status(),
        StatusCode::ACCEPTED
    );

    let mut by_source: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut got = 0;
    while got < 5 {
        let batch = tokio::time::timeout(Duration::from_secs(20), rx.recv())
            .await
            .unwrap()
            .unwrap();
        got += batch.len();
        let source = batch.source().to_owned();
        for record in batch.records {
            by_source
                .entry(source.clone())
                .or_default()
                .push(text(&record));
            record.ack.ack().await.unwrap();
        }
    }
    assert_eq!(
        by_source["eve"],
        ["{\"from\":\"file\",\"n\":1}", "{\"from\":\"file\",\"n\":2}"]
    );
    assert_eq!(by_source["udp"], ["{\"from\":\"udp\"}"]);
    assert_eq!(by_source["tcp"], ["{\"from\":\"tcp\"}"]);
    assert_eq!(by_source["web"], ["{\"from\":\"http\"}"]);

    // commit_interval_ms = 0: nothing is saved until the engine flushes.
    assert_eq!(offsets.load("eve").unwrap(), None);
    set.flush_offsets().await.unwrap();
    assert_eq!(offsets.load("eve").unwrap().unwrap().checkpoint.line, 2);

    let kinds: Vec<_> = set
        .snapshots()
        .into_iter()
        .map(|s| (s.name, s.kind, s.read))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("eve".to_owned(), SourceKind::File, 2),
            ("udp".to_owned(), SourceKind::SyslogUdp, 1),
            ("tcp".to_owned(), SourceKind::SyslogTcp, 1),
            ("web".to_owned(), SourceKind::Http, 1),
        ]
    );
    let finished = set.shutdown().await;
    assert_eq!(
        finished.len(),
        3,
        "file, udp and tcp run as tasks; http is a router"
    );
    for (name, result) in finished {
        assert!(result.is_ok(), "{name}: {result:?}");
    }
}

#[tokio::test]
async fn a_source_that_cannot_start_leaves_nothing_running() {
    let dir = tempfile::tempdir().unwrap();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let path = dir.path().join("eve.json");
    std::fs::write(&path, "{}\n").unwrap();
    let configs = parse(&format!(
        r#"
        [[sources]]
        kind = "file"
        name = "eve"
        format = "eve"
        path = "{}"

        [[sources]]
        kind = "syslog-tcp"
        name = "tcp"
        format = "json"
        listen = "{}"
        "#,
        path.display(),
        busy.local_addr().unwrap()
    ));
    let (sink, mut rx) = phalanx_sources::channel(4);
    let err = SourceSet::start(&configs, sink, options(dir.path()).0)
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::Bind { .. }), "{err:?}");
    assert!(
        err.to_string().contains("source 'tcp': cannot listen on"),
        "{err}"
    );
    let next = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap();
    assert!(
        next.is_none(),
        "no source may hold the queue after a failed start"
    );
}

#[tokio::test]
async fn duplicate_names_and_bad_settings_are_refused_before_anything_starts() {
    let dir = tempfile::tempdir().unwrap();
    let configs = parse(
        r#"
        [[sources]]
        kind = "stdin"
        name = "same"
        format = "json"

        [[sources]]
        kind = "http"
        name = "same"
        format = "json"
        "#,
    );
    let (sink, _rx) = phalanx_sources::channel(4);
    let err = SourceSet::start(&configs, sink.clone(), options(dir.path()).0)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("two sources are named 'same'"),
        "{err}"
    );

    let configs = parse(
        r#"
        [[sources]]
        kind = "stdin"
        name = "in"
        format = "json"
        batch_records = 0
        "#,
    );
    let err = SourceSet::start(&configs, sink, options(dir.path()).0)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("source 'in': `batch_records` must be at least 1"),
        "{err}"
    );
}
