//! Syslog over UDP and TCP: formats, framings, malformed input, backpressure.
#![allow(clippy::unwrap_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{take_records, text};
use phalanx_sources::config::{FormatHint, SyslogTcpConfig, SyslogUdpConfig};
use phalanx_sources::record::{SyslogPosition, Transport};
use phalanx_sources::syslog::{SyslogFormat, SyslogTcpSource, SyslogUdpSource};
use phalanx_sources::{Batch, Position, Record, Source, SourceStats};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc::Receiver;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(20);

fn syslog(record: &Record) -> &SyslogPosition {
    match &record.origin.position {
        Position::Syslog(s) => s,
        other => panic!("not syslog: {other:?}"),
    }
}

fn tcp_config(max_message_bytes: usize, batch_records: usize) -> SyslogTcpConfig {
    SyslogTcpConfig {
        name: "relay".into(),
        format: FormatHint::Eve,
        listen: "127.0.0.1:0".parse().unwrap(),
        max_message_bytes,
        max_connections: 8,
        idle_timeout_ms: 60_000,
        batch_records,
    }
}

async fn start_tcp(
    config: SyslogTcpConfig,
    capacity: usize,
) -> (
    SocketAddr,
    Receiver<Batch>,
    Arc<SourceStats>,
    CancellationToken,
) {
    let source = SyslogTcpSource::bind(config).await.unwrap();
    let addr = source.local_addr().unwrap();
    let stats = source.stats();
    let (sink, rx) = phalanx_sources::channel(capacity);
    let cancel = CancellationToken::new();
    tokio::spawn(source.run(sink, cancel.clone()));
    (addr, rx, stats, cancel)
}

