//! What a node serves over TAXII: its API roots and their collections.
//!
//! These types are deserialised from the `[taxii]` part of the node's TOML configuration file.
//! [`TaxiiConfig::validate`] checks everything a typo could break (names, duplicate ids and
//! aliases) so that a bad file is refused at start-up with a message that names the entry.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::media::STIX_MEDIA_TYPE;

/// The TAXII server's configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TaxiiConfig {
    /// Title of the discovery resource.
    #[serde(default = "default_title")]
    pub title: String,
    /// Description of the discovery resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Contact information of the discovery resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// Name of the API root announced as `default` in discovery (defaults to the first one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_api_root: Option<String>,
    /// Largest page the server returns, whatever `limit` asks for.
    #[serde(default = "default_max_page_size")]
    pub max_page_size: usize,
    /// The API roots.
    #[serde(default)]
    pub api_roots: Vec<ApiRootConfig>,
}

/// One API root, served at `/{name}/`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiRootConfig {
    /// The path segment of the API root (`a-z`, `0-9`, `-`, `_`).
    pub name: String,
    /// Title of the API root resource.
    pub title: String,
    /// Description of the API root resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Largest accepted POST body in bytes; larger bodies get 413.
    #[serde(default = "default_max_content_length")]
    pub max_content_length: usize,
    /// The collections of this API root.
    #[serde(default)]
    pub collections: Vec<CollectionConfig>,
}

/// One collection.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CollectionConfig {
    /// The collection's identifier (a UUIDv4), also its key in the store.
    pub id: Uuid,
    /// An alias usable in URLs instead of the id, unique within the API root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Media types of the objects in the collection.
    #[serde(default = "default_media_types")]
    pub media_types: Vec<String>,
}

fn default_title() -> String {
    "Phalanx node".to_owned()
}

/// Default and maximum page size.
pub const DEFAULT_MAX_PAGE_SIZE: usize = 1000;

fn default_max_page_size() -> usize {
    DEFAULT_MAX_PAGE_SIZE
}

/// Default `max_content_length`: 64 MiB.
pub const DEFAULT_MAX_CONTENT_LENGTH: usize = 64 * 1024 * 1024;

fn default_max_content_length() -> usize {
    DEFAULT_MAX_CONTENT_LENGTH
}

fn default_media_types() -> Vec<String> {
    vec![STIX_MEDIA_TYPE.to_owned()]
}

/// A configuration mistake, naming the entry at fault.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// An API root name that cannot be a URL path segment.
    #[error(
        "API root name `{0}` is invalid: use 1-64 characters from a-z, 0-9, '-' and '_' (and not `taxii2`, which is the discovery path)"
    )]
    BadRootName(String),
    /// Two API roots share a name.
    #[error("API root `{0}` is configured twice; give each API root a unique name")]
    DuplicateRoot(String),
    /// Two collections share an id.
    #[error("collection id {0} is configured twice; every collection needs its own UUID")]
    DuplicateCollection(Uuid),
    /// An alias that is empty, looks like a UUID or is used twice in one root.
    #[error(
        "collection alias `{alias}` in API root `{root}` is invalid or used twice: aliases are unique per root, 1-64 characters from a-z, 0-9, '-' and '_'"
    )]
    BadAlias {
        /// API root.
        root: String,
        /// Alias.
        alias: String,
    },
    /// `default_api_root` names no configured root.
    #[error("default_api_root `{0}` is not one of the configured API roots")]
    UnknownDefault(String),
    /// Sizes must be positive.
    #[error("{0} must be greater than zero")]
    ZeroSize(&'static str),
}

