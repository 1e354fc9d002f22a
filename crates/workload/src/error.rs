//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while configuring, generating, writing or re-checking a
/// workload. Each variant says what was wrong, where, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    /// A configuration value is outside its allowed range.
    #[error("invalid workload configuration: `{field}` {problem}")]
    Config {
        /// The configuration field (as the CLI flag would name it).
        field: &'static str,
        /// What is wrong with it and what range is accepted.
        problem: String,
    },

    /// A textual option (format, DNS layout) did not name a known value.
    #[error("unknown {what} `{given}`: expected one of {expected}")]
    UnknownOption {
        /// Which option was being parsed.
        what: &'static str,
        /// The text that was given.
        given: String,
        /// The accepted spellings.
        expected: &'static str,
    },

    /// Reading or writing a file failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// Serialising a generated object to JSON failed.
    #[error("could not serialise {what} to JSON: {source}")]
    Serialize {
        /// What was being serialised.
        what: &'static str,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },

    /// `phalanx_stix` could not derive a deterministic id for a generated SCO (it has no
    /// ID-contributing property). This is a generator bug, never a user error.
    #[error(
        "no deterministic id for a generated `{sco_type}` SCO (generator bug; please report it)"
    )]
    ScoId {
        /// The SCO type.
        sco_type: String,
    },

    /// A telemetry line handed to the re-check is not what the generator writes.
    #[error(
        "events line {line}: {problem} (re-check reads only lines this crate generated, in the format it was told)"
    )]
    Recheck {
        /// Zero-based line number in the events file.
        line: u64,
        /// What was wrong with the line.
        problem: String,
    },

    /// The ground truth written by the generator and the independent re-derivation disagree.
    /// This is a generator bug, never a user error.
    #[error(
        "ground-truth self-check failed: {0} (generator bug; please report it with the seed and sizes)"
    )]
    SelfCheck(String),
}

impl WorkloadError {
    /// Shorthand for [`WorkloadError::Io`].
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        WorkloadError::Io {
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`WorkloadError::Config`].
    pub(crate) fn config(field: &'static str, problem: impl Into<String>) -> Self {
        WorkloadError::Config {
            field,
            problem: problem.into(),
        }
    }
}
