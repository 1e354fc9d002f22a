//! HTTP ingest: acceptance, authentication, limits and backpressure.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse;
use common::text;
use phalanx_sources::config::{FormatHint, HttpConfig};
use phalanx_sources::http::{AllowAll, AuthFn, AuthRequest, HttpIngest, IngestAuth};
use phalanx_sources::{Batch, Position};
use tokio::sync::mpsc::Receiver;
use tokio::sync::mpsc::error::TryRecvError;
use tower::ServiceExt;

fn config(name: &str) -> HttpConfig {
    HttpConfig {
        name: name.into(),
        format: FormatHint::Json,
        max_body_bytes: 4096,
        max_line_bytes: 64,
        retry_after_secs: 3,
    }
}

fn app(capacity: usize, auth: Arc<dyn IngestAuth>) -> (Router, Receiver<Batch>, HttpIngest) {
    let (sink, rx) = phalanx_sources::channel(capacity);
    let ingest = HttpIngest::new(vec![config("edge"), config("lab")], sink, auth).unwrap();
    (Router::new().nest("/ingest", ingest.router()), rx, ingest)
}

fn post(uri: &str, content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .unwrap()
}

async fn answer(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    // Our own answers are JSON; the test's authenticator answers in plain text.
    let json = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
    });
    (status, headers, json)
}

