//! Opening a node's data folder: the store, the effective TAXII configuration, principals
//! declared in the configuration file, and the first-start admin key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};
use phalanx_store::{Grant, NewApiKey, NewPrincipal, SqliteStore, Store};
use phalanx_taxii::config::{ApiRootConfig, CollectionConfig, TaxiiConfig};
use uuid::Uuid;

use crate::config::NodeConfig;

/// Meta key under which the zero-configuration collection id is kept, so it survives restarts.
const ZERO_CONFIG_COLLECTION: &str = "zero_config.collection_id";
/// Meta key recording that the first-start admin key was written.
const ADMIN_KEY_WRITTEN: &str = "bootstrap.admin_key_written";
/// Name of the principal created on first start.
pub const BOOTSTRAP_ADMIN: &str = "admin";

/// An opened node.
#[derive(Debug)]
pub struct Node {
    /// The data folder.
    pub data_dir: PathBuf,
    /// The store.
    pub store: Arc<dyn Store>,
    /// What is served over TAXII (the file's `[taxii]`, or the zero-configuration default).
    pub taxii: TaxiiConfig,
    admin_key_path: PathBuf,
}

impl Node {
    /// Opens (and on first use creates) the node's data folder and store.
    pub fn open(config: &NodeConfig) -> Result<Node> {
        let data_dir = config.node.data_dir.clone();
        create_private_dir(&data_dir)?;
        let db = config.database_path();
        let store = SqliteStore::open(&db)
            .with_context(|| format!("cannot open the store {}", db.display()))?;
        let store: Arc<dyn Store> = Arc::new(store);
        let taxii = match &config.taxii {
            Some(taxii) => taxii.clone(),
            None => TaxiiConfig::zero_config(zero_config_collection(store.as_ref())?),
        };
        for (_, collection) in taxii.collections() {
            store
                .ensure_collection(&collection.id.to_string())
                .with_context(|| format!("cannot create collection {}", collection.id))?;
        }
        let node = Node {
            data_dir,
            store,
            taxii,
            admin_key_path: config.admin_key_path(),
        };
        node.sync_principals(config)?;
        Ok(node)
    }

    fn sync_principals(&self, config: &NodeConfig) -> Result<()> {
        for p in &config.principals {
            self.store
                .upsert_principal(&NewPrincipal {
                    name: &p.name,
                    password_hash: p.password_hash.as_deref(),
                    admin: p.admin,
                })
                .with_context(|| format!("cannot store principal `{}`", p.name))?;
            let mut rights: std::collections::BTreeMap<String, (bool, bool)> = Default::default();
            for reference in &p.read {
                let (_, c) = self
                    .collection(Some(reference))
                    .with_context(|| format!("principal `{}`", p.name))?;
                rights.entry(c.id.to_string()).or_default().0 = true;
            }
            for reference in &p.write {
                let (_, c) = self
                    .collection(Some(reference))
                    .with_context(|| format!("principal `{}`", p.name))?;
                rights.entry(c.id.to_string()).or_default().1 = true;
            }
            for (collection, (can_read, can_write)) in rights {
                self.store.set_grant(&Grant {
                    principal: p.name.clone(),
                    collection,
                    can_read,
                    can_write,
                })?;
            }
        }
        Ok(())
    }

    /// On the node's first start, creates the `admin` principal with an API key and writes the
    /// key to `DATA/admin.key` (mode 0600). Returns the file's path when it wrote it.
    pub fn bootstrap_admin_key(&self) -> Result<Option<PathBuf>> {
        if self.store.get_meta(ADMIN_KEY_WRITTEN)?.is_some() {
            return Ok(None);
        }
        let existing = self.store.get_principal(BOOTSTRAP_ADMIN)?;
        if existing.as_ref().is_some_and(|p| !p.admin) {
            bail!(
                "a principal named `{BOOTSTRAP_ADMIN}` exists but is not an administrator; \
                 rename it or make it an admin before the first start"
            );
        }
        if existing.is_none() {
            self.store.upsert_principal(&NewPrincipal {
                name: BOOTSTRAP_ADMIN,
                password_hash: None,
                admin: true,
            })?;
        }
        let key = phalanx_taxii::auth::generate_api_key();
        let key_id = Uuid::new_v4().to_string();
        self.store.create_api_key(&NewApiKey {
            key_id: &key_id,
            principal: BOOTSTRAP_ADMIN,
            key_hash: &key.hash,
            label: "first-start admin key",
        })?;
        write_private_file(&self.admin_key_path, &format!("{}\n", key.secret))?;
        self.store.set_meta(ADMIN_KEY_WRITTEN, &key_id)?;
        Ok(Some(self.admin_key_path.clone()))
    }

    /// Finds a collection by id, alias, or `root/alias`; with no reference, the only collection.
    pub fn collection(
        &self,
        reference: Option<&str>,
    ) -> Result<(&ApiRootConfig, &CollectionConfig)> {
        let all: Vec<_> = self.taxii.collections().collect();
        let listing = || {
            all.iter()
                .map(|(r, c)| {
                    format!(
                        "{}/{} ({})",
                        r.name,
                        c.alias.as_deref().unwrap_or("-"),
                        c.id
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(reference) = reference else {
            return match all.as_slice() {
                [only] => Ok(*only),
                [] => Err(anyhow!(
                    "this node has no collections; add some under [taxii] in the configuration"
                )),
                _ => Err(anyhow!(
                    "this node has several collections; choose one with --collection: {}",
                    listing()
                )),
            };
        };
        let (root, key) = match reference.split_once('/') {
            Some((root, key)) => (Some(root), key),
            None => (None, reference),
        };
        let found: Vec<_> = all
            .iter()
            .filter(|(r, _)| root.is_none_or(|name| r.name == name))
            .filter(|(r, c)| r.collection(key).is_some_and(|found| found.id == c.id))
            .copied()
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(anyhow!(
                "no collection `{reference}`; this node has: {}",
                listing()
            )),
            _ => Err(anyhow!(
                "`{reference}` names several collections; write it as root/alias: {}",
                listing()
            )),
        }
    }
}

fn zero_config_collection(store: &dyn Store) -> Result<Uuid> {
    if let Some(text) = store.get_meta(ZERO_CONFIG_COLLECTION)? {
        return Uuid::parse_str(&text)
            .with_context(|| format!("stored {ZERO_CONFIG_COLLECTION} `{text}` is not a UUID"));
    }
    let id = Uuid::new_v4();
    store.set_meta(ZERO_CONFIG_COLLECTION, &id.to_string())?;
    Ok(id)
}

fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the data folder {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict the data folder {}", dir.display()))?;
    }
    Ok(())
}

/// Writes a secret file readable only by its owner (created with mode 0600, never widened).
fn write_private_file(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    Ok(())
}
