//! Syslog over UDP: one message per datagram.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;
use tokio_util::sync::CancellationToken;

use crate::config::{SourceConfig, SyslogUdpConfig};
use crate::error::SourceError;
use crate::record::{Batch, Transport};
use crate::sink::{Sink, Source};
use crate::stats::{SourceKind, SourceStats};

/// Largest UDP payload (IPv4: 65,535 − 8 − 20).
const MAX_DATAGRAM: usize = 65_507;

/// A `kind = "syslog-udp"` source, bound when created.
#[derive(Debug)]
pub struct SyslogUdpSource {
    socket: UdpSocket,
    config: SyslogUdpConfig,
    stats: Arc<SourceStats>,
}

impl SyslogUdpSource {
    /// Checks the configuration and binds the socket (so a busy port fails at startup).
    pub async fn bind(config: SyslogUdpConfig) -> Result<SyslogUdpSource, SourceError> {
        SourceConfig::SyslogUdp(config.clone()).validate()?;
        let socket = UdpSocket::bind(config.listen)
            .await
            .map_err(|error| SourceError::Bind {
                name: config.name.clone(),
                addr: config.listen,
                error,
            })?;
        let stats = SourceStats::new(&config.name, SourceKind::SyslogUdp, config.format);
        Ok(SyslogUdpSource {
            socket,
            config,
            stats,
        })
    }

    /// The bound address (useful when `listen` used port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }
}

impl Source for SyslogUdpSource {
    fn stats(&self) -> Arc<SourceStats> {
        Arc::clone(&self.stats)
    }

    async fn run(self, sink: Sink, cancel: CancellationToken) -> Result<(), SourceError> {
        let name = self.stats.shared_name();
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            let first = tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                received = self.socket.recv_from(&mut buf) => received,
            };
            let mut records = Vec::new();
            let mut bytes = 0u64;
            let mut received = Some(first);
            // Take what is already queued in the kernel, up to one batch, without waiting.
            for attempt in 1..=self.config.batch_records {
                match received.take() {
                    Some(Ok((len, peer))) => {
                        let frame = Bytes::copy_from_slice(&buf[..len]);
                        if let Some(record) =
                            super::frame_to_record(&self.stats, &name, frame, peer, Transport::Udp)
                        {
                            bytes += record.bytes.len() as u64;
                            records.push(record);
                        }
                    }
                    Some(Err(e)) if e.kind() == ErrorKind::WouldBlock => break,
                    // ICMP port-unreachable echoes and similar: not ours to stop on.
                    Some(Err(e)) => self.stats.note_error("syslog/udp socket", e),
                    None => break,
                }
                if attempt < self.config.batch_records {
                    received = Some(self.socket.try_recv_from(&mut buf));
                }
            }
            if records.is_empty() {
                continue;
            }
            self.stats.add_read(records.len() as u64, bytes);
            let batch = Batch {
                stats: Arc::clone(&self.stats),
                records,
            };
            if sink.send(batch, &cancel).await.is_err() {
                return Ok(());
            }
        }
    }
}
