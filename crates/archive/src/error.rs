//! What can go wrong, with the file concerned and what to do about it.

use std::path::PathBuf;

/// An error of the archive. Every variant names the file or setting concerned.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The [`crate::Limits`] are out of range; every problem is listed.
    #[error("archive limits refused: {}; fix the [detect.archive] settings", problems.join("; "))]
    Limits {
        /// One line per problem, naming the setting.
        problems: Vec<String>,
    },
    /// A file or the archive folder could not be created, read, written, synced, renamed or
    /// removed.
    #[error(
        "archive: cannot {action} {path}: {error}; check that the folder exists, that this user \
         may write it and that the disk has room"
    )]
    Io {
        /// What was being done (`create`, `write`, `sync`, `rename`, ...).
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },
    /// Another [`crate::Archive`] (in this or another process) holds the folder.
    #[error(
        "archive folder in use: another archive holds its lock {path}; stop that node (or close \
         the other handle) or give this one another folder"
    )]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// A segment's bytes are not what the archive writes. A scan reports it once and goes on
    /// with the next segment; [`crate::Archive::open`] lists it in its [`crate::OpenReport`].
    #[error(
        "archive segment {path} is damaged: {reason}; it is skipped (its entries cannot be \
         read) and removed by retention in turn, or delete it by hand"
    )]
    Corrupt {
        /// The segment file.
        path: PathBuf,
        /// What was wrong, and where (entry number) when known.
        reason: String,
    },
    /// An entry's field is longer than the format allows.
    #[error(
        "archive: the entry's {field} is {len} bytes, more than the {limit} the archive stores; \
         the entry was not written"
    )]
    EntryTooLarge {
        /// `record`, `source` or `position`.
        field: &'static str,
        /// Its length.
        len: usize,
        /// The limit ([`crate::MAX_RECORD_BYTES`] or [`crate::MAX_LABEL_BYTES`]).
        limit: usize,
    },
    /// [`crate::Archive::scan`] was given `since > until`.
    #[error("archive scan: the range is empty (since {since} > until {until}); swap the bounds")]
    EmptyRange {
        /// The lower bound given.
        since: i64,
        /// The upper bound given.
        until: i64,
    },
}

impl ArchiveError {
    /// An [`ArchiveError::Io`] for `action` on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        error: std::io::Error,
    ) -> Self {
        ArchiveError::Io {
            action,
            path: path.into(),
            error,
        }
    }
}