#[tokio::test]
async fn accepted_lines_arrive_as_one_batch_with_their_origin() {
    let (router, mut rx, ingest) = app(4, Arc::new(AllowAll));
    let long = format!("{{\"pad\":\"{}\"}}", "x".repeat(100));
    let body = format!("{{\"a\":1}}\n{{\"a\":2}}\r\n\n{long}\n{{\"a\":3}}");
    let mut request = post("/ingest/edge", "application/x-ndjson; charset=utf-8", body);
    let peer: SocketAddr = "192.0.2.7:40000".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    let (status, _, json) = answer(&router, request).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(json, serde_json::json!({"accepted": 3, "skipped": 1}));

    let batch = rx.try_recv().unwrap();
    assert_eq!(batch.source(), "edge");
    assert_eq!(batch.format(), FormatHint::Json);
    let texts: Vec<_> = batch.records.iter().map(text).collect();
    assert_eq!(texts, ["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"]);
    let lines: Vec<_> = batch
        .records
        .iter()
        .map(|r| match &r.origin.position {
            Position::Http {
                peer: p,
                request,
                line,
            } => {
                assert_eq!((*p, *request), (Some(peer), 1));
                *line
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(lines, [1, 2, 5]);
    assert!(batch.records.iter().all(|r| r.ack.is_noop()));

    // A second request is numbered 2; `application/json` lines are accepted too.
    let (status, _, _) = answer(&router, post("/ingest/edge", "application/json", "{}\n")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let second = rx.try_recv().unwrap();
    assert!(matches!(
        second.records[0].origin.position,
        Position::Http { request: 2, .. }
    ));

    let stats = ingest
        .stats()
        .into_iter()
        .find(|s| s.name() == "edge")
        .unwrap()
        .snapshot();
    assert_eq!((stats.read, stats.errors), (4, 1));
}

#[tokio::test]
async fn authentication_is_delegated_and_failures_enqueue_nothing() {
    let auth = AuthFn(|request: &AuthRequest<'_>| {
        let key = request
            .headers
            .get(header::AUTHORIZATION)
            .map(|v| v.as_bytes().to_vec());
        let source = request.source.to_owned();
        async move {
            match key.as_deref() {
                None => Err((StatusCode::UNAUTHORIZED, "who are you?").into_response()),
                Some(b"Bearer edge-key") if source == "edge" => Ok(()),
                Some(_) => Err((StatusCode::FORBIDDEN, "not for this source").into_response()),
            }
        }
    });
    let (router, mut rx, _) = app(4, Arc::new(auth));
    let body = "{\"a\":1}\n";

    let (status, _, said) =
        answer(&router, post("/ingest/edge", "application/x-ndjson", body)).await;
    assert_eq!(
        (status, said.as_str()),
        (StatusCode::UNAUTHORIZED, Some("who are you?"))
    );

    let mut wrong = post("/ingest/edge", "application/x-ndjson", body);
    wrong
        .headers_mut()
        .insert(header::AUTHORIZATION, "Bearer nope".parse().unwrap());
    assert_eq!(answer(&router, wrong).await.0, StatusCode::FORBIDDEN);

    let mut other_source = post("/ingest/lab", "application/x-ndjson", body);
    other_source
        .headers_mut()
        .insert(header::AUTHORIZATION, "Bearer edge-key".parse().unwrap());
    assert_eq!(answer(&router, other_source).await.0, StatusCode::FORBIDDEN);
    assert_eq!(rx.try_recv().unwrap_err(), TryRecvError::Empty);

    let mut good = post("/ingest/edge", "application/x-ndjson", body);
    good.headers_mut()
        .insert(header::AUTHORIZATION, "Bearer edge-key".parse().unwrap());
    assert_eq!(answer(&router, good).await.0, StatusCode::ACCEPTED);
    assert_eq!(rx.try_recv().unwrap().len(), 1);
}

#[tokio::test]
async fn unknown_sources_wrong_media_types_and_large_bodies_are_refused() {
    let (router, mut rx, _) = app(4, Arc::new(AllowAll));
    let (status, _, json) =
        answer(&router, post("/ingest/nope", "application/x-ndjson", "{}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(json["error"].as_str().unwrap().contains("nope"));

    let (status, _, _) = answer(&router, post("/ingest/edge", "text/plain", "{}")).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let missing = Request::post("/ingest/edge")
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(
        answer(&router, missing).await.0,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );

    // Declared too large: refused before reading.
    let big = "{\"a\":1}\n".repeat(1000);
    let (status, _, json) = answer(
        &router,
        post("/ingest/edge", "application/x-ndjson", big.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("max_body_bytes = 4096")
    );

    // Streamed without a length: refused while reading.
    let chunks: Vec<Result<String, std::io::Error>> =
        (0..1000).map(|_| Ok("{\"a\":1}\n".to_owned())).collect();
    let streamed = Body::from_stream(futures_util::stream::iter(chunks));
    let (status, _, _) = answer(
        &router,
        post("/ingest/edge", "application/x-ndjson", streamed),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(
        rx.try_recv().unwrap_err(),
        TryRecvError::Empty,
        "nothing of a refused request is queued"
    );
}

#[tokio::test]
async fn a_full_queue_answers_429_with_retry_after_and_enqueues_nothing() {
    let (router, mut rx, ingest) = app(1, Arc::new(AllowAll));
    let first = "{\"first\":1}\n{\"first\":2}\n";
    assert_eq!(
        answer(&router, post("/ingest/edge", "application/x-ndjson", first))
            .await
            .0,
        StatusCode::ACCEPTED
    );

    let second = "{\"second\":1}\n{\"second\":2}\n{\"second\":3}\n";
    for _ in 0..3 {
        let (status, headers, json) = answer(
            &router,
            post("/ingest/edge", "application/x-ndjson", second),
        )
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers.get(header::RETRY_AFTER).unwrap(), "3");
        assert!(
            json["error"]
                .as_str()
                .unwrap()
                .contains("nothing was accepted")
        );
    }

    let queued = rx.try_recv().unwrap();
    assert_eq!(
        queued.records.iter().map(text).collect::<Vec<_>>(),
        ["{\"first\":1}", "{\"first\":2}"]
    );
    assert_eq!(
        rx.try_recv().unwrap_err(),
        TryRecvError::Empty,
        "no part of the refused requests"
    );

    // Once there is room the same body is accepted whole.
    assert_eq!(
        answer(
            &router,
            post("/ingest/edge", "application/x-ndjson", second)
        )
        .await
        .0,
        StatusCode::ACCEPTED
    );
    assert_eq!(rx.try_recv().unwrap().len(), 3);
    let stats = ingest
        .stats()
        .into_iter()
        .find(|s| s.name() == "edge")
        .unwrap()
        .snapshot();
    assert_eq!(stats.read, 5);
}

#[tokio::test]
async fn duplicate_names_are_refused() {
    let (sink, _rx) = phalanx_sources::channel(1);
    let err =
        HttpIngest::new(vec![config("a"), config("a")], sink, Arc::new(AllowAll)).unwrap_err();
    assert!(
        err.to_string().contains("two sources are named 'a'"),
        "{err}"
    );
}
