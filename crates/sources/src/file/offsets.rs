//! Saved positions of followed files, and where they are kept.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// The identity of a file on its file system (device and inode numbers). A rotated file keeps
/// its identity under its new name; a file created at the old path gets a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FileId {
    /// Device number (`st_dev`).
    pub dev: u64,
    /// Inode number (`st_ino`).
    pub inode: u64,
}

impl FileId {
    /// The identity of the file `meta` describes.
    ///
    /// On platforms without inode numbers every file gets the same identity, so rotation by
    /// rename is not recognised there (Phalanx targets Linux).
    pub fn of(meta: &fs::Metadata) -> FileId {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            FileId {
                dev: meta.dev(),
                inode: meta.ino(),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            FileId { dev: 0, inode: 0 }
        }
    }
}

impl fmt::Display for FileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dev {} inode {}", self.dev, self.inode)
    }
}

/// A position in a followed file: everything before `offset` (lines `1..=line`) has been
/// processed by the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The file the position belongs to.
    pub file: FileId,
    /// Byte offset just past the last processed line's newline; reading resumes here.
    pub offset: u64,
    /// Number of lines before `offset` (the last processed line's number).
    pub line: u64,
}

/// What an [`OffsetStore`] keeps per source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedOffset {
    /// The configured path of the source when the offset was saved.
    pub path: PathBuf,
    /// The position reached.
    #[serde(flatten)]
    pub checkpoint: Checkpoint,
}

/// A failure to load or save an offset.
#[derive(Debug, thiserror::Error)]
pub enum OffsetStoreError {
    /// Reading or writing the state failed.
    #[error(
        "cannot {action} offset state {path}: {error}; check that the folder exists and is writable"
    )]
    Io {
        /// What was being done (`read`, `write`, `rename`, `sync`, ...).
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        error: std::io::Error,
    },
    /// The saved state is not what this version writes.
    #[error(
        "offset state {path} is unreadable ({reason}); move it away to start the source from \
         its configured start_at"
    )]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// An engine-provided store failed.
    #[error("offset store failed: {reason}")]
    Other {
        /// The store's own description of the failure.
        reason: String,
    },
}

/// Where followed-file sources keep their acknowledged positions.
///
/// The source calls `load` once at start and `save` (from a blocking thread) whenever the
/// acknowledged position has moved and its commit interval elapsed, or when
/// [`super::FileProgress::flush`] is called. An engine that wants its own results and the offset
/// committed in one transaction implements this trait over its own database (and may set
/// `commit_interval_ms = 0` to decide itself when to save).
pub trait OffsetStore: Send + Sync + fmt::Debug + 'static {
    /// The offset saved for `source`, or `None` if there is none.
    fn load(&self, source: &str) -> Result<Option<SavedOffset>, OffsetStoreError>;

    /// Saves `offset` for `source` durably, replacing the previous one.
    fn save(&self, source: &str, offset: &SavedOffset) -> Result<(), OffsetStoreError>;
}

/// Keeps one small JSON file per source in a folder, replaced atomically on every save
/// (write to a temporary file, fsync, rename over the old one, fsync the folder), so a crash
/// leaves either the old or the new offset, never a torn one.
#[derive(Debug, Clone)]
pub struct FileOffsetStore {
    dir: PathBuf,
}

/// Format version written into state files.
const STATE_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    source: String,
    #[serde(flatten)]
    saved: SavedOffset,
}

impl FileOffsetStore {
    /// A store keeping its files in `dir`, which is created if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Result<FileOffsetStore, OffsetStoreError> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|error| OffsetStoreError::Io {
            action: "create the folder for",
            path: dir.clone(),
            error,
        })?;
        Ok(FileOffsetStore { dir })
    }

    /// The state file used for `source`: its name with every byte outside `[A-Za-z0-9_-]`
    /// percent-encoded, so distinct names never share a file.
    pub fn path_for(&self, source: &str) -> PathBuf {
        let mut name = String::with_capacity(source.len() + 12);
        for byte in source.bytes() {
            if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
                name.push(char::from(byte));
            } else {
                name.push_str(&format!("%{byte:02X}"));
            }
        }
        name.push_str(".offset.json");
        self.dir.join(name)
    }
}

