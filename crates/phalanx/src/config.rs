//! The node's configuration: one TOML file, overridable by environment variables.
//!
//! Precedence, lowest first: built-in defaults, the TOML file (`--config` / `PHALANX_CONFIG`),
//! environment variables `PHALANX_<SECTION>__<KEY>` (for example `PHALANX_NODE__LISTEN`), and
//! finally the command-line flags `--data` and `--listen` (also readable from `PHALANX_DATA`
//! and `PHALANX_LISTEN`).
//!
//! Without a file the node runs in zero-configuration mode: one API root `api` with one
//! read-write collection `default`, whose id is minted on first start and kept in the store.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use phalanx_taxii::config::TaxiiConfig;

/// Default data folder, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "phalanx-data";

/// The whole configuration file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    /// Process-level settings.
    #[serde(default)]
    pub node: NodeSection,
    /// TLS; plain HTTP when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSection>,
    /// What is served over TAXII. Absent: zero-configuration mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taxii: Option<TaxiiConfig>,
    /// Principals declared in the file, synchronised into the store at start-up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<PrincipalConfig>,
    /// Live detection: sources, alerts, sightings. Absent: no detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detect: Option<crate::live_detect::DetectConfig>,
}

/// `[node]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSection {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Folder of the embedded database, the admin key and other state.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
}

impl Default for NodeSection {
    fn default() -> Self {
        NodeSection {
            listen: default_listen(),
            data_dir: default_data_dir(),
        }
    }
}

/// `[tls]`: PEM certificate chain and private key.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// Certificate chain (PEM).
    pub cert: PathBuf,
    /// Private key (PEM, PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// `[[principals]]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalConfig {
    /// Unique name (the Basic-auth user name).
    pub name: String,
    /// Argon2 PHC hash of the password (`phalanx principal hash-password` prints one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    /// Administrators may read and write every collection and use the admin endpoints.
    #[serde(default)]
    pub admin: bool,
    /// Collections this principal may read, by id or `root/alias`.
    #[serde(default)]
    pub read: Vec<String>,
    /// Collections this principal may write, by id or `root/alias`.
    #[serde(default)]
    pub write: Vec<String>,
}

/// Default listen address of `phalanx serve`: 127.0.0.1:8441.
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8441))
}

fn default_data_dir() -> PathBuf {
    PathBuf::from(DEFAULT_DATA_DIR)
}

/// Command-line overrides that win over the file and the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--data`.
    pub data_dir: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<SocketAddr>,
}

impl NodeConfig {
    /// Loads the configuration: defaults, then the file (if any), then `PHALANX_*` variables,
    /// then the command-line overrides. Validates the result.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<NodeConfig> {
        let mut figment = Figment::from(Serialized::defaults(NodeConfig::empty()));
        if let Some(path) = file {
            if !path.exists() {
                bail!(
                    "configuration file {} does not exist; check --config or PHALANX_CONFIG",
                    path.display()
                );
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment.merge(
            // Only `PHALANX_<SECTION>__<KEY>` variables configure the node; other `PHALANX_*`
            // variables (PHALANX_LOG, PHALANX_DATA, tool paths) are not configuration keys.
            Env::prefixed("PHALANX_")
                .filter(|key| key.as_str().contains("__"))
                .split("__"),
        );
        let mut config: NodeConfig = figment.extract().map_err(|e| {
            let origin =
                file.map_or_else(|| "the environment".to_owned(), |p| p.display().to_string());
            anyhow::anyhow!("invalid configuration in {origin}: {e}")
        })?;
        if let Some(dir) = &overrides.data_dir {
            config.node.data_dir = dir.clone();
        }
        if let Some(listen) = overrides.listen {
            config.node.listen = listen;
        }
        config.validate()?;
        Ok(config)
    }

    /// The configuration a command acting on a node's data folder uses: its `--config`
    /// file and `--data` folder, nothing to listen on.
    pub fn for_command(args: &crate::cli::NodeArgs) -> Result<NodeConfig> {
        NodeConfig::load(
            args.config.as_deref(),
            &Overrides {
                data_dir: args.data.clone(),
                listen: None,
            },
        )
    }

    fn empty() -> NodeConfig {
        NodeConfig {
            node: NodeSection::default(),
            tls: None,
            taxii: None,
            principals: Vec::new(),
            detect: None,
        }
    }

    fn validate(&self) -> Result<()> {
        if let Some(taxii) = &self.taxii {
            taxii.validate().context("invalid [taxii] section")?;
        }
        let mut names = std::collections::HashSet::new();
        for p in &self.principals {
            if p.name.is_empty() || p.name.contains(':') {
                bail!(
                    "principal name `{}` is invalid: it must be non-empty and contain no ':'",
                    p.name
                );
            }
            if !names.insert(p.name.as_str()) {
                bail!("principal `{}` is declared twice", p.name);
            }
        }
        Ok(())
    }

    /// Path of the embedded database.
    pub fn database_path(&self) -> PathBuf {
        self.node.data_dir.join("phalanx.db")
    }

    /// Path of the admin API key written on first start.
    pub fn admin_key_path(&self) -> PathBuf {
        self.node.data_dir.join("admin.key")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_without_a_file() {
        let config = NodeConfig::load(None, &Overrides::default()).unwrap();
        assert_eq!(config.node.listen.to_string(), "127.0.0.1:8441");
        assert!(config.taxii.is_none());
    }

    #[test]
    fn file_then_overrides() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("node.toml");
        std::fs::write(
            &path,
            r#"
            [node]
            listen = "127.0.0.1:9999"
            data_dir = "/var/lib/phalanx"
            [taxii]
            title = "X"
            [[taxii.api_roots]]
            name = "intel"
            title = "Intel"
            [[principals]]
            name = "analyst"
            read = ["intel/indicators"]
            "#,
        )
        .unwrap();
        let config = NodeConfig::load(Some(&path), &Overrides::default()).unwrap();
        assert_eq!(config.node.listen.port(), 9999);
        assert_eq!(config.principals[0].read, ["intel/indicators"]);
        let over = Overrides {
            data_dir: Some("/tmp/x".into()),
            listen: Some("127.0.0.1:1".parse().unwrap()),
        };
        let config = NodeConfig::load(Some(&path), &over).unwrap();
        assert_eq!(config.node.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.node.listen.port(), 1);
    }

    #[test]
    fn mistakes_name_the_file_and_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "[node]\nlisten = \"nowhere\"\n").unwrap();
        let err = NodeConfig::load(Some(&path), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.toml"), "{err}");
        std::fs::write(&path, "[node]\nlistn = \"127.0.0.1:1\"\n").unwrap();
        let err = NodeConfig::load(Some(&path), &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("listn"), "{err}");
        assert!(
            NodeConfig::load(
                Some(&dir.path().join("missing.toml")),
                &Overrides::default()
            )
            .is_err()
        );
    }
}
