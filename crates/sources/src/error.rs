//! Errors that stop a source or refuse its configuration.
//!
//! Problems with individual records or frames (an over-long line, a malformed syslog frame, a
//! NATS message without metadata) are not errors of this kind: they are counted in the source's
//! [`crate::SourceStats`] with a sample of their reasons, and the source keeps going.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::file::OffsetStoreError;

/// A configuration that cannot be started.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// One source's settings are out of range; every problem is listed.
    #[error("source '{name}': {}", problems.join("; "))]
    Invalid {
        /// The source's name.
        name: String,
        /// One line per problem, naming the key to fix.
        problems: Vec<String>,
    },
    /// Two sources share a name; names label metrics, origins and saved offsets.
    #[error("two sources are named '{name}'; give every source a unique `name`")]
    DuplicateName {
        /// The repeated name.
        name: String,
    },
}

/// Why a source could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The configuration was refused before anything started.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A file could not be opened, read or positioned.
    #[error("source '{name}': cannot {action} {path}: {error}; check the path and its permissions")]
    File {
        /// The source's name.
        name: String,
        /// What was being done (`open`, `read`, `seek in`, ...).
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },
    /// Reading a stream (standard input) failed.
    #[error("source '{name}': cannot read {what}: {error}")]
    Read {
        /// The source's name.
        name: String,
        /// What was being read.
        what: &'static str,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },
    /// A listening socket could not be opened.
    #[error(
        "source '{name}': cannot listen on {addr}: {error}; check that no other program uses the \
         port and that this user may bind it"
    )]
    Bind {
        /// The source's name.
        name: String,
        /// The configured `listen` address.
        addr: SocketAddr,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },
    /// The saved offset of a file source could not be read.
    #[error("source '{name}': {error}")]
    Offsets {
        /// The source's name.
        name: String,
        /// What went wrong with the offset store.
        #[source]
        error: OffsetStoreError,
    },
    /// A source's task panicked (a bug: please report it with the logs).
    #[error("source '{name}' stopped unexpectedly: {reason}")]
    Panicked {
        /// The source's name.
        name: String,
        /// What the runtime reported.
        reason: String,
    },
}
