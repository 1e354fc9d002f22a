//! NATS JetStream: a durable pull consumer shared by detection workers, and a publisher helper.
//!
//! Every worker that names the same stream and `durable` pulls from one consumer, so the
//! server hands each message to exactly one of them; more workers, more throughput. Messages
//! are acknowledged only through the record's [`crate::Ack`], after the engine has processed
//! them; a message that is failed (`nak`) is redelivered at once (or after the given delay),
//! and one that is never acknowledged — its worker died — is redelivered after the consumer's
//! `ack_wait`. Delivery is therefore at least once; [`Position::Nats`] carries the stream
//! sequence, which stays the same across redeliveries, and the delivery count.
//!
//! Backpressure: the client keeps at most `batch_records` messages buffered per pull; while the
//! engine's queue is full the source stops polling, so no further pull requests are sent and
//! the messages stay on the server (where other workers can take them).
//!
//! Connection loss is handled by the client, which reconnects forever; a session that fails
//! anyway (consumer deleted, stream missing, server unreachable at start) is counted as an error
//! and retried with a capped exponential backoff.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::ack::Ack;
use crate::config::{NatsConfig, SourceConfig};
use crate::error::SourceError;
use crate::record::{Batch, Origin, Position, Record};
use crate::sink::{Sink, Source};
use crate::stats::{SourceKind, SourceStats};

/// First wait before retrying a failed session.
const BACKOFF_START: Duration = Duration::from_millis(100);
/// Longest wait between retries.
const BACKOFF_MAX: Duration = Duration::from_secs(5);
/// How long to wait for the server when connecting.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A `kind = "nats"` source.
#[derive(Debug)]
pub struct NatsSource {
    config: NatsConfig,
    stats: Arc<SourceStats>,
}

/// How a session ended.
enum SessionEnd {
    /// Cancelled or the engine closed the queue.
    Stopped,
    /// Something went wrong; retry after a pause.
    Interrupted(String),
}

impl NatsSource {
    /// Checks the configuration. Nothing connects until [`Source::run`].
    pub fn new(config: NatsConfig) -> Result<NatsSource, SourceError> {
        SourceConfig::Nats(config.clone()).validate()?;
        let stats = SourceStats::new(&config.name, SourceKind::Nats, config.format);
        Ok(NatsSource { config, stats })
    }

    /// One connection, one consumer, pulling until something ends it.
    async fn session(&self, sink: &Sink, cancel: &CancellationToken) -> SessionEnd {
        let c = &self.config;
        let client = match connect(&c.url, &c.name).await {
            Ok(client) => client,
            Err(e) => return SessionEnd::Interrupted(format!("cannot connect to {}: {e}", c.url)),
        };
        let context = jetstream::new(client);
        let stream = if c.create_stream {
            let subjects = vec![
                c.subject
                    .clone()
                    .unwrap_or_else(|| format!("{}.>", c.stream)),
            ];
            let config = stream::Config {
                name: c.stream.clone(),
                subjects,
                ..Default::default()
            };
            context
                .get_or_create_stream(config)
                .await
                .map_err(|e| e.to_string())
        } else {
            context.get_stream(&c.stream).await.map_err(|e| {
                format!(
                    "{e}; create stream '{}' or set create_stream = true",
                    c.stream
                )
            })
        };
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => return SessionEnd::Interrupted(format!("stream '{}': {e}", c.stream)),
        };
        let consumer_config = consumer::pull::Config {
            durable_name: Some(c.durable.clone()),
            filter_subject: c.subject.clone().unwrap_or_default(),
            ack_policy: consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_millis(c.ack_wait_ms),
            max_deliver: c.max_deliver.map_or(0, i64::from),
            max_ack_pending: c.max_ack_pending.map_or(0, i64::from),
            ..Default::default()
        };
        let consumer: consumer::PullConsumer = match stream
            .get_or_create_consumer(&c.durable, consumer_config)
            .await
        {
            Ok(consumer) => consumer,
            Err(e) => {
                return SessionEnd::Interrupted(format!("consumer '{}': {e}", c.durable));
            }
        };
        let messages = match consumer
            .stream()
            .max_messages_per_batch(c.batch_records)
            .messages()
            .await
        {
            Ok(messages) => messages,
            Err(e) => return SessionEnd::Interrupted(format!("pulling messages: {e}")),
        };
        let mut chunks = messages.ready_chunks(c.batch_records);
        let stream_name: Arc<str> = Arc::from(c.stream.as_str());
        let name = self.stats.shared_name();
        loop {
            let chunk = tokio::select! {
                () = cancel.cancelled() => return SessionEnd::Stopped,
                chunk = chunks.next() => chunk,
            };
            let Some(chunk) = chunk else {
                return SessionEnd::Interrupted("the message stream ended".to_owned());
            };
            let mut records = Vec::with_capacity(chunk.len());
            let mut bytes = 0u64;
            let mut fatal = None;
            for item in chunk {
                match item {
                    Ok(message) => {
                        if let Some(record) = self.record(&name, &stream_name, message) {
                            bytes += record.bytes.len() as u64;
                            records.push(record);
                        }
                    }
                    Err(e) => {
                        use consumer::pull::MessagesErrorKind as Kind;
                        match e.kind() {
                            Kind::MissingHeartbeat | Kind::Pull | Kind::Other => {
                                self.stats.note_error(format!("nats {}", c.url), &e);
                            }
                            _ => fatal = Some(e.to_string()),
                        }
                    }
                }
            }
            if !records.is_empty() {
                self.stats.add_read(records.len() as u64, bytes);
                let batch = Batch {
                    stats: Arc::clone(&self.stats),
                    records,
                };
                if sink.send(batch, cancel).await.is_err() {
                    return SessionEnd::Stopped;
                }
            }
            if let Some(reason) = fatal {
                return SessionEnd::Interrupted(reason);
            }
        }
    }

    /// Turns a message into a record; `None` (counted) if it lacks JetStream metadata.
    fn record(
        &self,
        name: &Arc<str>,
        stream: &Arc<str>,
        message: jetstream::Message,
    ) -> Option<Record> {
        let (stream_sequence, consumer_sequence, delivered) = match message.info() {
            Ok(info) => (
                info.stream_sequence,
                info.consumer_sequence,
                u64::try_from(info.delivered).unwrap_or(0),
            ),
            Err(e) => {
                self.stats.note_error(
                    format!("nats subject {}", message.subject),
                    format!("message without JetStream metadata ({e}); cannot acknowledge it"),
                );
                return None;
            }
        };
        let (message, acker) = message.split();
        Some(Record {
            bytes: message.payload,
            origin: Origin {
                source: Arc::clone(name),
                position: Position::Nats {
                    stream: Arc::clone(stream),
                    subject: Box::from(message.subject.as_str()),
                    stream_sequence,
                    consumer_sequence,
                    delivered,
                },
            },
            ack: Ack::nats(acker),
        })
    }
}

