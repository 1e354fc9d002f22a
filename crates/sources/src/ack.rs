//! The acknowledgement handle carried by every record.
//!
//! A source advances only past records the engine has acknowledged: a followed file saves the
//! offset after the last contiguously acknowledged line, a NATS consumer acks the message so the
//! server stops redelivering it. Sources with nothing to advance (stdin, syslog, HTTP, files read
//! once) hand out no-op handles, so the engine can treat every record the same way.
//!
//! An `Ack` that is dropped without [`Ack::ack`] counts as a failure: the NATS server redelivers
//! the message after the consumer's `ack_wait`, and a followed file stops advancing its saved
//! offset at that line (see [`crate::file::FileProgress`]).

use std::fmt;
use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::message::Acker;

use crate::file::FileAck;

/// Tells a record's source that the engine is done with it (or failed it).
pub struct Ack {
    inner: Inner,
}

enum Inner {
    Noop,
    File(FileAck),
    Nats(Box<Acker>),
}

/// An acknowledgement that could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    /// The acknowledgement could not be published to the NATS server (for example while the
    /// client is reconnecting). The server will redeliver the message after `ack_wait`, so the
    /// record may be seen again.
    #[error(
        "could not send the acknowledgement to the NATS server: {error}; the message will be \
         redelivered after the consumer's ack_wait"
    )]
    Nats {
        /// The client's reason.
        #[source]
        error: async_nats::Error,
    },
}

impl Ack {
    /// A handle with nothing to acknowledge.
    pub const fn noop() -> Ack {
        Ack { inner: Inner::Noop }
    }

    pub(crate) fn file(ack: FileAck) -> Ack {
        Ack {
            inner: Inner::File(ack),
        }
    }

    pub(crate) fn nats(acker: Acker) -> Ack {
        Ack {
            inner: Inner::Nats(Box::new(acker)),
        }
    }

    /// Whether acknowledging this record has any effect (false for stdin, syslog, HTTP and
    /// once-read files).
    pub fn is_noop(&self) -> bool {
        matches!(self.inner, Inner::Noop)
    }

    /// The record was processed: the source may advance past it.
    pub async fn ack(self) -> Result<(), AckError> {
        match self.inner {
            Inner::Noop => Ok(()),
            Inner::File(ack) => {
                ack.ack();
                Ok(())
            }
            Inner::Nats(acker) => acker.ack().await.map_err(|error| AckError::Nats { error }),
        }
    }

    /// Processing failed and should be retried.
    ///
    /// NATS redelivers the message (after `delay`, or at once). A followed file cannot re-read
    /// a line in the running process: its saved offset stays before this line for the rest of
    /// the run, so the line and everything after it are read again after a restart (and the
    /// failure is counted in the source's errors). `delay` is ignored for files.
    pub async fn nak(self, delay: Option<Duration>) -> Result<(), AckError> {
        match self.inner {
            Inner::Noop => Ok(()),
            Inner::File(ack) => {
                ack.nak();
                Ok(())
            }
            Inner::Nats(acker) => acker
                .ack_with(AckKind::Nak(delay))
                .await
                .map_err(|error| AckError::Nats { error }),
        }
    }
}

impl fmt::Debug for Ack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &self.inner {
            Inner::Noop => "noop",
            Inner::File(_) => "file",
            Inner::Nats(_) => "nats",
        };
        f.debug_struct("Ack").field("kind", &kind).finish()
    }
}
