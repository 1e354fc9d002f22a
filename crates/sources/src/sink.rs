//! The bounded queue between sources and the engine, and the [`Source`] trait.
//!
//! Every source pushes [`Batch`]es into one bounded `tokio` channel (the [`Sink`] is its cloneable
//! sending end); the engine owns the receiving end. The bound is in batches, and every batch is
//! bounded in records (`batch_records`) or bytes (the HTTP body limit), so the memory held in
//! the queue is bounded too. When the queue is full, `send` waits, and the waiting is what
//! pushes back on the producer: a file is not read further, a TCP socket is not read (its window
//! closes), a NATS consumer pulls no more; HTTP, which cannot wait, answers 429.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::error::SourceError;
use crate::record::Batch;
use crate::stats::SourceStats;

/// Creates the queue between the sources and the engine, holding at most `capacity` batches
/// (at least 1).
pub fn channel(capacity: usize) -> (Sink, mpsc::Receiver<Batch>) {
    let (tx, rx) = mpsc::channel(capacity.max(1));
    (Sink { tx }, rx)
}

/// The sending end of the engine's queue, shared by every source.
#[derive(Debug, Clone)]
pub struct Sink {
    tx: mpsc::Sender<Batch>,
}

/// Why a batch was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stopped {
    /// The source was asked to stop while waiting for room in the queue.
    #[error("the source was cancelled")]
    Cancelled,
    /// The engine dropped the receiving end: nobody will read further batches.
    #[error("the engine's queue is closed")]
    Closed,
}

/// Why [`Sink::try_send`] refused a batch.
#[derive(Debug, thiserror::Error)]
pub enum TrySendError {
    /// The queue is full; the batch is returned untouched.
    #[error("the engine's queue is full")]
    Full(Batch),
    /// The engine dropped the receiving end.
    #[error("the engine's queue is closed")]
    Closed(Batch),
}

impl Sink {
    /// Sends a batch, waiting for room in the queue, unless `cancel` fires first.
    pub async fn send(&self, batch: Batch, cancel: &CancellationToken) -> Result<(), Stopped> {
        tokio::select! {
            biased;
            () = cancel.cancelled() => Err(Stopped::Cancelled),
            sent = self.tx.send(batch) => sent.map_err(|_| Stopped::Closed),
        }
    }

    /// Sends a batch only if there is room now. A batch is delivered whole or not at all.
    pub fn try_send(&self, batch: Batch) -> Result<(), TrySendError> {
        self.tx.try_send(batch).map_err(|e| match e {
            mpsc::error::TrySendError::Full(b) => TrySendError::Full(b),
            mpsc::error::TrySendError::Closed(b) => TrySendError::Closed(b),
        })
    }

    /// Free batch slots in the queue right now.
    pub fn free_slots(&self) -> usize {
        self.tx.capacity()
    }

    /// Whether the engine has dropped the receiving end.
    pub fn is_closed(&self) -> bool {
        self.tx.is_closed()
    }
}

/// A producer of record batches.
///
/// A source runs as one task: [`Source::run`] reads its input, gathers records into batches and
/// sends them to the [`Sink`], until its input ends, the engine closes the queue, or `cancel`
/// fires. Transient problems (a malformed frame, a lost NATS connection) are counted in its
/// stats and survived; `run` returns an error only when the source cannot go on.
///
/// Why channels rather than a `Stream` per source: each source runs at its own pace on its own
/// task (a slow NATS server does not stall file reading), many sources fan into one queue by
/// cloning the sink, and the bounded queue gives backpressure without the engine polling every
/// source. The queue carries batches so the per-record cost of the hand-over is a fraction of a
/// channel operation.
pub trait Source: Send + 'static {
    /// The source's identity and counters.
    fn stats(&self) -> Arc<SourceStats>;

    /// Runs the source until its input ends, the queue closes or `cancel` fires.
    fn run(
        self,
        sink: Sink,
        cancel: CancellationToken,
    ) -> impl Future<Output = Result<(), SourceError>> + Send;
}
