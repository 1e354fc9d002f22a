//! Syslog over TCP: a listener serving a bounded number of framed connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::framing::{FrameEvent, Framer};
use crate::config::{SourceConfig, SyslogTcpConfig};
use crate::error::SourceError;
use crate::record::{Batch, Record, Transport};
use crate::sink::{Sink, Source};
use crate::stats::{SourceKind, SourceStats};

/// Size of one socket read.
const READ_BYTES: usize = 64 * 1024;

/// A `kind = "syslog-tcp"` source, bound when created.
#[derive(Debug)]
pub struct SyslogTcpSource {
    listener: TcpListener,
    config: SyslogTcpConfig,
    stats: Arc<SourceStats>,
}

impl SyslogTcpSource {
    /// Checks the configuration and binds the listener (so a busy port fails at startup).
    pub async fn bind(config: SyslogTcpConfig) -> Result<SyslogTcpSource, SourceError> {
        SourceConfig::SyslogTcp(config.clone()).validate()?;
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|error| SourceError::Bind {
                    name: config.name.clone(),
                    addr: config.listen,
                    error,
                })?;
        let stats = SourceStats::new(&config.name, SourceKind::SyslogTcp, config.format);
        Ok(SyslogTcpSource {
            listener,
            config,
            stats,
        })
    }

    /// The bound address (useful when `listen` used port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }
}

impl Source for SyslogTcpSource {
    fn stats(&self) -> Arc<SourceStats> {
        Arc::clone(&self.stats)
    }

    async fn run(self, sink: Sink, cancel: CancellationToken) -> Result<(), SourceError> {
        let slots = Arc::new(Semaphore::new(
            self.config.max_connections.min(Semaphore::MAX_PERMITS),
        ));
        let config = Arc::new(self.config);
        let mut connections = JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            // Wait for a free slot first: excess clients wait in the listen backlog.
            let permit = tokio::select! {
                () = cancel.cancelled() => break,
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            let accepted = tokio::select! {
                () = cancel.cancelled() => break,
                accepted = self.listener.accept() => accepted,
            };
            match accepted {
                Ok((stream, peer)) => {
                    let connection = Connection {
                        config: Arc::clone(&config),
                        stats: Arc::clone(&self.stats),
                        sink: sink.clone(),
                        cancel: cancel.clone(),
                        peer,
                    };
                    connections.spawn(connection.serve(stream, permit));
                }
                Err(e) => {
                    // Out of file descriptors and the like: note, breathe, go on.
                    self.stats
                        .note_error("syslog/tcp listener", format!("accept failed: {e}"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        while connections.join_next().await.is_some() {}
        Ok(())
    }
}

/// One client connection.
struct Connection {
    config: Arc<SyslogTcpConfig>,
    stats: Arc<SourceStats>,
    sink: Sink,
    cancel: CancellationToken,
    peer: SocketAddr,
}

impl Connection {
    async fn serve(self, mut stream: TcpStream, _slot: OwnedSemaphorePermit) {
        let name = self.stats.shared_name();
        let mut framer = Framer::new(self.config.max_message_bytes);
        let mut records = Vec::new();
        let idle = match self.config.idle_timeout_ms {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        };
        loop {
            let read = tokio::select! {
                () = self.cancel.cancelled() => return,
                read = read_with_timeout(&mut stream, framer.buffer(READ_BYTES), idle) => read,
            };
            let ended = match read {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    tracing::debug!(peer = %self.peer, "closing idle syslog connection: {e}");
                    true
                }
                Err(e) => {
                    self.stats
                        .note_error(self.place(), format!("connection closed: {e}"));
                    true
                }
            };
            while let Some(event) = framer.next_event() {
                if !self.take(&name, event, &mut records).await {
                    return;
                }
            }
            if ended {
                if let Some(event) = framer.finish() {
                    self.take(&name, event, &mut records).await;
                }
                self.send(&mut records).await;
                return;
            }
            if !self.send(&mut records).await {
                return;
            }
        }
    }

    fn place(&self) -> String {
        format!("syslog/tcp from {}", self.peer)
    }

    /// Adds a frame's record to `records` (sending a full batch), or counts a bad frame.
    /// Returns false if the source must stop.
    async fn take(&self, name: &Arc<str>, event: FrameEvent, records: &mut Vec<Record>) -> bool {
        match event {
            FrameEvent::Frame(frame) => {
                let record =
                    super::frame_to_record(&self.stats, name, frame, self.peer, Transport::Tcp);
                records.extend(record);
                if records.len() >= self.config.batch_records {
                    return self.send(records).await;
                }
                true
            }
            FrameEvent::Error(error) => {
                self.stats.note_error(self.place(), error);
                true
            }
        }
    }

    /// Sends the gathered records, waiting for room (which stops reading this socket).
    async fn send(&self, records: &mut Vec<Record>) -> bool {
        if records.is_empty() {
            return true;
        }
        let records = std::mem::take(records);
        let bytes = records.iter().map(|r| r.bytes.len() as u64).sum();
        self.stats.add_read(records.len() as u64, bytes);
        let batch = Batch {
            stats: Arc::clone(&self.stats),
            records,
        };
        self.sink.send(batch, &self.cancel).await.is_ok()
    }
}

async fn read_with_timeout(
    stream: &mut TcpStream,
    buf: &mut bytes::BytesMut,
    idle: Option<Duration>,
) -> std::io::Result<usize> {
    match idle {
        None => stream.read_buf(buf).await,
        Some(limit) => match tokio::time::timeout(limit, stream.read_buf(buf)).await {
            Ok(read) => read,
            Err(_) => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("idle for {} ms (idle_timeout_ms)", limit.as_millis()),
            )),
        },
    }
}