/// Waits until the source has counted `n` errors.
async fn wait_errors(stats: &SourceStats, n: u64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while stats.snapshot().errors < n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            stats.snapshot()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn udp_datagrams_both_formats_and_malformed_ones() {
    let config = SyslogUdpConfig {
        name: "udp".into(),
        format: FormatHint::Zeek,
        listen: "127.0.0.1:0".parse().unwrap(),
        batch_records: 64,
    };
    let source = SyslogUdpSource::bind(config).await.unwrap();
    let addr = source.local_addr().unwrap();
    let stats = source.stats();
    let (sink, mut rx) = phalanx_sources::channel(4);
    let cancel = CancellationToken::new();
    let task = tokio::spawn(source.run(sink, cancel.clone()));

    let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let datagrams: [&[u8]; 5] = [
        b"<165>1 2025-01-02T03:04:05.678Z zeek1 zeek 77 conn [meta@1 a=\"b\"] \xEF\xBB\xBF{\"uid\":\"C1\"}",
        b"not syslog at all",
        b"<134>Jan  2 03:04:05 sensor2 suricata[42]: {\"event_type\":\"dns\"}\n",
        b"<13>1 - - - - - -",
        b"<14>{\"plain\":true}",
    ];
    for datagram in datagrams {
        client.send_to(datagram, addr).await.unwrap();
    }
    let records = take_records(&mut rx, 3, WAIT).await;
    assert_eq!(
        records.iter().map(text).collect::<Vec<_>>(),
        vec![
            "{\"uid\":\"C1\"}",
            "{\"event_type\":\"dns\"}",
            "{\"plain\":true}"
        ]
    );
    let first = syslog(&records[0]);
    assert_eq!(first.transport, Transport::Udp);
    assert_eq!(first.format, SyslogFormat::Rfc5424);
    assert_eq!((first.facility, first.severity), (20, 5));
    assert_eq!(first.hostname.as_deref(), Some("zeek1"));
    assert_eq!(first.app_name.as_deref(), Some("zeek"));
    assert_eq!(first.timestamp.as_deref(), Some("2025-01-02T03:04:05.678Z"));
    assert_eq!(first.peer, client.local_addr().unwrap());
    let second = syslog(&records[1]);
    assert_eq!(second.format, SyslogFormat::Rfc3164);
    assert_eq!(second.hostname.as_deref(), Some("sensor2"));
    assert_eq!(second.app_name.as_deref(), Some("suricata"));
    assert_eq!(second.timestamp.as_deref(), Some("Jan  2 03:04:05"));

    wait_errors(&stats, 2).await;
    let snap = stats.snapshot();
    assert_eq!(snap.read, 3);
    assert_eq!(
        snap.recent_errors[0].reason,
        "no PRI: a syslog message starts with '<' and a priority number"
    );
    assert!(snap.recent_errors[1].reason.contains("no MSG"));
    assert!(
        snap.recent_errors[0]
            .place
            .contains(&client.local_addr().unwrap().to_string())
    );
    cancel.cancel();
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn tcp_mixed_framings_and_malformed_frames_on_one_connection() {
    let (addr, mut rx, stats, cancel) = start_tcp(tcp_config(256, 64), 4).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let good_5424 = b"<165>1 2025-01-02T03:04:05Z h1 app - - - {\"n\":1}";
    let mut input = Vec::new();
    input.extend_from_slice(format!("{} ", good_5424.len()).as_bytes());
    input.extend_from_slice(good_5424);
    input.extend_from_slice(b"<13>Jan  2 03:04:05 h2 tag: {\"n\":2}\n");
    input.extend_from_slice(b"this line is garbage\n");
    input.extend_from_slice(b"<13>Jan  2 03:04:05 h2 tag: {\"n\":3}\r\n");
    let oversized = format!("<13>1 - - - - - - {{\"pad\":\"{}\"}}", "x".repeat(1000));
    input.extend_from_slice(format!("{} {oversized}", oversized.len()).as_bytes());
    input.extend_from_slice(b"<999>bad priority\n");
    let fourth = "<13>1 - - - - - - {\"n\":4}";
    input.extend_from_slice(format!("{} {fourth}", fourth.len()).as_bytes());
    input.extend_from_slice(b"<13>{\"n\":5}");
    stream.write_all(&input).await.unwrap();
    stream.shutdown().await.unwrap();

    let records = take_records(&mut rx, 5, WAIT).await;
    let texts: Vec<_> = records.iter().map(text).collect();
    assert_eq!(
        texts,
        [
            "{\"n\":1}",
            "{\"n\":2}",
            "{\"n\":3}",
            "{\"n\":4}",
            "{\"n\":5}"
        ]
    );
    assert_eq!(syslog(&records[0]).hostname.as_deref(), Some("h1"));
    assert_eq!(syslog(&records[1]).transport, Transport::Tcp);
    wait_errors(&stats, 3).await;
    let reasons: Vec<_> = stats
        .snapshot()
        .recent_errors
        .into_iter()
        .map(|s| s.reason)
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].contains("byte 0x74"), "{reasons:?}");
    assert!(
        reasons[1].contains("exceeds max_message_bytes = 256"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("above 191"), "{reasons:?}");
    cancel.cancel();
}

#[tokio::test]
async fn tcp_many_messages_in_odd_writes_arrive_in_order() {
    let (addr, mut rx, stats, cancel) = start_tcp(tcp_config(1024, 100), 8).await;
    const N: usize = 5000;
    let mut input = Vec::new();
    for n in 0..N {
        let message = format!("<14>1 - host{} app - - - {{\"n\":{n}}}", n % 3);
        if n % 2 == 0 {
            input.extend_from_slice(format!("{} {message}", message.len()).as_bytes());
        } else {
            input.extend_from_slice(message.as_bytes());
            input.push(b'\n');
        }
    }
    // A second connection at the same time, newline-framed only.
    let mut other = TcpStream::connect(addr).await.unwrap();
    let writer = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut at = 0;
        let mut size = 1;
        while at < input.len() {
            let end = (at + size).min(input.len());
            stream.write_all(&input[at..end]).await.unwrap();
            at = end;
            size = size * 7 % 1531 + 1;
        }
        stream.shutdown().await.unwrap();
    });
    other
        .write_all(b"<14>Jan  1 00:00:00 x y: {\"other\":1}\n")
        .await
        .unwrap();
    other.shutdown().await.unwrap();
    let records = take_records(&mut rx, N + 1, WAIT).await;
    writer.await.unwrap();
    let mut main: Vec<String> = Vec::new();
    let mut others = 0;
    for record in &records {
        let t = text(record);
        if t.contains("other") {
            others += 1;
        } else {
            main.push(t);
        }
    }
    assert_eq!(others, 1);
    let expected: Vec<String> = (0..N).map(|n| format!("{{\"n\":{n}}}")).collect();
    assert_eq!(main, expected);
    assert_eq!(
        stats.snapshot().errors,
        0,
        "{:?}",
        stats.snapshot().recent_errors
    );
    cancel.cancel();
}

#[tokio::test]
async fn tcp_stops_reading_while_the_queue_is_full_and_loses_nothing() {
    let (addr, mut rx, stats, cancel) = start_tcp(tcp_config(1024, 10), 2).await;
    const N: usize = 1_000_000;
    let writer = tokio::spawn(async move {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut chunk = Vec::new();
        for n in 0..N {
            chunk.extend_from_slice(format!("<14>{{\"n\":{n}}}\n").as_bytes());
            if chunk.len() > 64 * 1024 {
                stream.write_all(&chunk).await.unwrap();
                chunk.clear();
            }
        }
        stream.write_all(&chunk).await.unwrap();
        stream.shutdown().await.unwrap();
    });
    // Nobody consumes: the source must stall after filling the queue, not buffer everything.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stalled = stats.snapshot().read;
    assert!(
        stalled <= (2 + 2) * 10,
        "{stalled} records read with a 2-batch queue of 10-record batches and no consumer"
    );
    assert!(
        !writer.is_finished(),
        "the client should be blocked by TCP flow control"
    );
    let records = take_records(&mut rx, N, WAIT).await;
    writer.await.unwrap();
    for (n, record) in records.iter().enumerate() {
        assert_eq!(text(record), format!("{{\"n\":{n}}}"));
    }
    assert_eq!(stats.snapshot().read, N as u64);
    cancel.cancel();
}