impl Source for NatsSource {
    fn stats(&self) -> Arc<SourceStats> {
        Arc::clone(&self.stats)
    }

    async fn run(self, sink: Sink, cancel: CancellationToken) -> Result<(), SourceError> {
        let mut backoff = BACKOFF_START;
        loop {
            match self.session(&sink, &cancel).await {
                SessionEnd::Stopped => return Ok(()),
                SessionEnd::Interrupted(reason) => {
                    tracing::warn!(source = %self.config.name, %reason, "NATS session ended; retrying");
                    self.stats
                        .note_error(format!("nats {}", self.config.url), reason);
                }
            }
            tokio::select! {
                () = cancel.cancelled() => return Ok(()),
                () = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(BACKOFF_MAX);
        }
    }
}

async fn connect(url: &str, name: &str) -> Result<async_nats::Client, async_nats::ConnectError> {
    async_nats::ConnectOptions::new()
        .name(format!("phalanx-sources/{name}"))
        .connection_timeout(CONNECT_TIMEOUT)
        .connect(url)
        .await
}

/// A failed publisher operation.
#[derive(Debug, thiserror::Error)]
#[error("NATS {action} failed: {error}")]
pub struct NatsError {
    /// What was being done.
    pub action: String,
    /// The client's reason.
    #[source]
    pub error: async_nats::Error,
}

fn nats_error(action: impl Into<String>) -> impl FnOnce(async_nats::Error) -> NatsError {
    let action = action.into();
    move |error| NatsError { action, error }
}

/// Loads telemetry into a JetStream stream (for tests, benchmarks and sensor-side relays).
#[derive(Debug, Clone)]
pub struct NatsPublisher {
    context: jetstream::Context,
}

impl NatsPublisher {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> Result<NatsPublisher, NatsError> {
        let client = connect(url, "publisher")
            .await
            .map_err(|e| nats_error(format!("connecting to {url}"))(Box::new(e)))?;
        Ok(NatsPublisher {
            context: jetstream::new(client),
        })
    }

    /// Creates the stream `name` capturing `subjects` unless it exists.
    pub async fn ensure_stream(&self, name: &str, subjects: &[&str]) -> Result<(), NatsError> {
        let config = stream::Config {
            name: name.to_owned(),
            subjects: subjects.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        };
        self.context
            .get_or_create_stream(config)
            .await
            .map(drop)
            .map_err(|e| nats_error(format!("creating stream {name}"))(Box::new(e)))
    }

    /// Deletes the stream `name` and its consumers.
    pub async fn delete_stream(&self, name: &str) -> Result<(), NatsError> {
        self.context
            .delete_stream(name)
            .await
            .map(drop)
            .map_err(|e| nats_error(format!("deleting stream {name}"))(Box::new(e)))
    }

    /// Publishes one message and waits for the stream to store it; returns its stream sequence.
    pub async fn publish(&self, subject: &str, payload: Bytes) -> Result<u64, NatsError> {
        let pending = self
            .context
            .publish(subject.to_owned(), payload)
            .await
            .map_err(|e| nats_error(format!("publishing to {subject}"))(Box::new(e)))?;
        let ack = pending
            .await
            .map_err(|e| nats_error(format!("storing a message on {subject}"))(Box::new(e)))?;
        Ok(ack.sequence)
    }

    /// Publishes every payload, keeping up to `window` messages awaiting storage at once, and
    /// returns how many were stored. Stops at the first failure.
    pub async fn publish_all<I>(
        &self,
        subject: &str,
        payloads: I,
        window: usize,
    ) -> Result<u64, NatsError>
    where
        I: IntoIterator<Item = Bytes>,
    {
        let window = window.max(1);
        let mut in_flight = std::collections::VecDeque::with_capacity(window);
        let mut stored = 0u64;
        for payload in payloads {
            if in_flight.len() == window
                && let Some(oldest) = in_flight.pop_front()
            {
                oldest_stored(oldest, subject).await?;
                stored += 1;
            }
            let pending = self
                .context
                .publish(subject.to_owned(), payload)
                .await
                .map_err(|e| nats_error(format!("publishing to {subject}"))(Box::new(e)))?;
            in_flight.push_back(pending);
        }
        for pending in in_flight {
            oldest_stored(pending, subject).await?;
            stored += 1;
        }
        Ok(stored)
    }
}

async fn oldest_stored(
    pending: jetstream::context::PublishAckFuture,
    subject: &str,
) -> Result<(), NatsError> {
    pending
        .await
        .map(drop)
        .map_err(|e| nats_error(format!("storing a message on {subject}"))(Box::new(e)))
}