impl OffsetStore for FileOffsetStore {
    fn load(&self, source: &str) -> Result<Option<SavedOffset>, OffsetStoreError> {
        let path = self.path_for(source);
        let text = match fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                return Err(OffsetStoreError::Io {
                    action: "read",
                    path,
                    error,
                });
            }
        };
        let state: StateFile =
            serde_json::from_slice(&text).map_err(|e| OffsetStoreError::Corrupt {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if state.version != STATE_VERSION {
            return Err(OffsetStoreError::Corrupt {
                path,
                reason: format!("version {} (expected {STATE_VERSION})", state.version),
            });
        }
        if state.source != source {
            return Err(OffsetStoreError::Corrupt {
                path,
                reason: format!("it belongs to source '{}'", state.source),
            });
        }
        Ok(Some(state.saved))
    }

    fn save(&self, source: &str, offset: &SavedOffset) -> Result<(), OffsetStoreError> {
        let path = self.path_for(source);
        let tmp = path.with_extension("json.tmp");
        let state = StateFile {
            version: STATE_VERSION,
            source: source.to_owned(),
            saved: offset.clone(),
        };
        let text = serde_json::to_vec(&state).map_err(|e| OffsetStoreError::Other {
            reason: e.to_string(),
        })?;
        let io = |action: &'static str, path: &Path| {
            let path = path.to_owned();
            move |error| OffsetStoreError::Io {
                action,
                path,
                error,
            }
        };
        let mut file = fs::File::create(&tmp).map_err(io("create", &tmp))?;
        file.write_all(&text).map_err(io("write", &tmp))?;
        file.sync_all().map_err(io("sync", &tmp))?;
        drop(file);
        fs::rename(&tmp, &path).map_err(io("rename into place", &path))?;
        sync_dir(&self.dir).map_err(io("sync the folder of", &self.dir))?;
        Ok(())
    }
}

/// Makes a rename in `dir` durable.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Keeps offsets in memory only: for tests and for runs that must not resume.
#[derive(Debug, Default)]
pub struct MemoryOffsetStore {
    saved: Mutex<HashMap<String, SavedOffset>>,
}

impl MemoryOffsetStore {
    /// An empty store.
    pub fn new() -> MemoryOffsetStore {
        MemoryOffsetStore::default()
    }
}

impl OffsetStore for MemoryOffsetStore {
    fn load(&self, source: &str) -> Result<Option<SavedOffset>, OffsetStoreError> {
        Ok(self
            .saved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(source)
            .cloned())
    }

    fn save(&self, source: &str, offset: &SavedOffset) -> Result<(), OffsetStoreError> {
        self.saved
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(source.to_owned(), offset.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn saved(offset: u64) -> SavedOffset {
        SavedOffset {
            path: PathBuf::from("/var/log/eve.json"),
            checkpoint: Checkpoint {
                file: FileId { dev: 3, inode: 77 },
                offset,
                line: 9,
            },
        }
    }

    #[test]
    fn file_store_round_trips_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::new(dir.path().join("state")).unwrap();
        assert_eq!(store.load("eve").unwrap(), None);
        store.save("eve", &saved(10)).unwrap();
        store.save("eve", &saved(20)).unwrap();
        assert_eq!(store.load("eve").unwrap(), Some(saved(20)));
        assert_eq!(store.load("other").unwrap(), None);
        let names: Vec<_> = fs::read_dir(dir.path().join("state"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(
            names,
            vec!["eve.offset.json".to_owned()],
            "no temporary file left behind"
        );
    }

    #[test]
    fn distinct_names_get_distinct_files() {
        let store = FileOffsetStore {
            dir: PathBuf::from("/s"),
        };
        assert_ne!(store.path_for("a/b"), store.path_for("a_b"));
        assert_eq!(store.path_for("a/b"), PathBuf::from("/s/a%2Fb.offset.json"));
        assert_eq!(store.path_for(".."), PathBuf::from("/s/%2E%2E.offset.json"));
    }

    #[test]
    fn corrupt_state_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileOffsetStore::new(dir.path()).unwrap();
        fs::write(store.path_for("eve"), b"{not json").unwrap();
        let err = store.load("eve").unwrap_err();
        assert!(matches!(err, OffsetStoreError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("eve.offset.json"), "{err}");
    }
}