fn is_path_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl TaxiiConfig {
    /// A configuration with one API root `api` and one read-write collection `default`, used
    /// when a node starts without a configuration file.
    pub fn zero_config(collection_id: Uuid) -> Self {
        TaxiiConfig {
            title: default_title(),
            description: Some("A Phalanx node (zero-configuration start).".to_owned()),
            contact: None,
            default_api_root: Some("api".to_owned()),
            max_page_size: DEFAULT_MAX_PAGE_SIZE,
            api_roots: vec![ApiRootConfig {
                name: "api".to_owned(),
                title: "Phalanx API root".to_owned(),
                description: None,
                max_content_length: DEFAULT_MAX_CONTENT_LENGTH,
                collections: vec![CollectionConfig {
                    id: collection_id,
                    alias: Some("default".to_owned()),
                    title: "Default collection".to_owned(),
                    description: Some("Read-write collection of this node.".to_owned()),
                    media_types: default_media_types(),
                }],
            }],
        }
    }

    /// Checks names, uniqueness and sizes.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_page_size == 0 {
            return Err(ConfigError::ZeroSize("max_page_size"));
        }
        let mut roots = std::collections::HashSet::new();
        let mut collections = std::collections::HashSet::new();
        for root in &self.api_roots {
            if !is_path_name(&root.name) || root.name == "taxii2" {
                return Err(ConfigError::BadRootName(root.name.clone()));
            }
            if !roots.insert(root.name.as_str()) {
                return Err(ConfigError::DuplicateRoot(root.name.clone()));
            }
            if root.max_content_length == 0 {
                return Err(ConfigError::ZeroSize("max_content_length"));
            }
            let mut aliases = std::collections::HashSet::new();
            for collection in &root.collections {
                if !collections.insert(collection.id) {
                    return Err(ConfigError::DuplicateCollection(collection.id));
                }
                if let Some(alias) = &collection.alias {
                    let looks_like_uuid = Uuid::parse_str(alias).is_ok();
                    if !is_path_name(alias) || looks_like_uuid || !aliases.insert(alias.as_str()) {
                        return Err(ConfigError::BadAlias {
                            root: root.name.clone(),
                            alias: alias.clone(),
                        });
                    }
                }
            }
        }
        if let Some(default) = &self.default_api_root
            && !roots.contains(default.as_str())
        {
            return Err(ConfigError::UnknownDefault(default.clone()));
        }
        Ok(())
    }

    /// The API root with this name.
    pub fn api_root(&self, name: &str) -> Option<&ApiRootConfig> {
        self.api_roots.iter().find(|r| r.name == name)
    }

    /// Every collection with the API root it belongs to.
    pub fn collections(&self) -> impl Iterator<Item = (&ApiRootConfig, &CollectionConfig)> {
        self.api_roots
            .iter()
            .flat_map(|r| r.collections.iter().map(move |c| (r, c)))
    }
}

impl ApiRootConfig {
    /// The collection named by `key`: its id or its alias.
    pub fn collection(&self, key: &str) -> Option<&CollectionConfig> {
        match Uuid::parse_str(key) {
            Ok(id) => self.collections.iter().find(|c| c.id == id),
            Err(_) => self
                .collections
                .iter()
                .find(|c| c.alias.as_deref() == Some(key)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn zero_config_is_valid_and_resolves_alias_and_id() {
        let id = Uuid::new_v4();
        let config = TaxiiConfig::zero_config(id);
        config.validate().unwrap();
        let root = config.api_root("api").unwrap();
        assert_eq!(root.collection("default").unwrap().id, id);
        assert_eq!(root.collection(&id.to_string()).unwrap().id, id);
        assert!(root.collection("other").is_none());
    }

    #[test]
    fn mistakes_are_named() {
        let id = Uuid::new_v4();
        let mut config = TaxiiConfig::zero_config(id);
        config.api_roots[0].name = "taxii2".into();
        assert_eq!(
            config.validate(),
            Err(ConfigError::BadRootName("taxii2".into()))
        );

        let mut config = TaxiiConfig::zero_config(id);
        let again = config.api_roots[0].collections[0].clone();
        config.api_roots[0].collections.push(again);
        assert_eq!(config.validate(), Err(ConfigError::DuplicateCollection(id)));

        let mut config = TaxiiConfig::zero_config(id);
        config.api_roots[0].collections[0].alias = Some(Uuid::new_v4().to_string());
        assert!(matches!(
            config.validate(),
            Err(ConfigError::BadAlias { .. })
        ));

        let mut config = TaxiiConfig::zero_config(id);
        config.default_api_root = Some("nope".into());
        assert_eq!(
            config.validate(),
            Err(ConfigError::UnknownDefault("nope".into()))
        );
    }

    #[test]
    fn parses_from_toml_with_defaults() {
        let text = r#"
            title = "Node X"
            [[api_roots]]
            name = "intel"
            title = "Intel"
            [[api_roots.collections]]
            id = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
            title = "Indicators"
        "#;
        let config: TaxiiConfig = toml::from_str(text).unwrap();
        config.validate().unwrap();
        assert_eq!(config.max_page_size, DEFAULT_MAX_PAGE_SIZE);
        assert_eq!(
            config.api_roots[0].collections[0].media_types,
            [STIX_MEDIA_TYPE]
        );
    }
}
